import { z } from "zod";
import { isHexString } from "ethers";
import { checksumAddress, isHexAddress } from "../chain/checksum";
import { invoiceNumberProblem } from "./fingerprint";

/**
 * The building blocks of every document schema: how an amount, an address, a time or a hash looks on the wire
 * (JSON) and what it becomes once parsed. Amounts travel as decimal strings of minor units and become bigint;
 * JSON numbers would lose precision past 2^53 and invite floats.
 */

/** The largest amount a document may state: a uint64, the chain's own bound for a piece's value. */
export const MAX_AMOUNT = 2n ** 64n - 1n;

/** A non-negative integer amount in minor units, written as a decimal string ("10000000" is 100,000.00 CNY). */
export const amount = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/u, 'an amount is a whole number of minor units written as a decimal string, e.g. "10000000"')
  .transform((text) => BigInt(text))
  .refine((value) => value <= MAX_AMOUNT, `an amount is at most ${MAX_AMOUNT}`);

/** A positive whole quantity (pieces, kilograms), also a decimal string. */
export const quantity = z
  .string()
  .regex(/^[1-9][0-9]{0,17}$/u, "a quantity is a positive whole number written as a decimal string")
  .transform((text) => BigInt(text));

/** An Ethereum address in any letter case; parsed to its checksummed form. */
export const address = z
  .string()
  .refine((text) => isHexAddress(text), "an address is 0x followed by 40 hex digits")
  .transform((text) => checksumAddress(text));

/** 32 bytes in hex, lower-cased. */
export const bytes32 = z
  .string()
  .refine((text) => isHexString(text, 32), "expected 0x followed by 64 hex digits")
  .transform((text) => text.toLowerCase());

/** A salt: 32 random bytes, never zero (a zero salt would make amounts guessable from the hash). */
export const salt = bytes32.refine((text) => BigInt(text) !== 0n, "the salt must be 32 random bytes, not zero");

/** A 65-byte ECDSA signature in hex. */
export const signature = z
  .string()
  .refine((text) => isHexString(text, 65), "a signature is 0x followed by 130 hex digits (65 bytes)")
  .transform((text) => text.toLowerCase());

/** Unix seconds, a whole number that fits the chain's uint64. */
export const unixSeconds = z.number().int("a time is whole unix seconds").min(0).max(Number.MAX_SAFE_INTEGER);

/** A member id as MemberRegistry numbers members (1, 2, ...). */
export const memberId = z
  .number()
  .int("a member id is a whole number")
  .min(1)
  .max(2 ** 32 - 1);

/** A line of human text: no control characters, well-formed Unicode (hashable as UTF-8), bounded so a document stays small. */
export function text(maxLength: number): z.ZodString {
  return z
    .string()
    .min(1, "must not be empty")
    .max(maxLength, `at most ${maxLength} characters`)
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters")
    .regex(/^[^\p{Cs}]*$/u, "must be well-formed Unicode: a lone surrogate (half of a UTF-16 pair) has no UTF-8 form");
}

/**
 * An invoice number or a reference to one (a purchase order, a waybill's reference): text that normalises into
 * the form the token contract registers (fingerprint.ts), so that every comparison of numbers can normalise it.
 */
export const referenceNumber = text(64).superRefine((value, context) => {
  // Zod runs this after a failed text rule too: a value the text rules refused already has its one message.
  if (value.length === 0 || value.length > 64 || !/^[^\p{Cc}\p{Cs}]*$/u.test(value)) return;
  const problem = invoiceNumberProblem(value);
  if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
});

/** One party of a trade: the member and the address that acts for it. */
export const party = z.strictObject({
  memberId,
  account: address,
});

export type Party = z.output<typeof party>;

/** A problem with a document, naming the field: `path` is the JSON path ("invoice.lines.0.quantity"). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Zod's issues as field problems, one per wrong field. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(document)",
    message: issue.message,
  }));
}
