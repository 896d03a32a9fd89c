import express from "express";
import type { Express, RequestHandler } from "express";
import swaggerUi from "swagger-ui-express";
import { ApiError, errorMiddleware, routeNotFound } from "./errors";
import { BODY_LIMIT_BYTES, createContext } from "./context";
import type { ApiContext, ApiOptions } from "./context";
import { registerIndexRoutes } from "./indexRoutes";
import { openApiDocument } from "./openapi";
import { registerRequestRoutes } from "./requestRoutes";
import { registerAuthRoutes } from "./routes/auth";
import { registerDocumentRoutes } from "./routes/documents";
import { registerMemberRoutes } from "./routes/members";
import { registerSystemRoutes } from "./routes/system";
import { registerTokenRoutes } from "./routes/tokens";

/** Paths that monitoring polls; never rate-limited, so an overloaded client cannot make the service look dead. */
const UNLIMITED_PATHS = new Set(["/health", "/metrics"]);

/** Bigints (amounts, token ids) leave as decimal strings. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

function requestLog(context: ApiContext): RequestHandler {
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    response.on("finish", () => {
      const route = request.route?.path;
      context.logger.debug(
        { method: request.method, route: typeof route === "string" ? route : undefined, path: request.path, status: response.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        "request",
      );
    });
    next();
  };
}

/** A POST that carries a body must carry JSON; anything else is refused before it is read. */
const requireJsonBody: RequestHandler = (request, _response, next) => {
  // `is` answers false for a body of another type, and for an empty one ("Content-Length: 0"), which is no body.
  if (request.method === "POST" && request.is("application/json") === false && request.headers["content-length"] !== "0") {
    next(new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json", [{ path: "headers.content-type", message: "expected application/json" }]));
    return;
  }
  next();
};

export interface ChainbillApi {
  app: Express;
  context: ApiContext;
}

/**
 * The express application over the domain modules (no listening socket; see server.ts). The index read routes and
 * the funding-request inbox are served when their sources are given, and the OpenAPI description says so.
 */
export function createApp(options: ApiOptions): ChainbillApi {
  const context = createContext(options);
  const app = express();
  app.disable("x-powered-by");
  app.set("json replacer", jsonReplacer);

  app.use(context.metrics.middleware());
  app.use(requestLog(context));
  app.use((request, _response, next) => {
    if (!UNLIMITED_PATHS.has(request.path)) context.ipLimiter.take(request.ip ?? request.socket.remoteAddress ?? "unknown", "IP address");
    next();
  });
  app.use(requireJsonBody);
  app.use(express.json({ limit: BODY_LIMIT_BYTES, strict: true }));

  const description = openApiDocument({ index: options.index !== undefined, requests: options.requests !== undefined });
  registerSystemRoutes(app, context, description);
  registerAuthRoutes(app, context);
  registerDocumentRoutes(app, context);
  registerTokenRoutes(app, context);
  registerMemberRoutes(app, context);
  if (options.index !== undefined) registerIndexRoutes(app, context, options.index);
  if (options.requests !== undefined) registerRequestRoutes(app, context, options.requests);
  app.use("/docs", swaggerUi.serve, swaggerUi.setup(description));

  app.use(routeNotFound);
  app.use(errorMiddleware(context.logger, BODY_LIMIT_BYTES));
  return { app, context };
}
