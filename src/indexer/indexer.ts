import type { ChainbillAddresses } from "../chain/system";
import { createEventDecoder } from "../chain/events";
import type { EventDecoder, RawLog } from "../chain/events";
import { applyEvents } from "./handlers";
import { createIndexReader } from "./queries";
import type { IndexReader } from "./queries";
import { DEFAULT_RETRY, RpcError, createChainClient, httpTransport, providerTransport, sleep } from "./rpc";
import type { BlockHeader, ChainClient, Eip1193Provider, RetryPolicy, RpcTransport } from "./rpc";
import { INDEX_FORMAT, codecs, keys } from "./schema";
import type { BlockRef, Cursor, IndexConfig } from "./schema";
import { INTEGRITY_KEY, IndexDamagedError, decodeDigest, describeLevelFailure, verifyIndex } from "./integrity";
import type { IndexVerification } from "./integrity";
import { BLOCK_HASH_PREFIX, BLOCK_WIDTH, RunningDigest, StateTx, UNDO_PREFIX, ValueCache, openIndexDb, padNumber } from "./store";
import type { IndexDb } from "./store";
import { DEFAULT_PREFETCH, DEFAULT_SIZING, RangeSizer, backfillChunks, fetchRecent, follows } from "./sync";
import type { FetchedRecent, RangeSizing } from "./sync";

/**
 * The indexer: backfills final history chunk by chunk, then follows the head block by block, applying each batch
 * with its cursor in one atomic LevelDB write. Near the head it keeps block hashes and undo records; when the
 * chain's parent hash disagrees with what it applied, it finds the common ancestor, rolls back and re-applies the
 * new branch in one write.
 */

export interface IndexerOptions {
  /** A JSON-RPC endpoint; or give `provider` (EIP-1193, e.g. Hardhat's in-process network) or `transport`. */
  rpcUrl?: string;
  provider?: Eip1193Provider;
  transport?: RpcTransport;
  dbPath: string;
  addresses: ChainbillAddresses;
  /** First block to read (the deployment block); 0 by default. */
  startBlock?: number;
  /** Blocks behind the head after which a figure counts as final; 0 by default. */
  confirmations?: number;
  /** How many recent blocks can be rolled back; default max(64, confirmations). */
  reorgWindow?: number;
  pollIntervalMs?: number;
  sizing?: Partial<RangeSizing>;
  /** Backfill chunks fetched ahead of the one being applied; {@link DEFAULT_PREFETCH} by default. */
  prefetch?: number;
  /** Most blocks applied in one write near the head; 100 by default. */
  maxRecentBlocks?: number;
  retry?: RetryPolicy;
  /** Stop once the head (as first seen after start) is indexed, instead of following. */
  exitAtHead?: boolean;
  onProgress?: (progress: IndexerProgress) => void;
  onOutcome?: (outcome: SyncOutcome) => void;
  onRetry?: (error: RpcError, attempt: number) => void;
  /** The start's check of the index's integrity (every record read and its digest recomputed), once it passed. */
  onVerified?: (verification: IndexVerification) => void;
}

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

/** What one step of the loop did. */
export type SyncOutcome =
  | { type: "applied"; phase: IndexerPhase; from: number; to: number; events: number }
  | { type: "reorg"; commonAncestor: number; undoneBlocks: number; undoRecords: number; reappliedTo: number; events: number }
  | { type: "idle"; head: number };

/** The chain reorganised below the window of blocks the indexer can roll back. Not retryable. */
export class ReorgTooDeepError extends Error {
  readonly name = "ReorgTooDeepError";
}

/** The database belongs to another chain or deployment. Not retryable. */
export class IndexConfigMismatchError extends Error {
  readonly name = "IndexConfigMismatchError";
}

export interface RunningIndexer {
  readonly reader: IndexReader;
  /** The last cursor written. */
  cursor(): Cursor | undefined;
  progress(): IndexerProgress;
  /** Resolves once block `block` is applied; rejects if the indexer fails or stops first, or after `timeoutMs`. */
  waitForBlock(block: number, timeoutMs?: number): Promise<Cursor>;
  /**
   * Reads every record (one snapshot) and checks it against the digest of the last commit, as each start does;
   * rejects with IndexDamagedError naming what differs.
   */
  verify(): Promise<IndexVerification>;
  /** Stops after the step in progress and closes the database. */
  stop(): Promise<void>;
  /** Settles when the loop ends: resolves on stop (or at the head with `exitAtHead`), rejects on a fatal error. */
  readonly done: Promise<void>;
}

/** Cursor plus the lowest block from which undo records are complete (a rollback may not go below it). */
interface StoredCursor extends Cursor {
  rollbackFloor: number;
}

function transportOf(options: IndexerOptions): RpcTransport {
  if (options.transport !== undefined) return options.transport;
  if (options.provider !== undefined) return providerTransport(options.provider);
  if (options.rpcUrl !== undefined) return httpTransport(options.rpcUrl);
  throw new Error("startIndexer needs rpcUrl, provider or transport");
}

function checkNonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, not ${value}`);
  return value;
}

export async function startIndexer(options: IndexerOptions): Promise<RunningIndexer> {
  const confirmations = checkNonNegativeInteger(options.confirmations ?? 0, "confirmations");
  const reorgWindow = checkNonNegativeInteger(options.reorgWindow ?? Math.max(64, confirmations), "reorgWindow");
  if (reorgWindow < confirmations) throw new Error(`reorgWindow (${reorgWindow}) must be at least confirmations (${confirmations})`);
  const startBlock = checkNonNegativeInteger(options.startBlock ?? 0, "startBlock");
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const maxRecentBlocks = Math.max(1, options.maxRecentBlocks ?? 100);
  const prefetch = Math.max(1, options.prefetch ?? DEFAULT_PREFETCH);
  const sizer = new RangeSizer({ ...DEFAULT_SIZING, ...options.sizing });
  const client: ChainClient = createChainClient(transportOf(options), options.retry ?? DEFAULT_RETRY, options.onRetry);
  const decoder: EventDecoder = createEventDecoder(options.addresses);

  const db: IndexDb = await openIndexDb(options.dbPath);
  const cache = new ValueCache(200_000);
  // The digest of everything committed (integrity.ts); each write below keeps it up to date.
  const running = new RunningDigest(new Map());
  let stored: StoredCursor | undefined;
  try {
    const chainId = await client.chainId();
    const config: IndexConfig = { format: INDEX_FORMAT, chainId: chainId.toString(), addresses: decoder.addresses, startBlock };
    const existing = await db.get(keys.config);
    if (existing === undefined) {
      // A folder with records but no configuration lost it; an empty one is a new index.
      const anyKey = await db.keys({ limit: 1 }).all();
      if (anyKey.length > 0) throw new IndexDamagedError(options.dbPath, `it has records but no configuration (${keys.config} is missing)`);
      const tx = new StateTx(db, cache, undefined, running);
      tx.putRaw(keys.config, codecs.config.encode(config));
      await tx.commit();
    } else {
      let found: IndexConfig;
      try {
        found = codecs.config.decode(existing);
      } catch (error) {
        throw new IndexDamagedError(options.dbPath, `its configuration (${keys.config}) is unreadable (${error instanceof Error ? error.message : String(error)})`);
      }
      if (found.format !== INDEX_FORMAT) {
        throw new IndexConfigMismatchError(`${options.dbPath} was written by an indexer of another format (${found.format ?? 1}, this one writes ${INDEX_FORMAT}): delete it and index again`);
      }
      // Every record read and the digest of the last commit recomputed: a damaged index is refused, not served.
      options.onVerified?.(await verifyIndex(db, options.dbPath));
      running.digest = decodeDigest((await db.get(INTEGRITY_KEY)) ?? "");
      if (found.chainId !== config.chainId || found.addresses.join() !== config.addresses.join() || found.startBlock !== startBlock) {
        throw new IndexConfigMismatchError(`${options.dbPath} indexes chain ${found.chainId} contracts ${found.addresses.join(", ")} from block ${found.startBlock}, not this deployment`);
      }
    }
    const cursorText = await db.get(keys.cursor);
    stored = cursorText === undefined ? undefined : (JSON.parse(cursorText) as StoredCursor);
  } catch (error) {
    await db.close();
    // LevelDB failing to read a damaged file (e.g. a table cut short), in words.
    const damage = error instanceof IndexDamagedError ? undefined : describeLevelFailure(error);
    throw damage === undefined ? error : new IndexDamagedError(options.dbPath, damage);
  }

  const reader = createIndexReader(db, { confirmations });
  const stopController = new AbortController();
  const waiters = new Set<{ block: number; resolve: (cursor: Cursor) => void; reject: (error: Error) => void }>();
  const progress: IndexerProgress = {
    phase: "backfill",
    cursor: stored?.number ?? startBlock - 1,
    head: stored?.head ?? 0,
    backfillFrom: (stored?.number ?? startBlock - 1) + 1,
    backfillTo: 0,
    eventsApplied: 0,
    blocksApplied: 0,
    startedAtMs: Date.now(),
  };

  function report(): void {
    options.onProgress?.({ ...progress });
  }

  function decodeAll(logs: readonly RawLog[]): Array<{ log: RawLog; event: NonNullable<ReturnType<EventDecoder["decode"]>> }> {
    const decoded = [];
    for (const log of logs) {
      const event = decoder.decode(log);
      if (event !== undefined) decoded.push({ log, event });
    }
    return decoded;
  }

  async function applyLogs(tx: StateTx, logs: readonly RawLog[]): Promise<number> {
    const decoded = decodeAll(logs);
    await applyEvents(tx, decoded);
    return decoded.length;
  }

  async function commit(tx: StateTx, cursor: StoredCursor): Promise<void> {
    tx.putRaw(keys.cursor, JSON.stringify(cursor));
    await tx.commit();
    const previousFloor = stored?.rollbackFloor ?? -1;
    stored = cursor;
    progress.cursor = cursor.number;
    progress.head = cursor.head;
    for (const waiter of [...waiters]) {
      if (cursor.number >= waiter.block) {
        waiters.delete(waiter);
        waiter.resolve(cursor);
      }
    }
    if (cursor.rollbackFloor > previousFloor) await prune(Math.max(0, previousFloor), cursor.rollbackFloor);
  }

  /**
   * Drops undo records and block hashes that a rollback can no longer use (at or below the floor; the floor's own
   * hash is kept), in a write of its own with the digest. Not part of the batch's write: leftovers of a crash in
   * between are below the floor, never read, counted in the digest, and cleared at the next start.
   */
  async function prune(fromBlock: number, floor: number): Promise<void> {
    // A transaction of its own (the digest follows it): one atomic write of the deletions and the digest.
    const tx = new StateTx(db, cache, undefined, running);
    let deleted = await tx.deleteRange(`${UNDO_PREFIX}${padNumber(fromBlock, BLOCK_WIDTH)}`, `${UNDO_PREFIX}${padNumber(floor + 1, BLOCK_WIDTH)}`);
    deleted += await tx.deleteRange(`${BLOCK_HASH_PREFIX}${padNumber(fromBlock, BLOCK_WIDTH)}`, `${BLOCK_HASH_PREFIX}${padNumber(floor, BLOCK_WIDTH)}`);
    if (deleted > 0) await tx.commit();
  }

  /**
   * The first recent blocks after a backfill, fetched while the backfill's last chunks are applied. Used by the
   * next step only if it starts at the same block; checked like any fetch (headers linked, logs of those headers,
   * the first header following the cursor), so a chain that moved meanwhile is caught as usual.
   */
  let recentAhead: { from: number; to: number; fetched: Promise<FetchedRecent> } | undefined;

  function fetchRecentAhead(from: number, to: number): void {
    const fetched = fetchRecent(client, decoder.addresses, from, to, sizer);
    // Observed when used; a failure there means fetching again.
    fetched.catch(() => undefined);
    recentAhead = { from, to, fetched };
  }

  /** The recent blocks fetched ahead if they start at `from` and arrived; undefined otherwise (fetch them as usual). */
  async function recentAheadFrom(from: number): Promise<FetchedRecent | undefined> {
    const ahead = recentAhead;
    if (ahead === undefined || ahead.from !== from) return undefined;
    recentAhead = undefined;
    return ahead.fetched.catch(() => undefined);
  }

  /** Blocks from..(at most) to near the head: those fetched ahead if they start at `from`, else fetched now. */
  async function recentBlocks(from: number, to: number): Promise<FetchedRecent> {
    const ahead = recentAhead;
    recentAhead = undefined;
    if (ahead !== undefined && ahead.from === from && ahead.to <= to) {
      try {
        return await ahead.fetched;
      } catch {
        // Fetch again below, with the usual retries.
      }
    }
    return fetchRecent(client, decoder.addresses, from, to, sizer);
  }

  /** Applies final history from..to, chunk by chunk; `recentTo` > to: also fetch to+1..recentTo ahead, near the end. */
  async function backfill(from: number, to: number, head: number, recentTo: number): Promise<SyncOutcome> {
    progress.phase = "backfill";
    progress.backfillFrom = from;
    progress.backfillTo = to;
    let events = 0;
    let last = from - 1;
    let lastRef: BlockRef | undefined;
    // Each chunk is applied while the previous one is still being written; writes stay in order.
    let writing: { tx: StateTx; done: Promise<void> } | undefined;
    try {
      for await (const chunk of backfillChunks(client, decoder.addresses, from, to, sizer, prefetch)) {
        // Once the rest of the backfill is (about) in flight, fetch the recent blocks that follow it too.
        if (recentTo > to && recentAhead === undefined && to - chunk.to <= prefetch * (chunk.to - chunk.from + 1)) fetchRecentAhead(to + 1, recentTo);
        const tx = new StateTx(db, cache, writing?.tx, running);
        const applied = await applyLogs(tx, chunk.logs);
        const ref: BlockRef = { number: chunk.last.number, hash: chunk.last.hash, timestamp: chunk.last.timestamp };
        tx.putRaw(keys.blockHash(ref.number), codecs.blockRef.encode(ref));
        if (writing !== undefined) await writing.done;
        writing = { tx, done: commit(tx, { ...ref, head, rollbackFloor: ref.number }) };
        // Observed when awaited above or below; do not let a failure go unhandled meanwhile.
        writing.done.catch(() => undefined);
        events += applied;
        last = chunk.to;
        lastRef = ref;
        progress.eventsApplied += applied;
        progress.blocksApplied += chunk.to - chunk.from + 1;
        report();
        if (stopController.signal.aborted) break;
      }
      // The recent blocks fetched ahead are applied while the last chunk is still being written.
      if (writing !== undefined && lastRef !== undefined && last === to && !stopController.signal.aborted) {
        const recent = await recentAheadFrom(to + 1);
        if (recent !== undefined && follows(recent.headers[0], lastRef.hash)) {
          const tx = new StateTx(db, cache, writing.tx, running);
          const applied = await applyRecentBlocks(tx, recent.headers, recent.logs);
          await writing.done;
          writing = undefined;
          await commitRecent(tx, recent.headers, head, lastRef.number, applied);
          events += applied;
          last = recent.headers[recent.headers.length - 1].number;
          report();
        }
      }
    } finally {
      if (writing !== undefined) await writing.done;
    }
    return { type: "applied", phase: "backfill", from, to: last, events };
  }

  /** Applies recent blocks (headers already checked to link to each other) with undo records, and writes them. */
  async function applyRecent(tx: StateTx, headers: readonly BlockHeader[], logs: readonly RawLog[], head: number, floor: number): Promise<number> {
    const events = await applyRecentBlocks(tx, headers, logs);
    await commitRecent(tx, headers, head, floor, events);
    return events;
  }

  /** Applies recent blocks (headers already checked to link to each other) with undo records, into `tx`. */
  async function applyRecentBlocks(tx: StateTx, headers: readonly BlockHeader[], logs: readonly RawLog[]): Promise<number> {
    const byBlock = new Map<number, RawLog[]>();
    for (const log of logs) {
      const list = byBlock.get(log.blockNumber);
      if (list === undefined) byBlock.set(log.blockNumber, [log]);
      else list.push(log);
    }
    let events = 0;
    for (const header of headers) {
      tx.recordUndoFor(header.number);
      events += await applyLogs(tx, byBlock.get(header.number) ?? []);
      tx.putRaw(keys.blockHash(header.number), codecs.blockRef.encode({ number: header.number, hash: header.hash, timestamp: header.timestamp }));
    }
    tx.recordUndoFor(undefined);
    return events;
  }

  /** Writes recent blocks applied by {@link applyRecentBlocks}, with their cursor. */
  async function commitRecent(tx: StateTx, headers: readonly BlockHeader[], head: number, floor: number, events: number): Promise<void> {
    const last = headers[headers.length - 1];
    await commit(tx, { number: last.number, hash: last.hash, timestamp: last.timestamp, head, rollbackFloor: Math.max(floor, head - reorgWindow) });
    progress.eventsApplied += events;
    progress.blocksApplied += headers.length;
  }

  async function storedRef(block: number): Promise<BlockRef | undefined> {
    const text = await db.get(keys.blockHash(block));
    return text === undefined ? undefined : codecs.blockRef.decode(text);
  }

  /** Rolls back to the newest block both the index and the chain have, then applies the chain's branch after it. */
  async function reorganise(head: number): Promise<SyncOutcome> {
    if (stored === undefined) throw new Error("reorganise without a cursor");
    const floor = stored.rollbackFloor;
    let ancestor: BlockRef | undefined;
    for (let block = Math.min(stored.number, head); block >= floor && ancestor === undefined; block -= 1) {
      const mine = await storedRef(block);
      if (mine === undefined) continue;
      const canonical = await client.header(block);
      if (canonical !== null && canonical.hash === mine.hash) ancestor = mine;
    }
    if (ancestor === undefined) {
      throw new ReorgTooDeepError(`the chain reorganised below block ${floor}, the oldest block the index can roll back to (reorg window ${reorgWindow})`);
    }
    recentAhead = undefined;
    const tx = new StateTx(db, cache, undefined, running);
    const undoRecords = await tx.rollBackTo(ancestor.number);
    const undoneBlocks = stored.number - ancestor.number;
    if (ancestor.number >= head) {
      await commit(tx, { ...ancestor, head, rollbackFloor: floor });
      return { type: "reorg", commonAncestor: ancestor.number, undoneBlocks, undoRecords, reappliedTo: ancestor.number, events: 0 };
    }
    const to = Math.min(head, ancestor.number + maxRecentBlocks);
    const recent = await fetchRecent(client, decoder.addresses, ancestor.number + 1, to, sizer);
    if (!follows(recent.headers[0], ancestor.hash)) throw new RpcError(`block ${ancestor.number + 1} no longer follows the common ancestor`, "retryable");
    const events = await applyRecent(tx, recent.headers, recent.logs, head, floor);
    return { type: "reorg", commonAncestor: ancestor.number, undoneBlocks, undoRecords, reappliedTo: to, events };
  }

  async function step(head: number): Promise<SyncOutcome> {
    const cursorBlock = stored?.number ?? startBlock - 1;
    if (stored !== undefined && cursorBlock > head) return reorganise(head);
    if (cursorBlock === head) {
      if (stored !== undefined) {
        const tip = await client.header(head);
        if (tip === null || tip.hash !== stored.hash) return reorganise(head);
      }
      progress.phase = "follow";
      return { type: "idle", head };
    }
    const from = cursorBlock + 1;
    const windowStart = head - reorgWindow + 1;
    if (from < windowStart) {
      if (stored !== undefined) {
        const first = await client.header(from);
        if (first === null) throw new RpcError(`the node has no block ${from} although its head is ${head}`, "retryable");
        if (!follows(first, stored.hash)) return reorganise(head);
      }
      return backfill(from, windowStart - 1, head, Math.min(head, windowStart + maxRecentBlocks - 1));
    }
    progress.phase = "follow";
    const recent = await recentBlocks(from, Math.min(head, from + maxRecentBlocks - 1));
    const to = recent.headers[recent.headers.length - 1].number;
    if (stored !== undefined && !follows(recent.headers[0], stored.hash)) return reorganise(head);
    const events = await applyRecent(new StateTx(db, cache, undefined, running), recent.headers, recent.logs, head, stored?.rollbackFloor ?? from - 1);
    return { type: "applied", phase: "follow", from, to, events };
  }

  async function loop(): Promise<void> {
    let stopHead: number | undefined;
    while (!stopController.signal.aborted) {
      let outcome: SyncOutcome;
      try {
        const head = await client.headNumber();
        if (options.exitAtHead === true && stopHead === undefined) stopHead = head;
        outcome = await step(head);
      } catch (error) {
        // A transient failure that outlived its retries, or a chain that moved mid-read: start the step again.
        if (error instanceof RpcError && error.kind === "retryable") {
          options.onRetry?.(error, 0);
          await sleep(pollIntervalMs, stopController.signal);
          continue;
        }
        throw error;
      }
      options.onOutcome?.(outcome);
      report();
      if (stopHead !== undefined && (stored?.number ?? -1) >= stopHead) return;
      if (outcome.type === "idle") await sleep(pollIntervalMs, stopController.signal);
    }
  }

  const done = (async () => {
    if (stored !== undefined) await prune(0, stored.rollbackFloor);
    await loop();
  })().then(
    async () => {
      for (const waiter of waiters) waiter.reject(new Error(`the indexer stopped at block ${stored?.number ?? "none"} before block ${waiter.block}`));
      waiters.clear();
      await db.close();
    },
    async (error: unknown) => {
      for (const waiter of waiters) waiter.reject(error instanceof Error ? error : new Error(String(error)));
      waiters.clear();
      await db.close();
      throw error;
    },
  );
  // The caller observes failures through `done` or `waitForBlock`.
  done.catch(() => undefined);

  return {
    reader,
    cursor: () => (stored === undefined ? undefined : { number: stored.number, hash: stored.hash, timestamp: stored.timestamp, head: stored.head }),
    progress: () => ({ ...progress }),
    waitForBlock(block, timeoutMs = 60_000) {
      if (stored !== undefined && stored.number >= block) return Promise.resolve({ ...stored });
      return new Promise<Cursor>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`the index did not reach block ${block} within ${timeoutMs} ms (at ${stored?.number ?? "none"})`));
        }, timeoutMs);
        const waiter = {
          block,
          resolve: (cursor: Cursor) => {
            clearTimeout(timer);
            resolve(cursor);
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.add(waiter);
      });
    },
    verify: () => verifyIndex(db, options.dbPath),
    async stop() {
      stopController.abort();
      await done.catch(() => undefined);
    },
    done,
  };
}

