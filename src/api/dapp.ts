import fs from "node:fs";
import path from "node:path";
import express from "express";
import type { Express } from "express";
import { BODY_LIMIT_BYTES } from "./context";
import type { ChainbillApi } from "./app";
import { errorMiddleware } from "./errors";
import { dappConfig } from "./wire/schemas";
import type { DappConfig } from "./wire/schemas";

/**
 * The one origin the dApp is served from: its configuration, its built files and the API (created with the index
 * and the funding-request store, so it serves the portfolio, trees, books and requests the pages read), so the
 * browser talks to a single host and sign-in names it.
 */

export interface DappAppOptions {
  api: ChainbillApi;
  config: DappConfig;
  /** The built dApp (vite's output directory). */
  webRoot: string;
}

export function createDappApp(options: DappAppOptions): Express {
  const { context } = options.api;
  if (!fs.existsSync(path.join(options.webRoot, "index.html"))) {
    throw new Error(`the dApp is not built: ${path.join(options.webRoot, "index.html")} is missing (run npm run build:web)`);
  }
  // The configuration is the wire contract's DappConfig: one the dApp's client would refuse does not start.
  const config = dappConfig.parse(options.config);
  const app = express();
  app.disable("x-powered-by");

  // Rate-limited like the API's routes (the API limits its own; the dApp's files are not limited).
  app.get("/v1/config", (request, response) => {
    context.ipLimiter.take(request.ip ?? request.socket.remoteAddress ?? "unknown", "IP address");
    response.json(config);
  });
  app.use(express.static(options.webRoot, { index: "index.html", maxAge: 0 }));
  app.use(options.api.app);
  app.use(errorMiddleware(context.logger, BODY_LIMIT_BYTES));
  return app;
}
