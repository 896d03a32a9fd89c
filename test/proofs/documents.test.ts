import { expect } from "chai";
import { AbiCoder, Wallet, getAddress, id, keccak256, concat, toUtf8Bytes } from "ethers";
import { documentSignatures, parseDocument, signatureProblems } from "../../src/proofs/documents";
import { invoiceFingerprint } from "../../src/proofs/fingerprint";
import { invoiceHash, invoiceProofToWire } from "../../src/proofs/invoice";
import type { Invoice } from "../../src/proofs/invoice";
import { issueInvoiceProof, issueLogisticsProof, randomSalt } from "../../src/proofs/issue";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import type { Waybill } from "../../src/proofs/logistics";

const CHAIN_ID = 31337n;
const seller = Wallet.createRandom();
const buyer = Wallet.createRandom();
const carrier = Wallet.createRandom();

function sampleInvoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    number: "GSS-INV-0093",
    issueDate: 1_790_000_000,
    seller: { memberId: 4, account: getAddress(seller.address), name: "金沙硅材 Golden Sands Silica", creditCode: "91450100MA5GLD004Q" },
    buyer: { memberId: 3, account: getAddress(buyer.address), name: "清水玻璃 Clearwater Glass", creditCode: "91330200MA2CWG003J" },
    currency: "CNY",
    lines: [
      // 300 t × 300.00 = 90,000.00, VAT 13% = 11,700.00; freight 10,000.00 at 9% = 900.00.
      { item: "silica sand", quantity: 300n, unit: "t", unitPrice: 30_000n, amount: 9_000_000n, taxRate: 1300, tax: 1_170_000n },
      { item: "freight surcharge", quantity: 1n, unit: "次", unitPrice: 1_000_000n, amount: 1_000_000n, taxRate: 900, tax: 90_000n },
    ],
    totalBeforeTax: 10_000_000n,
    tax: 1_260_000n,
    total: 11_260_000n,
    purchaseOrder: "CWG-PO-7781",
    dueDate: 1_795_000_000,
    salt: "0x" + "11".repeat(32),
    ...overrides,
  };
}

function sampleWaybill(): Waybill {
  return {
    number: "SWF-WB-10003",
    carrier: { memberId: 6, account: getAddress(carrier.address) },
    shipper: { memberId: 4, account: getAddress(seller.address) },
    consignee: { memberId: 3, account: getAddress(buyer.address) },
    goods: [{ description: "silica sand, tonnes", quantity: 300n }],
    reference: "GSS-INV-0093",
    salt: randomSalt(),
  };
}

/** EIP-712 by hand (independent of ethers' TypedDataEncoder): the digest the invoice hash must equal. */
function invoiceDigestByHand(invoice: Invoice): string {
  const coder = AbiCoder.defaultAbiCoder();
  const typeHash = (text: string): string => keccak256(toUtf8Bytes(text));
  const partyType = "InvoiceParty(uint32 memberId,address account,string name,string creditCode)";
  const lineType = "InvoiceLine(string item,uint256 quantity,string unit,uint256 unitPrice,uint256 amount,uint16 taxRate,uint256 tax)";
  const invoiceType =
    "Invoice(string number,uint64 issueDate,InvoiceParty seller,InvoiceParty buyer,string currency,InvoiceLine[] lines,uint256 totalBeforeTax,uint256 tax,uint256 total,string purchaseOrder,uint64 dueDate,bytes32 salt)" +
    lineType +
    partyType;
  const party = (p: Invoice["seller"]): string =>
    keccak256(
      coder.encode(
        ["bytes32", "uint32", "address", "bytes32", "bytes32"],
        [typeHash(partyType), p.memberId, p.account, id(p.name), id(p.creditCode)],
      ),
    );
  const lines = keccak256(
    concat(
      invoice.lines.map((line) =>
        keccak256(
          coder.encode(
            ["bytes32", "bytes32", "uint256", "bytes32", "uint256", "uint256", "uint16", "uint256"],
            [typeHash(lineType), id(line.item), line.quantity, id(line.unit), line.unitPrice, line.amount, line.taxRate, line.tax],
          ),
        ),
      ),
    ),
  );
  const structHash = keccak256(
    coder.encode(
      ["bytes32", "bytes32", "uint64", "bytes32", "bytes32", "bytes32", "bytes32", "uint256", "uint256", "uint256", "bytes32", "uint64", "bytes32"],
      [
        typeHash(invoiceType),
        id(invoice.number),
        invoice.issueDate,
        party(invoice.seller),
        party(invoice.buyer),
        id(invoice.currency),
        lines,
        invoice.totalBeforeTax,
        invoice.tax,
        invoice.total,
        id(invoice.purchaseOrder),
        invoice.dueDate,
        invoice.salt,
      ],
    ),
  );
  const domainType = "EIP712Domain(string name,string version,uint256 chainId)";
  const domainSeparator = keccak256(
    coder.encode(["bytes32", "bytes32", "bytes32", "uint256"], [typeHash(domainType), id("Chainbill Documents"), id("1"), CHAIN_ID]),
  );
  return keccak256(concat(["0x1901", domainSeparator, structHash]));
}

describe("proof documents", function () {
  describe("invoice", function () {
    it("hash_isTheSaltedEip712DigestOfTheInvoice", function () {
      const invoice = sampleInvoice();
      expect(invoiceHash(CHAIN_ID, invoice)).to.equal(invoiceDigestByHand(invoice));
    });

    it("hash_changesWithTheSaltWhileTheFingerprintStaysTheInvoices", function () {
      const first = sampleInvoice();
      const resubmitted = sampleInvoice({ salt: randomSalt(), number: " gss-inv-0093 " });
      expect(invoiceHash(CHAIN_ID, resubmitted)).to.not.equal(invoiceHash(CHAIN_ID, first));
      const lei = id("91450100MA5GLD004Q");
      expect(invoiceFingerprint(lei, resubmitted.number)).to.equal(invoiceFingerprint(lei, first.number));
    });

    it("parse_roundTripsTheWireForm_andSignaturesRecoverToTheParties", async function () {
      const proof = await issueInvoiceProof(CHAIN_ID, sampleInvoice(), seller, buyer);
      const wire = JSON.parse(JSON.stringify(invoiceProofToWire(proof))) as unknown;
      const parsed = parseDocument("invoice", wire, CHAIN_ID);
      if (!parsed.ok) expect.fail(JSON.stringify(parsed.problems));
      expect(parsed.document.hash).to.equal(invoiceHash(CHAIN_ID, proof.invoice));
      expect(signatureProblems(parsed.document, CHAIN_ID)).to.deep.equal([]);
      expect(documentSignatures(parsed.document, CHAIN_ID).map((entry) => entry.recovered)).to.deep.equal([
        getAddress(seller.address),
        getAddress(buyer.address),
      ]);
    });

    it("parse_namesEveryWrongField", function () {
      const wire = invoiceProofToWire({
        invoice: sampleInvoice(),
        sellerSignature: "0x" + "00".repeat(65),
        buyerSignature: "0x" + "00".repeat(65),
      }) as Record<string, unknown>;
      const invoice = { ...(wire.invoice as Record<string, unknown>) };
      invoice.total = 10_000_000; // a JSON number, not a decimal string
      invoice.salt = "0x" + "00".repeat(32);
      invoice.colour = "blue";
      const parsed = parseDocument("invoice", { ...wire, invoice }, CHAIN_ID);
      if (parsed.ok) expect.fail("a wrong invoice parsed");
      const paths = parsed.problems.map((problem) => problem.path);
      expect(paths).to.include.members(["invoice.total", "invoice.salt", "invoice"]);
      expect(parsed.problems.find((problem) => problem.path === "invoice")?.message).to.match(/colour/);
    });

    it("parse_refusesATotalThatIsNotLinesPlusTax", function () {
      const wire = invoiceProofToWire({
        invoice: sampleInvoice({ total: 9_999_999n }),
        sellerSignature: "0x" + "00".repeat(65),
        buyerSignature: "0x" + "00".repeat(65),
      });
      const parsed = parseDocument("invoice", wire, CHAIN_ID);
      if (parsed.ok) expect.fail("a wrong total parsed");
      expect(parsed.problems).to.deep.include({
        path: "invoice.total",
        message: "the total 9999999 is not the total before tax (10000000) plus tax (1260000)",
      });
    });

    it("signatureProblems_namesAForgedSignatureAndOneForAnotherChain", async function () {
      const invoice = sampleInvoice();
      const forged = await issueInvoiceProof(CHAIN_ID, invoice, Wallet.createRandom(), buyer);
      const otherChain = await issueInvoiceProof(1n, invoice, seller, buyer);
      for (const [proof, expectedPaths] of [
        [forged, ["sellerSignature"]],
        [otherChain, ["sellerSignature", "buyerSignature"]],
      ] as const) {
        const parsed = parseDocument("invoice", invoiceProofToWire(proof), CHAIN_ID);
        if (!parsed.ok) expect.fail(JSON.stringify(parsed.problems));
        expect(signatureProblems(parsed.document, CHAIN_ID).map((problem) => problem.path)).to.deep.equal(expectedPaths);
      }
    });
  });

  describe("logistics", function () {
    it("hash_coversTheEvents_soADeliveryCannotBeChangedAfterwards", async function () {
      const waybill = sampleWaybill();
      const delivered = await issueLogisticsProof(CHAIN_ID, waybill, { time: 1_790_000_000, place: "Beihai quarry", quantity: 300n }, carrier, {
        delivered: { time: 1_790_100_000, place: "Qingyuan plant", quantity: 300n },
        consignee: buyer,
      });
      const first = parseDocument("logistics", logisticsProofToWire(delivered), CHAIN_ID);
      const moved = { ...delivered, events: [delivered.events[0], { ...delivered.events[1], time: 1_790_000_500 }] };
      const second = parseDocument("logistics", logisticsProofToWire(moved), CHAIN_ID);
      if (!first.ok || !second.ok) expect.fail("a valid waybill did not parse");
      expect(second.document.hash).to.not.equal(first.document.hash);
      expect(signatureProblems(first.document, CHAIN_ID)).to.deep.equal([]);
      // The changed delivery time no longer matches what the carrier and consignee signed.
      expect(signatureProblems(second.document, CHAIN_ID).map((problem) => problem.path)).to.deep.equal([
        "events.1.carrierSignature",
        "events.1.consigneeSignature",
      ]);
    });

    it("parse_refusesADeliveryWithoutTheConsigneesAcknowledgment_andEventsOutOfOrder", async function () {
      const waybill = sampleWaybill();
      const proof = await issueLogisticsProof(CHAIN_ID, waybill, { time: 1_790_000_000, place: "Beihai quarry", quantity: 300n }, carrier, {
        delivered: { time: 1_789_000_000, place: "Qingyuan plant", quantity: 300n },
        consignee: buyer,
      });
      const wire = logisticsProofToWire(proof);
      const { consigneeSignature: _dropped, ...unacknowledged } = wire.events[1];
      void _dropped;
      const parsed = parseDocument("logistics", { ...wire, events: [wire.events[0], unacknowledged] }, CHAIN_ID);
      if (parsed.ok) expect.fail("an unacknowledged, out-of-order delivery parsed");
      expect(parsed.problems.map((problem) => problem.path)).to.have.members(["events.1.time", "events.1.consigneeSignature"]);
    });
  });
});
