import type { ChainClient } from "../chain/rpc";
import { codecs, keys } from "./schema";
import type { BlockRef } from "./schema";
import type { StateTx } from "./store";
import { backfillChunks, follows } from "./sync";
import type { RangeSizer } from "./sync";
import type { Follower, SyncOutcome } from "./follow";
import type { IndexWriter } from "./writer";

/**
 * Backfill (historical sync): final history, below the reorg window, in planned chunks fetched a few ahead
 * (`sync.ts`); each chunk is applied while the one before it is still being written, and lands with its cursor in one
 * write. No undo records: nothing below the window can be rolled back. Near its end it has the follower fetch the
 * recent blocks after it, and applies them while its last chunk is written.
 */

export interface BackfillRun {
  writer: IndexWriter;
  follower: Follower;
  client: ChainClient;
  sizer: RangeSizer;
  /** Backfill chunks fetched ahead of the one being applied. */
  prefetch: number;
  reorgWindow: number;
  /** Stops after the chunk being applied. */
  signal: AbortSignal;
  /** After each write. */
  report(): void;
}

/** Applies final history from..to, chunk by chunk; `recentTo` > to: also fetch to+1..recentTo ahead, near the end. */
export async function backfill(run: BackfillRun, from: number, to: number, head: number, recentTo: number): Promise<SyncOutcome> {
  const { writer, follower, prefetch } = run;
  const progress = writer.progress;
  progress.phase = "backfill";
  progress.backfillFrom = from;
  progress.backfillTo = to;
  let events = 0;
  let last = from - 1;
  let lastRef: BlockRef | undefined;
  // Each chunk is applied while the previous one is still being written; writes stay in order.
  let writing: { tx: StateTx; done: Promise<void> } | undefined;
  try {
    for await (const chunk of backfillChunks(run.client, writer.decoder.addresses, from, to, run.sizer, prefetch)) {
      // Once the rest of the backfill is (about) in flight, fetch the recent blocks that follow it too.
      if (recentTo > to && !follower.fetchingAhead && to - chunk.to <= prefetch * (chunk.to - chunk.from + 1)) follower.fetchAhead(to + 1, recentTo);
      const tx = writer.transaction(writing?.tx);
      const applied = await writer.applyLogs(tx, chunk.logs);
      const ref: BlockRef = { number: chunk.last.number, hash: chunk.last.hash, timestamp: chunk.last.timestamp };
      tx.putRaw(keys.blockHash(ref.number), codecs.blockRef.encode(ref));
      if (writing !== undefined) await writing.done;
      writing = { tx, done: writer.commit(tx, { ...ref, head, rollbackFloor: ref.number }) };
      // Observed when awaited above or below; do not let a failure go unhandled meanwhile.
      writing.done.catch(() => undefined);
      events += applied;
      last = chunk.to;
      lastRef = ref;
      progress.eventsApplied += applied;
      progress.blocksApplied += chunk.to - chunk.from + 1;
      run.report();
      if (run.signal.aborted) break;
    }
    // The recent blocks fetched ahead are applied while the last chunk is still being written.
    if (writing !== undefined && lastRef !== undefined && last === to && !run.signal.aborted) {
      const recent = await follower.fetchedAheadFrom(to + 1);
      if (recent !== undefined && follows(recent.headers[0], lastRef.hash)) {
        const tx = writer.transaction(writing.tx);
        const applied = await writer.applyRecentBlocks(tx, recent.headers, recent.logs);
        await writing.done;
        writing = undefined;
        await writer.commitRecent(tx, recent.headers, head, lastRef.number, applied, run.reorgWindow);
        events += applied;
        last = recent.headers[recent.headers.length - 1].number;
        run.report();
      }
    }
  } finally {
    if (writing !== undefined) await writing.done;
  }
  return { type: "applied", phase: "backfill", from, to: last, events };
}
