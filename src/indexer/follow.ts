import { RpcError } from "../chain/rpc";
import type { ChainClient } from "../chain/rpc";
import type { BlockRef } from "./schema";
import { fetchRecent, follows } from "./sync";
import type { FetchedRecent, RangeSizer } from "./sync";
import type { IndexWriter } from "./writer";

/**
 * Following the head (realtime sync): blocks within the reorg window are applied with undo records, up to
 * `maxRecentBlocks` a write; when the chain's parent hash disagrees with what the index applied (or the head went
 * back), the newest block both still share is found, every record restored to its value then and the chain's branch
 * applied after it, in one write.
 */

/** What one step of the loop did. */
export type SyncOutcome =
  | { type: "applied"; phase: "backfill" | "follow"; from: number; to: number; events: number }
  | { type: "reorg"; commonAncestor: number; undoneBlocks: number; undoRecords: number; reappliedTo: number; events: number }
  | { type: "idle"; head: number };

/** The chain reorganised below the window of blocks the indexer can roll back. Not retryable. */
export class ReorgTooDeepError extends Error {
  readonly name = "ReorgTooDeepError";
}

export interface FollowSettings {
  reorgWindow: number;
  maxRecentBlocks: number;
}

export class Follower {
  /**
   * The first recent blocks after a backfill, fetched while the backfill's last chunks are applied. Used by the
   * next step only if it starts at the same block; checked like any fetch (headers linked, logs of those headers,
   * the first header following the cursor), so a chain that moved meanwhile is caught as usual.
   */
  private recentAhead: { from: number; to: number; fetched: Promise<FetchedRecent> } | undefined;

  constructor(
    private readonly writer: IndexWriter,
    private readonly client: ChainClient,
    private readonly sizer: RangeSizer,
    private readonly settings: FollowSettings,
  ) {}

  /** Whether recent blocks are being fetched ahead. */
  get fetchingAhead(): boolean {
    return this.recentAhead !== undefined;
  }

  /** Starts fetching blocks from..to (those after a backfill's end) while the backfill is still applied. */
  fetchAhead(from: number, to: number): void {
    const fetched = fetchRecent(this.client, this.writer.decoder.addresses, from, to, this.sizer);
    // Observed when used; a failure there means fetching again.
    fetched.catch(() => undefined);
    this.recentAhead = { from, to, fetched };
  }

  /** The recent blocks fetched ahead if they start at `from` and arrived; undefined otherwise (fetch them as usual). */
  async fetchedAheadFrom(from: number): Promise<FetchedRecent | undefined> {
    const ahead = this.recentAhead;
    if (ahead === undefined || ahead.from !== from) return undefined;
    this.recentAhead = undefined;
    return ahead.fetched.catch(() => undefined);
  }

  /** Blocks from..(at most) to near the head: those fetched ahead if they start at `from`, else fetched now. */
  private async recentBlocks(from: number, to: number): Promise<FetchedRecent> {
    const ahead = this.recentAhead;
    this.recentAhead = undefined;
    if (ahead !== undefined && ahead.from === from && ahead.to <= to) {
      try {
        return await ahead.fetched;
      } catch {
        // Fetch again below, with the usual retries.
      }
    }
    return fetchRecent(this.client, this.writer.decoder.addresses, from, to, this.sizer);
  }

  /** Applies the next recent blocks after the cursor (`from`), or reorganises when they do not follow it. */
  async advance(from: number, head: number): Promise<SyncOutcome> {
    const writer = this.writer;
    const recent = await this.recentBlocks(from, Math.min(head, from + this.settings.maxRecentBlocks - 1));
    const to = recent.headers[recent.headers.length - 1].number;
    const stored = writer.stored;
    if (stored !== undefined && !follows(recent.headers[0], stored.hash)) return this.reorganise(head);
    const tx = writer.transaction();
    const events = await writer.applyRecentBlocks(tx, recent.headers, recent.logs);
    await writer.commitRecent(tx, recent.headers, head, stored?.rollbackFloor ?? from - 1, events, this.settings.reorgWindow);
    return { type: "applied", phase: "follow", from, to, events };
  }

  /** At the head: idle if the block the index ends with is still the chain's, else a reorganisation. */
  async atHead(head: number): Promise<SyncOutcome> {
    const stored = this.writer.stored;
    if (stored !== undefined) {
      const tip = await this.client.header(head);
      if (tip === null || tip.hash !== stored.hash) return this.reorganise(head);
    }
    return { type: "idle", head };
  }

  /** Rolls back to the newest block both the index and the chain have, then applies the chain's branch after it. */
  async reorganise(head: number): Promise<SyncOutcome> {
    const writer = this.writer;
    const stored = writer.stored;
    if (stored === undefined) throw new Error("reorganise without a cursor");
    const floor = stored.rollbackFloor;
    let ancestor: BlockRef | undefined;
    for (let block = Math.min(stored.number, head); block >= floor && ancestor === undefined; block -= 1) {
      const mine = await writer.storedRef(block);
      if (mine === undefined) continue;
      const canonical = await this.client.header(block);
      if (canonical !== null && canonical.hash === mine.hash) ancestor = mine;
    }
    if (ancestor === undefined) {
      throw new ReorgTooDeepError(
        `the chain reorganised below block ${floor}, the oldest block the index can roll back to (reorg window ${this.settings.reorgWindow})`,
      );
    }
    this.recentAhead = undefined;
    const tx = writer.transaction();
    const undoRecords = await tx.rollBackTo(ancestor.number);
    const undoneBlocks = stored.number - ancestor.number;
    if (ancestor.number >= head) {
      await writer.commit(tx, { ...ancestor, head, rollbackFloor: floor });
      return { type: "reorg", commonAncestor: ancestor.number, undoneBlocks, undoRecords, reappliedTo: ancestor.number, events: 0 };
    }
    const to = Math.min(head, ancestor.number + this.settings.maxRecentBlocks);
    const recent = await fetchRecent(this.client, writer.decoder.addresses, ancestor.number + 1, to, this.sizer);
    if (!follows(recent.headers[0], ancestor.hash))
      throw new RpcError(`block ${ancestor.number + 1} no longer follows the common ancestor`, "retryable");
    const events = await writer.applyRecentBlocks(tx, recent.headers, recent.logs);
    await writer.commitRecent(tx, recent.headers, head, floor, events, this.settings.reorgWindow);
    return { type: "reorg", commonAncestor: ancestor.number, undoneBlocks, undoRecords, reappliedTo: to, events };
  }
}
