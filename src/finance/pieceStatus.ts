/**
 * Where a receivable and each of its pieces stand at one moment, from the chain's facts alone, by the Settlement
 * contract's own rules (contracts/finance/Settlement.sol), so that a page never shows a figure a claim would not pay:
 *
 * - a piece's share of what the anchor repaid is floor(value × repaid / face) (Settlement's `entitled`);
 * - claims open at maturity, or earlier once the receivable is fully repaid; until then nothing is claimable, and
 *   the share repaid so far waits for maturity;
 * - what `claim` pays now is that share less what the piece already claimed (Settlement's `claimable` view);
 * - what is still due on the piece is its value less its share of what was repaid: 0 once the receivable is fully
 *   repaid, whatever the holder has collected yet;
 * - the receivable is overdue strictly after maturity plus the grace period while anything is unpaid, so it is
 *   overdue from the second maturity + grace + 1 (`overdueSince`); a write-off by the operator keeps that date.
 *
 * For every live piece: claimed + claimable + awaitingMaturity + stillDue == value, and repaidShare + stillDue ==
 * value. A piece redeemed by its last claim received exactly its value (nothing claimable, nothing due).
 * Integers only; imports nothing (the dApp's bundle uses it too).
 */

/** What the chain says of one receivable (slot) at one moment. */
export interface DebtFacts {
  /** The confirmed face value, in minor units. */
  faceValue: bigint;
  /** What the anchor has repaid in total (Settlement.account(slot).repaid). */
  repaid: bigint;
  /** Unix seconds. */
  maturity: bigint;
  /** Settlement's grace period in force, seconds. */
  gracePeriod: bigint;
  /** The block time of the moment (the block the figures are as of). */
  at: bigint;
  /** The block time of the operator's write-off at or before the moment; null when none. */
  writtenOffAt: bigint | null;
}

export type DebtState =
  /** Before maturity, not fully repaid. */
  | "current"
  /** Past maturity within the grace period, not fully repaid. */
  | "dueInGrace"
  /** Strictly after maturity plus grace, not fully repaid. */
  | "overdue"
  /** Written off by the operator and still not fully repaid. */
  | "writtenOff"
  /** Fully repaid. */
  | "repaid";

export interface DebtStatus {
  state: DebtState;
  /** Face value less repaid. */
  outstanding: bigint;
  /** Whether a claim may pay now: at or after maturity, or fully repaid. */
  claimsOpen: boolean;
  /** The first second the receivable is overdue (maturity + grace + 1), while it is overdue or written off; else null. */
  overdueSince: bigint | null;
}

/** What the chain says of one piece at one moment, beside its receivable's facts. */
export interface PieceFacts extends DebtFacts {
  /** The piece's value; for a piece redeemed by its last claim, the value it had then. */
  value: bigint;
  /** What settlement has paid on the piece (Settlement.claimedBy; the indexer's `received`). */
  claimed: bigint;
  /** The piece was burned by its last claim (the receivable was fully repaid and it collected its whole value). */
  redeemed: boolean;
}

export type PieceState = DebtState | "collected";

export interface PieceStatus {
  /** The receivable's state, or `collected` once the piece received its whole value. */
  state: PieceState;
  value: bigint;
  /** The piece's share of what the anchor repaid: floor(value × repaid / face). */
  repaidShare: bigint;
  /** What settlement already paid on the piece. */
  claimed: bigint;
  /** What `Settlement.claim` would pay on the piece now. */
  claimable: bigint;
  /** Repaid share not yet claimable: a partial repayment before maturity. */
  awaitingMaturity: bigint;
  /** What the anchor still owes on the piece: value less its repaid share. */
  stillDue: bigint;
  /** See {@link DebtStatus.overdueSince}. */
  overdueSince: bigint | null;
}

/** A receivable's state at a moment, by Settlement's `isOverdue` rule (strictly after maturity plus grace). */
export function debtStatus(facts: DebtFacts): DebtStatus {
  const fullyRepaid = facts.repaid >= facts.faceValue;
  const outstanding = fullyRepaid ? 0n : facts.faceValue - facts.repaid;
  const claimsOpen = fullyRepaid || facts.at >= facts.maturity;
  const graceEnds = facts.maturity + facts.gracePeriod;
  if (fullyRepaid) return { state: "repaid", outstanding, claimsOpen, overdueSince: null };
  const overdue = facts.at > graceEnds;
  const overdueSince = overdue ? graceEnds + 1n : null;
  if (facts.writtenOffAt !== null && facts.writtenOffAt <= facts.at) return { state: "writtenOff", outstanding, claimsOpen, overdueSince };
  if (overdue) return { state: "overdue", outstanding, claimsOpen, overdueSince };
  if (facts.at > facts.maturity) return { state: "dueInGrace", outstanding, claimsOpen, overdueSince: null };
  return { state: "current", outstanding, claimsOpen, overdueSince: null };
}

/** A piece's share of `repaid` of a receivable of `faceValue`, rounded down as Settlement rounds it. */
export function repaidShareOf(value: bigint, repaid: bigint, faceValue: bigint): bigint {
  if (faceValue === 0n) return 0n;
  return (value * (repaid >= faceValue ? faceValue : repaid)) / faceValue;
}

/** Where one piece stands at a moment: the figures a holder or a factor reads, each as Settlement computes it. */
export function pieceStatus(facts: PieceFacts): PieceStatus {
  const debt = debtStatus(facts);
  if (facts.redeemed) {
    return {
      state: "collected",
      value: facts.value,
      repaidShare: facts.value,
      claimed: facts.value,
      claimable: 0n,
      awaitingMaturity: 0n,
      stillDue: 0n,
      overdueSince: null,
    };
  }
  const repaidShare = repaidShareOf(facts.value, facts.repaid, facts.faceValue);
  // A piece never claims beyond its share (its value is fixed once claims open); a record saying otherwise is read
  // as having claimed its share, so no figure goes negative.
  const claimed = facts.claimed > repaidShare ? repaidShare : facts.claimed;
  const unclaimed = repaidShare - claimed;
  const claimable = debt.claimsOpen ? unclaimed : 0n;
  return {
    state: debt.state,
    value: facts.value,
    repaidShare,
    claimed,
    claimable,
    awaitingMaturity: unclaimed - claimable,
    stillDue: facts.value - repaidShare,
    overdueSince: debt.overdueSince,
  };
}

/** `part` of `whole` in basis points, rounded down (0 when `whole` is 0): 10,000 is 100.00%. */
export function basisPointsOf(part: bigint, whole: bigint): bigint {
  if (whole === 0n) return 0n;
  return (part * 10_000n) / whole;
}

/** Basis points as a percentage with two decimals, e.g. 6000n → "60.00%". */
export function percentOf(basisPoints: bigint): string {
  return `${basisPoints / 100n}.${(basisPoints % 100n).toString().padStart(2, "0")}%`;
}
