import { Level } from "level";
import type { ChainedBatch } from "level";

/**
 * The index's storage: one LevelDB of string keys and string values, and the write transaction every batch of
 * blocks goes through. A transaction keeps its writes in memory (reads see them) and lands them, with the cursor,
 * in one atomic LevelDB batch, so a crash at any instant leaves either all of a batch or none of it.
 *
 * Within the reorg window a transaction also writes one undo record per block (`u/<block>`: every key the block
 * changed with its value before the block, {@link encodeUndo}), which is what a rollback restores.
 */

export type IndexDb = Level<string, string>;

export async function openIndexDb(path: string): Promise<IndexDb> {
  // A 32 MB write buffer (LevelDB's default is 4 MB): backfill writes tens of MB in a row, and fewer flushes to
  // level 0 mean less compaction competing for the CPU with the indexing and the node.
  const db = new Level<string, string>(path, { keyEncoding: "utf8", valueEncoding: "utf8", writeBufferSize: 32 * 1024 * 1024 });
  await db.open();
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
}

function textOf(entry: Entry): string | null {
  if (entry.text === undefined) entry.text = entry.codec === undefined ? null : entry.codec.encode(entry.value);
  return entry.text;
}

function textEntry(text: string | null): Entry {
  return { text, value: undefined, codec: undefined, owned: false };
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
  return !key.startsWith(UNDO_PREFIX) && !key.startsWith("e/") && !key.startsWith("h/") && !key.startsWith(BLOCK_HASH_PREFIX) && !key.startsWith("tc/");
}

/** An entry's value decoded by `codec` (decoded once, then shared); undefined if absent. */
function decodedOf<T>(found: Entry, codec: RecordCodec<T>): T | undefined {
  if (found.codec === (codec as RecordCodec<unknown>)) return found.value as T;
  const text = textOf(found);
  if (text === null) return undefined;
  const value = codec.decode(text);
  found.value = value;
  found.codec = codec as RecordCodec<unknown>;
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
   * @param parent a transaction whose commit is still being written: its values are read through, so the next
   * batch can be applied while the previous one lands (batches are still written one after the other).
   */
  constructor(
    private readonly db: IndexDb,
    private readonly cache: ValueCache,
    private readonly parent?: StateTx,
  ) {}

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
    this.overlay.set(key, textEntry(value));
  }

  putRecord<T>(key: string, codec: RecordCodec<T>, value: T): void {
    this.noteUndo(key);
    this.overlay.set(key, { text: undefined, value, codec: codec as RecordCodec<unknown>, owned: false });
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
      return record;
    }
    const current = this.getRecord(key, codec);
    if (current === undefined) return undefined;
    this.noteUndo(key);
    const record = { ...current };
    change(record);
    this.overlay.set(key, { text: undefined, value: record, codec: codec as RecordCodec<unknown>, owned: true });
    return record;
  }

  del(key: string): void {
    this.noteUndo(key);
    this.overlay.set(key, textEntry(null));
  }

  /** A write to a key the caller knows is new (its undo is a delete); no read needed. */
  insert(key: string, value: string): void {
    const undo = this.undoBlock;
    if (undo !== undefined && !undo.before.has(key)) undo.before.set(key, null);
    this.overlay.set(key, textEntry(value));
  }

  /**
   * {@link insert} of a key nothing reads back while this batch is being applied (a history row, a child link).
   * Without undo recording it goes straight into the native write batch, out of the JavaScript heap: the bulk of
   * a backfill's bytes then costs the garbage collector nothing while the batch is applied and written.
   */
  append(key: string, value: string): void {
    if (this.undoBlock !== undefined) return this.insert(key, value);
    this.written ??= this.db.batch();
    this.written.put(key, value);
  }

  /** {@link insert} of a record, kept decoded (and owned: later changes in this batch need no copy). */
  insertRecord<T>(key: string, codec: RecordCodec<T>, value: T): void {
    this.insert(key, "");
    this.overlay.set(key, { text: undefined, value, codec: codec as RecordCodec<unknown>, owned: true });
  }

  /** A write that is never undone (cursor, block hashes, undo bookkeeping). */
  putRaw(key: string, value: string | null): void {
    this.overlay.set(key, textEntry(value));
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
    for await (const key of this.db.keys({ gt: `${BLOCK_HASH_PREFIX}${padNumber(afterBlock, BLOCK_WIDTH)}`, lt: `${BLOCK_HASH_PREFIX}${PREFIX_END}` })) {
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
      this.overlay.set(undoKey(block), textEntry(encodeUndo(record)));
    }
    this.undoBlocks.length = 0;
    this.undoBlock = undefined;
  }

  /** Writes everything in one atomic batch, then updates the cache. */
  async commit(): Promise<void> {
    await this.writeUndoRecords();
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
        else batch.put(key, text);
      });
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
