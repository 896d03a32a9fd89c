import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt } from "ethers";
import { abiUint } from "../../src/chain/abiValues";
import { Role, roleMask } from "../../src/chain/roles";
import { tokenIdOf } from "../../src/chain/tokenId";
import { DAY, YEAR, confirmReceivable, deployConsortium, latestTimestamp } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { issueTo, memberIdOf, splitTo } from "../helpers/settlement";

const ZERO = hre.ethers.ZeroAddress;
const FACE = 100_000_000n; // 1,000,000.00 CNY
const SIXTY_PERCENT = 60_000_000n;
const WHOLE = "transferFrom(address,address,uint256)";
const SPLIT = "transferFrom(uint256,address,uint256)";
const MERGE = "transferFrom(uint256,uint256,uint256)";

interface Piece {
  tokenId: bigint;
  holder: HardhatEthersSigner;
  value: bigint;
}

interface Story extends Consortium {
  slot: bigint;
  maturity: bigint;
  settlementAddress: string;
  /** Awkward pieces: 666,666.65 / 222,222.22 / 0.01 / 111,111.11 / 0.01, summing to the face value. */
  pieces: Piece[];
}

/** What a piece is entitled to once `repaid` of the face value has been repaid. */
function entitled(value: bigint, repaid: bigint): bigint {
  return (value * repaid) / FACE;
}

function claimedEvents(s: Story, receipt: ContractTransactionReceipt | null): Array<{ tokenId: bigint; holder: string; amount: bigint }> {
  if (receipt === null) throw new Error("no receipt");
  const events: Array<{ tokenId: bigint; holder: string; amount: bigint }> = [];
  for (const log of receipt.logs) {
    const parsed = s.settlement.interface.parseLog(log);
    if (parsed !== null && parsed.name === "Claimed") {
      events.push({ tokenId: abiUint(parsed.args.tokenId), holder: String(parsed.args.holder), amount: abiUint(parsed.args.amount) });
    }
  }
  return events;
}

describe("Settlement", function () {
  /** A 1,000,000.00 CNY receivable, due in 90 days, split into awkward pieces across four holders. */
  async function story(): Promise<Story> {
    const c = await deployConsortium();
    const { slot, tokenId: root } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 90n });
    const toTier2 = await splitTo(c, c.tier1, root, c.tier2, 33_333_333n);
    const oneFenToTier3 = await splitTo(c, c.tier1, root, c.tier3, 1n);
    const toTier3 = await splitTo(c, c.tier2, toTier2, c.tier3, 11_111_111n);
    const oneFenToFactor = await splitTo(c, c.tier1, root, c.factor, 1n);
    const maturity = (await c.receivableToken.receivable(slot)).maturity;
    const pieces: Piece[] = [
      { tokenId: root, holder: c.tier1, value: 66_666_665n },
      { tokenId: toTier2, holder: c.tier2, value: 22_222_222n },
      { tokenId: oneFenToTier3, holder: c.tier3, value: 1n },
      { tokenId: toTier3, holder: c.tier3, value: 11_111_111n },
      { tokenId: oneFenToFactor, holder: c.factor, value: 1n },
    ];
    for (const piece of pieces) {
      expect(await c.receivableToken["balanceOf(uint256)"](piece.tokenId)).to.equal(piece.value);
      expect(await c.receivableToken.ownerOf(piece.tokenId)).to.equal(piece.holder.address);
    }
    expect(pieces.reduce((sum, piece) => sum + piece.value, 0n)).to.equal(FACE);
    // The anchor's bank has issued it the whole face value and it approved settlement once.
    await issueTo(c, c.anchor, FACE);
    await (await c.settlementToken.connect(c.anchor).approve(await c.settlement.getAddress(), FACE)).wait();
    return { ...c, slot, maturity, settlementAddress: await c.settlement.getAddress(), pieces };
  }

  async function balancesOf(s: Story, accounts: string[]): Promise<bigint[]> {
    return Promise.all(accounts.map((account) => s.settlementToken.balanceOf(account)));
  }

  function pieceAt(s: Story, index: number): Piece {
    const piece = s.pieces[index];
    if (piece === undefined) throw new Error(`no piece ${index}`);
    return piece;
  }

  describe("repay", function () {
    it("the anchor repays in instalments; each Repaid carries the running total and only the last is full", async function () {
      const s = await loadFixture(story);
      const instalments: Array<[bigint, bigint, boolean]> = [
        [SIXTY_PERCENT, SIXTY_PERCENT, false],
        [33_333_333n, 93_333_333n, false],
        [6_666_667n, FACE, true],
      ];
      for (const [amount, total, full] of instalments) {
        const tx = s.settlement.connect(s.anchor).repay(s.slot, amount);
        await expect(tx).to.emit(s.settlement, "Repaid").withArgs(s.slot, s.anchor.address, amount, total, full);
        await expect(tx).to.changeTokenBalances(s.settlementToken, [s.anchor.address, s.settlementAddress], [-amount, amount]);
        await expect(tx).not.to.emit(s.settlement, "OverdueCured");
        expect((await s.settlement.account(s.slot)).repaid).to.equal(total);
      }
      const account = await s.settlement.account(s.slot);
      expect(account.claimed).to.equal(0n);
      expect(account.redeemedValue).to.equal(0n);
      expect(account.overdueFlagged).to.equal(false);
      expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(FACE);
      expect(await s.settlementToken.balanceOf(s.anchor.address)).to.equal(0n);
    });

    it("any of the anchor's addresses repays for it", async function () {
      const s = await loadFixture(story);
      const treasury = s.outsiders[0];
      await (await s.registry.addAccount(memberIdOf(s, s.anchor), treasury.address)).wait();
      await issueTo(s, treasury, 1_000n);
      await (await s.settlementToken.connect(treasury).approve(s.settlementAddress, 1_000n)).wait();
      await expect(s.settlement.connect(treasury).repay(s.slot, 1_000n))
        .to.emit(s.settlement, "Repaid")
        .withArgs(s.slot, treasury.address, 1_000n, 1_000n, false);
      await expect(s.settlement.connect(s.anchor).repay(s.slot, 2_000n))
        .to.emit(s.settlement, "Repaid")
        .withArgs(s.slot, s.anchor.address, 2_000n, 3_000n, false);
    });

    it("a repayment after maturity is accepted (late, but owed)", async function () {
      const s = await loadFixture(story);
      await time.increaseTo(s.maturity + 30n * DAY);
      await expect(s.settlement.connect(s.anchor).repay(s.slot, FACE))
        .to.emit(s.settlement, "Repaid")
        .withArgs(s.slot, s.anchor.address, FACE, FACE, true);
    });

    it("repay_revertsWhenTheCallerDoesNotActForTheSlotsAnchor", async function () {
      const s = await loadFixture(story);
      const otherAnchor = s.outsiders[1];
      await (
        await s.registry.admit(hre.ethers.id("OTHER-ANCHOR"), otherAnchor.address, roleMask(Role.ANCHOR), (await latestTimestamp()) + YEAR)
      ).wait();
      for (const payer of [s.tier1, otherAnchor]) {
        await issueTo(s, payer, 500n);
        await (await s.settlementToken.connect(payer).approve(s.settlementAddress, 500n)).wait();
      }
      const watched = [s.tier1.address, otherAnchor.address, s.settlementAddress, s.anchor.address];
      const before = await balancesOf(s, watched);
      for (const caller of [s.tier1, otherAnchor, s.operator, s.outsiders[2]]) {
        await expect(s.settlement.connect(caller).repay(s.slot, 500n))
          .to.be.revertedWithCustomError(s.settlement, "SettlementNotAnchor")
          .withArgs(s.slot, caller.address);
      }
      expect(await balancesOf(s, watched)).to.deep.equal(before);
      expect((await s.settlement.account(s.slot)).repaid).to.equal(0n);
    });

    it("repay_revertsOnZeroAndOnAnythingAboveWhatIsOutstanding", async function () {
      const s = await loadFixture(story);
      const watched = [s.anchor.address, s.settlementAddress];
      let before = await balancesOf(s, watched);
      await expect(s.settlement.connect(s.anchor).repay(s.slot, 0n)).to.be.revertedWithCustomError(s.settlement, "SettlementZeroAmount");
      await expect(s.settlement.connect(s.anchor).repay(s.slot, FACE + 1n))
        .to.be.revertedWithCustomError(s.settlement, "SettlementOverpayment")
        .withArgs(s.slot, FACE + 1n, FACE);
      expect(await balancesOf(s, watched)).to.deep.equal(before);

      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      before = await balancesOf(s, watched);
      await expect(s.settlement.connect(s.anchor).repay(s.slot, 40_000_001n))
        .to.be.revertedWithCustomError(s.settlement, "SettlementOverpayment")
        .withArgs(s.slot, 40_000_001n, 40_000_000n);
      expect(await balancesOf(s, watched)).to.deep.equal(before);

      await (await s.settlement.connect(s.anchor).repay(s.slot, 40_000_000n)).wait();
      await issueTo(s, s.anchor, 1n);
      await (await s.settlementToken.connect(s.anchor).approve(s.settlementAddress, 1n)).wait();
      before = await balancesOf(s, watched);
      await expect(s.settlement.connect(s.anchor).repay(s.slot, 1n))
        .to.be.revertedWithCustomError(s.settlement, "SettlementOverpayment")
        .withArgs(s.slot, 1n, 0n);
      expect(await balancesOf(s, watched)).to.deep.equal(before);
      expect((await s.settlement.account(s.slot)).repaid).to.equal(FACE);
    });

    it("repay_revertsWithoutAllowanceOrForAnUnknownSlot", async function () {
      const s = await loadFixture(story);
      await (await s.settlementToken.connect(s.anchor).approve(s.settlementAddress, 0n)).wait();
      await expect(s.settlement.connect(s.anchor).repay(s.slot, 1n))
        .to.be.revertedWithCustomError(s.settlementToken, "ERC20InsufficientAllowance")
        .withArgs(s.settlementAddress, 0n, 1n);
      await expect(s.settlement.connect(s.anchor).repay(99n, 1n))
        .to.be.revertedWithCustomError(s.receivableToken, "ReceivableNonexistentSlot")
        .withArgs(99n);
      expect((await s.settlement.account(s.slot)).repaid).to.equal(0n);
    });
  });

  describe("claim", function () {
    it("claim_revertsBeforeMaturityUnlessTheSlotIsFullyRepaid", async function () {
      const s = await loadFixture(story);
      const root = pieceAt(s, 0);
      await expect(s.settlement.connect(root.holder).claim(root.tokenId))
        .to.be.revertedWithCustomError(s.settlement, "SettlementNotClaimable")
        .withArgs(s.slot, s.maturity, 0n, FACE);
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE - 1n)).wait();
      const before = await balancesOf(s, [root.holder.address, s.settlementAddress]);
      await expect(s.settlement.connect(root.holder).claim(root.tokenId))
        .to.be.revertedWithCustomError(s.settlement, "SettlementNotClaimable")
        .withArgs(s.slot, s.maturity, FACE - 1n, FACE);
      await expect(s.settlement.connect(s.auditor).claimMany([root.tokenId]))
        .to.be.revertedWithCustomError(s.settlement, "SettlementNotClaimable")
        .withArgs(s.slot, s.maturity, FACE - 1n, FACE);
      expect(await s.settlement.claimable(root.tokenId)).to.equal(0n);
      expect(await balancesOf(s, [root.holder.address, s.settlementAddress])).to.deep.equal(before);

      // One second before maturity it is still closed.
      await time.setNextBlockTimestamp(s.maturity - 1n);
      await expect(s.settlement.connect(root.holder).claim(root.tokenId)).to.be.revertedWithCustomError(s.settlement, "SettlementNotClaimable");
    });

    it("a slot fully repaid early: each claim pays the whole value at once and burns the piece", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE)).wait();
      expect(await latestTimestamp()).to.be.lessThan(s.maturity);
      const piece = pieceAt(s, 1);
      expect(await s.settlement.claimable(piece.tokenId)).to.equal(piece.value);

      const tx = s.settlement.connect(piece.holder).claim(piece.tokenId);
      await expect(tx).to.emit(s.settlement, "Claimed").withArgs(piece.tokenId, piece.holder.address, piece.value, piece.value);
      await expect(tx).to.emit(s.receivableToken, "TransferValue").withArgs(piece.tokenId, 0n, piece.value);
      await expect(tx).to.emit(s.receivableToken, "Transfer").withArgs(piece.holder.address, ZERO, piece.tokenId);
      await expect(tx).to.emit(s.settlementToken, "Transfer").withArgs(s.settlementAddress, piece.holder.address, piece.value);
      await expect(tx).to.changeTokenBalances(s.settlementToken, [piece.holder.address, s.settlementAddress], [piece.value, -piece.value]);
      expect(await s.receivableToken.exists(piece.tokenId)).to.equal(false);
      expect(await s.settlement.claimedBy(piece.tokenId)).to.equal(0n);
      expect(await s.settlement.claimable(piece.tokenId)).to.equal(0n);
      let account = await s.settlement.account(s.slot);
      expect(account.claimed).to.equal(piece.value);
      expect(account.redeemedValue).to.equal(piece.value);

      for (const other of s.pieces.filter((p) => p !== piece)) {
        await expect(s.settlement.connect(other.holder).claim(other.tokenId))
          .to.emit(s.settlement, "Claimed")
          .withArgs(other.tokenId, other.holder.address, other.value, other.value);
        expect(await s.receivableToken.exists(other.tokenId)).to.equal(false);
      }
      account = await s.settlement.account(s.slot);
      expect(account.claimed).to.equal(FACE);
      expect(account.redeemedValue).to.equal(FACE);
      expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(0n);
    });

    it("at maturity with 60% repaid each piece receives floor(value × repaid ÷ face), and nothing more until the anchor pays again", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      await time.increaseTo(s.maturity);
      let paid = 0n;
      for (const piece of s.pieces) {
        const due = entitled(piece.value, SIXTY_PERCENT);
        expect(await s.settlement.claimable(piece.tokenId)).to.equal(due);
        if (due === 0n) {
          await expect(s.settlement.connect(piece.holder).claim(piece.tokenId))
            .to.be.revertedWithCustomError(s.settlement, "SettlementNothingToClaim")
            .withArgs(piece.tokenId);
          continue;
        }
        const tx = s.settlement.connect(piece.holder).claim(piece.tokenId);
        await expect(tx).to.emit(s.settlement, "Claimed").withArgs(piece.tokenId, piece.holder.address, due, due);
        await expect(tx).to.changeTokenBalances(s.settlementToken, [piece.holder.address, s.settlementAddress], [due, -due]);
        await expect(tx).not.to.emit(s.receivableToken, "Transfer");
        expect(await s.settlement.claimedBy(piece.tokenId)).to.equal(due);
        expect(await s.receivableToken.exists(piece.tokenId)).to.equal(true);
        paid += due;
      }
      // 39,999,999 + 13,333,333 + 0 + 6,666,666 + 0: two fen stay in escrow until the rest is repaid.
      expect(paid).to.equal(59_999_998n);
      expect((await s.settlement.account(s.slot)).claimed).to.equal(paid);
      expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(SIXTY_PERCENT - paid);

      for (const piece of s.pieces) {
        const before = await balancesOf(s, [piece.holder.address, s.settlementAddress]);
        await expect(s.settlement.connect(piece.holder).claim(piece.tokenId))
          .to.be.revertedWithCustomError(s.settlement, "SettlementNothingToClaim")
          .withArgs(piece.tokenId);
        expect(await balancesOf(s, [piece.holder.address, s.settlementAddress])).to.deep.equal(before);
      }
    });

    it("through instalments of 60%, 33.333333% and the rest, every piece ends with exactly its value: no dust created or left", async function () {
      const s = await loadFixture(story);
      await time.increaseTo(s.maturity);
      const received = new Map<bigint, bigint>(s.pieces.map((piece) => [piece.tokenId, 0n]));
      const holders = [...new Set(s.pieces.map((piece) => piece.holder.address))];
      const startBalances = await balancesOf(s, holders);
      let repaid = 0n;
      for (const instalment of [SIXTY_PERCENT, 33_333_333n, 6_666_667n]) {
        await (await s.settlement.connect(s.anchor).repay(s.slot, instalment)).wait();
        repaid += instalment;
        for (const piece of s.pieces) {
          const due = entitled(piece.value, repaid) - (received.get(piece.tokenId) ?? 0n);
          expect(await s.settlement.claimable(piece.tokenId)).to.equal(due);
          if (due > 0n) {
            await (await s.settlement.connect(piece.holder).claim(piece.tokenId)).wait();
            received.set(piece.tokenId, (received.get(piece.tokenId) ?? 0n) + due);
          }
        }
        const account = await s.settlement.account(s.slot);
        expect(account.claimed).to.be.at.most(repaid);
        expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(repaid - account.claimed);
      }
      for (const piece of s.pieces) {
        expect(received.get(piece.tokenId)).to.equal(piece.value);
        expect(await s.receivableToken.exists(piece.tokenId)).to.equal(false);
      }
      const endBalances = await balancesOf(s, holders);
      const gained = endBalances.reduce((sum, balance, i) => sum + balance - (startBalances[i] ?? 0n), 0n);
      expect(gained).to.equal(FACE);
      const account = await s.settlement.account(s.slot);
      expect(account.repaid).to.equal(FACE);
      expect(account.claimed).to.equal(FACE);
      expect(account.redeemedValue).to.equal(FACE);
      expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(0n);
      expect(await s.settlementToken.totalSupply()).to.equal((await s.settlementToken.totalIssued()) - (await s.settlementToken.totalRedeemed()));
    });

    it("anyone may claim for a piece; the holder is always the one paid", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      await time.increaseTo(s.maturity);
      const root = pieceAt(s, 0);
      const due = entitled(root.value, SIXTY_PERCENT);
      const tx = s.settlement.connect(s.auditor).claim(root.tokenId);
      await expect(tx).to.emit(s.settlement, "Claimed").withArgs(root.tokenId, root.holder.address, due, due);
      await expect(tx).to.changeTokenBalances(s.settlementToken, [root.holder.address, s.auditor.address], [due, 0n]);
    });

    it("claimMany by a third party pays every holder what is due and skips pieces with nothing due", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      await time.increaseTo(s.maturity);
      const root = pieceAt(s, 0);
      await (await s.settlement.connect(root.holder).claim(root.tokenId)).wait();

      const ids = s.pieces.map((piece) => piece.tokenId);
      const dueB = entitled(pieceAt(s, 1).value, SIXTY_PERCENT);
      const dueD = entitled(pieceAt(s, 3).value, SIXTY_PERCENT);
      expect(await s.settlement.connect(s.operator).claimMany.staticCall(ids)).to.equal(dueB + dueD);
      const tx = await s.settlement.connect(s.operator).claimMany(ids);
      await expect(tx).to.changeTokenBalances(
        s.settlementToken,
        [s.operator.address, s.tier1.address, s.tier2.address, s.tier3.address, s.factor.address, s.settlementAddress],
        [0n, 0n, dueB, dueD, 0n, -(dueB + dueD)],
      );
      // The root already claimed and the 1-fen pieces are owed nothing yet: only two Claimed events.
      expect(claimedEvents(s, await tx.wait())).to.deep.equal([
        { tokenId: pieceAt(s, 1).tokenId, holder: s.tier2.address, amount: dueB },
        { tokenId: pieceAt(s, 3).tokenId, holder: s.tier3.address, amount: dueD },
      ]);
      // Nothing due anywhere: a batch pays nothing and does not revert.
      expect(await s.settlement.connect(s.operator).claimMany.staticCall(ids)).to.equal(0n);
      await expect(s.settlement.connect(s.operator).claimMany(ids)).not.to.emit(s.settlement, "Claimed");

      // The rest is repaid: one batch pays every piece the remainder of its value and burns it.
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE - SIXTY_PERCENT)).wait();
      const final = await (await s.settlement.connect(s.auditor).claimMany(ids)).wait();
      const events = claimedEvents(s, final);
      expect(events.map((event) => event.tokenId)).to.deep.equal(ids);
      for (const piece of s.pieces) {
        expect(await s.receivableToken.exists(piece.tokenId)).to.equal(false);
        const paidForPiece = piece.value - entitled(piece.value, SIXTY_PERCENT);
        expect(events.find((event) => event.tokenId === piece.tokenId)?.amount).to.equal(paidForPiece);
      }
      expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(0n);
      expect(await s.settlementToken.balanceOf(s.auditor.address)).to.equal(0n);
      // Every piece is burned now: the same batch again pays nothing and does not revert.
      expect(await s.settlement.connect(s.auditor).claimMany.staticCall(ids)).to.equal(0n);
      await expect(s.settlement.connect(s.auditor).claimMany(ids)).not.to.emit(s.settlement, "Claimed");
    });

    it("claimMany skips pieces already paid in full and burned by their holders' own claims", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE)).wait();
      const root = pieceAt(s, 0);
      const dust = pieceAt(s, 4);
      await (await s.settlement.connect(root.holder).claim(root.tokenId)).wait();
      await (await s.settlement.connect(dust.holder).claim(dust.tokenId)).wait();
      const ids = s.pieces.map((piece) => piece.tokenId);
      const rest = s.pieces.slice(1, 4);
      const restTotal = rest.reduce((sum, piece) => sum + piece.value, 0n);
      expect(await s.settlement.connect(s.auditor).claimMany.staticCall(ids)).to.equal(restTotal);
      const receipt = await (await s.settlement.connect(s.auditor).claimMany(ids)).wait();
      expect(claimedEvents(s, receipt)).to.deep.equal(
        rest.map((piece) => ({ tokenId: piece.tokenId, holder: piece.holder.address, amount: piece.value })),
      );
      expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(0n);
      expect((await s.settlement.account(s.slot)).redeemedValue).to.equal(FACE);
    });

    it("claims work while the receivable token is paused, burning included", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      await time.increaseTo(s.maturity);
      await (await s.receivableToken.pause()).wait();
      const root = pieceAt(s, 0);
      await expect(s.settlement.connect(root.holder).claim(root.tokenId))
        .to.emit(s.settlement, "Claimed")
        .withArgs(root.tokenId, root.holder.address, entitled(root.value, SIXTY_PERCENT), entitled(root.value, SIXTY_PERCENT));
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE - SIXTY_PERCENT)).wait();
      await expect(s.settlement.connect(root.holder).claim(root.tokenId))
        .to.emit(s.receivableToken, "TransferValue")
        .withArgs(root.tokenId, 0n, root.value);
      await expect(s.settlement.connect(s.auditor).claimMany(s.pieces.slice(1).map((piece) => piece.tokenId))).to.emit(s.settlement, "Claimed");
      expect(await s.receivableToken.paused()).to.equal(true);
      expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(0n);
    });

    it("a suspended member's pieces are still paid, and burned once paid in full", async function () {
      const s = await loadFixture(story);
      const piece = pieceAt(s, 1); // tier 2's
      await (await s.registry.suspend(memberIdOf(s, s.tier2))).wait();
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      await time.increaseTo(s.maturity);
      const due = entitled(piece.value, SIXTY_PERCENT);
      await expect(s.settlement.connect(s.tier2).claim(piece.tokenId)).to.changeTokenBalances(
        s.settlementToken,
        [s.tier2.address, s.settlementAddress],
        [due, -due],
      );
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE - SIXTY_PERCENT)).wait();
      const tx = s.settlement.connect(s.auditor).claim(piece.tokenId);
      await expect(tx).to.emit(s.receivableToken, "TransferValue").withArgs(piece.tokenId, 0n, piece.value);
      await expect(tx).to.changeTokenBalance(s.settlementToken, s.tier2.address, piece.value - due);
      expect(await s.registry.isActiveMember(s.tier2.address)).to.equal(false);
    });

    it("claim_revertsForAPieceThatDoesNotExistOrAnUnknownSlot", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE)).wait();
      const missing = tokenIdOf(s.slot, 99n);
      await expect(s.settlement.claim(missing)).to.be.revertedWithCustomError(s.receivableToken, "ERC721NonexistentToken").withArgs(missing);
      expect(await s.settlement.claimable(missing)).to.equal(0n);
      await expect(s.settlement.claim(tokenIdOf(7n, 1n)))
        .to.be.revertedWithCustomError(s.receivableToken, "ReceivableNonexistentSlot")
        .withArgs(7n);
      // A piece already paid in full and burned cannot be claimed again.
      const piece = pieceAt(s, 2);
      await (await s.settlement.claim(piece.tokenId)).wait();
      await expect(s.settlement.claim(piece.tokenId))
        .to.be.revertedWithCustomError(s.receivableToken, "ERC721NonexistentToken")
        .withArgs(piece.tokenId);
    });

    it("after maturity nothing moves any more (split, merge, whole transfer), while claims still pay", async function () {
      const s = await loadFixture(story);
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      await time.increaseTo(s.maturity);
      const root = pieceAt(s, 0);
      const tier3Piece = pieceAt(s, 3);
      const tier3Dust = pieceAt(s, 2);
      await expect(s.receivableToken.connect(s.tier1)[SPLIT](root.tokenId, s.tier2.address, 1n))
        .to.be.revertedWithCustomError(s.receivableToken, "ReceivableMatured")
        .withArgs(s.slot, s.maturity);
      await expect(s.receivableToken.connect(s.tier1)[WHOLE](s.tier1.address, s.tier2.address, root.tokenId))
        .to.be.revertedWithCustomError(s.receivableToken, "ReceivableMatured")
        .withArgs(s.slot, s.maturity);
      await expect(s.receivableToken.connect(s.tier3)[MERGE](tier3Dust.tokenId, tier3Piece.tokenId, 1n))
        .to.be.revertedWithCustomError(s.receivableToken, "ReceivableMatured")
        .withArgs(s.slot, s.maturity);
      expect(await s.receivableToken["balanceOf(uint256)"](root.tokenId)).to.equal(root.value);
      await expect(s.settlement.connect(root.holder).claim(root.tokenId)).to.emit(s.settlement, "Claimed");
    });
  });

  describe("overdue", function () {
    const GRACE = 7n * DAY;

    async function withGrace(): Promise<Story> {
      const s = await story();
      await (await s.settlement.setGracePeriod(GRACE)).wait();
      return s;
    }

    it("only the operator sets the grace period, at most 90 days", async function () {
      const s = await loadFixture(story);
      expect(await s.settlement.gracePeriod()).to.equal(0n);
      await expect(s.settlement.setGracePeriod(GRACE)).to.emit(s.settlement, "GracePeriodSet").withArgs(GRACE);
      expect(await s.settlement.gracePeriod()).to.equal(GRACE);
      for (const caller of [s.anchor, s.factor, s.auditor, s.outsiders[0]]) {
        await expect(s.settlement.connect(caller).setGracePeriod(DAY))
          .to.be.revertedWithCustomError(s.settlement, "SettlementUnauthorizedOperator")
          .withArgs(caller.address);
      }
      await expect(s.settlement.setGracePeriod(90n * DAY + 1n))
        .to.be.revertedWithCustomError(s.settlement, "SettlementGracePeriodTooLong")
        .withArgs(90n * DAY + 1n, 90n * DAY);
      expect(await s.settlement.gracePeriod()).to.equal(GRACE);
      await expect(s.settlement.setGracePeriod(90n * DAY))
        .to.emit(s.settlement, "GracePeriodSet")
        .withArgs(90n * DAY);
    });

    it("a partly repaid slot is not overdue before maturity plus grace, and is overdue after: flagged once", async function () {
      const s = await loadFixture(withGrace);
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      expect(await s.settlement.isOverdue(s.slot)).to.equal(false);
      await expect(s.settlement.flagOverdue(s.slot)).to.be.revertedWithCustomError(s.settlement, "SettlementNotOverdue").withArgs(s.slot);

      await time.increaseTo(s.maturity + GRACE - 2n);
      expect(await s.settlement.isOverdue(s.slot)).to.equal(false);
      await expect(s.settlement.flagOverdue(s.slot)).to.be.revertedWithCustomError(s.settlement, "SettlementNotOverdue").withArgs(s.slot);

      await time.increaseTo(s.maturity + GRACE + 1n);
      expect(await s.settlement.isOverdue(s.slot)).to.equal(true);
      await expect(s.settlement.connect(s.auditor).flagOverdue(s.slot)).to.emit(s.settlement, "SlotOverdue").withArgs(s.slot, SIXTY_PERCENT, FACE);
      expect((await s.settlement.account(s.slot)).overdueFlagged).to.equal(true);
      await expect(s.settlement.connect(s.factor).flagOverdue(s.slot))
        .to.be.revertedWithCustomError(s.settlement, "SettlementAlreadyFlagged")
        .withArgs(s.slot);
    });

    it("a slot nothing was repaid on is overdue after maturity plus grace", async function () {
      const s = await loadFixture(withGrace);
      await time.increaseTo(s.maturity + GRACE + 1n);
      expect(await s.settlement.isOverdue(s.slot)).to.equal(true);
      await expect(s.settlement.flagOverdue(s.slot)).to.emit(s.settlement, "SlotOverdue").withArgs(s.slot, 0n, FACE);
    });

    it("full repayment ends the overdue status at once and emits OverdueCured; a partial one does not", async function () {
      const s = await loadFixture(withGrace);
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      await time.increaseTo(s.maturity + GRACE + DAY);
      await (await s.settlement.flagOverdue(s.slot)).wait();

      await expect(s.settlement.connect(s.anchor).repay(s.slot, 30_000_000n)).not.to.emit(s.settlement, "OverdueCured");
      expect(await s.settlement.isOverdue(s.slot)).to.equal(true);

      const tx = s.settlement.connect(s.anchor).repay(s.slot, 10_000_000n);
      await expect(tx).to.emit(s.settlement, "Repaid").withArgs(s.slot, s.anchor.address, 10_000_000n, FACE, true);
      await expect(tx).to.emit(s.settlement, "OverdueCured").withArgs(s.slot);
      expect(await s.settlement.isOverdue(s.slot)).to.equal(false);
      await expect(s.settlement.flagOverdue(s.slot)).to.be.revertedWithCustomError(s.settlement, "SettlementNotOverdue").withArgs(s.slot);
      // Claims then pay every piece in full.
      await (await s.settlement.claimMany(s.pieces.map((piece) => piece.tokenId))).wait();
      expect(await s.settlementToken.balanceOf(s.settlementAddress)).to.equal(0n);
    });

    it("an unflagged slot repaid in full after the grace period stops being overdue, without an OverdueCured", async function () {
      const s = await loadFixture(withGrace);
      await time.increaseTo(s.maturity + GRACE + DAY);
      expect(await s.settlement.isOverdue(s.slot)).to.equal(true);
      await expect(s.settlement.connect(s.anchor).repay(s.slot, FACE)).not.to.emit(s.settlement, "OverdueCured");
      expect(await s.settlement.isOverdue(s.slot)).to.equal(false);
    });

    it("a slot repaid in full before maturity is never overdue", async function () {
      const s = await loadFixture(withGrace);
      await (await s.settlement.connect(s.anchor).repay(s.slot, SIXTY_PERCENT)).wait();
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE - SIXTY_PERCENT)).wait();
      for (const when of [s.maturity, s.maturity + GRACE + 1n, s.maturity + 365n * DAY]) {
        await time.increaseTo(when);
        expect(await s.settlement.isOverdue(s.slot)).to.equal(false);
        await expect(s.settlement.flagOverdue(s.slot)).to.be.revertedWithCustomError(s.settlement, "SettlementNotOverdue").withArgs(s.slot);
      }
    });

    it("a slot repaid in full within the grace period is never overdue", async function () {
      const s = await loadFixture(withGrace);
      await time.increaseTo(s.maturity + 3n * DAY);
      expect(await s.settlement.isOverdue(s.slot)).to.equal(false);
      await (await s.settlement.connect(s.anchor).repay(s.slot, FACE)).wait();
      await time.increaseTo(s.maturity + GRACE + 1n);
      expect(await s.settlement.isOverdue(s.slot)).to.equal(false);
      await expect(s.settlement.flagOverdue(s.slot)).to.be.revertedWithCustomError(s.settlement, "SettlementNotOverdue").withArgs(s.slot);
    });
  });
});
