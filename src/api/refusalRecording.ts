import type { ApiContext } from "./context";
import type { FundingCheckInput, FundingCheckOutcome } from "../verifier/types";

/**
 * Which refused funding checks count against a supplier's record, and keeping them (src/requests/refusals.ts).
 * A check is the factor's action, so a hostile factor must not be able to write a refusal into a supplier's record
 * at will: only a request the holder genuinely signed is recorded (a refusal naming the signature, the request's
 * fit to the piece or the caller, or an unknown piece is not), under the holder the chain names at the checked
 * block; and the codes that only the factor's own input or the request's age caused (price, the factor's
 * eligibility, expiry, a used nonce, a piece already funded) are left out, the refusal too if nothing else remains.
 * One entry per request: checking the same request again replaces it.
 */

/** Refusals with any of these are not recorded: the request is not shown to be the holder's. */
const NOT_THE_HOLDERS_REQUEST: ReadonlySet<string> = new Set(["REQUEST_SIGNATURE", "REQUEST_INVALID", "TOKEN_NOT_FOUND"]);
/** Codes the factor's input or the request's age caused; not held against the holder. */
const NOT_ABOUT_THE_TRADE: ReadonlySet<string> = new Set([
  "PRICE_OUT_OF_RANGE",
  "FACTOR_NOT_ELIGIBLE",
  "REQUEST_EXPIRED",
  "REQUEST_NONCE_USED",
  "ALREADY_FUNDED",
]);

/** The codes of a refusal that count against the holder; empty when it is not to be recorded. */
export function codesToRecord(codes: readonly string[]): string[] {
  if (codes.some((code) => NOT_THE_HOLDERS_REQUEST.has(code))) return [];
  return [...new Set(codes.filter((code) => !NOT_ABOUT_THE_TRADE.has(code)))];
}

/** Records a refused check (if it counts); a failure to record is logged, never the check's answer. */
export async function noteRefusal(context: ApiContext, input: FundingCheckInput, outcome: FundingCheckOutcome, now = Date.now()): Promise<void> {
  if (outcome.ok) return;
  const codes = codesToRecord(outcome.failures.map((failure) => failure.code));
  if (codes.length === 0) return;
  try {
    const holder = await context.contracts.receivableToken.ownerOf(input.request.tokenId, { blockTag: outcome.asOfBlock });
    await context.refusals.record({
      holder,
      factor: input.requestedBy,
      tokenId: input.request.tokenId.toString(),
      nonce: input.request.nonce.toString(),
      codes,
      at: Math.floor(now / 1000),
      asOfBlock: outcome.asOfBlock,
    });
  } catch (error) {
    context.logger.warn({ err: error, tokenId: input.request.tokenId.toString() }, "a refused funding check was not recorded");
  }
}
