import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { DAY, confirmReceivable, deployConsortium } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { fundAndRepay, issueTo, memberIdOf } from "../helpers/settlement";
import { fundPiece, payRecourse } from "../helpers/recourse";
import type { RecourseFunding } from "../helpers/recourse";

const FACE = 100_000_000n; // 1,000,000.00 CNY
const PIECE = 30_000_000n; // what the factor buys of tier1's receivable
const PRICE = 29_000_000n;
const GRACE = 10n * DAY;
const FIRST_REPAYMENT = 25_000_000n;

interface Fixture extends Consortium {
  slot: bigint;
  maturity: bigint;
  funding: RecourseFunding;
  plain: RecourseFunding;
}

/**
 * Tier1 holds a receivable of FACE; it sells PIECE with recourse to the factor and 10,000,000 of it as a plain sale;
 * the anchor repays FIRST_REPAYMENT before maturity and nothing more: past maturity plus 10 days' grace it is overdue.
 * Tier1 holds currency for recourse.
 */
async function fixture(): Promise<Fixture> {
  const c = await deployConsortium();
  const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 90n });
  await (await c.settlement.setGracePeriod(GRACE)).wait();
  await issueTo(c, c.factor, FACE);
  await (await c.settlementToken.connect(c.factor).approve(await c.financing.getAddress(), FACE)).wait();
  await issueTo(c, c.tier1, FACE);
  const funding = await fundPiece(c, { holder: c.tier1, tokenId, value: PIECE, price: PRICE, withRecourse: true });
  const plain = await fundPiece(c, { holder: c.tier1, tokenId, value: 10_000_000n, price: 9_700_000n, withRecourse: false });
  await fundAndRepay(c, slot, FIRST_REPAYMENT);
  const maturity = (await c.receivableToken.receivable(slot)).maturity;
  return { ...c, slot, maturity, funding, plain };
}

async function overdue(): Promise<Fixture> {
  const f = await loadFixture(fixture);
  await time.increaseTo(f.maturity + GRACE + 1n);
  return f;
}

async function demanded(): Promise<Fixture> {
  const f = await overdue();
  await (await f.financing.connect(f.factor).recordRecourse(f.funding.attestation)).wait();
  return f;
}

async function cash(f: Fixture, who: HardhatEthersSigner): Promise<bigint> {
  return f.settlementToken.balanceOf(who.address);
}

/** What the factor has received on the piece in all: the anchor's money it claimed plus the seller's recourse. */
async function factorTotal(f: Fixture): Promise<bigint> {
  const account = await f.settlement.recourseOf(f.funding.fundedTokenId);
  return (await f.settlement.claimedBy(f.funding.fundedTokenId)) - account.returned + account.paid;
}

describe("Recourse that settles (issue 19 part 3)", function () {
  it("demand before grace is over is refused, and so is any payment before a demand", async function () {
    const f = await loadFixture(fixture);
    // Up to the last second of the grace period the receivable is late, not overdue.
    await time.setNextBlockTimestamp(f.maturity + GRACE);
    await expect(f.financing.connect(f.factor).recordRecourse(f.funding.attestation))
      .to.be.revertedWithCustomError(f.financing, "FinancingNotOverdue")
      .withArgs(f.slot);
    await time.increaseTo(f.maturity + GRACE + 1n);
    await expect(f.financing.connect(f.tier1).payRecourse(f.funding.attestation, 1n))
      .to.be.revertedWithCustomError(f.financing, "FinancingRecourseNotDemanded")
      .withArgs(f.funding.fundingId);
  });

  it("a plain sale has no recourse: neither demand nor payment", async function () {
    const f = await overdue();
    await expect(f.financing.connect(f.factor).recordRecourse(f.plain.attestation))
      .to.be.revertedWithCustomError(f.financing, "FinancingRecourseUnavailable")
      .withArgs(f.plain.fundingId);
    await expect(f.financing.connect(f.tier1).payRecourse(f.plain.attestation, 1n))
      .to.be.revertedWithCustomError(f.financing, "FinancingRecourseUnavailable")
      .withArgs(f.plain.fundingId);
  });

  it("only the seller pays, something, and never more than what is unpaid to the factor", async function () {
    const f = await demanded();
    const unpaid = PIECE - (PIECE * FIRST_REPAYMENT) / FACE; // 22,500,000
    expect(await f.settlement.recourseDue(f.funding.fundedTokenId)).to.equal(unpaid);
    await issueTo(f, f.tier2, unpaid);
    await expect(f.financing.connect(f.tier2).payRecourse(f.funding.attestation, 1n))
      .to.be.revertedWithCustomError(f.financing, "FinancingNotSeller")
      .withArgs(f.funding.fundingId, f.tier2.address);
    await expect(f.financing.connect(f.tier1).payRecourse(f.funding.attestation, 0n)).to.be.revertedWithCustomError(
      f.financing,
      "FinancingZeroValue",
    );
    await (await f.settlementToken.connect(f.tier1).approve(await f.financing.getAddress(), FACE)).wait();
    await expect(f.financing.connect(f.tier1).payRecourse(f.funding.attestation, unpaid + 1n))
      .to.be.revertedWithCustomError(f.settlement, "SettlementRecourseAboveDue")
      .withArgs(f.funding.fundedTokenId, unpaid + 1n, unpaid);
    // Settlement takes recourse only from Financing.
    await expect(f.settlement.connect(f.tier1).applyRecourse(f.funding.fundedTokenId, f.tier1.address, 1n))
      .to.be.revertedWithCustomError(f.settlement, "SettlementOnlyFinancing")
      .withArgs(f.tier1.address);
  });

  it("the demand names the unpaid share; a full payment settles it, and what the anchor pays later goes to the seller", async function () {
    const f = await overdue();
    const unpaid = PIECE - (PIECE * FIRST_REPAYMENT) / FACE;
    await expect(f.financing.connect(f.factor).recordRecourse(f.funding.attestation))
      .to.emit(f.financing, "RecourseRecorded")
      .withArgs(f.funding.fundingId, memberIdOf(f, f.factor), memberIdOf(f, f.tier1), f.funding.fundedTokenId, unpaid);

    const factorBefore = await cash(f, f.factor);
    const sellerBefore = await cash(f, f.tier1);
    await (await f.settlementToken.connect(f.tier1).approve(await f.financing.getAddress(), unpaid)).wait();
    const paid = f.financing.connect(f.tier1).payRecourse(f.funding.attestation, unpaid);
    // The anchor's 25% on the piece, never claimed, is paid out first to the factor, under the shares before.
    await expect(paid)
      .to.emit(f.settlement, "Claimed")
      .withArgs(f.funding.fundedTokenId, f.factor.address, PIECE - unpaid, PIECE - unpaid);
    await expect(paid)
      .to.emit(f.settlement, "RecourseTaken")
      .withArgs(f.funding.fundedTokenId, f.tier1.address, f.factor.address, unpaid, unpaid, unpaid);
    await expect(paid)
      .to.emit(f.financing, "RecoursePaid")
      .withArgs(f.funding.fundingId, memberIdOf(f, f.factor), memberIdOf(f, f.tier1), f.funding.fundedTokenId, unpaid, unpaid);
    expect(await cash(f, f.factor)).to.equal(factorBefore + PIECE);
    expect(await cash(f, f.tier1)).to.equal(sellerBefore - unpaid);
    expect(await f.settlement.recourseDue(f.funding.fundedTokenId)).to.equal(0n);
    expect(await factorTotal(f)).to.equal(PIECE);

    // Nothing more can be paid; the anchor then repays in full and a claim (by anyone) pays the seller, not the factor.
    await expect(f.financing.connect(f.tier1).payRecourse(f.funding.attestation, 1n))
      .to.be.revertedWithCustomError(f.settlement, "SettlementRecourseAboveDue")
      .withArgs(f.funding.fundedTokenId, 1n, 0n);
    await fundAndRepay(f, f.slot, FACE - FIRST_REPAYMENT);
    const factorAfterPayment = await cash(f, f.factor);
    const claim = f.settlement.connect(f.tier3).claim(f.funding.fundedTokenId);
    await expect(claim).to.emit(f.settlement, "RecourseClaimRouted").withArgs(f.funding.fundedTokenId, f.tier1.address, unpaid, 0n);
    await expect(claim).to.emit(f.settlement, "Claimed").withArgs(f.funding.fundedTokenId, f.factor.address, unpaid, PIECE);
    expect(await cash(f, f.factor)).to.equal(factorAfterPayment);
    expect(await cash(f, f.tier1)).to.equal(sellerBefore);
    expect(await f.receivableToken.exists(f.funding.fundedTokenId)).to.equal(false);
    const account = await f.settlement.recourseOf(f.funding.fundedTokenId);
    expect([account.paid, account.owed, account.returned]).to.deep.equal([unpaid, 0n, unpaid]);
  });

  it("partial payments: later anchor money is shared in proportion, the factor never gets more than the piece's value", async function () {
    const f = await demanded();
    const factorStart = await cash(f, f.factor);
    const sellerStart = await cash(f, f.tier1);
    // 10,000,000 of the 22,500,000 unpaid.
    await payRecourse(f, f.tier1, f.funding, 10_000_000n);
    expect(await f.settlement.recourseDue(f.funding.fundedTokenId)).to.equal(12_500_000n);
    // The anchor repays another 50% (75% in all): the piece's 15,000,000 is shared 10 : 12.5 between seller and factor.
    await fundAndRepay(f, f.slot, 50_000_000n);
    const toSeller = (15_000_000n * 10_000_000n) / 22_500_000n; // 6,666,666
    expect(await f.settlement.recourseDue(f.funding.fundedTokenId)).to.equal(PIECE - 22_500_000n - (10_000_000n - toSeller));
    await expect(f.settlement.claim(f.funding.fundedTokenId))
      .to.emit(f.settlement, "RecourseClaimRouted")
      .withArgs(f.funding.fundedTokenId, f.tier1.address, toSeller, 10_000_000n - toSeller);
    // A second partial payment, then the anchor pays the rest.
    const due = await f.settlement.recourseDue(f.funding.fundedTokenId);
    await payRecourse(f, f.tier1, f.funding, due / 2n);
    expect(await factorTotal(f)).to.be.at.most(PIECE);
    await fundAndRepay(f, f.slot, FACE - 75_000_000n);
    await (await f.settlement.claim(f.funding.fundedTokenId)).wait();

    const account = await f.settlement.recourseOf(f.funding.fundedTokenId);
    expect(account.paid).to.equal(10_000_000n + due / 2n);
    expect(account.owed).to.equal(0n);
    expect(account.returned).to.equal(account.paid);
    // At full repayment the factor has received exactly the piece's value, and the seller got back all it paid.
    expect((await cash(f, f.factor)) - factorStart).to.equal(PIECE);
    expect(await cash(f, f.tier1)).to.equal(sellerStart);
  });

  it("once the anchor has repaid everything, there is nothing left to pay", async function () {
    const f = await demanded();
    await fundAndRepay(f, f.slot, FACE - FIRST_REPAYMENT);
    expect(await f.settlement.recourseDue(f.funding.fundedTokenId)).to.equal(0n);
    await (await f.settlementToken.connect(f.tier1).approve(await f.financing.getAddress(), 1n)).wait();
    await expect(f.financing.connect(f.tier1).payRecourse(f.funding.attestation, 1n))
      .to.be.revertedWithCustomError(f.settlement, "SettlementRecourseAboveDue")
      .withArgs(f.funding.fundedTokenId, 1n, 0n);
  });

  it("a factor that sold part of the piece on demands recourse only on what it still holds", async function () {
    const f = await loadFixture(fixture);
    const kept = PIECE - 5_000_000n;
    await (
      await f.receivableToken.connect(f.factor).getFunction("transferFrom(uint256,address,uint256)")(
        f.funding.fundedTokenId,
        f.tier2.address,
        5_000_000n,
      )
    ).wait();
    await time.increaseTo(f.maturity + GRACE + 1n);
    await expect(f.financing.connect(f.factor).recordRecourse(f.funding.attestation))
      .to.emit(f.financing, "RecourseRecorded")
      .withArgs(
        f.funding.fundingId,
        memberIdOf(f, f.factor),
        memberIdOf(f, f.tier1),
        f.funding.fundedTokenId,
        kept - (kept * FIRST_REPAYMENT) / FACE,
      );
  });

  it("a piece merged into beyond what was bought is not the piece bought: no demand", async function () {
    const f = await loadFixture(fixture);
    const other = await confirmReceivable(f, { supplier: f.tier2, faceValue: FACE, maturityInDays: 90n });
    void other;
    // The factor merges the value of its plain purchase (same receivable) into the recourse piece.
    await (
      await f.receivableToken.connect(f.factor).getFunction("transferFrom(uint256,uint256,uint256)")(
        f.plain.fundedTokenId,
        f.funding.fundedTokenId,
        1_000_000n,
      )
    ).wait();
    await time.increaseTo(f.maturity + GRACE + 1n);
    await expect(f.financing.connect(f.factor).recordRecourse(f.funding.attestation))
      .to.be.revertedWithCustomError(f.financing, "FinancingRecoursePieceChanged")
      .withArgs(f.funding.fundedTokenId, f.factor.address, PIECE + 1_000_000n);
  });
});
