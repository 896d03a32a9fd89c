import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, confirmReceivable } from "../helpers/consortium";
import { fundAndRepay, issueTo, memberIdOf } from "../helpers/settlement";
import { fundPiece as fundForRecourse, payRecourse } from "../helpers/recourse";
import { tokenIdOf } from "../../src/chain/tokenId";
import { audit, deployAuditedConsortium, describeFindings, fundPiece, deployLaxFinancing } from "./helpers";

const FACE = 100_000_000n;
const PIECE = 30_000_000n;

/**
 * The audit's replay of recourse that settles (src/audit/recourse.ts): a real demand, partial payments and routed
 * claims audit clean; the same moves through a test-only lax financing contract, which neither bounds the payment nor
 * tells Settlement, are each reported.
 */
describe("audit: recourse that settles", function () {
  it("a demand, two partial payments and claims routed to the seller audit clean", async function () {
    const c = await deployAuditedConsortium();
    const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 30n });
    await issueTo(c, c.factor, FACE);
    await (await c.settlementToken.connect(c.factor).approve(await c.financing.getAddress(), FACE)).wait();
    await issueTo(c, c.tier1, FACE);
    const funding = await fundForRecourse(c, { holder: c.tier1, tokenId, value: PIECE, price: 29_000_000n, withRecourse: true });
    await fundAndRepay(c, slot, 25_000_000n);
    await time.increase(31n * DAY);
    await (await c.financing.connect(c.factor).recordRecourse(funding.attestation)).wait();
    await payRecourse(c, c.tier1, funding, 10_000_000n);
    await fundAndRepay(c, slot, 50_000_000n);
    await (await c.settlement.claim(funding.fundedTokenId)).wait();
    await payRecourse(c, c.tier1, funding, await c.settlement.recourseDue(funding.fundedTokenId));
    await fundAndRepay(c, slot, 25_000_000n);
    await (await c.settlement.claimMany([funding.fundedTokenId, tokenId])).wait();

    const result = await audit(c.record);
    expect(describeFindings(result)).to.equal("");
  });

  it("attack: a recourse payment above the unpaid part, and claims the seller never got, are reported (lax financing)", async function () {
    const c = await deployAuditedConsortium();
    const { lax, laxAddress } = await deployLaxFinancing(c);
    const record = { ...c.record, contracts: { ...c.record.contracts, financing: laxAddress } };
    const laxFinancing = {
      address: laxAddress,
      fund: async (...args: Parameters<typeof lax.fund>): Promise<string> => {
        const sent = await lax.connect(c.factor).fund(...args);
        await sent.wait();
        return sent.hash.toLowerCase();
      },
    };
    const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 30n });
    // The lax contract moves whole pieces: tier1 sells its whole receivable, with recourse.
    const piece = tokenId;
    await (await c.receivableToken.connect(c.tier1)["approve(address,uint256)"](laxAddress, piece)).wait();
    const fundTx = await fundPiece(c, {
      holder: c.tier1,
      tokenId: piece,
      value: FACE,
      price: 97_000_000n,
      withRecourse: true,
      financing: laxFinancing,
    });
    const funded = await lax.queryFilter(lax.filters.Funded(), (await hre.ethers.provider.getTransactionReceipt(fundTx))?.blockNumber);
    const fundingId = funded[0].args.fundingId;
    await fundAndRepay(c, slot, 40_000_000n);
    await time.increase(31n * DAY);
    const factorId = memberIdOf(c, c.factor);
    const sellerId = memberIdOf(c, c.tier1);
    await (await lax.demandRecourse(fundingId, factorId, sellerId, piece, 60_000_000n)).wait();
    expect(describeFindings(await audit(record)), "clean up to the demand").to.equal("");

    // The seller pays 70,000,000 where 60,000,000 was unpaid; Settlement never learns of it.
    await issueTo(c, c.tier1, 70_000_000n);
    await (await c.settlementToken.connect(c.tier1).approve(laxAddress, 70_000_000n)).wait();
    const paid = await lax.connect(c.tier1).payRecourse(fundingId, factorId, sellerId, piece, c.factor.address, 70_000_000n, 70_000_000n);
    await paid.wait();
    // The anchor repays the rest and the factor claims everything: the seller's share is never routed to it.
    await fundAndRepay(c, slot, 60_000_000n);
    const claim = await c.settlement.claim(piece);
    await claim.wait();

    const result = await audit(record);
    const codes = (hash: string): string[] =>
      result.findings
        .filter((finding) => finding.transactionHash === hash.toLowerCase())
        .map((finding) => finding.code)
        .sort();
    expect(codes(paid.hash), describeFindings(result)).to.deep.equal(["EVENT_INCONSISTENT", "I9_RECOURSE_ABOVE_UNPAID"]);
    expect(codes(claim.hash), describeFindings(result)).to.deep.equal(["I9_FACTOR_ABOVE_VALUE", "I9_RECOURSE_MISROUTED"]);
    const above = result.findings.find((finding) => finding.code === "I9_RECOURSE_ABOVE_UNPAID");
    expect(above?.message).to.contain("only 600,000.00 CNY");
    expect(above?.tokenId).to.equal(tokenIdOf(slot, 1n));
  });
});
