import { expect } from "chai";
import hre from "hardhat";
import { id } from "ethers";
import { addressesOf } from "../../src/chain/system";
import type { ChainbillAddresses } from "../../src/chain/system";
import { startIndexer } from "../../src/indexer/indexer";
import type { RunningIndexer } from "../../src/indexer/indexer";
import { StrayFinancingEvents__factory } from "../../typechain-types";
import type { StrayFinancingEvents } from "../../typechain-types";
import { confirmReceivable, deployConsortium, systemOf } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { expectSameRecords, removeDir, replayFromScratch, tempDir, waitForHead } from "./helpers/compare";

/**
 * An event the contracts accepted must never stop an indexer. Financing now refuses a recourse on a funding it did
 * not make, so a test contract registered as the financing contract emits the event the old Financing accepted;
 * the indexer keeps it as a finding, applies nothing of it, and goes on indexing what follows.
 */

const SPLIT = "transferFrom(uint256,address,uint256)";

/** Waits for the head, failing at once (instead of timing out) if the indexer stopped. */
async function followedToHead(indexer: RunningIndexer): Promise<void> {
  const stopped = indexer.done.then(
    () => Promise.reject(new Error("the indexer stopped")),
    (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
  );
  await Promise.race([waitForHead(indexer, 30_000), stopped]);
}

describe("Indexer findings: accepted events it cannot place", function () {
  let c: Consortium;
  let addresses: ChainbillAddresses;
  let stray: StrayFinancingEvents;
  let indexer: RunningIndexer | undefined;
  let dir: string | undefined;
  let snapshotId: string;
  let startBlock: number;

  before(async function () {
    snapshotId = (await hre.network.provider.send("evm_snapshot", [])) as string;
    startBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
    c = await deployConsortium();
    stray = await new StrayFinancingEvents__factory(c.operator).deploy();
    await stray.waitForDeployment();
    addresses = { ...(await addressesOf(systemOf(c))), financing: await stray.getAddress() };
  });

  after(async function () {
    await indexer?.stop().catch(() => undefined);
    if (dir !== undefined) removeDir(dir);
    if (snapshotId !== undefined) await hre.network.provider.send("evm_revert", [snapshotId]);
  });

  it("attack: a recourse on an unknown funding is a finding in the index's status; the indexer keeps following", async function () {
    const receivable = await confirmReceivable(c, { supplier: c.tier1, faceValue: 1_000_000n, maturityInDays: 90n });
    const factorId = c.memberIds.get(c.factor.address) ?? 0;
    const sellerId = c.memberIds.get(c.tier1.address) ?? 0;
    // A plain sale the index knows, then recourse on a funding nobody made and on that plain sale.
    const plainSale = id("a plain sale");
    await (
      await stray.announceFunding(plainSale, receivable.tokenId, c.factor.address, c.tier1.address, receivable.tokenId, 400_000n, 390_000n, false)
    ).wait();
    const unknown = id("a funding nobody made");
    const unknownAt = await (await stray.announceRecourse(unknown, factorId, sellerId, receivable.tokenId, 999_999n)).wait();
    const notAgreedAt = await (await stray.announceRecourse(plainSale, factorId, sellerId, receivable.tokenId, 400_000n)).wait();

    dir = tempDir("findings");
    indexer = await startIndexer({ provider: hre.network.provider, dbPath: dir, addresses, startBlock, confirmations: 0, pollIntervalMs: 5 });
    await followedToHead(indexer);

    // Later events are indexed: a split after the stray events, followed live.
    await (await c.receivableToken.connect(c.tier1)[SPLIT](receivable.tokenId, c.tier2.address, 250_000n)).wait();
    await followedToHead(indexer);
    const holdings = await indexer.reader.holdingsOf(c.tier2.address);
    expect(holdings.totalValue).to.equal(250_000n);

    const status = await indexer.reader.status();
    expect(status?.findingCount).to.equal(2);
    expect(status?.findings.map((finding) => [finding.code, finding.event, finding.block, finding.transactionHash])).to.deep.equal([
      ["RECOURSE_UNKNOWN_FUNDING", "RecourseRecorded", unknownAt?.blockNumber, unknownAt?.hash.toLowerCase()],
      ["RECOURSE_NOT_AGREED", "RecourseRecorded", notAgreedAt?.blockNumber, notAgreedAt?.hash.toLowerCase()],
    ]);
    const [unknownFinding] = await indexer.reader.findings();
    expect(unknownFinding.message).to.include(unknown).and.to.include("999999");

    // Nothing of either was applied: the book shows the plain sale and no recourse.
    const book = await indexer.reader.factorBook(c.factor.address);
    expect(book.totals).to.deep.equal({ fundings: 1, value: 400_000n, price: 390_000n, recourse: 0n });
    expect(book.fundings[0].recourseAmount).to.equal(null);

    // An index built from scratch records the same findings: they are derived state like any other.
    expectSameRecords(
      await indexer.reader.derivedRecords(),
      await replayFromScratch({ provider: hre.network.provider, addresses, startBlock, confirmations: 0 }),
      "findings",
    );
  });
});
