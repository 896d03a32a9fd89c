import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Express } from "express";
import { createApp } from "./app";
import type { ApiContext, ApiOptions } from "./context";

export interface ServerOptions extends ApiOptions {
  /** Default 127.0.0.1: the API listens on loopback unless told otherwise. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface RunningServer {
  url: string;
  app: Express;
  context: ApiContext;
  /** Stops accepting connections, ends idle keep-alive ones, and resolves when the server has closed. */
  close(): Promise<void>;
}

/** Starts the API and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { app, context } = createApp(options);
  const host = options.host ?? "127.0.0.1";
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, host, (error?: Error) => (error === undefined ? resolve(listening) : reject(error)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  context.logger.info({ url, chainId: context.chainId }, "API listening");
  return {
    url,
    app,
    context,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
