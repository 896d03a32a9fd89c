import { slotOf } from "../../chain/tokenId";
import type { FactorBookJson, ObligationsJson, PortfolioJson, StoredFundingRequestJson } from "../../api/wire/schemas";

/**
 * What the dApp tells a member without being asked (issue 18 item 9), from what the API already answers: a request
 * arrived (factor); a request funded or declined (holder); maturity within seven days (holder, anchor); overdue (every
 * party of the receivable: holder, factor, anchor). Each notice has a stable id, so the dApp remembers which the
 * member has seen.
 */

export const SOON_SECONDS = 7n * 86_400n;

export type Notice =
  | { id: string; kind: "arrived"; holder: string; tokenId: string; value: string }
  | { id: string; kind: "funded" | "declined"; factor: string; tokenId: string; value: string; reason?: string }
  | { id: string; kind: "maturing"; tokenId: string | null; slot: string; value: string; maturity: string; role: "holder" | "anchor" }
  | { id: string; kind: "overdue"; tokenId: string | null; slot: string; value: string; maturity: string; role: "holder" | "factor" | "anchor" };

export interface NoticeSources {
  now: bigint;
  inbox?: StoredFundingRequestJson[];
  mine?: StoredFundingRequestJson[];
  portfolio?: PortfolioJson;
  book?: FactorBookJson;
  obligations?: ObligationsJson;
}

const soon = (maturity: string, now: bigint): boolean => BigInt(maturity) >= now && BigInt(maturity) - now <= SOON_SECONDS;

export function noticesOf(sources: NoticeSources): Notice[] {
  const { now } = sources;
  const notices: Notice[] = [];
  for (const entry of sources.inbox ?? []) {
    if (entry.state === "waiting")
      notices.push({
        id: `arrived/${entry.holder}/${entry.request.nonce}`,
        kind: "arrived",
        holder: entry.holder,
        tokenId: entry.request.tokenId,
        value: entry.request.value,
      });
  }
  for (const entry of sources.mine ?? []) {
    if (entry.state === "funded" || entry.state === "declined") {
      notices.push({
        id: `${entry.state}/${entry.holder}/${entry.request.nonce}/${entry.request.factor}`,
        kind: entry.state,
        factor: entry.request.factor,
        tokenId: entry.request.tokenId,
        value: entry.request.value,
        reason: entry.declined?.reason,
      });
    }
  }
  for (const piece of sources.portfolio?.pieces ?? []) {
    if (piece.status === "overdue")
      notices.push({
        id: `overdue/holder/${piece.tokenId}`,
        kind: "overdue",
        tokenId: piece.tokenId,
        slot: piece.slot,
        value: piece.value,
        maturity: piece.maturity,
        role: "holder",
      });
    else if (piece.status !== "repaid" && soon(piece.maturity, now))
      notices.push({
        id: `maturing/holder/${piece.tokenId}`,
        kind: "maturing",
        tokenId: piece.tokenId,
        slot: piece.slot,
        value: piece.value,
        maturity: piece.maturity,
        role: "holder",
      });
  }
  for (const row of sources.book?.fundings ?? []) {
    if (row.status === "overdue" && row.maturity !== null) {
      notices.push({
        id: `overdue/factor/${row.fundedTokenId}`,
        kind: "overdue",
        tokenId: row.fundedTokenId,
        slot: slotOf(BigInt(row.fundedTokenId)).toString(),
        value: row.due,
        maturity: row.maturity,
        role: "factor",
      });
    }
  }
  for (const receivable of sources.obligations?.receivables ?? []) {
    if (receivable.fullyRepaid) continue;
    if (receivable.overdue)
      notices.push({
        id: `overdue/anchor/${receivable.slot}`,
        kind: "overdue",
        tokenId: null,
        slot: receivable.slot,
        value: receivable.outstanding,
        maturity: receivable.maturity,
        role: "anchor",
      });
    else if (soon(receivable.maturity, now))
      notices.push({
        id: `maturing/anchor/${receivable.slot}`,
        kind: "maturing",
        tokenId: null,
        slot: receivable.slot,
        value: receivable.outstanding,
        maturity: receivable.maturity,
        role: "anchor",
      });
  }
  return notices;
}
