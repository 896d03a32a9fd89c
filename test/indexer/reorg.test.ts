import { expect } from "chai";
import hre from "hardhat";
import { startIndexer, ReorgTooDeepError } from "../../src/indexer/indexer";
import type { RunningIndexer, SyncOutcome } from "../../src/indexer/indexer";
import type { Eip1193Provider } from "../../src/chain/rpc";
import { addressesOf } from "../../src/chain/system";
import type { ChainbillAddresses } from "../../src/chain/system";
import { confirmReceivable, deployConsortium, systemOf } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { expectIndexMatchesContracts, expectSameRecords, removeDir, replayFromScratch, tempDir, waitForHead } from "./helpers/compare";

/**
 * Reorgs on the in-process network (snapshot, mine, revert, mine another branch) while the indexer follows: it must
 * end identical to a from-scratch index of the surviving chain and to the contracts' views, whether the new branch
 * is longer or shorter than the one it replaced; a reorg deeper than the window is a fatal, named error.
 */

const SPLIT = "transferFrom(uint256,address,uint256)";
const WHOLE = "transferFrom(address,address,uint256)";

describe("Indexer reorgs: follows a reorganised chain back to a replay of the surviving branch", function () {
  let c: Consortium;
  let addresses: ChainbillAddresses;
  let deploymentBlock: number;
  let baseline: string;
  const provider = hre.network.provider as unknown as Eip1193Provider;
  const dirs: string[] = [];
  const running: RunningIndexer[] = [];

  async function snapshot(): Promise<string> {
    const id: unknown = await hre.network.provider.send("evm_snapshot", []);
    if (typeof id !== "string") throw new Error("evm_snapshot failed");
    return id;
  }

  async function revert(id: string): Promise<void> {
    expect(await hre.network.provider.send("evm_revert", [id])).to.equal(true);
  }

  async function follow(options: { reorgWindow?: number; confirmations?: number }, outcomes: SyncOutcome[]): Promise<RunningIndexer> {
    const dir = tempDir("reorg");
    dirs.push(dir);
    const indexer = await startIndexer({
      provider,
      dbPath: dir,
      addresses,
      startBlock: deploymentBlock,
      pollIntervalMs: 5,
      ...options,
      onOutcome: (o) => outcomes.push(o),
    });
    running.push(indexer);
    return indexer;
  }

  /** Some activity: a confirmation, splits down two tiers, a whole transfer. */
  async function branch(label: string, splits: number): Promise<void> {
    const { tokenId } = await confirmReceivable(c, { faceValue: 1_000_000n + BigInt(label.length) });
    for (let k = 0; k < splits; k += 1) await (await c.receivableToken.connect(c.tier1)[SPLIT](tokenId, c.tier2.address, 1_000n + BigInt(k))).wait();
    await (await c.receivableToken.connect(c.tier1)[WHOLE](c.tier1.address, c.tier3.address, tokenId)).wait();
  }

  async function expectMatchesReplay(indexer: RunningIndexer, context: string): Promise<void> {
    const head = await waitForHead(indexer);
    const block = await hre.ethers.provider.getBlock(head.number);
    if (block === null) throw new Error("no head block");
    const indexed = await indexer.reader.derivedRecords();
    expectSameRecords(indexed, await replayFromScratch({ provider, addresses, startBlock: deploymentBlock }), context);
    await expectIndexMatchesContracts(indexed, addresses, head.number, block.timestamp);
    // The digest the commits kept (rollbacks and pruning included) matches the records.
    await indexer.verify();
  }

  before(async function () {
    deploymentBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
    c = await deployConsortium();
    addresses = await addressesOf(systemOf(c));
    await branch("common", 2);
    baseline = await snapshot();
  });

  afterEach(async function () {
    for (const indexer of running.splice(0)) await indexer.stop();
    await revert(baseline);
    baseline = await snapshot();
  });

  after(function () {
    for (const dir of dirs) removeDir(dir);
  });

  it("replaces a branch by a longer one: rolls back to the fork point and applies the new branch", async function () {
    const outcomes: SyncOutcome[] = [];
    const indexer = await follow({}, outcomes);
    const forkPoint = await hre.ethers.provider.getBlockNumber();
    const fork = await snapshot();
    await branch("branch A", 3);
    await waitForHead(indexer);
    const pieceOfA = await indexer.reader.holdingsOf(c.tier2.address);
    await revert(fork);
    await branch("branch B, longer", 6);
    await expectMatchesReplay(indexer, "after a longer branch");
    const reorg = outcomes.find((o): o is Extract<SyncOutcome, { type: "reorg" }> => o.type === "reorg");
    expect(reorg?.commonAncestor).to.equal(forkPoint);
    const holdings = await indexer.reader.holdingsOf(c.tier2.address);
    expect(holdings.count).to.equal(2 + 6);
    expect(pieceOfA.count).to.equal(2 + 3);
  });

  it("replaces a branch by a shorter one (the head goes back) and by one of the same length", async function () {
    const outcomes: SyncOutcome[] = [];
    const indexer = await follow({}, outcomes);
    const fork = await snapshot();
    await branch("long branch", 6);
    await waitForHead(indexer);
    await revert(fork);
    const shorterFork = await snapshot();
    await branch("short", 1);
    await expectMatchesReplay(indexer, "after a shorter branch");
    await revert(shorterFork);
    await branch("short2", 1);
    await expectMatchesReplay(indexer, "after a branch of the same length");
    expect(outcomes.filter((o) => o.type === "reorg").length).to.be.at.least(2);
  });

  it("follows through runs of blocks made by hardhat_mine (whose parent hashes are zero)", async function () {
    const indexer = await follow({ reorgWindow: 8 }, []);
    await hre.network.provider.send("hardhat_mine", ["0x40"]);
    await branch("after a mined run", 1);
    await expectMatchesReplay(indexer, "after hardhat_mine");
  });

  it("says a figure is final only once it is confirmations deep", async function () {
    const indexer = await follow({ confirmations: 3 }, []);
    const { tokenId } = await confirmReceivable(c);
    await waitForHead(indexer);
    const fresh = await indexer.reader.token(tokenId);
    expect(fresh?.final).to.equal(false);
    expect(fresh?.asOfBlock).to.equal(await hre.ethers.provider.getBlockNumber());
    for (let k = 0; k < 3; k += 1) await hre.network.provider.send("evm_mine", []);
    await waitForHead(indexer);
    const settled = await indexer.reader.token(tokenId);
    expect(settled?.final).to.equal(true);
    expect(settled?.finalizedBlock).to.equal((settled?.asOfBlock ?? 0) - 3);
  });

  it("stops with ReorgTooDeepError when the chain reorganises below its window", async function () {
    const indexer = await follow({ reorgWindow: 2 }, []);
    const fork = await snapshot();
    await branch("deep A", 4);
    await waitForHead(indexer);
    await revert(fork);
    await branch("deep B", 5);
    let failure: unknown;
    await indexer.done.catch((error: unknown) => {
      failure = error;
    });
    expect(failure).to.be.instanceOf(ReorgTooDeepError);
  });
});
