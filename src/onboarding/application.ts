import { z } from "zod";
import { TypedDataEncoder, getAddress } from "ethers";
import type { Signer } from "ethers";
import { normalisedCreditCode } from "../chain/membership";
import { Role } from "../chain/roles";
import { recoverSigner } from "../chain/signatures";
import { documentsDomain, typeTable } from "../proofs/domain";
import { address, bytes32, signature, text, unixSeconds } from "../proofs/wire";

/**
 * A company's application for membership, and an operator's refusal of one: EIP-712 documents under the same
 * domain as the trade documents (src/proofs/domain.ts, naming the chain). The applicant's wallet signs its
 * application, so the application binds the address that files it: nobody can file for another's address, and a
 * credit code filed from two addresses shows the operator both. The operator signs a refusal, so a refusal is a
 * record of who refused what and why. Admission is the registry's own `admit` transaction; nothing is signed for it.
 *
 * Browser-safe: the dApp signs with the same types the API checks.
 */

/** The roles a company may ask for; OPERATOR only on an operator's own profile (the API's rule). */
export const APPLICABLE_ROLES: readonly Role[] = [Role.ANCHOR, Role.SUPPLIER, Role.FACTOR, Role.CARRIER, Role.VERIFIER, Role.AUDITOR];
const KNOWN_ROLES_MASK = [Role.OPERATOR, ...APPLICABLE_ROLES].reduce((mask, role) => mask | (1 << role), 0);
export const OPERATOR_BIT = 1 << Role.OPERATOR;

export const MAX_CONTACTS = 5;
export const MAX_ADDRESSES = 5;
export const MAX_REASON_LENGTH = 500;

export const APPLICATION_TYPES = typeTable({
  MembershipApplication: [
    { name: "applicant", type: "address" },
    { name: "nameZh", type: "string" },
    { name: "nameEn", type: "string" },
    { name: "creditCode", type: "string" },
    { name: "roles", type: "uint32" },
    { name: "contacts", type: "Contact[]" },
    { name: "addresses", type: "address[]" },
    { name: "filedAt", type: "uint64" },
  ],
  Contact: [
    { name: "name", type: "string" },
    { name: "email", type: "string" },
    { name: "phone", type: "string" },
  ],
});

export const REFUSAL_TYPES = typeTable({
  ApplicationRefusal: [
    { name: "application", type: "bytes32" },
    { name: "reason", type: "string" },
    { name: "refusedAt", type: "uint64" },
  ],
});

const contactSchema = z.strictObject({
  name: text(100),
  email: z
    .string()
    .max(254, "at most 254 characters")
    .regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/u, "an e-mail address such as finance@example.com"),
  phone: z.string().regex(/^\+?[0-9][0-9 -]{4,30}$/u, "a telephone number: digits, spaces and dashes, optionally starting with +"),
});

export const applicationSchema = z
  .strictObject({
    applicant: address,
    nameZh: text(100),
    nameEn: text(200),
    creditCode: z
      .string()
      .max(64, "at most 64 characters")
      .refine(
        (code) => normalisedCreditCode(code) === code,
        "the unified social credit code in capitals without spaces (A–Z, 0–9, -), e.g. 91440300MA5HXM0001",
      ),
    roles: z
      .number()
      .int("a role bitmask")
      .min(1, "ask for at least one role")
      .refine(
        (mask) => (mask & ~KNOWN_ROLES_MASK) === 0,
        "a bitmask of the registry's roles (OPERATOR 1, ANCHOR 2, SUPPLIER 4, FACTOR 8, CARRIER 16, VERIFIER 32, AUDITOR 64)",
      ),
    contacts: z.array(contactSchema).min(1, "give at least one contact").max(MAX_CONTACTS, `at most ${MAX_CONTACTS} contacts`),
    addresses: z.array(address).min(1, "give at least the applying address").max(MAX_ADDRESSES, `at most ${MAX_ADDRESSES} addresses`),
    filedAt: unixSeconds,
  })
  .superRefine((application, context) => {
    const addresses: unknown = application.addresses;
    if (!Array.isArray(addresses) || addresses.length === 0 || typeof application.applicant !== "string") return;
    if (application.addresses[0] !== application.applicant)
      context.addIssue({ code: "custom", path: ["addresses", 0], message: "the first address is the applying address itself" });
    const seen = new Set<string>();
    application.addresses.forEach((entry, index) => {
      if (typeof entry !== "string") return;
      if (seen.has(entry)) context.addIssue({ code: "custom", path: ["addresses", index], message: `${entry} is listed twice` });
      seen.add(entry);
    });
  });

export type Application = z.output<typeof applicationSchema>;
export type ApplicationWire = z.input<typeof applicationSchema>;

export const signedApplicationSchema = z.strictObject({ application: applicationSchema, signature });

export const refusalSchema = z.strictObject({
  application: bytes32,
  reason: text(MAX_REASON_LENGTH),
  refusedAt: unixSeconds,
});

export type Refusal = z.output<typeof refusalSchema>;

export const signedRefusalSchema = z.strictObject({ refusal: refusalSchema, signature });

/** The application's EIP-712 digest on chain `chainId`: its hash in the store, and what the applicant signs. */
export function applicationHash(chainId: bigint | number, application: Application): string {
  return TypedDataEncoder.hash(documentsDomain(chainId), APPLICATION_TYPES, application).toLowerCase();
}

export function refusalHash(chainId: bigint | number, refusal: Refusal): string {
  return TypedDataEncoder.hash(documentsDomain(chainId), REFUSAL_TYPES, refusal).toLowerCase();
}

/** Who signed `digest`, checksummed, or null for a malformed signature. */
export function signerOf(digest: string, signatureHex: string): string | null {
  try {
    const recovered = recoverSigner(digest, signatureHex);
    return recovered === null ? null : getAddress(recovered);
  } catch {
    return null;
  }
}

export async function signApplication(signer: Pick<Signer, "signTypedData">, chainId: bigint | number, application: Application): Promise<string> {
  return signer.signTypedData(documentsDomain(chainId), APPLICATION_TYPES, application);
}

export async function signRefusal(signer: Pick<Signer, "signTypedData">, chainId: bigint | number, refusal: Refusal): Promise<string> {
  return signer.signTypedData(documentsDomain(chainId), REFUSAL_TYPES, refusal);
}

/** The roles in a mask, in enum order. */
export function rolesInMask(mask: number): Role[] {
  return [Role.OPERATOR, ...APPLICABLE_ROLES].filter((role) => (mask & (1 << role)) !== 0);
}
