
/** The indexer command's options, parsed and checked; a bad option is an error that names it. */
export interface IndexerCliOptions {
  rpcUrl: string;
  dbPath: string;
  addressesFile: string | undefined;
  startBlock: number | undefined;
  confirmations: number;
  reorgWindow: number | undefined;
  pollIntervalMs: number;
  maxRange: number | undefined;
  exitAtHead: boolean;
  progress: "bar" | "json" | "none";
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
  --progress bar|json|none   progress display (default bar; json prints one line per batch)`;

export class CliUsageError extends Error {
  readonly name = "CliUsageError";
}

function integer(value: string | undefined, flag: string, minimum: number): number {
  if (value === undefined) throw new CliUsageError(`${flag} needs a value`);
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < minimum) throw new CliUsageError(`${flag} must be an integer >= ${minimum}, not "${value}"`);
  return number;
}

export function parseIndexerArgs(argv: readonly string[]): IndexerCliOptions {
  const options: Partial<IndexerCliOptions> = { confirmations: 0, pollIntervalMs: 1_000, exitAtHead: false, progress: "bar" };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = (): string | undefined => {
      index += 1;
      return argv[index];
    };
    switch (flag) {
      case "--rpc":
        options.rpcUrl = value();
        break;
      case "--db":
        options.dbPath = value();
        break;
      case "--addresses":
        options.addressesFile = value();
        break;
      case "--start-block":
        options.startBlock = integer(value(), flag, 0);
        break;
      case "--confirmations":
        options.confirmations = integer(value(), flag, 0);
        break;
      case "--reorg-window":
        options.reorgWindow = integer(value(), flag, 0);
        break;
      case "--poll-ms":
        options.pollIntervalMs = integer(value(), flag, 1);
        break;
      case "--max-range":
        options.maxRange = integer(value(), flag, 1);
        break;
      case "--exit-at-head":
        options.exitAtHead = true;
        break;
      case "--progress": {
        const mode = value();
        if (mode !== "bar" && mode !== "json" && mode !== "none") throw new CliUsageError(`--progress must be bar, json or none, not "${mode ?? ""}"`);
        options.progress = mode;
        break;
      }
      default:
        throw new CliUsageError(`unknown option "${flag}"`);
    }
  }
  if (options.rpcUrl === undefined || !/^https?:\/\//.test(options.rpcUrl)) throw new CliUsageError("--rpc <http(s) url> is required");
  if (options.dbPath === undefined || options.dbPath === "") throw new CliUsageError("--db <path> is required");
  return {
    rpcUrl: options.rpcUrl,
    dbPath: options.dbPath,
    addressesFile: options.addressesFile,
    startBlock: options.startBlock,
    confirmations: options.confirmations ?? 0,
    reorgWindow: options.reorgWindow,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    maxRange: options.maxRange,
    exitAtHead: options.exitAtHead ?? false,
    progress: options.progress ?? "bar",
  };
}

/** `verify --db <path>`: the folder of the index to check. */
export function parseVerifyArgs(argv: readonly string[]): { dbPath: string } {
  let dbPath: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    if (argv[index] === "--db") {
      dbPath = argv[index + 1];
      index += 1;
    } else throw new CliUsageError(`unknown option "${argv[index]}" for verify`);
  }
  if (dbPath === undefined || dbPath === "") throw new CliUsageError("verify needs --db <path>");
  return { dbPath };
}
