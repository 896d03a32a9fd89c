import { Level } from "level";

/**
 * The index's storage: one LevelDB of string keys and string values, and the write transaction every batch of
 * blocks goes through. A transaction keeps its writes in memory (reads see them) and lands them, with the cursor,
 * in one atomic LevelDB batch, so a crash at any instant leaves either all of a batch or none of it.
 *
 * Within the reorg window a transaction also writes an undo record per key per block (`u/<block>/<key>` = the
 * value before that block, `-` if it had none), which is what a rollback restores.
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
  return digits.padStart(width, "0");
}

export const BLOCK_WIDTH = 12;
export const UNDO_PREFIX = "u/";
export const BLOCK_HASH_PREFIX = "bh/";
/** Everything a range scan of `prefix` can hold sorts below this. */
export const PREFIX_END = "\uffff";

export function undoKey(block: number, key: string): string {
  return `${UNDO_PREFIX}${padNumber(block, BLOCK_WIDTH)}/${key}`;
}

/** How a record is encoded; each key holds records of one codec only. */
export interface RecordCodec<T> {
  encode(value: T): string;
  decode(text: string): T;
}

/**
 * A stored value: its text (null: absent), and its decoded form once some reader decoded it. Decoded values are
 * shared between readers and never mutated (handlers replace records), so decoding once per key is safe.
 */
interface Entry {
  text: string | null | undefined;
  value: unknown;
  codec: RecordCodec<unknown> | undefined;
}

function textOf(entry: Entry): string | null {
  if (entry.text === undefined) entry.text = entry.codec === undefined ? null : entry.codec.encode(entry.value);
  return entry.text;
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

/** Keys whose values handlers never read back (undo records, histories, block hashes, children): not worth caching. */
function cacheable(key: string): boolean {
  return !key.startsWith(UNDO_PREFIX) && !key.startsWith("e/") && !key.startsWith(BLOCK_HASH_PREFIX) && !key.startsWith("tc/");
}

const ABSENT = "-";

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

/** The writes of one batch of blocks, applied atomically by {@link StateTx.commit}. */
export class StateTx {
  private readonly overlay = new Map<string, Entry>();
  private undoBlock: number | undefined;
  private undoRecorded = new Set<string>();

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
    this.undoBlock = block;
    this.undoRecorded = new Set<string>();
  }

  /** The entry of `key`: at once when this batch, the one being written or the cache has it, else read. */
  private entry(key: string): Entry | Promise<Entry> {
    const pending = this.overlay.get(key) ?? this.parent?.overlay.get(key) ?? this.cache.get(key);
    return pending !== undefined ? pending : this.load(key);
  }

  private async load(key: string): Promise<Entry> {
    const stored = await this.db.get(key);
    const loaded: Entry = { text: stored ?? null, value: undefined, codec: undefined };
    if (cacheable(key)) this.cache.set(key, loaded);
    return loaded;
  }

  async get(key: string): Promise<string | undefined> {
    return textOf(await this.entry(key)) ?? undefined;
  }

  /**
   * The decoded record of `key`; synchronous when no read is needed (the hot path: handlers mostly touch records
   * of the same batch), a promise otherwise.
   */
  getRecord<T>(key: string, codec: RecordCodec<T>): T | undefined | Promise<T | undefined> {
    const found = this.entry(key);
    return found instanceof Promise ? found.then((entry) => decodedOf(entry, codec)) : decodedOf(found, codec);
  }

  private async noteUndo(key: string): Promise<void> {
    if (this.undoBlock === undefined || this.undoRecorded.has(key)) return;
    this.undoRecorded.add(key);
    const before = await this.get(key);
    this.overlay.set(undoKey(this.undoBlock, key), { text: before === undefined ? ABSENT : `=${before}`, value: undefined, codec: undefined });
  }

  async put(key: string, value: string): Promise<void> {
    await this.noteUndo(key);
    this.overlay.set(key, { text: value, value: undefined, codec: undefined });
  }

  /** Synchronous unless an undo record needs the value before. */
  putRecord<T>(key: string, codec: RecordCodec<T>, value: T): void | Promise<void> {
    const entry: Entry = { text: undefined, value, codec: codec as RecordCodec<unknown> };
    if (this.undoBlock === undefined) {
      this.overlay.set(key, entry);
      return;
    }
    return this.noteUndo(key).then(() => {
      this.overlay.set(key, entry);
    });
  }

  async del(key: string): Promise<void> {
    await this.noteUndo(key);
    this.overlay.set(key, { text: null, value: undefined, codec: undefined });
  }

  /** A write to a key the caller knows is new (its undo is a delete); no read needed. */
  insert(key: string, value: string): void {
    if (this.undoBlock !== undefined && !this.undoRecorded.has(key)) {
      this.undoRecorded.add(key);
      this.overlay.set(undoKey(this.undoBlock, key), { text: ABSENT, value: undefined, codec: undefined });
    }
    this.overlay.set(key, { text: value, value: undefined, codec: undefined });
  }

  /** {@link insert} of a record, kept decoded for the readers that follow. */
  insertRecord<T>(key: string, codec: RecordCodec<T>, value: T): void {
    this.insert(key, "");
    this.overlay.set(key, { text: undefined, value, codec: codec as RecordCodec<unknown> });
  }

  /** A write that is never undone (cursor, block hashes, undo bookkeeping). */
  putRaw(key: string, value: string | null): void {
    this.overlay.set(key, { text: value, value: undefined, codec: undefined });
  }

  /**
   * Restores every key to its value before block `afterBlock + 1` and drops the undo records of later blocks.
   * Must run on a transaction with no writes yet.
   */
  async rollBackTo(afterBlock: number): Promise<number> {
    if (this.overlay.size !== 0) throw new Error("rollBackTo must run first in a transaction");
    const entries: Array<{ block: number; key: string; undo: string; value: string }> = [];
    for await (const [undo, value] of this.db.iterator({ gt: `${UNDO_PREFIX}${padNumber(afterBlock, BLOCK_WIDTH)}/${PREFIX_END}`, lt: `${UNDO_PREFIX}${PREFIX_END}` })) {
      const block = Number(undo.slice(UNDO_PREFIX.length, UNDO_PREFIX.length + BLOCK_WIDTH));
      entries.push({ block, key: undo.slice(UNDO_PREFIX.length + BLOCK_WIDTH + 1), undo, value });
    }
    // Later blocks first, so each key ends at its value before the earliest undone block.
    entries.sort((a, b) => b.block - a.block);
    for (const entry of entries) {
      this.putRaw(entry.key, entry.value === ABSENT ? null : entry.value.slice(1));
      this.putRaw(entry.undo, null);
    }
    for await (const key of this.db.keys({ gt: `${BLOCK_HASH_PREFIX}${padNumber(afterBlock, BLOCK_WIDTH)}`, lt: `${BLOCK_HASH_PREFIX}${PREFIX_END}` })) {
      this.putRaw(key, null);
    }
    return entries.length;
  }

  get size(): number {
    return this.overlay.size;
  }

  /** Writes everything in one atomic batch, then updates the cache. */
  async commit(): Promise<void> {
    // A chained batch (one native call per write) rather than an array of operations, which the binding reads
    // property by property: about a third of the main thread's time to prepare a batch of 100k writes, and no
    // operation objects to collect. Written atomically all the same.
    const batch = this.db.batch();
    try {
      for (const [key, entry] of this.overlay) {
        const text = textOf(entry);
        if (text === null) batch.del(key);
        else batch.put(key, text);
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
    for (const [key, entry] of this.overlay) {
      if (!cacheable(key)) continue;
      // A decoded record is kept without its text (encoding is deterministic, so it is re-encoded if ever needed,
      // which is rare: only for an undo record): half the memory the cache holds, less for the GC to walk.
      if (entry.codec !== undefined) entry.text = undefined;
      this.cache.set(key, entry);
    }
    this.overlay.clear();
  }
}
