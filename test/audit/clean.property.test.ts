import { expect } from "chai";
import hre from "hardhat";
import fc from "fast-check";
import { sequenceArbitrary } from "../invariants/receivable.model";
import type { Op } from "../invariants/receivable.model";
import { createSequenceWorld } from "../indexer/helpers/sequences";
import type { SequenceWorld } from "../indexer/helpers/sequences";
import type { DeploymentRecord } from "../../src/chain/deployment";
import { audit, describeFindings } from "./helpers";

/**
 * No false alarms: the histories the contract suites' property-based sequences make (confirmations, splits,
 * transfers with proof, merges, suspensions and KYC lapses, pauses, fundings with one or several verifiers,
 * repayments, claims, overdue flags, currency issue and redemption) are all legitimate, so each audits clean.
 * `CHAINBILL_AUDIT_PROPERTY_RUNS` sets the number of sequences (default 25).
 */

const DEFAULT_RUNS = 25;

function runsFromEnvironment(): number {
  const text = process.env.CHAINBILL_AUDIT_PROPERTY_RUNS;
  if (text === undefined || text === "") return DEFAULT_RUNS;
  const runs = Number(text);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`CHAINBILL_AUDIT_PROPERTY_RUNS must be a positive integer, not "${text}"`);
  return runs;
}

describe("audit of property-based histories", function () {
  let world: SequenceWorld;
  let record: DeploymentRecord;
  let baseline: string | undefined;
  const stats = { sequences: 0, transactions: 0, events: 0, fundings: 0, claims: 0 };

  async function snapshot(): Promise<string> {
    const id: unknown = await hre.network.provider.send("evm_snapshot", []);
    if (typeof id !== "string") throw new Error("evm_snapshot failed");
    return id;
  }

  before(async function () {
    baseline = await snapshot();
    world = await createSequenceWorld();
    const { chainId } = await hre.ethers.provider.getNetwork();
    record = { chainId, contracts: world.addresses, deploymentBlock: world.deploymentBlock, source: "test" };
  });

  after(async function () {
    if (baseline !== undefined) await hre.network.provider.send("evm_revert", [baseline]);
    console.log(
      `      audited ${stats.sequences} sequences: ${stats.transactions} transactions, ${stats.events} events, ${stats.fundings} fundings re-verified, ${stats.claims} claims`,
    );
  });

  it("every history of the invariant sequences audits clean", async function () {
    let start = await snapshot();
    await fc.assert(
      fc.asyncProperty(sequenceArbitrary(world.layout), async (ops: Op[]) => {
        const reverted: unknown = await hre.network.provider.send("evm_revert", [start]);
        if (reverted !== true) throw new Error("evm_revert failed");
        start = await snapshot();
        stats.sequences += 1;
        stats.transactions += await world.run(ops);
        const result = await audit(record);
        stats.events += result.replay.eventsReplayed;
        stats.fundings += result.replay.fundings.length;
        stats.claims += result.replay.cash.filter((movement) => movement.kind === "claim").length;
        expect(describeFindings(result), `after ${ops.length} operations`).to.equal("");
      }),
      { numRuns: runsFromEnvironment(), endOnFailure: true },
    );
    expect(stats.fundings, "the sequences fund pieces, so the re-verification ran").to.be.greaterThan(0);
  });
});
