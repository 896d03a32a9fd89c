import { z } from "zod";
import { TypedDataEncoder } from "ethers";
import { recoverAddress } from "../chain/signatures";
import type { Signer, TypedDataField } from "ethers";
import { documentsDomain, PARTY_FIELDS, typeTable } from "./domain";
import { normaliseInvoiceNumber } from "./fingerprint";
import { amount, party, quantity, referenceNumber, salt, signature, text, unixSeconds } from "./wire";

/**
 * The invoice proof: a structured e-invoice, signed by the seller and acknowledged by the buyer, both over its
 * EIP-712 digest. That digest, salted, is the invoice's document hash, the value the chain stores; the invoice's
 * fingerprint (src/proofs/fingerprint.ts) is what the chain keeps unique.
 */

const invoiceLine = z.strictObject({
  description: text(200),
  quantity,
  /** Minor units per unit. */
  unitPrice: amount,
});

/** The invoice's fields, as signed. Amounts are minor units of `currency`. */
export const invoiceSchema = z
  .strictObject({
    number: referenceNumber,
    seller: party,
    buyer: party,
    /** Unix seconds. */
    issueDate: unixSeconds,
    currency: z.string().regex(/^[A-Z]{3}$/u, "an ISO 4217 code such as CNY"),
    lines: z.array(invoiceLine).min(1, "an invoice has at least one line").max(100, "at most 100 lines"),
    tax: amount,
    total: amount,
    purchaseOrder: referenceNumber,
    salt,
  })
  .superRefine((invoice, context) => {
    // Zod runs this check even when a field inside failed (a quantity of "-1" is still a string here, a missing
    // party undefined): check only what parsed, and leave a wrong field to its own message.
    const lines: unknown = invoice.lines;
    const amounts = Array.isArray(lines) ? [invoice.tax, invoice.total, ...invoice.lines.flatMap((line) => [line?.quantity, line?.unitPrice])] : [];
    if (amounts.length > 0 && amounts.every((value) => typeof value === "bigint")) {
      const linesTotal = invoice.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0n);
      if (linesTotal + invoice.tax !== invoice.total) {
        context.addIssue({
          code: "custom",
          path: ["total"],
          message: `the total ${invoice.total} is not the lines (${linesTotal}) plus tax (${invoice.tax})`,
        });
      }
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
export type InvoiceProof = z.output<typeof invoiceProofSchema>;
/** What an invoice looks like in JSON, before parsing (amounts as strings). */
export type InvoiceWire = z.input<typeof invoiceSchema>;
export type InvoiceProofWire = z.input<typeof invoiceProofSchema>;

/** The EIP-712 types of an invoice; `Invoice` is the primary type. */
export const INVOICE_TYPES: Readonly<Record<string, readonly TypedDataField[]>> = {
  Invoice: [
    { name: "number", type: "string" },
    { name: "seller", type: "Party" },
    { name: "buyer", type: "Party" },
    { name: "issueDate", type: "uint64" },
    { name: "currency", type: "string" },
    { name: "lines", type: "InvoiceLine[]" },
    { name: "tax", type: "uint256" },
    { name: "total", type: "uint256" },
    { name: "purchaseOrder", type: "string" },
    { name: "salt", type: "bytes32" },
  ],
  InvoiceLine: [
    { name: "description", type: "string" },
    { name: "quantity", type: "uint256" },
    { name: "unitPrice", type: "uint256" },
  ],
  Party: PARTY_FIELDS,
};

function invoiceValue(invoice: Invoice): Record<string, unknown> {
  return {
    ...invoice,
    issueDate: BigInt(invoice.issueDate),
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
    lines: invoice.lines.map((line) => ({ description: line.description, quantity: line.quantity.toString(), unitPrice: line.unitPrice.toString() })),
    tax: invoice.tax.toString(),
    total: invoice.total.toString(),
  };
}

export function invoiceProofToWire(proof: InvoiceProof): InvoiceProofWire {
  return { invoice: invoiceToWire(proof.invoice), sellerSignature: proof.sellerSignature, buyerSignature: proof.buyerSignature };
}
