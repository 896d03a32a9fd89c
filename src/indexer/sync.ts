import type { RawLog } from "../chain/events";
import { RpcError } from "../chain/rpc";
import type { BlockHeader, ChainClient } from "../chain/rpc";

/**
 * Fetching the logs of our contracts. Backfill walks final history in planned chunks, a few in flight at once,
 * each sized adaptively (grown while answers are small, halved when the node refuses a range as too large or an
 * answer is too big). Near the head, where the chain may still reorganise, every block's header is fetched with
 * the logs and the two are checked against each other, so a range is never half from one branch and half from
 * another.
 */

export interface RangeSizing {
  /** Blocks in the first request. */
  initialBlocks: number;
  /** Never ask for more blocks than this at once. */
  maxBlocks: number;
  /** Aim for about this many logs an answer. */
  targetLogs: number;
}

export const DEFAULT_SIZING: RangeSizing = { initialBlocks: 10, maxBlocks: 20_000, targetLogs: 4_000 };

/**
 * Backfill chunks fetched ahead of the one being applied. Three keep the node answering while a chunk is applied
 * and the one before it written (two left it idle at times: 5% slower on the benchmark chain).
 */
export const DEFAULT_PREFETCH = 3;

/** The adaptive request size, shared by the chunks of one backfill. */
export class RangeSizer {
  private current: number;
  constructor(readonly sizing: RangeSizing) {
    this.current = Math.max(1, Math.min(sizing.initialBlocks, sizing.maxBlocks));
  }

  get blocks(): number {
    return this.current;
  }

  /** Adjusts after an answer of `logs` logs for `blocks` blocks: towards the target density, at most 4x up or 2x down. */
  answered(blocks: number, logs: number): void {
    if (blocks < this.current / 2) return;
    const wanted = logs === 0 ? this.current * 4 : Math.floor((blocks * this.sizing.targetLogs) / logs);
    this.current = Math.max(1, Math.min(this.sizing.maxBlocks, this.current * 4, Math.max(Math.floor(this.current / 2), wanted)));
  }

  refused(blocks: number): void {
    this.current = Math.max(1, Math.min(this.current, Math.floor(blocks / 2)));
  }
}

/** All logs of blocks from..to, split into smaller requests when the node refuses the range as too large. */
export async function fetchLogs(client: ChainClient, addresses: readonly string[], from: number, to: number, sizer: RangeSizer): Promise<RawLog[]> {
  const logs: RawLog[] = [];
  let start = from;
  while (start <= to) {
    const end = Math.min(to, start + sizer.blocks - 1);
    try {
      const answer = await client.logs(start, end, addresses);
      sizer.answered(end - start + 1, answer.length);
      for (const log of answer) logs.push(log);
      start = end + 1;
    } catch (error) {
      if (!(error instanceof RpcError) || error.kind !== "rangeTooLarge") throw error;
      if (end === start) throw new RpcError(`the node refuses even a one-block log range at ${start}: ${error.message}`, "fatal");
      sizer.refused(end - start + 1);
    }
  }
  return logs;
}

/** A fetched stretch of final history: its logs and the header of its last block. */
export interface FetchedChunk {
  from: number;
  to: number;
  logs: RawLog[];
  last: BlockHeader;
}

async function fetchChunk(client: ChainClient, addresses: readonly string[], from: number, to: number, sizer: RangeSizer): Promise<FetchedChunk> {
  const [logs, last] = await Promise.all([fetchLogs(client, addresses, from, to, sizer), client.header(to)]);
  if (last === null) throw new RpcError(`the node has no block ${to} although its head is past it`, "retryable");
  return { from, to, logs, last };
}

/**
 * The chunks of blocks from..to in order, with up to `inFlight` fetched ahead of the one being consumed. Chunk
 * bounds are planned with the sizer's current size when a chunk is started.
 */
export async function* backfillChunks(
  client: ChainClient,
  addresses: readonly string[],
  from: number,
  to: number,
  sizer: RangeSizer,
  inFlight: number,
): AsyncGenerator<FetchedChunk> {
  const pending: Array<Promise<FetchedChunk>> = [];
  let next = from;
  const plan = (): void => {
    while (pending.length < inFlight && next <= to) {
      const end = Math.min(to, next + sizer.blocks - 1);
      const chunk = fetchChunk(client, addresses, next, end, sizer);
      // Rejections surface when the chunk is awaited; do not let an early one go unhandled meanwhile.
      chunk.catch(() => undefined);
      pending.push(chunk);
      next = end + 1;
    }
  };
  plan();
  while (pending.length > 0) {
    const chunk = await pending[0];
    void pending.shift(); // the promise just awaited
    plan();
    yield chunk;
  }
}

const ZERO_HASH = `0x${"0".repeat(64)}`;

/**
 * Whether `header` follows the block with hash `parentHash`. Hardhat's `hardhat_mine` creates runs of blocks whose
 * parent hash is zero; only a genesis block has that on a real chain, so a zero parent hash is taken as unknown
 * rather than as a fork.
 */
export function follows(header: BlockHeader, parentHash: string): boolean {
  return header.parentHash === parentHash || header.parentHash === ZERO_HASH;
}

/** The chain moved while a recent range was read (a reorg under way); read it again. */
export class ChainMovedError extends RpcError {
  constructor(message: string) {
    super(message, "retryable");
  }
}

/** Blocks from..to near the head: every header, and logs that provably belong to those headers. */
export interface FetchedRecent {
  headers: BlockHeader[];
  logs: RawLog[];
}

export async function fetchRecent(
  client: ChainClient,
  addresses: readonly string[],
  from: number,
  to: number,
  sizer: RangeSizer,
): Promise<FetchedRecent> {
  const [headers, logs] = await Promise.all([client.headers(from, to), fetchLogs(client, addresses, from, to, sizer)]);
  const known: BlockHeader[] = [];
  for (const header of headers) {
    if (header === null) throw new ChainMovedError(`block ${from + known.length} vanished while reading ${from}..${to}`);
    const previous = known[known.length - 1];
    if (previous !== undefined && !follows(header, previous.hash))
      throw new ChainMovedError(`blocks ${previous.number} and ${header.number} are not linked`);
    known.push(header);
  }
  for (const log of logs) {
    const header = known[log.blockNumber - from];
    if (header === undefined || header.hash !== log.blockHash.toLowerCase()) {
      throw new ChainMovedError(`a log of block ${log.blockNumber} belongs to another branch than its header`);
    }
  }
  return { headers: known, logs };
}
