import { AlteredDocumentError } from "../proofs/documents";
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import type { FieldProblem } from "../proofs/wire";

/**
 * The API's one error type and its one middleware. A route throws an ApiError for anything the client got wrong
 * (a status, a stable code, a sentence, and the wrong fields); anything else is a bug or an outage: 500, logged in
 * full, and the client learns nothing of it.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** A stable code a client may switch on, e.g. "VALIDATION_FAILED". */
    readonly code: string,
    message: string,
    /** The wrong fields, by JSON path. */
    readonly fields: readonly FieldProblem[] = [],
    /** Seconds to wait before retrying (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badRequest = (message: string, fields: readonly FieldProblem[] = []): ApiError =>
  new ApiError(400, "VALIDATION_FAILED", message, fields);
export const unauthorized = (code: string, message: string, fields: readonly FieldProblem[] = []): ApiError =>
  new ApiError(401, code, message, fields);
export const forbidden = (code: string, message: string): ApiError => new ApiError(403, code, message);
export const notFound = (code: string, message: string): ApiError => new ApiError(404, code, message);

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; fields: FieldProblem[] };
}

function body(code: string, message: string, fields: readonly FieldProblem[] = []): ErrorBody {
  return { error: { code, message, fields: [...fields] } };
}

/** express.json's own failures (body-parser errors carry a `type` and a 4xx `status`). */
interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { type?: unknown }).type === "string" &&
    typeof (error as { status?: unknown }).status === "number"
  );
}

function bodyParserAnswer(error: BodyParserError, limitBytes: number): { status: number; body: ErrorBody } {
  switch (error.type) {
    case "entity.too.large":
      return {
        status: 413,
        body: body("BODY_TOO_LARGE", `the request body exceeds ${limitBytes} bytes`, [{ path: "(body)", message: `at most ${limitBytes} bytes` }]),
      };
    case "entity.parse.failed":
      return { status: 400, body: body("MALFORMED_JSON", "the request body is not valid JSON", [{ path: "(body)", message: "not valid JSON" }]) };
    case "encoding.unsupported":
    case "charset.unsupported":
      return {
        status: 415,
        body: body("UNSUPPORTED_ENCODING", "the request body's encoding or charset is not supported", [
          { path: "(body)", message: "use UTF-8 JSON" },
        ]),
      };
    default:
      return { status: error.status >= 400 && error.status < 500 ? error.status : 400, body: body("BAD_BODY", "the request body could not be read") };
  }
}

/** An http-errors style error (body-parser's inflation, the router's decoding) that says it is the client's fault. */
interface ClientHttpError {
  status: number;
  code?: unknown;
  name?: unknown;
}

function isClientHttpError(error: unknown): error is ClientHttpError {
  const status = typeof error === "object" && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === "number" && status >= 400 && status < 500;
}

/** A client's error that body-parser or the router raised without a body-parser `type`. */
function clientErrorAnswer(error: ClientHttpError): { status: number; body: ErrorBody } {
  const code = typeof error.code === "string" ? error.code : "";
  // zlib's (Z_DATA_ERROR, Z_BUF_ERROR…) and brotli's (ERR__ERROR_FORMAT…) failure codes: the body says it is
  // compressed and is not.
  if (code.startsWith("Z_") || code.startsWith("ERR__")) {
    return {
      status: 400,
      body: body("BODY_NOT_DECOMPRESSED", "the request body does not decompress with its Content-Encoding", [
        { path: "headers.content-encoding", message: "the body is not validly compressed with this encoding" },
      ]),
    };
  }
  if (error.name === "URIError") {
    return {
      status: 400,
      body: body("MALFORMED_PATH", "a path segment is not valid percent-encoding", [{ path: "(path)", message: "malformed percent-encoding" }]),
    };
  }
  return { status: error.status, body: body("BAD_REQUEST", "the request could not be read") };
}

export function errorMiddleware(logger: Logger, limitBytes: number): ErrorRequestHandler {
  return (error: unknown, request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    if (error instanceof ApiError) {
      if (error.retryAfterSeconds !== undefined) response.setHeader("Retry-After", String(error.retryAfterSeconds));
      response.status(error.status).json(body(error.code, error.message, error.fields));
      return;
    }
    if (error instanceof AlteredDocumentError) {
      // Our own store failed its integrity check: say which document, so operators and auditors can act on it.
      logger.error({ hash: error.hash, method: request.method, path: request.path }, "stored document altered");
      response.status(500).json(body("DOCUMENT_ALTERED", error.message));
      return;
    }
    if (isBodyParserError(error) && error.status < 500) {
      const answer = bodyParserAnswer(error, limitBytes);
      response.status(answer.status).json(answer.body);
      return;
    }
    if (isClientHttpError(error)) {
      const answer = clientErrorAnswer(error);
      response.status(answer.status).json(answer.body);
      return;
    }
    logger.error({ err: error, method: request.method, path: request.path }, "unhandled error");
    response.status(500).json(body("INTERNAL", "internal error"));
  };
}

/** Any path or method no route serves. */
export const routeNotFound: RequestHandler = (request, _response, next) => {
  next(notFound("ROUTE_NOT_FOUND", `no route ${request.method} ${request.path}`));
};
