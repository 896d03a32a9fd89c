import { requestFromStored } from "../requests/store";
import type { ClosedState, FundingRequestStore, StoredFundingRequest } from "../requests/store";
import type { ApiContext } from "./context";

/**
 * Where a stored funding request stands. The chain decides what the API cannot: its nonce used means funded (a
 * funding record) or withdrawn (the holder's `invalidateNonce`), its deadline passed means expired. The addressed
 * factor's word decides the rest: declined (with a reason), or checked (its last funding check, passed or failed).
 * Open requests are "waiting" and "checked"; the others are closed in the store when met (out of the factor's
 * inbox, kept for both sides to see). A closed request's state is frozen once nothing on chain can change it:
 * funded, withdrawn, expired and lapsed (another factor funded the nonce) at once, declined once its deadline has
 * passed (until then the holder may still withdraw it on chain, or the factor fund it after all).
 */

/** "lapsed": the holder sent the same nonce to several factors and another one funded it. */
export type RequestState = "waiting" | "checked" | ClosedState;

export { MAX_LIVE_REQUESTS_PER_HOLDER, MAX_LIVE_REQUESTS_PER_PIECE } from "./wire/schemas";

/** Financing's mark of a nonce the holder withdrew (`invalidateNonce`): the largest uint40 as `fundedAt`. */
const WITHDRAWN = 2n ** 40n - 1n;

export async function chainNow(context: ApiContext): Promise<bigint> {
  const block = await context.contracts.receivableToken.runner?.provider?.getBlock("latest");
  if (block === null || block === undefined) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}

export function isOpen(state: RequestState): state is "waiting" | "checked" {
  return state === "waiting" || state === "checked";
}

export async function requestState(context: ApiContext, stored: StoredFundingRequest, now: bigint): Promise<RequestState> {
  const closed = stored.closed?.state;
  const request = requestFromStored(stored);
  if (closed === "funded" || closed === "withdrawn" || closed === "expired" || closed === "lapsed") return closed;
  if (closed === "declined" && request.deadline < now) return "declined";
  const { financing } = context.contracts;
  if (await financing.isNonceUsed(stored.holder, request.nonce)) {
    const record = await financing.funding(stored.holder, request.nonce);
    if (BigInt(record.fundedAt) === WITHDRAWN) return "withdrawn";
    const factorId = await context.members.memberIdOf(request.factor);
    return Number(record.factorId) === factorId ? "funded" : "lapsed";
  }
  if (closed === "declined" || stored.declined !== undefined) return "declined";
  if (request.deadline < now) return "expired";
  return stored.check === undefined ? "waiting" : "checked";
}

/**
 * Each of `list` with its state; a request found closed (or closed otherwise than stored) is closed in `store` on
 * the way, so the factor's inbox keeps only open requests.
 */
export async function withStates(
  context: ApiContext,
  store: FundingRequestStore,
  list: readonly StoredFundingRequest[],
  now?: bigint,
): Promise<Array<StoredFundingRequest & { state: RequestState }>> {
  const at = now ?? (await chainNow(context));
  const out: Array<StoredFundingRequest & { state: RequestState }> = [];
  for (const stored of list) {
    const state = await requestState(context, stored, at);
    if (isOpen(state) || stored.closed?.state === state) {
      out.push({ ...stored, state });
      continue;
    }
    const closed = await store.closeRequest(stored.holder, BigInt(stored.request.nonce), stored.request.factor, () => ({ state }), Number(at));
    out.push({ ...(closed ?? stored), state });
  }
  return out;
}

/** The open requests among `list` (waiting or checked); every closed one is closed in `store` on the way. */
export async function keepLive(
  context: ApiContext,
  store: FundingRequestStore,
  list: readonly StoredFundingRequest[],
  now?: bigint,
): Promise<StoredFundingRequest[]> {
  const states = await withStates(context, store, list, now);
  return list.filter((_stored, index) => isOpen(states[index].state));
}
