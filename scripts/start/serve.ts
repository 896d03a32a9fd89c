import fs from "node:fs";
import path from "node:path";
import express from "express";
import type { Express } from "express";
import { BODY_LIMIT_BYTES } from "../../src/api/context";
import type { ChainbillApi } from "../../src/api/app";
import { errorMiddleware } from "../../src/api/errors";
import { registerIndexRoutes } from "../../src/api/indexRoutes";
import type { IndexRouteOptions } from "../../src/api/indexRoutes";
import { registerRequestRoutes } from "../../src/api/requestRoutes";
import type { FundingRequestStore } from "../../src/requests/store";

/**
 * The one origin the dApp is served from: its built files, the read routes it needs beyond the API (portfolio,
 * trees, books, funding requests) and the API itself, so the browser talks to a single host and sign-in names it.
 */

/** What the dApp learns before anyone signs in: where the chain is and, on a local demo chain, who is who. */
export interface DappConfig {
  chainId: string;
  /** A JSON-RPC URL the browser may use (the local node), or null. */
  rpcUrl: string | null;
  addresses: { registry: string; receivableToken: string; settlementToken: string; settlement: string; financing: string };
  /** Names of members by address, for display (the chain keeps only legal-entity hashes). */
  directory: Array<{ address: string; name: string; nameZh: string; role: string }>;
  /** The rate each factor quotes, basis points a year, by address. */
  factorRates: Record<string, string>;
  /** On the local demo chain only: the development accounts the dApp may sign with when no browser wallet is there. */
  demoAccounts: Array<{ address: string; privateKey: string; name: string; nameZh: string; role: string }>;
}

export interface DappAppOptions {
  api: ChainbillApi;
  index: IndexRouteOptions;
  requests: FundingRequestStore;
  config: DappConfig;
  /** The built dApp (vite's output directory). */
  webRoot: string;
}

const OWN_PATHS = /^\/v1\/(config|index|portfolio|pieces|factors|anchors|slots|funding-requests)(\/|$)/u;

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function createDappApp(options: DappAppOptions): Express {
  const { context } = options.api;
  if (!fs.existsSync(path.join(options.webRoot, "index.html"))) {
    throw new Error(`the dApp is not built: ${path.join(options.webRoot, "index.html")} is missing (run npm run build:web)`);
  }
  const app = express();
  app.disable("x-powered-by");
  app.set("json replacer", jsonReplacer);

  const routes = express.Router();
  routes.use((request, _response, next) => {
    // Everything else (the dApp's files, the API) passes straight through; the API limits its own routes.
    if (!OWN_PATHS.test(request.path)) {
      next("router");
      return;
    }
    context.ipLimiter.take(request.ip ?? request.socket.remoteAddress ?? "unknown", "IP address");
    next();
  });
  routes.use(express.json({ limit: BODY_LIMIT_BYTES, strict: true }));
  routes.get("/v1/config", (_request, response) => {
    response.json(options.config);
  });
  registerIndexRoutes(routes, context, options.index);
  registerRequestRoutes(routes, context, options.requests);

  app.use(routes);
  app.use(express.static(options.webRoot, { index: "index.html", maxAge: 0 }));
  app.use(options.api.app);
  app.use(errorMiddleware(context.logger, BODY_LIMIT_BYTES));
  return app;
}
