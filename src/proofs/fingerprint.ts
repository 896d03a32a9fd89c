import { AbiCoder, keccak256 } from "ethers";

/**
 * An invoice number as the network compares it: surrounding and inner white space removed, upper case.
 * "inv 2026-001 " and "INV2026-001" are the same invoice.
 */
export function normaliseInvoiceNumber(invoiceNumber: string): string {
  const normalised = invoiceNumber.normalize("NFKC").replace(/\s+/gu, "").toUpperCase();
  if (normalised.length === 0) {
    throw new Error("invoice number is empty once white space is removed");
  }
  return normalised;
}

/**
 * The invoice's fingerprint, the key the chain keeps unique network-wide: keccak256 of the ABI encoding of
 * the seller's legal-entity-id hash and the normalised invoice number. Unlike a document hash it has no
 * salt, so re-submitting the same invoice under a new salt or other spacing yields the same fingerprint.
 */
export function invoiceFingerprint(sellerLeiHash: string, invoiceNumber: string): string {
  const key = `${sellerLeiHash.toLowerCase()}|${invoiceNumber}`;
  const known = fingerprints.get(key);
  if (known !== undefined) return known;
  const fingerprint = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "string"], [sellerLeiHash, normaliseInvoiceNumber(invoiceNumber)]));
  if (fingerprints.size >= FINGERPRINT_MEMO_LIMIT) fingerprints.delete(fingerprints.keys().next().value as string);
  fingerprints.set(key, fingerprint);
  return fingerprint;
}

// Verifiers recompute the same invoices' fingerprints for every check of a piece: remember them (bounded).
const FINGERPRINT_MEMO_LIMIT = 10_000;
const fingerprints = new Map<string, string>();
