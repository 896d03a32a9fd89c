import { z } from "zod";
import { TypedDataEncoder } from "ethers";
import { recoverAddress } from "../chain/signatures";
import type { Signer, TypedDataField } from "ethers";
import { documentsDomain, PARTY_FIELDS, typeTable } from "./domain";
import { normaliseInvoiceNumber } from "./fingerprint";
import { creditCodeProblem } from "./creditCode";
import { formatRate, lineFigures, totalsOf } from "./vat";
import { amount, party, quantity, referenceNumber, salt, signature, text, unixSeconds } from "./wire";

/**
 * The invoice proof: a structured e-invoice, signed by the seller and acknowledged by the buyer, both over its
 * EIP-712 digest. That digest, salted, is the invoice's document hash, the value the chain stores; the invoice's
 * fingerprint (src/proofs/fingerprint.ts) is what the chain keeps unique.
 */

/** A unified social credit code, checked by its GB 32100-2015 check character (src/proofs/creditCode.ts). */
export const creditCode = z.string().superRefine((code, context) => {
  const problem = creditCodeProblem(code);
  if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
});

/** A party of an invoice: the member and the address acting for it, as the invoice names it (name, credit code). */
export const invoiceParty = z.strictObject({
  memberId: party.shape.memberId,
  account: party.shape.account,
  /** The name as printed on the invoice (名称). */
  name: text(100),
  /** 统一社会信用代码 / 纳税人识别号. */
  creditCode,
});

/** A tax rate in basis points (1300 = 13%). */
export const taxRate = z.number().int("a tax rate is whole basis points, 1300 for 13%").min(0).max(10_000, "at most 10000 basis points (100%)");

const invoiceLine = z.strictObject({
  /** 项目名称: goods or service. */
  item: text(200),
  /** Whole units of `unit`. */
  quantity,
  /** 单位: "件", "kg", "m²". */
  unit: text(16),
  /** Minor units per unit. */
  unitPrice: amount,
  /** 金额: quantity × unit price, minor units, without tax. */
  amount,
  /** 税率, basis points. */
  taxRate,
  /** 税额: amount × rate, rounded half up to the minor unit. */
  tax: amount,
});

/** The invoice's fields, as signed: a VAT e-invoice (增值税电子发票). Amounts are minor units of `currency`. */
export const invoiceSchema = z
  .strictObject({
    number: referenceNumber,
    /** Unix seconds. */
    issueDate: unixSeconds,
    seller: invoiceParty,
    buyer: invoiceParty,
    currency: z.string().regex(/^[A-Z]{3}$/u, "an ISO 4217 code such as CNY"),
    lines: z.array(invoiceLine).min(1, "an invoice has at least one line").max(100, "at most 100 lines"),
    /** 合计金额: the lines' amounts. */
    totalBeforeTax: amount,
    /** 合计税额: the lines' tax. */
    tax: amount,
    /** 价税合计: with tax. */
    total: amount,
    purchaseOrder: referenceNumber,
    /** Payment due, unix seconds; not before the issue date. */
    dueDate: unixSeconds,
    salt,
  })
  .superRefine((invoice, context) => {
    // Zod runs this check even when a field inside failed (a quantity of "-1" is still a string here, a missing
    // party undefined): check only what parsed, and leave a wrong field to its own message.
    const lines: unknown = invoice.lines;
    const linesParsed =
      Array.isArray(lines) &&
      invoice.lines.every(
        (line) =>
          typeof line === "object" &&
          line !== null &&
          [line.quantity, line.unitPrice, line.amount, line.tax].every((value) => typeof value === "bigint") &&
          typeof line.taxRate === "number",
      );
    if (linesParsed) {
      invoice.lines.forEach((line, index) => {
        const figures = lineFigures(line);
        if (line.amount !== figures.amount) {
          context.addIssue({
            code: "custom",
            path: ["lines", index, "amount"],
            message: `the amount ${line.amount} is not quantity ${line.quantity} × unit price ${line.unitPrice} = ${figures.amount}`,
          });
        } else if (line.tax !== figures.tax) {
          context.addIssue({
            code: "custom",
            path: ["lines", index, "tax"],
            message: `the tax ${line.tax} is not ${line.amount} × ${formatRate(line.taxRate)} rounded half up to the minor unit = ${figures.tax}`,
          });
        }
      });
      const totals = totalsOf(invoice.lines);
      if (typeof invoice.totalBeforeTax === "bigint" && invoice.totalBeforeTax !== totals.totalBeforeTax) {
        context.addIssue({
          code: "custom",
          path: ["totalBeforeTax"],
          message: `the total before tax ${invoice.totalBeforeTax} is not the sum of the lines' amounts ${totals.totalBeforeTax}`,
        });
      }
      if (typeof invoice.tax === "bigint" && invoice.tax !== totals.tax) {
        context.addIssue({ code: "custom", path: ["tax"], message: `the tax ${invoice.tax} is not the sum of the lines' tax ${totals.tax}` });
      }
    }
    if (typeof invoice.totalBeforeTax === "bigint" && typeof invoice.tax === "bigint" && typeof invoice.total === "bigint") {
      if (invoice.total !== invoice.totalBeforeTax + invoice.tax) {
        context.addIssue({
          code: "custom",
          path: ["total"],
          message: `the total ${invoice.total} is not the total before tax (${invoice.totalBeforeTax}) plus tax (${invoice.tax})`,
        });
      }
    }
    if (typeof invoice.issueDate === "number" && typeof invoice.dueDate === "number" && invoice.dueDate < invoice.issueDate) {
      context.addIssue({ code: "custom", path: ["dueDate"], message: "payment is due before the invoice was issued" });
    }
    const seller: unknown = invoice.seller?.memberId;
    if (typeof seller === "number" && seller === invoice.buyer?.memberId) {
      context.addIssue({ code: "custom", path: ["buyer"], message: "seller and buyer are the same member" });
    }
  });

/** The invoice proof document: the invoice and both parties' signatures of its digest. */
export const invoiceProofSchema = z.strictObject({
  invoice: invoiceSchema,
  sellerSignature: signature,
  buyerSignature: signature,
});

export type Invoice = z.output<typeof invoiceSchema>;
export type InvoiceParty = z.output<typeof invoiceParty>;
export type InvoiceLine = z.output<typeof invoiceLine>;

/** A line with its amount and tax computed from quantity, unit price and rate (src/proofs/vat.ts rounding). */
export function invoiceLineOf(line: Omit<InvoiceLine, "amount" | "tax">): InvoiceLine {
  return { ...line, ...lineFigures(line) };
}

/** The invoice's three totals from its lines. */
export function invoiceTotalsOf(lines: readonly InvoiceLine[]): Pick<Invoice, "totalBeforeTax" | "tax" | "total"> {
  return totalsOf(lines);
}
export type InvoiceProof = z.output<typeof invoiceProofSchema>;
/** What an invoice looks like in JSON, before parsing (amounts as strings). */
export type InvoiceWire = z.input<typeof invoiceSchema>;
export type InvoiceProofWire = z.input<typeof invoiceProofSchema>;

/** The EIP-712 types of an invoice; `Invoice` is the primary type. */
export const INVOICE_TYPES: Readonly<Record<string, readonly TypedDataField[]>> = {
  Invoice: [
    { name: "number", type: "string" },
    { name: "issueDate", type: "uint64" },
    { name: "seller", type: "InvoiceParty" },
    { name: "buyer", type: "InvoiceParty" },
    { name: "currency", type: "string" },
    { name: "lines", type: "InvoiceLine[]" },
    { name: "totalBeforeTax", type: "uint256" },
    { name: "tax", type: "uint256" },
    { name: "total", type: "uint256" },
    { name: "purchaseOrder", type: "string" },
    { name: "dueDate", type: "uint64" },
    { name: "salt", type: "bytes32" },
  ],
  InvoiceLine: [
    { name: "item", type: "string" },
    { name: "quantity", type: "uint256" },
    { name: "unit", type: "string" },
    { name: "unitPrice", type: "uint256" },
    { name: "amount", type: "uint256" },
    { name: "taxRate", type: "uint16" },
    { name: "tax", type: "uint256" },
  ],
  InvoiceParty: [...PARTY_FIELDS, { name: "name", type: "string" }, { name: "creditCode", type: "string" }],
};

function invoiceValue(invoice: Invoice): Record<string, unknown> {
  return {
    ...invoice,
    issueDate: BigInt(invoice.issueDate),
    dueDate: BigInt(invoice.dueDate),
    seller: { ...invoice.seller },
    buyer: { ...invoice.buyer },
    lines: invoice.lines.map((line) => ({ ...line })),
  };
}

/** The invoice's document hash: its salted EIP-712 digest on chain `chainId`, what the chain records. */
export function invoiceHash(chainId: bigint | number, invoice: Invoice): string {
  return TypedDataEncoder.hash(documentsDomain(chainId), typeTable(INVOICE_TYPES), invoiceValue(invoice));
}

/** A party's signature of the invoice (the seller's issue or the buyer's acknowledgment). */
export async function signInvoice(signer: Pick<Signer, "signTypedData">, chainId: bigint | number, invoice: Invoice): Promise<string> {
  return signer.signTypedData(documentsDomain(chainId), typeTable(INVOICE_TYPES), invoiceValue(invoice));
}

/** The address a signature of the invoice recovers to, or null when the signature is malformed. */
export function recoverInvoiceSigner(chainId: bigint | number, invoice: Invoice, invoiceSignature: string): string | null {
  try {
    return recoverAddress(invoiceHash(chainId, invoice), invoiceSignature);
  } catch {
    return null;
  }
}

/** The invoice number as the network compares it (see fingerprint.ts). */
export function invoiceNumberKey(invoice: Pick<Invoice, "number">): string {
  return normaliseInvoiceNumber(invoice.number);
}

/** The wire (JSON) form of a parsed invoice: amounts back to decimal strings. */
export function invoiceToWire(invoice: Invoice): InvoiceWire {
  return {
    ...invoice,
    seller: { ...invoice.seller },
    buyer: { ...invoice.buyer },
    lines: invoice.lines.map((line) => ({
      item: line.item,
      quantity: line.quantity.toString(),
      unit: line.unit,
      unitPrice: line.unitPrice.toString(),
      amount: line.amount.toString(),
      taxRate: line.taxRate,
      tax: line.tax.toString(),
    })),
    totalBeforeTax: invoice.totalBeforeTax.toString(),
    tax: invoice.tax.toString(),
    total: invoice.total.toString(),
  };
}

export function invoiceProofToWire(proof: InvoiceProof): InvoiceProofWire {
  return { invoice: invoiceToWire(proof.invoice), sellerSignature: proof.sellerSignature, buyerSignature: proof.buyerSignature };
}
