/**
 * The arithmetic of a VAT invoice's lines, in minor units (fen) and basis points, integers only:
 * - a line's amount (金额, without tax) is quantity × unit price exactly: quantities are whole numbers of the line's
 *   unit and unit prices whole fen, so no rounding happens (a fractional quantity is written in a smaller unit);
 * - a line's tax (税额) is amount × rate / 10000 rounded half up to the fen (四舍五入: 0.5 fen and above rounds up);
 * - the invoice's totals are the sums: amount without tax (合计金额), tax (合计税额), and with tax (价税合计).
 */

/** The VAT rates a Chinese e-invoice carries, in basis points: 13%, 9%, 6%, 5%, 3%, 1%, 0%. */
export const VAT_RATES_BPS = [1300, 900, 600, 500, 300, 100, 0] as const;

/** quantity × unit price, exact. */
export function lineAmount(quantity: bigint, unitPrice: bigint): bigint {
  return quantity * unitPrice;
}

/** amount × rateBps / 10000, rounded half up to the minor unit (amounts are never negative). */
export function lineTax(amount: bigint, rateBps: number): bigint {
  return (amount * BigInt(rateBps) + 5_000n) / 10_000n;
}

export interface VatLineInput {
  quantity: bigint;
  unitPrice: bigint;
  taxRate: number;
}

export interface VatTotals {
  totalBeforeTax: bigint;
  tax: bigint;
  total: bigint;
}

/** A line's amount and tax from its quantity, unit price and rate. */
export function lineFigures(line: VatLineInput): { amount: bigint; tax: bigint } {
  const amount = lineAmount(line.quantity, line.unitPrice);
  return { amount, tax: lineTax(amount, line.taxRate) };
}

/** The totals of lines whose amount and tax are given. */
export function totalsOf(lines: ReadonlyArray<{ amount: bigint; tax: bigint }>): VatTotals {
  const totalBeforeTax = lines.reduce((sum, line) => sum + line.amount, 0n);
  const tax = lines.reduce((sum, line) => sum + line.tax, 0n);
  return { totalBeforeTax, tax, total: totalBeforeTax + tax };
}

/** "13%" for 1300 basis points, "6.5%" for 650. */
export function formatRate(rateBps: number): string {
  const whole = Math.floor(rateBps / 100);
  const fraction = rateBps % 100;
  return fraction === 0 ? `${whole}%` : `${whole}.${String(fraction).padStart(2, "0").replace(/0$/u, "")}%`;
}
