import type { RawLog } from "./events";
import { isAscii } from "node:buffer";
import { HttpFailure, createHttpClient } from "./http";
import type { HttpAnswer, HttpPoster } from "./http";

/**
 * JSON-RPC access for the indexer and the audit: a transport (HTTP to one node or several with failover, batching
 * calls where the node allows, or an EIP-1193 provider such as Hardhat's in-process network), an error taxonomy
 * (retryable or fatal; "range too large" as its own case), retries with backoff, and the calls the indexer makes,
 * with their answers checked.
 */

/** One call of a JSON-RPC batch. */
export interface RpcCall {
  method: string;
  params: readonly unknown[];
}

/** The answer to one call of a batch: its result, or its own error, classified as a single call's would be. */
export type RpcOutcome = { ok: true; result: unknown } | { ok: false; error: RpcError };

export interface RpcTransport {
  request(method: string, params: readonly unknown[]): Promise<unknown>;
  /**
   * Sends `calls` in one round trip (a JSON-RPC 2.0 batch) and gives their outcomes in the order of `calls`.
   * Absent where one request per call costs no more (an in-process provider). Throws an RpcError when the batch
   * as a whole fails, a BatchRefusedError when the node does not take batches at all.
   */
  readonly batch?: (calls: readonly RpcCall[]) => Promise<RpcOutcome[]>;
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
    /** The node's `error.data` (a revert's return data, for one). */
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** The node does not take JSON-RPC batches (it answered one with a single object or an HTTP 4xx); ask call by call. */
export class BatchRefusedError extends RpcError {
  constructor(message: string) {
    super(message, "fatal");
  }
}

const REVERT_HINTS = /execution reverted|VM Exception|invalid opcode/i;
const RANGE_HINTS = /range|too many|more than|limit exceeded|response size|query timeout|exceed/i;

/** Sorts a node's JSON-RPC error into the taxonomy. */
export function classifyRpcError(code: number | undefined, message: string): RpcErrorKind {
  // A call that reverts (an audit's view read) reverts again: its answer, not a failure to ask again.
  if (code === 3 || REVERT_HINTS.test(message)) return "fatal";
  if (code === -32005 || RANGE_HINTS.test(message)) return "rangeTooLarge";
  // Invalid request, unknown method, invalid params: asking again will not help.
  if (code === -32600 || code === -32601 || code === -32602) return "fatal";
  return "retryable";
}

/** An error object without a message, as JSON where it has that form. */
function objectText(value: object): string {
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function errorFields(error: unknown): { code?: number; message: string; data?: unknown } {
  if (typeof error === "object" && error !== null) {
    const code = "code" in error && typeof error.code === "number" ? error.code : undefined;
    const message = "message" in error && typeof error.message === "string" ? error.message : objectText(error);
    return { code, message, data: "data" in error ? error.data : undefined };
  }
  return { message: String(error) };
}

/** A JSON-RPC answer object's result, or its error classified. */
function outcomeOf(answer: object, method: string): RpcOutcome {
  if ("error" in answer && answer.error !== undefined && answer.error !== null) {
    const { code, message, data } = errorFields(answer.error);
    return { ok: false, error: new RpcError(`${method}: ${message}`, classifyRpcError(code, message), code, data) };
  }
  return { ok: true, result: "result" in answer ? answer.result : undefined };
}

function httpFailureKind(status: number): RpcErrorKind {
  return status === 413 ? "rangeTooLarge" : status === 429 || status >= 500 ? "retryable" : "fatal";
}

/** Answers larger than this are refused as a range too large (V8's longest string is about 512 MB). */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

export interface HttpTransportOptions {
  /** Each request's time limit; 30 s by default. */
  timeoutMs?: number;
}

/** One endpoint's URL (with any credentials in it hidden) and its client. */
interface Endpoint {
  url: string;
  client: HttpPoster;
}

/** A URL as it may appear in messages: without user name and password. */
function shownUrl(url: string, target: URL): string {
  if (target.username === "" && target.password === "") return url;
  const shown = new URL(target.href);
  shown.username = "";
  shown.password = "";
  return shown.href;
}

/**
 * JSON-RPC over HTTP to one node or several. With several, requests go to one endpoint (the first at the start);
 * when it cannot be reached, drops the connection, times out or answers HTTP 5xx/429, the same request goes to the
 * next one at once, and the endpoint that answered serves the following requests. Only when every endpoint has
 * failed does the request fail (retryable), with each endpoint's reason in the message.
 */
export function httpTransport(urls: string | readonly string[], options: HttpTransportOptions = {}): RpcTransport {
  let nextId = 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const list = typeof urls === "string" ? [urls] : [...urls];
  if (list.length === 0) throw new Error("httpTransport needs at least one URL");
  const endpoints: Endpoint[] = list.map((url) => {
    const target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`${url} is not an http(s) URL`);
    // A few kept-alive connections (the backfill keeps a few requests in flight), not a new one per call.
    const clientOptions = { maxSockets: 8, maxBodyBytes: MAX_ANSWER_BYTES };
    return { url: shownUrl(url, target), client: createHttpClient(target, clientOptions) };
  });
  /** The endpoint that answered last: where the next request goes first. */
  let current = 0;
  const headers = { "Content-Type": "application/json" };

  /**
   * POSTs `payload` as JSON and reads the whole answer as text, failing over between the endpoints; `url` is the
   * endpoint that answered.
   */
  async function post(payload: unknown, what: string): Promise<{ status: number; text: string; url: string }> {
    const body = JSON.stringify(payload);
    const failures: string[] = [];
    const first = current;
    for (let tried = 0; tried < endpoints.length; tried += 1) {
      const index = (first + tried) % endpoints.length;
      const endpoint = endpoints[index];
      let answer: HttpAnswer;
      try {
        answer = await endpoint.client.post(body, headers, timeoutMs);
      } catch (error) {
        // Too large: ask for less (another node would answer the same).
        if (error instanceof HttpFailure && error.tooLarge) throw new RpcError(`${what}: ${endpoint.url}: ${error.message}`, "rangeTooLarge");
        // Refused, dropped, silent or garbled: the next endpoint, or another try later.
        failures.push(`${endpoint.url}: ${errorFields(error).message}`);
        continue;
      }
      if ((answer.status >= 500 || answer.status === 429) && tried < endpoints.length - 1) {
        failures.push(`${endpoint.url}: HTTP ${answer.status}`);
        continue;
      }
      current = index;
      // Node answers are ASCII as a rule: read as Latin-1 (a plain copy) once checked, else decoded as UTF-8.
      return { status: answer.status, text: answer.body.toString(isAscii(answer.body) ? "latin1" : "utf8"), url: endpoint.url };
    }
    const reasons = endpoints.length === 1 ? failures[0] : `all ${endpoints.length} endpoints failed (${failures.join("; ")})`;
    throw new RpcError(`${what}: ${reasons}`, "retryable");
  }

  function readJson(text: string, what: string, url: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new RpcError(`${what}: unreadable answer from ${url}: ${errorFields(error).message}`, "retryable");
    }
  }

  const okStatus = (status: number): boolean => status >= 200 && status < 300;

  return {
    async request(method, params) {
      const response = await post({ jsonrpc: "2.0", id: nextId++, method, params }, method);
      if (!okStatus(response.status)) throw new RpcError(`${method}: HTTP ${response.status} from ${response.url}`, httpFailureKind(response.status));
      const body = readJson(response.text, method, response.url);
      if (typeof body !== "object" || body === null) throw new RpcError(`${method}: answer is not a JSON-RPC object`, "retryable");
      const outcome = outcomeOf(body, method);
      if (!outcome.ok) throw outcome.error;
      return outcome.result;
    },

    async batch(calls) {
      if (calls.length === 0) return [];
      const what = `a batch of ${calls.length} calls (${[...new Set(calls.map((call) => call.method))].join(", ")})`;
      const ids = calls.map(() => nextId++);
      const response = await post(
        calls.map((call, index) => ({ jsonrpc: "2.0", id: ids[index], method: call.method, params: call.params })),
        what,
      );
      if (!okStatus(response.status)) {
        // A 4xx other than "too many requests" is the node (or a proxy before it) refusing the batch as such.
        if (response.status >= 400 && response.status < 500 && response.status !== 429)
          throw new BatchRefusedError(`${what}: HTTP ${response.status} from ${response.url}`);
        throw new RpcError(`${what}: HTTP ${response.status} from ${response.url}`, httpFailureKind(response.status));
      }
      const body = readJson(response.text, what, response.url);
      if (!Array.isArray(body))
        throw new BatchRefusedError(`${what}: ${response.url} answered with ${JSON.stringify(body)?.slice(0, 200)}, not an array`);
      // Answers may come in any order; the id says which call each one answers.
      const answers = new Map<number, object>();
      for (const answer of body as unknown[]) {
        if (typeof answer === "object" && answer !== null && "id" in answer && typeof answer.id === "number") answers.set(answer.id, answer);
      }
      if (!ids.some((id) => answers.has(id))) throw new BatchRefusedError(`${what}: ${response.url} answered none of the calls by its id`);
      return calls.map((call, index): RpcOutcome => {
        const answer = answers.get(ids[index]);
        if (answer === undefined)
          return { ok: false, error: new RpcError(`${call.method}: no answer in the batch for call id ${ids[index]}`, "retryable") };
        return outcomeOf(answer, call.method);
      });
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
  // Number() reads 0x-prefixed hex and gives NaN for anything else after the prefix (three per log: no regex).
  const number = typeof value === "string" && value.startsWith("0x") && value.length > 2 && value.trim() === value ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number)) throw new RpcError(`node answered ${field} = ${String(value)}, not a hex quantity`, "retryable");
  return number;
}

function hexString(value: unknown, field: string): string {
  if (typeof value !== "string" || !value.startsWith("0x"))
    throw new RpcError(`node answered ${field} = ${String(value)}, not hex data`, "retryable");
  return value.toLowerCase();
}

function field(record: object, name: string): unknown {
  return (record as Record<string, unknown>)[name];
}

/**
 * Checks a log of an eth_getLogs answer and turns its quantities into numbers and its hex into lower case, in the
 * answer's own object (a backfill reads tens of thousands: no copy of each). Other fields the node adds stay.
 */
function parseLog(value: unknown): RawLog & { removed?: unknown } {
  if (typeof value !== "object" || value === null) throw new RpcError("eth_getLogs returned a non-object log", "retryable");
  const log = value as Record<string, unknown>;
  const topics: unknown = log.topics;
  if (!Array.isArray(topics)) throw new RpcError("eth_getLogs returned a log without topics", "retryable");
  for (let index = 0; index < topics.length; index += 1) topics[index] = hexString(topics[index], "log.topic");
  log.address = hexString(log.address, "log.address");
  log.data = hexString(log.data, "log.data");
  log.blockNumber = quantity(log.blockNumber, "log.blockNumber");
  log.blockHash = hexString(log.blockHash, "log.blockHash");
  log.transactionHash = hexString(log.transactionHash, "log.transactionHash");
  log.transactionIndex = quantity(log.transactionIndex, "log.transactionIndex");
  log.logIndex = quantity(log.logIndex, "log.logIndex");
  return log as unknown as RawLog & { removed?: unknown };
}

/** A block's number, hash and time: where an index stands. */
export interface BlockRef {
  number: number;
  hash: string;
  /** Unix seconds. */
  timestamp: number;
}

export interface BlockHeader extends BlockRef {
  parentHash: string;
}

/** A header answer checked field by field; null when the node has no such block. */
function parseHeader(answer: unknown, block: number): BlockHeader | null {
  if (answer === null || answer === undefined) return null;
  if (typeof answer !== "object") throw new RpcError("eth_getBlockByNumber returned a non-object", "retryable");
  const header = {
    number: quantity(field(answer, "number"), "block.number"),
    hash: hexString(field(answer, "hash"), "block.hash"),
    parentHash: hexString(field(answer, "parentHash"), "block.parentHash"),
    timestamp: quantity(field(answer, "timestamp"), "block.timestamp"),
  };
  if (header.number !== block) throw new RpcError(`asked for block ${block}, the node answered block.number = ${header.number}`, "retryable");
  return header;
}

/** Headers asked for in one batch; nodes commonly cap a batch at 100 to 1,000 calls. */
const MAX_BATCH_CALLS = 100;

/** The calls the indexer makes, over any transport, each retried per the policy. */
export interface ChainClient {
  chainId(): Promise<bigint>;
  headNumber(): Promise<number>;
  /** null if the node has no block with that number (yet, or any more after a reorg). */
  header(block: number): Promise<BlockHeader | null>;
  /**
   * The headers of blocks from..to in order, null for a block the node does not have: in batches of up to 100 calls
   * when the transport takes batches, else one call per block, in parallel.
   */
  headers(from: number, to: number): Promise<Array<BlockHeader | null>>;
  /** Logs of `addresses` in blocks from..to, in chain order. */
  logs(from: number, to: number, addresses: readonly string[]): Promise<RawLog[]>;
}

const blockTag = (block: number): string => `0x${block.toString(16)}`;

export function createChainClient(
  transport: RpcTransport,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (error: RpcError, attempt: number) => void,
): ChainClient {
  const call = (method: string, params: readonly unknown[]): Promise<unknown> => withRetry(() => transport.request(method, params), policy, onRetry);
  // Cleared for good the first time the node refuses a batch.
  let batching = transport.batch !== undefined;

  async function header(block: number): Promise<BlockHeader | null> {
    return parseHeader(await call("eth_getBlockByNumber", [blockTag(block), false]), block);
  }

  async function batchedHeaders(numbers: readonly number[], batch: NonNullable<RpcTransport["batch"]>): Promise<Array<BlockHeader | null>> {
    // Any retryable failure, of the batch or of one call in it, asks for the whole batch again: it costs one round trip.
    return withRetry(
      async () => {
        const outcomes = await batch(numbers.map((block) => ({ method: "eth_getBlockByNumber", params: [blockTag(block), false] })));
        return outcomes.map((outcome, index) => {
          if (!outcome.ok) throw outcome.error;
          return parseHeader(outcome.result, numbers[index]);
        });
      },
      policy,
      onRetry,
    );
  }

  async function headerRun(from: number, to: number): Promise<Array<BlockHeader | null>> {
    const numbers = Array.from({ length: to - from + 1 }, (_, index) => from + index);
    if (batching && transport.batch !== undefined) {
      try {
        return await batchedHeaders(numbers, transport.batch.bind(transport));
      } catch (error) {
        if (!(error instanceof BatchRefusedError)) throw error;
        batching = false;
      }
    }
    return Promise.all(numbers.map(header));
  }

  return {
    async chainId() {
      return BigInt(quantity(await call("eth_chainId", []), "chainId"));
    },
    async headNumber() {
      return quantity(await call("eth_blockNumber", []), "blockNumber");
    },
    header,
    async headers(from, to) {
      const headers: Array<BlockHeader | null> = [];
      for (let start = from; start <= to; start += MAX_BATCH_CALLS) {
        for (const found of await headerRun(start, Math.min(to, start + MAX_BATCH_CALLS - 1))) headers.push(found);
      }
      return headers;
    },
    async logs(from, to, addresses) {
      const answer = await call("eth_getLogs", [{ fromBlock: blockTag(from), toBlock: blockTag(to), address: addresses }]);
      if (!Array.isArray(answer)) throw new RpcError("eth_getLogs returned a non-array", "retryable");
      const logs: RawLog[] = [];
      for (const item of answer) {
        const log = parseLog(item);
        if (log.removed === true) throw new RpcError("eth_getLogs returned removed logs: the chain is reorganising", "retryable");
        logs.push(log);
      }
      return logs;
    },
  };
}
