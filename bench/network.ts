/**
 * `npm run bench:network`: confirmed splits per second and confirmation latency (p50, p99) on a temporary
 * 4-validator geth Clique network and on Hardhat's in-process network, measured in the same run with the same
 * load (bench/network-load.ts: several suppliers splitting 1 fen off their pieces as fast as the network
 * confirms, for CHAINBILL_BENCH_SECONDS, default 60, each). Latency runs from sending a split to seeing it in a
 * block, under that load and then idle (one split at a time); on the in-process network every transaction is mined
 * as it arrives.
 *
 * The temporary network has its own directory, ports and chain id: a network started with `npm run network -- up`
 * is left alone. Its nodes are killed when the benchmark ends, however it ends.
 *
 * Settings to try (network/README.md, "What limits four validators", says what each did):
 *   CHAINBILL_BENCH_GAS_LIMIT   block gas limit of the temporary network (genesis and --miner.gaslimit)
 *   CHAINBILL_BENCH_BLOCK_PERIOD  Clique period in whole seconds (default 1)
 *   CHAINBILL_BENCH_GETH_ARGS   more geth flags for every node, space-separated (e.g. --txpool.globalslots 20000)
 *   CHAINBILL_BENCH_SEND_TO     rpc (default: plain HTTP to the RPC node) | provider (Hardhat's provider on the RPC
 *                               node, one call a request) | validators (HTTP opened on each validator, senders spread)
 *   CHAINBILL_BENCH_BATCH       transactions per JSON-RPC batch request in the geth phase (default 50; 1 with provider)
 *   CHAINBILL_BENCH_IN_PROCESS  0 skips the in-process phase (to try settings faster)
 * and bench-load.ts's CHAINBILL_BENCH_SECONDS, _SENDERS, _WINDOW, _MAX_SPLITS, _PROBES, _PRESIGN.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HELP_OPTION, parseCommandLine, runCommand } from "../src/chain/commandLine";
import { DESCRIPTOR_ENV, HARDHAT_NETWORK_NAME } from "../src/network/descriptor";
import type { NetworkNode } from "../src/network/descriptor";
import type { LoadFigures } from "./network-load";
import { runningPid } from "../src/network/processes";
import { startTemporaryNetwork } from "../src/network/temporary";
import type { TemporaryNetworkOptions } from "../src/network/temporary";
import { createCommandLogger, failureReporter, logFormatFromArgv } from "../src/log/logger";

/** The run's progress (nodes, phases, errors) on stderr; the figures on stdout. `--log-format json` for JSON lines. */
const logger = createCommandLogger("chainbill-bench-network", { format: logFormatFromArgv(process.argv.slice(2)) });

const ROOT = path.resolve(__dirname, "..");
const USAGE = `usage: npm run bench:network [-- --help] [-- --log-format pretty|json]
  No options: CHAINBILL_BENCH_SECONDS (default 60) is how long each network is loaded, CHAINBILL_BENCH_PROBES (default 20)
  how many idle splits measure the idle latency. Needs geth (scripts/geth-env.sh). Exit status: 0 measured,
  1 failed, 2 usage error.`;
const VALIDATORS = 4;
/** A validator's HTTP port when the benchmark opens one: its p2p port plus this (clear of the layout's offsets). */
const VALIDATOR_HTTP_OFFSET = 300;
/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times, on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
const IDLE_CPU_MS = 15_000;
const SEND_TARGETS = ["provider", "rpc", "validators"] as const;
/** eth_sendRawTransaction calls a sender puts in one JSON-RPC request: one a request held the generator to ~120/s. */
const DEFAULT_BATCH = 50;
type SendTarget = (typeof SEND_TARGETS)[number];

interface Settings {
  network: TemporaryNetworkOptions;
  sendTo: SendTarget;
  /** Transactions per JSON-RPC batch in the geth phase. */
  batch: string;
  inProcess: boolean;
  /** What differs from the defaults, for the report. */
  described: string[];
}

/** CPU seconds (user + system) the node's geth has used so far, from /proc; undefined when it is not running. */
function cpuSecondsOf(node: NetworkNode): number | undefined {
  const pid = runningPid(node);
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command name: state is field 3 of the line, utime 14 and stime 15, counted in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function sumCpu(seconds: readonly number[]): number {
  return seconds.reduce((sum, value) => sum + value, 0);
}

function validatorHttpUrl(node: NetworkNode): string {
  return `http://127.0.0.1:${node.p2pPort + VALIDATOR_HTTP_OFFSET}`;
}

function settingsFromEnvironment(env: NodeJS.ProcessEnv): Settings {
  const described: string[] = [];
  const text = (name: string): string | undefined => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const gasText = text("CHAINBILL_BENCH_GAS_LIMIT");
  if (gasText !== undefined && !/^\d+$/.test(gasText)) throw new Error(`CHAINBILL_BENCH_GAS_LIMIT must be a whole number, not "${gasText}"`);
  const gasLimit = gasText === undefined ? undefined : BigInt(gasText);
  const periodText = text("CHAINBILL_BENCH_BLOCK_PERIOD");
  if (periodText !== undefined && !/^[1-9]\d*$/.test(periodText))
    throw new Error(`CHAINBILL_BENCH_BLOCK_PERIOD must be a whole number of seconds >= 1, not "${periodText}"`);
  const gethArgs = (text("CHAINBILL_BENCH_GETH_ARGS") ?? "").split(/\s+/).filter((arg) => arg !== "");
  const sendTo = (text("CHAINBILL_BENCH_SEND_TO") ?? "rpc") as SendTarget;
  if (!SEND_TARGETS.includes(sendTo)) throw new Error(`CHAINBILL_BENCH_SEND_TO must be one of ${SEND_TARGETS.join(", ")}, not "${sendTo}"`);
  if (gasLimit !== undefined) described.push(`gas limit ${gasLimit}`);
  if (periodText !== undefined) described.push(`block period ${periodText} s`);
  if (gethArgs.length > 0) described.push(`geth ${gethArgs.join(" ")}`);
  if (sendTo !== "rpc") described.push(`sent to ${sendTo}`);
  const batch = text("CHAINBILL_BENCH_BATCH") ?? (sendTo === "provider" ? "1" : String(DEFAULT_BATCH));
  if (batch !== String(DEFAULT_BATCH)) described.push(`batches of ${batch}`);
  return {
    network: {
      gasLimit,
      blockPeriodSeconds: periodText === undefined ? undefined : Number(periodText),
      extraArgs: (node) => [
        ...(gasLimit === undefined ? [] : ["--miner.gaslimit", gasLimit.toString()]),
        ...gethArgs,
        ...(sendTo === "validators" && node.role === "validator"
          ? // geth refuses an unlocked sealing key beside HTTP unless told; this is a loopback network thrown away after.
            [
              "--allow-insecure-unlock",
              "--http",
              "--http.addr",
              "127.0.0.1",
              "--http.port",
              String(node.p2pPort + VALIDATOR_HTTP_OFFSET),
              "--http.api",
              "eth,net,web3",
            ]
          : []),
      ],
    },
    sendTo,
    batch,
    inProcess: text("CHAINBILL_BENCH_IN_PROCESS") !== "0",
    described,
  };
}

function runPhase(network: string, env: NodeJS.ProcessEnv, out: string): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const cli = require.resolve("hardhat/internal/cli/cli.js");
    const child = spawn(process.execPath, [cli, "run", "--network", network, "bench/network-load.ts"], {
      cwd: ROOT,
      env: { ...env, CHAINBILL_BENCH_OUT: out },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`the ${network} phase failed (exit code ${code})`));
        return;
      }
      resolve(JSON.parse(fs.readFileSync(out, "utf8")) as LoadFigures);
    });
  });
}

/** `numerator / denominator` to two decimals. */
function ratio(numerator: number, denominator: number): string {
  return denominator === 0 ? "n/a" : (numerator / denominator).toFixed(2);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]): string =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  return [line(rows[0]), widths.map((width) => "-".repeat(width)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

async function main(): Promise<void> {
  // Ctrl-C ends the process through its exit hooks, which kill the temporary network's nodes.
  process.once("SIGINT", () => process.exit(130));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-bench-"));
  logger.info({ validators: VALIDATORS }, "starting a temporary geth Clique network");
  const settings = settingsFromEnvironment(process.env);
  if (settings.described.length > 0) logger.info({ settings: settings.described }, "settings under trial");
  const network = await startTemporaryNetwork(VALIDATORS, logger, settings.network);
  try {
    const seconds = process.env.CHAINBILL_BENCH_SECONDS ?? "60";
    const phases: LoadFigures[] = [];
    let inProcess: LoadFigures | undefined;
    if (settings.inProcess) {
      logger.info({ network: "hardhat", seconds: Number(seconds) }, "sending splits to Hardhat's in-process network");
      const { CHAINBILL_BENCH_BATCH: _batch, ...inProcessEnv } = process.env;
      inProcess = await runPhase("hardhat", inProcessEnv, path.join(scratch, "hardhat.json"));
      phases.push(inProcess);
    }
    const urls =
      settings.sendTo === "rpc"
        ? [network.descriptor.rpcUrl]
        : settings.sendTo === "validators"
          ? network.descriptor.nodes.filter((node) => node.role === "validator").map(validatorHttpUrl)
          : [];
    logger.info(
      { network: HARDHAT_NETWORK_NAME, urls: urls.length === 0 ? [network.descriptor.rpcUrl] : urls, seconds: Number(seconds) },
      `sending splits to the ${VALIDATORS}-validator network`,
    );
    // What the nodes burn sealing empty blocks, to take out of the load's CPU.
    const idleStart = network.descriptor.nodes.map(cpuSecondsOf);
    const idleStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_CPU_MS));
    const idleCpuPerSecond =
      sumCpu(network.descriptor.nodes.map((node, index) => (cpuSecondsOf(node) ?? Number.NaN) - (idleStart[index] ?? Number.NaN))) /
      ((performance.now() - idleStarted) / 1000);
    const cpuBefore = network.descriptor.nodes.map(cpuSecondsOf);
    const phaseStarted = performance.now();
    const clique = await runPhase(
      HARDHAT_NETWORK_NAME,
      { ...process.env, [DESCRIPTOR_ENV]: network.descriptorFile, CHAINBILL_BENCH_SEND_URLS: urls.join(","), CHAINBILL_BENCH_BATCH: settings.batch },
      path.join(scratch, "clique.json"),
    );
    phases.push(clique);
    const phaseSeconds = (performance.now() - phaseStarted) / 1000;
    const cpuUsed = network.descriptor.nodes.map((node, index) => (cpuSecondsOf(node) ?? Number.NaN) - (cpuBefore[index] ?? Number.NaN));

    const period = settings.network.blockPeriodSeconds ?? 1;
    const row = (name: string, figures: LoadFigures): string[] => [
      name,
      figures.sent.toString(),
      figures.confirmedSplits.toString(),
      figures.splitsPerSecond.toFixed(1),
      figures.latencyMs.p50.toString(),
      figures.latencyMs.p99.toString(),
      figures.idleLatencyMs.p50.toString(),
      figures.idleLatencyMs.p99.toString(),
    ];
    console.log();
    console.log(
      table([
        ["network", "splits sent", "confirmed", "splits/s", "p50 ms", "p99 ms", "idle p50 ms", "idle p99 ms"],
        ...(inProcess === undefined ? [] : [row(`Hardhat in-process (${inProcess.client})`, inProcess)]),
        row(`${VALIDATORS}-validator Clique, ${period} s blocks (${clique.client})`, clique),
      ]),
    );
    console.log();
    if (inProcess !== undefined) {
      console.log(
        `${VALIDATORS}-validator network vs in-process: ${ratio(clique.splitsPerSecond, inProcess.splitsPerSecond)}x the throughput, ` +
          `${ratio(clique.latencyMs.p50, inProcess.latencyMs.p50)}x the p50 latency, ${ratio(clique.latencyMs.p99, inProcess.latencyMs.p99)}x the p99 latency under load, ` +
          `${ratio(clique.idleLatencyMs.p50, inProcess.idleLatencyMs.p50)}x the idle p50 latency (blocks are watched every 25 ms)`,
      );
    }
    console.log(
      `load: ${clique.senders} senders, up to ${clique.window} splits in flight each, ${seconds} s per network, ` +
        `${clique.batch === 1 ? "one transaction per request" : `${clique.batch} transactions per JSON-RPC batch`}; ` +
        `latency under load includes queueing; idle: one split at a time (CHAINBILL_BENCH_PROBES, default 20)`,
    );
    const { blocks } = clique;
    console.log(
      `${VALIDATORS}-validator blocks under load: ${blocks.count}, one every ${blocks.meanIntervalSeconds} s, ${blocks.meanSplits} splits a block on average ` +
        `(most ${blocks.maxSplits}), ${(blocks.meanGasFill * 100).toFixed(1)}% of the ${blocks.gasLimit} gas limit used; ` +
        `${clique.reorgedBlocks} blocks replaced by a Clique reorganisation`,
    );
    const cpuTotal = sumCpu(cpuUsed);
    const cpuPerSplitMs = ((cpuTotal - idleCpuPerSecond * phaseSeconds) * 1000) / Math.max(1, clique.confirmedSplits);
    console.log(
      `geth CPU over the ${phaseSeconds.toFixed(0)} s of the ${VALIDATORS}-validator phase (deployment and drain included): ` +
        `${network.descriptor.nodes.map((node, index) => `${node.name} ${cpuUsed[index].toFixed(1)} s`).join(", ")}; ` +
        `${cpuTotal.toFixed(1)} s in all (${(cpuTotal / phaseSeconds).toFixed(2)} of the machine's ${os.cpus().length} cores; idle, the nodes use ${idleCpuPerSecond.toFixed(2)}); ` +
        `${cpuPerSplitMs.toFixed(2)} ms of geth CPU a confirmed split beyond idle, so ${os.cpus().length} whole cores would carry at most ${((os.cpus().length * 1000) / cpuPerSplitMs).toFixed(0)} splits/s`,
    );
    for (const figures of phases) {
      console.log(
        `${figures.network} generator: signs ${figures.generatorSignaturesPerSecond} transactions/s (one thread, libsecp256k1 unless it did not load), ` +
          `${ratio(figures.generatorSignaturesPerSecond, figures.splitsPerSecond)}x the ${figures.splitsPerSecond.toFixed(1)} confirmed splits/s; ` +
          `${figures.presignedPerSender} signed ahead per sender, ${figures.signedDuringLoad} signed while the load ran`,
      );
    }
    for (const figures of phases) {
      if (figures.notSent > 0 || figures.included !== figures.sent) {
        console.log(`${figures.network}: ${figures.notSent} not sent, ${figures.sent - figures.included} sent but not in a block by the end`);
      }
    }
  } finally {
    await network.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

runCommand(
  "bench:network",
  USAGE,
  (argv) => (parseCommandLine(argv, { ...HELP_OPTION, "log-format": { type: "string" } }).values.help === true ? null : {}),
  main,
  1,
  failureReporter(logger, logFormatFromArgv(process.argv.slice(2))),
);
