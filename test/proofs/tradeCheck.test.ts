import { expect } from "chai";
import { tradeMismatches } from "../../src/proofs/tradeCheck";
import type { TradeStep } from "../../src/proofs/tradeCheck";

/** The documents' own agreement with a transfer, before it is sent: each rule breaks alone, and a good step passes. */
describe("trade pre-check: documents against the transfer", function () {
  const party = (memberId: number) => ({ memberId, account: `0x${memberId.toString(16).padStart(40, "0")}` });
  const good = (): TradeStep =>
    ({
      invoice: {
        number: "GSS-INV-7",
        seller: party(5),
        buyer: party(4),
        issueDate: 1n,
        currency: "CNY",
        lines: [{ description: "Silica", quantity: 200n, unitPrice: 25_000n }],
        tax: 0n,
        total: 5_000_000n,
        purchaseOrder: "PO-7",
        salt: `0x${"11".repeat(32)}`,
      },
      waybill: {
        number: "SWF-7",
        carrier: party(6),
        shipper: party(5),
        consignee: party(4),
        goods: [{ description: "Silica", quantity: 200n }],
        reference: "gss-inv-7",
        salt: `0x${"22".repeat(32)}`,
      },
      senderMemberId: 4,
      recipientMemberId: 5,
      amount: 5_000_000n,
      pieceCurrency: "CNY",
      invoiceUsedBy: 0n,
    }) as unknown as TradeStep;
  const codes = (step: TradeStep) => tradeMismatches(step).map((mismatch) => mismatch.code);

  it("passes a step whose documents agree with it (the waybill may name the invoice in another spelling, or the order)", function () {
    expect(codes(good())).to.deep.equal([]);
    const byOrder = good();
    byOrder.waybill = { ...byOrder.waybill, reference: "po-7" };
    expect(codes(byOrder)).to.deep.equal([]);
  });

  it("refuses the clerk's mistakes: another recipient than the seller, more than the invoice, another sender than the buyer", function () {
    expect(codes({ ...good(), recipientMemberId: 3 })).to.deep.equal(["SELLER_NOT_RECIPIENT"]);
    expect(codes({ ...good(), recipientMemberId: null })).to.deep.equal(["SELLER_NOT_RECIPIENT"]);
    expect(tradeMismatches({ ...good(), amount: 8_000_000n })).to.deep.equal([{ code: "TOTAL_BELOW_AMOUNT", total: 5_000_000n, amount: 8_000_000n }]);
    expect(codes({ ...good(), senderMemberId: 9 })).to.deep.equal(["BUYER_NOT_SENDER"]);
    expect(codes({ ...good(), pieceCurrency: "USD" })).to.deep.equal(["CURRENCY_MISMATCH"]);
    expect(codes({ ...good(), invoiceUsedBy: (1n << 32n) | 3n })).to.deep.equal(["INVOICE_ALREADY_USED"]);
  });

  it("refuses a waybill that does not carry this trade", function () {
    const step = good();
    expect(codes({ ...step, waybill: { ...step.waybill, shipper: party(7) } })).to.deep.equal(["SHIPPER_NOT_SELLER"]);
    expect(codes({ ...step, waybill: { ...step.waybill, consignee: party(7) } })).to.deep.equal(["CONSIGNEE_NOT_BUYER"]);
    expect(codes({ ...step, waybill: { ...step.waybill, carrier: party(5) } })).to.deep.equal(["CARRIER_NOT_INDEPENDENT"]);
    expect(codes({ ...step, waybill: { ...step.waybill, reference: "GSS-INV-8" } })).to.deep.equal(["WAYBILL_FOR_OTHER_INVOICE"]);
  });
});
