import { AbiCoder, keccak256 } from "ethers";

/** The longest normalised invoice number, in bytes; the token contract's `MAX_INVOICE_NUMBER_LENGTH`. */
export const MAX_INVOICE_NUMBER_LENGTH = 64;

/** What the token contract accepts as a normalised number: printable ASCII without space and without a-z. */
const NORMALISED_INVOICE_NUMBER = /^[\x21-\x60\x7b-\x7e]+$/u;

/**
 * An invoice number as the network compares it: surrounding and inner white space removed, upper case.
 * "inv 2026-001 " and "INV2026-001" are the same invoice. The result is what the token contract accepts
 * (1 to 64 bytes of printable ASCII without a-z); a number that cannot be brought into that form is refused.
 */
export function normaliseInvoiceNumber(invoiceNumber: string): string {
  const normalised = invoiceNumber.normalize("NFKC").replace(/\s+/gu, "").toUpperCase();
  if (normalised.length === 0) {
    throw new Error("invoice number is empty once white space is removed");
  }
  if (!NORMALISED_INVOICE_NUMBER.test(normalised)) {
    const refused = [...normalised].find((character) => !NORMALISED_INVOICE_NUMBER.test(character)) ?? "";
    const code = refused.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0") ?? "";
    throw new Error(`invoice number "${invoiceNumber}" has the character U+${code}: only printable ASCII letters, digits and signs are allowed`);
  }
  if (normalised.length > MAX_INVOICE_NUMBER_LENGTH) {
    throw new Error(`invoice number is ${normalised.length} characters once normalised; at most ${MAX_INVOICE_NUMBER_LENGTH} are allowed`);
  }
  return normalised;
}

/** Why the number cannot be normalised, or undefined when it can. */
export function invoiceNumberProblem(invoiceNumber: string): string | undefined {
  try {
    normaliseInvoiceNumber(invoiceNumber);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The invoice's fingerprint, the key the chain keeps unique network-wide: keccak256 of the ABI encoding of
 * the seller's legal-entity-id hash and the normalised invoice number. Unlike a document hash it has no
 * salt, so re-submitting the same invoice under a new salt or other spacing yields the same fingerprint. The
 * token contract derives it the same way from the seller's registered hash (`invoiceFingerprintOf`).
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
