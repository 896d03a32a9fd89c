/**
 * `npx hardhat run bench/indexer/verify-time.ts`: the cost of the index's integrity digest on the benchmark chain
 * (~150,000 events, {@link benchmarkPlan}): the full check each start makes, timed in fresh processes, and the
 * indexing time. With CHAINBILL_BASE_TREE=<dir> (a checkout of the code before the digest, with node_modules
 * linked), its indexing time is measured in alternation, for the overhead of hashing every record at commit.
 */
import hre from "hardhat";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { benchmarkPlan, generateChain } from "../../test/support/indexer/generate";

const ROUNDS = 3;

function nodeFlags(): string[] {
  const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
  const words = scripts.indexer.split(/\s+/);
  return words.slice(1, words.indexOf("-r")).filter((word) => word.startsWith("--"));
}

function child(root: string, args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const run = spawn(
      process.execPath,
      [...nodeFlags(), "-r", "ts-node/register/transpile-only", path.join("bench", "indexer", "bench-child.ts"), ...args],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
      },
    );
    let output = "";
    run.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    run.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(output.trim().split("\n").pop() ?? "") as Record<string, number>)
        : reject(new Error(`bench child exited with ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const chain = await generateChain(benchmarkPlan());
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await server.listen();
  const work = mkdtempSync(path.join(tmpdir(), "chainbill-verify-time-"));
  const base = process.env.CHAINBILL_BASE_TREE;
  try {
    const addressesFile = path.join(work, "addresses.json");
    writeFileSync(addressesFile, JSON.stringify(chain.addresses));
    const common = ["--rpc", `http://127.0.0.1:${port}`, "--addresses", addressesFile, "--start-block", String(chain.deploymentBlock)];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const db = path.join(work, `index-${round}`);
      const indexed = await child(process.cwd(), [...common, "--mode", "index", "--db", db]);
      console.log(
        `with digest    #${round}: ${indexed.events} events in ${indexed.seconds.toFixed(2)} s (${Math.round(indexed.eventsPerSecond)} events/s, cpu ${indexed.cpuSeconds.toFixed(2)} s)`,
      );
      if (base !== undefined) {
        const before = await child(path.resolve(base), [...common, "--mode", "index", "--db", path.join(work, `base-${round}`)]);
        console.log(
          `without digest #${round}: ${before.events} events in ${before.seconds.toFixed(2)} s (${Math.round(before.eventsPerSecond)} events/s, cpu ${before.cpuSeconds.toFixed(2)} s)`,
        );
      }
      const verified = await child(process.cwd(), ["--mode", "verify", "--db", db]);
      console.log(
        `verify         #${round}: ${verified.records} records in ${verified.verifySeconds.toFixed(2)} s (${verified.withOpenSeconds.toFixed(2)} s with the open)`,
      );
    }
    console.log(
      `load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
