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
  const { url, method, headers, body, rate, seconds } = workerData;
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies = [];
  let non2xx = 0;
  let errors = 0;
  const pending = [];
  const start = performance.now() + 20;
  for (let i = 0; i < total; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      fetch(url, { method, headers, body }).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.status < 200 || response.status > 299) non2xx += 1;
          latencies.push(performance.now() - due);
        },
        () => { errors += 1; },
      ),
    );
  }
  await Promise.all(pending);
  parentPort.postMessage({ sent: total, latencies, non2xx, errors });
})().catch((error) => parentPort.postMessage({ failed: String(error) }));
`;

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: options });
  try {
    const message = await new Promise<{ sent: number; latencies: number[]; non2xx: number; errors: number; failed?: string }>((resolve, reject) => {
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
    };
  } finally {
    await worker.terminate();
  }
}
