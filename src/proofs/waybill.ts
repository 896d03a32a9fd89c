import { AbiCoder, keccak256 } from "ethers";
import { normaliseInvoiceNumber } from "./fingerprint";
import type { Invoice } from "./invoice";
import type { Waybill } from "./logistics";

/**
 * A waybill as the network counts its uses (DESIGN I10: one waybill backs at most the goods it delivered). Like the
 * invoice fingerprint, its identity has no salt: keccak256 of the ABI encoding of the carrier's legal-entity-id hash
 * and the normalised waybill number, so the same waybill re-salted, re-spaced or re-cased is the same waybill.
 */
export function waybillIdentity(carrierLeiHash: string, waybillNumber: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "string"], [carrierLeiHash, normaliseInvoiceNumber(waybillNumber)]));
}

/** What the waybill delivered: the sum of its goods lines' quantities. */
export function deliveredQuantity(waybill: Pick<Waybill, "goods">): bigint {
  return waybill.goods.reduce((sum, line) => sum + line.quantity, 0n);
}

/** What an invoice claims was delivered: the sum of its lines' quantities. */
export function invoicedQuantity(invoice: Pick<Invoice, "lines">): bigint {
  return invoice.lines.reduce((sum, line) => sum + line.quantity, 0n);
}

/** Whether the waybill's reference names this invoice itself (rather than its purchase order). */
export function waybillNamesInvoice(waybill: Pick<Waybill, "reference">, invoice: Pick<Invoice, "number">): boolean {
  return normaliseInvoiceNumber(waybill.reference) === normaliseInvoiceNumber(invoice.number);
}

/** One binding of a waybill to an invoice on chain (a confirmation or a transfer with proof), in chain order. */
export interface WaybillClaim {
  /** The waybill's identity (`waybillIdentity`). */
  identity: string;
  delivered: bigint;
  /** Normalised reference of the waybill. */
  reference: string;
  /** Normalised number of the invoice bound to it. */
  invoiceNumber: string;
  invoiced: bigint;
}

/** Why a claim is refused: the goods are already claimed, or the waybill names another invoice. */
export type WaybillOveruse =
  | { kind: "quantity"; delivered: bigint; claimedBefore: bigint; invoiced: bigint }
  | { kind: "otherInvoice"; namedInvoice: string };

/**
 * Allocates each waybill's delivered quantity to the claims on it, earliest first (the array must be in chain
 * order). A claim that fits keeps its share; one that would exceed what was delivered, or whose invoice is not the
 * one the waybill names when it names an invoice, is refused and takes nothing, so later claims that fit still do.
 * A refused claim depends only on the claims before it: what comes later never changes an earlier verdict.
 */
export function allocateWaybillClaims(claims: readonly WaybillClaim[]): Array<WaybillOveruse | undefined> {
  const claimed = new Map<string, bigint>();
  const named = new Map<string, string>();
  return claims.map((claim) => {
    // A waybill whose reference is an invoice number lists that invoice: it backs it and nothing else.
    const namedInvoice = named.get(claim.identity) ?? (claim.reference === claim.invoiceNumber ? claim.invoiceNumber : undefined);
    if (namedInvoice !== undefined) named.set(claim.identity, namedInvoice);
    if (namedInvoice !== undefined && namedInvoice !== claim.invoiceNumber) return { kind: "otherInvoice", namedInvoice };
    const before = claimed.get(claim.identity) ?? 0n;
    if (before + claim.invoiced > claim.delivered) return { kind: "quantity", delivered: claim.delivered, claimedBefore: before, invoiced: claim.invoiced };
    claimed.set(claim.identity, before + claim.invoiced);
    return undefined;
  });
}
