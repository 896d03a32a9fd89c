import type { ChainbillAddresses } from "../chain/system";
import { createEventDecoder } from "../chain/events";
import type { EventDecoder } from "../chain/events";
import { createIndexReader } from "./queries";
import type { IndexReader } from "./queries";
import { DEFAULT_RETRY, RpcError, createChainClient, httpTransport, providerTransport, sleep } from "../chain/rpc";
import type { ChainClient, Eip1193Provider, RetryPolicy, RpcTransport } from "../chain/rpc";
import { INDEX_FORMAT, codecs, keys } from "./schema";
import type { Cursor, IndexConfig } from "./schema";
import { INTEGRITY_KEY, IndexDamagedError, decodeDigest, describeLevelFailure, verifyIndex } from "./integrity";
import type { IndexVerification } from "./integrity";
import { RunningDigest, StateTx, ValueCache, openIndexDb } from "./store";
import type { IndexDb } from "./store";
import { DEFAULT_PREFETCH, DEFAULT_SIZING, RangeSizer, follows } from "./sync";
import type { RangeSizing } from "./sync";
import { backfill } from "./backfill";
import type { BackfillRun } from "./backfill";
import { Follower, ReorgTooDeepError } from "./follow";
import type { SyncOutcome } from "./follow";
import { IndexWriter } from "./writer";
import type { IndexerPhase, IndexerProgress, StoredCursor } from "./writer";

export { ReorgTooDeepError };
export type { IndexerPhase, IndexerProgress, SyncOutcome };

/**
 * The indexer's coordinator: opens (and checks) the index, then runs the loop. Each step asks the head, plans what
 * to do ({@link StepPlan}) and hands it to backfill (`backfill.ts`: final history, chunk by chunk) or the follower
 * (`follow.ts`: the head, block by block with undo records, and reorgs); each batch lands with its cursor in one
 * atomic LevelDB write (`writer.ts`).
 */

export interface IndexerOptions {
  /**
   * A JSON-RPC endpoint, or several to fail over between (`src/chain/rpc.ts`); or give `provider` (EIP-1193, e.g.
   * Hardhat's in-process network) or `transport`.
   */
  rpcUrl?: string | readonly string[];
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

/** What one step of the loop does next. */
type StepPlan =
  { kind: "reorganise" } | { kind: "atHead" } | { kind: "backfill"; from: number; to: number; recentTo: number } | { kind: "follow"; from: number };

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
        throw new IndexDamagedError(
          options.dbPath,
          `its configuration (${keys.config}) is unreadable (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      if (found.format !== INDEX_FORMAT) {
        throw new IndexConfigMismatchError(
          `${options.dbPath} was written by an indexer of another format (${found.format ?? 1}, this one writes ${INDEX_FORMAT}): delete it and index again`,
        );
      }
      // Every record read and the digest of the last commit recomputed: a damaged index is refused, not served.
      options.onVerified?.(await verifyIndex(db, options.dbPath));
      running.digest = decodeDigest((await db.get(INTEGRITY_KEY)) ?? "");
      if (found.chainId !== config.chainId || found.addresses.join() !== config.addresses.join() || found.startBlock !== startBlock) {
        throw new IndexConfigMismatchError(
          `${options.dbPath} indexes chain ${found.chainId} contracts ${found.addresses.join(", ")} from block ${found.startBlock}, not this deployment`,
        );
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

  const writer = new IndexWriter(db, cache, decoder, running, stored, progress, (cursor) => {
    for (const waiter of [...waiters]) {
      if (cursor.number >= waiter.block) {
        waiters.delete(waiter);
        waiter.resolve(cursor);
      }
    }
  });
  const follower = new Follower(writer, client, sizer, { reorgWindow, maxRecentBlocks });

  function report(): void {
    options.onProgress?.({ ...progress });
  }

  const backfillRun: BackfillRun = { writer, follower, client, sizer, prefetch, reorgWindow, signal: stopController.signal, report };

  /** What one step does, decided from the cursor and the head before anything is fetched beyond a header. */
  async function plan(head: number): Promise<StepPlan> {
    const stored = writer.stored;
    const cursorBlock = stored?.number ?? startBlock - 1;
    if (stored !== undefined && cursorBlock > head) return { kind: "reorganise" };
    if (cursorBlock === head) return { kind: "atHead" };
    const from = cursorBlock + 1;
    const windowStart = head - reorgWindow + 1;
    if (from >= windowStart) return { kind: "follow", from };
    if (stored !== undefined) {
      const first = await client.header(from);
      if (first === null) throw new RpcError(`the node has no block ${from} although its head is ${head}`, "retryable");
      if (!follows(first, stored.hash)) return { kind: "reorganise" };
    }
    return { kind: "backfill", from, to: windowStart - 1, recentTo: Math.min(head, windowStart + maxRecentBlocks - 1) };
  }

  async function step(head: number): Promise<SyncOutcome> {
    const next = await plan(head);
    switch (next.kind) {
      case "reorganise":
        return follower.reorganise(head);
      case "atHead": {
        const outcome = await follower.atHead(head);
        if (outcome.type === "idle") progress.phase = "follow";
        return outcome;
      }
      case "backfill":
        return backfill(backfillRun, next.from, next.to, head, next.recentTo);
      case "follow":
        progress.phase = "follow";
        return follower.advance(next.from, head);
    }
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
      if (stopHead !== undefined && (writer.stored?.number ?? -1) >= stopHead) return;
      if (outcome.type === "idle") await sleep(pollIntervalMs, stopController.signal);
    }
  }

  const done = (async () => {
    if (writer.stored !== undefined) await writer.prune(0, writer.stored.rollbackFloor);
    await loop();
  })().then(
    async () => {
      for (const waiter of waiters)
        waiter.reject(new Error(`the indexer stopped at block ${writer.stored?.number ?? "none"} before block ${waiter.block}`));
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
    cursor: () => {
      const stored = writer.stored;
      return stored === undefined ? undefined : { number: stored.number, hash: stored.hash, timestamp: stored.timestamp, head: stored.head };
    },
    progress: () => ({ ...progress }),
    waitForBlock(block, timeoutMs = 60_000) {
      const stored = writer.stored;
      if (stored !== undefined && stored.number >= block) return Promise.resolve({ ...stored });
      return new Promise<Cursor>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`the index did not reach block ${block} within ${timeoutMs} ms (at ${writer.stored?.number ?? "none"})`));
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
