import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Role } from "../../src/chain/roles";
import { invoiceFingerprint } from "../../src/proofs/fingerprint";
import { DAY, confirmationFor, confirmReceivable, deployConsortium, latestTimestamp, tradeProofFor } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";

/** The fingerprint the chain registers for `seller`'s invoice `invoiceNumber`, as src/proofs computes it. */
function fingerprintOf(c: Consortium, seller: { address: string }, invoiceNumber: unknown): string {
  return invoiceFingerprint(c.leiHashes.get(seller.address) ?? "", String(invoiceNumber));
}

const SPLIT = "transferFrom(uint256,address,uint256)";
const MERGE = "transferFrom(uint256,uint256,uint256)";
const WHOLE = "transferFrom(address,address,uint256)";
const ZERO_HASH = "0x" + "00".repeat(32);

describe("ReceivableToken", function () {
  async function fixture() {
    const c = await deployConsortium();
    const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 100_000_000n });
    return { ...c, slot, root: tokenId };
  }

  describe("confirm", function () {
    it("an anchor confirms what it owes: the supplier receives the whole face value as the slot's first piece", async function () {
      const c = await loadFixture(deployConsortium);
      const confirmation = await confirmationFor(c, { supplier: c.tier1, faceValue: 1_000_000_00n });
      const anchorId = c.memberIds.get(c.anchor.address);
      const supplierId = c.memberIds.get(c.tier1.address);
      const tokenId = (1n << 32n) | 1n;
      const tx = c.receivableToken.connect(c.anchor).confirm(confirmation);
      await expect(tx)
        .to.emit(c.receivableToken, "ReceivableConfirmed")
        .withArgs(1n, tokenId, anchorId, supplierId, c.anchor.address, [
          confirmation.supplier,
          confirmation.faceValue,
          confirmation.maturity,
          confirmation.currency,
          confirmation.invoiceHash,
          confirmation.logisticsHash,
          fingerprintOf(c, c.tier1, confirmation.invoiceNumber),
        ]);
      await expect(tx).to.emit(c.receivableToken, "Transfer").withArgs(hre.ethers.ZeroAddress, c.tier1.address, tokenId);
      await expect(tx).to.emit(c.receivableToken, "SlotChanged").withArgs(tokenId, 0n, 1n);
      await expect(tx).to.emit(c.receivableToken, "TransferValue").withArgs(0n, tokenId, confirmation.faceValue);

      expect(await c.receivableToken.ownerOf(tokenId)).to.equal(c.tier1.address);
      expect(await c.receivableToken["balanceOf(uint256)"](tokenId)).to.equal(confirmation.faceValue);
      expect(await c.receivableToken.slotOf(tokenId)).to.equal(1n);
      expect(await c.receivableToken.parentOf(tokenId)).to.equal(0n);
      expect(await c.receivableToken.rootOf(tokenId)).to.equal(tokenId);
      const terms = await c.receivableToken.receivable(1n);
      expect(terms.anchorId).to.equal(anchorId);
      expect(terms.supplierId).to.equal(supplierId);
      expect(terms.faceValue).to.equal(confirmation.faceValue);
      expect(terms.maturity).to.equal(confirmation.maturity);
      expect(terms.currency).to.equal("0x434e59");
      expect(terms.documentsHash).to.equal(await c.receivableToken.documentsHashOf(confirmation.invoiceHash, confirmation.logisticsHash));
      expect(await c.receivableToken.invoiceUse(fingerprintOf(c, c.tier1, confirmation.invoiceNumber))).to.equal(tokenId);
      expect(await c.receivableToken.slotCount()).to.equal(1n);
    });

    it("confirm_revertsWhenTheCallerIsNotAnActiveAnchor", async function () {
      const c = await loadFixture(deployConsortium);
      const confirmation = await confirmationFor(c);
      await expect(c.receivableToken.connect(c.tier2).confirm(confirmation))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableUnauthorizedAnchor")
        .withArgs(c.tier2.address);
      await c.registry.suspend(c.memberIds.get(c.anchor.address) ?? 0);
      await expect(c.receivableToken.connect(c.anchor).confirm(confirmation))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableUnauthorizedAnchor")
        .withArgs(c.anchor.address);
    });

    it("confirm_revertsWhenTheSupplierIsNotAnActiveSupplier", async function () {
      const c = await loadFixture(deployConsortium);
      for (const wrong of [c.factor, c.outsiders[0]]) {
        const confirmation = await confirmationFor(c, { supplier: wrong });
        await expect(c.receivableToken.connect(c.anchor).confirm(confirmation))
          .to.be.revertedWithCustomError(c.receivableToken, "ReceivableIneligibleSupplier")
          .withArgs(wrong.address);
      }
      await c.registry.grantRole(c.memberIds.get(c.anchor.address) ?? 0, Role.SUPPLIER);
      const toItself = await confirmationFor(c, { supplier: c.anchor });
      await expect(c.receivableToken.connect(c.anchor).confirm(toItself))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableSelfConfirmation")
        .withArgs(c.memberIds.get(c.anchor.address));
    });

    it("confirm_revertsOnBadTerms, naming what is wrong", async function () {
      const c = await loadFixture(deployConsortium);
      const good = await confirmationFor(c);
      const now = await latestTimestamp();
      const anchor = c.receivableToken.connect(c.anchor);
      await expect(anchor.confirm({ ...good, faceValue: 0n })).to.be.revertedWithCustomError(c.receivableToken, "ERC3525ZeroValue");
      await expect(anchor.confirm({ ...good, faceValue: 1n << 64n }))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableFaceValueTooLarge")
        .withArgs(1n << 64n, (1n << 64n) - 1n);
      await expect(anchor.confirm({ ...good, maturity: now })).to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvalidMaturity");
      const tooFar = now + 3651n * DAY;
      await expect(anchor.confirm({ ...good, maturity: tooFar })).to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvalidMaturity");
      await expect(anchor.confirm({ ...good, currency: "0x000000" })).to.be.revertedWithCustomError(c.receivableToken, "ReceivableZeroCurrency");
      await expect(anchor.confirm({ ...good, invoiceHash: ZERO_HASH })).to.be.revertedWithCustomError(
        c.receivableToken,
        "ReceivableMissingDocumentHash",
      );
      await expect(anchor.confirm({ ...good, logisticsHash: ZERO_HASH })).to.be.revertedWithCustomError(
        c.receivableToken,
        "ReceivableMissingDocumentHash",
      );
      await expect(anchor.confirm({ ...good, invoiceNumber: "" }))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceNumberNotNormalised")
        .withArgs("");
      expect(await c.receivableToken.slotCount()).to.equal(0n);
    });

    it("an invoice backs one receivable only: the same fingerprint under a new salt is refused, even after settlement time", async function () {
      const c = await loadFixture(deployConsortium);
      const first = await confirmationFor(c, { invoiceNumber: "INV-2026-0042" });
      await c.receivableToken.connect(c.anchor).confirm(first);
      const fingerprint = fingerprintOf(c, c.tier1, "INV-2026-0042");
      expect(await c.receivableToken.invoiceFingerprintOf(c.tier1.address, "INV-2026-0042")).to.equal(fingerprint);
      const again = await confirmationFor(c, { invoiceNumber: " inv-2026-0042 " });
      expect(again.invoiceHash).to.not.equal(first.invoiceHash);
      expect(again.invoiceNumber).to.equal(first.invoiceNumber);
      await expect(c.receivableToken.connect(c.anchor).confirm(again))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceAlreadyUsed")
        .withArgs(fingerprint, (1n << 32n) | 1n);
      await time.increaseTo(BigInt(first.maturity) + 30n * DAY);
      const afterMaturity = await confirmationFor(c, { invoiceNumber: "\tInv-2026-0042" });
      await expect(c.receivableToken.connect(c.anchor).confirm(afterMaturity))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceAlreadyUsed")
        .withArgs(fingerprint, (1n << 32n) | 1n);
    });

    it("has no function that cancels or changes a confirmation: the state-changing functions are exactly these (redeem burns and releaseCredit frees a line only for the bound settlement contract)", async function () {
      const c = await loadFixture(deployConsortium);
      const stateChanging = c.receivableToken.interface.fragments
        .filter((fragment): fragment is import("ethers").FunctionFragment => fragment.type === "function")
        .filter((fragment) => fragment.stateMutability !== "view" && fragment.stateMutability !== "pure")
        .map((fragment) => fragment.format("sighash"))
        .sort();
      expect(stateChanging).to.deep.equal(
        [
          "approve(address,uint256)",
          "approve(uint256,address,uint256)",
          "bindSystemContract(uint8,address)",
          "confirm((address,uint256,uint256,bytes3,bytes32,bytes32,string,bytes))",
          "pause()",
          "redeem(uint256)",
          "releaseCredit(uint256,uint256)",
          "safeTransferFrom(address,address,uint256)",
          "safeTransferFrom(address,address,uint256,bytes)",
          "setApprovalForAll(address,bool)",
          "setCreditLine(uint32,uint256,uint256)",
          "transferFrom(address,address,uint256)",
          "transferFrom(uint256,address,uint256)",
          "transferFrom(uint256,uint256,uint256)",
          "transferWithProof(uint256,address,uint256,(string,bytes32,bytes32,bytes))",
          "unpause()",
        ].sort(),
      );
    });
  });

  describe("split and transfer", function () {
    it("a tier-1 supplier splits 30% to tier 2: a new piece whose parent is the source, value conserved", async function () {
      const { receivableToken: token, tier1, tier2, root, slot } = await loadFixture(fixture);
      const child = (slot << 32n) | 2n;
      const tx = token.connect(tier1)[SPLIT](root, tier2.address, 30_000_000n);
      await expect(tx).to.emit(token, "Transfer").withArgs(hre.ethers.ZeroAddress, tier2.address, child);
      await expect(tx).to.emit(token, "SlotChanged").withArgs(child, 0n, slot);
      await expect(tx).to.emit(token, "TransferValue").withArgs(root, child, 30_000_000n);
      expect(await token.ownerOf(child)).to.equal(tier2.address);
      expect(await token["balanceOf(uint256)"](child)).to.equal(30_000_000n);
      expect(await token["balanceOf(uint256)"](root)).to.equal(70_000_000n);
      expect(await token.parentOf(child)).to.equal(root);
      expect(await token.rootOf(child)).to.equal(root);
      expect(await token["balanceOf(address)"](tier2.address)).to.equal(1n);
      expect((await token.receivable(slot)).pieceCount).to.equal(2n);
    });

    it("traces a third-tier piece back to the anchor's confirmation", async function () {
      const { receivableToken: token, tier1, tier2, tier3, root } = await loadFixture(fixture);
      const tier2Piece = await token.connect(tier1)[SPLIT].staticCall(root, tier2.address, 30_000_000n);
      await token.connect(tier1)[SPLIT](root, tier2.address, 30_000_000n);
      const tier3Piece = await token.connect(tier2)[SPLIT].staticCall(tier2Piece, tier3.address, 10_000_000n);
      await token.connect(tier2)[SPLIT](tier2Piece, tier3.address, 10_000_000n);
      const lineage: bigint[] = [];
      for (let piece = tier3Piece; piece !== 0n; piece = await token.parentOf(piece)) lineage.push(piece);
      expect(lineage).to.deep.equal([tier3Piece, tier2Piece, root]);
    });

    it("keeps lineage through a piece that a split emptied and burned", async function () {
      const { receivableToken: token, tier1, tier2, tier3, root } = await loadFixture(fixture);
      const middle = await token.connect(tier1)[SPLIT].staticCall(root, tier2.address, 500n);
      await token.connect(tier1)[SPLIT](root, tier2.address, 500n);
      const leaf = await token.connect(tier2)[SPLIT].staticCall(middle, tier3.address, 500n);
      await token.connect(tier2)[SPLIT](middle, tier3.address, 500n);
      expect(await token.exists(middle)).to.equal(false);
      expect(await token.parentOf(leaf)).to.equal(middle);
      expect(await token.parentOf(middle)).to.equal(root);
      await expect(token.parentOf(leaf + 1n))
        .to.be.revertedWithCustomError(token, "ERC721NonexistentToken")
        .withArgs(leaf + 1n);
    });

    it("moving a piece's whole value burns the emptied source: no token of value 0 stays live", async function () {
      const { receivableToken: token, tier1, tier2, root } = await loadFixture(fixture);
      const child = await token.connect(tier1)[SPLIT].staticCall(root, tier2.address, 100_000_000n);
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 100_000_000n))
        .to.emit(token, "Transfer")
        .withArgs(tier1.address, hre.ethers.ZeroAddress, root);
      await expect(token.ownerOf(root)).to.be.revertedWithCustomError(token, "ERC721NonexistentToken").withArgs(root);
      expect(await token.exists(root)).to.equal(false);
      expect(await token["balanceOf(uint256)"](child)).to.equal(100_000_000n);
      expect(await token["balanceOf(address)"](tier1.address)).to.equal(0n);
    });

    it("split_revertsWhenValueIsZeroOrExceedsTheSource", async function () {
      const { receivableToken: token, tier1, tier2, root } = await loadFixture(fixture);
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 0n)).to.be.revertedWithCustomError(token, "ERC3525ZeroValue");
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 100_000_001n))
        .to.be.revertedWithCustomError(token, "ERC3525InsufficientValue")
        .withArgs(root, 100_000_000n, 100_000_001n);
      await expect(token.connect(tier1)[SPLIT](root, hre.ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(token, "ERC721InvalidReceiver")
        .withArgs(hre.ethers.ZeroAddress);
      await expect(token.connect(tier1)[SPLIT](root + 7n, tier2.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC721NonexistentToken")
        .withArgs(root + 7n);
    });

    it("split_revertsWhenTheCallerHasNoAuthorityOverTheSource", async function () {
      const { receivableToken: token, tier2, tier3, root } = await loadFixture(fixture);
      await expect(token.connect(tier2)[SPLIT](root, tier3.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC3525InsufficientAllowance")
        .withArgs(root, tier2.address, 0n, 1n);
    });

    it("transferWithProof records the trade proof for the new piece and registers its invoice forever", async function () {
      const c = await loadFixture(fixture);
      const proof = await tradeProofFor(c, c.tier2, "T2-INV-7");
      const fingerprint = fingerprintOf(c, c.tier2, "T2-INV-7");
      const child = (c.slot << 32n) | 2n;
      await expect(c.receivableToken.connect(c.tier1).transferWithProof(c.root, c.tier2.address, 5_000_000n, proof))
        .to.emit(c.receivableToken, "TradeProofRecorded")
        .withArgs(child, fingerprint, proof.invoiceHash, proof.logisticsHash);
      expect(await c.receivableToken.invoiceUse(fingerprint)).to.equal(child);
      const reused = await tradeProofFor(c, c.tier2, "t2-inv-7");
      expect(reused.invoiceHash).to.not.equal(proof.invoiceHash);
      await expect(c.receivableToken.connect(c.tier1).transferWithProof(c.root, c.tier2.address, 1n, reused))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceAlreadyUsed")
        .withArgs(fingerprint, child);
      await expect(
        c.receivableToken
          .connect(c.tier1)
          .transferWithProof(c.root, c.tier2.address, 1n, { ...(await tradeProofFor(c, c.tier2)), logisticsHash: ZERO_HASH }),
      ).to.be.revertedWithCustomError(c.receivableToken, "ReceivableMissingDocumentHash");
    });

    it("merges value into an existing piece of the same slot with its owner's approval, and refuses another slot's piece", async function () {
      const c = await loadFixture(fixture);
      const { receivableToken: token, tier1, tier2, root } = c;
      const child = await token.connect(tier1)[SPLIT].staticCall(root, tier2.address, 10n);
      await token.connect(tier1)[SPLIT](root, tier2.address, 10n);
      await token.connect(tier2)["approve(address,uint256)"](tier1.address, child);
      await expect(token.connect(tier1)[MERGE](root, child, 90n))
        .to.emit(token, "TransferValue")
        .withArgs(root, child, 90n);
      expect(await token["balanceOf(uint256)"](child)).to.equal(100n);
      expect(await token.parentOf(child)).to.equal(root);
      const other = await confirmReceivable(c, { supplier: tier2 });
      await expect(token.connect(tier1)[MERGE](root, other.tokenId, 1n))
        .to.be.revertedWithCustomError(token, "ERC3525SlotMismatch")
        .withArgs(root, other.tokenId);
      await expect(token.connect(tier1)[MERGE](root, root, 1n))
        .to.be.revertedWithCustomError(token, "ERC3525SameToken")
        .withArgs(root);
    });

    it("transfers a whole piece ERC-721 style and clears its approval", async function () {
      const { receivableToken: token, tier1, tier2, tier3, root } = await loadFixture(fixture);
      await token.connect(tier1)["approve(address,uint256)"](tier3.address, root);
      await expect(token.connect(tier1)[WHOLE](tier1.address, tier2.address, root))
        .to.emit(token, "Transfer")
        .withArgs(tier1.address, tier2.address, root);
      expect(await token.ownerOf(root)).to.equal(tier2.address);
      expect(await token.getApproved(root)).to.equal(hre.ethers.ZeroAddress);
      expect(await token["balanceOf(address)"](tier1.address)).to.equal(0n);
      expect(await token["balanceOf(address)"](tier2.address)).to.equal(1n);
      await expect(token.connect(tier2)[WHOLE](tier1.address, tier3.address, root))
        .to.be.revertedWithCustomError(token, "ERC721IncorrectOwner")
        .withArgs(tier1.address, root, tier2.address);
      await expect(token.connect(tier3)[WHOLE](tier2.address, tier3.address, root))
        .to.be.revertedWithCustomError(token, "ERC721InsufficientApproval")
        .withArgs(tier3.address, root);
    });
  });

  describe("permissioned transfers", function () {
    it("no value reaches a non-member, on any path", async function () {
      const { receivableToken: token, tier1, outsiders, root } = await loadFixture(fixture);
      const stranger = outsiders[0].address;
      await expect(token.connect(tier1)[SPLIT](root, stranger, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleRecipient")
        .withArgs(stranger);
      await expect(token.connect(tier1)[WHOLE](tier1.address, stranger, root))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleRecipient")
        .withArgs(stranger);
      // An outsider made operator cannot even act: callers for another holder must be members.
      await token.connect(tier1).setApprovalForAll(stranger, true);
      await expect(token.connect(outsiders[0])[SPLIT](root, stranger, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleCaller")
        .withArgs(stranger);
    });

    it("a member without a holding role (carrier, auditor, verifier, anchor) cannot receive pieces", async function () {
      const { receivableToken: token, tier1, carrier, auditor, verifier, anchor, root } = await loadFixture(fixture);
      for (const member of [carrier, auditor, verifier, anchor]) {
        await expect(token.connect(tier1)[SPLIT](root, member.address, 1n))
          .to.be.revertedWithCustomError(token, "ReceivableIneligibleRecipient")
          .withArgs(member.address);
      }
    });

    it("a suspended supplier keeps its piece but cannot move it, and cannot receive; reinstated, it can", async function () {
      const { receivableToken: token, registry, tier1, tier2, root, memberIds } = await loadFixture(fixture);
      const tier1Id = memberIds.get(tier1.address) ?? 0;
      await registry.suspend(tier1Id);
      expect(await token.ownerOf(root)).to.equal(tier1.address);
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleSender")
        .withArgs(tier1.address);
      await token.connect(tier1).setApprovalForAll(tier2.address, true);
      await expect(token.connect(tier2)[WHOLE](tier1.address, tier2.address, root))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleSender")
        .withArgs(tier1.address);
      await token.connect(tier1).setApprovalForAll(tier2.address, false);
      const tier2Piece = await token
        .connect(tier1)
        [SPLIT].staticCall(root, tier2.address, 1n)
        .catch(() => 0n);
      expect(tier2Piece).to.equal(0n);
      await registry.reinstate(tier1Id);
      const piece = await token.connect(tier1)[SPLIT].staticCall(root, tier2.address, 5n);
      await token.connect(tier1)[SPLIT](root, tier2.address, 5n);
      await registry.suspend(tier1Id);
      await expect(token.connect(tier2)[SPLIT](piece, tier1.address, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleRecipient")
        .withArgs(tier1.address);
      await registry.reinstate(tier1Id);
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 1n)).to.emit(token, "TransferValue");
    });

    it("a member whose KYC has lapsed cannot receive", async function () {
      const { receivableToken: token, registry, tier1, tier2, root, memberIds } = await loadFixture(fixture);
      const tier2Id = memberIds.get(tier2.address) ?? 0;
      const now = await latestTimestamp();
      await registry.renewKyc(tier2Id, now + 10n);
      await time.increase(20);
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableIneligibleRecipient")
        .withArgs(tier2.address);
    });

    it("nothing moves after maturity", async function () {
      const { receivableToken: token, tier1, tier2, root, slot } = await loadFixture(fixture);
      const maturity = (await token.receivable(slot)).maturity;
      await time.increaseTo(maturity);
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 1n))
        .to.be.revertedWithCustomError(token, "ReceivableMatured")
        .withArgs(slot, maturity);
      await expect(token.connect(tier1)[WHOLE](tier1.address, tier2.address, root))
        .to.be.revertedWithCustomError(token, "ReceivableMatured")
        .withArgs(slot, maturity);
    });

    it("the operator pauses every move in an emergency, and only the operator can", async function () {
      const c = await loadFixture(fixture);
      const { receivableToken: token, operator, tier1, tier2, root } = c;
      await expect(token.connect(tier1).pause()).to.be.revertedWithCustomError(token, "ReceivableUnauthorizedOperator").withArgs(tier1.address);
      await expect(token.connect(operator).pause()).to.emit(token, "Paused").withArgs(operator.address);
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 1n)).to.be.revertedWithCustomError(token, "EnforcedPause");
      await expect(token.connect(tier1)[WHOLE](tier1.address, tier2.address, root)).to.be.revertedWithCustomError(token, "EnforcedPause");
      await expect(token.connect(c.anchor).confirm(await confirmationFor(c))).to.be.revertedWithCustomError(token, "EnforcedPause");
      await expect(token.connect(operator).unpause()).to.emit(token, "Unpaused").withArgs(operator.address);
      await expect(token.connect(tier1)[SPLIT](root, tier2.address, 1n)).to.emit(token, "TransferValue");
    });
  });
});
