import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { YEAR, confirmReceivable, deployConsortium } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { fundAndRepay, issueTo, memberIdOf } from "../helpers/settlement";

const ZERO = hre.ethers.ZeroAddress;

describe("SettlementToken", function () {
  /** The consortium, with 1,000.00 CNY issued to tier 1 and 500.00 to tier 2. */
  async function fixture(): Promise<Consortium> {
    const c = await deployConsortium();
    await issueTo(c, c.tier1, 100_000n);
    await issueTo(c, c.tier2, 50_000n);
    return c;
  }

  /** Balances of a few holders plus the supply counters, to show that a refused call changed nothing. */
  async function snapshotOf(c: Consortium, holders: string[]): Promise<bigint[]> {
    const balances = await Promise.all(holders.map((holder) => c.settlementToken.balanceOf(holder)));
    return [...balances, await c.settlementToken.totalSupply(), await c.settlementToken.totalIssued(), await c.settlementToken.totalRedeemed()];
  }

  describe("metadata", function () {
    it("is CNY in fen: two decimals", async function () {
      const c = await loadFixture(deployConsortium);
      expect(await c.settlementToken.decimals()).to.equal(2n);
      expect(await c.settlementToken.symbol()).to.equal("cbCNY");
      expect(await c.settlementToken.name()).to.equal("Chainbill Settlement CNY");
      expect(await c.settlementToken.registry()).to.equal(await c.registry.getAddress());
    });

    it("the consortium names its issuing bank, and nothing is issued yet", async function () {
      const c = await loadFixture(deployConsortium);
      expect(await c.settlementToken.isIssuer(c.issuer.address)).to.equal(true);
      expect(await c.settlementToken.isIssuer(c.factor.address)).to.equal(false);
      expect(await c.settlementToken.totalSupply()).to.equal(0n);
    });
  });

  describe("issue and redeem", function () {
    it("an issuer issues against a deposit: Issued and a Transfer from the zero address", async function () {
      const c = await loadFixture(deployConsortium);
      const tx = c.settlementToken.connect(c.issuer).issue(c.anchor.address, 100_000_000n);
      await expect(tx).to.emit(c.settlementToken, "Issued").withArgs(c.issuer.address, c.anchor.address, 100_000_000n);
      await expect(tx).to.emit(c.settlementToken, "Transfer").withArgs(ZERO, c.anchor.address, 100_000_000n);
      await expect(tx).to.changeTokenBalances(c.settlementToken, [c.anchor, c.issuer], [100_000_000n, 0n]);
      expect(await c.settlementToken.totalSupply()).to.equal(100_000_000n);
      expect(await c.settlementToken.totalIssued()).to.equal(100_000_000n);
      expect(await c.settlementToken.totalRedeemed()).to.equal(0n);
    });

    it("an issuer redeems what it holds: Redeemed and a Transfer to the zero address", async function () {
      const c = await loadFixture(fixture);
      await (await c.settlementToken.connect(c.tier1).transfer(c.issuer.address, 30_000n)).wait();
      const tx = c.settlementToken.connect(c.issuer).redeem(20_001n);
      await expect(tx).to.emit(c.settlementToken, "Redeemed").withArgs(c.issuer.address, 20_001n);
      await expect(tx).to.emit(c.settlementToken, "Transfer").withArgs(c.issuer.address, ZERO, 20_001n);
      await expect(tx).to.changeTokenBalance(c.settlementToken, c.issuer, -20_001n);
      expect(await c.settlementToken.totalRedeemed()).to.equal(20_001n);
      expect(await c.settlementToken.totalSupply()).to.equal(150_000n - 20_001n);
    });

    it("totalSupply always equals totalIssued minus totalRedeemed, through a sequence of issues, transfers and redemptions", async function () {
      const c = await loadFixture(deployConsortium);
      const steps: Array<() => Promise<unknown>> = [
        () => c.settlementToken.connect(c.issuer).issue(c.anchor.address, 33_333_333n),
        () => c.settlementToken.connect(c.issuer).issue(c.issuer.address, 1n),
        () => c.settlementToken.connect(c.anchor).transfer(c.issuer.address, 11_111_111n),
        () => c.settlementToken.connect(c.issuer).redeem(11_111_112n),
        () => c.settlementToken.connect(c.issuer).issue(c.tier3.address, 99n),
        () => c.settlementToken.connect(c.tier3).transfer(c.issuer.address, 99n),
        () => c.settlementToken.connect(c.issuer).redeem(98n),
        () => c.settlementToken.connect(c.issuer).issue(c.factor.address, 100_000_000n),
      ];
      for (const step of steps) {
        await step();
        const [supply, issued, redeemed] = await Promise.all([
          c.settlementToken.totalSupply(),
          c.settlementToken.totalIssued(),
          c.settlementToken.totalRedeemed(),
        ]);
        expect(supply).to.equal(issued - redeemed);
      }
      expect(await c.settlementToken.totalIssued()).to.equal(33_333_333n + 1n + 99n + 100_000_000n);
      expect(await c.settlementToken.totalRedeemed()).to.equal(11_111_112n + 98n);
      expect(await c.settlementToken.balanceOf(c.issuer.address)).to.equal(1n);
    });

    it("issue_revertsWhenTheCallerIsNotANamedIssuer", async function () {
      const c = await loadFixture(fixture);
      const before = await snapshotOf(c, [c.factor.address, c.tier1.address]);
      for (const caller of [c.factor, c.operator, c.tier1, c.outsiders[0]]) {
        await expect(c.settlementToken.connect(caller).issue(c.factor.address, 1n))
          .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenNotIssuer")
          .withArgs(caller.address);
        await expect(c.settlementToken.connect(caller).redeem(1n))
          .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenNotIssuer")
          .withArgs(caller.address);
      }
      expect(await snapshotOf(c, [c.factor.address, c.tier1.address])).to.deep.equal(before);
    });

    it("issue_revertsWhenTheIssuerIsSuspendedOrUnnamed", async function () {
      const c = await loadFixture(fixture);
      await issueTo(c, c.issuer, 10_000n);
      const before = await snapshotOf(c, [c.issuer.address, c.tier1.address]);
      await (await c.registry.suspend(memberIdOf(c, c.issuer))).wait();
      await expect(c.settlementToken.connect(c.issuer).issue(c.tier1.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenNotIssuer")
        .withArgs(c.issuer.address);
      await expect(c.settlementToken.connect(c.issuer).redeem(1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenNotIssuer")
        .withArgs(c.issuer.address);
      expect(await snapshotOf(c, [c.issuer.address, c.tier1.address])).to.deep.equal(before);

      await (await c.registry.reinstate(memberIdOf(c, c.issuer))).wait();
      await expect(c.settlementToken.setIssuer(c.issuer.address, false)).to.emit(c.settlementToken, "IssuerSet").withArgs(c.issuer.address, false);
      expect(await c.settlementToken.isIssuer(c.issuer.address)).to.equal(false);
      await expect(c.settlementToken.connect(c.issuer).issue(c.tier1.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenNotIssuer")
        .withArgs(c.issuer.address);
      expect(await snapshotOf(c, [c.issuer.address, c.tier1.address])).to.deep.equal(before);
    });

    it("issue_revertsWhenTheRecipientIsNotAnActiveMember", async function () {
      const c = await loadFixture(fixture);
      await (await c.registry.suspend(memberIdOf(c, c.tier2))).wait();
      const before = await snapshotOf(c, [c.tier2.address, c.outsiders[0].address]);
      await expect(c.settlementToken.connect(c.issuer).issue(c.outsiders[0].address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleRecipient")
        .withArgs(c.outsiders[0].address);
      await expect(c.settlementToken.connect(c.issuer).issue(c.tier2.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleRecipient")
        .withArgs(c.tier2.address);
      expect(await snapshotOf(c, [c.tier2.address, c.outsiders[0].address])).to.deep.equal(before);
    });

    it("redeem_revertsWhenTheIssuerHoldsLessThanTheAmount", async function () {
      const c = await loadFixture(fixture);
      await issueTo(c, c.issuer, 5n);
      await expect(c.settlementToken.connect(c.issuer).redeem(6n))
        .to.be.revertedWithCustomError(c.settlementToken, "ERC20InsufficientBalance")
        .withArgs(c.issuer.address, 5n, 6n);
      expect(await c.settlementToken.totalRedeemed()).to.equal(0n);
      expect(await c.settlementToken.balanceOf(c.issuer.address)).to.equal(5n);
    });
  });

  describe("permissioned transfers", function () {
    it("an active member pays an active member", async function () {
      const c = await loadFixture(fixture);
      await expect(c.settlementToken.connect(c.tier1).transfer(c.tier3.address, 12_345n))
        .to.emit(c.settlementToken, "Transfer")
        .withArgs(c.tier1.address, c.tier3.address, 12_345n);
      expect(await c.settlementToken.balanceOf(c.tier3.address)).to.equal(12_345n);
    });

    it("transfer_revertsWhenTheRecipientIsNotAMember", async function () {
      const c = await loadFixture(fixture);
      const outsider = c.outsiders[0];
      const before = await snapshotOf(c, [c.tier1.address, outsider.address]);
      await expect(c.settlementToken.connect(c.tier1).transfer(outsider.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleRecipient")
        .withArgs(outsider.address);
      await (await c.settlementToken.connect(c.tier1).approve(c.tier2.address, 10n)).wait();
      await expect(c.settlementToken.connect(c.tier2).transferFrom(c.tier1.address, outsider.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleRecipient")
        .withArgs(outsider.address);
      expect(await snapshotOf(c, [c.tier1.address, outsider.address])).to.deep.equal(before);
    });

    it("transfer_revertsWhenTheRecipientIsSuspended", async function () {
      const c = await loadFixture(fixture);
      await (await c.registry.suspend(memberIdOf(c, c.tier2))).wait();
      const before = await snapshotOf(c, [c.tier1.address, c.tier2.address]);
      await expect(c.settlementToken.connect(c.tier1).transfer(c.tier2.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleRecipient")
        .withArgs(c.tier2.address);
      expect(await snapshotOf(c, [c.tier1.address, c.tier2.address])).to.deep.equal(before);
    });

    it("transfer_revertsWhenTheSenderIsSuspended_evenThroughAnAllowance", async function () {
      const c = await loadFixture(fixture);
      await (await c.settlementToken.connect(c.tier2).approve(c.tier1.address, 10_000n)).wait();
      await (await c.registry.suspend(memberIdOf(c, c.tier2))).wait();
      const before = await snapshotOf(c, [c.tier1.address, c.tier2.address]);
      await expect(c.settlementToken.connect(c.tier2).transfer(c.tier1.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleSender")
        .withArgs(c.tier2.address);
      await expect(c.settlementToken.connect(c.tier1).transferFrom(c.tier2.address, c.tier1.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleSender")
        .withArgs(c.tier2.address);
      expect(await snapshotOf(c, [c.tier1.address, c.tier2.address])).to.deep.equal(before);

      await (await c.registry.reinstate(memberIdOf(c, c.tier2))).wait();
      await expect(c.settlementToken.connect(c.tier2).transfer(c.tier1.address, 1n)).to.changeTokenBalances(
        c.settlementToken,
        [c.tier2, c.tier1],
        [-1n, 1n],
      );
    });

    it("transfer_revertsWhenTheSendersKycHasLapsed", async function () {
      const c = await loadFixture(fixture);
      await time.increase(2n * YEAR + 1n);
      await expect(c.settlementToken.connect(c.tier1).transfer(c.tier2.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleSender")
        .withArgs(c.tier1.address);
    });
  });

  describe("operator settings", function () {
    it("only the operator names issuers and system accounts", async function () {
      const c = await loadFixture(fixture);
      for (const caller of [c.issuer, c.anchor, c.factor, c.auditor, c.outsiders[0]]) {
        await expect(c.settlementToken.connect(caller).setIssuer(caller.address, true))
          .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenUnauthorizedOperator")
          .withArgs(caller.address);
        await expect(c.settlementToken.connect(caller).setSystemAccount(caller.address, true))
          .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenUnauthorizedOperator")
          .withArgs(caller.address);
      }
      expect(await c.settlementToken.isIssuer(c.factor.address)).to.equal(false);

      await expect(c.settlementToken.setIssuer(c.factor.address, true)).to.emit(c.settlementToken, "IssuerSet").withArgs(c.factor.address, true);
      expect(await c.settlementToken.isIssuer(c.factor.address)).to.equal(true);
      await expect(c.settlementToken.setSystemAccount(c.outsiders[0].address, true))
        .to.emit(c.settlementToken, "SystemAccountSet")
        .withArgs(c.outsiders[0].address, true);
    });

    it("a suspended operator names no one", async function () {
      const c = await loadFixture(fixture);
      // A second operator suspends the first (an operator cannot suspend itself).
      const deputy = c.outsiders[1];
      await (await c.registry.admit(hre.ethers.id("DEPUTY-OPERATOR"), deputy.address, 1, BigInt(await time.latest()) + YEAR)).wait();
      await (await c.registry.connect(deputy).suspend(1)).wait();
      await expect(c.settlementToken.setIssuer(c.factor.address, true))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenUnauthorizedOperator")
        .withArgs(c.operator.address);
      expect(await c.settlementToken.isIssuer(c.factor.address)).to.equal(false);
    });
  });

  describe("system accounts (the settlement escrow)", function () {
    it("the settlement escrow pays a suspended member what a claim owes it", async function () {
      const c = await loadFixture(fixture);
      const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier3, faceValue: 12_345_67n });
      await fundAndRepay(c, slot, 12_345_67n);
      await (await c.registry.suspend(memberIdOf(c, c.tier3))).wait();
      expect(await c.registry.isActiveMember(c.tier3.address)).to.equal(false);

      const settlement = await c.settlement.getAddress();
      const tx = c.settlement.connect(c.tier3).claim(tokenId);
      await expect(tx).to.emit(c.settlementToken, "Transfer").withArgs(settlement, c.tier3.address, 12_345_67n);
      await expect(tx).to.changeTokenBalances(c.settlementToken, [c.tier3.address, settlement], [12_345_67n, -12_345_67n]);
      // The suspended member keeps its money but cannot move it.
      await expect(c.settlementToken.connect(c.tier3).transfer(c.tier1.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleSender")
        .withArgs(c.tier3.address);
    });

    it("a system account pulls from members (a suspended one too), refuses pushes, and pays out as its code decides (suspended members included)", async function () {
      const c = await loadFixture(fixture);
      const escrow = c.outsiders[0];
      await (await c.settlementToken.setSystemAccount(escrow.address, true)).wait();
      expect(await c.settlementToken.isSystemAccount(escrow.address)).to.equal(true);
      // Pushed money would be stuck in an escrow that pays out only what it accounts for.
      await expect(c.settlementToken.connect(c.tier1).transfer(escrow.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleRecipient")
        .withArgs(escrow.address);
      await expect(c.settlementToken.connect(c.issuer).issue(escrow.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleRecipient")
        .withArgs(escrow.address);
      await (await c.settlementToken.connect(c.tier1).approve(escrow.address, 1_000n)).wait();
      await (await c.registry.suspend(memberIdOf(c, c.tier1))).wait();
      // A suspended member still pays what it owes into the escrow.
      await expect(c.settlementToken.connect(escrow).transferFrom(c.tier1.address, escrow.address, 1_000n)).to.changeTokenBalances(
        c.settlementToken,
        [c.tier1, escrow],
        [-1_000n, 1_000n],
      );
      await (await c.registry.reinstate(memberIdOf(c, c.tier1))).wait();
      await (await c.registry.suspend(memberIdOf(c, c.tier2))).wait();

      await expect(c.settlementToken.connect(escrow).transfer(c.tier2.address, 300n)).to.changeTokenBalances(
        c.settlementToken,
        [escrow, c.tier2],
        [-300n, 300n],
      );

      // Once un-named it is an outsider like any other.
      await (await c.settlementToken.setSystemAccount(escrow.address, false)).wait();
      await expect(c.settlementToken.connect(escrow).transfer(c.tier1.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleSender")
        .withArgs(escrow.address);
      await expect(c.settlementToken.connect(c.tier1).transfer(escrow.address, 1n))
        .to.be.revertedWithCustomError(c.settlementToken, "SettlementTokenIneligibleRecipient")
        .withArgs(escrow.address);
      expect(await c.settlementToken.balanceOf(escrow.address)).to.equal(700n);
    });
  });
});
