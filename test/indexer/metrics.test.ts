import { expect } from "chai";
import hre from "hardhat";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { generateChain } from "../support/indexer/generate";
import type { GeneratedChain } from "../support/indexer/generate";
import { removeDir, tempDir } from "./helpers/compare";

/**
 * The standalone indexer (`npm run indexer`) with `--metrics-port 0 --log-format json`: its log (JSON lines on
 * stderr) names the metrics URL on 127.0.0.1; `/metrics` gives the head, the block indexed, the lag, reorgs and
 * events, in Prometheus' text format, and they reach the chain's head; SIGINT stops it cleanly.
 */

function metricValue(text: string, name: string): number {
  const line = text.split("\n").find((entry) => entry.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in\n${text}`);
  return Number(line.split(" ")[1]);
}

describe("Indexer command: logs through pino and serves /metrics", function () {
  let server: JsonRpcServer | undefined;
  let child: ChildProcess | undefined;
  let chain: GeneratedChain;
  let snapshotId: string | undefined;
  const dir = tempDir("metrics");

  before(async function () {
    snapshotId = (await hre.network.provider.send("evm_snapshot", [])) as string;
    chain = await generateChain({ holderSlots: 2, splitsPerSlot: 5, lineageDepth: 2, extraConfirmations: 3, transactionsPerBlock: 4 });
    server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  });

  after(async function () {
    child?.kill("SIGKILL");
    await server?.close();
    removeDir(dir);
    if (snapshotId !== undefined) await hre.network.provider.send("evm_revert", [snapshotId]);
  });

  it("logs JSON lines on stderr, and /metrics on 127.0.0.1 follows the index to the head", async function () {
    const { port } = await (server as JsonRpcServer).listen();
    const addressesFile = path.join(dir, "addresses.json");
    writeFileSync(addressesFile, JSON.stringify(chain.addresses));
    const head = Number(await hre.network.provider.send("eth_blockNumber", []));
    const running = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        path.join("scripts", "indexer.ts"),
        ...[
          "--rpc",
          `http://127.0.0.1:${port}`,
          "--db",
          path.join(dir, "index"),
          "--addresses",
          addressesFile,
          "--start-block",
          String(chain.deploymentBlock),
        ],
        ...["--progress", "none", "--poll-ms", "50", "--log-format", "json", "--metrics-port", "0"],
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } },
    );
    child = running;
    const logs: Array<Record<string, unknown>> = [];
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: running.stderr as NodeJS.ReadableStream }).on("line", (line) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (record.msg === "serving metrics") resolve(String(record.url));
      });
      running.on("exit", (code) => reject(new Error(`the indexer exited with ${code} before serving metrics: ${JSON.stringify(logs)}`)));
    });
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(logs[0]).to.include({ name: "chainbill-indexer" });

    // Asked until the index reaches the head (each answer checked; no timing in the assertions).
    let text = "";
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const response = await fetch(url);
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.include("text/plain");
      text = await response.text();
      if (text.includes("chainbill_indexer_indexed_block ") && metricValue(text, "chainbill_indexer_indexed_block") >= head) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(metricValue(text, "chainbill_indexer_head_block")).to.be.at.least(head);
    expect(metricValue(text, "chainbill_indexer_indexed_block")).to.equal(metricValue(text, "chainbill_indexer_head_block"));
    expect(metricValue(text, "chainbill_indexer_lag_blocks")).to.equal(0);
    expect(metricValue(text, "chainbill_indexer_reorgs_total")).to.equal(0);
    expect(metricValue(text, "chainbill_indexer_events_total")).to.be.greaterThan(0);
    expect(text).to.include("# TYPE chainbill_indexer_events_per_second gauge");
    expect((await fetch(url.replace("/metrics", "/other"))).status).to.equal(404);

    const exited = new Promise<number | null>((resolve) => running.on("exit", (code) => resolve(code)));
    running.kill("SIGINT");
    expect(await exited).to.equal(0);
    child = undefined;
    expect(logs.some((record) => record.msg === "stopped")).to.equal(true);
  });
});
