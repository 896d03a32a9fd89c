import type { Signer } from "ethers";
import { invoiceHash, invoiceLineOf, invoiceTotalsOf, signInvoice } from "../proofs/invoice";
import type { Invoice, InvoiceParty, InvoiceProof } from "../proofs/invoice";
import { logisticsHash, signLogisticsEvent } from "../proofs/logistics";
import type { LogisticsEventContent, LogisticsProof, Waybill } from "../proofs/logistics";
import { issueInvoiceConsent, randomSalt } from "../proofs/issue";
import type { Party } from "../proofs/wire";

/**
 * The documents of one trade as the parties make them: the seller issues and signs the invoice, the carrier signs
 * the waybill's pick-up and delivery, and the buyer acknowledges both (the invoice as buyer, the delivery as
 * consignee). `npm start` seeds its receivables with such trades; the browser tests hand the seller's and carrier's
 * half to the dApp, where the buyer acknowledges in its wallet.
 */

type TypedSigner = Pick<Signer, "signTypedData">;

export interface TradeTerms {
  number: string;
  seller: InvoiceParty;
  buyer: InvoiceParty;
  carrier: Party;
  /**
   * The invoice's amount before tax, in fen: one line of `quantity` at amount / quantity (when it divides; else one
   * lot at `amount`), with VAT at 13% on top, so the invoice total (amount × 1.13) covers a piece of `amount`.
   */
  amount: bigint;
  goods: string;
  quantity: bigint;
  /** The goods' unit (default "件", pieces). */
  unit?: string;
  /** Unix seconds of the chain: pick-up three days before, delivery one day before. */
  now: bigint;
}

const DAY = 86_400n;

/** Standard VAT on goods: 13%. */
const VAT_ON_GOODS_BPS = 1300;

export function invoiceOf(terms: TradeTerms): Invoice {
  const divides = terms.amount % terms.quantity === 0n;
  const line = invoiceLineOf({
    item: terms.goods,
    quantity: divides ? terms.quantity : 1n,
    unit: divides ? (terms.unit ?? "件") : "批",
    unitPrice: divides ? terms.amount / terms.quantity : terms.amount,
    taxRate: VAT_ON_GOODS_BPS,
  });
  return {
    number: terms.number,
    issueDate: Number(terms.now - 2n * DAY),
    seller: terms.seller,
    buyer: terms.buyer,
    currency: "CNY",
    lines: [line],
    ...invoiceTotalsOf([line]),
    purchaseOrder: `PO-${terms.number}`,
    dueDate: Number(terms.now + 60n * DAY),
    salt: randomSalt(),
  };
}

export function waybillOf(terms: TradeTerms): Waybill {
  return {
    number: `WB-${terms.number}`,
    carrier: terms.carrier,
    shipper: { memberId: terms.seller.memberId, account: terms.seller.account },
    consignee: { memberId: terms.buyer.memberId, account: terms.buyer.account },
    goods: [{ description: terms.goods, quantity: terms.quantity }],
    reference: terms.number,
    salt: randomSalt(),
  };
}

/** The events as the carrier entered them: collected at the seller's, handed over whole at the buyer's. */
export function pickUpOf(terms: TradeTerms): LogisticsEventContent {
  return { kind: "pickedUp", time: Number(terms.now - 3n * DAY), place: `${terms.seller.name} 发货仓`, quantity: terms.quantity };
}

export function deliveryOf(terms: TradeTerms): LogisticsEventContent {
  return { kind: "delivered", time: Number(terms.now - DAY), place: `${terms.buyer.name} 收货处`, quantity: terms.quantity };
}

/** The seller's half of the invoice: signed by the seller, not yet acknowledged by the buyer, with the seller's consent
 * that the buyer registers it on chain. */
export interface SellerInvoice {
  invoice: Invoice;
  sellerSignature: string;
  sellerConsent: string;
}

/** The carrier's half of the logistics proof: both events signed by the carrier, the delivery not yet acknowledged. */
export interface CarrierWaybill {
  waybill: Waybill;
  events: Array<LogisticsEventContent & { carrierSignature: string }>;
}

export async function sellerIssues(chainId: bigint, terms: TradeTerms, seller: TypedSigner, tokenAddress: string): Promise<SellerInvoice> {
  const invoice = invoiceOf(terms);
  return {
    invoice,
    sellerSignature: await signInvoice(seller, chainId, invoice),
    sellerConsent: await issueInvoiceConsent(chainId, tokenAddress, invoice, seller),
  };
}

export async function carrierSigns(chainId: bigint, terms: TradeTerms, carrier: TypedSigner): Promise<CarrierWaybill> {
  const waybill = waybillOf(terms);
  const events = [];
  for (const event of [pickUpOf(terms), deliveryOf(terms)]) {
    events.push({ ...event, carrierSignature: await signLogisticsEvent(carrier, chainId, waybill, event) });
  }
  return { waybill, events };
}

/** The buyer's acknowledgments complete both documents. */
export async function buyerAcknowledges(
  chainId: bigint,
  invoice: SellerInvoice,
  logistics: CarrierWaybill,
  buyer: TypedSigner,
): Promise<{ invoice: InvoiceProof; logistics: LogisticsProof; invoiceHash: string; logisticsHash: string }> {
  const invoiceProof: InvoiceProof = {
    invoice: invoice.invoice,
    sellerSignature: invoice.sellerSignature,
    buyerSignature: await signInvoice(buyer, chainId, invoice.invoice),
  };
  const events: LogisticsProof["events"] = [];
  for (const event of logistics.events) {
    if (event.kind === "delivered") events.push({ ...event, consigneeSignature: await signLogisticsEvent(buyer, chainId, logistics.waybill, event) });
    else events.push(event);
  }
  const logisticsProof: LogisticsProof = { waybill: logistics.waybill, events };
  return {
    invoice: invoiceProof,
    logistics: logisticsProof,
    invoiceHash: invoiceHash(chainId, invoiceProof.invoice),
    logisticsHash: logisticsHash(chainId, logisticsProof),
  };
}
