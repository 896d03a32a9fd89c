import { expect } from "chai";
import hre from "hardhat";
import { MaxUint256 } from "ethers";
import { financingDomain, fundingAttestationDigest, signFundingAttestationBy, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { addressesOf } from "../../src/chain/system";
import type { ChainbillAddresses } from "../../src/chain/system";
import { startIndexer } from "../../src/indexer/indexer";
import type { RunningIndexer } from "../../src/indexer/indexer";
import { QueryInputError, createIndexReader } from "../../src/indexer/queries";
import { openIndexDb } from "../../src/indexer/store";
import { DAY, confirmReceivable, deployConsortium, latestTimestamp, randomHash, systemOf } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { removeDir, tempDir, waitForHead } from "./helpers/compare";

/**
 * The read side as the API will call it: a supplier's holdings with totals by anchor and maturity, pages of
 * pieces, a piece's ancestors and descendants, a receivable's summary, a factor's book, a piece's decoded history,
 * the members; each answer as of a block; bad input refused by name.
 */

const SPLIT = "transferFrom(uint256,address,uint256)";

describe("Indexer queries: holdings, lineage, slot summary, factor book, history, members", function () {
  let c: Consortium;
  let addresses: ChainbillAddresses;
  let indexer: RunningIndexer;
  let dir: string;
  let snapshotId: string;
  let first: { slot: bigint; tokenId: bigint };
  let second: { slot: bigint; tokenId: bigint };
  let grandchild: bigint;
  let child: bigint;
  let fundingId: string;

  before(async function () {
    snapshotId = (await hre.network.provider.send("evm_snapshot", [])) as string;
    const deploymentBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
    c = await deployConsortium();
    addresses = await addressesOf(systemOf(c));
    // Two receivables of different maturities; tier 1 passes pieces to tier 2, who passes one on to tier 3.
    first = await confirmReceivable(c, { faceValue: 1_000_000n, maturityInDays: 90n });
    second = await confirmReceivable(c, { faceValue: 500_000n, maturityInDays: 120n });
    await (await c.receivableToken.connect(c.tier1)[SPLIT](first.tokenId, c.tier2.address, 300_000n)).wait();
    child = first.tokenId + 1n;
    await (await c.receivableToken.connect(c.tier2)[SPLIT](child, c.tier3.address, 100_000n)).wait();
    grandchild = first.tokenId + 2n;
    await (await c.receivableToken.connect(c.tier1)[SPLIT](second.tokenId, c.tier2.address, 50_000n)).wait();
    await (await c.receivableToken.connect(c.tier1)[SPLIT](second.tokenId, c.tier2.address, 60_000n)).wait();

    // The factor buys the grandchild from tier 3.
    await (await c.settlementToken.connect(c.issuer).issue(c.factor.address, 10_000_000n)).wait();
    await (await c.settlementToken.connect(c.factor).approve(addresses.financing, MaxUint256)).wait();
    const domain = financingDomain((await hre.ethers.provider.getNetwork()).chainId, addresses.financing);
    const now = await latestTimestamp();
    const request: FundingRequest = {
      tokenId: grandchild,
      value: 100_000n,
      minPrice: 98_000n,
      factor: c.factor.address,
      withRecourse: true,
      deadline: now + DAY,
      nonce: 1n,
    };
    const attestation: FundingAttestation = {
      tokenId: grandchild,
      holder: c.tier3.address,
      factor: c.factor.address,
      value: 100_000n,
      price: 98_500n,
      invoiceHash: randomHash(),
      logisticsHash: randomHash(),
      tradeProofHash: randomHash(),
      withRecourse: true,
      deadline: now + DAY,
      nonce: 1n,
    };
    fundingId = fundingAttestationDigest(domain, attestation);
    await (
      await c.financing
        .connect(c.factor)
        .fund(
          request,
          await signFundingRequest(c.tier3, domain, request),
          attestation,
          await signFundingAttestationBy([c.verifier], domain, attestation),
        )
    ).wait();

    dir = tempDir("queries");
    indexer = await startIndexer({
      provider: hre.network.provider,
      dbPath: dir,
      addresses,
      startBlock: deploymentBlock,
      confirmations: 2,
      pollIntervalMs: 5,
    });
    await waitForHead(indexer);
  });

  after(async function () {
    await indexer?.stop();
    if (dir !== undefined) removeDir(dir);
    if (snapshotId !== undefined) await hre.network.provider.send("evm_revert", [snapshotId]);
  });

  it("gives a supplier's holdings with totals by anchor and by maturity, as of the head block", async function () {
    const holdings = await indexer.reader.holdingsOf(c.tier2.address);
    const anchorId = c.memberIds.get(c.anchor.address);
    expect(holdings.count).to.equal(3);
    expect(holdings.totalValue).to.equal(200_000n + 50_000n + 60_000n);
    expect(holdings.byAnchor).to.deep.equal([{ anchorId, count: 3, value: 310_000n }]);
    const [firstTerms, secondTerms] = await Promise.all([c.receivableToken.receivable(first.slot), c.receivableToken.receivable(second.slot)]);
    expect(holdings.byMaturity).to.deep.equal([
      { maturity: firstTerms.maturity, count: 1, value: 200_000n },
      { maturity: secondTerms.maturity, count: 2, value: 110_000n },
    ]);
    expect(holdings.pieces.map((piece) => piece.tokenId)).to.deep.equal([child, second.tokenId + 1n, second.tokenId + 2n]);
    expect(holdings.asOfBlock).to.equal(await hre.ethers.provider.getBlockNumber());
    expect(holdings.final).to.equal(true, "last changed 4 blocks before the head, 2 confirmations needed");
  });

  it("pages through holdings in token order", async function () {
    const page1 = await indexer.reader.holdingsOf(c.tier2.address, { limit: 2 });
    expect(page1.pieces).to.have.length(2);
    expect(page1.nextAfter).to.equal(page1.pieces[1].tokenId);
    const page2 = await indexer.reader.holdingsOf(c.tier2.address, { limit: 2, after: page1.nextAfter ?? undefined });
    expect(page2.pieces.map((piece) => piece.tokenId)).to.deep.equal([second.tokenId + 2n]);
    expect(page2.nextAfter).to.equal(null);
  });

  it("traces a piece to the anchor's confirmation and down to every piece split off it", async function () {
    const leaf = await indexer.reader.token(grandchild);
    expect(leaf?.ancestors.map((token) => token.tokenId)).to.deep.equal([child, first.tokenId]);
    expect(leaf?.token.owner).to.equal(c.factor.address.toLowerCase());
    expect(leaf?.fundings.map((funding) => funding.fundingId)).to.deep.equal([fundingId]);
    const root = await indexer.reader.token(first.tokenId);
    expect(root?.ancestors).to.deep.equal([]);
    expect(root?.descendants.map((token) => token.tokenId)).to.deep.equal([child, grandchild]);
    expect(root?.slot.anchorId).to.equal(c.memberIds.get(c.anchor.address));
    expect(await indexer.reader.token(first.tokenId + 99n)).to.equal(null);
  });

  it("summarises a receivable: face, outstanding, funded, overdue", async function () {
    const summary = await indexer.reader.slot(first.slot);
    expect(summary?.slot.faceValue).to.equal(1_000_000n);
    expect(summary?.outstanding).to.equal(1_000_000n);
    expect(summary?.slot.fundedValue).to.equal(100_000n);
    expect(summary?.slot.pieceCount).to.equal(3);
    expect(summary?.overdue).to.equal(false);
    expect(await indexer.reader.slot(999n)).to.equal(null);
  });

  it("keeps the factor's book: what it bought, at what price, with recourse", async function () {
    const book = await indexer.reader.factorBook(c.factor.address);
    expect(book.totals).to.deep.equal({ fundings: 1, value: 100_000n, price: 98_500n, recourse: 0n });
    expect(book.fundings).to.have.length(1);
    expect(book.fundings[0].holder).to.equal(c.tier3.address.toLowerCase());
    expect(book.fundings[0].withRecourse).to.equal(true);
    expect(book.fundings[0].piece?.owner).to.equal(c.factor.address.toLowerCase());
    expect(book.final).to.equal(false, "funded in the head block");
  });

  it("gives a piece's full history, decoded, in chain order", async function () {
    const history = await indexer.reader.tokenHistory(grandchild);
    expect(history.entries.map((entry) => `${entry.contract}.${entry.event.name}`)).to.deep.equal([
      "token.Transfer",
      "token.SlotChanged",
      "token.TransferValue",
      "financing.Funded",
      "token.Transfer",
    ]);
    const funded = history.entries[3].event;
    expect(funded.name === "Funded" && funded.price).to.equal(98_500n);
  });

  it("lists members with roles, status and addresses, and finds a member by address", async function () {
    const { members } = await indexer.reader.members();
    expect(members.map((member) => member.memberId)).to.deep.equal([...Array(members.length).keys()].map((index) => index + 1));
    expect(members.length).to.equal(Number(await c.registry.memberCount()));
    const tier2 = await indexer.reader.memberOf(c.tier2.address);
    expect(tier2.member?.accounts).to.deep.equal([c.tier2.address.toLowerCase()]);
    expect(tier2.member?.activeNow).to.equal(true);
    expect((await indexer.reader.memberOf(c.outsiders[0].address)).member).to.equal(null);
    expect((await indexer.reader.currencyBalance(c.tier3.address)).balance).to.equal(98_500n);
  });

  it("refuses bad input with an error that names it", async function () {
    await expect(indexer.reader.holdingsOf("0x1234")).to.be.rejectedWith(QueryInputError, /owner must be a 0x-prefixed 20-byte hex address/);
    await expect(indexer.reader.holdingsOf(c.tier2.address, { limit: 0 })).to.be.rejectedWith(QueryInputError, /limit/);
    await expect(indexer.reader.token(0n)).to.be.rejectedWith(QueryInputError, /token id/);
    await expect(indexer.reader.factorBook("factor")).to.be.rejectedWith(QueryInputError, /factor/);
  });

  it("marks answers final once they are the confirmation depth behind the head", async function () {
    for (let k = 0; k < 2; k += 1) await hre.network.provider.send("evm_mine", []);
    await waitForHead(indexer);
    const book = await indexer.reader.factorBook(c.factor.address);
    expect(book.final).to.equal(true);
    expect(book.finalizedBlock).to.equal(book.asOfBlock - 2);
  });

  it("finds the same lineage by a scan of the slot's pieces as by a read per piece", async function () {
    // Last: it stops the indexer to open its database.
    await indexer.stop();
    const db = await openIndexDb(dir);
    try {
      const scanning = createIndexReader(db, { confirmations: 2 });
      const reading = createIndexReader(db, { confirmations: 2, slotScanMaxPieces: 0 });
      const pieces = [...(await scanning.derivedRecords()).keys()].filter((key) => key.startsWith("t/")).map((key) => BigInt(`0x${key.slice(2)}`));
      expect(pieces.length).to.be.at.least(5);
      let related = 0;
      for (const tokenId of pieces) {
        for (const maxDescendants of [1, 1_000]) {
          const byScan = await scanning.token(tokenId, { maxDescendants });
          expect(byScan, `piece ${tokenId}`).to.deep.equal(await reading.token(tokenId, { maxDescendants }));
          related += (byScan?.ancestors.length ?? 0) + (byScan?.descendants.length ?? 0);
        }
      }
      expect(related).to.be.at.least(4);
    } finally {
      await db.close();
    }
  });
});
