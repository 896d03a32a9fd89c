import type { ChainbillEvent, RawLog } from "../chain/events";
import { tokensOfEvent } from "../chain/events";
import type { StateTx } from "./store";
import { INITIAL_SYSTEM, checkpointOf, codecs, encodeHistoryEntry, encodeHistoryRow, keys, slotHexOfToken, tokenHex } from "./schema";
import type { Codec, FundingRow, IndexFindingCode, MemberRecord, SlotRecord, SystemRecord, TokenRecord } from "./schema";
import { sequenceOf, slotOf } from "../chain/tokenId";
import { ActivityGatherer } from "./activity";

/**
 * The handlers: from decoded events to the derived records (pieces, receivables, holdings, the factors' books,
 * members, currency balances, histories). They read and write only through the batch's {@link StateTx} and never
 * call a contract: each event carries what its change needs.
 *
 * Each event has one entry in a table ({@link HANDLERS}: what it `reads`, what it `creates`, how to `apply` it).
 * {@link applyEvents} first loads every record the events will read (one LevelDB read for all that are not in
 * memory), then applies the events synchronously, one after the other. A record is changed through
 * {@link StateTx.changeRecord}, which copies it once per batch, so what was read before stays as it was.
 */

/** The event contradicts what the index holds: a bug, or logs missed or applied twice. Not retryable. */
export class IndexInconsistencyError extends Error {
  readonly name = "IndexInconsistencyError";
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * Changes to holdings, summed over the events of one {@link applyEvents} call per holder and receivable, and
 * written once at its end as the holder's totals (stamped with the block of its last change), by-anchor and
 * by-maturity buckets (a bucket back at zero is deleted): the same records as writing after each event.
 */
interface SlotHoldingChange {
  anchorId: number;
  maturity: bigint;
  count: number;
  value: bigint;
}

interface OwnerHoldingChange {
  block: number;
  bySlot: Map<string, SlotHoldingChange>;
}

/** What one batch of events is applying: the transaction, and changes gathered to be written at its end. */
class Batch {
  readonly holdings = new Map<string, OwnerHoldingChange>();
  /** The current transaction's history rows: piece (hex id) to its first log's checkpoint and its entries. */
  private readonly historyRows = new Map<string, { checkpoint: string; entries: string[] }>();
  private historyTransaction = "";

  constructor(readonly tx: StateTx) {}

  /** Notes `log` in the history of each of `tokenIds`; a transaction's logs about a piece make one row. */
  addHistory(event: ChainbillEvent, log: RawLog, tokenIds: readonly bigint[]): void {
    if (log.transactionHash !== this.historyTransaction) {
      this.flushHistory();
      this.historyTransaction = log.transactionHash;
    }
    const entry = encodeHistoryEntry(event.contract, log);
    for (const tokenId of tokenIds) {
      const idHex = tokenHex(tokenId);
      const row = this.historyRows.get(idHex);
      if (row === undefined)
        this.historyRows.set(idHex, { checkpoint: checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex), entries: [entry] });
      else row.entries.push(entry);
    }
  }

  flushHistory(): void {
    for (const [idHex, row] of this.historyRows)
      this.tx.append(keys.historyAt(idHex, row.checkpoint), encodeHistoryRow(this.historyTransaction, row.entries));
    this.historyRows.clear();
  }

  /** Changes `owner`'s holdings in `slot` (the receivable's key in hex) by `count` pieces and `value`. */
  countHolding(block: number, owner: string, slotHex: string, slot: SlotRecord, count: number, value: bigint): void {
    if (count === 0 && value === 0n) return;
    let ownerChange = this.holdings.get(owner);
    if (ownerChange === undefined) {
      ownerChange = { block, bySlot: new Map() };
      this.holdings.set(owner, ownerChange);
    }
    ownerChange.block = block;
    const change = ownerChange.bySlot.get(slotHex);
    if (change === undefined) ownerChange.bySlot.set(slotHex, { anchorId: slot.anchorId, maturity: slot.maturity, count, value });
    else {
      change.count += count;
      change.value += value;
    }
  }

  /** The keys of the holdings records the gathered changes touch, with what to add to each. */
  holdingWrites(): HoldingWrite[] {
    const writes: HoldingWrite[] = [];
    for (const [owner, ownerChange] of this.holdings) {
      let count = 0;
      let value = 0n;
      const byAnchor = new Map<number, HoldingSum>();
      const byMaturity = new Map<bigint, HoldingSum>();
      for (const change of ownerChange.bySlot.values()) {
        count += change.count;
        value += change.value;
        addToBucket(byAnchor, change.anchorId, change);
        addToBucket(byMaturity, change.maturity, change);
      }
      writes.push({ key: keys.holdingTotals(owner), count, value, stampedAt: ownerChange.block });
      for (const [anchorId, sum] of byAnchor)
        writes.push({ key: keys.holdingByAnchor(owner, anchorId), count: sum.count, value: sum.value, stampedAt: undefined });
      for (const [maturity, sum] of byMaturity)
        writes.push({ key: keys.holdingByMaturity(owner, maturity), count: sum.count, value: sum.value, stampedAt: undefined });
    }
    return writes;
  }
}

interface HoldingSum {
  count: number;
  value: bigint;
}

/** A holdings record to change: what to add to its count and value; `stampedAt`: a holder's totals, stamped with that block. */
interface HoldingWrite extends HoldingSum {
  key: string;
  stampedAt: number | undefined;
}

/** Adds a receivable's change to the holder's bucket for `bucketKey` (an anchor or a maturity). */
function addToBucket<K>(buckets: Map<K, HoldingSum>, bucketKey: K, change: HoldingSum): void {
  const sum = buckets.get(bucketKey);
  if (sum === undefined) buckets.set(bucketKey, { count: change.count, value: change.value });
  else {
    sum.count += change.count;
    sum.value += change.value;
  }
}

/** Adds the gathered holdings changes to the stored totals and buckets (loaded first). */
async function writeHoldings(batch: Batch): Promise<void> {
  const writes = batch.holdingWrites();
  const tx = batch.tx;
  await tx.load(writes.map((write) => write.key));
  for (const { key, count, value, stampedAt } of writes) {
    const before = (stampedAt !== undefined ? tx.getRecord(key, codecs.holdingTotals) : tx.getRecord(key, codecs.bucket)) ?? { count: 0, value: 0n };
    const after = { count: before.count + count, value: before.value + value };
    if (after.count < 0 || after.value < 0n) throw new IndexInconsistencyError(`holding bucket ${key} would go negative`);
    if (after.count === 0 && after.value === 0n) tx.del(key);
    else if (stampedAt !== undefined) tx.putRecord(key, codecs.holdingTotals, { ...after, updatedAtBlock: stampedAt });
    else tx.putRecord(key, codecs.bucket, after);
  }
  batch.holdings.clear();
}

function slotHex(slot: bigint): string {
  return keys.slot(slot).slice(2);
}

function need<T>(value: T | undefined, what: string, block: number): T {
  if (value === undefined) throw new IndexInconsistencyError(`${what} is not in the index (block ${block})`);
  return value;
}

function read<T>(tx: StateTx, key: string, codec: Codec<T>, what: string, block: number): T {
  return need(tx.getRecord(key, codec), what, block);
}

function changeSlot(tx: StateTx, slotHex: string, block: number, change: (slot: SlotRecord) => void): SlotRecord {
  const slot = tx.changeRecord(keys.slotAt(slotHex), codecs.slot, (record) => {
    change(record);
    record.updatedAtBlock = block;
  });
  return need(slot, `slot 0x${slotHex}`, block);
}

/**
 * Changes a piece's record (in memory: loaded or of this batch) and keeps its holder's holdings in step: its
 * holding row and the holder's totals follow its status, holder and value before and after.
 */
function changeToken(batch: Batch, tokenId: bigint, block: number, change: (token: TokenRecord) => void): TokenRecord {
  const idHex = tokenHex(tokenId);
  const key = keys.tokenAt(idHex);
  const before = read(batch.tx, key, codecs.token, `piece ${tokenId}`, block);
  const wasLive = before.status === "live";
  const ownerBefore = before.owner;
  const valueBefore = before.value;
  const after = batch.tx.changeRecord(key, codecs.token, (record) => {
    change(record);
    record.updatedAtBlock = block;
  }) as TokenRecord;
  followHoldings(batch, block, idHex, after, wasLive ? { owner: ownerBefore, value: valueBefore } : undefined);
  return after;
}

/** Holdings after a piece became `after`; `liveBefore`: its holder and value before, if it was live. */
function followHoldings(
  batch: Batch,
  block: number,
  idHex: string,
  after: TokenRecord,
  liveBefore: { owner: string; value: bigint } | undefined,
): void {
  const tx = batch.tx;
  const slotHex = slotHexOfToken(idHex);
  const slot = read(tx, keys.slotAt(slotHex), codecs.slot, `slot ${after.slot}`, block);
  const isLive = after.status === "live";
  if (liveBefore !== undefined && isLive && liveBefore.owner === after.owner) {
    batch.countHolding(block, after.owner, slotHex, slot, 0, after.value - liveBefore.value);
  } else {
    if (liveBefore !== undefined) batch.countHolding(block, liveBefore.owner, slotHex, slot, -1, -liveBefore.value);
    if (isLive) batch.countHolding(block, after.owner, slotHex, slot, 1, after.value);
  }
  if (liveBefore !== undefined && (!isLive || liveBefore.owner !== after.owner)) tx.del(keys.holdingAt(liveBefore.owner, idHex));
  if (isLive)
    tx.putRecord(keys.holdingAt(after.owner, idHex), codecs.holding, {
      tokenId: after.tokenId,
      slot: after.slot,
      value: after.value,
      anchorId: slot.anchorId,
      maturity: slot.maturity,
    });
}

/** Changes a piece's record where its holder and value stay as they are (no holdings change). */
function changeTokenRecord(tx: StateTx, tokenId: bigint, block: number, change: (token: TokenRecord) => void): void {
  const token = tx.changeRecord(keys.token(tokenId), codecs.token, (record) => {
    change(record);
    record.updatedAtBlock = block;
  });
  need(token, `piece ${tokenId}`, block);
}

/** Keeps `event` (at `log`) as a finding instead of applying it: see {@link IndexFinding}. */
function recordFinding(tx: StateTx, log: RawLog, event: ChainbillEvent, code: IndexFindingCode, message: string): void {
  const checkpoint = checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex);
  tx.insertRecord(keys.finding(checkpoint), codecs.finding, {
    code,
    contract: event.contract,
    event: event.name,
    block: log.blockNumber,
    transactionHash: log.transactionHash,
    logIndex: log.logIndex,
    message,
  });
}

/**
 * A factor's recourse on a funding: the funding's row is found through its id, so its records are loaded here.
 * Financing accepted the event, so one the index cannot place (an unknown funding, one sold without recourse, one
 * already recorded) becomes a finding, not an error that would stop the indexer and every API that reads it.
 */
async function onRecourse(tx: StateTx, log: RawLog, event: Extract<ChainbillEvent, { name: "RecourseRecorded" }>): Promise<void> {
  const { fundingId, amount } = event;
  const block = log.blockNumber;
  const indexKey = keys.fundingIndex(fundingId);
  await tx.load([indexKey]);
  const rowKey = tx.get(indexKey);
  const claim = `recourse of ${amount} by factor member ${event.factorId} against seller member ${event.sellerId}`;
  if (rowKey === undefined) {
    recordFinding(tx, log, event, "RECOURSE_UNKNOWN_FUNDING", `${claim} on funding ${fundingId}, which the index never saw funded; not applied`);
    return;
  }
  await tx.load([rowKey]);
  const before = need(tx.getRecord(rowKey, codecs.funding), `funding ${fundingId}`, block);
  if (!before.withRecourse || before.recourseAmount !== null) {
    const [code, why] = !before.withRecourse
      ? (["RECOURSE_NOT_AGREED", "sold without recourse"] as const)
      : (["RECOURSE_RECORDED_TWICE", `already under recourse of ${before.recourseAmount}`] as const);
    recordFinding(tx, log, event, code, `${claim} on funding ${fundingId}, ${why}; not applied`);
    return;
  }
  const row = tx.changeRecord(rowKey, codecs.funding, (record) => {
    record.recourseAmount = amount;
    record.updatedAtBlock = block;
  });
  const factor = need(row, `funding ${fundingId}`, block).factor;
  await tx.load([keys.factorTotals(factor)]);
  const totals = tx.changeRecord(keys.factorTotals(factor), codecs.factorTotals, (record) => {
    record.recourse += amount;
    record.updatedAtBlock = block;
  });
  need(totals, `book of ${factor}`, block);
}

/** A verified trade, by the seller's and by the buyer's address: append-only rows, read by risk.ts. */
function appendTrade(tx: StateTx, seller: string, buyer: string, checkpoint: string, value: bigint): void {
  const sellerKey = seller.toLowerCase();
  const buyerKey = buyer.toLowerCase();
  tx.append(keys.tradeAsSeller(sellerKey, buyerKey, checkpoint), value.toString());
  tx.append(keys.tradeAsBuyer(buyerKey, sellerKey, checkpoint), value.toString());
}

/**
 * A transfer with proof is a trade: the seller received the new piece, the buyer paid with the piece it was split
 * from. Both records were changed by the same transaction's Transfer and TransferValue, so they are in memory.
 */
function noteVerifiedTransfer(tx: StateTx, tokenId: bigint, log: RawLog): void {
  const piece = read(tx, keys.token(tokenId), codecs.token, `piece ${tokenId}`, log.blockNumber);
  if (piece.parent === null || piece.parent === 0n) return;
  const parent = read(tx, keys.token(piece.parent), codecs.token, `piece ${piece.parent}`, log.blockNumber);
  appendTrade(tx, piece.owner, parent.owner, checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex), piece.value);
}

function changeMember(tx: StateTx, memberId: number, block: number, change: (member: MemberRecord) => void): void {
  const member = tx.changeRecord(keys.member(memberId), codecs.member, (record) => {
    change(record);
    record.updatedAtBlock = block;
  });
  need(member, `member ${memberId}`, block);
}

function changeSystem(tx: StateTx, change: (system: SystemRecord) => void): void {
  if (tx.getRecord(keys.system, codecs.system) === undefined)
    tx.putRecord(keys.system, codecs.system, { ...INITIAL_SYSTEM, issuers: [], systemAccounts: [] });
  tx.changeRecord(keys.system, codecs.system, change);
}

function addBalance(tx: StateTx, address: string, delta: bigint): void {
  if (address === ZERO_ADDRESS) return;
  const key = keys.balance(address);
  const after = BigInt(tx.get(key) ?? "0") + delta;
  if (after < 0n) throw new IndexInconsistencyError(`currency balance of ${address} would go negative`);
  if (after === 0n) tx.del(key);
  else tx.put(key, after.toString());
}

function withOrWithout(list: readonly string[], item: string, present: boolean): string[] {
  const others = list.filter((entry) => entry !== item);
  return present ? [...others, item] : others;
}

function onTokenTransfer(batch: Batch, block: number, from: string, to: string, tokenId: bigint): void {
  if (from === ZERO_ADDRESS) {
    const idHex = tokenHex(tokenId);
    const created: TokenRecord = {
      tokenId,
      slot: slotOf(tokenId),
      owner: to,
      value: 0n,
      parent: null,
      status: "live",
      received: 0n,
      tradeProof: null,
      createdAtBlock: block,
      updatedAtBlock: block,
    };
    const sequence = Number(sequenceOf(tokenId));
    changeSlot(batch.tx, slotHexOfToken(idHex), block, (slot) => {
      slot.pieceCount = Math.max(slot.pieceCount, sequence);
      slot.liveCount += 1;
    });
    // A new piece (token ids are never reused) has no records yet: no read needed for their undo.
    batch.tx.insertRecord(keys.tokenAt(idHex), codecs.token, created);
    followHoldings(batch, block, idHex, created, undefined);
    return;
  }
  const before = read(batch.tx, keys.token(tokenId), codecs.token, `piece ${tokenId}`, block);
  if (to === ZERO_ADDRESS && before.status === "redeemed" && before.owner === from) return;
  if (before.status !== "live" || before.owner !== from)
    throw new IndexInconsistencyError(`piece ${tokenId} moved from ${from}, which does not hold it`);
  if (to === ZERO_ADDRESS) {
    // Emptied by a split or merge. (A redemption has already marked the piece redeemed and is not live.)
    changeSlot(batch.tx, slotHexOfToken(tokenHex(tokenId)), block, (slot) => {
      slot.liveCount -= 1;
    });
    changeToken(batch, tokenId, block, (token) => {
      token.status = "burned";
    });
    return;
  }
  changeToken(batch, tokenId, block, (token) => {
    token.owner = to;
  });
}

function onTransferValue(batch: Batch, block: number, fromTokenId: bigint, toTokenId: bigint, value: bigint): void {
  if (fromTokenId !== 0n) {
    const source = read(batch.tx, keys.token(fromTokenId), codecs.token, `piece ${fromTokenId}`, block);
    if (source.status !== "live" || source.value < value)
      throw new IndexInconsistencyError(`piece ${fromTokenId} has ${source.value}, cannot give ${value}`);
    // A split or merge that took all of a piece's value reports its burn as 0 value to token 0; the Transfer to
    // the zero address that follows marks it burned.
    if (toTokenId === 0n && value === 0n) return;
    if (toTokenId === 0n) {
      // Settlement redeemed the piece (paid in full); its Transfer to the zero address follows.
      changeSlot(batch.tx, slotHexOfToken(tokenHex(fromTokenId)), block, (slot) => {
        slot.redeemedValue += value;
        slot.liveCount -= 1;
      });
      changeToken(batch, fromTokenId, block, (token) => {
        token.value -= value;
        token.status = "redeemed";
      });
      return;
    }
    changeToken(batch, fromTokenId, block, (token) => {
      token.value -= value;
    });
  }
  const target = read(batch.tx, keys.token(toTokenId), codecs.token, `piece ${toTokenId}`, block);
  const created = target.parent === null;
  if (created && fromTokenId !== 0n) batch.tx.append(keys.child(tokenHex(fromTokenId), tokenHex(toTokenId)), "");
  changeToken(batch, toTokenId, block, (token) => {
    token.value += value;
    if (created) token.parent = fromTokenId;
  });
}

/**
 * What the index does with one event: `reads`, the keys its `apply` reads (besides records of the same batch and
 * the holdings, loaded at the end), loaded for the whole batch before any event is applied; `creates`, the record it
 * creates, if any (a later event of the batch reads it without a load); `apply`, the change: synchronous, except for
 * the few whose reads depend on what is stored (a promise then). A handler reading a key its `reads` does not list
 * fails with UnloadedReadError, whatever the data.
 */
interface EventHandler<E extends ChainbillEvent> {
  reads(event: E): string[];
  creates?(event: E): string | undefined;
  apply(batch: Batch, event: E, log: RawLog): void | Promise<void>;
}

/** One entry per event of every contract: the compiler refuses a table that misses one. */
type HandlerTable = {
  [C in ChainbillEvent["contract"]]: { [E in Extract<ChainbillEvent, { contract: C }> as E["name"]]: EventHandler<E> };
};

/** The event of `contract` named `name`. */
type EventNamed<C extends ChainbillEvent["contract"], N extends string> = Extract<ChainbillEvent, { contract: C; name: N }>;

const NONE: string[] = [];
const readsNothing = (): string[] => NONE;
/** An event that changes no derived record (the piece's history, if any, keeps it). */
const recordedOnly = { reads: readsNothing, apply: (): void => undefined };

/** A registry event that changes one member's record. */
function memberChange<E extends Extract<ChainbillEvent, { memberId: number }>>(change: (member: MemberRecord, event: E) => void): EventHandler<E> {
  return {
    reads: (event) => [keys.member(event.memberId)],
    apply: (batch, event, log) => changeMember(batch.tx, event.memberId, log.blockNumber, (member) => change(member, event)),
  };
}

/** An event that changes the system record only. */
function systemChange<E extends ChainbillEvent>(change: (system: SystemRecord, event: E) => void): EventHandler<E> {
  return {
    reads: () => [keys.system],
    apply: (batch, event) => changeSystem(batch.tx, (system) => change(system, event)),
  };
}

/** A settlement event that changes one receivable's record. */
function slotChange<E extends Extract<ChainbillEvent, { slot: bigint }>>(change: (slot: SlotRecord, event: E) => void): EventHandler<E> {
  return {
    reads: (event) => [keys.slot(event.slot)],
    apply: (batch, event, log) => {
      changeSlot(batch.tx, slotHex(event.slot), log.blockNumber, (slot) => change(slot, event));
    },
  };
}

const HANDLERS: HandlerTable = {
  registry: {
    MemberAdmitted: {
      reads: readsNothing,
      apply: ({ tx }, event, log) => {
        tx.putRecord(keys.member(event.memberId), codecs.member, {
          memberId: event.memberId,
          leiHash: event.leiHash,
          roles: event.roles,
          status: "ACTIVE",
          kycValidUntil: event.kycValidUntil,
          accounts: [event.account],
          updatedAtBlock: log.blockNumber,
        });
        tx.put(keys.account(event.account), String(event.memberId));
      },
    },
    RoleGranted: memberChange<EventNamed<"registry", "RoleGranted">>((member, event) => {
      member.roles = event.roles;
    }),
    RoleRevoked: memberChange<EventNamed<"registry", "RoleRevoked">>((member, event) => {
      member.roles = event.roles;
    }),
    AccountAdded: {
      reads: (event) => [keys.member(event.memberId)],
      apply: ({ tx }, event, log) => {
        changeMember(tx, event.memberId, log.blockNumber, (member) => {
          member.accounts = [...member.accounts, event.account];
        });
        tx.put(keys.account(event.account), String(event.memberId));
      },
    },
    AccountRemoved: {
      reads: (event) => [keys.member(event.memberId)],
      apply: ({ tx }, event, log) => {
        changeMember(tx, event.memberId, log.blockNumber, (member) => {
          // The registry moves its last address into the removed one's place.
          const accounts = [...member.accounts];
          const index = accounts.indexOf(event.account);
          if (index < 0) throw new IndexInconsistencyError(`member ${event.memberId} has no address ${event.account}`);
          accounts[index] = accounts[accounts.length - 1];
          accounts.pop();
          member.accounts = accounts;
        });
        tx.del(keys.account(event.account));
      },
    },
    MemberSuspended: memberChange((member) => {
      member.status = "SUSPENDED";
    }),
    MemberReinstated: memberChange((member) => {
      member.status = "ACTIVE";
    }),
    KycRenewed: memberChange<EventNamed<"registry", "KycRenewed">>((member, event) => {
      member.kycValidUntil = event.kycValidUntil;
    }),
    HoldingContractBound: recordedOnly,
  },
  token: {
    ReceivableConfirmed: {
      reads: readsNothing,
      creates: (event) => keys.slot(event.slot),
      apply: ({ tx }, event, log) => {
        const c = event.confirmation;
        const block = log.blockNumber;
        const slot: SlotRecord = {
          slot: event.slot,
          anchorId: event.anchorId,
          anchor: event.anchor,
          supplierId: event.supplierId,
          supplier: c.supplier,
          faceValue: c.faceValue,
          maturity: c.maturity,
          currency: c.currency,
          invoiceHash: c.invoiceHash,
          logisticsHash: c.logisticsHash,
          invoiceFingerprint: c.invoiceFingerprint,
          pieceCount: 0,
          liveCount: 0,
          repaid: 0n,
          claimed: 0n,
          redeemedValue: 0n,
          fundedValue: 0n,
          fundingCount: 0,
          overdueFlagged: false,
          overdueCured: false,
          confirmedAtBlock: block,
          updatedAtBlock: block,
        };
        tx.insertRecord(keys.slot(event.slot), codecs.slot, slot);
        // The record behind a funding decision (risk.ts): the anchor's receivables, and the confirmation as a
        // verified trade (the supplier sold to the anchor).
        const checkpoint = checkpointOf(block, log.transactionIndex, log.logIndex);
        tx.append(keys.anchorSlot(event.anchorId, slotHex(event.slot)), "");
        appendTrade(tx, c.supplier, event.anchor, checkpoint, c.faceValue);
      },
    },
    Transfer: {
      reads: (event) =>
        event.from === ZERO_ADDRESS ? [keys.slot(slotOf(event.tokenId))] : [keys.token(event.tokenId), keys.slot(slotOf(event.tokenId))],
      // A mint creates the piece.
      creates: (event) => (event.from === ZERO_ADDRESS ? keys.token(event.tokenId) : undefined),
      apply: (batch, event, log) => onTokenTransfer(batch, log.blockNumber, event.from, event.to, event.tokenId),
    },
    TransferValue: {
      reads: (event) => {
        const read = [keys.token(event.toTokenId), keys.slot(slotOf(event.toTokenId))];
        if (event.fromTokenId !== 0n) read.push(keys.token(event.fromTokenId), keys.slot(slotOf(event.fromTokenId)));
        return read;
      },
      apply: (batch, event, log) => onTransferValue(batch, log.blockNumber, event.fromTokenId, event.toTokenId, event.value),
    },
    TradeProofRecorded: {
      reads: (event) => [keys.token(event.tokenId)],
      apply: ({ tx }, event, log) => {
        const tradeProof = { invoiceFingerprint: event.invoiceFingerprint, invoiceHash: event.invoiceHash, logisticsHash: event.logisticsHash };
        changeTokenRecord(tx, event.tokenId, log.blockNumber, (token) => {
          token.tradeProof = tradeProof;
        });
        noteVerifiedTransfer(tx, event.tokenId, log);
      },
    },
    SystemContractBound: systemChange<EventNamed<"token", "SystemContractBound">>((system, event) => {
      if (event.kind === 0) system.financing = event.account;
      else system.settlement = event.account;
    }),
    Paused: systemChange((system) => {
      system.paused = true;
    }),
    Unpaused: systemChange((system) => {
      system.paused = false;
    }),
    // Approvals and the slot (read off the id) change no derived record; the piece's history keeps them.
    SlotChanged: recordedOnly,
    Approval: recordedOnly,
    ApprovalForAll: recordedOnly,
    ApprovalValue: recordedOnly,
    EIP712DomainChanged: recordedOnly,
    // The line as set is kept for the anchor's record (risk.ts); what it owes is summed from its receivables. The
    // audit replays I8 from these events.
    CreditLineSet: {
      reads: (event) => [keys.creditLine(event.anchorId)],
      apply: ({ tx }, event, log) => {
        tx.putRecord(keys.creditLine(event.anchorId), codecs.creditLine, {
          limit: event.limit,
          reviewDate: event.reviewDate,
          updatedAtBlock: log.blockNumber,
        });
      },
    },
    CreditLineReleased: recordedOnly,
  },
  settlement: {
    Repaid: {
      reads: (event) => [keys.slot(event.slot)],
      apply: ({ tx }, event, log) => {
        changeSlot(tx, slotHex(event.slot), log.blockNumber, (slot) => {
          slot.repaid = event.repaidTotal;
        });
        // The block of the completing repayment: its time says whether the anchor paid on time (risk.ts).
        if (event.fullyRepaid) tx.insert(keys.slotCompleted(event.slot), String(log.blockNumber));
      },
    },
    Claimed: {
      reads: (event) => [keys.token(event.tokenId), keys.slot(slotOf(event.tokenId))],
      apply: ({ tx }, event, log) => {
        changeTokenRecord(tx, event.tokenId, log.blockNumber, (token) => {
          token.received = event.claimedTotal;
        });
        changeSlot(tx, slotHexOfToken(tokenHex(event.tokenId)), log.blockNumber, (slot) => {
          slot.claimed += event.amount;
        });
      },
    },
    SlotOverdue: slotChange((slot) => {
      slot.overdueFlagged = true;
    }),
    OverdueCured: slotChange((slot) => {
      slot.overdueCured = true;
    }),
    GracePeriodSet: systemChange<EventNamed<"settlement", "GracePeriodSet">>((system, event) => {
      system.gracePeriod = event.gracePeriod;
    }),
    // Recourse shares change who is paid, not a piece's or a slot's totals (Claimed still reports the whole claim);
    // the piece's history keeps them for the views.
    RecourseTaken: recordedOnly,
    RecourseClaimRouted: recordedOnly,
    // A write-off changes no amount; the credit report reads it from the chain, the slot's history keeps it.
    ReceivableWrittenOff: recordedOnly,
  },
  financing: {
    Funded: {
      reads: (event) => [keys.factorTotals(event.factor), keys.slot(slotOf(event.tokenId))],
      apply: ({ tx }, event, log) => {
        const block = log.blockNumber;
        const checkpoint = checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex);
        const row: FundingRow = {
          fundingId: event.fundingId,
          tokenId: event.tokenId,
          fundedTokenId: event.fundedTokenId,
          factor: event.factor,
          holder: event.holder,
          value: event.value,
          price: event.price,
          withRecourse: event.withRecourse,
          recourseAmount: null,
          block,
          transactionHash: log.transactionHash,
          updatedAtBlock: block,
        };
        const key = keys.funding(event.factor, checkpoint);
        tx.insert(key, codecs.funding.encode(row));
        tx.insert(keys.fundingIndex(event.fundingId), key);
        tx.insert(keys.tokenFunding(event.fundedTokenId, checkpoint), event.fundingId);
        const totalsKey = keys.factorTotals(event.factor);
        const totals = tx.getRecord(totalsKey, codecs.factorTotals) ?? { fundings: 0, value: 0n, price: 0n, recourse: 0n, updatedAtBlock: block };
        tx.putRecord(totalsKey, codecs.factorTotals, {
          fundings: totals.fundings + 1,
          value: totals.value + event.value,
          price: totals.price + event.price,
          recourse: totals.recourse,
          updatedAtBlock: block,
        });
        changeSlot(tx, slotHexOfToken(tokenHex(event.tokenId)), block, (slot) => {
          slot.fundedValue += event.value;
          slot.fundingCount += 1;
        });
      },
    },
    // Loads its own records: which ones depends on the funding.
    RecourseRecorded: { reads: readsNothing, apply: ({ tx }, event, log) => onRecourse(tx, log, event) },
    RequiredVerifiersSet: systemChange<EventNamed<"financing", "RequiredVerifiersSet">>((system, event) => {
      system.requiredVerifiers = event.required;
    }),
    // The seller's recourse payment: Settlement's RecourseTaken in the same transaction carries the share.
    RecoursePaid: recordedOnly,
    RequestApproved: recordedOnly,
    NonceInvalidated: recordedOnly,
    EIP712DomainChanged: recordedOnly,
  },
  currency: {
    Transfer: {
      reads: (event) => [keys.balance(event.from), keys.balance(event.to), keys.system],
      apply: ({ tx }, event) => {
        addBalance(tx, event.from, -event.value);
        addBalance(tx, event.to, event.value);
        if (event.from === ZERO_ADDRESS || event.to === ZERO_ADDRESS) {
          const supplyChange = event.from === ZERO_ADDRESS ? event.value : -event.value;
          changeSystem(tx, (system) => {
            system.currencySupply += supplyChange;
          });
        }
      },
    },
    Approval: recordedOnly,
    Issued: systemChange<EventNamed<"currency", "Issued">>((system, event) => {
      system.currencyIssued += event.amount;
    }),
    Redeemed: systemChange<EventNamed<"currency", "Redeemed">>((system, event) => {
      system.currencyRedeemed += event.amount;
    }),
    IssuerSet: systemChange<EventNamed<"currency", "IssuerSet">>((system, event) => {
      system.issuers = withOrWithout(system.issuers, event.issuer, event.allowed);
    }),
    SystemAccountSet: systemChange<EventNamed<"currency", "SystemAccountSet">>((system, event) => {
      system.systemAccounts = withOrWithout(system.systemAccounts, event.account, event.allowed);
    }),
  },
};

/** The table's entry for `event`. */
function handlerOf(event: ChainbillEvent): EventHandler<ChainbillEvent> {
  // The table is keyed by contract and name, each entry typed for its event: looked up by both, the pairing holds.
  return (HANDLERS[event.contract] as Record<string, EventHandler<ChainbillEvent>>)[event.name];
}

/**
 * Applies events in chain order (`log` positions each; histories keep the log itself). Everything they change is
 * in `tx` when it resolves; with undo recording, call it once per block.
 */
export async function applyEvents(tx: StateTx, events: ReadonlyArray<{ event: ChainbillEvent; log: RawLog }>): Promise<void> {
  // Records created by the batch's own events (new pieces and receivables) need no read.
  const toLoad: string[] = [];
  const created = new Set<string>();
  const handlers = new Array<EventHandler<ChainbillEvent>>(events.length);
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index].event;
    const handler = handlerOf(event);
    handlers[index] = handler;
    for (const key of handler.reads(event)) if (!created.has(key)) toLoad.push(key);
    const made = handler.creates?.(event);
    if (made !== undefined) created.add(made);
  }
  await tx.load(toLoad);
  const batch = new Batch(tx);
  const activity = new ActivityGatherer(tx);
  for (let index = 0; index < events.length; index += 1) {
    const { event, log } = events[index];
    activity.begin(log);
    const tokens = tokensOfEvent(event);
    if (tokens.length > 0) batch.addHistory(event, log, tokens);
    const pending = handlers[index].apply(batch, event, log);
    if (pending !== undefined) await pending;
    activity.note(event, log);
  }
  batch.flushHistory();
  activity.flush();
  await writeHoldings(batch);
}
