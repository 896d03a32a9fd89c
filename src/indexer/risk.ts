import { calendarDateCst } from "../chain/membership";
import { statusAt } from "../credit/status";
import { pieceStatus } from "../finance/pieceStatus";
import type { Repayment } from "../credit/status";
import { INITIAL_SYSTEM, codecs, keys, positionOf } from "./schema";
import type { Cursor } from "./schema";
import type { AsOf, View } from "./queries";
import { QueryInputError } from "./queries";

/**
 * The record behind a funding decision (issue 19 part 2), from the index: an anchor's payment record, a supplier's
 * verified trades, a factor's exposure. The reads gather facts from one snapshot; the anchor's and the supplier's
 * figures that depend on time (was a receivable repaid on time, how long has a relationship run) are computed by the
 * pure functions below from those facts and the block times of the blocks they name, which the caller reads from
 * the chain (logs carry no time, and the index keeps block times only of its reorg window). Amounts are bigint.
 *
 * Bounds: an anchor's record reads at most {@link MAX_RECORD_SLOTS} receivables, a supplier's at most
 * {@link MAX_TRADE_ROWS} trades, a factor's exposure at most {@link MAX_EXPOSURE_PIECES} pieces; beyond, the answer
 * says `truncated` and counts the oldest (anchor, supplier) or the first by token id (exposure).
 */

export const MAX_RECORD_SLOTS = 10_000;
export const MAX_TRADE_ROWS = 20_000;
export const MAX_EXPOSURE_PIECES = 10_000;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/u;

function addressOf(value: string, what: string): string {
  if (!ADDRESS.test(value)) throw new QueryInputError(`${what} must be a 0x-prefixed 20-byte hex address, not "${value}"`);
  return value.toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// Facts read from the index

export interface AnchorSlotFacts {
  slot: bigint;
  faceValue: bigint;
  maturity: bigint;
  repaid: bigint;
  /** The block of the repayment that completed it; null while anything is unpaid. */
  completedAtBlock: number | null;
}

export interface AnchorFacts {
  anchor: string;
  /** The member the address belongs to; null if none. */
  anchorId: number | null;
  /** The line as the operator last set it; null if never set. */
  line: { limit: bigint; reviewDate: bigint } | null;
  /** Settlement's grace period in force at the answer's block. */
  gracePeriod: bigint;
  /** Its receivables, oldest first (at most {@link MAX_RECORD_SLOTS}). */
  slots: AnchorSlotFacts[];
  truncated: boolean;
}

export interface TradeTally {
  count: number;
  value: bigint;
}

export interface CounterpartyFacts {
  /** The counterparty's member id (0 for an address no member holds now). */
  memberId: number;
  /** The counterparty's addresses the trades name. */
  addresses: string[];
  /** The member sold to this counterparty (confirmations and transfers with proof). */
  asSeller: TradeTally;
  /** The member bought from this counterparty. */
  asBuyer: TradeTally;
  firstBlock: number;
  lastBlock: number;
}

export interface SupplierFacts {
  supplier: string;
  memberId: number | null;
  /** The member's addresses whose trades were read (the asked-for one if no member holds it). */
  accounts: string[];
  asSeller: TradeTally;
  asBuyer: TradeTally;
  /** By counterparty member, the longest-running relationship first. */
  counterparties: CounterpartyFacts[];
  truncated: boolean;
}

export interface ExposureBucket {
  count: number;
  /** Face value of the pieces held. */
  value: bigint;
  /**
   * What the anchor still owes on them: value less each piece's share of what was repaid (src/finance/pieceStatus.ts);
   * 0 on a fully repaid receivable, collected or not (money repaid and not yet claimed is no longer credit exposure).
   */
  due: bigint;
  /** The part of `due` on receivables overdue at the answer's block. */
  overdue: bigint;
}

export interface FactorExposure {
  factor: string;
  total: ExposureBucket;
  /** By anchor, the largest `due` first. */
  byAnchor: Array<ExposureBucket & { anchorId: number; anchor: string }>;
  /** By maturity month (YYYY-MM, China Standard Time), earliest first. */
  byMonth: Array<ExposureBucket & { month: string }>;
  truncated: boolean;
}

/** Reads of one snapshot, each from {@link View}: what the index reader serves. */
export async function readAnchorFacts(view: View, cursor: Cursor, anchorInput: string): Promise<AsOf & AnchorFacts> {
  const anchor = addressOf(anchorInput, "anchor");
  const memberText = await view.text(keys.account(anchor));
  const anchorId = memberText === undefined ? null : Number(memberText);
  const system = (await view.record(keys.system, codecs.system)) ?? INITIAL_SYSTEM;
  if (anchorId === null)
    return { ...view.asOf(cursor, [cursor.number]), anchor, anchorId, line: null, gracePeriod: system.gracePeriod, slots: [], truncated: false };
  const lineRecord = await view.record(keys.creditLine(anchorId), codecs.creditLine);
  const links = await view.keysUnder(keys.anchorSlotsPrefix(anchorId), MAX_RECORD_SLOTS + 1);
  const slots: AnchorSlotFacts[] = [];
  const changed = [lineRecord?.updatedAtBlock ?? 0];
  for (const link of links.slice(0, MAX_RECORD_SLOTS)) {
    const slotHex = link.slice(link.lastIndexOf("/") + 1);
    const record = await view.need(keys.slotAt(slotHex), codecs.slot);
    const completed = await view.text(keys.slotCompleted(record.slot));
    changed.push(record.updatedAtBlock);
    slots.push({
      slot: record.slot,
      faceValue: record.faceValue,
      maturity: record.maturity,
      repaid: record.repaid,
      completedAtBlock: completed === undefined ? null : Number(completed),
    });
  }
  return {
    // Like the slot summary: final when the events behind it are; what is overdue is as of asOfTimestamp.
    ...view.asOf(cursor, changed),
    anchor,
    anchorId,
    line: lineRecord === undefined ? null : { limit: lineRecord.limit, reviewDate: lineRecord.reviewDate },
    gracePeriod: system.gracePeriod,
    slots,
    truncated: links.length > MAX_RECORD_SLOTS,
  };
}

export async function readSupplierFacts(view: View, cursor: Cursor, supplierInput: string): Promise<AsOf & SupplierFacts> {
  const supplier = addressOf(supplierInput, "supplier");
  const memberText = await view.text(keys.account(supplier));
  const memberId = memberText === undefined ? null : Number(memberText);
  const member = memberId === null ? undefined : await view.record(keys.member(memberId), codecs.member);
  const accounts = member === undefined ? [supplier] : member.accounts.map((account) => account.toLowerCase());
  const own = new Set(accounts);
  const byMember = new Map<number, CounterpartyFacts>();
  const memberOfAddress = new Map<string, number>();
  const asSeller: TradeTally = { count: 0, value: 0n };
  const asBuyer: TradeTally = { count: 0, value: 0n };
  let rowsLeft = MAX_TRADE_ROWS;
  let truncated = false;
  let lastChange = 0;
  for (const account of accounts) {
    for (const [prefix, side] of [
      [keys.tradesAsSellerPrefix(account), "asSeller"],
      [keys.tradesAsBuyerPrefix(account), "asBuyer"],
    ] as const) {
      if (rowsLeft <= 0) {
        truncated = true;
        break;
      }
      const rows = await view.scanText(prefix, rowsLeft + 1);
      if (rows.length > rowsLeft) truncated = true;
      for (const [key, valueText] of rows.slice(0, rowsLeft)) {
        const [counterparty, checkpoint] = key.slice(prefix.length).split("/");
        if (own.has(counterparty)) continue;
        let counterpartyId = memberOfAddress.get(counterparty);
        if (counterpartyId === undefined) {
          counterpartyId = Number((await view.text(keys.account(counterparty))) ?? "0");
          memberOfAddress.set(counterparty, counterpartyId);
        }
        if (memberId !== null && counterpartyId === memberId) continue;
        const block = positionOf(checkpoint).blockNumber;
        const value = BigInt(valueText);
        let facts = byMember.get(counterpartyId);
        if (facts === undefined) {
          facts = {
            memberId: counterpartyId,
            addresses: [],
            asSeller: { count: 0, value: 0n },
            asBuyer: { count: 0, value: 0n },
            firstBlock: block,
            lastBlock: block,
          };
          byMember.set(counterpartyId, facts);
        }
        if (!facts.addresses.includes(counterparty)) facts.addresses.push(counterparty);
        facts[side].count += 1;
        facts[side].value += value;
        facts.firstBlock = Math.min(facts.firstBlock, block);
        facts.lastBlock = Math.max(facts.lastBlock, block);
        const total = side === "asSeller" ? asSeller : asBuyer;
        total.count += 1;
        total.value += value;
        lastChange = Math.max(lastChange, block);
      }
      rowsLeft -= Math.min(rows.length, rowsLeft);
    }
  }
  const counterparties = [...byMember.values()].sort((a, b) => a.firstBlock - b.firstBlock || a.memberId - b.memberId);
  return { ...view.asOf(cursor, [lastChange]), supplier, memberId, accounts, asSeller, asBuyer, counterparties, truncated };
}

export async function readFactorExposure(view: View, cursor: Cursor, factorInput: string): Promise<AsOf & FactorExposure> {
  const factor = addressOf(factorInput, "factor");
  const system = (await view.record(keys.system, codecs.system)) ?? INITIAL_SYSTEM;
  const rows = await view.scan(keys.holdingsPrefix(factor), codecs.holding, MAX_EXPOSURE_PIECES + 1);
  const total = emptyBucket();
  const byAnchor = new Map<number, ExposureBucket & { anchorId: number; anchor: string }>();
  const byMonth = new Map<string, ExposureBucket & { month: string }>();
  const changed: number[] = [];
  const slots = new Map<bigint, { anchor: string; overdue: boolean; faceValue: bigint; repaid: bigint; maturity: bigint }>();
  for (const [, row] of rows.slice(0, MAX_EXPOSURE_PIECES)) {
    const piece = await view.need(keys.token(row.tokenId), codecs.token);
    let slot = slots.get(row.slot);
    if (slot === undefined) {
      const record = await view.need(keys.slot(row.slot), codecs.slot);
      slot = {
        anchor: record.anchor,
        overdue: BigInt(cursor.timestamp) > record.maturity + system.gracePeriod && record.repaid !== record.faceValue,
        faceValue: record.faceValue,
        repaid: record.repaid,
        maturity: record.maturity,
      };
      slots.set(row.slot, slot);
      changed.push(record.updatedAtBlock);
    }
    changed.push(piece.updatedAtBlock);
    const { stillDue: due } = pieceStatus({
      value: piece.value,
      claimed: piece.received,
      redeemed: false,
      faceValue: slot.faceValue,
      repaid: slot.repaid,
      maturity: slot.maturity,
      gracePeriod: system.gracePeriod,
      at: BigInt(cursor.timestamp),
      writtenOffAt: null,
    });
    const overdue = slot.overdue ? due : 0n;
    const month = calendarDateCst(row.maturity).slice(0, 7);
    let anchorBucket = byAnchor.get(row.anchorId);
    if (anchorBucket === undefined) {
      anchorBucket = { anchorId: row.anchorId, anchor: slot.anchor, ...emptyBucket() };
      byAnchor.set(row.anchorId, anchorBucket);
    }
    let monthBucket = byMonth.get(month);
    if (monthBucket === undefined) {
      monthBucket = { month, ...emptyBucket() };
      byMonth.set(month, monthBucket);
    }
    for (const bucket of [total, anchorBucket, monthBucket]) addToBucket(bucket, piece.value, due, overdue);
  }
  return {
    ...view.asOf(cursor, changed),
    factor,
    total,
    byAnchor: [...byAnchor.values()].sort((a, b) => (a.due === b.due ? a.anchorId - b.anchorId : a.due > b.due ? -1 : 1)),
    byMonth: [...byMonth.values()].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0)),
    truncated: rows.length > MAX_EXPOSURE_PIECES,
  };
}

function emptyBucket(): ExposureBucket {
  return { count: 0, value: 0n, due: 0n, overdue: 0n };
}

function addToBucket(bucket: ExposureBucket, value: bigint, due: bigint, overdue: bigint): void {
  bucket.count += 1;
  bucket.value += value;
  bucket.due += due;
  bucket.overdue += overdue;
}

// ---------------------------------------------------------------------------------------------------------------
// Figures from the facts and block times (pure)

/** Unix seconds of a block the facts name; the caller reads them from the chain. */
export type BlockTimes = ReadonlyMap<number, bigint>;

/** The blocks whose times {@link anchorRecordOf} needs: those of completing repayments. */
export function anchorBlocksToTime(facts: AnchorFacts): number[] {
  return [...new Set(facts.slots.flatMap((slot) => (slot.completedAtBlock === null ? [] : [slot.completedAtBlock])))];
}

/** The blocks whose times {@link supplierRecordOf} needs: each relationship's first and last trade. */
export function supplierBlocksToTime(facts: SupplierFacts): number[] {
  return [...new Set(facts.counterparties.flatMap((counterparty) => [counterparty.firstBlock, counterparty.lastBlock]))];
}

export interface AnchorRecord {
  confirmed: TradeTally;
  /** Receivables whose maturity has come (maturity at or before the answer's block time). */
  matured: TradeTally;
  /** Fully repaid at or before maturity. */
  repaidOnTime: TradeTally;
  /**
   * Fully repaid after maturity; `beyondGrace`: of those, how many were completed after maturity plus the grace
   * period (they had been overdue); days late are started days after maturity of the completing repayment.
   */
  repaidLate: TradeTally & { beyondGrace: number; maxDaysLate: number; totalDaysLate: number; averageDaysLate: string | null };
  /** Past maturity, within the grace period, something unpaid: neither current nor overdue. */
  dueInGrace: TradeTally & { amount: bigint };
  /** Strictly after maturity plus grace with something unpaid: the unpaid amount and days past due. */
  overdue: TradeTally & { amount: bigint; maxDaysPastDue: number };
  /** Confirmed less repaid, over every receivable (what the credit line counts as used). */
  outstanding: bigint;
  line: { limit: bigint; reviewDate: bigint; used: bigint; free: bigint; percentUsed: number | null } | null;
}

const tally = (): TradeTally => ({ count: 0, value: 0n });

/** One decimal of `total / count`, rounded half up, with integers only ("2.5"); null for no count. */
export function averageOf(total: number, count: number): string | null {
  if (count === 0) return null;
  const tenths = Math.floor((total * 10 + Math.floor(count / 2)) / count);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/**
 * An anchor's payment record at `at` (the answer's block time), each receivable's status by the credit report's
 * rule (src/credit/status.ts, the Settlement contract's own): on time when the completing repayment came at or
 * before maturity, late after it, overdue strictly after maturity plus grace while unpaid. `times` must hold the
 * time of every block {@link anchorBlocksToTime} names. The grace period is the one in force at `at`.
 */
export function anchorRecordOf(facts: AnchorFacts, at: bigint, times: BlockTimes): AnchorRecord {
  const record: AnchorRecord = {
    confirmed: tally(),
    matured: tally(),
    repaidOnTime: tally(),
    repaidLate: { ...tally(), beyondGrace: 0, maxDaysLate: 0, totalDaysLate: 0, averageDaysLate: null },
    dueInGrace: { ...tally(), amount: 0n },
    overdue: { ...tally(), amount: 0n, maxDaysPastDue: 0 },
    outstanding: 0n,
    line: null,
  };
  const add = (target: TradeTally, value: bigint): void => {
    target.count += 1;
    target.value += value;
  };
  for (const slot of facts.slots) {
    add(record.confirmed, slot.faceValue);
    if (slot.maturity <= at) add(record.matured, slot.faceValue);
    record.outstanding += slot.faceValue - slot.repaid;
    const status = statusAt({
      faceValue: slot.faceValue,
      maturity: slot.maturity,
      gracePeriod: facts.gracePeriod,
      repayments: repaymentsOf(slot, times),
      at,
    });
    switch (status.status) {
      case "REPAID_ON_TIME":
        add(record.repaidOnTime, slot.faceValue);
        break;
      case "REPAID_LATE":
        add(record.repaidLate, slot.faceValue);
        record.repaidLate.maxDaysLate = Math.max(record.repaidLate.maxDaysLate, status.daysLate);
        record.repaidLate.totalDaysLate += status.daysLate;
        if (status.repaidAt !== null && status.repaidAt > slot.maturity + facts.gracePeriod) record.repaidLate.beyondGrace += 1;
        break;
      case "DUE_IN_GRACE":
        add(record.dueInGrace, slot.faceValue);
        record.dueInGrace.amount += status.outstanding;
        break;
      case "OVERDUE":
        add(record.overdue, slot.faceValue);
        record.overdue.amount += status.outstanding;
        record.overdue.maxDaysPastDue = Math.max(record.overdue.maxDaysPastDue, status.daysPastDue);
        break;
      case "CURRENT":
        break;
    }
  }
  record.repaidLate.averageDaysLate = averageOf(record.repaidLate.totalDaysLate, record.repaidLate.count);
  if (facts.line !== null) {
    const { limit, reviewDate } = facts.line;
    const used = record.outstanding;
    record.line = {
      limit,
      reviewDate,
      used,
      free: limit > used ? limit - used : 0n,
      percentUsed: limit === 0n ? null : Number((used * 100n) / limit),
    };
  }
  return record;
}

/**
 * The repayments {@link statusAt} needs of one receivable: the completing one at its block's time, or what was
 * repaid so far (whose time does not enter the status of an unpaid receivable).
 */
function repaymentsOf(slot: AnchorSlotFacts, times: BlockTimes): Repayment[] {
  if (slot.repaid === 0n) return [];
  if (slot.completedAtBlock === null) return [{ amount: slot.repaid, repaidTotal: slot.repaid, time: 0n, block: 0 }];
  const time = times.get(slot.completedAtBlock);
  if (time === undefined) throw new Error(`no time for block ${slot.completedAtBlock}, where receivable ${slot.slot} was repaid in full`);
  return [{ amount: slot.repaid, repaidTotal: slot.repaid, time, block: slot.completedAtBlock }];
}

export interface Relationship {
  memberId: number;
  addresses: string[];
  asSeller: TradeTally;
  asBuyer: TradeTally;
  /** Unix seconds of the first and the latest trade. */
  firstTradeAt: bigint;
  lastTradeAt: bigint;
  /** Whole days from the first trade to the answer's block time. */
  days: number;
}

/** The relationships of a supplier's facts, with their times; `times` must hold {@link supplierBlocksToTime}'s. */
export function relationshipsOf(facts: SupplierFacts, at: bigint, times: BlockTimes): Relationship[] {
  const timeOf = (block: number): bigint => {
    const time = times.get(block);
    if (time === undefined) throw new Error(`no time for block ${block}`);
    return time;
  };
  return facts.counterparties.map(({ memberId, addresses, asSeller, asBuyer, firstBlock, lastBlock }) => {
    const firstTradeAt = timeOf(firstBlock);
    return {
      memberId,
      addresses,
      asSeller,
      asBuyer,
      firstTradeAt,
      lastTradeAt: timeOf(lastBlock),
      days: at > firstTradeAt ? Number((at - firstTradeAt) / 86_400n) : 0,
    };
  });
}
