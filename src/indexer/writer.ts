import type { EventDecoder, RawLog } from "../chain/events";
import type { BlockHeader } from "../chain/rpc";
import { applyEvents } from "./handlers";
import { codecs, keys } from "./schema";
import type { BlockRef, Cursor } from "./schema";
import { BLOCK_HASH_PREFIX, BLOCK_WIDTH, RunningDigest, StateTx, UNDO_PREFIX, ValueCache, padNumber } from "./store";
import type { IndexDb } from "./store";

/**
 * What backfill and follow share: the open index, its write transactions and its cursor. Every batch lands with its
 * cursor in one atomic write (`commit`); undo records and block hashes that a rollback can no longer use are pruned
 * after it; progress counts what was applied.
 */

export type IndexerPhase = "backfill" | "follow";

export interface IndexerProgress {
  phase: IndexerPhase;
  cursor: number;
  head: number;
  /** Where the current backfill started (its first block) and where it ends. */
  backfillFrom: number;
  backfillTo: number;
  eventsApplied: number;
  blocksApplied: number;
  startedAtMs: number;
}

/** Cursor plus the lowest block from which undo records are complete (a rollback may not go below it). */
export interface StoredCursor extends Cursor {
  rollbackFloor: number;
}

export class IndexWriter {
  constructor(
    readonly db: IndexDb,
    /** Values recently read or written, shared by every transaction. */
    private readonly cache: ValueCache,
    readonly decoder: EventDecoder,
    /** The digest of everything committed (integrity.ts); each write keeps it up to date. */
    private readonly running: RunningDigest,
    /** The last cursor written (undefined before the first batch). */
    public stored: StoredCursor | undefined,
    readonly progress: IndexerProgress,
    /** Told of every cursor written. */
    private readonly onCommit: (cursor: StoredCursor) => void,
  ) {}

  /** A write transaction; `after`: one still being written, whose values it reads. */
  transaction(after?: StateTx): StateTx {
    return new StateTx(this.db, this.cache, after, this.running);
  }

  /** Decodes `logs` (those of our contracts' events) and applies them into `tx`; the number of events. */
  async applyLogs(tx: StateTx, logs: readonly RawLog[]): Promise<number> {
    const decoded = [];
    for (const log of logs) {
      const event = this.decoder.decode(log);
      if (event !== undefined) decoded.push({ log, event });
    }
    await applyEvents(tx, decoded);
    return decoded.length;
  }

  /** Writes `tx` with `cursor` in one batch, then prunes what the new rollback floor leaves unusable. */
  async commit(tx: StateTx, cursor: StoredCursor): Promise<void> {
    tx.putRaw(keys.cursor, JSON.stringify(cursor));
    await tx.commit();
    const previousFloor = this.stored?.rollbackFloor ?? -1;
    this.stored = cursor;
    this.progress.cursor = cursor.number;
    this.progress.head = cursor.head;
    this.onCommit(cursor);
    if (cursor.rollbackFloor > previousFloor) await this.prune(Math.max(0, previousFloor), cursor.rollbackFloor);
  }

  /**
   * Drops undo records and block hashes that a rollback can no longer use (at or below the floor; the floor's own
   * hash is kept), in a write of its own with the digest. Not part of the batch's write: leftovers of a crash in
   * between are below the floor, never read, counted in the digest, and cleared at the next start.
   */
  async prune(fromBlock: number, floor: number): Promise<void> {
    // A transaction of its own (the digest follows it): one atomic write of the deletions and the digest.
    const tx = this.transaction();
    let deleted = await tx.deleteRange(`${UNDO_PREFIX}${padNumber(fromBlock, BLOCK_WIDTH)}`, `${UNDO_PREFIX}${padNumber(floor + 1, BLOCK_WIDTH)}`);
    deleted += await tx.deleteRange(
      `${BLOCK_HASH_PREFIX}${padNumber(fromBlock, BLOCK_WIDTH)}`,
      `${BLOCK_HASH_PREFIX}${padNumber(floor, BLOCK_WIDTH)}`,
    );
    if (deleted > 0) await tx.commit();
  }

  /** Applies recent blocks (headers already checked to link to each other) with undo records, into `tx`. */
  async applyRecentBlocks(tx: StateTx, headers: readonly BlockHeader[], logs: readonly RawLog[]): Promise<number> {
    const byBlock = new Map<number, RawLog[]>();
    for (const log of logs) {
      const list = byBlock.get(log.blockNumber);
      if (list === undefined) byBlock.set(log.blockNumber, [log]);
      else list.push(log);
    }
    let events = 0;
    for (const header of headers) {
      tx.recordUndoFor(header.number);
      events += await this.applyLogs(tx, byBlock.get(header.number) ?? []);
      tx.putRaw(keys.blockHash(header.number), codecs.blockRef.encode({ number: header.number, hash: header.hash, timestamp: header.timestamp }));
    }
    tx.recordUndoFor(undefined);
    return events;
  }

  /** Writes recent blocks applied by {@link applyRecentBlocks}, with their cursor; `reorgWindow` sets the floor. */
  async commitRecent(tx: StateTx, headers: readonly BlockHeader[], head: number, floor: number, events: number, reorgWindow: number): Promise<void> {
    const last = headers[headers.length - 1];
    await this.commit(tx, {
      number: last.number,
      hash: last.hash,
      timestamp: last.timestamp,
      head,
      rollbackFloor: Math.max(floor, head - reorgWindow),
    });
    this.progress.eventsApplied += events;
    this.progress.blocksApplied += headers.length;
  }

  /** The block hash the index holds for `block` (within the reorg window). */
  async storedRef(block: number): Promise<BlockRef | undefined> {
    const text = await this.db.get(keys.blockHash(block));
    return text === undefined ? undefined : codecs.blockRef.decode(text);
  }
}
