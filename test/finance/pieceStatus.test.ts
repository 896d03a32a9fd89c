import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, confirmReceivable, deployConsortium, latestTimestamp } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { issueTo, splitTo } from "../helpers/settlement";
import { basisPointsOf, debtStatus, percentOf, pieceStatus, repaidShareOf } from "../../src/finance/pieceStatus";
import type { PieceFacts } from "../../src/finance/pieceStatus";

/**
 * Issue 18 item 3: a piece's true status (repaid share, claimable now, claimed, still due, overdue since) from the
 * chain's facts, by Settlement's own rules. Properties over generated receivables, the incident's example, and the
 * contract's own `claimable` view on a real chain through a partial and a full repayment.
 */

const RUNS = 500;

/** Settlement.claimable as written in Solidity, line by line (uint256 arithmetic; a burned piece answers 0). */
function contractClaimable(facts: PieceFacts): bigint {
  if (facts.redeemed) return 0n;
  if (facts.at < facts.maturity && facts.repaid !== facts.faceValue) return 0n;
  return (facts.value * facts.repaid) / facts.faceValue - facts.claimed;
}

/** A receivable split into pieces, some repaid, each piece having claimed at most what was repaid when it claimed. */
const receivable = fc
  .record({
    faceValue: fc.bigInt({ min: 1n, max: 10n ** 14n }),
    cuts: fc.array(fc.bigInt({ min: 0n, max: 10n ** 6n }), { minLength: 0, maxLength: 6 }),
    repaidPermille: fc.integer({ min: 0, max: 1000 }),
    fullyRepaid: fc.boolean(),
    claimedAtPermille: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 7, maxLength: 7 }),
    maturity: fc.bigInt({ min: 1_600_000_000n, max: 1_900_000_000n }),
    gracePeriod: fc.bigInt({ min: 0n, max: 90n * DAY }),
    offset: fc.bigInt({ min: -200n * DAY, max: 200n * DAY }),
    writeOffAfter: fc.option(fc.bigInt({ min: 1n, max: 30n * DAY })),
  })
  .map((input) => {
    // Pieces: the cuts, scaled into the face value, the rest to the first piece (values sum to the face value).
    const values: bigint[] = [];
    let left = input.faceValue;
    for (const cut of input.cuts) {
      const value = (input.faceValue * cut) / 10n ** 7n;
      if (value === 0n || value >= left) continue;
      values.push(value);
      left -= value;
    }
    values.unshift(left);
    const repaid = input.fullyRepaid ? input.faceValue : (input.faceValue * BigInt(input.repaidPermille)) / 1000n;
    const at = input.maturity + input.offset;
    const graceEnds = input.maturity + input.gracePeriod;
    // The contract writes off only strictly after grace, and only an unpaid receivable.
    const writtenOffAt =
      input.writeOffAfter !== null && repaid < input.faceValue && at > graceEnds + input.writeOffAfter ? graceEnds + input.writeOffAfter : null;
    const claimsOpen = at >= input.maturity || repaid === input.faceValue;
    const pieces: PieceFacts[] = values.map((value, index) => {
      // What a piece claimed: its share of some earlier repaid total, and only once claims were open.
      const earlier = (repaid * BigInt(input.claimedAtPermille[index])) / 1000n;
      const claimed = claimsOpen && at >= input.maturity ? (value * earlier) / input.faceValue : 0n;
      return {
        value,
        claimed,
        redeemed: false,
        faceValue: input.faceValue,
        repaid,
        maturity: input.maturity,
        gracePeriod: input.gracePeriod,
        at,
        writtenOffAt,
      };
    });
    return { faceValue: input.faceValue, repaid, pieces };
  });

describe("a piece's true status (src/finance/pieceStatus.ts)", function () {
  describe("properties", function () {
    it("claimed + claimable + awaiting maturity + still due is the piece's value, every figure at least 0", function () {
      fc.assert(
        fc.property(receivable, ({ pieces }) => {
          for (const facts of pieces) {
            const status = pieceStatus(facts);
            for (const figure of [status.repaidShare, status.claimed, status.claimable, status.awaitingMaturity, status.stillDue]) {
              expect(figure >= 0n).to.equal(true);
            }
            expect(status.claimed + status.claimable + status.awaitingMaturity + status.stillDue).to.equal(facts.value);
            expect(status.repaidShare + status.stillDue).to.equal(facts.value);
          }
        }),
        { numRuns: RUNS },
      );
    });

    it("claimable is exactly what Settlement.claimable answers", function () {
      fc.assert(
        fc.property(receivable, ({ pieces }) => {
          for (const facts of pieces) expect(pieceStatus(facts).claimable).to.equal(contractClaimable(facts));
        }),
        { numRuns: RUNS },
      );
    });

    it("fully repaid: nothing still due, nothing waits for maturity, the rest of the value is claimable", function () {
      fc.assert(
        fc.property(receivable, ({ faceValue, repaid, pieces }) => {
          fc.pre(repaid === faceValue);
          for (const facts of pieces) {
            const status = pieceStatus(facts);
            expect(status.state).to.equal("repaid");
            expect(status.stillDue).to.equal(0n);
            expect(status.awaitingMaturity).to.equal(0n);
            expect(status.repaidShare).to.equal(facts.value);
            expect(status.claimable).to.equal(facts.value - facts.claimed);
            expect(status.overdueSince).to.equal(null);
          }
        }),
        { numRuns: RUNS },
      );
    });

    it("the pieces' shares never exceed what was repaid, and at full repayment they are the face value", function () {
      fc.assert(
        fc.property(receivable, ({ faceValue, repaid, pieces }) => {
          const shares = pieces.reduce((sum, facts) => sum + pieceStatus(facts).repaidShare, 0n);
          const due = pieces.reduce((sum, facts) => sum + pieceStatus(facts).stillDue, 0n);
          expect(shares <= repaid).to.equal(true);
          expect(due >= faceValue - repaid).to.equal(true);
          if (repaid === faceValue) expect(shares).to.equal(faceValue);
        }),
        { numRuns: RUNS },
      );
    });

    it("before maturity and not fully repaid nothing is claimable; the repaid share waits for maturity", function () {
      fc.assert(
        fc.property(receivable, ({ faceValue, repaid, pieces }) => {
          for (const facts of pieces) {
            fc.pre(facts.at < facts.maturity && repaid < faceValue);
            const status = pieceStatus(facts);
            expect(status.state).to.equal("current");
            expect(status.claimable).to.equal(0n);
            expect(status.awaitingMaturity).to.equal(status.repaidShare - status.claimed);
          }
        }),
        { numRuns: RUNS },
      );
    });

    it("overdue since maturity + grace + 1 exactly while strictly after grace and unpaid, as Settlement.isOverdue", function () {
      fc.assert(
        fc.property(receivable, ({ faceValue, repaid, pieces }) => {
          const facts = pieces[0];
          const status = pieceStatus(facts);
          const overdue = facts.at > facts.maturity + facts.gracePeriod && repaid < faceValue;
          expect(status.overdueSince).to.equal(overdue ? facts.maturity + facts.gracePeriod + 1n : null);
          expect(["overdue", "writtenOff"].includes(status.state)).to.equal(overdue);
          if (facts.writtenOffAt !== null) expect(status.state).to.equal("writtenOff");
        }),
        { numRuns: RUNS },
      );
    });

    it("more repaid never means more still due", function () {
      fc.assert(
        fc.property(receivable, fc.bigInt({ min: 0n, max: 10n ** 14n }), ({ faceValue, repaid, pieces }, more) => {
          const later = repaid + (more % (faceValue - repaid + 1n));
          for (const facts of pieces) {
            expect(pieceStatus({ ...facts, repaid: later }).stillDue <= pieceStatus(facts).stillDue).to.equal(true);
          }
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("examples", function () {
    const base: PieceFacts = {
      value: 200_000_00n,
      faceValue: 500_000_00n,
      repaid: 0n,
      claimed: 0n,
      redeemed: false,
      maturity: 1_800_000_000n,
      gracePeriod: 7n * DAY,
      at: 1_700_000_000n,
      writtenOffAt: null,
    };

    it("a fully repaid piece not yet collected is repaid with nothing still due (it showed still due 200,000.00)", function () {
      const status = pieceStatus({ ...base, repaid: base.faceValue });
      expect(status).to.include({ state: "repaid", stillDue: 0n, claimable: 200_000_00n, claimed: 0n, repaidShare: 200_000_00n });
    });

    it("a partial repayment before maturity: a share repaid, waiting for maturity, the rest still due", function () {
      const status = pieceStatus({ ...base, repaid: 300_000_00n });
      expect(status).to.include({ state: "current", repaidShare: 120_000_00n, claimable: 0n, awaitingMaturity: 120_000_00n, stillDue: 80_000_00n });
      const after = pieceStatus({ ...base, repaid: 300_000_00n, at: base.maturity + DAY, claimed: 0n });
      expect(after).to.include({ state: "dueInGrace", claimable: 120_000_00n, awaitingMaturity: 0n, stillDue: 80_000_00n, overdueSince: null });
    });

    it("overdue from the second after the grace period ends, not at it", function () {
      const graceEnds = base.maturity + base.gracePeriod;
      expect(pieceStatus({ ...base, at: graceEnds }).overdueSince).to.equal(null);
      expect(pieceStatus({ ...base, at: graceEnds + 1n })).to.include({ state: "overdue", overdueSince: graceEnds + 1n });
      expect(pieceStatus({ ...base, at: graceEnds + DAY, writtenOffAt: graceEnds + 5n })).to.include({
        state: "writtenOff",
        overdueSince: graceEnds + 1n,
      });
    });

    it("a piece redeemed by its last claim is collected: its value claimed, nothing claimable, nothing due", function () {
      expect(pieceStatus({ ...base, repaid: base.faceValue, claimed: base.value, redeemed: true, at: base.maturity + 100n * DAY })).to.deep.equal({
        state: "collected",
        value: base.value,
        repaidShare: base.value,
        claimed: base.value,
        claimable: 0n,
        awaitingMaturity: 0n,
        stillDue: 0n,
        overdueSince: null,
      });
    });

    it("an anchor's debt: outstanding, and the date it fell overdue", function () {
      const debt = debtStatus({ ...base, repaid: 100_000_00n, at: base.maturity + 10n * DAY });
      expect(debt).to.deep.equal({
        state: "overdue",
        outstanding: 400_000_00n,
        claimsOpen: true,
        overdueSince: base.maturity + base.gracePeriod + 1n,
      });
    });

    it("repaid share in percent, rounded down", function () {
      expect(percentOf(basisPointsOf(600_000_00n, 1_000_000_00n))).to.equal("60.00%");
      expect(percentOf(basisPointsOf(1n, 3n))).to.equal("33.33%");
      expect(repaidShareOf(1n, 1n, 3n)).to.equal(0n);
    });
  });

  describe("against Settlement on a real chain", function () {
    const FACE = 100_000_000n; // 1,000,000.00 CNY
    const GRACE = 3n * DAY;

    interface Story extends Consortium {
      slot: bigint;
      maturity: bigint;
      pieces: bigint[];
    }

    /** A 1,000,000.00 CNY receivable due in 60 days, split into 666,666.66, 333,333.33 and 0.01 across three holders. */
    async function story(): Promise<Story> {
      const c = await deployConsortium();
      const { slot, tokenId: root } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 60n });
      const second = await splitTo(c, c.tier1, root, c.tier2, 33_333_333n);
      const dust = await splitTo(c, c.tier1, root, c.tier3, 1n);
      await (await c.settlement.setGracePeriod(GRACE)).wait();
      await issueTo(c, c.anchor, FACE);
      await (await c.settlementToken.connect(c.anchor).approve(await c.settlement.getAddress(), FACE)).wait();
      const maturity = (await c.receivableToken.receivable(slot)).maturity;
      return { ...c, slot, maturity, pieces: [root, second, dust] };
    }

    /** Every piece's status from the chain's facts at the latest block, beside what Settlement itself answers. */
    async function compare(s: Story, valuesAtRedemption: Map<bigint, bigint>): Promise<Array<ReturnType<typeof pieceStatus>>> {
      const at = await latestTimestamp();
      const terms = await s.receivableToken.receivable(s.slot);
      const { repaid } = await s.settlement.account(s.slot);
      const gracePeriod = await s.settlement.gracePeriod();
      const statuses = [];
      for (const tokenId of s.pieces) {
        const redeemed = !(await s.receivableToken.exists(tokenId));
        const value = redeemed ? (valuesAtRedemption.get(tokenId) ?? 0n) : await s.receivableToken["balanceOf(uint256)"](tokenId);
        const claimed = redeemed ? value : await s.settlement.claimedBy(tokenId);
        const status = pieceStatus({
          value,
          claimed,
          redeemed,
          faceValue: terms.faceValue,
          repaid,
          maturity: terms.maturity,
          gracePeriod,
          at,
          writtenOffAt: null,
        });
        expect(status.claimable, `claimable of ${tokenId}`).to.equal(await s.settlement.claimable(tokenId));
        expect(status.overdueSince !== null, `overdue of ${tokenId}`).to.equal(await s.settlement.isOverdue(s.slot));
        statuses.push(status);
      }
      return statuses;
    }

    it("agrees with claimable through a partial repayment, a claim, and the full repayment, to the fen", async function () {
      const s = await loadFixture(story);
      const values = new Map<bigint, bigint>();
      for (const tokenId of s.pieces) values.set(tokenId, await s.receivableToken["balanceOf(uint256)"](tokenId));

      await (await s.settlement.connect(s.anchor).repay(s.slot, 60_000_000n)).wait();
      let now = await compare(s, values);
      expect(now[0]).to.include({ state: "current", repaidShare: 39_999_999n, claimable: 0n, awaitingMaturity: 39_999_999n, stillDue: 26_666_667n });
      expect(now[2]).to.include({ repaidShare: 0n, stillDue: 1n });

      // Ten days after the grace period ended: overdue, each piece's share claimable.
      await time.increaseTo(s.maturity + GRACE + 10n * DAY);
      now = await compare(s, values);
      expect(now[1]).to.include({ state: "overdue", claimable: 19_999_999n, stillDue: 13_333_334n, overdueSince: s.maturity + GRACE + 1n });

      await (await s.settlement.connect(s.tier2).claim(s.pieces[1])).wait();
      now = await compare(s, values);
      expect(now[1]).to.include({ claimed: 19_999_999n, claimable: 0n, stillDue: 13_333_334n });

      await (await s.settlement.connect(s.anchor).repay(s.slot, 40_000_000n)).wait();
      now = await compare(s, values);
      expect(now[0]).to.include({ state: "repaid", claimable: 66_666_666n, stillDue: 0n, overdueSince: null });
      expect(now[1]).to.include({ state: "repaid", claimed: 19_999_999n, claimable: 13_333_334n, stillDue: 0n });
      expect(now[2]).to.include({ claimable: 1n, stillDue: 0n });

      await (await s.settlement.connect(s.tier2).claimMany(s.pieces)).wait();
      now = await compare(s, values);
      for (const status of now) expect(status).to.include({ state: "collected", claimable: 0n, stillDue: 0n });
      expect(now[1].claimed).to.equal(33_333_333n);
    });

    it("a full repayment before maturity: everything claimable at once, nothing due", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE)).wait();
      const [root, second] = await compare(s, new Map());
      expect(root).to.include({ state: "repaid", claimable: 66_666_666n, stillDue: 0n });
      expect(second).to.include({ state: "repaid", claimable: 33_333_333n, stillDue: 0n });
    });
  });
});
