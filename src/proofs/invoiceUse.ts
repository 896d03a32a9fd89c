import { Signature, TypedDataEncoder, verifyTypedData } from "ethers";
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { normaliseInvoiceNumber } from "./fingerprint";

/**
 * The seller's consent that one buyer registers its invoice on chain: the buyer confirming it (the anchor) or
 * paying it with a piece. The token contract verifies it whenever the caller is not the seller, so no member can
 * register (squat) another seller's invoice number. It names the invoice number, the invoice document's hash and
 * the buyer's address, so it cannot serve for another document or another buyer; and it serves once, because
 * the invoice registers once.
 *
 * Unlike trade documents, it is signed under the token contract's own domain: it is an authorisation for that
 * contract, worthless on another deployment.
 */
export const INVOICE_USE_DOMAIN_NAME = "Chainbill Receivable";
export const INVOICE_USE_DOMAIN_VERSION = "1";

export const INVOICE_USE_TYPES: Record<string, TypedDataField[]> = {
  InvoiceUse: [
    { name: "invoiceNumber", type: "string" },
    { name: "invoiceHash", type: "bytes32" },
    { name: "buyer", type: "address" },
  ],
};

/** What the seller consents to; `invoiceNumber` in any spelling, it is signed normalised. */
export interface InvoiceUse {
  invoiceNumber: string;
  invoiceHash: string;
  buyer: string;
}

/** The token contract's EIP-712 domain. */
export function invoiceUseDomain(chainId: bigint | number, tokenAddress: string): TypedDataDomain {
  return { name: INVOICE_USE_DOMAIN_NAME, version: INVOICE_USE_DOMAIN_VERSION, chainId: BigInt(chainId), verifyingContract: tokenAddress };
}

function invoiceUseValue(use: InvoiceUse): Record<string, string> {
  return { invoiceNumber: normaliseInvoiceNumber(use.invoiceNumber), invoiceHash: use.invoiceHash, buyer: use.buyer };
}

/** The digest the seller signs. */
export function invoiceUseDigest(chainId: bigint | number, tokenAddress: string, use: InvoiceUse): string {
  return TypedDataEncoder.hash(invoiceUseDomain(chainId, tokenAddress), INVOICE_USE_TYPES, invoiceUseValue(use));
}

/**
 * The seller signs its consent (in its wallet). Returned in EIP-2098 compact form (64 bytes): the token takes 64 or
 * 65 bytes, and the compact form costs the buyer's transaction 140 gas less calldata.
 */
export async function signInvoiceUse(
  seller: Pick<Signer, "signTypedData">,
  chainId: bigint | number,
  tokenAddress: string,
  use: InvoiceUse,
): Promise<string> {
  const signature = await seller.signTypedData(invoiceUseDomain(chainId, tokenAddress), INVOICE_USE_TYPES, invoiceUseValue(use));
  return Signature.from(signature).compactSerialized;
}

/** The address a consent recovers to, or null when the signature is malformed. */
export function recoverInvoiceUseSigner(chainId: bigint | number, tokenAddress: string, use: InvoiceUse, signature: string): string | null {
  try {
    return verifyTypedData(invoiceUseDomain(chainId, tokenAddress), INVOICE_USE_TYPES, invoiceUseValue(use), signature);
  } catch {
    return null;
  }
}
