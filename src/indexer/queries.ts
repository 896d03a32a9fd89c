import { decodeEvent } from "../chain/events";
import type { ChainbillEvent, ContractName } from "../chain/events";
import { BOOKKEEPING_PREFIXES, INITIAL_SYSTEM, codecs, decodeHistoryRow, keys, slotHexOfToken } from "./schema";
import type {
  ActivityRow,
  CashRow,
  Codec,
  Cursor,
  FactorTotals,
  FundingRow,
  HoldingRow,
  IndexFinding,
  MemberRecord,
  SlotRecord,
  SystemRecord,
  TokenRecord,
} from "./schema";
import { PREFIX_END } from "./store";
import { readAnchorFacts, readFactorExposure, readSupplierFacts } from "./risk";
import type { AnchorFacts, FactorExposure, SupplierFacts } from "./risk";
import type { IndexDb } from "./store";
import { tokenIdOf } from "../chain/tokenId";

/**
 * The read side of the index, for the API, the dApp and network tests. Every answer is read from one LevelDB
 * snapshot and says which block it is as of, and whether it is final: the figures it reports last changed at or
 * below `head - confirmations`. Amounts are bigint (the API writes them as decimal strings); addresses are
 * lower-case.
 */

export interface AsOf {
  /** The last block the index has applied. */
  asOfBlock: number;
  asOfBlockHash: string;
  /** Unix seconds of that block. */
  asOfTimestamp: number;
  /** Blocks at or below this are final (head seen by the indexer minus the confirmation depth). */
  finalizedBlock: number;
  /** Whether every figure in the answer last changed at or below `finalizedBlock`. */
  final: boolean;
}

export type Answer<T> = AsOf & T;

export interface HoldingsPage {
  owner: string;
  /** Live pieces held, and their total value. */
  count: number;
  totalValue: bigint;
  byAnchor: Array<{ anchorId: number; count: number; value: bigint }>;
  byMaturity: Array<{ maturity: bigint; count: number; value: bigint }>;
  /** Up to `limit` pieces in token-id order, after `after`. */
  pieces: HoldingRow[];
  /** Pass as `after` for the next page; null on the last page. */
  nextAfter: bigint | null;
}

export interface TokenLineage {
  token: TokenRecord;
  slot: SlotRecord;
  /** Parent, grandparent, … up to the slot's first piece. */
  ancestors: TokenRecord[];
  /** Every piece split off this one, directly or not, breadth first (at most `maxDescendants`). */
  descendants: TokenRecord[];
  descendantsTruncated: boolean;
  /** Fundings that delivered this piece to a factor. */
  fundings: FundingRow[];
}

export interface SlotSummary {
  slot: SlotRecord;
  outstanding: bigint;
  /** Live value of the slot's pieces (face value less what was redeemed). */
  liveValue: bigint;
  fullyRepaid: boolean;
  /** Past maturity plus the grace period at `asOfTimestamp` with something unpaid (what `Settlement.isOverdue` says). */
  overdue: boolean;
}

export interface FactorBook {
  factor: string;
  totals: Omit<FactorTotals, "updatedAtBlock">;
  /** Fundings in chain order, each with the funded piece as it stands now. */
  fundings: Array<FundingRow & { piece: TokenRecord | null }>;
  nextAfter: string | null;
}

export interface HistoryEntry {
  blockNumber: number;
  transactionHash: string;
  transactionIndex: number;
  logIndex: number;
  contract: ContractName;
  event: ChainbillEvent;
}

export interface MemberWithActivity extends MemberRecord {
  /** ACTIVE and KYC valid at `asOfTimestamp`. */
  activeNow: boolean;
}

/** One page of an address's activity or cash movements, newest first. */
export interface RowsPage<T> {
  address: string;
  /** Each row with the checkpoint (`block.txIndex.logIndex`) of the log that made it. */
  rows: Array<T & { checkpoint: string }>;
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: string | null;
}

/** A checkpoint as a paging cursor: `block.txIndex.logIndex`, fixed width. */
const CHECKPOINT = /^\d{12}\.\d{6}\.\d{6}$/u;

/** An index finding as the status shows it: what and where, without the message's figures. */
export type FindingSummary = Omit<IndexFinding, "message">;

/** How many findings the status lists (the newest; `findingCount` counts them all). */
const STATUS_FINDINGS = 20;

export interface IndexReader {
  /**
   * The index's position, or null before the first batch; with the events it could not place and kept as
   * findings (see {@link IndexFinding}): how many, and the newest.
   */
  status(): Promise<(AsOf & { head: number; findingCount: number; findings: FindingSummary[] }) | null>;
  /** Every finding the index recorded, in chain order, with its message. */
  findings(): Promise<IndexFinding[]>;
  holdingsOf(owner: string, page?: { limit?: number; after?: bigint }): Promise<Answer<HoldingsPage>>;
  token(tokenId: bigint, options?: { maxDescendants?: number }): Promise<Answer<TokenLineage> | null>;
  slot(slot: bigint): Promise<Answer<SlotSummary> | null>;
  factorBook(factor: string, page?: { limit?: number; after?: string }): Promise<Answer<FactorBook>>;
  tokenHistory(tokenId: bigint): Promise<Answer<{ tokenId: bigint; entries: HistoryEntry[] }>>;
  members(): Promise<Answer<{ members: MemberWithActivity[] }>>;
  memberOf(address: string): Promise<Answer<{ member: MemberWithActivity | null }>>;
  currencyBalance(address: string): Promise<Answer<{ address: string; balance: bigint }>>;
  system(): Promise<Answer<{ system: SystemRecord }>>;
  /** The record behind a funding decision (risk.ts): an anchor's receivables and line, as facts to be timed. */
  anchorFacts(anchor: string): Promise<Answer<AnchorFacts>>;
  /** A supplier's verified trades as seller and buyer, by counterparty member (risk.ts). */
  supplierFacts(supplier: string): Promise<Answer<SupplierFacts>>;
  /** What a factor's address holds, by anchor and by maturity month (risk.ts). */
  factorExposure(factor: string): Promise<Answer<FactorExposure>>;
  /** What happened to an address and its pieces, newest first (`before`: a checkpoint from `nextBefore`). */
  activityOf(address: string, page?: { limit?: number; before?: string }): Promise<Answer<RowsPage<ActivityRow>>>;
  /** An address's settlement-currency balance and its movements, newest first. */
  cashOf(address: string, page?: { limit?: number; before?: string }): Promise<Answer<RowsPage<CashRow> & { balance: bigint }>>;
  /** Every derived record (bookkeeping left out), by key: what two indexes of the same chain must agree on. */
  derivedRecords(): Promise<Map<string, string>>;
}

/** Bad query input; the message says what is wrong. */
export class QueryInputError extends Error {
  readonly name = "QueryInputError";
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function addressOf(value: string, what: string): string {
  if (!ADDRESS.test(value)) throw new QueryInputError(`${what} must be a 0x-prefixed 20-byte hex address, not "${value}"`);
  return value.toLowerCase();
}

function idOf(value: bigint, what: string): bigint {
  if (typeof value !== "bigint" || value <= 0n || value >= 1n << 96n)
    throw new QueryInputError(`${what} must be a positive integer below 2^96, not ${String(value)}`);
  return value;
}

function checkpointOf(value: string | undefined): string | undefined {
  if (value !== undefined && !CHECKPOINT.test(value))
    throw new QueryInputError(`before must be a checkpoint block.txIndex.logIndex (12, 6 and 6 digits), not "${value}"`);
  return value;
}

function limitOf(value: number | undefined, fallback: number): number {
  const limit = value ?? fallback;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000)
    throw new QueryInputError(`limit must be an integer from 1 to 10000, not ${String(value)}`);
  return limit;
}

type Snapshot = ReturnType<IndexDb["snapshot"]>;

/** Up to this many pieces in a slot, a piece's descendants are found by one scan of the slot's pieces. */
const SLOT_SCAN_MAX_PIECES = 256;

/**
 * `slotScanMaxPieces`: up to this many pieces in a piece's slot (default {@link SLOT_SCAN_MAX_PIECES}), `token`
 * finds its lineage by one scan of the slot's pieces; in larger slots, by a read per ancestor and a scan per descendant.
 */
export function createIndexReader(db: IndexDb, options: { confirmations: number; slotScanMaxPieces?: number }): IndexReader {
  const slotScanMaxPieces = options.slotScanMaxPieces ?? SLOT_SCAN_MAX_PIECES;
  // The configuration never changes once written: read once, not with every answer.
  const known: KnownConfig = { addresses: undefined };
  async function withSnapshot<T>(read: (view: View) => Promise<T>): Promise<T> {
    const snapshot = db.snapshot();
    try {
      return await read(new View(db, snapshot, options.confirmations, known));
    } finally {
      await snapshot.close();
    }
  }

  return {
    status: () =>
      withSnapshot(async (view) => {
        const cursor = await view.cursor();
        if (cursor === undefined) return null;
        const recorded = await view.scan(keys.findingsPrefix, codecs.finding);
        const findings = recorded
          .slice(-STATUS_FINDINGS)
          .map(([, { code, contract, event, block, transactionHash, logIndex }]) => ({ code, contract, event, block, transactionHash, logIndex }));
        return { ...view.asOf(cursor, [cursor.number]), head: cursor.head, findingCount: recorded.length, findings };
      }),

    findings: () => withSnapshot(async (view) => (await view.scan(keys.findingsPrefix, codecs.finding)).map(([, finding]) => finding)),

    holdingsOf: (ownerInput, page = {}) =>
      withSnapshot(async (view) => {
        const owner = addressOf(ownerInput, "owner");
        const limit = limitOf(page.limit, 100);
        const cursor = await view.requireCursor();
        const totals = await view.record(keys.holdingTotals(owner), codecs.holdingTotals);
        const byAnchor = (await view.scan(keys.holdingByAnchorPrefix(owner), codecs.bucket)).map(([key, bucket]) => ({
          anchorId: Number(key.slice(key.lastIndexOf("/") + 1)),
          ...bucket,
        }));
        const byMaturity = (await view.scan(keys.holdingByMaturityPrefix(owner), codecs.bucket)).map(([key, bucket]) => ({
          maturity: BigInt(key.slice(key.lastIndexOf("/") + 1)),
          ...bucket,
        }));
        const start = page.after === undefined ? undefined : keys.holding(owner, idOf(page.after, "after"));
        const rows = await view.scan(keys.holdingsPrefix(owner), codecs.holding, limit + 1, start);
        const pieces = rows.slice(0, limit).map(([, row]) => row);
        return {
          ...view.asOf(cursor, [totals?.updatedAtBlock ?? 0]),
          owner,
          count: totals?.count ?? 0,
          totalValue: totals?.value ?? 0n,
          byAnchor,
          byMaturity,
          pieces,
          nextAfter: rows.length > limit ? pieces[pieces.length - 1].tokenId : null,
        };
      }),

    token: (tokenIdInput, tokenOptions = {}) =>
      withSnapshot(async (view) => {
        const tokenId = idOf(tokenIdInput, "token id");
        const maxDescendants = limitOf(tokenOptions.maxDescendants, 1_000);
        const cursor = await view.requireCursor();
        const token = await view.record(keys.token(tokenId), codecs.token);
        if (token === undefined) return null;
        const slot = await view.need(keys.slot(token.slot), codecs.slot);
        // Value only moves between pieces of one slot, so a piece's ancestors and descendants are pieces of its slot:
        // in a small slot, one scan of the slot's pieces finds them all (instead of a read or a scan per piece).
        const slotPieces = slot.pieceCount <= slotScanMaxPieces ? await view.tokensOfSlot(token.slot) : undefined;
        const ancestors: TokenRecord[] = [];
        for (let parent = token.parent ?? 0n; parent !== 0n;) {
          const record = slotPieces?.byId.get(parent) ?? (await view.need(keys.token(parent), codecs.token));
          ancestors.push(record);
          parent = record.parent ?? 0n;
        }
        const descendants: TokenRecord[] = [];
        let truncated = false;
        const childrenOf = async (parent: bigint): Promise<TokenRecord[]> => {
          if (slotPieces !== undefined) return slotPieces.byParent.get(parent) ?? [];
          const children: TokenRecord[] = [];
          for (const childKey of await view.keysUnder(keys.childrenPrefix(parent))) {
            children.push(await view.need(keys.token(BigInt(`0x${childKey.slice(childKey.lastIndexOf("/") + 1)}`)), codecs.token));
            if (descendants.length + children.length > maxDescendants) break;
          }
          return children;
        };
        const queue: bigint[] = [tokenId];
        while (queue.length > 0 && !truncated) {
          const parent = queue.shift() as bigint;
          for (const child of await childrenOf(parent)) {
            if (descendants.length >= maxDescendants) {
              truncated = true;
              break;
            }
            descendants.push(child);
            queue.push(child.tokenId);
          }
        }
        const fundings: FundingRow[] = [];
        for (const [, fundingId] of await view.scanText(keys.tokenFundingsPrefix(tokenId))) {
          const rowKey = await view.text(keys.fundingIndex(fundingId));
          if (rowKey !== undefined) fundings.push(await view.need(rowKey, codecs.funding));
        }
        const changed = [
          token.updatedAtBlock,
          slot.updatedAtBlock,
          ...ancestors.map((a) => a.updatedAtBlock),
          ...descendants.map((d) => d.updatedAtBlock),
        ];
        return { ...view.asOf(cursor, changed), token, slot, ancestors, descendants, descendantsTruncated: truncated, fundings };
      }),

    slot: (slotInput) =>
      withSnapshot(async (view) => {
        const slotId = idOf(slotInput, "slot");
        const cursor = await view.requireCursor();
        const slot = await view.record(keys.slot(slotId), codecs.slot);
        if (slot === undefined) return null;
        const system = (await view.record(keys.system, codecs.system)) ?? INITIAL_SYSTEM;
        const fullyRepaid = slot.repaid === slot.faceValue;
        return {
          ...view.asOf(cursor, [slot.updatedAtBlock]),
          slot,
          outstanding: slot.faceValue - slot.repaid,
          liveValue: slot.faceValue - slot.redeemedValue,
          fullyRepaid,
          overdue: BigInt(cursor.timestamp) > slot.maturity + system.gracePeriod && !fullyRepaid,
        };
      }),

    factorBook: (factorInput, page = {}) =>
      withSnapshot(async (view) => {
        const factor = addressOf(factorInput, "factor");
        const limit = limitOf(page.limit, 100);
        const cursor = await view.requireCursor();
        const totals = await view.record(keys.factorTotals(factor), codecs.factorTotals);
        const start = page.after === undefined ? undefined : keys.funding(factor, page.after);
        const rows = await view.scan(keys.fundingsPrefix(factor), codecs.funding, limit + 1, start);
        const fundings = [];
        for (const [, row] of rows.slice(0, limit)) {
          fundings.push({ ...row, piece: (await view.record(keys.token(row.fundedTokenId), codecs.token)) ?? null });
        }
        const last = rows.length > limit ? rows[limit - 1][0] : undefined;
        return {
          ...view.asOf(cursor, [totals?.updatedAtBlock ?? 0, ...fundings.map((f) => Math.max(f.updatedAtBlock, f.piece?.updatedAtBlock ?? 0))]),
          factor,
          totals: { fundings: totals?.fundings ?? 0, value: totals?.value ?? 0n, price: totals?.price ?? 0n, recourse: totals?.recourse ?? 0n },
          fundings,
          nextAfter: last === undefined ? null : last.slice(keys.fundingsPrefix(factor).length),
        };
      }),

    tokenHistory: (tokenIdInput) =>
      withSnapshot(async (view) => {
        const tokenId = idOf(tokenIdInput, "token id");
        const cursor = await view.requireCursor();
        const entries: HistoryEntry[] = [];
        for (const [key, text] of await view.scanText(keys.historyPrefix(tokenId))) {
          const checkpoint = key.slice(keys.historyPrefix(tokenId).length);
          for (const log of decodeHistoryRow(checkpoint, text, view.addresses())) {
            entries.push({
              blockNumber: log.blockNumber,
              transactionHash: log.transactionHash,
              transactionIndex: log.transactionIndex,
              logIndex: log.logIndex,
              contract: log.contract,
              event: decodeEvent(log.contract, log),
            });
          }
        }
        return {
          ...view.asOf(
            cursor,
            entries.map((entry) => entry.blockNumber),
          ),
          tokenId,
          entries,
        };
      }),

    members: () =>
      withSnapshot(async (view) => {
        const cursor = await view.requireCursor();
        const members = (await view.scan(keys.membersPrefix, codecs.member)).map(([, member]) => view.withActivity(member, cursor));
        return {
          ...view.asOf(
            cursor,
            members.map((member) => member.updatedAtBlock),
          ),
          members,
        };
      }),

    memberOf: (addressInput) =>
      withSnapshot(async (view) => {
        const address = addressOf(addressInput, "address");
        const cursor = await view.requireCursor();
        const memberId = await view.text(keys.account(address));
        const member = memberId === undefined ? undefined : await view.record(keys.member(Number(memberId)), codecs.member);
        return { ...view.asOf(cursor, [member?.updatedAtBlock ?? 0]), member: member === undefined ? null : view.withActivity(member, cursor) };
      }),

    currencyBalance: (addressInput) =>
      withSnapshot(async (view) => {
        const address = addressOf(addressInput, "address");
        const cursor = await view.requireCursor();
        // Balances carry no block of their own: final only if the whole index is.
        return { ...view.asOf(cursor, [cursor.number]), address, balance: BigInt((await view.text(keys.balance(address))) ?? "0") };
      }),

    system: () =>
      withSnapshot(async (view) => {
        const cursor = await view.requireCursor();
        return { ...view.asOf(cursor, [cursor.number]), system: (await view.record(keys.system, codecs.system)) ?? INITIAL_SYSTEM };
      }),

    activityOf: (addressInput, page = {}) =>
      withSnapshot(async (view) => {
        const address = addressOf(addressInput, "address");
        const cursor = await view.requireCursor();
        const limit = limitOf(page.limit, 50);
        const before = checkpointOf(page.before);
        const own = await view.newestFirst(keys.activityPrefix(address), codecs.activity, limit, before);
        // What happened to the receivables of the pieces it holds or claimed from (repayments, an overdue mark): the receivable's
        // own rows, the newest `limit` of each slot it holds, merged with its own by checkpoint.
        const heldSlots = new Set<string>();
        for (const key of await view.keysUnder(keys.holdingsPrefix(address))) heldSlots.add(slotHexOfToken(key.slice(key.lastIndexOf("/") + 1)));
        // ... and of those it claimed from, whose pieces its claims may have emptied.
        const claimedPrefix = keys.claimedFromPrefix(address);
        for (const key of await view.keysUnder(claimedPrefix)) heldSlots.add(key.slice(claimedPrefix.length, key.indexOf("/", claimedPrefix.length)));
        const seen = new Set(own.rows.map((row) => `${row.checkpoint}|${row.kind}`));
        const rows = [...own.rows];
        let more = own.nextBefore !== null;
        for (const slotHex of heldSlots) {
          const ofSlot = await view.newestFirst(keys.slotActivityPrefix(BigInt(`0x${slotHex}`)), codecs.activity, limit, before);
          more ||= ofSlot.nextBefore !== null;
          for (const row of ofSlot.rows) if (!seen.has(`${row.checkpoint}|${row.kind}`)) rows.push(row);
        }
        rows.sort((a, b) => (a.checkpoint < b.checkpoint ? 1 : a.checkpoint > b.checkpoint ? -1 : 0));
        const pageRows = rows.slice(0, limit);
        const nextBefore = rows.length > limit || more ? (pageRows[pageRows.length - 1]?.checkpoint ?? null) : null;
        return {
          ...view.asOf(
            cursor,
            pageRows.map((row) => row.block),
          ),
          address,
          rows: pageRows,
          nextBefore,
        };
      }),

    cashOf: (addressInput, page = {}) =>
      withSnapshot(async (view) => {
        const address = addressOf(addressInput, "address");
        const cursor = await view.requireCursor();
        const found = await view.newestFirst(keys.cashPrefix(address), codecs.cash, limitOf(page.limit, 50), checkpointOf(page.before));
        const balance = BigInt((await view.text(keys.balance(address))) ?? "0");
        return { ...view.asOf(cursor, [cursor.number]), address, balance, ...found };
      }),

    anchorFacts: (anchor) => withSnapshot(async (view) => readAnchorFacts(view, await view.requireCursor(), anchor)),
    supplierFacts: (supplier) => withSnapshot(async (view) => readSupplierFacts(view, await view.requireCursor(), supplier)),
    factorExposure: (factor) => withSnapshot(async (view) => readFactorExposure(view, await view.requireCursor(), factor)),

    derivedRecords: () =>
      withSnapshot(async (view) => {
        const records = new Map<string, string>();
        for (const [key, value] of await view.everything()) {
          if (!BOOKKEEPING_PREFIXES.some((prefix) => key.startsWith(prefix))) records.set(key, value);
        }
        return records;
      }),
  };
}

/** What a reader keeps of the index's configuration once read (it never changes once written). */
interface KnownConfig {
  addresses: readonly string[] | undefined;
}

/** Reads of one snapshot (risk.ts reads through it too). */
export class View {
  constructor(
    private readonly db: IndexDb,
    private readonly snapshot: Snapshot,
    private readonly confirmations: number,
    private readonly config: KnownConfig,
  ) {}

  /**
   * One record, read synchronously: a point read of a key LevelDB has in memory (or the OS has in its page cache)
   * takes microseconds, less than the thread-pool round trip and promise of an asynchronous read, which under load
   * made every answer wait its turn several times over.
   */
  text(key: string): Promise<string | undefined> {
    try {
      return Promise.resolve(this.db.getSync(key, { snapshot: this.snapshot }));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async record<T>(key: string, codec: Codec<T>): Promise<T | undefined> {
    const text = await this.text(key);
    return text === undefined ? undefined : codec.decode(text);
  }

  async need<T>(key: string, codec: Codec<T>): Promise<T> {
    const value = await this.record(key, codec);
    if (value === undefined) throw new Error(`index is missing ${key}`);
    return value;
  }

  async cursor(): Promise<Cursor | undefined> {
    const text = await this.text(keys.cursor);
    if (text === undefined) return undefined;
    if (this.config.addresses === undefined) {
      const config = await this.text(keys.config);
      if (config !== undefined) this.config.addresses = codecs.config.decode(config).addresses;
    }
    return codecs.cursor.decode(text);
  }

  async requireCursor(): Promise<Cursor> {
    const cursor = await this.cursor();
    if (cursor === undefined) throw new QueryInputError("the index has not applied any block yet");
    return cursor;
  }

  asOf(cursor: Cursor, changedAt: readonly number[]): AsOf {
    const finalizedBlock = cursor.head - this.confirmations;
    return {
      asOfBlock: cursor.number,
      asOfBlockHash: cursor.hash,
      asOfTimestamp: cursor.timestamp,
      finalizedBlock,
      final: changedAt.every((block) => block <= finalizedBlock),
    };
  }

  /** The contracts' addresses in {@link CONTRACT_ORDER}, as the index's configuration records them. */
  addresses(): readonly string[] {
    if (this.config.addresses === undefined) throw new Error("the index has no configuration (meta/config)");
    return this.config.addresses;
  }

  withActivity(member: MemberRecord, cursor: Cursor): MemberWithActivity {
    return { ...member, activeNow: member.status === "ACTIVE" && BigInt(cursor.timestamp) < member.kycValidUntil };
  }

  async scanText(prefix: string, limit?: number, after?: string): Promise<Array<[string, string]>> {
    return this.db.iterator({ gt: after ?? prefix, lt: `${prefix}${PREFIX_END}`, limit: limit ?? -1, snapshot: this.snapshot }).all();
  }

  async scan<T>(prefix: string, codec: Codec<T>, limit?: number, after?: string): Promise<Array<[string, T]>> {
    return (await this.scanText(prefix, limit, after)).map(([key, text]) => [key, codec.decode(text)]);
  }

  /** Up to `limit` rows under `prefix` (keys `<prefix><checkpoint>`), newest first, older than `before` if given. */
  async newestFirst<T>(
    prefix: string,
    codec: Codec<T>,
    limit: number,
    before: string | undefined,
  ): Promise<{ rows: Array<T & { checkpoint: string }>; nextBefore: string | null }> {
    const found = await this.db
      .iterator({
        gt: prefix,
        lt: before === undefined ? `${prefix}${PREFIX_END}` : `${prefix}${before}`,
        limit: limit + 1,
        reverse: true,
        snapshot: this.snapshot,
      })
      .all();
    const rows = found.slice(0, limit).map(([key, text]) => ({ ...codec.decode(text), checkpoint: key.slice(prefix.length) }));
    return { rows, nextBefore: found.length > limit ? rows[rows.length - 1].checkpoint : null };
  }

  everything(): Promise<Array<[string, string]>> {
    return this.db.iterator({ snapshot: this.snapshot }).all();
  }

  /** The pieces of a slot by id, and by parent (each parent's children in token-id order). */
  async tokensOfSlot(slot: bigint): Promise<{ byId: Map<bigint, TokenRecord>; byParent: Map<bigint, TokenRecord[]> }> {
    const byId = new Map<bigint, TokenRecord>();
    const byParent = new Map<bigint, TokenRecord[]>();
    // Token ids are slot << 32 | sequence: the slot's pieces share the key prefix t/<slot>.
    for (const [, piece] of await this.scan(keys.token(tokenIdOf(slot, 0n)).slice(0, -8), codecs.token)) {
      byId.set(piece.tokenId, piece);
      if (piece.parent === null || piece.parent === 0n) continue;
      const siblings = byParent.get(piece.parent);
      if (siblings === undefined) byParent.set(piece.parent, [piece]);
      else siblings.push(piece);
    }
    return { byId, byParent };
  }

  keysUnder(prefix: string, limit?: number): Promise<string[]> {
    return this.db.keys({ gt: prefix, lt: `${prefix}${PREFIX_END}`, limit: limit ?? -1, snapshot: this.snapshot }).all();
  }
}
