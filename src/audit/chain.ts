import { toQuantity } from "ethers";
import type { RawLog } from "../chain/events";
import { BatchRefusedError, httpTransport, withRetry } from "../chain/rpc";
import type { RetryPolicy, RpcError } from "../chain/rpc";

/**
 * What the audit reads from a node, and nothing else: logs of the audited contracts, the input of funding
 * transactions, block times, and (in views.ts) the contracts' own views. Requests run a bounded number at a time,
 * over the shared JSON-RPC client (`src/chain/rpc.ts`: retries, failover between endpoints) or an ethers provider.
 */

export type Progress = (done: number, total: number) => void;

/** Runs `task` over `items`, at most `limit` at once, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** What the audit needs of a node beyond ethers' Provider: raw JSON-RPC, for the one call whose answer is large. */
export interface RpcSender {
  send(method: string, params: unknown[]): Promise<unknown>;
  /** Many calls in one JSON-RPC batch, answers in order, a failed call as an Error; absent when the transport has no batches. */
  sendBatch?(calls: ReadonlyArray<readonly [string, unknown[]]>): Promise<unknown[]>;
}

const BATCH = 200;

/**
 * Runs `calls` through `rpc`, in JSON-RPC batches of `batchSize` when it has them (4 at a time); a call that fails
 * answers with its Error.
 */
export async function sendAll(
  rpc: RpcSender,
  calls: ReadonlyArray<readonly [string, unknown[]]>,
  progress?: Progress,
  batchSize = BATCH,
): Promise<unknown[]> {
  const results = new Array<unknown>(calls.length);
  let done = 0;
  const batches: Array<[number, ReadonlyArray<readonly [string, unknown[]]>]> = [];
  for (let start = 0; start < calls.length; start += batchSize) batches.push([start, calls.slice(start, start + batchSize)]);
  await mapLimit(batches, 4, async ([start, batch]) => {
    const answers =
      rpc.sendBatch !== undefined
        ? await rpc.sendBatch(batch)
        : await Promise.all(
            batch.map(([method, params]) =>
              rpc.send(method, params).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
            ),
          );
    answers.forEach((answer, offset) => {
      results[start + offset] = answer;
    });
    done += batch.length;
    progress?.(done, calls.length);
  });
  return results;
}

/** The audit's retries: fewer than the indexer's (an audit is a run that should end), same backoff. */
export const AUDIT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Raw JSON-RPC over HTTP to one node or several (failing over between them), through the shared client of
 * `src/chain/rpc.ts`: retryable failures (refused, dropped, HTTP 5xx, a node's transient errors) are asked again
 * with backoff; a call's own error in a batch answers as that call's Error. ethers' JsonRpcProvider takes tens of
 * seconds to read the megabytes an eth_getLogs answer can be; this reads them in about a second.
 */
export function httpSender(
  urls: string | readonly string[],
  timeoutMs = 120_000,
  policy: RetryPolicy = AUDIT_RETRY,
  onRetry?: (error: RpcError, attempt: number) => void,
): RpcSender {
  const transport = httpTransport(urls, { timeoutMs });
  const send = (method: string, params: unknown[]): Promise<unknown> => withRetry(() => transport.request(method, params), policy, onRetry);
  let batching = transport.batch !== undefined;
  const one = (method: string, params: unknown[]): Promise<unknown> =>
    send(method, params).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  return {
    send,
    async sendBatch(calls) {
      const batch = transport.batch;
      if (batching && batch !== undefined) {
        try {
          const outcomes = await withRetry(
            () =>
              batch.call(
                transport,
                calls.map(([method, params]) => ({ method, params })),
              ),
            policy,
            onRetry,
          );
          return outcomes.map((outcome) => (outcome.ok ? outcome.result : outcome.error));
        } catch (error) {
          if (!(error instanceof BatchRefusedError)) throw error;
          // The node takes no batches: call by call from now on.
          batching = false;
        }
      }
      return Promise.all(calls.map(([method, params]) => one(method, params)));
    },
  };
}

const FIRST_RANGE = 5_000;
const MAX_RANGE = 100_000;

interface JsonLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed?: boolean;
}

function rawLogOf(log: JsonLog): RawLog {
  return {
    address: log.address.toLowerCase(),
    topics: log.topics,
    data: log.data,
    blockNumber: Number(log.blockNumber),
    blockHash: log.blockHash,
    transactionHash: log.transactionHash.toLowerCase(),
    transactionIndex: Number(log.transactionIndex),
    logIndex: Number(log.logIndex),
  };
}

/**
 * Every log of `addresses` from `fromBlock` to `toBlock`, in chain order. Read with raw `eth_getLogs` (ethers'
 * per-log formatting costs more than the node's answer). The block range of each request adapts: halved when the
 * node refuses a range (too many results), doubled while answers stay small.
 */
export async function fetchLogs(
  rpc: RpcSender,
  addresses: readonly string[],
  fromBlock: number,
  toBlock: number,
  progress?: Progress,
): Promise<RawLog[]> {
  const logs: RawLog[] = [];
  let range = FIRST_RANGE;
  let start = fromBlock;
  const total = toBlock - fromBlock + 1;
  while (start <= toBlock) {
    const end = Math.min(toBlock, start + range - 1);
    let chunk: JsonLog[];
    try {
      chunk = (await rpc.send("eth_getLogs", [{ address: [...addresses], fromBlock: toQuantity(start), toBlock: toQuantity(end) }])) as JsonLog[];
    } catch (error) {
      if (range === 1) throw error;
      range = Math.max(1, Math.floor(range / 2));
      continue;
    }
    for (const log of chunk) if (log.removed !== true) logs.push(rawLogOf(log));
    start = end + 1;
    if (chunk.length < 5_000) range = Math.min(MAX_RANGE, range * 2);
    progress?.(start - fromBlock, total);
  }
  // By transaction too: some nodes number logs within each transaction rather than the block.
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.transactionIndex - b.transactionIndex || a.logIndex - b.logIndex);
  return logs;
}

/** The input data of each transaction, by hash (lower case). */
export async function fetchTransactionInputs(rpc: RpcSender, hashes: readonly string[], progress?: Progress): Promise<Map<string, string>> {
  const answers = await sendAll(
    rpc,
    hashes.map((hash) => ["eth_getTransactionByHash", [hash]] as const),
    progress,
  );
  const inputs = new Map<string, string>();
  answers.forEach((answer, index) => {
    const input = answer instanceof Error ? undefined : (answer as { input?: unknown } | null)?.input;
    if (typeof input === "string") inputs.set(hashes[index].toLowerCase(), input);
  });
  return inputs;
}

/** The timestamp of each block. */
export async function fetchBlockTimes(rpc: RpcSender, blocks: Iterable<number>, progress?: Progress): Promise<Map<number, bigint>> {
  const wanted = [...new Set(blocks)].sort((a, b) => a - b);
  const answers = await sendAll(
    rpc,
    wanted.map((block) => ["eth_getBlockByNumber", [toQuantity(block), false]] as const),
    progress,
  );
  const times = new Map<number, bigint>();
  answers.forEach((answer, index) => {
    if (answer instanceof Error) throw answer;
    const timestamp = (answer as { timestamp?: unknown } | null)?.timestamp;
    if (typeof timestamp !== "string") throw new Error(`the node has no block ${wanted[index]}`);
    times.set(wanted[index], BigInt(timestamp));
  });
  return times;
}
