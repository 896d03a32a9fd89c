import type { IndexReader, SlotSummary } from "../indexer/queries";
import type { TokenRecord } from "../indexer/schema";
import type { ChainbillContracts } from "../chain/system";
import { debtStatus, pieceStatus } from "../finance/pieceStatus";
import type { DebtStatus, PieceStatus } from "../finance/pieceStatus";

/**
 * The facts the status module (src/finance/pieceStatus.ts) needs, gathered for one answer of the index routes: the
 * slot's face value and repaid total, the piece's value and what it claimed (index records), the grace period in
 * force and the time of the answer's block (the index's), and a write-off. The index records write-offs only in
 * the history, so a write-off is read from the chain's logs up to the answer's block, and only for a receivable
 * that is overdue at that block (Settlement writes off nothing else).
 */

export interface StandingMoment {
  /** The index block the answer is as of, and its unix time. */
  block: number;
  at: bigint;
  gracePeriod: bigint;
}

/** A piece's figures as the wire writes them (bigints become decimal strings on the way out). */
export interface StandingOut {
  state: PieceStatus["state"];
  repaidShare: bigint;
  claimed: bigint;
  claimable: bigint;
  awaitingMaturity: bigint;
  stillDue: bigint;
  overdueSince: bigint | null;
}

export interface Standings {
  /** The receivable's state at the moment, a write-off included. */
  debt(summary: SlotSummary): Promise<DebtStatus>;
  /**
   * A piece's figures at the moment. `token` is the piece's index record when read; without it, the piece is live
   * with `value` and has claimed nothing unless its slot's claims say otherwise (then its record is read).
   */
  piece(summary: SlotSummary, tokenId: bigint, value: bigint, token?: TokenRecord | null): Promise<StandingOut>;
}

export function standingsAt(moment: StandingMoment, reader: IndexReader, contracts: ChainbillContracts): Standings {
  const writeOffs = new Map<bigint, Promise<bigint | null>>();
  const writtenOffAt = (summary: SlotSummary): Promise<bigint | null> => {
    const slot = summary.slot.slot;
    let known = writeOffs.get(slot);
    if (known === undefined) {
      known = (async () => {
        const { settlement } = contracts;
        const logs = await settlement.queryFilter(settlement.filters.ReceivableWrittenOff(slot), summary.slot.confirmedAtBlock, moment.block);
        if (logs.length === 0) return null;
        const header = await logs[0].getBlock();
        return BigInt(header.timestamp);
      })();
      writeOffs.set(slot, known);
    }
    return known;
  };
  const factsOf = (summary: SlotSummary) => ({
    faceValue: summary.slot.faceValue,
    repaid: summary.slot.repaid,
    maturity: summary.slot.maturity,
    gracePeriod: moment.gracePeriod,
    at: moment.at,
  });
  const debt = async (summary: SlotSummary): Promise<DebtStatus> => {
    const plain = debtStatus({ ...factsOf(summary), writtenOffAt: null });
    if (plain.state !== "overdue") return plain;
    return debtStatus({ ...factsOf(summary), writtenOffAt: await writtenOffAt(summary) });
  };
  const piece = async (summary: SlotSummary, tokenId: bigint, value: bigint, token?: TokenRecord | null): Promise<StandingOut> => {
    // While a slot's claims equal its redeemed value, no live piece of it has claimed anything (Settlement's own
    // shortcut): the piece's record is read only when some live piece has.
    let record = token;
    if (record === undefined && summary.slot.claimed !== summary.slot.redeemedValue) {
      record = (await reader.token(tokenId, { maxDescendants: 1 }))?.token ?? null;
    }
    const redeemed = record?.status === "redeemed";
    const debtNow = await debt(summary);
    const status = pieceStatus({
      ...factsOf(summary),
      writtenOffAt: debtNow.state === "writtenOff" ? ((await writtenOffAt(summary)) ?? null) : null,
      // A redeemed piece's value went to 0 with its last claim; what it received is the value it had.
      value: redeemed ? (record?.received ?? 0n) : (record?.value ?? value),
      claimed: record?.received ?? 0n,
      redeemed,
    });
    const { value: _value, ...figures } = status;
    return figures;
  };
  return { debt, piece };
}
