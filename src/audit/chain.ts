import type { Log, Provider } from "ethers";

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

const FIRST_RANGE = 5_000;
const MAX_RANGE = 100_000;

/**
 * Every log of `addresses` from `fromBlock` to `toBlock`, in chain order. The block range of each request adapts:
 * halved when the node refuses a range (too many results), doubled while answers stay small.
 */
export async function fetchLogs(provider: Provider, addresses: readonly string[], fromBlock: number, toBlock: number, progress?: Progress): Promise<Log[]> {
  const logs: Log[] = [];
  let range = FIRST_RANGE;
  let start = fromBlock;
  const total = toBlock - fromBlock + 1;
  while (start <= toBlock) {
    const end = Math.min(toBlock, start + range - 1);
    let chunk: Log[];
    try {
      chunk = await provider.getLogs({ address: [...addresses], fromBlock: start, toBlock: end });
    } catch (error) {
      if (range === 1) throw error;
      range = Math.max(1, Math.floor(range / 2));
      continue;
    }
    for (const log of chunk) logs.push(log);
    start = end + 1;
    if (chunk.length < 5_000) range = Math.min(MAX_RANGE, range * 2);
    progress?.(start - fromBlock, total);
  }
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
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
