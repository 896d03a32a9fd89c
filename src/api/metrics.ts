import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestHandler } from "express";
import { routePath } from "./routePath";

/** The API's Prometheus metrics, in a registry of its own (two apps in one process do not collide). */
export class ApiMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: "chainbill_api_requests_total",
    help: "HTTP requests answered, by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: "chainbill_api_request_duration_seconds",
    help: "Time to answer an HTTP request, by method and route template",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly fundingChecks = new Counter({
    name: "chainbill_funding_checks_total",
    help: "Funding checks run, by outcome (attested or refused)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly documentsStored = new Counter({
    name: "chainbill_documents_uploaded_total",
    help: "Document uploads accepted, by kind and whether the document was new",
    labelNames: ["kind", "created"] as const,
    registers: [this.registry],
  });

  constructor(collectProcessMetrics = true) {
    if (collectProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts and times every request under its route template (never the raw path: ids would explode the labels). */
  middleware(): RequestHandler {
    return (request, response, next) => {
      const stopTimer = process.hrtime.bigint();
      response.on("finish", () => {
        const label = routePath(request) ?? "unmatched";
        const seconds = Number(process.hrtime.bigint() - stopTimer) / 1e9;
        this.requests.inc({ method: request.method, route: label, status: String(response.statusCode) });
        this.latency.observe({ method: request.method, route: label }, seconds);
      });
      next();
    };
  }
}
