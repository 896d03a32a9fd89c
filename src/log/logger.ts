import pino from "pino";
import type { DestinationStream, Logger, LoggerOptions } from "pino";

/**
 * Logs of the commands (the indexer, the audit, the network tooling), through pino like the API's: on stderr, so
 * that stdout keeps what a command answers. `pretty` (the default) is one line per record for people: time, level,
 * message, then the fields as key=value; `json` is pino's own JSON lines, for machines (`--log-format json`).
 * Credentials never reach them: anything named like a key, a token or a signature is redacted.
 */

export type LogFormat = "pretty" | "json";

export const LOG_FORMATS: readonly LogFormat[] = ["pretty", "json"];

/** Paths pino redacts in every record: the bearer token, sign-in signatures and anything named like a key. */
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

/** pino's options for a logger named `name` (the API's and the commands'): its level (CHAINBILL_LOG_LEVEL or `info`) and the redaction. */
export function loggerOptions(name: string, level: string = process.env.CHAINBILL_LOG_LEVEL ?? "info"): LoggerOptions {
  return { name, level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } };
}

/** Reads `--log-format`'s value; undefined gives the default. */
export function parseLogFormat(value: string | undefined): LogFormat {
  if (value === undefined) return "pretty";
  if (value === "pretty" || value === "json") return value;
  throw new Error(`--log-format must be pretty or json, not "${value}"`);
}

/**
 * The `--log-format` a command line asks for (`--log-format json` or `--log-format=json`), read before the command
 * parses the rest so that its usage errors are logged alike; a missing or unknown value gives `pretty` (the
 * command's own parser reports the unknown one).
 */
export function logFormatFromArgv(argv: readonly string[]): LogFormat {
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    const value =
      argument === "--log-format" ? argv[index + 1] : argument.startsWith("--log-format=") ? argument.slice("--log-format=".length) : undefined;
    if (value === "json" || value === "pretty") return value;
  }
  return "pretty";
}

let quiet: Logger | undefined;

/** A logger that writes nothing: the default of library functions that take one. */
export function quietLogger(): Logger {
  quiet ??= pino({ level: "silent" });
  return quiet;
}

const LEVELS: Readonly<Record<number, string>> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const OWN_FIELDS = new Set(["level", "time", "pid", "hostname", "name", "msg"]);

/** A field as plain text: nothing for null or undefined, JSON for an object. */
function plain(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

function shown(value: unknown): string {
  if (typeof value === "string") return /[\s="]/u.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** One JSON record of pino as a line for people. */
export function prettyLine(record: Record<string, unknown>): string {
  const time = typeof record.time === "number" ? new Date(record.time).toISOString().slice(11, 23) : "";
  const level = LEVELS[Number(record.level)] ?? String(record.level);
  const message = plain(record.msg);
  const parts = [time, level.padEnd(5), typeof record.name === "string" ? `${record.name}:` : "", message];
  for (const [field, value] of Object.entries(record)) {
    if (OWN_FIELDS.has(field)) continue;
    // An error: its type and message (the stack is in the json format), unless the message says it already.
    if (field === "err" && typeof value === "object" && value !== null) {
      const error = value as { type?: unknown; message?: unknown };
      const type = error.type === undefined || error.type === null ? "Error" : plain(error.type);
      const errorMessage = plain(error.message);
      if (errorMessage !== "" && message.includes(errorMessage)) continue;
      parts.push(`err=${shown(`${type}: ${errorMessage}`)}`);
      continue;
    }
    parts.push(`${field}=${shown(value)}`);
  }
  return parts.filter((part) => part !== "").join(" ");
}

/** A pino destination that writes each record as a {@link prettyLine} to `out`. */
function prettyDestination(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      out.write(`${prettyLine(record)}\n`);
    },
  };
}

export interface CommandLoggerOptions {
  format?: LogFormat;
  /** pino's level; CHAINBILL_LOG_LEVEL or `info` by default. */
  level?: string;
  /** Where the lines go; stderr by default. */
  out?: NodeJS.WritableStream;
}

/** The logger of the command `name` (e.g. `chainbill-indexer`). */
export function createCommandLogger(name: string, options: CommandLoggerOptions = {}): Logger {
  const out = options.out ?? process.stderr;
  const settings = loggerOptions(name, options.level);
  // Synchronous writes: a command that exits right after logging loses nothing.
  const destination =
    options.format === "json"
      ? options.out === undefined
        ? pino.destination({ fd: 2, sync: true })
        : (out as DestinationStream)
      : prettyDestination(out);
  return pino(settings, destination);
}

/**
 * How a command reports the failure that ends it: for machines (`json`) an error JSON line through `logger`, so that
 * stderr stays all JSON; for people nothing here (undefined), and runCommand writes its one plain line.
 */
export function failureReporter(logger: Logger, format: LogFormat): ((message: string, error: unknown) => void) | undefined {
  return format === "json" ? (message, error) => logger.error({ err: error }, message) : undefined;
}
