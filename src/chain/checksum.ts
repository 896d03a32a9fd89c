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
