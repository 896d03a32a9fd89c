/**
 * The status a credit bureau expects for one receivable at one moment, from the chain's facts alone: the maturity,
 * the grace period in force, the repayments up to that moment and the moment's block time. The rule is the
 * Settlement contract's own: a receivable is overdue only strictly after maturity plus grace while not fully
 * repaid, so a repayment landing at the very second the grace period ends is never overdue. A receivable the operator
 * wrote off (Settlement.writeOff, only ever strictly after maturity plus grace) is WRITTEN_OFF while it stays unpaid;
 * the anchor may still repay it, and once repaid in full it is REPAID_LATE like any late debt (the write-off's time
 * stays on the line as a fact of its history).
 */

export const DAY_SECONDS = 86_400n;

export type CreditStatus =
  /** Not fully repaid, before maturity. */
  | "CURRENT"
  /** Not fully repaid, past maturity but within the grace period: neither current nor overdue. */
  | "DUE_IN_GRACE"
  /** Not fully repaid, strictly after maturity plus grace. */
  | "OVERDUE"
  /** Fully repaid at or before maturity. */
  | "REPAID_ON_TIME"
  /** Fully repaid after maturity. */
  | "REPAID_LATE"
  /** Not fully repaid, written off by the operator at or before the moment (the contract allows it only when overdue). */
  | "WRITTEN_OFF";

/** The operator's write-off of a receivable (Settlement's ReceivableWrittenOff). */
export interface WriteOff {
  /** The block time of the write-off. */
  time: bigint;
  block: number;
}

export interface Repayment {
  amount: bigint;
  /** What the anchor had repaid in total after this repayment. */
  repaidTotal: bigint;
  /** The block time of the repayment. */
  time: bigint;
  block: number;
}

export interface StatusFacts {
  faceValue: bigint;
  maturity: bigint;
  gracePeriod: bigint;
  /** Repayments at or before the moment, oldest first. */
  repayments: readonly Repayment[];
  /** The block time of the moment reported. */
  at: bigint;
  /** The write-off, if one was made at or before the moment. */
  writeOff?: WriteOff | null;
}

export interface StatusAtMoment {
  status: CreditStatus;
  repaid: bigint;
  outstanding: bigint;
  /** Days after maturity, a started day counted as a day (0 when not past due). */
  daysPastDue: number;
  /** For a repaid receivable: days after maturity of the repayment that completed it (0 when on time). */
  daysLate: number;
  /** For a repaid receivable: the block time of the repayment that completed it. */
  repaidAt: bigint | null;
  /** The write-off at or before the moment, whatever the status (a written-off debt later repaid keeps it). */
  writtenOff: WriteOff | null;
}

/** Whole days from `from` to `to`, a started day counted as a day; 0 when `to` is not after `from`. */
export function startedDays(from: bigint, to: bigint): number {
  if (to <= from) return 0;
  return Number((to - from + DAY_SECONDS - 1n) / DAY_SECONDS);
}

export function statusAt(facts: StatusFacts): StatusAtMoment {
  const repaid = facts.repayments.reduce((sum, repayment) => sum + repayment.amount, 0n);
  const outstanding = facts.faceValue - repaid;
  const writtenOff = facts.writeOff ?? null;
  if (outstanding === 0n && facts.repayments.length > 0) {
    const completedAt = facts.repayments[facts.repayments.length - 1].time;
    const daysLate = startedDays(facts.maturity, completedAt);
    return {
      status: daysLate === 0 ? "REPAID_ON_TIME" : "REPAID_LATE",
      repaid,
      outstanding,
      daysPastDue: 0,
      daysLate,
      repaidAt: completedAt,
      writtenOff,
    };
  }
  const daysPastDue = startedDays(facts.maturity, facts.at);
  let status: CreditStatus = "CURRENT";
  if (writtenOff !== null) status = "WRITTEN_OFF";
  else if (facts.at > facts.maturity + facts.gracePeriod) status = "OVERDUE";
  else if (facts.at > facts.maturity) status = "DUE_IN_GRACE";
  return { status, repaid, outstanding, daysPastDue, daysLate: 0, repaidAt: null, writtenOff };
}
