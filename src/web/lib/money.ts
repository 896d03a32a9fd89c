import { calendarDateCst } from "../../chain/membership";
import { formatCny, parseCny as parseCnyText } from "../../finance/money";
import type { Language } from "./i18n";

/**
 * Amounts for people: fen (bigint) shown as CNY with two decimals, and typed CNY read back into fen, no floats.
 * English reads "1,000,000.00 CNY"; Chinese reads "1,000,000.00 元" everywhere (the unit the Chinese forms' labels
 * already name, "金额（元）"), never "CNY" or "¥" beside it.
 */

const YUAN = "元";

/** `minorUnits` as the reader of `language` reads an amount of CNY. */
export function cnyIn(language: Language, minorUnits: bigint | string): string {
  const english = formatCny(typeof minorUnits === "string" ? BigInt(minorUnits) : minorUnits);
  return language === "zh" ? `${english.slice(0, -" CNY".length)} ${YUAN}` : english;
}

/** The figure alone, "1,000,000.00", as a form's placeholder shows it beside a label that names the unit. */
export function cnyFigure(minorUnits: bigint | string): string {
  return cnyIn("en", minorUnits).slice(0, -" CNY".length);
}

let shownLanguage: Language = "en";

/**
 * The language amounts are shown in, set by the page's language switch (main.tsx) before it renders: every `cny`
 * of every page follows it, so no page passes the language along.
 */
export function setMoneyLanguage(language: Language): void {
  shownLanguage = language;
}

export function cny(minorUnits: bigint | string): string {
  return cnyIn(shownLanguage, minorUnits);
}

/** "100,000.00", "100000", "0.5", "100,000.00 元" or "¥100,000.00" to fen; null when the text is not an amount of CNY. */
export function parseCny(text: string): bigint | null {
  return parseCnyText(
    text
      .trim()
      .replace(/^[¥￥]\s*/u, "")
      .replace(/\s*元$/u, ""),
  );
}

/** A unix-seconds time as its calendar date in China Standard Time, where the network's members keep their books. */
export function dateOf(seconds: bigint | string | number): string {
  return calendarDateCst(BigInt(seconds));
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
