import { getAddress } from "ethers";
import { z } from "zod";
import { invoiceHash, invoiceSchema, invoiceToWire, recoverInvoiceSigner } from "./invoice";
import type { Invoice, InvoiceWire } from "./invoice";
import { recoverInvoiceUseSigner } from "./invoiceUse";
import { logisticsHash, recoverLogisticsEventSigner, waybillSchema } from "./logistics";
import type { Waybill, WaybillWire } from "./logistics";
import { quantity, signature, text, unixSeconds } from "./wire";
import type { FieldProblem } from "./wire";
import { LOGISTICS_EVENT_KINDS } from "./logistics";

/**
 * Documents as their issuer hands them on, before the other side has signed: the seller's invoice (signed by the
 * seller, with its consent that the buyer registers it on chain) and the carrier's waybill (its events signed by the
 * carrier, the delivery not yet acknowledged by the consignee). The same JSON whether it travels as a file or
 * through the document store's inbox; the recipient completes it with its own signatures. Their document hashes are
 * already fixed (signatures are not part of a hash), so a filed half is known by the hash the chain will record.
 */

/** A consent signature: EIP-2098 compact (64 bytes, as `signInvoiceUse` gives it) or 65 bytes. */
export const consentSignature = z
  .string()
  .regex(/^0x(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/u, "the seller's consent is 0x followed by 128 or 130 hex digits")
  .transform((value) => value.toLowerCase());

export const sellerInvoiceSchema = z.strictObject({
  invoice: invoiceSchema,
  sellerSignature: signature,
  sellerConsent: consentSignature,
});

const carrierEvent = z.strictObject({
  kind: z.enum(LOGISTICS_EVENT_KINDS),
  time: unixSeconds,
  place: text(120),
  quantity,
  carrierSignature: signature,
});

export const carrierWaybillSchema = z
  .strictObject({
    waybill: waybillSchema,
    events: z.array(carrierEvent).min(1, "a waybill has at least the pick-up event").max(2, "at most a pick-up and a delivery"),
  })
  .superRefine((half, context) => {
    // The waybill's own rules (order, times, quantities) as the completed proof will be checked; only what parsed.
    const events: unknown = half.events;
    if (!Array.isArray(events) || events.length === 0 || !events.every((event) => typeof event === "object" && event !== null)) return;
    const [first, second] = half.events;
    if (first.kind !== "pickedUp") context.addIssue({ code: "custom", path: ["events", 0, "kind"], message: "the first event is the pick-up" });
    const goods: unknown = half.waybill?.goods;
    if (Array.isArray(goods) && goods.every((line) => typeof (line as { quantity?: unknown } | null)?.quantity === "bigint")) {
      const listed = half.waybill.goods.reduce((sum, line) => sum + line.quantity, 0n);
      if (typeof first.quantity === "bigint" && first.quantity > listed) {
        context.addIssue({
          code: "custom",
          path: ["events", 0, "quantity"],
          message: `picked up ${first.quantity}, more than the ${listed} the waybill's goods list`,
        });
      }
    }
    if (second === undefined) return;
    if (second.kind !== "delivered") context.addIssue({ code: "custom", path: ["events", 1, "kind"], message: "the second event is the delivery" });
    if (second.time < first.time) context.addIssue({ code: "custom", path: ["events", 1, "time"], message: "delivered before it was picked up" });
    if (typeof first.quantity === "bigint" && typeof second.quantity === "bigint" && second.quantity > first.quantity) {
      context.addIssue({
        code: "custom",
        path: ["events", 1, "quantity"],
        message: `delivered ${second.quantity}, more than the ${first.quantity} picked up`,
      });
    }
  });

export type SellerInvoice = z.output<typeof sellerInvoiceSchema>;
export type CarrierWaybill = z.output<typeof carrierWaybillSchema>;

export interface SellerInvoiceWire {
  invoice: InvoiceWire;
  sellerSignature: string;
  sellerConsent: string;
}
export interface CarrierWaybillWire {
  waybill: WaybillWire;
  events: Array<{ kind: "pickedUp" | "delivered"; time: number; place: string; quantity: string; carrierSignature: string }>;
}

export function sellerInvoiceToWire(half: { invoice: Invoice; sellerSignature: string; sellerConsent: string }): SellerInvoiceWire {
  return { invoice: invoiceToWire(half.invoice), sellerSignature: half.sellerSignature, sellerConsent: half.sellerConsent };
}

export function carrierWaybillToWire(half: {
  waybill: Waybill;
  events: Array<{ kind: "pickedUp" | "delivered"; time: number; place: string; quantity: bigint; carrierSignature: string }>;
}): CarrierWaybillWire {
  return {
    waybill: { ...half.waybill, goods: half.waybill.goods.map((line) => ({ description: line.description, quantity: line.quantity.toString() })) },
    events: half.events.map((event) => ({ ...event, quantity: event.quantity.toString() })),
  };
}

/** The document hash the chain will record once the half is completed. */
export function sellerInvoiceHash(chainId: bigint | number, half: SellerInvoice): string {
  return invoiceHash(chainId, half.invoice);
}

export function carrierWaybillHash(chainId: bigint | number, half: CarrierWaybill): string {
  return logisticsHash(chainId, { waybill: half.waybill, events: half.events });
}

function sameAddress(a: string | null, b: string): boolean {
  return a !== null && getAddress(a) === getAddress(b);
}

/** The issuer's signatures that do not recover to the issuer (the consent under the token contract's domain). */
export function sellerInvoiceSignatureProblems(chainId: bigint | number, tokenAddress: string, half: SellerInvoice): FieldProblem[] {
  const { invoice } = half;
  const problems: FieldProblem[] = [];
  if (!sameAddress(recoverInvoiceSigner(chainId, invoice, half.sellerSignature), invoice.seller.account)) {
    problems.push({ path: "sellerSignature", message: `the seller's signature is not ${invoice.seller.account}'s for this invoice and network` });
  }
  const use = { invoiceNumber: invoice.number, invoiceHash: invoiceHash(chainId, invoice), buyer: invoice.buyer.account };
  if (!sameAddress(recoverInvoiceUseSigner(chainId, tokenAddress, use, half.sellerConsent), invoice.seller.account)) {
    problems.push({ path: "sellerConsent", message: `the consent is not ${invoice.seller.account}'s for this invoice, buyer and token contract` });
  }
  return problems;
}

export function carrierWaybillSignatureProblems(chainId: bigint | number, half: CarrierWaybill): FieldProblem[] {
  return half.events.flatMap((event, index) =>
    sameAddress(recoverLogisticsEventSigner(chainId, half.waybill, event, event.carrierSignature), half.waybill.carrier.account)
      ? []
      : [{ path: `events.${index}.carrierSignature`, message: `the carrier's signature is not ${half.waybill.carrier.account}'s for this event` }],
  );
}
