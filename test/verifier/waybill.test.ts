import { expect } from "chai";
import { id } from "ethers";
import { allocateWaybillClaims, waybillIdentity } from "../../src/proofs/waybill";
import type { WaybillClaim } from "../../src/proofs/waybill";

/** The one rule the verifier and the audit share: a waybill backs at most the goods it delivered, earliest claims first. */
describe("waybill claims (src/proofs/waybill.ts)", function () {
  const carrier = id("CARRIER-FREIGHT");
  const claim = (invoiceNumber: string, invoiced: bigint, options: Partial<WaybillClaim> = {}): WaybillClaim => ({
    identity: waybillIdentity(carrier, "WB-1"),
    delivered: 10n,
    reference: "PO-7",
    invoiceNumber,
    invoiced,
    ...options,
  });

  it("identity_ignoresSpacingAndCase_butNotTheCarrier", function () {
    expect(waybillIdentity(carrier, " wb 1")).to.equal(waybillIdentity(carrier, "WB1"));
    expect(waybillIdentity(carrier, "WB-1")).to.not.equal(waybillIdentity(id("CARRIER-OTHER"), "WB-1"));
  });

  it("allocate_keepsEarlierClaims_refusesTheOneThatExceeds_andLetsLaterOnesThatFit", function () {
    const verdicts = allocateWaybillClaims([claim("INV-1", 6n), claim("INV-2", 6n), claim("INV-3", 4n), claim("INV-4", 1n)]);
    expect(verdicts[0]).to.equal(undefined);
    expect(verdicts[1]).to.deep.equal({ kind: "quantity", delivered: 10n, claimedBefore: 6n, invoiced: 6n });
    expect(verdicts[2]).to.equal(undefined);
    expect(verdicts[3]).to.deep.equal({ kind: "quantity", delivered: 10n, claimedBefore: 10n, invoiced: 1n });
    // Another waybill is counted apart.
    expect(allocateWaybillClaims([claim("INV-1", 10n), claim("INV-2", 10n, { identity: waybillIdentity(carrier, "WB-2") })])).to.deep.equal([
      undefined,
      undefined,
    ]);
  });

  it("allocate_aWaybillNamingAnInvoiceBacksThatInvoiceOnly", function () {
    const named = { reference: "INV-1" };
    const verdicts = allocateWaybillClaims([claim("INV-1", 1n, named), claim("INV-2", 1n, named)]);
    expect(verdicts).to.deep.equal([undefined, { kind: "otherInvoice", namedInvoice: "INV-1" }]);
  });
});
