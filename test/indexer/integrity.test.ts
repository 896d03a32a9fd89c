import { expect } from "chai";
import hre from "hardhat";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startIndexer } from "../../src/indexer/indexer";
import type { IndexerOptions } from "../../src/indexer/indexer";
import { IndexDamagedError, verifyIndex } from "../../src/indexer/integrity";
import { createIndexReader } from "../../src/indexer/queries";
import type { Eip1193Provider } from "../../src/chain/rpc";
import { positionOf } from "../../src/indexer/schema";
import { openIndexDb } from "../../src/indexer/store";
import { generateChain } from "../support/indexer/generate";
import type { GeneratedChain } from "../support/indexer/generate";
import { expectSameRecords, removeDir, replayFromScratch, tempDir } from "./helpers/compare";

/**
 * The index notices damage to its own files: a small index is built, stopped, copied, and each copy damaged as a
 * disk or a careless hand would (a digit changed inside a table's value, 64 bytes flipped in the write-ahead log, a
 * table cut short, a file deleted). The indexer (and so the API, which starts it before serving) must refuse each
 * with IndexDamagedError saying what is damaged and how to rebuild, never LevelDB's raw message, and never serve
 * the damaged records. The bytes to damage are found by searching the files for a record the index holds.
 */

const REBUILD = /is damaged: .+ Rebuild it: stop whatever uses it, delete the folder .+ and run the indexer again/;

describe("Indexer integrity: a damaged index is refused, with what is damaged and how to rebuild", function () {
  let chain: GeneratedChain;
  let snapshotId: string | undefined;
  /** The index as the indexer left it (its records still in the write-ahead log): copied, never opened. */
  let pristine: string;
  /** Its history rows (written once, never replaced), in key order. */
  let rows: Array<[string, string]>;
  let options: Omit<IndexerOptions, "dbPath">;
  const dirs: string[] = [];
  const provider = hre.network.provider as unknown as Eip1193Provider;

  before(async function () {
    snapshotId = (await hre.network.provider.send("evm_snapshot", [])) as string;
    chain = await generateChain({ holderSlots: 2, splitsPerSlot: 60, lineageDepth: 4, extraConfirmations: 120, transactionsPerBlock: 4 });
    // Small backfill chunks and a short reorg window: many batches, so that damage can hit one in the middle of the
    // write-ahead log.
    options = {
      provider,
      addresses: chain.addresses,
      startBlock: chain.deploymentBlock,
      exitAtHead: true,
      pollIntervalMs: 10,
      reorgWindow: 2,
      sizing: { initialBlocks: 4, maxBlocks: 4 },
    };
    pristine = tempDir("integrity-pristine");
    dirs.push(pristine);
    const indexer = await startIndexer({ ...options, dbPath: pristine });
    await indexer.done;
    const reader = await copy("rows", false);
    const db = await openIndexDb(reader);
    rows = await db.iterator({ gte: "e/", lt: "e/\uffff" }).all();
    await db.close();
  });

  after(async function () {
    for (const dir of dirs) removeDir(dir);
    if (snapshotId !== undefined) await hre.network.provider.send("evm_revert", [snapshotId]);
  });

  /** A copy of the pristine index; `tables`: opened and closed once first, so that LevelDB moved its log into a table. */
  async function copy(label: string, tables: boolean): Promise<string> {
    const dir = tempDir(`integrity-${label}`);
    dirs.push(dir);
    rmSync(dir, { recursive: true, force: true });
    cpSync(pristine, dir, { recursive: true });
    if (tables) {
      const db = await openIndexDb(dir);
      await db.close();
      expect(filesEnding(dir, ".ldb").length, "a table file after reopening").to.be.greaterThan(0);
    }
    return dir;
  }

  function filesEnding(dir: string, suffix: string): string[] {
    return readdirSync(dir)
      .filter((file) => file.endsWith(suffix))
      .map((file) => path.join(dir, file));
  }

  /** Where `text` is written verbatim in one of `files`, searching the candidates in order. */
  function locate(files: readonly string[], candidates: readonly string[]): { file: string; offset: number; text: string } {
    for (const text of candidates) {
      for (const file of files) {
        const offset = readFileSync(file).indexOf(Buffer.from(text, "latin1"));
        if (offset >= 0) return { file, offset, text };
      }
    }
    throw new Error("none of the records is written verbatim in the files");
  }

  /** Starting the indexer on `dir` fails with IndexDamagedError; returns its message. */
  async function expectRefused(dir: string): Promise<string> {
    let failure: unknown;
    await startIndexer({ ...options, dbPath: dir, onVerified: (v) => console.log(`      unexpectedly verified: ${JSON.stringify(v)}`) }).then(
      async (indexer) => {
        await indexer.stop();
      },
      (error: unknown) => {
        failure = error;
      },
    );
    expect(failure, "the indexer refused the damaged index").to.be.instanceOf(IndexDamagedError);
    const message = (failure as Error).message;
    expect(message).to.match(REBUILD);
    expect(message).to.include(dir);
    // Not LevelDB's own words first.
    expect(message).not.to.match(/^(Corruption|IO error|Database failed)/);
    return message;
  }

  it("keeps a digest every commit updates: the pristine index verifies, with its verify time", async function () {
    const dir = await copy("intact", false);
    const db = await openIndexDb(dir);
    try {
      const result = await verifyIndex(db, dir);
      expect(result.block).to.equal(chain.head);
      expect(result.records).to.be.greaterThan(1_000);
      console.log(`      verify: ${result.records} records in ${result.milliseconds.toFixed(0)} ms`);
    } finally {
      await db.close();
    }
  });

  it("damage: one digit changed inside a value in a table file (.ldb) is refused, naming the records that differ", async function () {
    const dir = await copy("digit", true);
    // A piece's history row starts with its transaction's hash and a ";" (activity rows quote the hash too, as
    // "0x…"): find one written verbatim in a table, change a digit.
    const found = locate(
      filesEnding(dir, ".ldb"),
      rows.map(([, value]) => value.slice(0, 65)),
    );
    const bytes = readFileSync(found.file);
    let at = found.offset;
    while (!(bytes[at] >= 0x30 && bytes[at] <= 0x39)) at += 1;
    bytes[at] = 0x30 + ((bytes[at] - 0x30 + 1) % 10);
    writeFileSync(found.file, bytes);
    // LevelDB itself does not notice: the changed record reads back changed.
    const db = await openIndexDb(dir);
    const changed = (await db.iterator({ gte: "e/", lt: "e/\uffff" }).all()).filter(([key, value]) => rows.find(([k]) => k === key)?.[1] !== value);
    await db.close();
    expect(changed.length, "history rows LevelDB reads back changed").to.be.greaterThan(0);

    const message = await expectRefused(dir);
    expect(message).to.match(/piece histories \(e\/\): \d+ records as committed, but their contents differ/);
  });

  it("damage: 64 bytes flipped in the write-ahead log (.log) are refused, naming the records missing", async function () {
    const dir = await copy("wal", false);
    const logs = filesEnding(dir, ".log");
    expect(logs.length).to.equal(1);
    // A history row of a block a quarter into the chain: its batch has many batches after it in the log.
    const quarter = chain.deploymentBlock + Math.floor((chain.head - chain.deploymentBlock) / 4);
    const early = rows.filter(([key]) => positionOf(key.slice(key.lastIndexOf("/") + 1)).blockNumber >= quarter);
    const found = locate(
      logs,
      early.map(([, value]) => value.slice(0, 64)),
    );
    const bytes = readFileSync(found.file);
    for (let k = 0; k < 64; k += 1) bytes[found.offset + k] ^= 0xff;
    writeFileSync(found.file, bytes);

    const message = await expectRefused(dir);
    expect(message).to.match(/\d+ of the \d+ .+ are missing/);
  });

  it("damage: a table file cut short is refused, naming the file", async function () {
    const dir = await copy("truncated", true);
    const [table] = filesEnding(dir, ".ldb");
    truncateSync(table, Math.floor(statSync(table).size / 2));
    const message = await expectRefused(dir);
    expect(message).to.include(path.basename(table));
  });

  it("damage: a deleted table file is refused, naming the file", async function () {
    const dir = await copy("deleted-table", true);
    const [table] = filesEnding(dir, ".ldb");
    rmSync(table);
    const message = await expectRefused(dir);
    expect(message).to.match(new RegExp(`1 of its table files is missing \\(e\\.g\\. ${path.basename(table)}\\)`));
  });

  it("damage: a deleted manifest or CURRENT file is refused (LevelDB alone would start an empty index over the old files)", async function () {
    const withoutManifest = await copy("deleted-manifest", true);
    const [manifest] = readdirSync(withoutManifest).filter((file) => file.startsWith("MANIFEST-"));
    rmSync(path.join(withoutManifest, manifest));
    expect(await expectRefused(withoutManifest)).to.include(`its file ${manifest} is missing`);

    const withoutCurrent = await copy("deleted-current", true);
    rmSync(path.join(withoutCurrent, "CURRENT"));
    expect(await expectRefused(withoutCurrent)).to.include("its file CURRENT");
    // Refused before LevelDB touched anything: the tables are still there.
    expect(filesEnding(withoutCurrent, ".ldb").length).to.be.greaterThan(0);
  });

  it("damage: a write-ahead log cut short loses only whole batches at its end: the index resumes from the last whole one", async function () {
    const dir = await copy("cut-log", false);
    const [log] = filesEnding(dir, ".log");
    truncateSync(log, Math.floor(statSync(log).size / 2));
    const db = await openIndexDb(dir);
    const rewound = await verifyIndex(db, dir);
    await db.close();
    expect(rewound.block).to.be.lessThan(chain.head);
    const indexer = await startIndexer({ ...options, dbPath: dir });
    await indexer.done;
    const reopened = await openIndexDb(dir);
    try {
      const records = await createIndexReader(reopened, { confirmations: 0 }).derivedRecords();
      expectSameRecords(records, await replayFromScratch(options), "after resuming from a cut log");
    } finally {
      await reopened.close();
    }
  });

  it("damage: `npm run indexer -- verify` exits 0 on an intact index and 1 on a damaged one, saying what and how to rebuild", async function () {
    const run = (dir: string) =>
      spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("scripts", "indexer.ts"), "verify", "--db", dir], {
        encoding: "utf8",
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
        timeout: 60_000,
      });
    const intact = run(await copy("cli-intact", false));
    expect(intact.status, intact.stderr).to.equal(0);
    expect(intact.stdout).to.match(/is intact: [\d,]+ records, as of block \d+, checked in [\d.]+ s/);

    const dir = await copy("cli", true);
    rmSync(filesEnding(dir, ".ldb")[0]);
    const damaged = run(dir);
    expect(damaged.status).to.equal(1);
    expect(damaged.stderr).to.match(/^IndexDamagedError: the index at .+ is damaged: 1 of its table files is missing/);
    expect(damaged.stderr).to.match(REBUILD);
  });
});
