import { Worker } from "node:worker_threads";

/**
 * An open-loop load at a steady rate: one request every 1/rate seconds, evenly spaced, each timed from the moment
 * it was due (not from when it was sent), so a slow answer cannot hide the requests queued behind it. Runs on a
 * worker thread, so the load itself does not compete with the server's event loop. Bounded by `seconds`.
 */

export interface PacedLoadOptions {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** Requests per second. */
  rate: number;
  seconds: number;
}

/** One kind of request of a mixed load, sent in turn with the others. */
export interface LoadTarget {
  /** Names the kind in the per-kind figures. */
  label: string;
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface MixedLoadOptions {
  /** Sent in turn, round robin: the i-th request is `targets[i % targets.length]`; figures are per label. */
  targets: readonly LoadTarget[];
  /** Requests per second, all kinds together. */
  rate: number;
  seconds: number;
}

export interface PacedLoadResult {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Milliseconds, from the moment each request was due to its whole answer. */
  p50: number;
  p99: number;
  max: number;
}

// Plain JavaScript: the thread needs no TypeScript loader. Node's fetch keeps connections alive.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
(async () => {
  const { targets, rate, seconds } = workerData;
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies = [];
  const kinds = targets.map(() => []);
  const statuses = {};
  let non2xx = 0;
  let errors = 0;
  const pending = [];
  const start = performance.now() + 20;
  for (let i = 0; i < total; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const kind = i % targets.length;
    const { url, method, headers, body } = targets[kind];
    pending.push(
      fetch(url, { method, headers, body }).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.status < 200 || response.status > 299) {
            non2xx += 1;
            statuses[response.status] = (statuses[response.status] || 0) + 1;
          }
          const latency = performance.now() - due;
          latencies.push(latency);
          kinds[kind].push(latency);
        },
        () => { errors += 1; },
      ),
    );
  }
  await Promise.all(pending);
  parentPort.postMessage({ sent: total, latencies, kinds, statuses, non2xx, errors });
})().catch((error) => parentPort.postMessage({ failed: String(error) }));
`;

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const { url, method, headers, body, rate, seconds } = options;
  return mixedLoad({ targets: [{ label: "all", url, method, headers, body }], rate, seconds });
}

/** Per kind of request: how many answered, and their latencies. */
export interface MixedLoadResult extends PacedLoadResult {
  byKind: Array<{ label: string; answered: number; p50: number; p99: number; max: number }>;
  /** Count of each non-2xx status. */
  statuses: Record<string, number>;
}

/**
 * {@link pacedLoad} of several kinds of request in turn (round robin) at one steady total rate, with the figures
 * of each kind as well as of all.
 */
export async function mixedLoad(options: MixedLoadOptions): Promise<MixedLoadResult> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: options });
  try {
    const message = await new Promise<{
      sent: number;
      latencies: number[];
      kinds: number[][];
      statuses: Record<string, number>;
      non2xx: number;
      errors: number;
      failed?: string;
    }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    if (message.failed !== undefined) throw new Error(`the load generator failed: ${message.failed}`);
    const sorted = [...message.latencies].sort((a, b) => a - b);
    return {
      sent: message.sent,
      ok: sorted.length - message.non2xx,
      non2xx: message.non2xx,
      errors: message.errors,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted.at(-1) ?? Number.NaN,
      statuses: message.statuses,
      byKind: [...new Set(options.targets.map((target) => target.label))].map((label) => {
        const kind = options.targets.flatMap((target, index) => (target.label === label ? message.kinds[index] : [])).sort((a, b) => a - b);
        return { label, answered: kind.length, p50: percentile(kind, 0.5), p99: percentile(kind, 0.99), max: kind.at(-1) ?? Number.NaN };
      }),
    };
  } finally {
    await worker.terminate();
  }
}
