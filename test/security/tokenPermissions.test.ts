import { expect } from "chai";
import hre from "hardhat";
import { ZeroAddress, id } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Role, roleMask } from "../../src/chain/roles";
import { financingDomain, signFundingAttestation, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { DAY, YEAR, confirmReceivable, deployConsortium, latestTimestamp, randomHash } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";

// Issue 14, items 3, 9, 10, 11 and 12: no member (nor an outsider it approved) can change another member's
// holdings, strand them with a non-member, or revive an allowance; and an emptied piece's burn is reported as
// ERC-3525 asks. Each `attack:` test fails on the code before the fix.

const SPLIT = "transferFrom(uint256,address,uint256)";
const MERGE = "transferFrom(uint256,uint256,uint256)";
const WHOLE = "transferFrom(address,address,uint256)";
const APPROVE_TOKEN = "approve(address,uint256)";
const APPROVE_VALUE = "approve(uint256,address,uint256)";
const PIECES = "balanceOf(address)";
const VALUE = "balanceOf(uint256)";

const FACE = 100_000_000n;
const PAYMENT = 1_000_000n;
const CASH = 1_000_000_000n;

/** `IMemberRegistry.HoldingContract` */
const RECEIVABLES = 0;
const CURRENCY = 1;

interface Fixture extends Consortium {
  root: bigint;
  /** A piece of the same receivable that tier1 paid tier3 with: tier3 plays the hostile member. */
  tier3Piece: bigint;
}

/** tier1 holds a receivable of FACE and has paid tier3 with a piece of it. */
async function fixture(): Promise<Fixture> {
  const c = await deployConsortium();
  const { tokenId: root } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE });
  const tier3Piece = await c.receivableToken.connect(c.tier1)[SPLIT].staticCall(root, c.tier3.address, PAYMENT);
  await (await c.receivableToken.connect(c.tier1)[SPLIT](root, c.tier3.address, PAYMENT)).wait();
  return { ...c, root, tier3Piece };
}

/** The factor buys `value` of `tokenId` from `holder` at 98% with the verifier's attestation; returns the piece it got. */
async function fund(f: Fixture, holder: HardhatEthersSigner, tokenId: bigint, value: bigint): Promise<bigint> {
  const price = (value * 98n) / 100n;
  const financingAddress = await f.financing.getAddress();
  const { chainId } = await hre.ethers.provider.getNetwork();
  const domain = financingDomain(chainId, financingAddress);
  await (await f.settlementToken.connect(f.issuer).issue(f.factor.address, CASH)).wait();
  await (await f.settlementToken.connect(f.factor).approve(financingAddress, CASH)).wait();
  const now = await latestTimestamp();
  const request: FundingRequest = { tokenId, value, minPrice: price, factor: f.factor.address, withRecourse: false, deadline: now + DAY, nonce: 1n };
  const attestation: FundingAttestation = {
    tokenId,
    holder: holder.address,
    factor: f.factor.address,
    value,
    price,
    invoiceHash: randomHash(),
    logisticsHash: randomHash(),
    tradeProofHash: randomHash(),
    withRecourse: false,
    deadline: now + DAY,
    nonce: 1n,
  };
  const holderSignature = await signFundingRequest(holder, domain, request);
  const verifierSignature = await signFundingAttestation(f.verifier, domain, attestation);
  const fundWith = f.financing.connect(f.factor).fund;
  const [, fundedTokenId] = await fundWith.staticCall(request, holderSignature, attestation, [verifierSignature]);
  await (await fundWith(request, holderSignature, attestation, [verifierSignature])).wait();
  return fundedTokenId;
}

async function admit(f: Fixture, account: HardhatEthersSigner, name: string, roles: Role[]): Promise<bigint> {
  const memberId = await f.registry.admit.staticCall(id(name), account.address, roleMask(...roles), (await latestTimestamp()) + YEAR);
  await (await f.registry.admit(id(name), account.address, roleMask(...roles), (await latestTimestamp()) + YEAR)).wait();
  return memberId;
}

describe("token permissions: no member can block, squat or bind another (issue 14)", function () {
  describe("item 3: value pushed into someone else's piece", function () {
    it("attack: a member pushes 1 fen into another member's piece, turning its whole-piece funding into a partial one", async function () {
      const f = await loadFixture(fixture);
      const { receivableToken: token, tier1, tier3, root, tier3Piece } = f;
      const before = await token[VALUE](root);
      await expect(token.connect(tier3)[MERGE](tier3Piece, root, 1n))
        .to.be.revertedWithCustomError(token, "ERC3525UnapprovedTarget")
        .withArgs(root, tier1.address, tier3.address);
      expect(await token[VALUE](root)).to.equal(before);
      // tier1's request for its whole piece is funded as that piece: the factor receives the root itself.
      expect(await fund(f, tier1, root, before)).to.equal(root);
      expect(await token.ownerOf(root)).to.equal(f.factor.address);
      expect(await token[PIECES](tier1.address)).to.equal(0n);
    });

    it("attack: a value spender on one piece cannot push that value into another piece of the same owner", async function () {
      const { receivableToken: token, tier1, tier2, root } = await loadFixture(fixture);
      const second = await token.connect(tier1)[SPLIT].staticCall(root, tier1.address, PAYMENT);
      await token.connect(tier1)[SPLIT](root, tier1.address, PAYMENT);
      await token.connect(tier1)[APPROVE_VALUE](root, tier2.address, 10n);
      await expect(token.connect(tier2)[MERGE](root, second, 1n))
        .to.be.revertedWithCustomError(token, "ERC3525UnapprovedTarget")
        .withArgs(second, tier1.address, tier2.address);
      // What the allowance is for still works: taking the value into a piece of the spender's own.
      const own = await token.connect(tier2)[SPLIT].staticCall(root, tier2.address, 5n);
      await token.connect(tier2)[SPLIT](root, tier2.address, 5n);
      await token.connect(tier2)[MERGE](root, own, 5n);
      expect(await token[VALUE](own)).to.equal(10n);
      expect(await token.allowance(root, tier2.address)).to.equal(0n);
    });

    it("merges with the target owner's consent: approval of that piece, or operator for all", async function () {
      const { receivableToken: token, tier1, tier3, root, tier3Piece } = await loadFixture(fixture);
      await token.connect(tier1)[APPROVE_TOKEN](tier3.address, root);
      await expect(token.connect(tier3)[MERGE](tier3Piece, root, 1n))
        .to.emit(token, "TransferValue")
        .withArgs(tier3Piece, root, 1n);
      await token.connect(tier1)[APPROVE_TOKEN](ZeroAddress, root);
      await expect(token.connect(tier3)[MERGE](tier3Piece, root, 1n)).to.be.revertedWithCustomError(token, "ERC3525UnapprovedTarget");
      await token.connect(tier1).setApprovalForAll(tier3.address, true);
      await token.connect(tier3)[MERGE](tier3Piece, root, 2n);
      expect(await token[VALUE](root)).to.equal(FACE - PAYMENT + 3n);
    });
  });

  describe("item 9: removing an address that holds something", function () {
    it("attack: the operator removes an address that still holds pieces, leaving them with a non-member", async function () {
      const { registry, receivableToken: token, tier1, outsiders, memberIds, root } = await loadFixture(fixture);
      const tier1Id = memberIds.get(tier1.address) ?? 0;
      const spare = outsiders[0];
      await registry.addAccount(tier1Id, spare.address);
      await token.connect(tier1)[WHOLE](tier1.address, spare.address, root);
      await expect(registry.removeAccount(tier1Id, spare.address))
        .to.be.revertedWithCustomError(registry, "RegistryAccountHoldsAssets")
        .withArgs(spare.address, await token.getAddress(), 1n);
      expect(await registry.memberIdOf(spare.address)).to.equal(tier1Id);
      // The member moves its pieces to another of its addresses first; then the address can go.
      await token.connect(spare)[WHOLE](spare.address, tier1.address, root);
      await expect(registry.removeAccount(tier1Id, spare.address)).to.emit(registry, "AccountRemoved").withArgs(tier1Id, spare.address);
    });

    it("attack: an address removed with its holdings and re-added under another member hands them over", async function () {
      const f = await loadFixture(fixture);
      const { registry, receivableToken: token, tier3, outsiders, memberIds, tier3Piece } = f;
      const tier3Id = memberIds.get(tier3.address) ?? 0;
      const shared = outsiders[1];
      await registry.addAccount(tier3Id, shared.address);
      await token.connect(tier3)[WHOLE](tier3.address, shared.address, tier3Piece);
      await expect(registry.removeAccount(tier3Id, shared.address)).to.be.revertedWithCustomError(registry, "RegistryAccountHoldsAssets");
      // Had it succeeded, the address could now join another member with the piece in hand.
      await expect(admit(f, shared, "ANOTHER-MEMBER", [Role.SUPPLIER]))
        .to.be.revertedWithCustomError(registry, "RegistryAccountTaken")
        .withArgs(shared.address, tier3Id);
      expect(await token.ownerOf(tier3Piece)).to.equal(shared.address);
    });

    it("attack: the operator removes an address that holds settlement currency, which it could then never move", async function () {
      const { registry, settlementToken: currency, issuer, tier2, outsiders, memberIds } = await loadFixture(fixture);
      const tier2Id = memberIds.get(tier2.address) ?? 0;
      const spare = outsiders[2];
      await registry.addAccount(tier2Id, spare.address);
      await currency.connect(issuer).issue(spare.address, 5n);
      await expect(registry.removeAccount(tier2Id, spare.address))
        .to.be.revertedWithCustomError(registry, "RegistryAccountHoldsAssets")
        .withArgs(spare.address, await currency.getAddress(), 5n);
      await currency.connect(spare).transfer(tier2.address, 5n);
      await registry.removeAccount(tier2Id, spare.address);
      expect(await registry.memberIdOf(spare.address)).to.equal(0n);
    });

    it("the deployment binds the token and the currency as holding contracts, once each", async function () {
      const { registry, receivableToken: token, settlementToken: currency, anchor } = await loadFixture(fixture);
      expect(await registry.holdingContract(RECEIVABLES)).to.equal(await token.getAddress());
      expect(await registry.holdingContract(CURRENCY)).to.equal(await currency.getAddress());
      await expect(registry.bindHoldingContract(RECEIVABLES, anchor.address))
        .to.be.revertedWithCustomError(registry, "RegistryHoldingContractNotBindable")
        .withArgs(RECEIVABLES, await token.getAddress());
      await expect(registry.connect(anchor).bindHoldingContract(CURRENCY, anchor.address))
        .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedOperator")
        .withArgs(anchor.address);
    });
  });

  describe("item 10: value allowances end with the holding", function () {
    it("attack: a lapsed value allowance comes back when the piece returns to the owner who granted it", async function () {
      const { receivableToken: token, tier1, tier2, tier3, root } = await loadFixture(fixture);
      await token.connect(tier1)[APPROVE_VALUE](root, tier3.address, 500n);
      await token.connect(tier1)[WHOLE](tier1.address, tier2.address, root);
      expect(await token.allowance(root, tier3.address)).to.equal(0n);
      await token.connect(tier2)[WHOLE](tier2.address, tier1.address, root);
      expect(await token.allowance(root, tier3.address)).to.equal(0n);
      await expect(token.connect(tier3)[SPLIT](root, tier3.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC3525InsufficientAllowance")
        .withArgs(root, tier3.address, 0n, 1n);
    });

    it("attack: a partly spent allowance comes back after the piece went round, and an unlimited one too", async function () {
      const { receivableToken: token, tier1, tier2, tier3, root } = await loadFixture(fixture);
      await token.connect(tier1)[APPROVE_VALUE](root, tier3.address, 500n);
      await token.connect(tier1)[APPROVE_VALUE](root, tier2.address, hre.ethers.MaxUint256);
      await token.connect(tier3)[SPLIT](root, tier3.address, 200n);
      expect(await token.allowance(root, tier3.address)).to.equal(300n);
      await token.connect(tier1)[WHOLE](tier1.address, tier2.address, root);
      await token.connect(tier2)[WHOLE](tier2.address, tier1.address, root);
      expect(await token.allowance(root, tier3.address)).to.equal(0n);
      expect(await token.allowance(root, tier2.address)).to.equal(0n);
      // A new grant in the new holding works as usual and is, in turn, ended by the next change of hands.
      await token.connect(tier1)[APPROVE_VALUE](root, tier3.address, 7n);
      await token.connect(tier3)[SPLIT](root, tier3.address, 7n);
      await token.connect(tier1)[APPROVE_VALUE](root, tier3.address, 9n);
      await token.connect(tier1)[WHOLE](tier1.address, tier2.address, root);
      await token.connect(tier2)[WHOLE](tier2.address, tier1.address, root);
      expect(await token.allowance(root, tier3.address)).to.equal(0n);
    });
  });

  describe("item 11: whoever moves another's piece must be a member", function () {
    it("attack: a non-member approved as operator moves a member's value to another member", async function () {
      const { receivableToken: token, tier1, tier2, outsiders, root } = await loadFixture(fixture);
      const outsider = outsiders[3];
      await token.connect(tier1).setApprovalForAll(outsider.address, true);
      await expect(token.connect(outsider)[SPLIT](root, tier2.address, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleCaller")
        .withArgs(outsider.address);
      await expect(token.connect(outsider)[WHOLE](tier1.address, tier2.address, root))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleCaller")
        .withArgs(outsider.address);
      expect(await token.ownerOf(root)).to.equal(tier1.address);
    });

    it("attack: a non-member approved for one piece, or given a value allowance, moves it", async function () {
      const { receivableToken: token, tier1, tier2, tier3, outsiders, root, tier3Piece } = await loadFixture(fixture);
      const approved = outsiders[4];
      const spender = outsiders[5];
      await token.connect(tier1)[APPROVE_TOKEN](approved.address, root);
      await token.connect(tier1)[APPROVE_VALUE](root, spender.address, 10n);
      await token.connect(tier3)[APPROVE_TOKEN](approved.address, tier3Piece);
      await expect(token.connect(approved)[SPLIT](root, tier2.address, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleCaller")
        .withArgs(approved.address);
      await expect(token.connect(approved)[MERGE](root, tier3Piece, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleCaller")
        .withArgs(approved.address);
      await expect(token.connect(spender)[SPLIT](root, tier2.address, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleCaller")
        .withArgs(spender.address);
      expect(await token.allowance(root, spender.address)).to.equal(10n);
    });

    it("attack: an operator whose member was suspended keeps moving the pieces it was approved for", async function () {
      const { registry, receivableToken: token, tier1, tier2, tier3, memberIds, root } = await loadFixture(fixture);
      await token.connect(tier1).setApprovalForAll(tier3.address, true);
      await token.connect(tier3)[SPLIT](root, tier2.address, 1n);
      await registry.suspend(memberIds.get(tier3.address) ?? 0);
      await expect(token.connect(tier3)[SPLIT](root, tier2.address, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleCaller")
        .withArgs(tier3.address);
    });

    it("a member operator still moves value, and the financing contract still delivers partial and whole pieces", async function () {
      const f = await loadFixture(fixture);
      const { receivableToken: token, tier1, tier2, root } = f;
      await token.connect(tier1).setApprovalForAll(tier2.address, true);
      await token.connect(tier2)[SPLIT](root, tier2.address, 1n);
      const partial = await fund(f, tier1, root, PAYMENT);
      expect(partial).to.not.equal(root);
      expect(await token.ownerOf(partial)).to.equal(f.factor.address);
      expect(await token[VALUE](partial)).to.equal(PAYMENT);
    });
  });

  describe("item 12: the burn of an emptied piece", function () {
    it("attack: a merge that empties a piece burns it with Transfer to zero but no TransferValue to token 0", async function () {
      const { receivableToken: token, tier1, root } = await loadFixture(fixture);
      const small = await token.connect(tier1)[SPLIT].staticCall(root, tier1.address, 40n);
      await token.connect(tier1)[SPLIT](root, tier1.address, 40n);
      const tx = token.connect(tier1)[MERGE](small, root, 40n);
      await expect(tx).to.emit(token, "TransferValue").withArgs(small, root, 40n);
      await expect(tx).to.emit(token, "TransferValue").withArgs(small, 0n, 0n);
      await expect(tx).to.emit(token, "Transfer").withArgs(tier1.address, ZeroAddress, small);
      expect(await token.exists(small)).to.equal(false);
    });

    it("attack: a split of a piece's whole value burns the source without TransferValue to token 0", async function () {
      const { receivableToken: token, tier2, tier3, tier3Piece } = await loadFixture(fixture);
      const receipt = await (await token.connect(tier3)[SPLIT](tier3Piece, tier2.address, PAYMENT)).wait();
      const values = (receipt?.logs ?? [])
        .map((log) => token.interface.parseLog(log))
        .filter((log) => log?.name === "TransferValue")
        .map((log): unknown[] => [...(log?.args ?? [])]);
      // The move to the new piece, then the source's burn: value 0, so the value is counted once.
      expect(values).to.have.length(2);
      expect(values[0].slice(0, 1)).to.deep.equal([tier3Piece]);
      expect(values[0][2]).to.equal(PAYMENT);
      expect(values[1]).to.deep.equal([tier3Piece, 0n, 0n]);
    });
  });
});
