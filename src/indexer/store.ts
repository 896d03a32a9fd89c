import { Level } from "level";
import type { ChainedBatch } from "level";
import {
  INTEGRITY_KEY,
  IndexDamagedError,
  account,
  combined,
  describeLevelFailure,
  encodeDigest,
  familyOf,
  lastHash,
  missingCurrentFile,
  recordHash,
} from "./integrity";
import type { IndexDigest } from "./integrity";

/**
 * The index's storage: one LevelDB of string keys and string values, and the write transaction every batch of
 * blocks goes through. A transaction keeps its writes in memory (reads see them) and lands them, with the cursor,
 * in one atomic LevelDB batch, so a crash at any instant leaves either all of a batch or none of it.
 *
 * Within the reorg window a transaction also writes one undo record per block (`u/<block>`: every key the block
 * changed with its value before the block, {@link encodeUndo}), which is what a rollback restores.
 */

export type IndexDb = Level<string, string>;

/**
 * Opens (or, unless `createIfMissing` is false, creates) the index's LevelDB. A folder LevelDB cannot open because
 * its files are damaged (a table or the manifest missing or cut short, `CURRENT` missing) is refused with
 * {@link IndexDamagedError}, which says what is damaged and how to rebuild; damage inside the records is for
 * {@link verifyIndex} (integrity.ts) to find.
 */
export async function openIndexDb(path: string, options: { createIfMissing?: boolean } = {}): Promise<IndexDb> {
  // Without CURRENT, LevelDB would start an empty database over the old files and delete them.
  const noCurrent = missingCurrentFile(path);
  if (noCurrent !== undefined) throw new IndexDamagedError(path, noCurrent);
  // A 32 MB write buffer (LevelDB's default is 4 MB): backfill writes tens of MB in a row, and fewer flushes to
  // level 0 mean less compaction competing for the CPU with the indexing and the node.
  const db = new Level<string, string>(path, {
    keyEncoding: "utf8",
    valueEncoding: "utf8",
    writeBufferSize: 32 * 1024 * 1024,
    createIfMissing: options.createIfMissing ?? true,
  });
  try {
    await db.open();
  } catch (error) {
    const damage = describeLevelFailure(error);
    if (damage !== undefined) throw new IndexDamagedError(path, damage);
    throw error;
  }
  return db;
}

/** Fixed-width decimal, so that keys sort numerically. */
export function padNumber(value: number | bigint, width: number): string {
  const digits = value.toString();
  if (digits.length > width || digits.startsWith("-")) throw new Error(`${digits} does not fit ${width} digits`);
  // A slice of zeros and the digits: a few times cheaper than padStart, which builds its filler each call.
  return ZEROS.slice(0, width - digits.length) + digits;
}

/** Enough zeros for any fixed-width key part. */
export const ZEROS = "0".repeat(64);

export const BLOCK_WIDTH = 12;
export const UNDO_PREFIX = "u/";
export const BLOCK_HASH_PREFIX = "bh/";
/** Everything a range scan of `prefix` can hold sorts below this. */
export const PREFIX_END = "\uffff";

export function undoKey(block: number): string {
  return `${UNDO_PREFIX}${padNumber(block, BLOCK_WIDTH)}`;
}

/** What a block changed: each key with its value before the block (null: it had none). */
export type UndoRecord = Array<[string, string | null]>;

/**
 * `<length>:<key>` then `-` (no value before) or `=<length>:<value>`, for each key: lengths instead of escaping, so
 * neither side copies or scans the stored values more than once.
 */
export function encodeUndo(record: UndoRecord): string {
  let text = "";
  for (const [key, before] of record) text += `${key.length}:${key}${before === null ? "-" : `=${before.length}:${before}`}`;
  return text;
}

export function decodeUndo(text: string, where: string): UndoRecord {
  const record: UndoRecord = [];
  const malformed = (): Error => new Error(`undo record ${where} is malformed at character ${position}`);
  let position = 0;
  const counted = (): string => {
    const colon = text.indexOf(":", position);
    const length = colon < 0 ? NaN : Number(text.slice(position, colon));
    if (!Number.isSafeInteger(length) || length < 0 || colon + 1 + length > text.length) throw malformed();
    position = colon + 1 + length;
    return text.slice(colon + 1, position);
  };
  while (position < text.length) {
    const key = counted();
    const marker = text[position];
    if (marker !== "-" && marker !== "=") throw malformed();
    position += 1;
    record.push([key, marker === "-" ? null : counted()]);
  }
  return record;
}

/** How a record is encoded; each key holds records of one codec only. */
export interface RecordCodec<T> {
  encode(value: T): string;
  decode(text: string): T;
}

/**
 * A stored value: its text (null: absent), and its decoded form once some reader decoded it. Decoded values are
 * shared between readers and never mutated once committed (handlers replace records, or change a copy this batch
 * owns), so decoding once per key is safe.
 */
interface Entry {
  text: string | null | undefined;
  value: unknown;
  codec: RecordCodec<unknown> | undefined;
  /** The value is a copy this batch made and may change in place (see {@link StateTx.changeRecord}). */
  owned: boolean;
  /** The record's hash ({@link recordHash}), once computed: lanes a and b. */
  hashed: boolean;
  hashA: number;
  hashB: number;
}

function textOf(entry: Entry): string | null {
  if (entry.text === undefined) entry.text = entry.codec === undefined ? null : entry.codec.encode(entry.value);
  return entry.text;
}

/** The entry before a batch of a key the batch knows is new. */
const ABSENT: Entry = Object.freeze({ text: null, value: undefined, codec: undefined, owned: false, hashed: false, hashA: 0, hashB: 0 });

function textEntry(text: string | null): Entry {
  return { text, value: undefined, codec: undefined, owned: false, hashed: false, hashA: 0, hashB: 0 };
}

function recordEntry(value: unknown, codec: RecordCodec<unknown>, owned: boolean): Entry {
  return { text: undefined, value, codec, owned, hashed: false, hashA: 0, hashB: 0 };
}

/** Puts the hash of `entry` (the value of `key`, not absent) into `lastHash`, computing it once. */
function hashEntry(key: string, entry: Entry, text: string): void {
  if (!entry.hashed) {
    recordHash(key, text);
    entry.hashA = lastHash.a;
    entry.hashB = lastHash.b;
    entry.hashed = true;
  }
  lastHash.a = entry.hashA;
  lastHash.b = entry.hashB;
}

/**
 * The digest of everything committed (integrity.ts), kept up to date by each {@link StateTx.commit} that is given it,
 * which writes it to `meta/integrity` in the same batch.
 */
export class RunningDigest {
  constructor(public digest: IndexDigest) {}
}

/** A bounded cache of committed values (null text: known absent), first in first out. */
export class ValueCache {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly capacity: number) {}

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) {
      let excess = Math.ceil(this.capacity / 10);
      for (const oldest of this.entries.keys()) {
        this.entries.delete(oldest);
        excess -= 1;
        if (excess === 0) break;
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Keys whose values handlers never read back (undo records, histories, block hashes, children, holding rows, which
 * are only ever replaced): not worth caching.
 */
function cacheable(key: string): boolean {
  return (
    !key.startsWith(UNDO_PREFIX) && !key.startsWith("e/") && !key.startsWith("h/") && !key.startsWith(BLOCK_HASH_PREFIX) && !key.startsWith("tc/")
  );
}

/** An entry's value decoded by `codec` (decoded once, then shared); undefined if absent. */
function decodedOf<T>(found: Entry, codec: RecordCodec<T>): T | undefined {
  if (found.codec === (codec as RecordCodec<unknown>)) return found.value as T;
  const text = textOf(found);
  if (text === null) return undefined;
  const value = codec.decode(text);
  found.value = value;
  found.codec = codec;
  return value;
}

/** A handler read a key no {@link StateTx.load} brought into memory: a bug in the handlers' read list. */
export class UnloadedReadError extends Error {
  readonly name = "UnloadedReadError";
}

/**
 * The writes of one batch of blocks, applied atomically by {@link StateTx.commit}. Reads and writes are
 * synchronous: whatever a batch reads is brought into memory first by {@link StateTx.load}, one LevelDB `getMany`
 * for all the keys not already in memory. Undo records are synchronous too: the value before a block is taken from
 * memory when it is there, else read from LevelDB at commit (nothing else writes the index in between).
 */
export class StateTx {
  private readonly overlay = new Map<string, Entry>();
  /** The native batch {@link append} writes into; the overlay joins it at commit. */
  private written: ChainedBatch<IndexDb, string, string> | undefined;
  /** Committed values this batch loaded that the cache does not keep. */
  private readonly loaded = new Map<string, Entry>();
  /** The block whose changes are being recorded, and each key's value before it (undefined: the stored one, read at commit). */
  private undoBlock: { block: number; before: Map<string, string | null | undefined> } | undefined;
  private readonly undoBlocks: Array<{ block: number; before: Map<string, string | null | undefined> }> = [];
  /**
   * With a digest: each key this batch writes, with its entry before the batch (undefined: not in memory, read at
   * commit), so that the commit can take the record it replaces out of the digest.
   */
  private readonly before = new Map<string, Entry | undefined>();
  /** With a digest: the records {@link append}ed straight to the native batch (all new), hashed as they come. */
  private appended: IndexDigest = new Map();

  /**
   * @param parent a transaction whose commit is still being written: its values are read through, so the next
   * batch can be applied while the previous one lands (batches are still written one after the other).
   * @param digest the digest of everything committed: given, the commit updates it and writes it with the batch
   * (`meta/integrity`); every transaction on an index must then be given it.
   */
  constructor(
    private readonly db: IndexDb,
    private readonly cache: ValueCache,
    private readonly parent?: StateTx,
    private readonly digest?: RunningDigest,
  ) {}

  /** Notes the entry `key` has before this batch first writes it (digest only). */
  private noteBefore(key: string): void {
    if (this.digest === undefined || this.before.has(key)) return;
    this.before.set(key, this.known(key));
  }

  /** From now on, record the value each key had before block `block` changed it (undefined: stop recording). */
  recordUndoFor(block: number | undefined): void {
    this.undoBlock = block === undefined ? undefined : { block, before: new Map() };
    if (this.undoBlock !== undefined) this.undoBlocks.push(this.undoBlock);
  }

  /** The committed (or pending) entry of `key` if memory has it. */
  private known(key: string): Entry | undefined {
    return this.overlay.get(key) ?? this.parent?.overlay.get(key) ?? this.cache.get(key) ?? this.loaded.get(key);
  }

  /** Brings the values of `keys` into memory (one LevelDB read for those it does not have), for the reads that follow. */
  async load(keys: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const key of keys) if (this.known(key) === undefined) missing.push(key);
    if (missing.length === 0) return;
    const unique = missing.length === 1 ? missing : [...new Set(missing)];
    const values = await this.db.getMany(unique);
    for (let index = 0; index < unique.length; index += 1) {
      const key = unique[index];
      // A write of this batch made meanwhile wins over what was stored.
      if (this.known(key) !== undefined) continue;
      const entry = textEntry(values[index] ?? null);
      if (cacheable(key)) this.cache.set(key, entry);
      else this.loaded.set(key, entry);
    }
  }

  private entry(key: string): Entry {
    const found = this.known(key);
    if (found === undefined) throw new UnloadedReadError(`the index read ${key} without loading it first`);
    return found;
  }

  /** The text of `key` (undefined: absent); it must be in memory ({@link load}). */
  get(key: string): string | undefined {
    return textOf(this.entry(key)) ?? undefined;
  }

  /** The decoded record of `key` (undefined: absent); it must be in memory ({@link load}). */
  getRecord<T>(key: string, codec: RecordCodec<T>): T | undefined {
    return decodedOf(this.entry(key), codec);
  }

  private noteUndo(key: string): void {
    const undo = this.undoBlock;
    if (undo === undefined || undo.before.has(key)) return;
    const before = this.known(key);
    undo.before.set(key, before === undefined ? undefined : textOf(before));
  }

  put(key: string, value: string): void {
    this.noteUndo(key);
    this.noteBefore(key);
    this.overlay.set(key, textEntry(value));
  }

  putRecord<T>(key: string, codec: RecordCodec<T>, value: T): void {
    this.noteUndo(key);
    this.noteBefore(key);
    this.overlay.set(key, recordEntry(value, codec, false));
  }

  /**
   * Changes the record of `key` (which must be in memory) by `change` and returns it; undefined, and nothing
   * changed, if there is no such record. The first change in a batch works on a copy the batch owns; later ones
   * change that copy in place, so a record changed by many events of a batch is copied once. Whatever was read
   * before stays as it was.
   */
  changeRecord<T extends object>(key: string, codec: RecordCodec<T>, change: (record: T) => void): T | undefined {
    const mine = this.overlay.get(key);
    if (mine !== undefined && mine.owned && mine.codec === (codec as RecordCodec<unknown>)) {
      this.noteUndo(key);
      const record = mine.value as T;
      change(record);
      mine.text = undefined;
      mine.hashed = false;
      return record;
    }
    const current = this.getRecord(key, codec);
    if (current === undefined) return undefined;
    this.noteUndo(key);
    this.noteBefore(key);
    const record = { ...current };
    change(record);
    this.overlay.set(key, recordEntry(record, codec, true));
    return record;
  }

  del(key: string): void {
    this.noteUndo(key);
    this.noteBefore(key);
    this.overlay.set(key, textEntry(null));
  }

  /** A write to a key the caller knows is new (its undo is a delete); no read needed. */
  insert(key: string, value: string): void {
    const undo = this.undoBlock;
    if (undo !== undefined && !undo.before.has(key)) undo.before.set(key, null);
    if (this.digest !== undefined && !this.before.has(key)) this.before.set(key, ABSENT);
    this.overlay.set(key, textEntry(value));
  }

  /**
   * {@link insert} of a key nothing reads back while this batch is being applied (a history row, a child link).
   * Without undo recording it goes straight into the native write batch, out of the JavaScript heap: the bulk of
   * a backfill's bytes then costs the garbage collector nothing while the batch is applied and written.
   */
  append(key: string, value: string): void {
    if (this.undoBlock !== undefined) return this.insert(key, value);
    if (this.digest !== undefined) {
      recordHash(key, value);
      account(this.appended, familyOf(key), 1);
    }
    this.written ??= this.db.batch();
    this.written.put(key, value);
  }

  /** {@link insert} of a record, kept decoded (and owned: later changes in this batch need no copy). */
  insertRecord<T>(key: string, codec: RecordCodec<T>, value: T): void {
    this.insert(key, "");
    this.overlay.set(key, recordEntry(value, codec, true));
  }

  /** A write that is never undone (cursor, block hashes, undo bookkeeping). */
  putRaw(key: string, value: string | null): void {
    this.noteBefore(key);
    this.overlay.set(key, textEntry(value));
  }

  /**
   * Deletes every key stored from `gte` up to (not including) `lt` (as stored: not this batch's own writes); returns
   * how many. A write that is never undone (bookkeeping: undo records, block hashes).
   */
  async deleteRange(gte: string, lt: string): Promise<number> {
    let deleted = 0;
    for await (const [key, value] of this.db.iterator({ gte, lt })) {
      if (this.digest !== undefined && !this.before.has(key)) this.before.set(key, textEntry(value));
      this.overlay.set(key, textEntry(null));
      deleted += 1;
    }
    return deleted;
  }

  /**
   * Restores every key to its value before block `afterBlock + 1` and drops the undo records of later blocks.
   * Must run on a transaction with no writes yet.
   */
  async rollBackTo(afterBlock: number): Promise<number> {
    if (this.overlay.size !== 0 || this.written !== undefined) throw new Error("rollBackTo must run first in a transaction");
    const undone: Array<{ block: number; record: UndoRecord; undo: string }> = [];
    for await (const [undo, value] of this.db.iterator({ gt: undoKey(afterBlock), lt: `${UNDO_PREFIX}${PREFIX_END}` })) {
      undone.push({ block: Number(undo.slice(UNDO_PREFIX.length)), record: decodeUndo(value, undo), undo });
    }
    // Later blocks first, so each key ends at its value before the earliest undone block.
    undone.sort((a, b) => b.block - a.block);
    let restored = 0;
    for (const { record, undo } of undone) {
      for (const [key, before] of record) this.putRaw(key, before);
      restored += record.length;
      this.putRaw(undo, null);
    }
    for await (const key of this.db.keys({
      gt: `${BLOCK_HASH_PREFIX}${padNumber(afterBlock, BLOCK_WIDTH)}`,
      lt: `${BLOCK_HASH_PREFIX}${PREFIX_END}`,
    })) {
      this.putRaw(key, null);
    }
    return restored;
  }

  get size(): number {
    return this.overlay.size + (this.written?.length ?? 0);
  }

  /** One undo record per recorded block; values before that are the stored ones are read now (one `getMany`). */
  private async writeUndoRecords(): Promise<void> {
    if (this.undoBlocks.length === 0) return;
    const fromStore: string[] = [];
    for (const { before } of this.undoBlocks) before.forEach((text, key) => text === undefined && fromStore.push(key));
    const stored = new Map<string, string | null>();
    if (fromStore.length > 0) (await this.db.getMany(fromStore)).forEach((value, index) => stored.set(fromStore[index], value ?? null));
    for (const { block, before } of this.undoBlocks) {
      const record: UndoRecord = [];
      before.forEach((text, key) => record.push([key, text === undefined ? (stored.get(key) ?? null) : text]));
      this.noteBefore(undoKey(block));
      this.overlay.set(undoKey(block), textEntry(encodeUndo(record)));
    }
    this.undoBlocks.length = 0;
    this.undoBlock = undefined;
  }

  /**
   * The change to the digest of everything committed: the records this batch replaces or deletes out (their values
   * before, read now where memory does not have them: one `getMany`), the ones it appended in. The records it puts
   * go in as the batch is written ({@link commit}).
   */
  private async digestChange(): Promise<IndexDigest> {
    const change = this.appended;
    this.appended = new Map();
    const unknown: string[] = [];
    this.before.forEach((entry, key) => entry === undefined && unknown.push(key));
    const stored = unknown.length === 0 ? [] : await this.db.getMany(unknown);
    let next = 0;
    this.before.forEach((entry, key) => {
      if (entry === undefined) {
        const text = stored[next];
        next += 1;
        if (text === undefined) return;
        recordHash(key, text);
      } else if (!entry.hashed) {
        // The text without keeping it on a shared entry (the cache keeps decoded records without their text).
        const text = entry.text !== undefined ? entry.text : entry.codec === undefined ? null : entry.codec.encode(entry.value);
        if (text === null) return;
        hashEntry(key, entry, text);
      } else {
        lastHash.a = entry.hashA;
        lastHash.b = entry.hashB;
      }
      account(change, familyOf(key), -1);
    });
    this.before.clear();
    return change;
  }

  /** Writes everything in one atomic batch (with the digest of everything committed, if kept), then updates the cache. */
  async commit(): Promise<void> {
    await this.writeUndoRecords();
    const change = this.digest === undefined ? undefined : await this.digestChange();
    // A chained batch (one native call per write) rather than an array of operations, which the binding reads
    // property by property: about a third of the main thread's time to prepare a batch of 100k writes, and no
    // operation objects to collect. Written atomically all the same.
    const batch = this.written ?? this.db.batch();
    this.written = undefined;
    try {
      // forEach: no [key, value] pair allocated per write.
      this.overlay.forEach((entry, key) => {
        const text = textOf(entry);
        if (text === null) batch.del(key);
        else {
          batch.put(key, text);
          if (change !== undefined) {
            hashEntry(key, entry, text);
            account(change, familyOf(key), 1);
          }
        }
      });
      if (change !== undefined && this.digest !== undefined) {
        if (this.overlay.has(INTEGRITY_KEY)) throw new Error(`${INTEGRITY_KEY} is written by the commit only`);
        batch.put(INTEGRITY_KEY, encodeDigest(combined(this.digest.digest, change)));
      }
    } catch (error) {
      await batch.close();
      throw error;
    }
    try {
      await batch.write();
    } catch (error) {
      this.cache.clear();
      throw error;
    }
    if (change !== undefined && this.digest !== undefined) this.digest.digest = combined(this.digest.digest, change);
    this.overlay.forEach((entry, key) => {
      if (!cacheable(key)) return;
      // A decoded record is kept without its text (encoding is deterministic, so it is re-encoded if ever needed,
      // which is rare: only for an undo record): half the memory the cache holds, less for the GC to walk. From now
      // on it is shared: nobody changes it in place.
      if (entry.codec !== undefined) entry.text = undefined;
      entry.owned = false;
      this.cache.set(key, entry);
    });
    this.overlay.clear();
    this.loaded.clear();
  }
}
