import pino from "pino";
import type { Logger } from "pino";

/**
 * Structured logs (JSON lines). Credentials never reach them: the bearer token, sign-in signatures and anything
 * named like a key are redacted wherever they appear.
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "headers.authorization",
  "authorization",
  "token",
  "signature",
  "privateKey",
  "*.privateKey",
  "password",
  "*.password",
  "key",
  "*.key",
  "mnemonic",
];

export function createLogger(level: string = process.env.CHAINBILL_LOG_LEVEL ?? "info"): Logger {
  return pino({ name: "chainbill-api", level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } });
}
