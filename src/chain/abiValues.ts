import { Result } from "ethers";

/**
 * Values ethers decoded from a log or a call (a `Result` holds `any`), read as what the ABI says they are: each
 * reader checks the kind and throws a TypeError naming it otherwise.
 */

/** A `uint`/`int` of any width: ethers v6 decodes every one as a bigint. */
export function abiUint(value: unknown): bigint {
  if (typeof value !== "bigint") throw new TypeError(`expected a decoded integer (bigint), not a ${typeof value}`);
  return value;
}

/** A tuple (a struct): its fields by name and position. */
export function abiTuple(value: unknown): Result {
  if (!(value instanceof Result)) throw new TypeError("expected a decoded tuple (an ethers Result)");
  return value;
}
