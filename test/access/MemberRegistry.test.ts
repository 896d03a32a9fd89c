import { expect } from "chai";
import hre from "hardhat";
import { id } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Role, roleMask } from "../../src/chain/roles";
import { DAY, YEAR, deployConsortium, latestTimestamp } from "../helpers/consortium";

/** `IMemberRegistry.HoldingContract` */
enum HoldingContract {
  RECEIVABLES = 0,
  CURRENCY = 1,
}

enum Status {
  NONE = 0,
  ACTIVE = 1,
  SUSPENDED = 2,
}

describe("MemberRegistry", function () {
  async function fixture() {
    const c = await deployConsortium();
    const anchorId = c.memberIds.get(c.anchor.address) ?? 0;
    const tier1Id = c.memberIds.get(c.tier1.address) ?? 0;
    return { ...c, anchorId, tier1Id };
  }

  describe("admission", function () {
    it("makes the deployer the operator, member 1", async function () {
      const { registry, operator } = await loadFixture(fixture);
      const record = await registry.member(1);
      expect(record.accounts).to.deep.equal([operator.address]);
      expect(record.roles).to.equal(roleMask(Role.OPERATOR));
      expect(await registry.hasRole(operator.address, Role.OPERATOR)).to.equal(true);
    });

    it("admits an organisation with its address, roles and KYC date, and says so in an event", async function () {
      const { registry, outsiders } = await loadFixture(fixture);
      const newcomer = outsiders[0];
      const kyc = (await latestTimestamp()) + YEAR;
      const memberId = (await registry.memberCount()) + 1n;
      await expect(registry.admit(id("NEW-SUPPLIER"), newcomer.address, roleMask(Role.SUPPLIER, Role.FACTOR), kyc))
        .to.emit(registry, "MemberAdmitted")
        .withArgs(memberId, id("NEW-SUPPLIER"), newcomer.address, roleMask(Role.SUPPLIER, Role.FACTOR), kyc);
      const record = await registry.member(memberId);
      expect(record.leiHash).to.equal(id("NEW-SUPPLIER"));
      expect(record.status).to.equal(Status.ACTIVE);
      expect(record.kycValidUntil).to.equal(kyc);
      expect(await registry.isActiveMember(newcomer.address)).to.equal(true);
      expect(await registry.hasRole(newcomer.address, Role.FACTOR)).to.equal(true);
      expect(await registry.hasRole(newcomer.address, Role.ANCHOR)).to.equal(false);
    });

    it("admit_revertsWhenCallerIsNotAnOperator", async function () {
      const { registry, anchor, outsiders } = await loadFixture(fixture);
      const kyc = (await latestTimestamp()) + YEAR;
      await expect(registry.connect(anchor).admit(id("X"), outsiders[0].address, roleMask(Role.SUPPLIER), kyc))
        .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedOperator")
        .withArgs(anchor.address);
    });

    it("admit_revertsOnBadInput, naming what is wrong", async function () {
      const { registry, tier1, outsiders, anchorId, anchor, leiHashes } = await loadFixture(fixture);
      const now = await latestTimestamp();
      const kyc = now + YEAR;
      const fresh = outsiders[0].address;
      // The anchor's legal entity (the hash of its credit code) belongs to the anchor: nobody else is admitted under it.
      const anchorLei = leiHashes.get(anchor.address) ?? "";
      await expect(registry.admit(anchorLei, fresh, roleMask(Role.SUPPLIER), kyc))
        .to.be.revertedWithCustomError(registry, "RegistryLeiTaken")
        .withArgs(anchorLei, anchorId);
      await expect(registry.admit(id("Y"), tier1.address, roleMask(Role.SUPPLIER), kyc))
        .to.be.revertedWithCustomError(registry, "RegistryAccountTaken")
        .withArgs(tier1.address, anchorId + 1);
      await expect(registry.admit("0x" + "00".repeat(32), fresh, roleMask(Role.SUPPLIER), kyc)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroLeiHash",
      );
      await expect(registry.admit(id("Y"), "0x" + "00".repeat(20), roleMask(Role.SUPPLIER), kyc)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroAccount",
      );
      await expect(registry.admit(id("Y"), fresh, 0, kyc))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidRoles")
        .withArgs(0);
      await expect(registry.admit(id("Y"), fresh, 1 << 7, kyc))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidRoles")
        .withArgs(1 << 7);
      const past = now - 1n;
      await expect(registry.admit(id("Y"), fresh, roleMask(Role.SUPPLIER), past)).to.be.revertedWithCustomError(registry, "RegistryKycExpiryInPast");
      expect(await registry.memberIdOf(fresh)).to.equal(0);
    });
  });

  describe("roles", function () {
    it("grants and revokes roles with events that carry the whole role set", async function () {
      const { registry, tier1, tier1Id } = await loadFixture(fixture);
      await expect(registry.grantRole(tier1Id, Role.FACTOR))
        .to.emit(registry, "RoleGranted")
        .withArgs(tier1Id, Role.FACTOR, roleMask(Role.SUPPLIER, Role.FACTOR));
      expect(await registry.hasRole(tier1.address, Role.FACTOR)).to.equal(true);
      await expect(registry.revokeRole(tier1Id, Role.SUPPLIER))
        .to.emit(registry, "RoleRevoked")
        .withArgs(tier1Id, Role.SUPPLIER, roleMask(Role.FACTOR));
      expect(await registry.hasRole(tier1.address, Role.SUPPLIER)).to.equal(false);
    });

    it("grantRole_revertsWhenHeld and revokeRole_revertsWhenNotHeld", async function () {
      const { registry, tier1Id } = await loadFixture(fixture);
      await expect(registry.grantRole(tier1Id, Role.SUPPLIER))
        .to.be.revertedWithCustomError(registry, "RegistryRoleAlreadyGranted")
        .withArgs(tier1Id, Role.SUPPLIER);
      await expect(registry.revokeRole(tier1Id, Role.ANCHOR))
        .to.be.revertedWithCustomError(registry, "RegistryRoleNotGranted")
        .withArgs(tier1Id, Role.ANCHOR);
      await expect(registry.grantRole(999, Role.ANCHOR)).to.be.revertedWithCustomError(registry, "RegistryUnknownMember").withArgs(999);
    });

    it("revokeRole_revertsWhenAnOperatorDropsItsOwnOperatorRole", async function () {
      const { registry } = await loadFixture(fixture);
      await expect(registry.revokeRole(1, Role.OPERATOR)).to.be.revertedWithCustomError(registry, "RegistrySelfLockout").withArgs(1);
    });
  });

  describe("addresses", function () {
    it("adds an address that then acts for the member, and removes it", async function () {
      const { registry, tier1Id, outsiders } = await loadFixture(fixture);
      const second = outsiders[0].address;
      await expect(registry.addAccount(tier1Id, second)).to.emit(registry, "AccountAdded").withArgs(tier1Id, second);
      expect(await registry.memberIdOf(second)).to.equal(tier1Id);
      expect(await registry.hasRole(second, Role.SUPPLIER)).to.equal(true);
      await expect(registry.removeAccount(tier1Id, second)).to.emit(registry, "AccountRemoved").withArgs(tier1Id, second);
      expect(await registry.memberIdOf(second)).to.equal(0);
      expect(await registry.isActiveMember(second)).to.equal(false);
      expect((await registry.member(tier1Id)).accounts).to.have.length(1);
    });

    it("keeps every address of a member in step when its standing changes", async function () {
      const { registry, tier1, tier1Id, outsiders } = await loadFixture(fixture);
      await registry.addAccount(tier1Id, outsiders[0].address);
      await registry.suspend(tier1Id);
      expect(await registry.isActiveMember(tier1.address)).to.equal(false);
      expect(await registry.isActiveMember(outsiders[0].address)).to.equal(false);
      await registry.reinstate(tier1Id);
      await registry.grantRole(tier1Id, Role.FACTOR);
      expect(await registry.hasRole(outsiders[0].address, Role.FACTOR)).to.equal(true);
    });

    it("addAccount_revertsWhenTakenOrOverTheLimit; removeAccount_revertsOnTheLastOrAForeignAddress", async function () {
      const { registry, tier1, tier2, tier1Id, outsiders } = await loadFixture(fixture);
      const tier2Id = tier1Id + 1;
      await expect(registry.addAccount(tier1Id, tier2.address))
        .to.be.revertedWithCustomError(registry, "RegistryAccountTaken")
        .withArgs(tier2.address, tier2Id);
      const limit = await registry.MAX_ACCOUNTS_PER_MEMBER();
      for (let i = 1n; i < limit; i += 1n) {
        await registry.addAccount(tier1Id, outsiders[Number(i)].address);
      }
      await expect(registry.addAccount(tier1Id, outsiders[0].address))
        .to.be.revertedWithCustomError(registry, "RegistryAccountLimitReached")
        .withArgs(tier1Id, limit);
      await expect(registry.removeAccount(tier2Id, tier1.address))
        .to.be.revertedWithCustomError(registry, "RegistryAccountNotOfMember")
        .withArgs(tier1.address, tier2Id);
      await expect(registry.removeAccount(tier2Id, tier2.address)).to.be.revertedWithCustomError(registry, "RegistryLastAccount").withArgs(tier2Id);
    });
  });

  describe("status and KYC", function () {
    it("suspends and reinstates with events; a suspended member counts as inactive", async function () {
      const { registry, tier1, tier1Id } = await loadFixture(fixture);
      await expect(registry.suspend(tier1Id)).to.emit(registry, "MemberSuspended").withArgs(tier1Id);
      expect(await registry.isActiveMember(tier1.address)).to.equal(false);
      expect(await registry.hasRole(tier1.address, Role.SUPPLIER)).to.equal(false);
      expect((await registry.member(tier1Id)).status).to.equal(Status.SUSPENDED);
      await expect(registry.suspend(tier1Id)).to.be.revertedWithCustomError(registry, "RegistryUnexpectedStatus").withArgs(tier1Id, Status.SUSPENDED);
      await expect(registry.reinstate(tier1Id)).to.emit(registry, "MemberReinstated").withArgs(tier1Id);
      expect(await registry.isActiveMember(tier1.address)).to.equal(true);
      await expect(registry.reinstate(tier1Id)).to.be.revertedWithCustomError(registry, "RegistryUnexpectedStatus").withArgs(tier1Id, Status.ACTIVE);
    });

    it("suspend_revertsWhenAnOperatorSuspendsItself", async function () {
      const { registry } = await loadFixture(fixture);
      await expect(registry.suspend(1)).to.be.revertedWithCustomError(registry, "RegistrySelfLockout").withArgs(1);
    });

    it("counts a member whose KYC lapsed as inactive until the operator renews it", async function () {
      const { registry, tier1, tier1Id } = await loadFixture(fixture);
      const validUntil = (await registry.member(tier1Id)).kycValidUntil;
      await time.increaseTo(validUntil);
      expect(await registry.isActiveMember(tier1.address)).to.equal(false);
      expect((await registry.authorizationOf(tier1.address)).active).to.equal(false);
      const renewed = validUntil + 365n * DAY;
      await expect(registry.renewKyc(tier1Id, renewed)).to.emit(registry, "KycRenewed").withArgs(tier1Id, renewed);
      expect(await registry.isActiveMember(tier1.address)).to.equal(true);
    });

    it("operatorActions_revertWhenTheOperatorIsSuspendedOrLapsed", async function () {
      const { registry, operator, outsiders } = await loadFixture(fixture);
      const secondOperator = outsiders[0];
      const kyc = (await latestTimestamp()) + YEAR;
      await registry.admit(id("SECOND-OPERATOR"), secondOperator.address, roleMask(Role.OPERATOR), kyc);
      await registry.connect(secondOperator).suspend(1);
      await expect(registry.connect(operator).suspend(2))
        .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedOperator")
        .withArgs(operator.address);
    });
  });

  describe("holding contracts", function () {
    it("binds each kind once, to a non-zero address, and says so in an event", async function () {
      const { operator, receivableToken: token, anchor } = await loadFixture(fixture);
      const registry = await hre.ethers.deployContract("MemberRegistry", [id("FRESH-OPERATOR"), operator.address, (await latestTimestamp()) + YEAR]);
      const tokenAddress = await token.getAddress();
      expect(await registry.holdingContract(HoldingContract.RECEIVABLES)).to.equal(hre.ethers.ZeroAddress);
      await expect(registry.bindHoldingContract(HoldingContract.RECEIVABLES, hre.ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "RegistryHoldingContractNotBindable")
        .withArgs(HoldingContract.RECEIVABLES, hre.ethers.ZeroAddress);
      await expect(registry.bindHoldingContract(HoldingContract.RECEIVABLES, tokenAddress))
        .to.emit(registry, "HoldingContractBound")
        .withArgs(HoldingContract.RECEIVABLES, tokenAddress);
      await expect(registry.bindHoldingContract(HoldingContract.RECEIVABLES, anchor.address))
        .to.be.revertedWithCustomError(registry, "RegistryHoldingContractNotBindable")
        .withArgs(HoldingContract.RECEIVABLES, tokenAddress);
      expect(await registry.holdingContract(HoldingContract.RECEIVABLES)).to.equal(tokenAddress);
      expect(await registry.holdingContract(HoldingContract.CURRENCY)).to.equal(hre.ethers.ZeroAddress);
    });
  });

  describe("views", function () {
    it("reports non-members as inactive, with no roles and member id 0", async function () {
      const { registry, outsiders } = await loadFixture(fixture);
      const stranger = outsiders[0].address;
      const authorization = await registry.authorizationOf(stranger);
      expect(authorization.memberId).to.equal(0);
      expect(authorization.active).to.equal(false);
      expect(await registry.hasRole(stranger, Role.SUPPLIER)).to.equal(false);
      await expect(registry.member(0)).to.be.revertedWithCustomError(registry, "RegistryUnknownMember").withArgs(0);
    });
  });
});
