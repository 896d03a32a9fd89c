import { toQuantity } from "ethers";
import type { Provider } from "ethers";
import type { RawLog } from "../chain/events";

/**
 * What the audit reads from a node, and nothing else: logs of the audited contracts, the input of funding
 * transactions, block times, and (in views.ts) the contracts' own views. Requests run a bounded number at a time;
 * against a JSON-RPC endpoint ethers batches those issued together.
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
export async function fetchLogs(rpc: RpcSender, addresses: readonly string[], fromBlock: number, toBlock: number, progress?: Progress): Promise<RawLog[]> {
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
export async function fetchTransactionInputs(provider: Provider, hashes: readonly string[], progress?: Progress): Promise<Map<string, string>> {
  const inputs = new Map<string, string>();
  let done = 0;
  await mapLimit(hashes, 32, async (hash) => {
    const transaction = await provider.getTransaction(hash);
    if (transaction !== null) inputs.set(hash.toLowerCase(), transaction.data);
    done += 1;
    progress?.(done, hashes.length);
  });
  return inputs;
}

/** The timestamp of each block. */
export async function fetchBlockTimes(provider: Provider, blocks: Iterable<number>, progress?: Progress): Promise<Map<number, bigint>> {
  const wanted = [...new Set(blocks)].sort((a, b) => a - b);
  const times = new Map<number, bigint>();
  let done = 0;
  await mapLimit(wanted, 32, async (block) => {
    const header = await provider.getBlock(block);
    if (header === null) throw new Error(`the node has no block ${block}`);
    times.set(block, BigInt(header.timestamp));
    done += 1;
    progress?.(done, wanted.length);
  });
  return times;
}
