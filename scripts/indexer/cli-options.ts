import { HELP_OPTION, UsageError, parseCommandLine, wholeNumberOption } from "../../src/chain/commandLine";
import { parseLogFormat } from "../../src/log/logger";
import type { LogFormat } from "../../src/log/logger";

/** The indexer command's options, parsed and checked; a bad option is an error that names it. */
export interface IndexerCliOptions {
  /** One endpoint, or several to fail over between (`--rpc` repeated, or comma-separated). */
  rpcUrls: string[];
  dbPath: string;
  addressesFile: string | undefined;
  startBlock: number | undefined;
  confirmations: number;
  reorgWindow: number | undefined;
  pollIntervalMs: number;
  maxRange: number | undefined;
  exitAtHead: boolean;
  progress: "bar" | "json" | "none";
  logFormat: LogFormat;
  /** Serve Prometheus metrics on 127.0.0.1 at this port (0: any free port). */
  metricsPort: number | undefined;
}

export const USAGE = `usage: npm run indexer -- --rpc <url> --db <path> [options]
       npm run indexer -- verify --db <path>   (reads every record and checks it against the index's digest;
                                               exit 0 intact, 1 damaged or unreadable, 2 bad usage)
  --addresses <file>     contract addresses: {"registry","receivableToken","settlementToken","settlement","financing"},
                         a deployment record or an Ignition deployed_addresses.json
                         (default: the deployment record of the chain's id under deploy/deployments/chain-<id>/)
  --start-block <n>      first block to read (the deployment block; default 0)
  --confirmations <n>    blocks behind the head after which figures are final (default 0)
  --reorg-window <n>     recent blocks that can be rolled back (default max(64, confirmations))
  --poll-ms <n>          head polling interval while following (default 1000)
  --max-range <n>        most blocks per eth_getLogs request (default 20000; adaptive below it)
  --exit-at-head         stop once the head seen at start is indexed
  --progress bar|json|none   progress display (default bar; json prints one line per batch)
  --rpc <url> (again)    more endpoints to fail over to (or --rpc <url>,<url>)
  --log-format pretty|json   logs on stderr: lines for people (default) or JSON lines for machines
  --metrics-port <n>     serve Prometheus metrics at http://127.0.0.1:<n>/metrics (0: any free port, logged)
  --help                 this text
Exit status: 0 stopped cleanly, 1 failed, 2 usage error or no deployment.`;

function integer(value: string | undefined, flag: string, minimum: number): number | undefined {
  return value === undefined ? undefined : wholeNumberOption(value, flag, minimum);
}

/** The indexer's options, or null for --help. */
export function parseIndexerArgs(argv: readonly string[]): IndexerCliOptions | null {
  const { values } = parseCommandLine(argv, {
    ...HELP_OPTION,
    rpc: { type: "string", multiple: true },
    db: { type: "string" },
    addresses: { type: "string" },
    "start-block": { type: "string" },
    confirmations: { type: "string" },
    "reorg-window": { type: "string" },
    "poll-ms": { type: "string" },
    "max-range": { type: "string" },
    "exit-at-head": { type: "boolean" },
    progress: { type: "string" },
    "log-format": { type: "string" },
    "metrics-port": { type: "string" },
  });
  if (values.help === true) return null;
  const progress = values.progress ?? "bar";
  if (progress !== "bar" && progress !== "json" && progress !== "none")
    throw new UsageError(`--progress must be bar, json or none, not "${progress}"`);
  const rpcUrls = (values.rpc ?? []).flatMap((value) => value.split(","));
  if (rpcUrls.length === 0 || rpcUrls.some((url) => !/^https?:\/\//u.test(url))) throw new UsageError("--rpc <http(s) url> is required");
  let logFormat: LogFormat;
  try {
    logFormat = parseLogFormat(values["log-format"]);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const metricsPort = integer(values["metrics-port"], "--metrics-port", 0);
  if (metricsPort !== undefined && metricsPort > 65_535) throw new UsageError(`--metrics-port must be a port number, not ${metricsPort}`);
  if (values.db === undefined || values.db === "") throw new UsageError("--db <path> is required");
  return {
    rpcUrls,
    dbPath: values.db,
    addressesFile: values.addresses,
    startBlock: integer(values["start-block"], "--start-block", 0),
    confirmations: integer(values.confirmations, "--confirmations", 0) ?? 0,
    reorgWindow: integer(values["reorg-window"], "--reorg-window", 0),
    pollIntervalMs: integer(values["poll-ms"], "--poll-ms", 1) ?? 1_000,
    maxRange: integer(values["max-range"], "--max-range", 1),
    exitAtHead: values["exit-at-head"] === true,
    progress,
    logFormat,
    metricsPort,
  };
}

/** `verify --db <path>`: the folder of the index to check; null for --help. */
export function parseVerifyArgs(argv: readonly string[]): { dbPath: string } | null {
  const { values } = parseCommandLine(argv, { ...HELP_OPTION, db: { type: "string" } });
  if (values.help === true) return null;
  if (values.db === undefined || values.db === "") throw new UsageError("verify needs --db <path>");
  return { dbPath: values.db };
}
