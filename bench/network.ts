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
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DESCRIPTOR_ENV, HARDHAT_NETWORK_NAME } from "../src/network/descriptor";
import type { LoadFigures } from "./network-load";
import { startTemporaryNetwork } from "../src/network/temporary";
import { createCommandLogger, logFormatFromArgv } from "../src/log/logger";

/** The run's progress (nodes, phases, errors) on stderr; the figures on stdout. `--log-format json` for JSON lines. */
const logger = createCommandLogger("chainbill-bench-network", { format: logFormatFromArgv(process.argv.slice(2)) });

const ROOT = path.resolve(__dirname, "..");
const VALIDATORS = 4;

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
  const line = (row: string[]): string => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  return [line(rows[0]), widths.map((width) => "-".repeat(width)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

async function main(): Promise<void> {
  // Ctrl-C ends the process through its exit hooks, which kill the temporary network's nodes.
  process.once("SIGINT", () => process.exit(130));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-bench-"));
  logger.info({ validators: VALIDATORS }, "starting a temporary geth Clique network");
  const network = await startTemporaryNetwork(VALIDATORS, logger);
  try {
    const seconds = process.env.CHAINBILL_BENCH_SECONDS ?? "60";
    logger.info({ network: "hardhat", seconds: Number(seconds) }, "sending splits to Hardhat's in-process network");
    const inProcess = await runPhase("hardhat", process.env, path.join(scratch, "hardhat.json"));
    logger.info({ network: HARDHAT_NETWORK_NAME, rpcUrl: network.descriptor.rpcUrl, seconds: Number(seconds) }, `sending splits to the ${VALIDATORS}-validator network`);
    const clique = await runPhase(HARDHAT_NETWORK_NAME, { ...process.env, [DESCRIPTOR_ENV]: network.descriptorFile }, path.join(scratch, "clique.json"));

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
        row(`Hardhat in-process (${inProcess.client})`, inProcess),
        row(`${VALIDATORS}-validator Clique, 1 s blocks (${clique.client})`, clique),
      ]),
    );
    console.log();
    console.log(
      `${VALIDATORS}-validator network vs in-process: ${ratio(clique.splitsPerSecond, inProcess.splitsPerSecond)}x the throughput, ` +
        `${ratio(clique.latencyMs.p50, inProcess.latencyMs.p50)}x the p50 latency, ${ratio(clique.latencyMs.p99, inProcess.latencyMs.p99)}x the p99 latency under load, ` +
        `${ratio(clique.idleLatencyMs.p50, inProcess.idleLatencyMs.p50)}x the idle p50 latency (blocks are watched every 25 ms)`,
    );
    console.log(
      `load: ${clique.senders} senders, up to ${clique.window} splits in flight each, ${seconds} s per network; ` +
        `latency under load includes queueing; idle: one split at a time (CHAINBILL_BENCH_PROBES, default 20)`,
    );
    console.log(`blocks replaced by a Clique reorganisation while the load ran: ${clique.reorgedBlocks}`);
    for (const figures of [inProcess, clique]) {
      console.log(
        `${figures.network} generator: ${figures.presignedPerSender} splits signed ahead per sender, signing at ${figures.generatorSignaturesPerSecond} signatures/s ` +
          `(one thread, libsecp256k1 unless it did not load) beside ${figures.splitsPerSecond.toFixed(1)} confirmed splits/s; ${figures.signedDuringLoad} signed while the load ran`,
      );
    }
    for (const figures of [inProcess, clique]) {
      if (figures.notSent > 0 || figures.included !== figures.sent) {
        console.log(`${figures.network}: ${figures.notSent} not sent, ${figures.sent - figures.included} sent but not in a block by the end`);
      }
    }
  } finally {
    await network.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  logger.error({ err: error }, error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
