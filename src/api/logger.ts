import pino from "pino";
import type { Logger } from "pino";
import { REDACTED_PATHS, loggerOptions } from "../log/logger";

/**
 * Structured logs (JSON lines on stdout), with the commands' options (src/log/logger.ts): credentials never reach
 * them — the bearer token, sign-in signatures and anything named like a key are redacted wherever they appear.
 */
export { REDACTED_PATHS };

export function createLogger(level?: string): Logger {
  return pino(loggerOptions("chainbill-api", level));
}
