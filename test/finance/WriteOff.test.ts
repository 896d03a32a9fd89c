import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, confirmReceivable, deployConsortium, latestTimestamp } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { issueTo } from "../helpers/settlement";

/** Issue 19 part 4: the operator writes an overdue receivable off, once; repayment stays possible afterwards. */

const FACE = 100_000_000n; // 1,000,000.00 CNY
const PART = 40_000_000n;
const GRACE = 7n * DAY;

interface Story extends Consortium {
  slot: bigint;
  maturity: bigint;
  graceEnds: bigint;
}

describe("Settlement.writeOff", function () {
  /** A receivable of 1,000,000.00 CNY due in 30 days, a 7-day grace period, 400,000.00 repaid on time. */
  async function story(): Promise<Story> {
    const c = await deployConsortium();
    const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 30n });
    await (await c.settlement.setGracePeriod(GRACE)).wait();
    await issueTo(c, c.anchor, FACE);
    await (await c.settlementToken.connect(c.anchor).approve(await c.settlement.getAddress(), FACE)).wait();
    await (await c.settlement.connect(c.anchor).repay(slot, PART)).wait();
    const maturity = (await c.receivableToken.receivable(slot)).maturity;
    expect(tokenId >> 32n).to.equal(slot);
    return { ...c, slot, maturity, graceEnds: maturity + GRACE };
  }

  it("is refused before the grace period has ended, the very last second included", async function () {
    const s = await loadFixture(story);
    await expect(s.settlement.writeOff(s.slot))
      .to.be.revertedWithCustomError(s.settlement, "SettlementWriteOffBeforeGrace")
      .withArgs(s.slot, s.graceEnds, (await latestTimestamp()) + 1n);
    await time.setNextBlockTimestamp(s.graceEnds);
    await expect(s.settlement.writeOff(s.slot))
      .to.be.revertedWithCustomError(s.settlement, "SettlementWriteOffBeforeGrace")
      .withArgs(s.slot, s.graceEnds, s.graceEnds);
  });

  it("marks an overdue receivable written off, naming what is outstanding and the operator", async function () {
    const s = await loadFixture(story);
    await time.setNextBlockTimestamp(s.graceEnds + 1n);
    await expect(s.settlement.connect(s.operator).writeOff(s.slot))
      .to.emit(s.settlement, "ReceivableWrittenOff")
      .withArgs(s.slot, FACE - PART, s.operator.address);
    // Nothing else changes: the account, the overdue status, the anchor's debt.
    const account = await s.settlement.account(s.slot);
    expect(account.repaid).to.equal(PART);
    expect(await s.settlement.isOverdue(s.slot)).to.equal(true);
  });

  it("is refused to anyone but an operator", async function () {
    const s = await loadFixture(story);
    await time.increaseTo(s.graceEnds + DAY);
    for (const caller of [s.anchor, s.factor, s.auditor, s.tier1, s.outsiders[0]]) {
      await expect(s.settlement.connect(caller).writeOff(s.slot))
        .to.be.revertedWithCustomError(s.settlement, "SettlementUnauthorizedOperator")
        .withArgs(caller.address);
    }
  });

  it("is refused a second time, naming when it was written off", async function () {
    const s = await loadFixture(story);
    await time.setNextBlockTimestamp(s.graceEnds + DAY);
    await (await s.settlement.writeOff(s.slot)).wait();
    await expect(s.settlement.writeOff(s.slot))
      .to.be.revertedWithCustomError(s.settlement, "SettlementAlreadyWrittenOff")
      .withArgs(s.slot, s.graceEnds + DAY);
  });

  it("is refused for a receivable repaid in full, even late, and for one that does not exist", async function () {
    const s = await loadFixture(story);
    await time.increaseTo(s.graceEnds + DAY);
    await (await s.settlement.connect(s.anchor).repay(s.slot, FACE - PART)).wait();
    await expect(s.settlement.writeOff(s.slot)).to.be.revertedWithCustomError(s.settlement, "SettlementWriteOffRepaid").withArgs(s.slot);
    await expect(s.settlement.writeOff(s.slot + 99n))
      .to.be.revertedWithCustomError(s.receivableToken, "ReceivableNonexistentSlot")
      .withArgs(s.slot + 99n);
  });

  it("leaves repayment possible: the anchor still repays the rest after a write-off, and the holder is paid in full", async function () {
    const s = await loadFixture(story);
    await time.increaseTo(s.graceEnds + DAY);
    await (await s.settlement.writeOff(s.slot)).wait();
    await expect(s.settlement.connect(s.anchor).repay(s.slot, FACE - PART))
      .to.emit(s.settlement, "Repaid")
      .withArgs(s.slot, s.anchor.address, FACE - PART, FACE, true);
    expect(await s.settlement.isOverdue(s.slot)).to.equal(false);
    // Once repaid in full it cannot be written off (again).
    await expect(s.settlement.writeOff(s.slot)).to.be.revertedWithCustomError(s.settlement, "SettlementWriteOffRepaid").withArgs(s.slot);
  });
});
