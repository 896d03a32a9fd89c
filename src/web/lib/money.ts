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

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
