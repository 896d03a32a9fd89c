/**
 * Sending many transactions from several accounts without waiting for each, and seeing when they land. Used by
 * the fault tests (test/network/) and the network benchmark, against any JSON-RPC endpoint: geth over HTTP or
 * Hardhat's in-process network.
 *
 * Each account signs locally and numbers its own transactions (nonces), so dozens can be in flight at once. A
 * transaction the node did not accept is reported as not sent, with the reason; since a failed call may still have
 * reached the node, the account then asks the node for its next nonce before sending again.
 *
 * Signing goes through the signature module (src/chain/signatures.ts, libsecp256k1), and an account can sign a
 * run of identical transactions ahead (`presign`), so that a benchmark measures the network and not its own
 * signing; `generatorSigning` keeps the time every sender of the process spent signing, to print beside the
 * confirmed rate.
 */
import { concat, encodeRlp, keccak256 } from "ethers";
import type { Wallet } from "ethers";
import { signDigest } from "../chain/signatures";

/** A JSON-RPC call, whatever carries it. */
export type RpcCall = (method: string, params: unknown[]) => Promise<unknown>;

/** Several JSON-RPC calls in one request (a JSON-RPC batch); each answer is a result or an error message. */
export type RpcBatch = (calls: ReadonlyArray<{ method: string; params: unknown[] }>) => Promise<Array<{ result: unknown } | { error: string }>>;

interface JsonRpcAnswer {
  id: number;
  result?: unknown;
  error?: { message: string };
}

const REQUEST_TIMEOUT_MS = 30_000;

/** JSON-RPC over HTTP to `url` (a geth node's), single calls and batches, on kept-alive connections. */
export function httpRpc(url: string): { call: RpcCall; batch: RpcBatch } {
  let nextId = 0;
  const post = async (body: unknown): Promise<unknown> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
    return response.json();
  };
  const batch: RpcBatch = async (calls) => {
    if (calls.length === 0) return [];
    const first = nextId;
    nextId += calls.length;
    const answers = (await post(
      calls.map(({ method, params }, index) => ({ jsonrpc: "2.0", id: first + index, method, params })),
    )) as JsonRpcAnswer[];
    if (!Array.isArray(answers)) throw new Error(`${url} did not answer a batch with an array`);
    const byId = new Map(answers.map((answer) => [answer.id, answer]));
    return calls.map((_, index) => {
      const answer = byId.get(first + index);
      if (answer === undefined) return { error: "no answer in the batch" };
      return answer.error !== undefined ? { error: answer.error.message } : { result: answer.result };
    });
  };
  const call: RpcCall = async (method, params) => {
    const [answer] = await batch([{ method, params }]);
    if ("error" in answer) throw new Error(`${method}: ${answer.error}`);
    return answer.result;
  };
  return { call, batch };
}

export interface TransactionRequest {
  to: string;
  data?: string;
  value?: bigint;
  gasLimit: bigint;
}

export interface FeeSettings {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** Generous on a private chain whose base fee falls to a few wei when blocks are empty. */
export const PRIVATE_CHAIN_FEES: FeeSettings = { maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };

/** Transactions signed by every sender of this process, and the milliseconds spent signing them. */
export const generatorSigning = { signed: 0, milliseconds: 0 };

/** Signatures per second the senders of this process managed (building, signing, serialising); 0 before any. */
export function generatorSigningRate(): number {
  return generatorSigning.milliseconds > 0 ? (generatorSigning.signed * 1000) / generatorSigning.milliseconds : 0;
}

type SignedFields = TransactionRequest & FeeSettings & { chainId: bigint; nonce: number };

/** A whole number as RLP wants it: big-endian, no leading zero bytes, zero as no bytes. */
function rlpNumber(value: bigint | number): string {
  if (value === 0 || value === 0n) return "0x";
  const hex = value.toString(16);
  return `0x${hex.length % 2 === 0 ? hex : `0${hex}`}`;
}

/**
 * A type-2 transaction signed through the signature module: the same bytes as ethers' `Wallet.signTransaction`
 * (EIP-1559: 0x02 ‖ rlp([chainId, nonce, tip, fee cap, gas, to, value, data, access list, yParity, r, s])), encoded
 * directly rather than through ethers' Transaction class, which spends most of the time checking what we built.
 */
export function signTransactionFast(privateKey: string, fields: SignedFields): string {
  const started = performance.now();
  const unsigned = [
    rlpNumber(fields.chainId),
    rlpNumber(fields.nonce),
    rlpNumber(fields.maxPriorityFeePerGas),
    rlpNumber(fields.maxFeePerGas),
    rlpNumber(fields.gasLimit),
    fields.to.toLowerCase(),
    rlpNumber(fields.value ?? 0n),
    fields.data ?? "0x",
    [],
  ];
  const signature = signDigest(privateKey, keccak256(concat(["0x02", encodeRlp(unsigned)])));
  const r = BigInt(`0x${signature.slice(2, 66)}`);
  const sValue = BigInt(`0x${signature.slice(66, 130)}`);
  const yParity = Number.parseInt(signature.slice(130, 132), 16) - 27;
  const raw = concat(["0x02", encodeRlp([...unsigned, rlpNumber(yParity), rlpNumber(r), rlpNumber(sValue)])]);
  generatorSigning.signed += 1;
  generatorSigning.milliseconds += performance.now() - started;
  return raw;
}

function sameRequest(a: TransactionRequest, b: TransactionRequest): boolean {
  return a.to === b.to && (a.data ?? "0x") === (b.data ?? "0x") && (a.value ?? 0n) === (b.value ?? 0n) && a.gasLimit === b.gasLimit;
}

export type SendOutcome =
  { kind: "sent"; hash: string; from: string; nonce: number; sentAt: number } | { kind: "not-sent"; from: string; nonce: number; reason: string };

export class AccountSender {
  private nextNonce: number | undefined;
  /** Sends leave in nonce order, one at a time per account: a node may refuse a nonce that runs ahead. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Transactions signed ahead, for consecutive nonces from the next one. */
  private presigned: Array<{ nonce: number; request: TransactionRequest; raw: string }> = [];

  constructor(
    private readonly wallet: Wallet,
    private readonly rpc: RpcCall,
    private readonly chainId: bigint,
    private readonly fees: FeeSettings = PRIVATE_CHAIN_FEES,
  ) {}

  get address(): string {
    return this.wallet.address;
  }

  /** Signs and sends after every earlier `send` of this account; never rejects (a failure is an outcome). */
  send(request: TransactionRequest): Promise<SendOutcome> {
    const outcome = this.queue.then(() => this.sendNow(request));
    this.queue = outcome;
    return outcome;
  }

  /** Signs `count` copies of `request` ahead, for the next nonces (after every earlier `send` and `presign`). */
  presign(request: TransactionRequest, count: number): Promise<void> {
    const done = this.queue.then(async () => {
      if (this.nextNonce === undefined) this.nextNonce = await this.pendingNonce();
      const first = this.nextNonce + this.presigned.length;
      for (let offset = 0; offset < count; offset += 1) {
        const nonce = first + offset;
        this.presigned.push({ nonce, request, raw: this.sign(request, nonce) });
      }
    });
    this.queue = done.catch(() => undefined);
    return done;
  }

  /**
   * Sends the next `count` transactions of `request` in one JSON-RPC batch (after every earlier `send`), the ones
   * signed ahead first. Never rejects; after any failure the account asks the node for its next nonce again.
   */
  sendBatch(request: TransactionRequest, count: number, batch: RpcBatch): Promise<SendOutcome[]> {
    const outcomes = this.queue.then(() => this.sendBatchNow(request, count, batch));
    this.queue = outcomes;
    return outcomes;
  }

  /** Transactions still signed ahead. */
  get presignedCount(): number {
    return this.presigned.length;
  }

  private async pendingNonce(): Promise<number> {
    return Number(BigInt((await this.rpc("eth_getTransactionCount", [this.wallet.address, "pending"])) as string));
  }

  private sign(request: TransactionRequest, nonce: number): string {
    return signTransactionFast(this.wallet.privateKey, { ...request, ...this.fees, chainId: this.chainId, nonce });
  }

  /** The signed transaction for `nonce`: the one signed ahead when it matches, else signed now. */
  private rawFor(request: TransactionRequest, nonce: number): string {
    const ahead = this.presigned[0];
    if (ahead !== undefined && ahead.nonce === nonce && sameRequest(ahead.request, request)) {
      this.presigned.shift();
      return ahead.raw;
    }
    // Another request (or nonce) than the ones signed ahead: those can no longer be sent in order.
    this.presigned = [];
    return this.sign(request, nonce);
  }

  private async sendBatchNow(request: TransactionRequest, count: number, batch: RpcBatch): Promise<SendOutcome[]> {
    const from = this.wallet.address;
    let first = this.nextNonce ?? -1;
    try {
      if (this.nextNonce === undefined) this.nextNonce = await this.pendingNonce();
      first = this.nextNonce;
      const raws = Array.from({ length: count }, (_, offset) => this.rawFor(request, first + offset));
      const sentAt = performance.now();
      const answers = await batch(raws.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })));
      const outcomes = answers.map((answer, offset): SendOutcome => {
        const nonce = first + offset;
        return "error" in answer
          ? { kind: "not-sent", from, nonce, reason: answer.error }
          : { kind: "sent", hash: answer.result as string, from, nonce, sentAt };
      });
      if (outcomes.every((outcome) => outcome.kind === "sent")) {
        this.nextNonce = first + count;
      } else {
        this.nextNonce = undefined;
        this.presigned = [];
      }
      return outcomes;
    } catch (error) {
      this.nextNonce = undefined;
      this.presigned = [];
      const reason = error instanceof Error ? error.message : String(error);
      return Array.from({ length: count }, (_, offset): SendOutcome => ({ kind: "not-sent", from, nonce: first + offset, reason }));
    }
  }

  private async sendNow(request: TransactionRequest): Promise<SendOutcome> {
    let nonce = this.nextNonce ?? -1;
    try {
      if (this.nextNonce === undefined) this.nextNonce = await this.pendingNonce();
      nonce = this.nextNonce;
      const raw = this.rawFor(request, nonce);
      const sentAt = performance.now();
      const hash = (await this.rpc("eth_sendRawTransaction", [raw])) as string;
      this.nextNonce = nonce + 1;
      return { kind: "sent", hash, from: this.wallet.address, nonce, sentAt };
    } catch (error) {
      // Ask the node again before the next transaction: this one may or may not have reached it.
      this.nextNonce = undefined;
      this.presigned = [];
      return { kind: "not-sent", from: this.wallet.address, nonce, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

interface BlockWithHashes {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  gasUsed: string;
  gasLimit: string;
  transactions: string[];
}

/** What a block of the chain the watcher followed held. */
export interface BlockFill {
  number: number;
  /** Seconds, from the header. */
  timestamp: number;
  transactions: number;
  /** Transactions among them that the watcher was watching. */
  watched: number;
  gasUsed: bigint;
  gasLimit: bigint;
}

/**
 * Follows new blocks and notes when each watched transaction first appears in one. Clique can replace the newest
 * blocks (two validators seal the same height); when a block's parent is not the block the watcher saw at that
 * height, it steps back and reads the replacing blocks too, so a transaction that only the replacement holds is
 * still seen. Inclusion is what a sender observes; callers that need the final word read receipts.
 */
export class InclusionWatcher {
  private readonly includedAt = new Map<string, number>();
  private readonly watched = new Set<string>();
  private readonly hashAt = new Map<number, string>();
  private readonly fillAt = new Map<number, BlockFill>();
  private nextBlock = 0;
  private replacedBlocks = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly rpc: RpcCall,
    private readonly pollMs = 25,
  ) {}

  watch(hash: string): void {
    this.watched.add(hash.toLowerCase());
  }

  /** performance.now() when `hash` was first seen in a block, if it has been. */
  inclusionTime(hash: string): number | undefined {
    return this.includedAt.get(hash.toLowerCase());
  }

  get includedCount(): number {
    return this.includedAt.size;
  }

  /** Blocks the watcher saw that the chain later replaced. */
  get reorgedBlocks(): number {
    return this.replacedBlocks;
  }

  /** The blocks read since `start`, on the chain as last seen (a replaced block's fill is overwritten), in order. */
  get blocks(): BlockFill[] {
    return [...this.fillAt.values()].sort((a, b) => a.number - b.number);
  }

  async start(): Promise<void> {
    this.nextBlock = Number(BigInt((await this.rpc("eth_blockNumber", [])) as string)) + 1;
    this.running = true;
    this.loop = this.follow();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async follow(): Promise<void> {
    while (this.running) {
      try {
        const head = Number(BigInt((await this.rpc("eth_blockNumber", [])) as string));
        while (this.nextBlock <= head) {
          const number = this.nextBlock;
          const block = (await this.rpc("eth_getBlockByNumber", [`0x${number.toString(16)}`, false])) as BlockWithHashes | null;
          if (block === null) break;
          const parentSeen = this.hashAt.get(number - 1);
          if (parentSeen !== undefined && parentSeen !== block.parentHash) {
            // The block we saw at number - 1 was replaced: read the chain again from there.
            this.hashAt.delete(number - 1);
            this.replacedBlocks += 1;
            this.nextBlock = number - 1;
            continue;
          }
          const seenAt = performance.now();
          let watched = 0;
          for (const hash of block.transactions) {
            const key = hash.toLowerCase();
            if (!this.watched.has(key)) continue;
            watched += 1;
            if (!this.includedAt.has(key)) this.includedAt.set(key, seenAt);
          }
          this.fillAt.set(number, {
            number,
            timestamp: Number(BigInt(block.timestamp)),
            transactions: block.transactions.length,
            watched,
            gasUsed: BigInt(block.gasUsed),
            gasLimit: BigInt(block.gasLimit),
          });
          this.hashAt.set(number, block.hash);
          this.hashAt.delete(number - 64);
          this.nextBlock = number + 1;
        }
      } catch {
        // The node is busy or restarting: try again on the next round.
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }
}

/** The value at `fraction` (0 … 1) of the sorted `values`, nearest-rank. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1];
}
