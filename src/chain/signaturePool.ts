import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { recoverSigner, recoverable, signatureBackendName } from "./signatures";
import type { SignatureBackendName } from "./signatures";

/**
 * Signature recovery off the calling thread: a pool of worker threads, one per core, that recovers the signers of
 * batches of (digest, signature) pairs with the same implementation the signatures module uses (libsecp256k1's
 * binding, or the @noble/curves fallback). A batch too small to pay for the hop to a thread and back is recovered
 * inline; so is every batch while the threads are starting (they start on the first large batch, or on `start()`)
 * and after `close()`. The answers are those of `recoverSigner` (signatures.ts), pair for pair: the calling thread
 * applies OpenZeppelin's up-front checks (`recoverable`) and the threads do only the curve arithmetic and the hash.
 *
 * The threads run plain JavaScript that loads only the binding (or @noble/curves) and @noble/hashes' keccak — no
 * TypeScript loader and no ethers, which would take a second or more to load in every thread.
 */

/** One recovery: a 32-byte digest and a 65-byte r‖s‖v signature, both 0x-hex. */
export type SignaturePair = readonly [digest: string, signature: string];

/** What recovers many signers at once: the pool, or {@link inlineRecovery}. Signers are lower case, null when refused. */
export interface SignatureRecovery {
  recoverSigners(pairs: readonly SignaturePair[]): Promise<Array<string | null>>;
}

/** Recovery on the calling thread. */
export const inlineRecovery: SignatureRecovery = {
  recoverSigners: (pairs) => Promise.resolve(pairs.map(([digest, signature]) => recoverSigner(digest, signature))),
};

/**
 * The smallest batch worth sending to the threads, per implementation: below it, the hop (posting the batch, a thread
 * waking, the answer coming back: ~0.1–0.3 ms on this machine) costs more latency than the recoveries the calling
 * thread saves. Measured by `npm run bench:api` on a quiet machine (src/api/README.md has the figures): one
 * libsecp256k1 recovery costs about what the hop costs (58 µs and 60 µs), and a batch pays from 16 signatures; the
 * JavaScript fallback takes ~1.3 ms for one, which would block the event loop that long, so every fallback recovery
 * goes to the pool.
 */
export const POOL_FROM: Readonly<Record<SignatureBackendName, number>> = { native: 16, js: 1 };

export interface SignaturePoolOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Batches of at least this many recoverable pairs go to the threads (default {@link POOL_FROM} for the implementation in use). */
  poolFrom?: number;
}

/** What the pool has done, for tests and metrics. */
export interface SignaturePoolStats {
  inlineBatches: number;
  inlineSignatures: number;
  pooledBatches: number;
  pooledSignatures: number;
  /** Threads alive now. */
  threads: number;
  closed: boolean;
}

// The thread: the curve arithmetic and the hash of recoverSigner (signatures.ts) for pairs already checked there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { keccak_256 } = require(workerData.keccak);
let recoverPublicKey;
if (workerData.backend === "native") {
  const binding = require(workerData.native);
  recoverPublicKey = (digest, compact, recoveryId) => binding.ecdsaRecover(compact, recoveryId, digest, false);
} else {
  const { secp256k1 } = require(workerData.noble);
  recoverPublicKey = (digest, compact, recoveryId) => secp256k1.Signature.fromCompact(compact).addRecoveryBit(recoveryId).recoverPublicKey(digest).toRawBytes(false);
}
function signerOf(digest, signature) {
  try {
    const bytes = Buffer.from(signature.slice(2), "hex");
    const publicKey = recoverPublicKey(Buffer.from(digest.slice(2), "hex"), bytes.subarray(0, 64), bytes[64] - 27);
    return "0x" + Buffer.from(keccak_256(publicKey.subarray(1))).toString("hex", 12);
  } catch {
    return null;
  }
}
parentPort.on("message", ({ id, pairs }) => {
  parentPort.postMessage({ id, signers: pairs.map((pair) => signerOf(pair[0], pair[1])) });
});
parentPort.postMessage({ ready: true });
`;

interface Task {
  pairs: SignaturePair[];
  resolve(signers: Array<string | null>): void;
}

interface Thread {
  worker: Worker;
  tasks: Map<number, Task>;
  /** Signatures sent and not yet answered. */
  load: number;
}

export class SignaturePool implements SignatureRecovery {
  private readonly size: number;
  private readonly poolFrom: number;
  private readonly backend: SignatureBackendName;
  private threads: Thread[] = [];
  private starting: Promise<void> | undefined;
  private ready = false;
  private closed = false;
  private nextTask = 0;
  private readonly counts = { inlineBatches: 0, inlineSignatures: 0, pooledBatches: 0, pooledSignatures: 0 };

  constructor(options: SignaturePoolOptions = {}) {
    this.backend = signatureBackendName();
    this.size = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    this.poolFrom = Math.max(1, options.poolFrom ?? POOL_FROM[this.backend]);
  }

  /** The implementation the threads use (the signature module's, when the pool was made). */
  get backendName(): SignatureBackendName {
    return this.backend;
  }

  /** The batch size from which the pool sends work to its threads. */
  get threshold(): number {
    return this.poolFrom;
  }

  stats(): SignaturePoolStats {
    return { ...this.counts, threads: this.threads.length, closed: this.closed };
  }

  /** Starts the threads (once) and resolves when every one is ready. Until then batches are recovered inline. */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.starting ??= this.spawn().catch((error: unknown) => {
      // A thread that does not start leaves the pool inline; the next large batch tries again.
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  async recoverSigners(pairs: readonly SignaturePair[]): Promise<Array<string | null>> {
    const results = new Array<string | null>(pairs.length).fill(null);
    const work: number[] = [];
    pairs.forEach(([digest, signature], index) => {
      if (recoverable(digest, signature)) work.push(index);
    });
    if (work.length < this.poolFrom || !this.ready || this.closed || this.threads.length === 0) {
      // A large batch while the threads are not up yet starts them for the next one.
      if (work.length >= this.poolFrom && !this.closed) this.start().catch(() => undefined);
      this.counts.inlineBatches += 1;
      this.counts.inlineSignatures += work.length;
      for (const index of work) results[index] = recoverSigner(pairs[index][0], pairs[index][1]);
      return results;
    }
    this.counts.pooledBatches += 1;
    this.counts.pooledSignatures += work.length;
    // One share per thread (least loaded first), so a batch is spread across the cores.
    const shares = Math.min(this.threads.length, Math.ceil(work.length / Math.max(1, Math.ceil(this.poolFrom / 2))));
    const per = Math.ceil(work.length / shares);
    const pending: Array<Promise<void>> = [];
    for (let start = 0; start < work.length; start += per) {
      const indices = work.slice(start, start + per);
      const batch = indices.map((index) => pairs[index]);
      pending.push(
        this.send(batch).then((signers) => {
          indices.forEach((index, position) => {
            results[index] = signers[position];
          });
        }),
      );
    }
    await Promise.all(pending);
    return results;
  }

  /** Ends the threads; batches still in flight are finished inline, later ones run inline. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.ready = false;
    await this.starting?.catch(() => undefined);
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((thread) => this.retire(thread)));
  }

  private async spawn(): Promise<void> {
    const workerData = {
      backend: this.backend,
      keccak: require.resolve("@noble/hashes/sha3"),
      native: require.resolve("secp256k1/bindings"),
      noble: require.resolve("@noble/curves/secp256k1"),
    };
    const started = Array.from({ length: this.size }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
      const thread: Thread = { worker, tasks: new Map(), load: 0 };
      return new Promise<Thread>((resolve, reject) => {
        const failed = (error: unknown): void =>
          reject(error instanceof Error ? error : new Error(`a signature thread stopped before it was ready (${String(error)})`));
        worker.once("error", failed);
        worker.once("exit", failed);
        worker.once("message", () => {
          worker.off("error", failed);
          worker.off("exit", failed);
          worker.on("message", (message: { id: number; signers: Array<string | null> }) => this.answer(thread, message));
          worker.on("error", () => void this.lose(thread));
          worker.on("exit", () => void this.lose(thread));
          // An idle thread never keeps the process alive; a busy one does, until it answers.
          worker.unref();
          resolve(thread);
        });
      });
    });
    const outcomes = await Promise.allSettled(started);
    const threads = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    if (this.closed || threads.length < outcomes.length) {
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
      const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
      if (failure !== undefined) throw failure.reason;
      return;
    }
    this.threads = threads;
    this.ready = true;
  }

  private send(pairs: SignaturePair[]): Promise<Array<string | null>> {
    const thread = this.threads.reduce((least, candidate) => (candidate.load < least.load ? candidate : least));
    const id = this.nextTask;
    this.nextTask += 1;
    return new Promise((resolve) => {
      if (thread.tasks.size === 0) thread.worker.ref();
      thread.tasks.set(id, { pairs, resolve });
      thread.load += pairs.length;
      thread.worker.postMessage({ id, pairs });
    });
  }

  private answer(thread: Thread, message: { id: number; signers: Array<string | null> }): void {
    const task = thread.tasks.get(message.id);
    if (task === undefined) return;
    thread.tasks.delete(message.id);
    thread.load -= task.pairs.length;
    if (thread.tasks.size === 0) thread.worker.unref();
    task.resolve(message.signers);
  }

  /** A thread that died: its batches are finished inline, and it leaves the pool (the next large batch restarts the pool when none is left). */
  private lose(thread: Thread): void {
    if (!this.threads.includes(thread)) return;
    this.threads = this.threads.filter((candidate) => candidate !== thread);
    if (this.threads.length === 0) {
      this.ready = false;
      this.starting = undefined;
    }
    void this.retire(thread);
  }

  private async retire(thread: Thread): Promise<void> {
    const tasks = [...thread.tasks.values()];
    thread.tasks.clear();
    thread.load = 0;
    for (const task of tasks) task.resolve(task.pairs.map(([digest, signature]) => recoverSigner(digest, signature)));
    await thread.worker.terminate();
  }
}
