import { AbiCoder, getAddress, keccak256 } from "ethers";
import { documentSignatures } from "./documents";
import type { ParsedDocument } from "./documents";
import { normaliseInvoiceNumber } from "./fingerprint";
import type { Invoice } from "./invoice";
import type { LogisticsProof, Waybill } from "./logistics";

/**
 * A waybill as the network counts its uses (DESIGN I10: one waybill backs at most the goods it delivered). Like the
 * invoice fingerprint, its identity has no salt: keccak256 of the ABI encoding of the carrier's legal-entity-id hash
 * and the normalised waybill number, so the same waybill re-salted, re-spaced or re-cased is the same waybill.
 */
export function waybillIdentity(carrierLeiHash: string, waybillNumber: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "string"], [carrierLeiHash, normaliseInvoiceNumber(waybillNumber)]));
}

/** What the waybill delivered: the quantity the carrier counted at the delivery (0 before a delivery). */
export function deliveredQuantity(proof: Pick<LogisticsProof, "events">): bigint {
  return proof.events.find((event) => event.kind === "delivered")?.quantity ?? 0n;
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
  { kind: "quantity"; delivered: bigint; claimedBefore: bigint; invoiced: bigint } | { kind: "otherInvoice"; namedInvoice: string };

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
    if (before + claim.invoiced > claim.delivered)
      return { kind: "quantity", delivered: claim.delivered, claimedBefore: before, invoiced: claim.invoiced };
    claimed.set(claim.identity, before + claim.invoiced);
    return undefined;
  });
}

/** Who the registry says an address belonged to, and a member's legal-entity-id hash, as the caller knows them. */
export interface WaybillMembers {
  /** The member `account` belonged to when the documents were bound (0 for none). */
  memberIdOf(account: string): number;
  leiHashOf(memberId: number): string | undefined;
}

/**
 * The claim a step's two documents make on their waybill, or undefined when they make none. Only documents signed
 * by the parties they name, whose named addresses belong to the named members, and whose waybill ships from the
 * invoice's seller to its buyer for this invoice or its order, claim goods: anything else fails its own step's
 * checks and cannot take a genuine waybill's goods (nobody squats on another member's waybill).
 */
export function waybillClaimOf(
  invoice: ParsedDocument,
  logistics: ParsedDocument,
  chainId: bigint | number,
  members: WaybillMembers,
): WaybillClaim | undefined {
  if (invoice.kind !== "invoice" || logistics.kind !== "logistics") return undefined;
  for (const document of [invoice, logistics]) {
    for (const entry of documentSignatures(document, chainId)) {
      if (entry.recovered === null || getAddress(entry.recovered) !== getAddress(entry.party.account)) return undefined;
      if (members.memberIdOf(entry.party.account) !== entry.party.memberId) return undefined;
    }
  }
  const bill = invoice.proof.invoice;
  const { waybill } = logistics.proof;
  if (bill.seller.memberId !== waybill.shipper.memberId || bill.buyer.memberId !== waybill.consignee.memberId) return undefined;
  // Goods not yet delivered back nothing; the step fails for that (NOT_DELIVERED), not for taking others' goods.
  if (!logistics.proof.events.some((event) => event.kind === "delivered")) return undefined;
  const carrierLeiHash = members.leiHashOf(waybill.carrier.memberId);
  if (carrierLeiHash === undefined) return undefined;
  try {
    const reference = normaliseInvoiceNumber(waybill.reference);
    const invoiceNumber = normaliseInvoiceNumber(bill.number);
    if (reference !== invoiceNumber && reference !== normaliseInvoiceNumber(bill.purchaseOrder)) return undefined;
    return {
      identity: waybillIdentity(carrierLeiHash, waybill.number),
      delivered: deliveredQuantity(logistics.proof),
      reference,
      invoiceNumber,
      invoiced: invoicedQuantity(bill),
    };
  } catch {
    // A reference or number that is blank once white space is removed names nothing.
    return undefined;
  }
}

/** A refusal in a sentence: "it delivered 10, invoices bound to it earlier already claim 8, and this invoice claims 5 more". */
export function describeWaybillOveruse(overuse: WaybillOveruse): string {
  return overuse.kind === "quantity"
    ? `it delivered ${overuse.delivered}, invoices bound to it earlier already claim ${overuse.claimedBefore}, and this invoice claims ${overuse.invoiced} more`
    : `it names invoice ${overuse.namedInvoice} only`;
}
