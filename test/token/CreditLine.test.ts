import { expect } from "chai";
import { id } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Role, roleMask } from "../../src/chain/roles";
import { DAY, STORY_CREDIT_LINE, YEAR, confirmationFor, confirmReceivable, deployConsortium, latestTimestamp } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { fundAndRepay, memberIdOf } from "../helpers/settlement";

/**
 * Anchor credit lines (授信额度): the operator sets each anchor's line and review date; a confirmation that would take
 * the anchor's outstanding (confirmed minus repaid) above its line is refused with the line, the outstanding and the
 * amount; a repayment frees the line; lowering a line changes nothing already confirmed.
 */
describe("ReceivableToken: anchor credit lines", function () {
  const LINE = 500_000_00n; // 500,000.00 CNY

  /** The consortium with the anchor's line set to 500,000.00 CNY, reviewed in 180 days. */
  async function fixture() {
    const c = await deployConsortium();
    const anchorId = memberIdOf(c, c.anchor);
    const reviewDate = (await latestTimestamp()) + 180n * DAY;
    await (await c.receivableToken.setCreditLine(anchorId, LINE, reviewDate)).wait();
    return { ...c, anchorId, reviewDate };
  }

  async function confirm(c: Consortium, faceValue: bigint) {
    return c.receivableToken.connect(c.anchor).confirm(await confirmationFor(c, { supplier: c.tier1, faceValue }));
  }

  it("an anchor without a line cannot confirm at all: the error names it (no unlimited default)", async function () {
    const c = await loadFixture(deployConsortium);
    const [newcomer] = c.outsiders;
    await (await c.registry.admit(id("SECOND-ANCHOR"), newcomer.address, roleMask(Role.ANCHOR), (await latestTimestamp()) + YEAR)).wait();
    const newcomerId = await c.registry.memberIdOf(newcomer.address);
    expect(await c.receivableToken.creditLine(newcomerId)).to.deep.equal([0n, 0n, 0n]);
    const asNewcomer = { ...c, anchor: newcomer };
    const confirmation = await confirmationFor(asNewcomer, { supplier: c.tier1, faceValue: 1n });
    await expect(c.receivableToken.connect(newcomer).confirm(confirmation))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableNoCreditLine")
      .withArgs(newcomerId);
  });

  it("the operator sets a line with its review date, and the event carries what the anchor owes at that moment", async function () {
    const c = await loadFixture(deployConsortium);
    const anchorId = memberIdOf(c, c.anchor);
    await confirmReceivable(c, { supplier: c.tier1, faceValue: 1_000_00n });
    const reviewDate = (await latestTimestamp()) + 30n * DAY;
    await expect(c.receivableToken.setCreditLine(anchorId, LINE, reviewDate))
      .to.emit(c.receivableToken, "CreditLineSet")
      .withArgs(anchorId, LINE, reviewDate, 1_000_00n);
    expect(await c.receivableToken.creditLine(anchorId)).to.deep.equal([LINE, 1_000_00n, reviewDate]);
  });

  it("refuses a line from anyone but the operator, for a member without the ANCHOR role or unknown, above 64 bits or reviewed in the past", async function () {
    const c = await loadFixture(fixture);
    const later = (await latestTimestamp()) + 10n * DAY;
    await expect(c.receivableToken.connect(c.anchor).setCreditLine(c.anchorId, LINE * 10n, later))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableUnauthorizedOperator")
      .withArgs(c.anchor.address);
    const tier1Id = memberIdOf(c, c.tier1);
    await expect(c.receivableToken.setCreditLine(tier1Id, LINE, later))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableCreditLineNotAnchor")
      .withArgs(tier1Id);
    await expect(c.receivableToken.setCreditLine(999, LINE, later))
      .to.be.revertedWithCustomError(c.registry, "RegistryUnknownMember")
      .withArgs(999);
    await expect(c.receivableToken.setCreditLine(c.anchorId, 1n << 64n, later)).to.be.revertedWithCustomError(
      c.receivableToken,
      "ReceivableInvalidCreditLine",
    );
    const now = await latestTimestamp();
    await expect(c.receivableToken.setCreditLine(c.anchorId, LINE, now)).to.be.revertedWithCustomError(
      c.receivableToken,
      "ReceivableInvalidCreditLine",
    );
    await expect(c.receivableToken.setCreditLine(c.anchorId, LINE, 1n << 40n)).to.be.revertedWithCustomError(
      c.receivableToken,
      "ReceivableInvalidCreditLine",
    );
    expect(await c.receivableToken.creditLine(c.anchorId)).to.deep.equal([LINE, 0n, c.reviewDate]);
  });

  it("confirms up to the line exactly, and refuses one fen more with the line, the outstanding and the amount", async function () {
    const c = await loadFixture(fixture);
    await (await confirm(c, 300_000_00n)).wait();
    await (await confirm(c, 200_000_00n)).wait();
    expect(await c.receivableToken.creditLine(c.anchorId)).to.deep.equal([LINE, LINE, c.reviewDate]);
    const slots = await c.receivableToken.slotCount();
    await expect(confirm(c, 1n))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableCreditLineExceeded")
      .withArgs(c.anchorId, LINE, LINE, 1n);
    expect(await c.receivableToken.slotCount()).to.equal(slots);
  });

  it("a single confirmation above the whole line is refused even with nothing outstanding", async function () {
    const c = await loadFixture(fixture);
    await expect(confirm(c, LINE + 1n))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableCreditLineExceeded")
      .withArgs(c.anchorId, LINE, 0n, LINE + 1n);
  });

  it("a repayment frees the line by what was repaid, with an event, and the anchor confirms again", async function () {
    const c = await loadFixture(fixture);
    const { slot } = await confirmReceivable(c, { supplier: c.tier1, faceValue: LINE });
    await expect(confirm(c, 100_000_00n))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableCreditLineExceeded")
      .withArgs(c.anchorId, LINE, LINE, 100_000_00n);
    await fundAndRepay(c, slot, 40_000_00n);
    expect((await c.receivableToken.creditLine(c.anchorId)).outstanding).to.equal(LINE - 40_000_00n);
    await expect(confirm(c, 40_000_00n + 1n)).to.be.revertedWithCustomError(c.receivableToken, "ReceivableCreditLineExceeded");
    await (await confirm(c, 40_000_00n)).wait();
    expect((await c.receivableToken.creditLine(c.anchorId)).outstanding).to.equal(LINE);
  });

  it("the repayment's event names the anchor, the slot, the amount and what is still owed", async function () {
    const c = await loadFixture(fixture);
    const { slot } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 300_000_00n });
    await fundAndRepay(c, slot, 1_000_00n);
    const settlementAddress = await c.settlement.getAddress();
    await (await c.settlementToken.connect(c.issuer).issue(c.anchor.address, 2_000_00n)).wait();
    await (await c.settlementToken.connect(c.anchor).approve(settlementAddress, 2_000_00n)).wait();
    await expect(c.settlement.connect(c.anchor).repay(slot, 2_000_00n))
      .to.emit(c.receivableToken, "CreditLineReleased")
      .withArgs(c.anchorId, slot, 2_000_00n, 300_000_00n - 3_000_00n);
  });

  it("lowering a line below what is owed changes nothing confirmed; new confirmations wait until repayments bring the outstanding under it", async function () {
    const c = await loadFixture(fixture);
    const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 400_000_00n });
    const lower = 100_000_00n;
    const review = (await latestTimestamp()) + 90n * DAY;
    await expect(c.receivableToken.setCreditLine(c.anchorId, lower, review))
      .to.emit(c.receivableToken, "CreditLineSet")
      .withArgs(c.anchorId, lower, review, 400_000_00n);
    // The receivable stands as confirmed: its terms, its piece and its holder.
    expect((await c.receivableToken.receivable(slot)).faceValue).to.equal(400_000_00n);
    expect(await c.receivableToken["balanceOf(uint256)"](tokenId)).to.equal(400_000_00n);
    expect(await c.receivableToken.ownerOf(tokenId)).to.equal(c.tier1.address);
    await expect(confirm(c, 1n))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableCreditLineExceeded")
      .withArgs(c.anchorId, lower, 400_000_00n, 1n);
    // Repaying is never refused by the line, and frees it.
    await fundAndRepay(c, slot, 350_000_00n);
    expect(await c.receivableToken.creditLine(c.anchorId)).to.deep.equal([lower, 50_000_00n, review]);
    await (await confirm(c, 50_000_00n)).wait();
    await expect(confirm(c, 1n))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableCreditLineExceeded")
      .withArgs(c.anchorId, lower, lower, 1n);
  });

  it("the line belongs to the member: a second address of the anchor draws on the same line", async function () {
    const c = await loadFixture(fixture);
    const [second] = c.outsiders;
    await (await c.registry.addAccount(c.anchorId, second.address)).wait();
    await (await confirm(c, 300_000_00n)).wait();
    const asSecond = { ...c, anchor: second };
    const confirmation = await confirmationFor(asSecond, { supplier: c.tier1, faceValue: 300_000_00n });
    await expect(c.receivableToken.connect(second).confirm(confirmation))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableCreditLineExceeded")
      .withArgs(c.anchorId, LINE, 300_000_00n, 300_000_00n);
  });

  it("only the bound settlement frees a line", async function () {
    const c = await loadFixture(fixture);
    const { slot } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 1_000_00n });
    await expect(c.receivableToken.connect(c.anchor).releaseCredit(slot, 1_000_00n))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableOnlySettlement")
      .withArgs(c.anchor.address);
    await expect(c.receivableToken.releaseCredit(slot, 1n)).to.be.revertedWithCustomError(c.receivableToken, "ReceivableOnlySettlement");
  });

  it("the story line of the test consortium is set through the operator, so no other test meets it", async function () {
    const c = await loadFixture(deployConsortium);
    expect((await c.receivableToken.creditLine(memberIdOf(c, c.anchor))).limit).to.equal(STORY_CREDIT_LINE);
  });
});
