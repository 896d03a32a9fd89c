/**
 * `npm run indexer -- --rpc <url> --db <path>`: backfills the Chainbill contracts' events into LevelDB with a
 * progress bar (blocks, events per second, time left), then follows the head with a one-line status. Ctrl-C stops
 * it cleanly; killing it at any instant loses nothing (each batch lands with its cursor in one atomic write).
 * At each start it checks the index's integrity and refuses a damaged one. `npm run indexer -- verify --db <path>`
 * checks a stopped index. Logs (retries, reorgs, the start's check, the stop) go to stderr through pino, as lines
 * for people or, with `--log-format json`, JSON lines; `--metrics-port <n>` serves Prometheus metrics (head, lag,
 * reorgs, events/s) at http://127.0.0.1:<n>/metrics.
 */
import { SingleBar } from "cli-progress";
import { existsSync } from "node:fs";
import { startIndexer } from "../src/indexer/indexer";
import type { IndexerProgress, SyncOutcome } from "../src/indexer/indexer";
import { createChainClient, httpTransport } from "../src/chain/rpc";
import { createCommandLogger, failureReporter, logFormatFromArgv } from "../src/log/logger";
import type { Logger } from "pino";
import { createIndexerMetrics, serveMetrics } from "../src/indexer/metrics";
import { verifyIndex } from "../src/indexer/integrity";
import { openIndexDb } from "../src/indexer/store";
import { DeploymentRecordError, findDeploymentRecord, readDeploymentRecord } from "../src/chain/deployment";
import { UsageError, runCommand } from "../src/chain/commandLine";
import { USAGE, parseIndexerArgs, parseVerifyArgs } from "./indexer/cli-options";
import type { IndexerCliOptions } from "./indexer/cli-options";

function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${(whole % 60).toString().padStart(2, "0")}s` : `${whole}s`;
}

/**
 * `verify --db <path>`: reads every record of a stopped index and recomputes its digest. Exit 0 if intact; 1 with
 * what is damaged and how to rebuild otherwise.
 */
async function verify(dbPath: string): Promise<void> {
  if (!existsSync(dbPath)) throw new Error(`there is no index at ${dbPath}`);
  const db = await openIndexDb(dbPath, { createIfMissing: false });
  try {
    const result = await verifyIndex(db, dbPath);
    const at = result.block === undefined ? "no block applied yet" : `as of block ${result.block}`;
    console.log(
      `the index at ${dbPath} is intact: ${formatCount(result.records)} records, ${at}, checked in ${(result.milliseconds / 1000).toFixed(2)} s`,
    );
  } finally {
    await db.close();
  }
}

type IndexerCommand = { kind: "verify"; dbPath: string } | { kind: "index"; options: IndexerCliOptions };

/** `verify --db <path>`, or the indexer's own options; null for --help. */
function parseCommand(argv: readonly string[]): IndexerCommand | null {
  if (argv[0] === "verify") {
    const verifyOptions = parseVerifyArgs(argv.slice(1));
    return verifyOptions === null ? null : { kind: "verify", dbPath: verifyOptions.dbPath };
  }
  const options = parseIndexerArgs(argv);
  return options === null ? null : { kind: "index", options };
}

async function main(command: IndexerCommand): Promise<void> {
  if (command.kind === "verify") return verify(command.dbPath);
  const { options } = command;
  await index(options, logger);
}

async function index(options: IndexerCliOptions, logger: Logger): Promise<void> {
  const client = createChainClient(httpTransport(options.rpcUrls));
  const chainId = await client.chainId();
  let addresses;
  try {
    addresses = (options.addressesFile === undefined ? findDeploymentRecord(chainId) : readDeploymentRecord(options.addressesFile, chainId))
      .contracts;
  } catch (error) {
    throw error instanceof DeploymentRecordError ? new UsageError(error.message) : error;
  }

  const bar = new SingleBar({
    format: "backfill |{bar}| {percentage}% | blocks {value}/{total} | {events} events | {rate} events/s | ETA {eta_text}",
    hideCursor: true,
    clearOnComplete: false,
  });
  let barShown = false;
  let lastLine = "";
  let lastReorg = "none";
  const startedAt = Date.now();

  const show = (progress: IndexerProgress): void => {
    const seconds = (Date.now() - startedAt) / 1_000;
    const rate = progress.eventsApplied / Math.max(seconds, 0.001);
    if (options.progress === "json") {
      console.log(JSON.stringify({ ...progress, eventsPerSecond: Math.round(rate) }));
      return;
    }
    if (options.progress === "none") return;
    if (progress.phase === "backfill") {
      const total = Math.max(1, progress.backfillTo - progress.backfillFrom + 1);
      const done = Math.max(0, progress.cursor - progress.backfillFrom + 1);
      const blockRate = progress.blocksApplied / Math.max(seconds, 0.001);
      const payload = {
        events: formatCount(progress.eventsApplied),
        rate: formatCount(rate),
        eta_text: formatDuration((total - done) / Math.max(blockRate, 1e-9)),
      };
      if (!barShown) {
        bar.start(total, done, payload);
        barShown = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
      return;
    }
    if (barShown) {
      bar.stop();
      barShown = false;
    }
    const final = Math.max(0, progress.head - options.confirmations);
    const line = `following | head ${progress.head} | indexed ${progress.cursor} | final <= ${final} | ${formatCount(progress.eventsApplied)} events | last reorg ${lastReorg}`;
    // On a terminal the line is redrawn in place; in a log, written only when it changes.
    if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(100)}`);
    else if (line !== lastLine) console.log(line);
    lastLine = line;
  };

  const metrics = createIndexerMetrics();
  const served = options.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, options.metricsPort);
  if (served !== undefined) logger.info({ url: served.url }, "serving metrics");

  let lastShown = 0;
  const indexer = await startIndexer({
    rpcUrl: options.rpcUrls,
    dbPath: options.dbPath,
    addresses,
    startBlock: options.startBlock,
    confirmations: options.confirmations,
    reorgWindow: options.reorgWindow,
    pollIntervalMs: options.pollIntervalMs,
    sizing: options.maxRange === undefined ? undefined : { maxBlocks: options.maxRange, initialBlocks: Math.min(500, options.maxRange) },
    exitAtHead: options.exitAtHead,
    onVerified: (verification) => {
      const seconds = (verification.milliseconds / 1000).toFixed(2);
      if (options.progress === "json")
        console.log(JSON.stringify({ type: "verified", records: verification.records, block: verification.block ?? null, seconds: Number(seconds) }));
      logger.info({ records: verification.records, block: verification.block ?? null, seconds: Number(seconds) }, "index intact");
    },
    onProgress: (progress) => {
      metrics.progress(progress);
      // A status line per batch in json mode (tests read it); at most ten redraws a second otherwise.
      if (options.progress !== "json" && progress.phase === "follow" && Date.now() - lastShown < 100) return;
      lastShown = Date.now();
      show(progress);
    },
    onOutcome: (outcome: SyncOutcome) => {
      metrics.outcome(outcome);
      if (outcome.type === "reorg") {
        logger.warn(
          { commonAncestor: outcome.commonAncestor, undoneBlocks: outcome.undoneBlocks, reappliedTo: outcome.reappliedTo },
          "followed a reorganisation",
        );
        lastReorg = `at ${outcome.commonAncestor} (${outcome.undoneBlocks} blocks)`;
        if (options.progress === "json") console.log(JSON.stringify(outcome));
      }
    },
    onRetry: (error, attempt) => {
      logger.warn({ attempt, err: error }, "retrying the node");
    },
  });

  const stop = (): void => {
    void indexer.stop();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await indexer.done;
  } finally {
    if (barShown) bar.stop();
    if (options.progress === "bar" && process.stdout.isTTY) process.stdout.write("\n");
    served?.server.close();
  }
  const cursor = indexer.cursor();
  if (options.progress === "json") console.log(JSON.stringify({ type: "stopped", cursor: cursor?.number ?? null }));
  logger.info({ block: cursor?.number ?? null }, "stopped");
}

// For machines (--log-format json) every line on stderr is JSON, the failure that ends the run included.
const logger = createCommandLogger("chainbill-indexer", { format: logFormatFromArgv(process.argv.slice(2)) });
runCommand("indexer", USAGE, parseCommand, main, 1, failureReporter(logger, logFormatFromArgv(process.argv.slice(2))));
