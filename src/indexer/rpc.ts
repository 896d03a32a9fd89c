import type { RawLog } from "../chain/events";
import type { BlockRef } from "./schema";

/**
 * JSON-RPC access for the indexer: a transport (HTTP to any node, or an EIP-1193 provider such as Hardhat's
 * in-process network), an error taxonomy (retryable or fatal; "range too large" as its own case) and the four
 * calls the indexer makes, with their answers checked.
 */

export interface RpcTransport {
  request(method: string, params: readonly unknown[]): Promise<unknown>;
}

/** An EIP-1193 provider (Hardhat's `network.provider`, a browser wallet). */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
}

export type RpcErrorKind = "retryable" | "rangeTooLarge" | "fatal";

export class RpcError extends Error {
  readonly name = "RpcError";
  constructor(
    message: string,
    readonly kind: RpcErrorKind,
    readonly code?: number,
  ) {
    super(message);
  }
}

const RANGE_HINTS = /range|too many|more than|limit exceeded|response size|query timeout|exceed/i;

/** Sorts a node's JSON-RPC error into the taxonomy. */
export function classifyRpcError(code: number | undefined, message: string): RpcErrorKind {
  if (code === -32005 || RANGE_HINTS.test(message)) return "rangeTooLarge";
  // Invalid request, unknown method, invalid params: asking again will not help.
  if (code === -32600 || code === -32601 || code === -32602) return "fatal";
  return "retryable";
}

function errorFields(error: unknown): { code?: number; message: string } {
  if (typeof error === "object" && error !== null) {
    const code = "code" in error && typeof error.code === "number" ? error.code : undefined;
    const message = "message" in error && typeof error.message === "string" ? error.message : String(error);
    return { code, message };
  }
  return { message: String(error) };
}

export function httpTransport(url: string, timeoutMs = 30_000): RpcTransport {
  let nextId = 1;
  return {
    async request(method, params) {
      const id = nextId++;
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new RpcError(`${method}: cannot reach ${url}: ${errorFields(error).message}`, "retryable");
      }
      if (!response.ok) {
        const kind: RpcErrorKind = response.status === 413 ? "rangeTooLarge" : response.status === 429 || response.status >= 500 ? "retryable" : "fatal";
        throw new RpcError(`${method}: HTTP ${response.status} from ${url}`, kind);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch (error) {
        throw new RpcError(`${method}: unreadable answer from ${url}: ${errorFields(error).message}`, "retryable");
      }
      if (typeof body !== "object" || body === null) throw new RpcError(`${method}: answer is not a JSON-RPC object`, "retryable");
      if ("error" in body && body.error !== undefined && body.error !== null) {
        const { code, message } = errorFields(body.error);
        throw new RpcError(`${method}: ${message}`, classifyRpcError(code, message), code);
      }
      return "result" in body ? body.result : undefined;
    },
  };
}

export function providerTransport(provider: Eip1193Provider): RpcTransport {
  return {
    async request(method, params) {
      try {
        return await provider.request({ method, params: [...params] });
      } catch (error) {
        const { code, message } = errorFields(error);
        throw new RpcError(`${method}: ${message}`, classifyRpcError(code, message), code);
      }
    },
  };
}

export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 8, baseDelayMs: 200, maxDelayMs: 10_000 };

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Retries a retryable failure with exponential backoff and jitter; anything else is thrown at once. */
export async function withRetry<T>(what: () => Promise<T>, policy: RetryPolicy, onRetry?: (error: RpcError, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await what();
    } catch (error) {
      if (!(error instanceof RpcError) || error.kind !== "retryable" || attempt > policy.retries) throw error;
      onRetry?.(error, attempt);
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}

function quantity(value: unknown, field: string): number {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]+$/.test(value)) throw new RpcError(`node answered ${field} = ${String(value)}, not a hex quantity`, "retryable");
  return Number.parseInt(value, 16);
}

function hexString(value: unknown, field: string): string {
  if (typeof value !== "string" || !value.startsWith("0x")) throw new RpcError(`node answered ${field} = ${String(value)}, not hex data`, "retryable");
  return value.toLowerCase();
}

function field(record: object, name: string): unknown {
  return (record as Record<string, unknown>)[name];
}

function parseLog(value: unknown): RawLog & { removed: boolean } {
  if (typeof value !== "object" || value === null) throw new RpcError("eth_getLogs returned a non-object log", "retryable");
  const topics = field(value, "topics");
  if (!Array.isArray(topics)) throw new RpcError("eth_getLogs returned a log without topics", "retryable");
  return {
    address: hexString(field(value, "address"), "log.address"),
    topics: topics.map((topic) => hexString(topic, "log.topic")),
    data: hexString(field(value, "data"), "log.data"),
    blockNumber: quantity(field(value, "blockNumber"), "log.blockNumber"),
    blockHash: hexString(field(value, "blockHash"), "log.blockHash"),
    transactionHash: hexString(field(value, "transactionHash"), "log.transactionHash"),
    transactionIndex: quantity(field(value, "transactionIndex"), "log.transactionIndex"),
    logIndex: quantity(field(value, "logIndex"), "log.logIndex"),
    removed: field(value, "removed") === true,
  };
}

export interface BlockHeader extends BlockRef {
  parentHash: string;
}

/** The calls the indexer makes, over any transport, each retried per the policy. */
export interface ChainClient {
  chainId(): Promise<bigint>;
  headNumber(): Promise<number>;
  /** null if the node has no block with that number (yet, or any more after a reorg). */
  header(block: number): Promise<BlockHeader | null>;
  /** Logs of `addresses` in blocks from..to, in chain order. */
  logs(from: number, to: number, addresses: readonly string[]): Promise<RawLog[]>;
}

export function createChainClient(transport: RpcTransport, policy: RetryPolicy = DEFAULT_RETRY, onRetry?: (error: RpcError, attempt: number) => void): ChainClient {
  const call = (method: string, params: readonly unknown[]): Promise<unknown> => withRetry(() => transport.request(method, params), policy, onRetry);
  return {
    async chainId() {
      return BigInt(quantity(await call("eth_chainId", []), "chainId"));
    },
    async headNumber() {
      return quantity(await call("eth_blockNumber", []), "blockNumber");
    },
    async header(block) {
      const answer = await call("eth_getBlockByNumber", [`0x${block.toString(16)}`, false]);
      if (answer === null || answer === undefined) return null;
      if (typeof answer !== "object") throw new RpcError("eth_getBlockByNumber returned a non-object", "retryable");
      return {
        number: quantity(field(answer, "number"), "block.number"),
        hash: hexString(field(answer, "hash"), "block.hash"),
        parentHash: hexString(field(answer, "parentHash"), "block.parentHash"),
        timestamp: quantity(field(answer, "timestamp"), "block.timestamp"),
      };
    },
    async logs(from, to, addresses) {
      const answer = await call("eth_getLogs", [{ fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}`, address: addresses }]);
      if (!Array.isArray(answer)) throw new RpcError("eth_getLogs returned a non-array", "retryable");
      const logs = answer.map(parseLog);
      if (logs.some((log) => log.removed)) throw new RpcError("eth_getLogs returned removed logs: the chain is reorganising", "retryable");
      return logs;
    },
  };
}
