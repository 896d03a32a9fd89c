/**
 * Amounts as people read them. Amounts are kept in the currency's minor unit (fen for CNY) as bigint, and
 * are formatted with integer arithmetic only: never a floating-point number on the way.
 */

/** Minor units in one CNY (two decimals: fen). */
export const CNY_MINOR_UNITS = 100n;

/** Groups an unsigned decimal string by thousands: "1234567" -> "1,234,567". */
function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/gu, ",");
}

/**
 * Formats an amount of fen as CNY: `formatCny(100_000_000n)` is "1,000,000.00 CNY", `formatCny(-150n)` is
 * "-1.50 CNY", `formatCny(1n)` is "0.01 CNY".
 */
export function formatCny(minorUnits: bigint): string {
  const negative = minorUnits < 0n;
  const magnitude = negative ? -minorUnits : minorUnits;
  const units = magnitude / CNY_MINOR_UNITS;
  const fen = magnitude % CNY_MINOR_UNITS;
  return `${negative ? "-" : ""}${groupThousands(units.toString())}.${fen.toString().padStart(2, "0")} CNY`;
}

const CNY_TEXT = /^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]{1,2}))?$/u;

/** "100,000.00", "100000" or "0.5" (an optional " CNY" after it) to fen; null when the text is not an amount of CNY. */
export function parseCny(text: string): bigint | null {
  const trimmed = text.trim().replace(/\s*CNY$/iu, "");
  if (CNY_TEXT.exec(trimmed) === null) return null;
  const [units, fen = ""] = trimmed.replace(/,/gu, "").split(".");
  return BigInt(units) * CNY_MINOR_UNITS + BigInt(fen.padEnd(2, "0") || "0");
}
