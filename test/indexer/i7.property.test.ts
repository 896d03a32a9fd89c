import { expect } from "chai";
import hre from "hardhat";
import fc from "fast-check";
import { startIndexer } from "../../src/indexer/indexer";
import type { RunningIndexer, SyncOutcome } from "../../src/indexer/indexer";
import type { Eip1193Provider } from "../../src/chain/rpc";
import { sequenceArbitrary } from "../invariants/receivable.model";
import type { Op } from "../invariants/receivable.model";
import { createSequenceWorld } from "./helpers/sequences";
import type { SequenceWorld } from "./helpers/sequences";
import { expectIndexMatchesContracts, expectSameRecords, removeDir, replayFromScratch, tempDir, waitForHead } from "./helpers/compare";

/**
 * I7: the indexer's view equals a replay of the chain's events at the same block. A live indexer follows the
 * in-process network while the contract suites' property-based sequences run; each sequence starts by reverting
 * the chain to the baseline, so the follower also lives through a reorganisation per sequence. After every
 * sequence the follower's records must equal a from-scratch index of the surviving chain, and the contracts' own
 * views at that block.
 */

const DEFAULT_RUNS = 60;

function runsFromEnvironment(): number {
  const raw = process.env.CHAINBILL_INDEXER_PROPERTY_RUNS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_RUNS;
  const runs = Number(raw);
  if (!Number.isSafeInteger(runs) || runs <= 0) throw new Error(`CHAINBILL_INDEXER_PROPERTY_RUNS must be a positive integer, not "${raw}"`);
  return runs;
}

describe("Indexer I7: the index equals a replay of the events and the contracts' views (property-based)", function () {
  let world: SequenceWorld;
  let baseline: string;
  let indexer: RunningIndexer | undefined;
  let dbPath: string;
  const provider = hre.network.provider as unknown as Eip1193Provider;
  const reorgs: Array<Extract<SyncOutcome, { type: "reorg" }>> = [];
  const stats = { sequences: 0, transactions: 0, compared: 0, records: 0 };

  async function snapshot(): Promise<string> {
    const id: unknown = await hre.network.provider.send("evm_snapshot", []);
    if (typeof id !== "string") throw new Error("evm_snapshot failed");
    return id;
  }

  before(async function () {
    world = await createSequenceWorld();
    baseline = await snapshot();
    dbPath = tempDir("i7");
    indexer = await startIndexer({
      provider,
      dbPath,
      addresses: world.addresses,
      startBlock: world.deploymentBlock,
      reorgWindow: 2_000,
      pollIntervalMs: 5,
      onOutcome: (outcome) => {
        if (outcome.type === "reorg") reorgs.push(outcome);
      },
    });
  });

  after(async function () {
    await indexer?.stop();
    if (dbPath !== undefined) removeDir(dbPath);
    if (baseline !== undefined) await hre.network.provider.send("evm_revert", [baseline]);
    console.log(
      `      I7: ${stats.sequences} sequences, ${stats.transactions} transactions, ${reorgs.length} reorgs followed ` +
        `(deepest ${Math.max(0, ...reorgs.map((r) => r.undoneBlocks))} blocks), ${stats.records} records and ${stats.compared} contract views compared`,
    );
    if (world !== undefined)
      console.log(
        `      transactions: ${[...world.sentByKind]
          .sort()
          .map(([kind, count]) => `${kind} ${count}`)
          .join(", ")}`,
      );
  });

  async function checkSequence(ops: Op[]): Promise<void> {
    const running = indexer;
    if (running === undefined) throw new Error("indexer not started");
    const reverted: unknown = await hre.network.provider.send("evm_revert", [baseline]);
    if (reverted !== true) throw new Error("evm_revert failed");
    baseline = await snapshot();
    stats.sequences += 1;
    stats.transactions += await world.run(ops);
    const head = await waitForHead(running);
    const block = await hre.ethers.provider.getBlock(head.number);
    if (block === null) throw new Error("head block vanished");

    const indexed = await running.reader.derivedRecords();
    const status = await running.reader.status();
    expect(status?.asOfBlock).to.equal(head.number);
    const replayed = await replayFromScratch({ provider, addresses: world.addresses, startBlock: world.deploymentBlock });
    expectSameRecords(indexed, replayed, `after sequence ${stats.sequences} (${ops.length} operations)`);
    stats.records += indexed.size;
    stats.compared += await expectIndexMatchesContracts(indexed, world.addresses, head.number, block.timestamp);
  }

  it("after every sequence of token, registry, funding, repayment, claim and overdue operations", async function () {
    await fc.assert(fc.asyncProperty(sequenceArbitrary(world.layout), checkSequence), {
      numRuns: runsFromEnvironment(),
      endOnFailure: true,
    });
    expect(reorgs.length).to.be.greaterThan(0, "reverting to the baseline between sequences is followed as a reorg");
  });
});
