import { legalEntityHash } from "../chain/membership";
import { normaliseInvoiceNumber } from "./fingerprint";
import type { Invoice } from "./invoice";
import type { Waybill } from "./logistics";

/**
 * What a transfer with proof must agree with in its own documents, checked before anything irreversible is sent:
 * the invoice's seller is the recipient and its buyer the sender, its total in its currency covers the amount, the
 * waybill ships from the seller to the buyer by a carrier that is neither, for this invoice or its order, the
 * invoice has not backed anything on chain yet, and the credit codes it names are its parties' registered ones. These are the rules the verifier applies to the step later; a
 * transfer that breaks one can never be financed, so the dApp (and any client, through the API) refuses it first.
 */

export type TradeMismatch =
  | { code: "SELLER_NOT_RECIPIENT"; sellerMemberId: number; recipientMemberId: number | null }
  | { code: "BUYER_NOT_SENDER"; buyerMemberId: number; senderMemberId: number }
  | { code: "TOTAL_BELOW_AMOUNT"; total: bigint; amount: bigint }
  | { code: "CURRENCY_MISMATCH"; invoiceCurrency: string; pieceCurrency: string }
  | { code: "SHIPPER_NOT_SELLER"; shipperMemberId: number; sellerMemberId: number }
  | { code: "CONSIGNEE_NOT_BUYER"; consigneeMemberId: number; buyerMemberId: number }
  | { code: "CARRIER_NOT_INDEPENDENT"; carrierMemberId: number }
  | { code: "WAYBILL_FOR_OTHER_INVOICE"; reference: string; invoiceNumber: string; purchaseOrder: string }
  | { code: "INVOICE_ALREADY_USED"; usedByTokenId: bigint }
  | { code: "CREDIT_CODE_MISMATCH"; party: "seller" | "buyer"; memberId: number; creditCode: string };

export interface TradeStep {
  invoice: Invoice;
  waybill: Waybill;
  /** Member ids of the one who sends the piece and the one who receives it (null: the recipient is no member). */
  senderMemberId: number;
  recipientMemberId: number | null;
  amount: bigint;
  /** The piece's currency, as the receivable records it ("CNY"). */
  pieceCurrency: string;
  /** The piece the chain says this invoice already backs (0 when none). */
  invoiceUsedBy: bigint;
  /**
   * The legal-entity hashes the registry holds for the invoice's seller and buyer (keccak256 of the credit code),
   * when the caller knows them: the credit code the invoice names must be the member's own.
   */
  sellerLeiHash?: string;
  buyerLeiHash?: string;
}

function sameReference(a: string, b: string): boolean {
  try {
    return normaliseInvoiceNumber(a) === normaliseInvoiceNumber(b);
  } catch {
    return false;
  }
}

export function tradeMismatches(step: TradeStep): TradeMismatch[] {
  const { invoice, waybill } = step;
  const found: TradeMismatch[] = [];
  const sellerId = invoice.seller.memberId;
  const buyerId = invoice.buyer.memberId;
  if (step.recipientMemberId !== sellerId)
    found.push({ code: "SELLER_NOT_RECIPIENT", sellerMemberId: sellerId, recipientMemberId: step.recipientMemberId });
  if (buyerId !== step.senderMemberId) found.push({ code: "BUYER_NOT_SENDER", buyerMemberId: buyerId, senderMemberId: step.senderMemberId });
  if (invoice.total < step.amount) found.push({ code: "TOTAL_BELOW_AMOUNT", total: invoice.total, amount: step.amount });
  if (invoice.currency !== step.pieceCurrency)
    found.push({ code: "CURRENCY_MISMATCH", invoiceCurrency: invoice.currency, pieceCurrency: step.pieceCurrency });
  if (waybill.shipper.memberId !== sellerId)
    found.push({ code: "SHIPPER_NOT_SELLER", shipperMemberId: waybill.shipper.memberId, sellerMemberId: sellerId });
  if (waybill.consignee.memberId !== buyerId)
    found.push({ code: "CONSIGNEE_NOT_BUYER", consigneeMemberId: waybill.consignee.memberId, buyerMemberId: buyerId });
  const carrierId = waybill.carrier.memberId;
  if (carrierId === sellerId || carrierId === buyerId) found.push({ code: "CARRIER_NOT_INDEPENDENT", carrierMemberId: carrierId });
  if (!sameReference(waybill.reference, invoice.number) && !sameReference(waybill.reference, invoice.purchaseOrder)) {
    found.push({
      code: "WAYBILL_FOR_OTHER_INVOICE",
      reference: waybill.reference,
      invoiceNumber: invoice.number,
      purchaseOrder: invoice.purchaseOrder,
    });
  }
  if (step.invoiceUsedBy !== 0n) found.push({ code: "INVOICE_ALREADY_USED", usedByTokenId: step.invoiceUsedBy });
  for (const [role, named, registered] of [
    ["seller", invoice.seller, step.sellerLeiHash],
    ["buyer", invoice.buyer, step.buyerLeiHash],
  ] as const) {
    if (registered !== undefined && registered.toLowerCase() !== legalEntityHash(named.creditCode).toLowerCase()) {
      found.push({ code: "CREDIT_CODE_MISMATCH", party: role, memberId: named.memberId, creditCode: named.creditCode });
    }
  }
  return found;
}
