import { getAddress } from "ethers";
import type { IRouter } from "express";
import { Role } from "../chain/roles";
import { anchorBlocksToTime, anchorRecordOf, relationshipsOf, supplierBlocksToTime } from "../indexer/risk";
import type { Refusal } from "../requests/refusals";
import { forbidden } from "./errors";
import { callerOf, requireSession } from "./auth/middleware";
import type { Caller } from "./auth/middleware";
import { BlockTimes } from "./blockTimes";
import { holdsRole } from "./members";
import { parseInput } from "./validation";
import { anchorParams, factorParams, RECORD_REFUSALS_LISTED, supplierParams } from "./wire/schemas";
import type { ApiContext } from "./context";
import type { OfferStore } from "../offers/store";
import { indexReads } from "./indexRoutes";
import type { IndexRouteOptions } from "./indexRoutes";

/**
 * The record behind a funding decision (issue 19 part 2), over the index (src/indexer/risk.ts): an anchor's payment
 * record, a supplier's trades and refused checks, a factor's exposure. Who may read which is in src/api/README.md:
 *
 * - an anchor's record: the anchor itself, any active factor (it prices the anchor's paper; the figures derive from
 *   events every consortium node holds), auditors and operators;
 * - a supplier's record: its own member, auditors and operators, and a factor while a request the supplier signed
 *   waits for it (the factor evaluating its piece); which factor refused a check only to the supplier, auditors,
 *   operators and that factor itself;
 * - a factor's exposure: the factor's own address; auditors and operators any.
 */

function overseer(caller: Caller): boolean {
  return holdsRole(caller.standing, Role.AUDITOR) || holdsRole(caller.standing, Role.OPERATOR);
}

export function registerRiskRoutes(router: IRouter, context: ApiContext, options: IndexRouteOptions, offers?: OfferStore): void {
  const { reader } = options;
  const session = requireSession(context);
  const provider = context.contracts.receivableToken.runner?.provider;
  if (provider === null || provider === undefined) throw new Error("the API's contracts have no provider to read block times from");
  const blockTimes = new BlockTimes(provider);

  const { caughtUp, read } = indexReads(options);

  router.get("/v1/anchors/:address/record", session, async (request, response) => {
    await caughtUp(request.query);
    const { address } = parseInput(anchorParams, request.params);
    const caller = callerOf(response);
    const facts = await read(() => reader.anchorFacts(address));
    const own = facts.anchorId !== null && facts.anchorId === caller.standing.memberId;
    if (!own && !holdsRole(caller.standing, Role.FACTOR) && !overseer(caller)) {
      throw forbidden("NOT_ALLOWED", "an anchor's record is for the anchor, factors, auditors and operators");
    }
    const times = await blockTimes.of(anchorBlocksToTime(facts), facts.finalizedBlock);
    const record = anchorRecordOf(facts, BigInt(facts.asOfTimestamp), times);
    const { asOfBlock, asOfBlockHash, asOfTimestamp, finalizedBlock, final, anchorId, gracePeriod, truncated } = facts;
    response.json({
      asOfBlock,
      asOfBlockHash,
      asOfTimestamp,
      finalizedBlock,
      final,
      anchor: getAddress(facts.anchor),
      anchorId,
      gracePeriod,
      ...record,
      truncated,
    });
  });

  router.get("/v1/suppliers/:address/record", session, async (request, response) => {
    await caughtUp(request.query);
    const { address } = parseInput(supplierParams, request.params);
    const caller = callerOf(response);
    const facts = await read(() => reader.supplierFacts(address));
    const own = facts.memberId !== null && facts.memberId === caller.standing.memberId;
    const seesAll = own || overseer(caller);
    if (
      !seesAll &&
      !(holdsRole(caller.standing, Role.FACTOR) && (await requestWaitsFor(context, facts.accounts, caller.address, BigInt(facts.asOfTimestamp))))
    ) {
      throw forbidden("NOT_ALLOWED", "a supplier's record is for the supplier, auditors, operators and a factor a request of the supplier waits for");
    }
    const times = await blockTimes.of(supplierBlocksToTime(facts), facts.finalizedBlock);
    const relationships = relationshipsOf(facts, BigInt(facts.asOfTimestamp), times);
    const { refusals, truncated: refusalsTruncated } = await context.refusals.ofHolders(facts.accounts, Number.MAX_SAFE_INTEGER);
    const { asOfBlock, asOfBlockHash, asOfTimestamp, finalizedBlock, final, memberId, asSeller, asBuyer, truncated } = facts;
    response.json({
      asOfBlock,
      asOfBlockHash,
      asOfTimestamp,
      finalizedBlock,
      final,
      supplier: getAddress(facts.supplier),
      memberId,
      asSeller,
      asBuyer,
      relationships: relationships.map((relationship) => ({
        ...relationship,
        addresses: relationship.addresses.map((entry) => getAddress(entry)),
        firstTradeAt: Number(relationship.firstTradeAt),
        lastTradeAt: Number(relationship.lastTradeAt),
      })),
      refusals: {
        total: refusals.length,
        byCode: countByCode(refusals),
        recent: refusals.slice(0, RECORD_REFUSALS_LISTED).map((refusal) => ({
          tokenId: refusal.tokenId,
          codes: refusal.codes,
          at: refusal.at,
          factor: seesAll || refusal.factor === caller.address.toLowerCase() ? getAddress(refusal.factor) : null,
        })),
        truncated: refusalsTruncated,
      },
      truncated,
    });
  });

  router.get("/v1/factors/:address/exposure", session, async (request, response) => {
    await caughtUp(request.query);
    const { address } = parseInput(factorParams, request.params);
    const caller = callerOf(response);
    if (getAddress(address) !== caller.address && !overseer(caller))
      throw forbidden("NOT_AN_AUDITOR", "only auditors and operators may look at another member's exposure");
    const exposure = await read(() => reader.factorExposure(address));
    // Appetite is what the factor's current offers say it will hold of each anchor's pieces (null where it has none,
    // or when this API keeps no offers); the total, over its current offers.
    const appetites = await currentAppetites(offers, address, BigInt(exposure.asOfTimestamp));
    const total = appetites === undefined || appetites.size === 0 ? null : [...appetites.values()].reduce((sum, value) => sum + value, 0n);
    response.json({
      ...exposure,
      factor: getAddress(exposure.factor),
      byAnchor: exposure.byAnchor.map((bucket) => ({
        ...bucket,
        anchor: getAddress(bucket.anchor),
        appetite: appetites?.get(bucket.anchorId) ?? null,
      })),
      appetite: total,
    });
  });
}

/** Whether a request signed by one of `holders` names `factor` and has not passed its deadline at `now` (chain time). */
async function requestWaitsFor(context: ApiContext, holders: readonly string[], factor: string, now: bigint): Promise<boolean> {
  if (context.requests === undefined) return false;
  for (const holder of holders) {
    const stored = await context.requests.byHolder(getAddress(holder), 200);
    if (stored.some((entry) => getAddress(entry.request.factor) === factor && BigInt(entry.request.deadline) >= now)) return true;
  }
  return false;
}

function countByCode(refusals: readonly Refusal[]): Array<{ code: string; count: number }> {
  const counts = new Map<string, number>();
  for (const refusal of refusals) for (const code of refusal.codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code, count]) => ({ code, count }));
}

/** The appetite of each of `factor`'s offers still valid at `now` (chain time), by anchor id; undefined without an offer store. */
async function currentAppetites(offers: OfferStore | undefined, factor: string, now: bigint): Promise<Map<number, bigint> | undefined> {
  if (offers === undefined) return undefined;
  const appetites = new Map<number, bigint>();
  for (const checked of await offers.byFactor(factor)) {
    if (BigInt(checked.parsed.validUntil) > now) appetites.set(checked.parsed.anchorId, checked.parsed.appetite);
  }
  return appetites;
}
