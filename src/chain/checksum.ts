import { getAddress } from "ethers";

/**
 * `getAddress` with a memory: checksumming costs a keccak256 in JavaScript, and a funding check meets the same
 * few dozen addresses again and again. Bounded, oldest forgotten first; throws like `getAddress` on bad input.
 */
const LIMIT = 50_000;
const known = new Map<string, string>();

export function checksumAddress(address: string): string {
  const cached = known.get(address);
  if (cached !== undefined) return cached;
  const checksummed = getAddress(address);
  if (known.size >= LIMIT) known.delete(known.keys().next().value as string);
  known.set(address, checksummed);
  return checksummed;
}

/** Whether a mixed-case `address` carries its right EIP-55 checksum (remembered like {@link checksumAddress}). */
export function isChecksummed(address: string): boolean {
  try {
    return checksumAddress(address) === address;
  } catch {
    return false;
  }
}

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/u;

/**
 * What is wrong with `text` as an address, or null: not 0x and 40 hex digits ("shape"), or mixed case without its
 * right EIP-55 checksum ("checksum"). All lower or all upper case carries no checksum.
 */
export function addressProblem(text: unknown): "shape" | "checksum" | null {
  if (typeof text !== "string" || !HEX_ADDRESS.test(text)) return "shape";
  const digits = text.slice(2);
  return digits === digits.toLowerCase() || digits === digits.toUpperCase() || isChecksummed(text) ? null : "checksum";
}

/** 0x and 40 hex digits, in one letter case or with its right checksum: what ethers' `isAddress` takes with a 0x. */
export function isHexAddress(text: string): boolean {
  return addressProblem(text) === null;
}
