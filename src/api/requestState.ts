import { requestFromStored } from "../requests/store";
import type { FundingRequestStore, StoredFundingRequest } from "../requests/store";
import type { ApiContext } from "./context";

/**
 * Whether a stored funding request is still open, by the chain: its nonce used means funded (a funding record) or
 * withdrawn (`invalidateNonce`), its deadline passed means expired. Only "waiting" requests are live; the others
 * are removed from the store when met (pruned), so the inbox holds what a factor can still act on.
 */

export type RequestState = "waiting" | "funded" | "withdrawn" | "expired";

export { MAX_LIVE_REQUESTS_PER_HOLDER, MAX_LIVE_REQUESTS_PER_PIECE } from "./wire/schemas";

/** Financing's mark of a nonce the holder withdrew (`invalidateNonce`): the largest uint40 as `fundedAt`. */
const WITHDRAWN = 2n ** 40n - 1n;

export async function chainNow(context: ApiContext): Promise<bigint> {
  const block = await context.contracts.receivableToken.runner?.provider?.getBlock("latest");
  if (block === null || block === undefined) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}

export async function requestState(context: ApiContext, stored: StoredFundingRequest, now: bigint): Promise<RequestState> {
  const { financing } = context.contracts;
  const request = requestFromStored(stored);
  if (await financing.isNonceUsed(stored.holder, request.nonce)) {
    const record = await financing.funding(stored.holder, request.nonce);
    return BigInt(record.fundedAt) === WITHDRAWN ? "withdrawn" : "funded";
  }
  return request.deadline < now ? "expired" : "waiting";
}

/**
 * The live requests among `list`, each with its state; every closed one is removed from `store` on the way.
 */
export async function keepLive(context: ApiContext, store: FundingRequestStore, list: readonly StoredFundingRequest[], now?: bigint): Promise<StoredFundingRequest[]> {
  const at = now ?? (await chainNow(context));
  const live: StoredFundingRequest[] = [];
  for (const stored of list) {
    if ((await requestState(context, stored, at)) === "waiting") live.push(stored);
    else await store.remove(stored);
  }
  return live;
}
