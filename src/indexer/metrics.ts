import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry } from "prom-client";
import type { SyncOutcome } from "./follow";
import type { IndexerProgress } from "./writer";

/**
 * The standalone indexer's Prometheus metrics: the chain's head, the last block indexed, how far behind it is,
 * reorgs followed, events applied in total and per second (over the last ten seconds), served as `/metrics`.
 */
export interface IndexerMetrics {
  readonly registry: Registry;
  /** After every batch (the indexer's `onProgress`). */
  progress(progress: IndexerProgress): void;
  /** After every step (the indexer's `onOutcome`). */
  outcome(outcome: SyncOutcome): void;
}

/** Events per second is measured over this much time. */
const RATE_WINDOW_MS = 10_000;

export function createIndexerMetrics(now: () => number = Date.now): IndexerMetrics {
  const registry = new Registry();
  const head = new Gauge({ name: "chainbill_indexer_head_block", help: "The chain's head block, as last seen", registers: [registry] });
  const indexed = new Gauge({ name: "chainbill_indexer_indexed_block", help: "The last block applied to the index", registers: [registry] });
  const lag = new Gauge({ name: "chainbill_indexer_lag_blocks", help: "Blocks between the head and the last block indexed", registers: [registry] });
  const reorgs = new Counter({
    name: "chainbill_indexer_reorgs_total",
    help: "Chain reorganisations followed (rolled back and re-applied)",
    registers: [registry],
  });
  const events = new Counter({ name: "chainbill_indexer_events_total", help: "Events applied since the process started", registers: [registry] });
  const rate = new Gauge({
    name: "chainbill_indexer_events_per_second",
    help: `Events applied per second over the last ${RATE_WINDOW_MS / 1000} s`,
    registers: [registry],
  });
  const phase = new Gauge({ name: "chainbill_indexer_following", help: "1 while following the head, 0 during a backfill", registers: [registry] });
  let counted = 0;
  /** (time, events applied) samples inside the window. */
  const samples: Array<{ at: number; events: number }> = [];

  return {
    registry,
    progress(progress) {
      const at = now();
      head.set(progress.head);
      indexed.set(progress.cursor);
      lag.set(Math.max(0, progress.head - progress.cursor));
      phase.set(progress.phase === "follow" ? 1 : 0);
      if (progress.eventsApplied > counted) events.inc(progress.eventsApplied - counted);
      counted = progress.eventsApplied;
      samples.push({ at, events: progress.eventsApplied });
      while (samples.length > 1 && at - samples[0].at > RATE_WINDOW_MS) samples.shift();
      const first = samples[0];
      rate.set(at > first.at ? ((progress.eventsApplied - first.events) * 1000) / (at - first.at) : 0);
    },
    outcome(outcome) {
      if (outcome.type === "reorg") reorgs.inc();
    },
  };
}

/** Serves `registry` as `/metrics` on `host:port` (0: any free port); resolves once listening. */
export async function serveMetrics(registry: Registry, port: number, host = "127.0.0.1"): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: the metrics are at /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { url: `http://${host}:${address.port}/metrics`, server };
}
