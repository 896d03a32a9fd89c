import { getAddress, getBytes, keccak256, toUtf8Bytes, verifyMessage } from "ethers";
import type { Signer } from "ethers";
import type { CreditReportBody } from "./report";

/**
 * A report is filed signed by the operator: the signature (EIP-191 personal_sign) covers the keccak256 of the
 * body's canonical JSON (keys sorted at every level, no spaces), so any change to any line breaks it.
 */

export interface SignedCreditReport {
  body: CreditReportBody;
  signer: string;
  signature: string;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** keccak256 of a JSON value's canonical form (keys sorted at every level, no spaces): what reports and corrections sign. */
export function canonicalDigest(value: unknown): string {
  return keccak256(toUtf8Bytes(JSON.stringify(canonical(value))));
}

export function creditReportDigest(body: CreditReportBody): string {
  return canonicalDigest(body);
}

export async function signCreditReport(body: CreditReportBody, signer: Signer): Promise<SignedCreditReport> {
  const signature = await signer.signMessage(getBytes(creditReportDigest(body)));
  return { body, signer: getAddress(await signer.getAddress()), signature };
}

/** The address that signed the report's body, or null when the signature is not a signature. */
export function creditReportSigner(report: SignedCreditReport): string | null {
  try {
    return getAddress(verifyMessage(getBytes(creditReportDigest(report.body)), report.signature));
  } catch {
    return null;
  }
}
