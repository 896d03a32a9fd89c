import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { startIndexer } from "../../src/indexer/indexer";
import type { RunningIndexer } from "../../src/indexer/indexer";
import { QueryInputError } from "../../src/indexer/queries";
import { codecs, genericCodecs } from "../../src/indexer/schema";
import type { ActivityRow, CashRow } from "../../src/indexer/schema";
import type { Eip1193Provider } from "../../src/chain/rpc";
import { addressesOf } from "../../src/chain/system";
import type { ChainbillAddresses } from "../../src/chain/system";
import { confirmReceivable, deployConsortium, systemOf } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { fundAndRepay, issueTo, splitTo } from "../helpers/settlement";
import { fundPiece } from "../helpers/recourse";
import { expectSameRecords, removeDir, replayFromScratch, tempDir, waitForHead } from "./helpers/compare";

/**
 * Each address's activity and cash movements (issue 18 items 2 and 8): a confirmation, a transfer, a funding, a
 * repayment and a claim each show on both sides, newest first, classified by the transaction they came in; a page
 * cursor walks them; a reorganisation that drops the claim drops its rows, and the index ends as a replay.
 */

const FACE = 100_000_000n;
const PIECE = 20_000_000n;
const PRICE = 19_000_000n;

describe("Indexer: each address's activity and cash movements", function () {
  let c: Consortium;
  let addresses: ChainbillAddresses;
  let deploymentBlock: number;
  let indexer: RunningIndexer;
  let dir: string;
  let slot: bigint;
  let first: bigint;
  let moved: bigint;
  let fundedTokenId: bigint;
  const provider = hre.network.provider as unknown as Eip1193Provider;

  const kinds = (rows: ReadonlyArray<{ kind: string }>): string[] => rows.map((row) => row.kind);

  before(async function () {
    deploymentBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
    c = await deployConsortium();
    addresses = await addressesOf(systemOf(c));
    dir = tempDir("activity");
    indexer = await startIndexer({ provider, dbPath: dir, addresses, startBlock: deploymentBlock, pollIntervalMs: 5 });
    ({ slot, tokenId: first } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 30n }));
    moved = await splitTo(c, c.tier1, first, c.tier2, PIECE);
    await issueTo(c, c.factor, PRICE);
    await (await c.settlementToken.connect(c.factor).approve(await c.financing.getAddress(), PRICE)).wait();
    ({ fundedTokenId } = await fundPiece(c, { holder: c.tier2, tokenId: moved, value: PIECE, price: PRICE, withRecourse: false }));
    await time.increaseTo((await c.receivableToken.receivable(slot)).maturity);
    await fundAndRepay(c, slot, FACE);
    await waitForHead(indexer);
  });

  after(async function () {
    await indexer.stop();
    removeDir(dir);
  });

  it("shows a transfer, a funding and a repayment on both sides, newest first", async function () {
    // A holder sees the repayment of the receivable its piece belongs to, naming the anchor.
    const tier1 = await indexer.reader.activityOf(c.tier1.address);
    expect(kinds(tier1.rows)).to.deep.equal(["repaid", "sent", "received"]);
    expect(tier1.rows[0]).to.include({ slot, amount: FACE, counterparty: c.anchor.address.toLowerCase() });
    expect(tier1.rows[1]).to.include({ tokenId: first, amount: PIECE, counterparty: c.tier2.address.toLowerCase() });
    expect(tier1.rows[2]).to.include({ tokenId: first, amount: FACE, counterparty: c.anchor.address.toLowerCase(), slot });

    const tier2 = await indexer.reader.activityOf(c.tier2.address);
    expect(kinds(tier2.rows)).to.deep.equal(["financed", "received"]);
    expect(tier2.rows[0]).to.include({ amount: PRICE, value: PIECE, counterparty: c.factor.address.toLowerCase() });
    expect(tier2.rows[1]).to.include({ tokenId: moved, amount: PIECE, counterparty: c.tier1.address.toLowerCase() });

    const factor = await indexer.reader.activityOf(c.factor.address);
    expect(kinds(factor.rows)).to.deep.equal(["repaid", "funded"]);
    expect(factor.rows[1]).to.include({ tokenId: fundedTokenId, amount: PRICE, counterparty: c.tier2.address.toLowerCase() });

    const anchor = await indexer.reader.activityOf(c.anchor.address);
    expect(kinds(anchor.rows)).to.deep.equal(["repaid", "confirmed"]);
    expect(anchor.rows[0]).to.include({ slot, amount: FACE });
    // Rows carry where they happened: the transaction and its block, newest first.
    expect(anchor.rows[0].block).to.be.greaterThan(anchor.rows[1].block);
    const receipt = await hre.ethers.provider.getTransactionReceipt(anchor.rows[0].transactionHash);
    expect(receipt?.blockNumber).to.equal(anchor.rows[0].block);
  });

  it("classifies cash movements by the transaction they came in, with the balance", async function () {
    const holder = await indexer.reader.cashOf(c.tier2.address);
    expect(holder.balance).to.equal(PRICE);
    expect(holder.rows.map((row) => [row.kind, row.direction, row.amount])).to.deep.equal([["fundingReceived", "in", PRICE]]);
    expect(holder.rows[0].counterparty).to.equal(c.factor.address.toLowerCase());

    const factor = await indexer.reader.cashOf(c.factor.address);
    expect(factor.balance).to.equal(0n);
    expect(factor.rows.map((row) => [row.kind, row.direction, row.amount])).to.deep.equal([
      ["fundingPaid", "out", PRICE],
      ["issued", "in", PRICE],
    ]);
    const anchor = await indexer.reader.cashOf(c.anchor.address);
    expect(anchor.rows.map((row) => [row.kind, row.direction, row.amount, row.slot])).to.deep.equal([
      ["repayment", "out", FACE, slot],
      ["issued", "in", FACE, null],
    ]);
    expect(anchor.rows[0].counterparty).to.equal(addresses.settlement.toLowerCase());
  });

  it("pages newest first with a cursor, and refuses a malformed one naming it", async function () {
    const whole = await indexer.reader.activityOf(c.anchor.address);
    const page1 = await indexer.reader.activityOf(c.anchor.address, { limit: 1 });
    expect(page1.rows.map((row) => row.checkpoint)).to.deep.equal([whole.rows[0].checkpoint]);
    expect(page1.nextBefore).to.equal(whole.rows[0].checkpoint);
    const page2 = await indexer.reader.activityOf(c.anchor.address, { limit: 1, before: page1.nextBefore ?? "" });
    expect(page2.rows.map((row) => row.checkpoint)).to.deep.equal([whole.rows[1].checkpoint]);
    expect(page2.nextBefore).to.equal(null);
    // A holder's pages merge its own rows with its receivables' (the repayment is the receivable's row).
    const holderWhole = await indexer.reader.activityOf(c.tier1.address);
    const seen: string[] = [];
    let before: string | undefined;
    for (let pageCount = 0; pageCount < 5; pageCount += 1) {
      const page = await indexer.reader.activityOf(c.tier1.address, { limit: 1, before });
      seen.push(...page.rows.map((row) => `${row.checkpoint}|${row.kind}`));
      if (page.nextBefore === null) break;
      before = page.nextBefore;
    }
    expect(seen).to.deep.equal(holderWhole.rows.map((row) => `${row.checkpoint}|${row.kind}`));
    let refused: unknown;
    await indexer.reader.activityOf(c.anchor.address, { before: "yesterday" }).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(QueryInputError);
    expect((refused as Error).message).to.match(/^before must be/);
    await indexer.reader.cashOf(c.anchor.address, { limit: 0 }).catch((error: unknown) => (refused = error));
    expect((refused as Error).message).to.match(/^limit must be/);
  });

  it("a reorganisation that drops a claim drops its rows; the index ends as a replay", async function () {
    const fork: unknown = await hre.network.provider.send("evm_snapshot", []);
    await (await c.settlement.connect(c.factor).claim(fundedTokenId)).wait();
    await waitForHead(indexer);
    // The claim emptied its piece: the repayment it was paid from stays in its activity.
    expect(kinds((await indexer.reader.activityOf(c.factor.address)).rows)).to.deep.equal(["claimed", "repaid", "funded"]);
    const claimedCash = await indexer.reader.cashOf(c.factor.address);
    expect(claimedCash.rows[0]).to.include({ kind: "claim", direction: "in", amount: PIECE, tokenId: fundedTokenId });
    expect(claimedCash.balance).to.equal(PIECE);

    expect(await hre.network.provider.send("evm_revert", [fork])).to.equal(true);
    for (let k = 0; k < 3; k += 1) await hre.network.provider.send("evm_mine", []);
    await waitForHead(indexer);
    expect(kinds((await indexer.reader.activityOf(c.factor.address)).rows)).to.deep.equal(["repaid", "funded"]);
    const after = await indexer.reader.cashOf(c.factor.address);
    expect(kinds(after.rows)).to.deep.equal(["fundingPaid", "issued"]);
    expect(after.balance).to.equal(0n);
    expectSameRecords(
      await indexer.reader.derivedRecords(),
      await replayFromScratch({ provider, addresses, startBlock: deploymentBlock }),
      "after the reorg",
    );
    await indexer.verify();
  });

  it("writes rows with the template encoders exactly as the generic ones", function () {
    const amount = fc.bigInt({ min: 0n, max: (1n << 96n) - 1n });
    const nullable = fc.option(amount, { nil: null });
    const address = fc.option(fc.stringMatching(/^0x[0-9a-f]{40}$/), { nil: null });
    const activity = fc.record<ActivityRow>({
      kind: fc.constantFrom("received", "sent", "funded", "claimed"),
      tokenId: nullable,
      slot: nullable,
      amount,
      value: nullable,
      counterparty: address,
      transactionHash: fc.stringMatching(/^0x[0-9a-f]{64}$/),
      block: fc.nat(),
    });
    const cash = fc.record<CashRow>({
      kind: fc.constantFrom("claim", "issued", "transfer"),
      direction: fc.constantFrom("in", "out"),
      amount,
      counterparty: address,
      tokenId: nullable,
      slot: nullable,
      transactionHash: fc.stringMatching(/^0x[0-9a-f]{64}$/),
      block: fc.nat(),
    });
    fc.assert(
      fc.property(activity, cash, (a, m) => {
        expect(codecs.activity.encode(a)).to.equal(genericCodecs.activity.encode(a));
        expect(codecs.cash.encode(m)).to.equal(genericCodecs.cash.encode(m));
        expect(codecs.activity.decode(codecs.activity.encode(a))).to.deep.equal(a);
        expect(codecs.cash.decode(codecs.cash.encode(m))).to.deep.equal(m);
      }),
      { numRuns: 200 },
    );
  });
});
