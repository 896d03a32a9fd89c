import { id } from "ethers";

/**
 * How the operator's inputs become what the registry stores, the same in the command line (`src/operator`) and
 * the dApp's operator console: pure functions, no Node modules, so the browser bundle can import them.
 */

/** The code as the registry hashes it: trimmed, upper-case, inner spaces removed; null unless 1–64 of A–Z, 0–9, "-". */
export function normalisedCreditCode(text: string): string | null {
  const code = text.replace(/\s+/gu, "").toUpperCase();
  return /^[0-9A-Z-]{1,64}$/u.test(code) ? code : null;
}

/** Hashes already computed: the verifier checks each invoice party's code on every funding check (bounded). */
let knownHashes = new Map<string, string>();

/** The legal-entity hash the registry keeps for a normalised unified social credit code (keccak256 of its text). */
export function legalEntityHash(normalisedCode: string): string {
  let hash = knownHashes.get(normalisedCode);
  if (hash === undefined) {
    hash = id(normalisedCode);
    if (knownHashes.size >= 4_096) knownHashes = new Map<string, string>();
    knownHashes.set(normalisedCode, hash);
  }
  return hash;
}

const CHINA_STANDARD_TIME_OFFSET_SECONDS = 8n * 3600n;

/** A unix time's calendar date (YYYY-MM-DD) in China Standard Time (UTC+8 all year, no daylight saving). */
export function calendarDateCst(unixSeconds: bigint): string {
  return new Date(Number(unixSeconds + CHINA_STANDARD_TIME_OFFSET_SECONDS) * 1000).toISOString().slice(0, 10);
}

/**
 * "2027-12-31" as the last second of that calendar day in China Standard Time, where the members keep their books;
 * null for text that is not YYYY-MM-DD or a day the calendar does not have (2027-02-30).
 */
export function endOfDayCst(text: string): bigint | null {
  const match = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/u.exec(text.trim());
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const startUtc = Date.UTC(year, month - 1, day);
  const check = new Date(startUtc);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return BigInt(startUtc / 1000) + 86_399n - CHINA_STANDARD_TIME_OFFSET_SECONDS;
}
