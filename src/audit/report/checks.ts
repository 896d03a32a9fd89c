import type { AuditResult } from "../run";

/** What the audit checks, named once for the JSON and HTML reports. */
export interface CheckDescription {
  id: string;
  description: string;
  /** Checks that run only when the auditor gives the documents or the index. */
  needs?: "documents" | "index";
}

export const CHECKS: readonly CheckDescription[] = [
  { id: "I1", description: "every receivable: live pieces + redeemed pieces = face value; claims never exceed repayments" },
  { id: "I2", description: "splits and merges neither create nor destroy value; no live piece of value 0" },
  { id: "I3", description: "every live piece is held by a member; no piece reached a non-member, a suspended member or one whose KYC had lapsed" },
  {
    id: "I4",
    description:
      "each funding's attestation used once, before its deadline, signed on this chain and contract by enough active verifiers of other organisations",
  },
  { id: "I5", description: "every invoice fingerprint backs at most one confirmation or transfer" },
  {
    id: "I6",
    description: "nothing moved after maturity but claims; every claim was the pro-rata share due, and a retired piece received exactly its value",
  },
  {
    id: "I9",
    description:
      "recourse demanded only on a funding whose holder signed for recourse, once, by its factor; paid only after the demand, by the seller, never above what was unpaid to the factor; later claims pay the seller its share; the factor never receives more than the piece's value",
  },
  {
    id: "views",
    description:
      "the replay equals the contracts' own views at the audited block: pieces, receivables, repayment accounts, currency supply and balances",
  },
  { id: "cash", description: "every funding, repayment and claim moved exactly its amount of settlement currency in its transaction" },
  {
    id: "documents",
    description:
      "every document hash on chain has its document, which re-hashes to it, is signed by its parties and agrees with the chain; goods delivered before funding",
    needs: "documents",
  },
  { id: "I7", description: "the indexer's state equals the replay at the same block", needs: "index" },
];

/** Whether a check ran in this audit (the documents and the index only when given). */
export function checkRan(check: CheckDescription, result: Pick<AuditResult, "documentsChecked" | "indexCompared">): boolean {
  if (check.needs === "documents") return result.documentsChecked > 0;
  if (check.needs === "index") return result.indexCompared;
  return true;
}
