import { expect } from "chai";
import { Wallet, getAddress, id } from "ethers";
import { parseDocument } from "../../src/proofs/documents";
import { CREDIT_CODE_ALPHABET, creditCodeCheckCharacter, creditCodeProblem, isCreditCode } from "../../src/proofs/creditCode";
import { invoiceLineOf, invoiceProofToWire, invoiceTotalsOf } from "../../src/proofs/invoice";
import type { Invoice } from "../../src/proofs/invoice";
import { issueLogisticsProof, randomSalt } from "../../src/proofs/issue";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { tradeMismatches } from "../../src/proofs/tradeCheck";
import { lineTax } from "../../src/proofs/vat";
import { deliveredQuantity } from "../../src/proofs/waybill";

const CHAIN_ID = 31337n;
const NO_SIGNATURE = "0x" + "00".repeat(65);
const seller = Wallet.createRandom();
const buyer = Wallet.createRandom();
const carrier = Wallet.createRandom();

/** Sums the GB 32100 weights by hand, independently of the module: Σ value × 3^i mod 31, check = (31 - Σ mod 31) mod 31. */
function checkByHand(first17: string): string {
  let sum = 0;
  let weight = 1;
  for (const character of first17) {
    sum += CREDIT_CODE_ALPHABET.indexOf(character) * weight;
    weight = (weight * 3) % 31;
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

function vatInvoice(overrides: Partial<Invoice> = {}): Invoice {
  const lines = [
    invoiceLineOf({ item: "cover glass", quantity: 1_200n, unit: "片", unitPrice: 1_999n, taxRate: 1300 }),
    invoiceLineOf({ item: "installation", quantity: 3n, unit: "次", unitPrice: 33_333n, taxRate: 600 }),
  ];
  return {
    number: "CWG-INV-2026-0001",
    issueDate: 1_790_000_000,
    seller: { memberId: 4, account: getAddress(seller.address), name: "清水玻璃", creditCode: "91330200MA2CWG003J" },
    buyer: { memberId: 3, account: getAddress(buyer.address), name: "明视显示", creditCode: "91320500MA1BRD0025" },
    currency: "CNY",
    lines,
    ...invoiceTotalsOf(lines),
    purchaseOrder: "BRD-PO-88",
    dueDate: 1_795_000_000,
    salt: randomSalt(),
    ...overrides,
  };
}

function problemsOf(invoice: unknown): Array<{ path: string; message: string }> {
  const parsed = parseDocument("invoice", { invoice, sellerSignature: NO_SIGNATURE, buyerSignature: NO_SIGNATURE }, CHAIN_ID);
  return parsed.ok ? [] : parsed.problems;
}

function wireOf(invoice: Invoice): Record<string, unknown> {
  return invoiceProofToWire({ invoice, sellerSignature: NO_SIGNATURE, buyerSignature: NO_SIGNATURE }).invoice;
}

describe("VAT e-invoice", function () {
  describe("unified social credit code (GB 32100-2015)", function () {
    it("accepts codes whose check character is the standard's, computed by hand", function () {
      for (const first17 of ["91350100M000100Y4", "91440300MA5HXM001", "12100000400000624", "Y1110108MA01ABCDE", "93110105MA00AAAA0"]) {
        const code = first17 + checkByHand(first17);
        expect(creditCodeCheckCharacter(first17)).to.equal(checkByHand(first17));
        expect(creditCodeProblem(code), code).to.equal(undefined);
      }
      // The example code of the standard's public explanations.
      expect(isCreditCode("91350100M000100Y43")).to.equal(true);
    });

    it("refuses a wrong check character, a wrong length, letters the standard excludes and a non-numeric region", function () {
      expect(creditCodeProblem("91350100M000100Y44")).to.match(/check character .* "3"/u);
      expect(creditCodeProblem("91350100M000100Y4")).to.match(/18 characters, not 17/u);
      expect(creditCodeProblem("91350100M000100I43")).to.match(/character 16 \("I"\)/u);
      expect(creditCodeProblem("9135A100M000100Y43")).to.match(/administrative-division code/u);
    });

    it("an invoice naming a party by a malformed code is refused at that party's field", function () {
      const invoice = wireOf(vatInvoice());
      const problems = problemsOf({ ...invoice, seller: { ...(invoice.seller as object), creditCode: "91330200MA2CWG0003" } });
      expect(problems.map((problem) => problem.path)).to.deep.equal(["invoice.seller.creditCode"]);
    });
  });

  describe("figures", function () {
    it("tax is amount × rate rounded half up to the fen", function () {
      // 0.5 fen rounds up, 0.49 fen rounds down.
      expect(lineTax(50n, 100)).to.equal(1n); // 0.50 fen
      expect(lineTax(49n, 100)).to.equal(0n); // 0.49 fen
      expect(lineTax(2_398_800n, 1300)).to.equal(311_844n); // 23,988.00 × 13% = 3,118.44 exactly
      expect(lineTax(99_999n, 600)).to.equal(6_000n); // 5,999.94 fen → 6,000
      expect(lineTax(99_991n, 600)).to.equal(5_999n); // 5,999.46 fen → 5,999
    });

    it("a consistent two-line invoice parses; its totals are the sums", function () {
      const invoice = vatInvoice();
      expect(problemsOf(wireOf(invoice))).to.deep.equal([]);
      expect(invoice.totalBeforeTax).to.equal(2_398_800n + 99_999n);
      expect(invoice.tax).to.equal(311_844n + 6_000n);
      expect(invoice.total).to.equal(invoice.totalBeforeTax + invoice.tax);
    });

    it("names the line whose amount is not quantity × unit price, and the line whose tax is off by a fen", function () {
      const invoice = vatInvoice();
      const lines = wireOf(invoice).lines as Array<Record<string, unknown>>;
      const wrongAmount = { ...lines[0], amount: "2398801" };
      const wrongTax = { ...lines[1], tax: "5999" };
      const problems = problemsOf({ ...wireOf(invoice), lines: [wrongAmount, wrongTax] });
      expect(problems.map((problem) => problem.path)).to.include.members(["invoice.lines.0.amount", "invoice.lines.1.tax"]);
      expect(problems.find((problem) => problem.path === "invoice.lines.1.tax")?.message).to.equal(
        "the tax 5999 is not 99999 × 6% rounded half up to the minor unit = 6000",
      );
    });

    it("names a total before tax, a tax total or a total that are not the sums, and a due date before the issue", function () {
      const wire = wireOf(vatInvoice());
      expect(problemsOf({ ...wire, totalBeforeTax: "1" }).map((problem) => problem.path)).to.include("invoice.totalBeforeTax");
      expect(problemsOf({ ...wire, tax: "1" }).map((problem) => problem.path)).to.include("invoice.tax");
      expect(problemsOf({ ...wire, total: "1" }).map((problem) => problem.path)).to.deep.equal(["invoice.total"]);
      expect(problemsOf({ ...wire, dueDate: 1_700_000_000 }).map((problem) => problem.path)).to.deep.equal(["invoice.dueDate"]);
    });

    it("refuses floats: a quantity or a price with a decimal point, a rate that is not whole basis points", function () {
      const wire = wireOf(vatInvoice());
      const lines = wire.lines as Array<Record<string, unknown>>;
      const problems = problemsOf({ ...wire, lines: [{ ...lines[0], quantity: "1.5", unitPrice: "19.99", taxRate: 13.5 }, lines[1]] });
      expect(problems.map((problem) => problem.path)).to.include.members([
        "invoice.lines.0.quantity",
        "invoice.lines.0.unitPrice",
        "invoice.lines.0.taxRate",
      ]);
    });

    it("refuses an old-format invoice (no credit codes, lines without amount and tax), naming the missing fields", function () {
      const old = {
        number: "OLD-1",
        seller: { memberId: 4, account: seller.address },
        buyer: { memberId: 3, account: buyer.address },
        issueDate: 1_790_000_000,
        currency: "CNY",
        lines: [{ description: "goods", quantity: "1", unitPrice: "100" }],
        tax: "0",
        total: "100",
        purchaseOrder: "PO-1",
        salt: randomSalt(),
      };
      const paths = problemsOf(old).map((problem) => problem.path);
      expect(paths).to.include.members(["invoice.seller.creditCode", "invoice.lines.0.tax", "invoice.totalBeforeTax", "invoice.dueDate"]);
    });
  });

  describe("trade pre-check against the registry", function () {
    it("refuses a credit code that is not the member's registered legal entity, and passes the registered one", function () {
      const invoice = vatInvoice();
      const waybill = {
        number: "WB-1",
        carrier: { memberId: 6, account: getAddress(carrier.address) },
        shipper: { memberId: 4, account: invoice.seller.account },
        consignee: { memberId: 3, account: invoice.buyer.account },
        goods: [{ description: "cover glass", quantity: 1_200n }],
        reference: invoice.number,
        salt: randomSalt(),
      };
      const step = { invoice, waybill, senderMemberId: 3, recipientMemberId: 4, amount: invoice.total, pieceCurrency: "CNY", invoiceUsedBy: 0n };
      expect(tradeMismatches({ ...step, sellerLeiHash: id("91330200MA2CWG003J"), buyerLeiHash: id("91320500MA1BRD0025") })).to.deep.equal([]);
      expect(tradeMismatches({ ...step, sellerLeiHash: id("91450100MA5GLD004Q"), buyerLeiHash: id("91320500MA1BRD0025") })).to.deep.equal([
        { code: "CREDIT_CODE_MISMATCH", party: "seller", memberId: 4, creditCode: "91330200MA2CWG003J" },
      ]);
    });
  });
});

describe("waybill events as the carrier enters them", function () {
  const waybill = {
    number: "XJH-WB-1",
    carrier: { memberId: 6, account: getAddress(carrier.address) },
    shipper: { memberId: 4, account: getAddress(seller.address) },
    consignee: { memberId: 3, account: getAddress(buyer.address) },
    goods: [{ description: "cover glass", quantity: 1_200n }],
    reference: "CWG-INV-2026-0001",
    salt: randomSalt(),
  };

  it("the delivered quantity is the count at the delivery, not the goods listed", async function () {
    const proof = await issueLogisticsProof(CHAIN_ID, waybill, { time: 1_790_000_000, place: "Ningbo dock 3", quantity: 1_200n }, carrier, {
      delivered: { time: 1_790_090_000, place: "Suzhou plant gate 2", quantity: 1_150n },
      consignee: buyer,
    });
    const parsed = parseDocument("logistics", logisticsProofToWire(proof), CHAIN_ID);
    if (!parsed.ok) expect.fail(JSON.stringify(parsed.problems));
    expect(deliveredQuantity(proof)).to.equal(1_150n);
  });

  it("refuses a delivery of more than was picked up, and a pick-up of more than the waybill lists", async function () {
    const proof = await issueLogisticsProof(CHAIN_ID, waybill, { time: 1_790_000_000, place: "Ningbo dock 3", quantity: 1_300n }, carrier, {
      delivered: { time: 1_790_090_000, place: "Suzhou plant gate 2", quantity: 1_400n },
      consignee: buyer,
    });
    const parsed = parseDocument("logistics", logisticsProofToWire(proof), CHAIN_ID);
    if (parsed.ok) expect.fail("inconsistent quantities parsed");
    expect(parsed.problems.map((problem) => problem.path)).to.have.members(["events.0.quantity", "events.1.quantity"]);
  });

  it("refuses an event without a quantity (the old format)", async function () {
    const proof = await issueLogisticsProof(CHAIN_ID, waybill, { time: 1_790_000_000, place: "Ningbo dock 3", quantity: 1_200n }, carrier);
    const wire = logisticsProofToWire(proof);
    const { quantity: _dropped, ...withoutQuantity } = wire.events[0];
    void _dropped;
    const parsed = parseDocument("logistics", { ...wire, events: [withoutQuantity] }, CHAIN_ID);
    if (parsed.ok) expect.fail("an event without a quantity parsed");
    expect(parsed.problems.map((problem) => problem.path)).to.deep.equal(["events.0.quantity"]);
  });
});
