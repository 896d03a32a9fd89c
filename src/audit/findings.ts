/**
 * What the audit reports: findings, each tied to the transaction and block that showed it, with a stable code a
 * program can switch on and a sentence a person can read.
 */

/** Where in the chain something happened: the block, the transaction and the log's place in the block. */
export interface ChainPosition {
  block: number;
  transactionHash: string;
  /** The log's index in its block; -1 when the position is a transaction rather than one of its logs. */
  logIndex: number;
}

/** Stable codes, grouped by the check that raises them. */
export type FindingCode =
  // DESIGN.md's invariants on the replay
  | "I1_SLOT_VALUE"
  | "I1_CLAIMS_EXCEED_REPAID"
  | "I2_VALUE_NOT_CONSERVED"
  | "I2_ZERO_VALUE_PIECE"
  | "I3_HOLDER_NOT_MEMBER"
  | "I3_INELIGIBLE_RECIPIENT"
  | "I3_INELIGIBLE_SENDER"
  | "I4_FUNDING_REPLAYED"
  | "I4_ATTESTATION_EXPIRED"
  | "I5_INVOICE_REUSED"
  | "I6_MOVED_AFTER_MATURITY"
  | "I6_CLAIM_WRONG"
  | "I6_CLAIM_BEFORE_MATURITY"
  | "I7_INDEX_MISMATCH"
  /** The index kept an event it could not place as a finding of its own (src/indexer/schema.ts, IndexFinding). */
  | "I7_INDEX_FINDING"
  /** A confirmation took its anchor's outstanding above the credit line then in force (or the anchor had none). */
  | "I8_CREDIT_LINE_EXCEEDED"
  | "I9_RECOURSE_NOT_AGREED"
  /** A recourse payment above what was unpaid to the factor at its moment (src/audit/recourse.ts). */
  | "I9_RECOURSE_ABOVE_UNPAID"
  /** A claim on a piece under recourse that did not pay the seller its share, or paid it wrongly. */
  | "I9_RECOURSE_MISROUTED"
  /** The factor received more than the piece's value: anchor claims kept plus recourse. */
  | "I9_FACTOR_ABOVE_VALUE"
  /** A write-off by a non-operator, before the grace period ended, of a repaid receivable, or twice (issue 19 part 4). */
  | "WRITE_OFF_INVALID"
  // the events themselves
  | "EVENT_INCONSISTENT"
  | "EVENT_UNDECODABLE"
  // the replay against the contracts' own views
  | "VIEW_MISMATCH"
  // funding re-verification
  | "FUNDING_CALLDATA"
  | "FUNDING_MISMATCH"
  | "FUNDING_SIGNER_NOT_VERIFIER"
  | "FUNDING_CONFLICTED_VERIFIER"
  | "FUNDING_TOO_FEW_VERIFIERS"
  | "FUNDING_NO_CONSENT"
  | "FUNDING_NOT_DELIVERED"
  // cash legs
  | "CASH_MISMATCH"
  // documents
  | "DOCUMENT_MISSING"
  | "DOCUMENT_ALTERED"
  | "DOCUMENT_INVALID"
  | "DOCUMENT_DISAGREES"
  | "DELIVERED_AFTER_FUNDING"
  /** A waybill bound to invoices that claim more than it delivered (or to another invoice than the one it names). */
  | "WAYBILL_OVERUSED";

export interface Finding extends ChainPosition {
  code: FindingCode;
  message: string;
  /** The piece the finding is about, if any (its lineage is shown in the report). */
  tokenId?: bigint;
  slot?: bigint;
}

/** Collects findings in the order they are raised; one finding per code, position and subject. */
export class FindingLog {
  private readonly seen = new Set<string>();
  readonly findings: Finding[] = [];

  add(code: FindingCode, at: ChainPosition, message: string, subject: { tokenId?: bigint; slot?: bigint } = {}): void {
    const key = `${code}/${at.transactionHash}/${at.logIndex}/${subject.tokenId ?? ""}/${subject.slot ?? ""}/${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({ code, block: at.block, transactionHash: at.transactionHash, logIndex: at.logIndex, message, ...subject });
  }
}
