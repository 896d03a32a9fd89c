import { hexlify, randomBytes } from "ethers";
import type { Signer } from "ethers";
import { invoiceHash, signInvoice } from "./invoice";
import type { Invoice, InvoiceProof } from "./invoice";
import { signInvoiceUse } from "./invoiceUse";
import { signLogisticsEvent } from "./logistics";
import type { LogisticsEventContent, LogisticsProof, Waybill } from "./logistics";

/**
 * Making signed documents: what a seller, buyer, carrier and consignee do with their keys (in the dApp through
 * the browser wallet; in tests and the demo with local keys).
 */

type TypedSigner = Pick<Signer, "signTypedData">;

/** 32 fresh random bytes for a document's salt. */
export function randomSalt(): string {
  return hexlify(randomBytes(32));
}

/** The seller signs the invoice and the buyer acknowledges it. */
export async function issueInvoiceProof(chainId: bigint | number, invoice: Invoice, seller: TypedSigner, buyer: TypedSigner): Promise<InvoiceProof> {
  const [sellerSignature, buyerSignature] = await Promise.all([signInvoice(seller, chainId, invoice), signInvoice(buyer, chainId, invoice)]);
  return { invoice, sellerSignature, buyerSignature };
}

/**
 * The seller's consent, signed with the invoice, that the invoice's buyer registers it on chain (confirming it or
 * paying it with a piece of the receivable token at `tokenAddress`).
 */
export async function issueInvoiceConsent(chainId: bigint | number, tokenAddress: string, invoice: Invoice, seller: TypedSigner): Promise<string> {
  return signInvoiceUse(seller, chainId, tokenAddress, {
    invoiceNumber: invoice.number,
    invoiceHash: invoiceHash(chainId, invoice),
    buyer: invoice.buyer.account,
  });
}

/**
 * The carrier signs the pick-up and, when given, the delivery; the consignee acknowledges the delivery.
 * `consignee` is required when `delivered` is given.
 */
export async function issueLogisticsProof(
  chainId: bigint | number,
  waybill: Waybill,
  pickedUp: Omit<LogisticsEventContent, "kind">,
  carrier: TypedSigner,
  delivery?: { delivered: Omit<LogisticsEventContent, "kind">; consignee: TypedSigner },
): Promise<LogisticsProof> {
  const pickUp: LogisticsEventContent = { kind: "pickedUp", ...pickedUp };
  const events: LogisticsProof["events"] = [{ ...pickUp, carrierSignature: await signLogisticsEvent(carrier, chainId, waybill, pickUp) }];
  if (delivery !== undefined) {
    const delivered: LogisticsEventContent = { kind: "delivered", ...delivery.delivered };
    events.push({
      ...delivered,
      carrierSignature: await signLogisticsEvent(carrier, chainId, waybill, delivered),
      consigneeSignature: await signLogisticsEvent(delivery.consignee, chainId, waybill, delivered),
    });
  }
  return { waybill, events };
}
