import { formatCny } from "../../finance/money";
import type { IRouter } from "express";
import { getAddress } from "ethers";
import { Role } from "../../chain/roles";
import { slotOf } from "../../chain/tokenId";
import { misfit, offerHash, offerPrice } from "../../offers/offer";
import type { PieceToPrice } from "../../offers/offer";
import { MAX_OFFERS } from "../../offers/store";
import type { CheckedOffer, OfferStore } from "../../offers/store";
import { signerOf } from "../../onboarding/application";
import { daysBetween } from "../../finance/discount";
import { ApiError, forbidden, notFound } from "../errors";
import { callerOf, requireSession } from "../auth/middleware";
import { holdsRole } from "../members";
import { parseInput } from "../validation";
import type { ApiContext } from "../context";
import type { IndexRouteOptions } from "../indexRoutes";
import { chainNow } from "../requestState";
import { offerAnchorParams, offerListQuery, quoteQuery, signedOfferSchema } from "../wire/schemas";

/**
 * Factors' offers (src/offers/): an active factor publishes, replaces and withdraws its own, each signed by it;
 * a holder asks which current offers fit a piece it holds and at what price, best first. An offer is current
 * while its validity date is ahead (chain time) and its factor is an active FACTOR member; what is left of its
 * appetite is the appetite less the value of that anchor's pieces the factor holds now (from the index, when the
 * API runs one).
 */

const FUTURE_SECONDS = 600n;
const STATUS_ACTIVE = 1n;

export function registerOfferRoutes(router: IRouter, context: ApiContext, offers: OfferStore, index?: IndexRouteOptions): void {
  const session = requireSession(context);
  const { registry, receivableToken } = context.contracts;

  /** The value of `anchorId`'s pieces `factor` holds now; 0 without an index. */
  const exposure = async (factor: string, anchorId: number): Promise<bigint> => {
    if (index === undefined) return 0n;
    const holdings = await index.reader.holdingsOf(factor, { limit: 1 });
    return holdings.byAnchor.find((bucket) => bucket.anchorId === anchorId)?.value ?? 0n;
  };
  const anchorOfSlot = new Map<bigint, Promise<{ anchorId: number; maturity: bigint }>>();
  const receivableOf = (tokenId: bigint): Promise<{ anchorId: number; maturity: bigint }> => {
    const slot = slotOf(tokenId);
    const known = anchorOfSlot.get(slot);
    if (known !== undefined) return known;
    // A confirmed receivable's anchor and maturity never change.
    const reading = receivableToken.receivable(slot).then((found) => ({ anchorId: Number(found.anchorId), maturity: BigInt(found.maturity) }));
    reading.catch(() => anchorOfSlot.delete(slot));
    anchorOfSlot.set(slot, reading);
    return reading;
  };
  const view = (checked: CheckedOffer) => ({
    offer: checked.offer,
    hash: checked.hash,
    signature: checked.signature,
    receivedAt: checked.receivedAt,
  });
  const isCurrent = async (checked: CheckedOffer, now: bigint): Promise<boolean> =>
    BigInt(checked.parsed.validUntil) > now && holdsRole(await context.members.standing(checked.parsed.factor), Role.FACTOR);

  router.post("/v1/offers", session, async (request, response) => {
    const body = parseInput(signedOfferSchema, request.body);
    const caller = callerOf(response);
    if (!holdsRole(caller.standing, Role.FACTOR)) throw forbidden("NOT_A_FACTOR", `${caller.address} is not an active factor`);
    const { offer } = body;
    if (offer.factor !== caller.address) {
      throw new ApiError(422, "OFFER_REFUSED", "a factor publishes offers in its own name only", [
        { path: "offer.factor", message: `you are ${caller.address}, not ${offer.factor}` },
      ]);
    }
    const hash = offerHash(context.chainId, offer);
    const signer = signerOf(hash, body.signature);
    if (signer !== caller.address) {
      throw new ApiError(422, "SIGNATURE_INVALID", "the offer must be signed by its factor", [
        {
          path: "signature",
          message: signer === null ? "the signature is malformed" : `signed by ${signer}, not by ${caller.address} (or for another chain)`,
        },
      ]);
    }
    const now = await chainNow(context);
    const problems = [];
    if (BigInt(offer.validUntil) <= now) problems.push({ path: "offer.validUntil", message: `the validity date has passed (chain time ${now})` });
    if (BigInt(offer.issuedAt) > now + FUTURE_SECONDS) problems.push({ path: "offer.issuedAt", message: `issued in the future (chain time ${now})` });
    if (offer.anchorId > Number(await registry.memberCount())) problems.push({ path: "offer.anchorId", message: `no member ${offer.anchorId}` });
    else {
      const anchor = await registry.member(offer.anchorId);
      if ((Number(anchor.roles) & (1 << Role.ANCHOR)) === 0 || BigInt(anchor.status) !== STATUS_ACTIVE)
        problems.push({ path: "offer.anchorId", message: `${await context.names.member(offer.anchorId)} is not an active anchor` });
    }
    if (problems.length > 0) throw new ApiError(422, "OFFER_REFUSED", "the offer was refused", problems);
    const existing = await offers.get(caller.address, offer.anchorId);
    if (existing !== undefined && existing.parsed.issuedAt >= offer.issuedAt) {
      throw new ApiError(409, "STALE_OFFER", "an offer issued at the same time or later is already published for this anchor", [
        { path: "offer.issuedAt", message: `must be after ${existing.parsed.issuedAt}` },
      ]);
    }
    if (existing === undefined && (await offers.count()) >= MAX_OFFERS)
      throw new ApiError(503, "OFFERS_FULL", "the offer book is full; retry later", [], 3600);
    const stored = await offers.put(offer, body.signature);
    context.logger.info({ factor: caller.address, anchorId: offer.anchorId, rateBps: offer.rateBps }, "offer published");
    response.status(201).json({ offer: stored.offer, hash: stored.hash, replaced: existing !== undefined });
  });

  router.get("/v1/offers/own", session, async (_request, response) => {
    const caller = callerOf(response);
    if (!holdsRole(caller.standing, Role.FACTOR)) throw forbidden("NOT_A_FACTOR", `${caller.address} is not an active factor`);
    const now = await chainNow(context);
    const own = await offers.byFactor(caller.address);
    const inbox = context.requests === undefined ? [] : await context.requests.inbox(caller.address, { limit: 100 });
    const waiting = await Promise.all(
      inbox.map(async (entry) => ({ stored: entry.stored, anchorId: (await receivableOf(BigInt(entry.stored.request.tokenId))).anchorId })),
    );
    const live = await Promise.all(
      waiting.map(async (entry) => ({
        ...entry,
        open:
          !(await context.contracts.financing.isNonceUsed(entry.stored.holder, BigInt(entry.stored.request.nonce))) &&
          BigInt(entry.stored.request.deadline) >= now,
      })),
    );
    response.json({
      offers: await Promise.all(
        own.map(async (checked) => ({
          ...view(checked),
          current: BigInt(checked.parsed.validUntil) > now,
          remaining: (checked.parsed.appetite - (await exposure(caller.address, checked.parsed.anchorId))).toString(),
          requests: live
            .filter((entry) => entry.open && entry.anchorId === checked.parsed.anchorId)
            .map((entry) => ({ ...entry.stored, state: "waiting" as const })),
        })),
      ),
    });
  });

  router.get("/v1/offers", session, async (request, response) => {
    parseInput(offerListQuery, request.query, "query");
    const now = await chainNow(context);
    const current = [];
    for (const checked of await offers.all()) if (await isCurrent(checked, now)) current.push(view(checked));
    response.json({ offers: current });
  });

  router.delete("/v1/offers/:id", session, async (request, response) => {
    const { id } = parseInput(offerAnchorParams, request.params);
    const caller = callerOf(response);
    if (!holdsRole(caller.standing, Role.FACTOR)) throw forbidden("NOT_A_FACTOR", `${caller.address} is not an active factor`);
    if (!(await offers.remove(caller.address, id))) throw notFound("OFFER_NOT_FOUND", `you have no offer for member ${id}`);
    context.logger.info({ factor: caller.address, anchorId: id }, "offer withdrawn");
    response.status(204).end();
  });

  router.get("/v1/offers/quotes", session, async (request, response) => {
    const query = parseInput(quoteQuery, request.query, "query");
    const caller = callerOf(response);
    if (!(await receivableToken.exists(query.tokenId))) throw notFound("TOKEN_NOT_FOUND", `piece ${query.tokenId} is not live`);
    const held = await receivableToken.pieceOf(query.tokenId);
    if (getAddress(held.owner) !== caller.address) throw forbidden("NOT_THE_HOLDER", `piece ${query.tokenId} is not yours`);
    const value = query.value ?? held.value;
    if (value === 0n || value > held.value)
      throw new ApiError(400, "VALIDATION_FAILED", "the value to sell is wrong", [
        { path: "query.value", message: `from 0.01 CNY to the piece's value ${formatCny(held.value)}` },
      ]);
    const receivable = await receivableOf(query.tokenId);
    const now = await chainNow(context);
    const piece: PieceToPrice = { anchorId: receivable.anchorId, value, maturity: receivable.maturity };
    const quotes = [];
    const unfit = [];
    for (const checked of await offers.all()) {
      if (checked.parsed.anchorId !== piece.anchorId || !(await isCurrent(checked, now))) continue;
      const remaining = checked.parsed.appetite - (await exposure(checked.parsed.factor, piece.anchorId));
      const reason = misfit(checked.parsed, piece, now, remaining);
      if (reason === null) quotes.push({ ...view(checked), price: offerPrice(checked.parsed, piece, now), remaining });
      else unfit.push({ factor: checked.parsed.factor, reason });
    }
    quotes.sort((a, b) => (a.price === b.price ? a.offer.factor.localeCompare(b.offer.factor) : a.price > b.price ? -1 : 1));
    response.json({
      piece: { tokenId: query.tokenId, value, anchorId: piece.anchorId, maturity: piece.maturity, days: daysBetween(now, piece.maturity) },
      asOf: now,
      quotes,
      unfit,
    });
  });
}
