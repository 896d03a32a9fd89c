import { expect } from "chai";
import { AbiCoder, id, keccak256 } from "ethers";
import { invoiceFingerprint, invoiceNumberProblem, normaliseInvoiceNumber } from "../../src/proofs/fingerprint";

describe("invoice fingerprint", function () {
  const seller = id("TIER2-GLASS");

  it("treats spacing and letter case as the same invoice", function () {
    const canonical = invoiceFingerprint(seller, "INV-2026-0042");
    for (const variant of ["inv-2026-0042", "  INV-2026-0042 ", "INV - 2026 - 0042", "inv\t2026-0042".replace("\t", "-")]) {
      expect(invoiceFingerprint(seller, variant)).to.equal(canonical);
    }
  });

  it("is keccak256(abi.encode(sellerLeiHash, normalisedNumber)), as the contracts and auditors recompute it", function () {
    const expected = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "string"], [seller, "INV-2026-0042"]));
    expect(invoiceFingerprint(seller, " inv-2026-0042")).to.equal(expected);
  });

  it("differs for another seller or another number", function () {
    const base = invoiceFingerprint(seller, "INV-1");
    expect(invoiceFingerprint(id("OTHER-SELLER"), "INV-1")).to.not.equal(base);
    expect(invoiceFingerprint(seller, "INV-2")).to.not.equal(base);
  });

  it("refuses an invoice number that is only white space", function () {
    expect(() => normaliseInvoiceNumber(" \t ")).to.throw("invoice number is empty");
  });

  it("brings full-width and lower-case spellings into the form the token contract accepts", function () {
    expect(normaliseInvoiceNumber("ｉｎｖ－２０２６／７")).to.equal("INV-2026/7");
    expect(invoiceNumberProblem("inv 2026-7")).to.equal(undefined);
  });

  it("refuses a number the token contract could not accept, naming the character or the length", function () {
    expect(() => normaliseInvoiceNumber("发票-001")).to.throw("has the character U+53D1");
    expect(() => normaliseInvoiceNumber("INV\u0000001")).to.throw("has the character U+0000");
    expect(() => normaliseInvoiceNumber("A".repeat(65))).to.throw("at most 64");
    expect(normaliseInvoiceNumber("a".repeat(64))).to.equal("A".repeat(64));
  });
});
