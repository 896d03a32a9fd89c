import { getAddress } from "ethers";
import type { z } from "zod";
import { recoverSigner } from "../chain/signatures";
import type { SignaturePair, SignatureRecovery } from "../chain/signaturePool";
import { invoiceHash, invoiceProofSchema } from "./invoice";
import type { InvoiceProof } from "./invoice";
import { logisticsEventDigest, logisticsHash, logisticsProofSchema } from "./logistics";
import type { LogisticsProof } from "./logistics";
import { fieldProblems } from "./wire";
import type { FieldProblem, Party } from "./wire";

/**
 * The one place that turns a JSON document into a checked, hashed proof: the API, the dApp, the demo and the
 * auditor all parse and hash through here, so they cannot disagree on a document's hash.
 */

export type DocumentKind = "invoice" | "logistics";

export type ParsedDocument = { kind: "invoice"; hash: string; proof: InvoiceProof } | { kind: "logistics"; hash: string; proof: LogisticsProof };

/**
 * A stored copy that no longer parses to the hash it is stored under: altered after upload (or stored for another
 * chain). Raised by a document source instead of handing out a document that is not the one the chain recorded.
 */
export class AlteredDocumentError extends Error {
  constructor(readonly hash: string) {
    super(`the stored copy of document ${hash} was altered: it no longer parses to its own hash`);
    this.name = "AlteredDocumentError";
  }
}

export type ParseOutcome = { ok: true; document: ParsedDocument } | { ok: false; problems: FieldProblem[] };

const SCHEMAS: Readonly<Record<DocumentKind, z.ZodType>> = { invoice: invoiceProofSchema, logistics: logisticsProofSchema };

/** Validates `json` as a document of `kind` and computes its hash on chain `chainId`; every wrong field is named. */
export function parseDocument(kind: DocumentKind, json: unknown, chainId: bigint | number): ParseOutcome {
  if (kind === "invoice") {
    const parsed = invoiceProofSchema.safeParse(json);
    if (!parsed.success) return { ok: false, problems: fieldProblems(parsed.error) };
    return { ok: true, document: { kind, hash: invoiceHash(chainId, parsed.data.invoice), proof: parsed.data } };
  }
  const parsed = logisticsProofSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problems: fieldProblems(parsed.error) };
  return { ok: true, document: { kind, hash: logisticsHash(chainId, parsed.data), proof: parsed.data } };
}

/** The schema of a kind, for documentation (the OpenAPI description is derived from it). */
export function documentSchema(kind: DocumentKind): z.ZodType {
  return SCHEMAS[kind];
}

/** A signature the document carries and whose it must be. */
export interface RequiredSignature {
  path: string;
  role: "seller" | "buyer" | "carrier" | "consignee";
  party: Party;
  /** Who the signature recovers to; null when it is malformed. */
  recovered: string | null;
}

// Recovering a signature costs milliseconds and a stored document never changes: remember the answers, keyed by
// everything they depend on (chain, document hash, the signatures themselves), up to a bound.
const RECOVERY_MEMO_LIMIT = 10_000;
const recoveryMemo = new Map<string, RequiredSignature[]>();

function signatureKey(document: ParsedDocument, chainId: bigint | number): string {
  const signatures =
    document.kind === "invoice"
      ? [document.proof.sellerSignature, document.proof.buyerSignature]
      : document.proof.events.flatMap((event) => [event.carrierSignature, event.consigneeSignature ?? ""]);
  return `${chainId}|${document.kind}|${document.hash}|${signatures.join("|")}`;
}

/**
 * Every signature of a parsed document, with the party it must belong to and who actually signed. Answers are
 * memoised by chain, document hash and signatures (a document's hash covers everything its signatures sign).
 */
export function documentSignatures(document: ParsedDocument, chainId: bigint | number): RequiredSignature[] {
  const key = signatureKey(document, chainId);
  const known = recoveryMemo.get(key);
  if (known !== undefined) return known.map((entry) => ({ ...entry }));
  const recovered = recoverDocumentSignatures(document, chainId);
  remember(key, recovered);
  return recovered.map((entry) => ({ ...entry }));
}

function recoverDocumentSignatures(document: ParsedDocument, chainId: bigint | number): RequiredSignature[] {
  return signatureClaims(document, chainId).map(({ digest, signature, ...entry }) => {
    const signer = recoverSigner(digest, signature);
    return { ...entry, recovered: signer === null ? null : getAddress(signer) };
  });
}

/** A signature a document carries, with the digest it must sign and whose it must be (not yet recovered). */
interface SignatureClaim extends Omit<RequiredSignature, "recovered"> {
  digest: string;
  signature: string;
}

/** A digest, or "0x" (which recovers to nobody) when the content cannot be hashed. */
function digestOrNone(hash: () => string): string {
  try {
    return hash();
  } catch {
    return "0x";
  }
}

function signatureClaims(document: ParsedDocument, chainId: bigint | number): SignatureClaim[] {
  if (document.kind === "invoice") {
    const { invoice, sellerSignature, buyerSignature } = document.proof;
    // The invoice's hash is the digest both parties sign.
    const digest = digestOrNone(() => invoiceHash(chainId, invoice));
    return [
      { path: "sellerSignature", role: "seller", party: invoice.seller, digest, signature: sellerSignature },
      { path: "buyerSignature", role: "buyer", party: invoice.buyer, digest, signature: buyerSignature },
    ];
  }
  const { waybill, events } = document.proof;
  const claims: SignatureClaim[] = [];
  for (const [index, event] of events.entries()) {
    const digest = digestOrNone(() => logisticsEventDigest(chainId, waybill, event));
    claims.push({ path: `events.${index}.carrierSignature`, role: "carrier", party: waybill.carrier, digest, signature: event.carrierSignature });
    if (event.consigneeSignature !== undefined) {
      claims.push({
        path: `events.${index}.consigneeSignature`,
        role: "consignee",
        party: waybill.consignee,
        digest,
        signature: event.consigneeSignature,
      });
    }
  }
  return claims;
}

/**
 * Recovers, as one batch through `recovery` (the API's signature pool: off the event loop when the batch is large
 * enough), every signature of `documents` not already remembered, and remembers them: the {@link documentSignatures}
 * that follow answer from memory. The same answers as recovering inline.
 */
export async function recoverDocumentSignaturesWith(
  documents: Iterable<ParsedDocument>,
  chainId: bigint | number,
  recovery: SignatureRecovery,
): Promise<void> {
  const wanted = new Map<string, { claims: SignatureClaim[]; first: number }>();
  const pairs: SignaturePair[] = [];
  for (const document of documents) {
    const key = signatureKey(document, chainId);
    if (recoveryMemo.has(key) || wanted.has(key)) continue;
    const claims = signatureClaims(document, chainId);
    wanted.set(key, { claims, first: pairs.length });
    for (const claim of claims) pairs.push([claim.digest, claim.signature]);
  }
  if (pairs.length === 0) return;
  const signers = await recovery.recoverSigners(pairs);
  for (const [key, { claims, first }] of wanted) {
    const recovered = claims.map(({ digest: _digest, signature: _signature, ...entry }, index) => {
      const signer = signers[first + index];
      return { ...entry, recovered: signer === null ? null : getAddress(signer) };
    });
    remember(key, recovered);
  }
}

function remember(key: string, recovered: RequiredSignature[]): void {
  if (recoveryMemo.has(key)) return;
  if (recoveryMemo.size >= RECOVERY_MEMO_LIMIT) recoveryMemo.delete(recoveryMemo.keys().next().value as string);
  recoveryMemo.set(key, recovered);
}

/** The signatures that do not recover to the party they belong to, as field problems. */
export function signatureProblems(document: ParsedDocument, chainId: bigint | number): FieldProblem[] {
  return documentSignatures(document, chainId)
    .filter((entry) => entry.recovered === null || getAddress(entry.recovered) !== entry.party.account)
    .map((entry) => ({
      path: entry.path,
      message:
        entry.recovered === null
          ? `the ${entry.role}'s signature is malformed`
          : `the ${entry.role}'s signature was made by ${entry.recovered}, not by ${entry.party.account} (signed for another document or chain, or forged)`,
    }));
}

/** The parties a document names (whose addresses may read it). */
export function documentParties(document: ParsedDocument): Party[] {
  if (document.kind === "invoice") return [document.proof.invoice.seller, document.proof.invoice.buyer];
  const { carrier, shipper, consignee } = document.proof.waybill;
  return [carrier, shipper, consignee];
}

/** Where documents are found by hash: the document store implements it, the verifier reads through it. */
export interface DocumentSource {
  /** The document under `hash`; undefined when there is none; AlteredDocumentError when its stored copy was changed. */
  get(hash: string): Promise<ParsedDocument | undefined>;
}
