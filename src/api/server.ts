import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { Express } from "express";
import { createApp } from "./app";
import type { ApiContext, ApiOptions } from "./context";
import { createDappApp } from "./dapp";
import type { DappConfig } from "./wire/schemas";

export interface ServerOptions extends ApiOptions {
  /** Default 127.0.0.1: the API listens on loopback unless told otherwise. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Given, the same origin serves the built dApp (`root`) and its `/v1/config` besides the API (`npm run api -- --web`). */
  web?: { root: string; config: DappConfig };
}

export interface RunningServer {
  url: string;
  app: Express;
  context: ApiContext;
  /** Stops accepting connections, ends idle keep-alive ones, ends the signature pool's threads, and resolves when all is closed. */
  close(): Promise<void>;
}

/**
 * An HTTP server for `app` that drops a client too slow to send its headers or its whole request (a body declared
 * large and trickled in holds a socket and a parser only until `requestTimeoutMs`).
 */
export function createHttpServer(app: Express, limits: Pick<ApiContext["limits"], "requestTimeoutMs" | "headersTimeoutMs">): Server {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      // How often Node looks for requests past those timeouts; finer than the timeouts so a drop is on time.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.requestTimeoutMs / 4))),
    },
    app,
  );
  // An idle keep-alive connection is closed too; no socket stays open on a client's say-so.
  server.keepAliveTimeout = Math.min(5000, limits.requestTimeoutMs);
  return server;
}

/** Starts the API and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const api = createApp(options);
  const { context } = api;
  const app = options.web === undefined ? api.app : createDappApp({ api, config: options.web.config, webRoot: options.web.root });
  const host = options.host ?? "127.0.0.1";
  const server = createHttpServer(app, context.limits);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  context.logger.info({ url, chainId: context.chainId }, "API listening");
  return {
    url,
    app,
    context,
    close: async () => {
      try {
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error === undefined ? resolve() : reject(error)));
          server.closeAllConnections();
        });
      } finally {
        // The signature pool's threads end with the server.
        await context.signatures.close();
      }
    },
  };
}
