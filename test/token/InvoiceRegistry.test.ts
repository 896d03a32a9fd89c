import { expect } from "chai";
import hre from "hardhat";
import { AbiCoder, concat } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { invoiceFingerprint } from "../../src/proofs/fingerprint";
import { confirmationFor, deployConsortium, randomHash, sellerConsentFor, tradeProofFor } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";

const SPLIT = "transferFrom(uint256,address,uint256)";

/**
 * The invoice registry: each fingerprint is derived on chain from the seller's registered legal-entity id and the
 * normalised invoice number, and only the seller, or a buyer holding the seller's signed consent, registers it.
 */
describe("ReceivableToken invoice registry", function () {
  /** tier1 holds a receivable's root; tier2, the would-be squatter, holds a piece of it. */
  async function fixture() {
    const c = await deployConsortium();
    const confirmation = await confirmationFor(c, { supplier: c.tier1, faceValue: 100_000_000n });
    const [slot, root] = await c.receivableToken.connect(c.anchor).confirm.staticCall(confirmation);
    await (await c.receivableToken.connect(c.anchor).confirm(confirmation)).wait();
    const squatterPiece = await c.receivableToken.connect(c.tier1)[SPLIT].staticCall(root, c.tier2.address, 1_000_000n);
    await (await c.receivableToken.connect(c.tier1)[SPLIT](root, c.tier2.address, 1_000_000n)).wait();
    return { ...c, slot, root, squatterPiece };
  }

  function fingerprintOf(c: Consortium, seller: { address: string }, invoiceNumber: string): string {
    return invoiceFingerprint(c.leiHashes.get(seller.address) ?? "", invoiceNumber);
  }

  it("attack: a member cannot squat another seller's invoice by paying the seller 1 fen without the seller's consent", async function () {
    const c = await loadFixture(fixture);
    const victimNumber = "BVD-INV-0042";
    const squat = { invoiceNumber: victimNumber, invoiceHash: randomHash(), logisticsHash: randomHash(), sellerConsent: "0x" };
    // Without a signature, and with the squatter's own signature in the seller's place.
    await expect(c.receivableToken.connect(c.tier2).transferWithProof(c.squatterPiece, c.tier1.address, 1n, squat))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceConsentInvalid")
      .withArgs(c.tier1.address, hre.ethers.ZeroAddress);
    const forged = { ...squat, sellerConsent: await sellerConsentFor(c, c.tier2, c.tier2, victimNumber, squat.invoiceHash) };
    await expect(c.receivableToken.connect(c.tier2).transferWithProof(c.squatterPiece, c.tier1.address, 1n, forged))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceConsentInvalid")
      .withArgs(c.tier1.address, c.tier2.address);
    // Paid to itself (or an accomplice), the number registers under the squatter's own name, not the victim's.
    const own = await c.receivableToken.connect(c.tier2).transferWithProof.staticCall(c.squatterPiece, c.tier2.address, 1n, squat);
    await expect(c.receivableToken.connect(c.tier2).transferWithProof(c.squatterPiece, c.tier2.address, 1n, squat))
      .to.emit(c.receivableToken, "TradeProofRecorded")
      .withArgs(own, fingerprintOf(c, c.tier2, victimNumber), squat.invoiceHash, squat.logisticsHash);
    expect(await c.receivableToken.invoiceUse(fingerprintOf(c, c.tier1, victimNumber))).to.equal(0n);
  });

  it("attack: after a squat attempt the anchor's genuine confirmation of the seller's invoice still succeeds", async function () {
    const c = await loadFixture(fixture);
    const victimNumber = "BVD-INV-0043";
    const squat = { invoiceNumber: victimNumber, invoiceHash: randomHash(), logisticsHash: randomHash(), sellerConsent: "0x" };
    await expect(c.receivableToken.connect(c.tier2).transferWithProof(c.squatterPiece, c.tier1.address, 1n, squat)).to.be.revertedWithCustomError(
      c.receivableToken,
      "ReceivableInvoiceConsentInvalid",
    );
    await (await c.receivableToken.connect(c.tier2).transferWithProof(c.squatterPiece, c.tier2.address, 1n, squat)).wait();

    const genuine = await confirmationFor(c, { supplier: c.tier1, invoiceNumber: victimNumber });
    const [, tokenId] = await c.receivableToken.connect(c.anchor).confirm.staticCall(genuine);
    await expect(c.receivableToken.connect(c.anchor).confirm(genuine)).to.emit(c.receivableToken, "ReceivableConfirmed");
    expect(await c.receivableToken.invoiceUse(fingerprintOf(c, c.tier1, victimNumber))).to.equal(tokenId);
  });

  it("attack: a seller's consent cannot be replayed by another buyer, for another document or number, or twice", async function () {
    const c = await loadFixture(fixture);
    // tier1 consents that the anchor confirms its invoice INV-7 with this document.
    const genuine = await confirmationFor(c, { supplier: c.tier1, invoiceNumber: "INV-7" });
    const replayedBy = async (caller: typeof c.tier2, changes: { invoiceNumber?: string; invoiceHash?: string }) => {
      const proof = {
        invoiceNumber: changes.invoiceNumber ?? String(genuine.invoiceNumber),
        invoiceHash: changes.invoiceHash ?? String(genuine.invoiceHash),
        logisticsHash: randomHash(),
        sellerConsent: genuine.sellerConsent,
      };
      const piece = caller === c.tier2 ? c.squatterPiece : c.root;
      return c.receivableToken.connect(caller).transferWithProof(piece, c.tier1.address, 1n, proof);
    };
    // Another buyer (tier2 paying tier1 with its piece) holding a copy of the consent.
    await expect(replayedBy(c.tier2, {})).to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceConsentInvalid");
    // The anchor itself, for another document or another invoice number.
    await expect(c.receivableToken.connect(c.anchor).confirm({ ...genuine, invoiceHash: randomHash() })).to.be.revertedWithCustomError(
      c.receivableToken,
      "ReceivableInvoiceConsentInvalid",
    );
    await expect(c.receivableToken.connect(c.anchor).confirm({ ...genuine, invoiceNumber: "INV-8" })).to.be.revertedWithCustomError(
      c.receivableToken,
      "ReceivableInvoiceConsentInvalid",
    );
    // Used as given it works once; the same consent again meets the registered invoice.
    const [, tokenId] = await c.receivableToken.connect(c.anchor).confirm.staticCall(genuine);
    await (await c.receivableToken.connect(c.anchor).confirm(genuine)).wait();
    await expect(c.receivableToken.connect(c.anchor).confirm(genuine))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceAlreadyUsed")
      .withArgs(fingerprintOf(c, c.tier1, "INV-7"), tokenId);
  });

  it("attack: an invoice number not in normalised form is refused on chain, so spellings cannot dodge the registry", async function () {
    const c = await loadFixture(fixture);
    const good = await confirmationFor(c, { supplier: c.tier1 });
    const proof = await tradeProofFor(c, c.tier2, "T2-INV-1", { buyer: c.tier1 });
    for (const number of ["inv 001", "INV 001", "inv-001", "", "INV\u0000001", "发票-001", "ＩＮＶ-001", "A".repeat(65)]) {
      await expect(c.receivableToken.connect(c.anchor).confirm({ ...good, invoiceNumber: number }))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceNumberNotNormalised")
        .withArgs(number);
      await expect(c.receivableToken.connect(c.tier1).transferWithProof(c.root, c.tier2.address, 1n, { ...proof, invoiceNumber: number }))
        .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceNumberNotNormalised")
        .withArgs(number);
    }
    // Every printable ASCII character but space and a-z, up to 64 of them, is a normalised number.
    const allowed = Array.from({ length: 0x7e - 0x20 }, (_, index) => String.fromCharCode(0x21 + index)).filter((ch) => !/[a-z]/u.test(ch));
    for (const number of [allowed.join("").slice(0, 64), allowed.join("").slice(64), "A".repeat(64)]) {
      expect(await c.receivableToken.invoiceFingerprintOf(c.tier1.address, number)).to.equal(fingerprintOf(c, c.tier1, number));
    }
  });

  it("classifies every byte value at every position of a word, as normaliseInvoiceNumber's character set does", async function () {
    const c = await loadFixture(fixture);
    const tokenAddress = await c.receivableToken.getAddress();
    const fingerprintOf = c.receivableToken.interface.getFunction("invoiceFingerprintOf");
    const coder = AbiCoder.defaultAbiCoder();
    const notNormalised = c.receivableToken.interface.getError("ReceivableInvoiceNumberNotNormalised")?.selector;
    // Raw bytes, not UTF-8 text: the contract must judge each byte alone.
    const accepts = async (number: Uint8Array): Promise<boolean> => {
      const data = concat([fingerprintOf.selector, coder.encode(["address", "bytes"], [c.tier1.address, number])]);
      try {
        await hre.ethers.provider.call({ to: tokenAddress, data });
        return true;
      } catch (error) {
        // The error's selector (its argument, the raw bytes, need not be valid UTF-8 to decode).
        const revertData = (error as { data?: unknown }).data;
        expect(typeof revertData === "string" ? revertData.slice(0, 10) : revertData).to.equal(notNormalised);
        return false;
      }
    };
    const allowed = (byte: number): boolean => byte >= 0x21 && byte <= 0x7e && !(byte >= 0x61 && byte <= 0x7a);
    for (const [length, position] of [
      [10, 0],
      [10, 9],
      [32, 31],
      [40, 31],
      [40, 32],
      [64, 63],
      [33, 32],
    ]) {
      for (let byte = 0; byte < 256; byte += 1) {
        const number = new Uint8Array(length).fill(0x41);
        number[position] = byte;
        expect(await accepts(number), `byte 0x${byte.toString(16)} at ${position} of ${length}`).to.equal(allowed(byte));
      }
    }
    expect(await accepts(new Uint8Array(64).fill(0x7e))).to.equal(true);
    expect(await accepts(new Uint8Array(65).fill(0x41))).to.equal(false);
    expect(await accepts(new Uint8Array(0))).to.equal(false);
  });

  it("attack: the seller calling itself needs no signature, and only the seller is spared one", async function () {
    const c = await loadFixture(fixture);
    // tier1 lets its supplier tier2 draw 5,000,000 fen off its root; tier2 draws it with its own invoice.
    await (await c.receivableToken.connect(c.tier1)["approve(uint256,address,uint256)"](c.root, c.tier2.address, 5_000_000n)).wait();
    const proof = { invoiceNumber: "CWG-INV-9", invoiceHash: randomHash(), logisticsHash: randomHash(), sellerConsent: "0x" };
    const drawn = await c.receivableToken.connect(c.tier2).transferWithProof.staticCall(c.root, c.tier2.address, 5_000_000n, proof);
    await expect(c.receivableToken.connect(c.tier2).transferWithProof(c.root, c.tier2.address, 5_000_000n, proof))
      .to.emit(c.receivableToken, "TradeProofRecorded")
      .withArgs(drawn, fingerprintOf(c, c.tier2, "CWG-INV-9"), proof.invoiceHash, proof.logisticsHash);
    // The holder paying the seller needs the seller's consent.
    const unsigned = { ...proof, invoiceNumber: "CWG-INV-10" };
    await expect(c.receivableToken.connect(c.tier1).transferWithProof(c.root, c.tier2.address, 1n, unsigned))
      .to.be.revertedWithCustomError(c.receivableToken, "ReceivableInvoiceConsentInvalid")
      .withArgs(c.tier2.address, hre.ethers.ZeroAddress);
  });
});
