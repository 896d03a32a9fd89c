import { getAddress } from "ethers";
import type { JsonRpcSigner } from "ethers";
import { normaliseInvoiceNumber } from "../../proofs/fingerprint";
import { invoiceHash, invoiceProofToWire, invoiceSchema, recoverInvoiceSigner, signInvoice } from "../../proofs/invoice";
import type { Invoice, InvoiceProof } from "../../proofs/invoice";
import { recoverInvoiceUseSigner } from "../../proofs/invoiceUse";
import { logisticsHash, logisticsProofSchema, logisticsProofToWire, recoverLogisticsEventSigner, signLogisticsEvent } from "../../proofs/logistics";
import type { LogisticsProof } from "../../proofs/logistics";
import { fieldProblems, signature as signatureSchema } from "../../proofs/wire";
import type { Api } from "./api";

/**
 * Documents arriving at the buyer: the seller's signed invoice and the carrier's signed waybill, as JSON files. They
 * are checked here with the same schemas and hashing every part uses (src/proofs), each signature against its
 * party; the buyer's own acknowledgments (the invoice as buyer, the delivery as consignee) are what is missing, and
 * `complete` asks the wallet for them, stores both documents through the API and returns the on-chain trade proof.
 */

export type SignatureState = "valid" | "invalid" | "mine-to-give";

export interface InvoiceIntake {
  kind: "invoice";
  invoice: Invoice;
  sellerSignature: string;
  buyerSignature: string | null;
  /** The seller's consent that the invoice's buyer registers it on chain. */
  sellerConsent: string;
  seller: SignatureState;
  buyer: SignatureState;
  consent: SignatureState;
}

export interface WaybillIntake {
  kind: "logistics";
  proof: LogisticsProof;
  /** Index of the delivery event whose consignee acknowledgment is to be given, or null. */
  pendingDelivery: number | null;
  carrier: SignatureState;
  consignee: SignatureState;
}

export type IntakeOutcome<T> = { ok: true; intake: T } | { ok: false; problems: string[] };

const PLACEHOLDER_SIGNATURE = `0x${"00".repeat(65)}`;
/** A consent signature: EIP-2098 compact (64 bytes, as `signInvoiceUse` gives it) or 65 bytes. */
const CONSENT_SIGNATURE = /^0x(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/u;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameAddress(a: string | null, b: string): boolean {
  return a !== null && getAddress(a) === getAddress(b);
}

export function readInvoice(json: unknown, chainId: bigint, me: string, tokenAddress: string): IntakeOutcome<InvoiceIntake> {
  if (!isObject(json)) return { ok: false, problems: ["(document): expected a JSON object with invoice and sellerSignature"] };
  const parsed = invoiceSchema.safeParse(json.invoice);
  if (!parsed.success) return { ok: false, problems: fieldProblems(parsed.error).map((p) => `invoice.${p.path}: ${p.message}`) };
  const seller = signatureSchema.safeParse(json.sellerSignature);
  if (!seller.success) return { ok: false, problems: ["sellerSignature: a signature is 0x followed by 130 hex digits"] };
  const consent = json.sellerConsent;
  if (typeof consent !== "string" || !CONSENT_SIGNATURE.test(consent)) {
    return { ok: false, problems: ["sellerConsent: the seller's consent to register the invoice on chain, 0x followed by 128 or 130 hex digits"] };
  }
  const invoice = parsed.data;
  const buyerRaw = json.buyerSignature;
  const buyerSignature = typeof buyerRaw === "string" && buyerRaw !== "" ? buyerRaw.toLowerCase() : null;
  const sellerState: SignatureState = sameAddress(recoverInvoiceSigner(chainId, invoice, seller.data), invoice.seller.account) ? "valid" : "invalid";
  let buyerState: SignatureState;
  if (buyerSignature === null) buyerState = sameAddress(me, invoice.buyer.account) ? "mine-to-give" : "invalid";
  else buyerState = sameAddress(recoverInvoiceSigner(chainId, invoice, buyerSignature), invoice.buyer.account) ? "valid" : "invalid";
  const use = { invoiceNumber: invoice.number, invoiceHash: invoiceHash(chainId, invoice), buyer: invoice.buyer.account };
  const consentState: SignatureState = sameAddress(recoverInvoiceUseSigner(chainId, tokenAddress, use, consent), invoice.seller.account)
    ? "valid"
    : "invalid";
  return {
    ok: true,
    intake: {
      kind: "invoice",
      invoice,
      sellerSignature: seller.data,
      buyerSignature,
      sellerConsent: consent.toLowerCase(),
      seller: sellerState,
      buyer: buyerState,
      consent: consentState,
    },
  };
}

export function readWaybill(json: unknown, chainId: bigint, me: string): IntakeOutcome<WaybillIntake> {
  if (!isObject(json) || !Array.isArray(json.events)) return { ok: false, problems: ["(document): expected a JSON object with waybill and events"] };
  // The consignee's acknowledgment may be missing: stand a placeholder in so the schema checks everything else.
  let pendingDelivery: number | null = null;
  const events: unknown[] = [];
  for (const [index, event] of (json.events as unknown[]).entries()) {
    if (isObject(event) && event.kind === "delivered" && (event.consigneeSignature === undefined || event.consigneeSignature === "")) {
      pendingDelivery = index;
      events.push({ ...event, consigneeSignature: PLACEHOLDER_SIGNATURE });
    } else events.push(event);
  }
  const parsed = logisticsProofSchema.safeParse({ ...json, events });
  if (!parsed.success) return { ok: false, problems: fieldProblems(parsed.error).map((p) => `${p.path}: ${p.message}`) };
  const proof = parsed.data;
  const { waybill } = proof;
  const carrierOk = proof.events.every((event) =>
    sameAddress(recoverLogisticsEventSigner(chainId, waybill, event, event.carrierSignature), waybill.carrier.account),
  );
  let consignee: SignatureState = "valid";
  for (const [index, event] of proof.events.entries()) {
    if (event.consigneeSignature === undefined) continue;
    if (index === pendingDelivery) {
      if (!sameAddress(me, waybill.consignee.account)) consignee = "invalid";
      else consignee = "mine-to-give";
    } else if (!sameAddress(recoverLogisticsEventSigner(chainId, waybill, event, event.consigneeSignature), waybill.consignee.account))
      consignee = "invalid";
  }
  return { ok: true, intake: { kind: "logistics", proof, pendingDelivery, carrier: carrierOk ? "valid" : "invalid", consignee } };
}

/** The trade proof as the token takes it (`TradeProof`; a confirmation carries the same four fields). */
export interface CompletedTrade {
  invoiceNumber: string;
  invoiceHash: string;
  logisticsHash: string;
  sellerConsent: string;
}

export interface CompleteHooks {
  onAcknowledgeInvoice(): void;
  onAcknowledgeDelivery(): void;
  onUpload(): void;
}

/** Gives the buyer's missing acknowledgments in the wallet, stores both documents, and returns the trade proof. */
export async function complete(
  api: Api,
  signer: JsonRpcSigner,
  chainId: bigint,
  invoice: InvoiceIntake,
  waybill: WaybillIntake,
  hooks: CompleteHooks,
): Promise<CompletedTrade> {
  let buyerSignature = invoice.buyerSignature;
  if (buyerSignature === null) {
    hooks.onAcknowledgeInvoice();
    buyerSignature = await signInvoice(signer, chainId, invoice.invoice);
  }
  const invoiceProof: InvoiceProof = { invoice: invoice.invoice, sellerSignature: invoice.sellerSignature, buyerSignature };
  const events = [...waybill.proof.events];
  if (waybill.pendingDelivery !== null) {
    hooks.onAcknowledgeDelivery();
    const event = events[waybill.pendingDelivery];
    events[waybill.pendingDelivery] = { ...event, consigneeSignature: await signLogisticsEvent(signer, chainId, waybill.proof.waybill, event) };
  }
  const logisticsProof: LogisticsProof = { waybill: waybill.proof.waybill, events };
  hooks.onUpload();
  const storedInvoice = await api.call("uploadInvoice", { body: invoiceProofToWire(invoiceProof) });
  const storedWaybill = await api.call("uploadLogistics", { body: logisticsProofToWire(logisticsProof) });
  if (storedInvoice.hash !== invoiceHash(chainId, invoiceProof.invoice) || storedWaybill.hash !== logisticsHash(chainId, logisticsProof)) {
    throw new Error("the API stored the documents under other hashes than this browser computed");
  }
  return {
    invoiceNumber: normaliseInvoiceNumber(invoice.invoice.number),
    invoiceHash: storedInvoice.hash,
    logisticsHash: storedWaybill.hash,
    sellerConsent: invoice.sellerConsent,
  };
}
