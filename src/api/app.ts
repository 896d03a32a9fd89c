import express from "express";
import type { Express, RequestHandler } from "express";
import swaggerUi from "swagger-ui-express";
import { ApiError, errorMiddleware, routeNotFound } from "./errors";
import { BODY_LIMIT_BYTES, createContext } from "./context";
import type { ApiContext, ApiOptions } from "./context";
import { registerIndexRoutes } from "./indexRoutes";
import { openApiDocument } from "./wire/openapi";
import { answerConformance } from "./conformance";
import { registerRequestRoutes } from "./requestRoutes";
import { registerRiskRoutes } from "./riskRoutes";
import { registerActivityRoutes } from "./activityRoutes";
import { routePath } from "./routePath";
import { registerAuthRoutes } from "./routes/auth";
import { registerDocumentRoutes } from "./routes/documents";
import { registerMemberRoutes } from "./routes/members";
import { registerSystemRoutes } from "./routes/system";
import { registerTokenRoutes } from "./routes/tokens";
import { registerApplicationRoutes } from "./routes/applications";
import { registerDirectoryRoutes } from "./routes/directory";
import { registerOfferRoutes } from "./routes/offers";
import { registerVerifierRoutes } from "./routes/verifier";
import { registerTransferCheckRoutes } from "./routes/transferChecks";

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
      context.logger.debug(
        {
          method: request.method,
          route: routePath(request),
          path: request.path,
          status: response.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "request",
      );
    });
    next();
  };
}

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/**
 * A path segment that is not valid percent-encoding (`/v1/tokens/%E0%A4%A`) is a 400 naming the parameter it
 * stands for (by the OpenAPI path templates), answered before the router tries, and fails, to decode it.
 */
function requireDecodablePath(templates: readonly string[]): RequestHandler {
  const parsed = templates.map((template) => template.split("/"));
  return (request, _response, next) => {
    const segments = request.path.split("/");
    const bad = segments.findIndex((segment) => !decodes(segment));
    if (bad === -1) {
      next();
      return;
    }
    const template = parsed.find(
      (parts) => parts.length === segments.length && parts.every((part, index) => part.startsWith("{") || part === segments[index]),
    );
    const placeholder = template?.[bad];
    const field = placeholder !== undefined && placeholder.startsWith("{") ? placeholder.slice(1, -1) : "(path)";
    next(
      new ApiError(400, "MALFORMED_PATH", "a path segment is not valid percent-encoding", [
        { path: field, message: `"${segments[bad].slice(0, 80)}" is not valid percent-encoding` },
      ]),
    );
  };
}

/**
 * A body declared larger than the limit is refused at once, and the connection closed, instead of being read (or
 * waited for) to the end.
 */
const refuseDeclaredOversize: RequestHandler = (request, response, next) => {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (Number.isFinite(declared) && declared > BODY_LIMIT_BYTES) {
    response.setHeader("Connection", "close");
    response.on("finish", () => request.socket.destroySoon());
    next(
      new ApiError(413, "BODY_TOO_LARGE", `the request body exceeds ${BODY_LIMIT_BYTES} bytes`, [
        { path: "(body)", message: `at most ${BODY_LIMIT_BYTES} bytes` },
      ]),
    );
    return;
  }
  next();
};

/** A POST that carries a body must carry JSON; anything else is refused before it is read. */
const requireJsonBody: RequestHandler = (request, _response, next) => {
  // `is` answers false for a body of another type, and for an empty one ("Content-Length: 0"), which is no body.
  if (request.method === "POST" && request.is("application/json") === false && request.headers["content-length"] !== "0") {
    next(
      new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json", [
        { path: "headers.content-type", message: "expected application/json" },
      ]),
    );
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
  const mounted = { index: options.index !== undefined, requests: options.requests !== undefined, offers: options.offers !== undefined };
  const description = openApiDocument(mounted);
  if (options.checkAnswers === true) app.use(answerConformance(mounted, jsonReplacer, context.logger, options.onAnswerMismatch));
  app.use(requireDecodablePath(Object.keys((description as { paths: Record<string, unknown> }).paths)));
  app.use(refuseDeclaredOversize);
  app.use(requireJsonBody);
  app.use(express.json({ limit: BODY_LIMIT_BYTES, strict: true }));

  registerSystemRoutes(app, context, description);
  registerAuthRoutes(app, context);
  registerDocumentRoutes(app, context);
  registerTokenRoutes(app, context);
  registerMemberRoutes(app, context);
  registerTransferCheckRoutes(app, context);
  if (options.index !== undefined) registerIndexRoutes(app, context, options.index);
  if (options.index !== undefined) registerRiskRoutes(app, context, options.index, options.offers);
  if (options.index !== undefined) registerActivityRoutes(app, context, options.index);
  if (options.requests !== undefined) registerRequestRoutes(app, context, options.requests);
  registerDirectoryRoutes(app, context, registerApplicationRoutes(app, context));
  registerVerifierRoutes(app, context);
  if (options.offers !== undefined) registerOfferRoutes(app, context, options.offers, options.index);
  app.use("/docs", swaggerUi.serve, swaggerUi.setup(description));

  app.use(routeNotFound);
  app.use(errorMiddleware(context.logger, BODY_LIMIT_BYTES));
  return { app, context };
}
