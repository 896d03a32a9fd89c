import { calendarDateCst } from "../../chain/membership";
import { formatCny, parseCny } from "../../finance/money";

/** Amounts for people: fen (bigint) shown as CNY with two decimals, and typed CNY read back into fen, no floats. */

export function cny(minorUnits: bigint | string): string {
  return formatCny(typeof minorUnits === "string" ? BigInt(minorUnits) : minorUnits);
}

/** "100,000.00" or "100000" or "0.5" to fen; null when the text is not an amount of CNY. */
export { parseCny };

/** A unix-seconds time as its calendar date in China Standard Time, where the network's members keep their books. */
export function dateOf(seconds: bigint | string | number): string {
  return calendarDateCst(BigInt(seconds));
}

/** Token ids are `(slot << 32) | sequence`: shown as "#slot.sequence". */
export function pieceName(tokenId: bigint | string): string {
  const id = BigInt(tokenId);
  return `#${id >> 32n}.${id & 0xffff_ffffn}`;
}

/** "#3.2", "3.2" or a decimal token id to a token id; null otherwise. */
export function parsePieceName(text: string): bigint | null {
  const trimmed = text.trim();
  const dotted = /^#?([0-9]{1,10})\.([0-9]{1,10})$/u.exec(trimmed);
  if (dotted !== null) return (BigInt(dotted[1]) << 32n) | BigInt(dotted[2]);
  if (/^[0-9]{1,30}$/u.test(trimmed)) return BigInt(trimmed);
  return null;
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
