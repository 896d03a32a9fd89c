import { formatCny } from "../finance/money";
import { z } from "zod";
import { getAddress } from "ethers";
import type { IRouter } from "express";
import { financingDomain, recoverFundingRequestSigner } from "../chain/funding";
import type { FundingRequest } from "../chain/funding";
import { Role } from "../chain/roles";
import { FundingRequestStore, INBOX_CURSOR, requestFromStored } from "../requests/store";
import type { RecordedFailure, StoredFundingRequest } from "../requests/store";
import type { FieldProblem } from "../proofs/wire";
import { ApiError, forbidden } from "./errors";
import { callerOf, requireSession } from "./auth/middleware";
import { holdsRole } from "./members";
import { parseInput } from "./validation";
import {
  declineBody,
  fundingRequestBody,
  fundingRequestParams,
  fundingRequestsQuery,
  HIDDEN_FAILURE_MESSAGE,
  REQUESTS_PAGE_DEFAULT,
  REQUESTS_PAGE_MAX,
} from "./wire/schemas";
import type { ApiContext } from "./context";
import { chainNow, isOpen, keepLive, MAX_LIVE_REQUESTS_PER_HOLDER, MAX_LIVE_REQUESTS_PER_PIECE, withStates } from "./requestState";
import type { RequestState } from "./requestState";

export type { RequestState };

/**
 * Funding requests from holders to factors. A holder signs its request in its wallet and submits it here; the
 * factor it names lists what waits for it and runs the funding check with it. A request is accepted only when the
 * signature is the caller's own under this chain's Financing domain, the caller holds the piece and enough of it,
 * the factor is an active factor, the deadline is ahead and the nonce unused: bad input changes nothing.
 *
 * A factor's inbox lists open requests only (waiting or checked: nonce unused, deadline ahead, not declined), newest
 * first, a page at a time; funded, declined, withdrawn and expired ones are closed when met and listed apart, the
 * newest first. The addressed factor checks a stored request (the outcome recorded for the holder) and declines it
 * with a reason; only the holder withdraws it, on chain (`invalidateNonce`), which the chain then reports. A holder has at most MAX_LIVE_REQUESTS_PER_HOLDER
 * live requests and a piece at most MAX_LIVE_REQUESTS_PER_PIECE, so no holder can bury the others' requests.
 */

export { REQUESTS_PAGE_DEFAULT, REQUESTS_PAGE_MAX };

/** The wire's query, with the cursor held to the store's own format. */
const listQuery = fundingRequestsQuery.extend({ cursor: z.string().regex(INBOX_CURSOR, "the nextCursor of a previous page").optional() });

export function registerRequestRoutes(router: IRouter, context: ApiContext, requests: FundingRequestStore): void {
  const session = requireSession(context);
  const { receivableToken, financing } = context.contracts;

  /**
   * The stored request a path names that is addressed to the caller (requests are kept per holder, nonce and
   * factor: one nonce may go to several factors); 403 when the holder's nonce went only to others, 404 otherwise.
   */
  const addressedToCaller = async (params: unknown, address: string): Promise<StoredFundingRequest> => {
    const { holder, nonce } = parseInput(fundingRequestParams, params);
    const stored = await requests.get(holder, nonce, address);
    if (stored !== undefined && getAddress(stored.request.factor) === address) return stored;
    if ((await requests.get(holder, nonce)) === undefined) {
      throw new ApiError(404, "REQUEST_NOT_FOUND", `no request of ${holder} under nonce ${nonce} is stored`, [
        { path: "nonce", message: "no such request" },
      ]);
    }
    throw new ApiError(403, "NOT_ADDRESSED_FACTOR", "the request is addressed to another factor", [
      { path: "holder", message: "only the factor the request names may act on it" },
    ]);
  };
  const refuseClosed = (state: RequestState): never => {
    throw new ApiError(409, "REQUEST_CLOSED", `the request is ${state}`, [{ path: "nonce", message: `the request is ${state}; nothing changed` }]);
  };

  /** The caller's live requests (the closed ones pruned), against the caps. */
  const capProblems = async (holder: string, tokenId: bigint): Promise<FieldProblem[]> => {
    const live = await keepLive(context, requests, await requests.byHolder(holder));
    const problems: FieldProblem[] = [];
    if (live.length >= MAX_LIVE_REQUESTS_PER_HOLDER) {
      problems.push({
        path: "request",
        message: `you already have ${live.length} live requests (at most ${MAX_LIVE_REQUESTS_PER_HOLDER}); withdraw one or wait for one to close`,
      });
    }
    const onPiece = live.filter((stored) => BigInt(stored.request.tokenId) === tokenId).length;
    if (onPiece >= MAX_LIVE_REQUESTS_PER_PIECE) {
      problems.push({
        path: "request.tokenId",
        message: `piece ${tokenId} already has ${onPiece} live requests (at most ${MAX_LIVE_REQUESTS_PER_PIECE})`,
      });
    }
    return problems;
  };

  router.post("/v1/funding-requests", session, async (request, response) => {
    const body = parseInput(fundingRequestBody, request.body);
    const caller = callerOf(response);
    const fundingRequest: FundingRequest = body.request;
    const problems: FieldProblem[] = [];
    const domain = financingDomain(context.chainId, await financing.getAddress());
    let signer: string | undefined;
    try {
      signer = recoverFundingRequestSigner(domain, fundingRequest, body.holderSignature);
    } catch {
      signer = undefined;
    }
    if (signer !== caller.address) {
      problems.push({
        path: "holderSignature",
        message:
          signer === undefined
            ? "the signature is malformed"
            : `the request was signed by ${signer}, not by you (${caller.address}), or for another chain or contract`,
      });
    }
    const live = await receivableToken.exists(fundingRequest.tokenId);
    if (!live) problems.push({ path: "request.tokenId", message: `piece ${fundingRequest.tokenId} is not live` });
    else {
      const piece = await receivableToken.pieceOf(fundingRequest.tokenId);
      if (getAddress(piece.owner) !== caller.address)
        problems.push({ path: "request.tokenId", message: `piece ${fundingRequest.tokenId} belongs to ${getAddress(piece.owner)}, not to you` });
      if (fundingRequest.value === 0n || fundingRequest.value > piece.value) {
        problems.push({ path: "request.value", message: `the value must be from 0.01 CNY to the piece's value ${formatCny(piece.value)}` });
      }
    }
    if (fundingRequest.minPrice > fundingRequest.value)
      problems.push({ path: "request.minPrice", message: "the minimum price is above the value sold" });
    if (!holdsRole(await context.members.standing(fundingRequest.factor), Role.FACTOR)) {
      problems.push({ path: "request.factor", message: `${fundingRequest.factor} is not an active factor` });
    }
    if (fundingRequest.deadline <= (await chainNow(context))) problems.push({ path: "request.deadline", message: "the deadline has passed" });
    if (await financing.isNonceUsed(caller.address, fundingRequest.nonce))
      problems.push({ path: "request.nonce", message: `your nonce ${fundingRequest.nonce} is already used` });
    if (problems.length > 0) throw new ApiError(422, "REQUEST_REFUSED", "the funding request was refused", problems);
    const capped = await capProblems(caller.address, fundingRequest.tokenId);
    if (capped.length > 0) throw new ApiError(429, "TOO_MANY_LIVE_REQUESTS", "too many live funding requests", capped);
    if (!(await requests.add(caller.address, fundingRequest, body.holderSignature))) {
      throw new ApiError(409, "NONCE_TAKEN", `you already submitted a request under nonce ${fundingRequest.nonce} to this factor`, [
        { path: "request.nonce", message: "use a fresh nonce" },
      ]);
    }
    context.logger.info({ holder: caller.address, factor: fundingRequest.factor, tokenId: fundingRequest.tokenId }, "funding request submitted");
    response.status(201).json({ holder: caller.address, nonce: fundingRequest.nonce });
  });

  /**
   * The addressed factor checks a stored request at its minimum price (the funding check of tokens.ts, on the
   * request and signature as submitted) and the outcome is recorded for the holder: whether it passed, and what
   * failed. A failure in a step the holder was no party to keeps its code; its message is hidden.
   */
  router.post("/v1/funding-requests/:holder/:nonce/checks", session, async (request, response) => {
    const caller = callerOf(response);
    if (!holdsRole(caller.standing, Role.FACTOR)) throw forbidden("NOT_A_FACTOR", `${caller.address} is not an active factor`);
    const stored = await addressedToCaller(request.params, caller.address);
    const now = await chainNow(context);
    const [current] = await withStates(context, requests, [stored], now);
    if (!isOpen(current.state)) refuseClosed(current.state);
    const fundingRequest = requestFromStored(stored);
    const outcome = await context.verifier.check(
      { request: fundingRequest, holderSignature: stored.holderSignature, price: fundingRequest.minPrice, requestedBy: caller.address },
      { signatures: context.signatures },
    );
    context.metrics.fundingChecks.inc({ outcome: outcome.ok ? "attested" : "refused" });
    const holder = stored.holder.toLowerCase();
    const failures: RecordedFailure[] = outcome.ok
      ? []
      : outcome.failures.map((failure) => {
          const step = failure.step === undefined ? undefined : outcome.steps.find((entry) => entry.step === failure.step);
          const holderParty = step === undefined || step.from.toLowerCase() === holder || step.to.toLowerCase() === holder;
          return { ...failure, tokenId: failure.tokenId?.toString(), message: holderParty ? failure.message : HIDDEN_FAILURE_MESSAGE };
        });
    await requests.recordCheck(stored.holder, fundingRequest.nonce, stored.request.factor, { at: Number(now), passed: outcome.ok, failures });
    if (outcome.ok) {
      const { attestation, signature: attestationSignature, signer, fundingId, asOfBlock, steps } = outcome;
      response.json({ attestation, signature: attestationSignature, signer, fundingId, asOfBlock, steps });
    } else {
      const { failures: found, asOfBlock, steps } = outcome;
      response.status(422).json({ failures: found, asOfBlock, steps });
    }
  });

  /** The addressed factor declines an open request with a reason; once (a second decline is 409 and changes nothing). */
  router.post("/v1/funding-requests/:holder/:nonce/decline", session, async (request, response) => {
    const caller = callerOf(response);
    const { reason } = parseInput(declineBody, request.body);
    const stored = await addressedToCaller(request.params, caller.address);
    const now = await chainNow(context);
    const [current] = await withStates(context, requests, [stored], now);
    if (!isOpen(current.state)) refuseClosed(current.state);
    let refusedAs: RequestState | null = null;
    // The store runs closes one at a time: of two declines at once, the second finds the first's mark.
    const declined = await requests.closeRequest(
      stored.holder,
      BigInt(stored.request.nonce),
      stored.request.factor,
      (latest) => {
        if (latest.closed !== undefined) {
          refusedAs = latest.closed.state;
          return null;
        }
        return { state: "declined", declined: { at: Number(now), reason: reason.trim() } };
      },
      Number(now),
    );
    if (refusedAs !== null) refuseClosed(refusedAs);
    if (declined === undefined)
      throw new ApiError(404, "REQUEST_NOT_FOUND", "the request is no longer stored", [{ path: "nonce", message: "no such request" }]);
    context.logger.info({ holder: stored.holder, factor: caller.address, nonce: stored.request.nonce }, "funding request declined");
    response.json({ ...declined, state: "declined" as const });
  });

  /**
   * `?as=factor` lists the live requests waiting for the caller as factor, newest first, `limit` a page (default
   * 50, at most 100) from `cursor` (the previous page's `nextCursor`); closed ones are pruned on the way. Otherwise
   * the caller's own requests, newest first, each with its state (at most the caps' worth are kept).
   */
  router.get("/v1/funding-requests", session, async (request, response) => {
    const caller = callerOf(response);
    const query = parseInput(listQuery, request.query, "query");
    if (query.as === "factor") {
      if (!holdsRole(caller.standing, Role.FACTOR)) throw forbidden("NOT_A_FACTOR", `${caller.address} is not an active factor`);
      const limit = query.limit ?? REQUESTS_PAGE_DEFAULT;
      const now = await chainNow(context);
      const page: StoredFundingRequest[] = [];
      let cursor = query.cursor;
      let exhausted = false;
      // Read in batches until the page is full; closed requests are pruned as they are met. Each request reads at
      // most a bounded number of batches, so a backlog of closed requests costs several listings, not one long one.
      for (let batch = 0; batch < 5 && page.length < limit; batch += 1) {
        const entries = await requests.inbox(caller.address, { after: cursor, limit: limit - page.length });
        if (entries.length < limit - page.length) exhausted = true;
        const live = await keepLive(
          context,
          requests,
          entries.map((entry) => entry.stored),
          now,
        );
        page.push(...live);
        if (entries.length > 0) cursor = entries[entries.length - 1].cursor;
        if (exhausted) break;
      }
      const requestsOut = await withStates(context, requests, page, now);
      // The first page also says what closed lately: a request the holder withdrew or that expired leaves the inbox
      // and shows here, with its state.
      const closed = query.cursor === undefined ? await withStates(context, requests, await requests.closedFor(caller.address), now) : undefined;
      response.json({ requests: requestsOut, nextCursor: exhausted ? null : (cursor ?? null), ...(closed === undefined ? {} : { closed }) });
      return;
    }
    const own = await requests.byHolder(caller.address);
    own.sort((a, b) => (b.sequence ?? b.submittedAt * 1000) - (a.sequence ?? a.submittedAt * 1000));
    response.json({ requests: await withStates(context, requests, own) });
  });
}
