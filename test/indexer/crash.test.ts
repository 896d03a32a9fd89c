import { expect } from "chai";
import hre from "hardhat";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import type { Eip1193Provider } from "../../src/chain/rpc";
import { createIndexReader } from "../../src/indexer/queries";
import { openIndexDb } from "../../src/indexer/store";
import { generateChain, plannedEvents } from "../support/indexer/generate";
import type { GeneratedChain, GenerationPlan } from "../support/indexer/generate";
import { expectSameRecords, removeDir, replayFromScratch, tempDir } from "./helpers/compare";

/**
 * Crash safety: an indexer in a child process, reading a node over HTTP on 127.0.0.1, is killed with SIGKILL at
 * random points of its backfill, again and again, and resumed each time; the index it finally completes must be
 * identical to one built without interruption.
 *
 * Default size: about 4,000 events (CHAINBILL_INDEXER_CRASH_EVENTS raises it; the full size is 20000),
 * 10 kills (CHAINBILL_INDEXER_CRASH_KILLS).
 */

function fromEnvironment(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

const EVENTS = fromEnvironment("CHAINBILL_INDEXER_CRASH_EVENTS", 4_000);
const KILLS = fromEnvironment("CHAINBILL_INDEXER_CRASH_KILLS", 10);
/** Blocks per backfill chunk in the child, small so that a backfill has many commits to be killed in between. */
const MAX_RANGE = 6;

/** A plan of about `events` events: three slots split to the holder, a short lineage, the rest confirmations. */
function planFor(events: number): GenerationPlan {
  const splitsPerSlot = Math.ceil(events / 2 / 3 / 3);
  const plan: GenerationPlan = { holderSlots: 3, splitsPerSlot, lineageDepth: 5, extraConfirmations: 0, transactionsPerBlock: 4 };
  plan.extraConfirmations = Math.max(0, Math.ceil((events - plannedEvents(plan)) / 4));
  return plan;
}

describe("Indexer crash safety: SIGKILL at random points of a backfill, then resume", function () {
  let server: JsonRpcServer | undefined;
  let rpcUrl: string;
  let chain: GeneratedChain;
  const dirs: string[] = [];
  const children = new Set<ChildProcess>();
  const provider = hre.network.provider as unknown as Eip1193Provider;

  let snapshotId: string | undefined;

  before(async function () {
    snapshotId = (await hre.network.provider.send("evm_snapshot", [])) as string;
    const plan = planFor(EVENTS);
    chain = await generateChain(plan);
    server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
    const { port } = await server.listen();
    rpcUrl = `http://127.0.0.1:${port}`;
  });

  after(async function () {
    for (const child of children) child.kill("SIGKILL");
    await server?.close();
    for (const dir of dirs) removeDir(dir);
    // Leave the chain as it was for the test files that follow.
    if (snapshotId !== undefined) await hre.network.provider.send("evm_revert", [snapshotId]);
  });

  interface ChildRun {
    /** Batches the child reported committing before it ended. */
    batches: number;
    killed: boolean;
    finished: boolean;
  }

  /** Runs the CLI indexer; kills it with SIGKILL `killAfterMs` after its `killAfterBatches`-th batch, if given. */
  function runChild(dbPath: string, addressesFile: string, kill?: { afterBatches: number; afterMs: number }): Promise<ChildRun> {
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        path.join("scripts", "indexer.ts"),
        ...["--rpc", rpcUrl, "--db", dbPath, "--addresses", addressesFile, "--start-block", String(chain.deploymentBlock)],
        ...["--exit-at-head", "--progress", "json", "--max-range", String(MAX_RANGE), "--reorg-window", "16", "--poll-ms", "20"],
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } },
    );
    children.add(child);
    const run: ChildRun = { batches: 0, killed: false, finished: false };
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      if (line.includes('"type":"stopped"')) run.finished = true;
      else if (line.includes('"phase"')) run.batches += 1;
      if (kill !== undefined && run.batches === kill.afterBatches && !run.killed) {
        run.killed = true;
        setTimeout(() => child.kill("SIGKILL"), kill.afterMs);
      }
    });
    return new Promise((resolve, reject) => {
      child.on("exit", (code, signal) => {
        children.delete(child);
        if (signal === "SIGKILL" || code === 0) resolve(run);
        else reject(new Error(`indexer child exited with ${code ?? signal}: ${stderr}`));
      });
    });
  }

  it(`ends identical to an uninterrupted index after ${KILLS} kills during a backfill of ~${EVENTS} events`, async function () {
    const reference = await replayFromScratch({ provider, addresses: chain.addresses, startBlock: chain.deploymentBlock });
    const dir = tempDir("crash");
    dirs.push(dir);
    const addressesFile = path.join(dir, "addresses.json");
    writeFileSync(addressesFile, JSON.stringify(chain.addresses));
    const dbPath = path.join(dir, "index");

    // Spread the kills over the whole backfill: each run gets about its share of the chunks before it is killed.
    const chunks = Math.ceil((chain.head - chain.deploymentBlock + 1) / MAX_RANGE);
    const share = Math.max(1, Math.floor(chunks / (KILLS + 1)));
    let killsDuringBackfill = 0;
    let attempts = 0;
    while (killsDuringBackfill < KILLS) {
      attempts += 1;
      if (attempts > KILLS * 3) throw new Error(`only ${killsDuringBackfill} kills landed during the backfill in ${attempts - 1} runs`);
      const run = await runChild(dbPath, addressesFile, {
        afterBatches: 1 + Math.floor(Math.random() * share),
        afterMs: Math.floor(Math.random() * 20),
      });
      if (run.finished) break;
      if (run.killed) killsDuringBackfill += 1;
    }
    expect(killsDuringBackfill).to.equal(KILLS, "every kill landed before the backfill finished");
    const final = await runChild(dbPath, addressesFile);
    expect(final.finished).to.equal(true);

    const db = await openIndexDb(dbPath);
    try {
      const reader = createIndexReader(db, { confirmations: 0 });
      const status = await reader.status();
      expect(status?.asOfBlock).to.equal(chain.head);
      const records = await reader.derivedRecords();
      expectSameRecords(records, reference, `after ${killsDuringBackfill} kills`);
      // Every event about a piece is in its history (a row holds one transaction's logs about the piece).
      const historyLogs = [...records].filter(([key]) => key.startsWith("e/")).reduce((count, [, row]) => count + row.split(";").length - 1, 0);
      expect(historyLogs).to.be.greaterThan(EVENTS / 2);
      console.log(
        `      crash: ${killsDuringBackfill} SIGKILLs during the backfill of ${chain.head - chain.deploymentBlock + 1} blocks, ${records.size} records identical`,
      );
    } finally {
      await db.close();
    }
  });
});
