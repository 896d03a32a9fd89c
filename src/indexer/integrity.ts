import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { IndexDb } from "./store";

/**
 * The index's own integrity: a running digest of every record it committed, stored with each batch, and a full
 * scan that recomputes it.
 *
 * LevelDB alone does not notice damage to its files: `classic-level` 3 (under `level` 10) opens without
 * `paranoid_checks` and reads without `verify_checksums` and exposes neither option, so a changed byte inside a
 * table (`.ldb`) reads back as a changed value, and a damaged write-ahead log (`.log`) loses the batches in the
 * damaged block without a word while the batches after it stay. So the index keeps its own account:
 *
 * - every record (key and value) has a 64-bit hash, {@link recordHash} (two 32-bit lanes; any one changed character
 *   changes both);
 * - per family of records (the key's prefix up to its first `/`: `t`, `h`, `e`, `meta`…) the index keeps the
 *   number of records and the sum of their hashes (each lane modulo 2^32): an order-independent digest that each
 *   batch updates by adding the hashes of what it wrote and subtracting those of what it replaced or deleted;
 * - the digests land in `meta/integrity` in the same atomic LevelDB batch as the records and the cursor
 *   (`meta/cursor` is a record like the others, so the digest covers it);
 * - {@link verifyIndex} reads every record, recomputes the digests and compares: a changed value, a missing record
 *   and an extra one each show, and the family they belong to is named.
 *
 * This detects damage (disks, bit flips, truncated or deleted files, a careless edit); it is not a signature: whoever
 * can write the folder can also rewrite the digest. The remedy is always the same: delete the folder and index again.
 */

export const INTEGRITY_KEY = "meta/integrity";

/** One family's account: how many records, and the two lanes' sums of their hashes. */
export interface FamilyDigest {
  records: number;
  a: number;
  b: number;
}

/** The digests of every family of records, by family. */
export type IndexDigest = Map<string, FamilyDigest>;

/** The family of a key: its prefix up to the first `/` (the whole key if it has none). */
export function familyOf(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? key : key.slice(0, slash);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SECOND_PRIME = 0x5bd1e995;

function finalMix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Set by {@link recordHash}: its two lanes (read them before the next call). */
export const lastHash = { a: 0, b: 0 };

/**
 * A record's 64-bit hash as two 32-bit lanes, into {@link lastHash} (no allocation): each lane runs over the key's
 * length, the key and the value, character by character, each step a bijection of the lane (xor, then a multiply by
 * an odd constant, different per lane), so changing any one character always changes both lanes; then each lane
 * is mixed on its own.
 */
export function recordHash(key: string, value: string): void {
  let a = FNV_OFFSET ^ key.length;
  let b = 0x9747b28c ^ Math.imul(key.length, SECOND_PRIME);
  for (let index = 0; index < key.length; index += 1) {
    const code = key.charCodeAt(index);
    a = Math.imul(a ^ code, FNV_PRIME);
    b = Math.imul(b ^ code, SECOND_PRIME);
  }
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    a = Math.imul(a ^ code, FNV_PRIME);
    b = Math.imul(b ^ code, SECOND_PRIME);
  }
  // Each lane mixed on its own (a bijection again), so a one-character change shows in both.
  a = finalMix(a ^ value.length);
  b = finalMix(b ^ Math.imul(value.length, FNV_PRIME));
  lastHash.a = a;
  lastHash.b = b;
}

function familyIn(digest: IndexDigest, family: string): FamilyDigest {
  let found = digest.get(family);
  if (found === undefined) {
    found = { records: 0, a: 0, b: 0 };
    digest.set(family, found);
  }
  return found;
}

/** Adds (sign 1) or removes (sign -1) the record whose hash is in `lastHash` to `family` of `digest`. */
export function account(digest: IndexDigest, family: string, sign: 1 | -1): void {
  const entry = familyIn(digest, family);
  entry.records += sign;
  entry.a = (entry.a + sign * lastHash.a) | 0;
  entry.b = (entry.b + sign * lastHash.b) | 0;
}

/** `base` plus every change of `delta`, as a new digest (families left with no record and a zero sum dropped). */
export function combined(base: IndexDigest, delta: IndexDigest): IndexDigest {
  const result: IndexDigest = new Map();
  for (const [family, entry] of base) result.set(family, { ...entry });
  for (const [family, change] of delta) {
    const entry = familyIn(result, family);
    entry.records += change.records;
    entry.a = (entry.a + change.a) | 0;
    entry.b = (entry.b + change.b) | 0;
    if (entry.records === 0 && entry.a === 0 && entry.b === 0) result.delete(family);
  }
  return result;
}

const hex32 = (value: number): string => (value >>> 0).toString(16).padStart(8, "0");

/** `{"<family>":"<records>:<lane a><lane b>",…}`, families sorted. */
export function encodeDigest(digest: IndexDigest): string {
  const families = [...digest.keys()].sort();
  const fields: Record<string, string> = {};
  for (const family of families) {
    const entry = digest.get(family) as FamilyDigest;
    fields[family] = `${entry.records}:${hex32(entry.a)}${hex32(entry.b)}`;
  }
  return JSON.stringify({ families: fields });
}

/** The digest stored in `meta/integrity`; throws if it is not one. */
export function decodeDigest(text: string): IndexDigest {
  const parsed: unknown = JSON.parse(text);
  const families = (parsed as { families?: unknown } | null)?.families;
  if (families === null || typeof families !== "object") throw new Error("no families");
  const digest: IndexDigest = new Map();
  for (const [family, value] of Object.entries(families as Record<string, unknown>)) {
    const match = typeof value === "string" ? /^(\d+):([0-9a-f]{8})([0-9a-f]{8})$/.exec(value) : null;
    if (match === null) throw new Error(`family ${family} is not <records>:<hash>`);
    digest.set(family, { records: Number(match[1]), a: parseInt(match[2], 16) | 0, b: parseInt(match[3], 16) | 0 });
  }
  return digest;
}

/** What each family of records holds, in words, for the messages. */
const FAMILY_NAMES: Record<string, string> = {
  meta: "the cursor, configuration and system record",
  bh: "block hashes",
  u: "undo records",
  t: "pieces",
  tc: "child links",
  s: "receivables",
  h: "holding rows",
  ht: "holding totals",
  hA: "holdings by anchor",
  hM: "holdings by maturity",
  fb: "factors' fundings",
  fi: "funding ids",
  ft: "factors' totals",
  tf: "pieces' fundings",
  e: "piece histories",
  m: "members",
  ma: "member addresses",
  cb: "currency balances",
  a: "activity rows",
  cm: "cash movements",
};

function familyName(family: string): string {
  return `${FAMILY_NAMES[family] ?? "records"} (${family}/)`;
}

/** The index's files are damaged; the message says what and how to rebuild. Not retryable. */
export class IndexDamagedError extends Error {
  readonly name = "IndexDamagedError";
  constructor(
    readonly dbPath: string,
    /** What is damaged, in words. */
    readonly damage: string,
  ) {
    super(
      `the index at ${dbPath} is damaged: ${damage}. It cannot be trusted and is not served. ` +
        `Rebuild it: stop whatever uses it, delete the folder ${dbPath} and run the indexer again (it re-reads the chain from its start block).`,
    );
  }
}

/** The outcome of {@link verifyIndex}. */
export interface IndexVerification {
  /** Records read (every key, `meta/integrity` included). */
  records: number;
  /** The cursor's block, if the index has one. */
  block: number | undefined;
  milliseconds: number;
}

/** Each family whose records differ from its digest, in words; empty if none. */
export function digestDifferences(found: IndexDigest, expected: IndexDigest): string[] {
  const differences: string[] = [];
  const families = [...new Set([...found.keys(), ...expected.keys()])].sort();
  for (const family of families) {
    const have = found.get(family) ?? { records: 0, a: 0, b: 0 };
    const want = expected.get(family) ?? { records: 0, a: 0, b: 0 };
    if (have.records === want.records && have.a === want.a && have.b === want.b) continue;
    const name = familyName(family);
    if (have.records < want.records) differences.push(`${want.records - have.records} of the ${want.records} ${name} are missing`);
    else if (have.records > want.records) differences.push(`${have.records - want.records} ${name} more than the ${want.records} committed`);
    else differences.push(`${name}: ${have.records} records as committed, but their contents differ (a value or key changed)`);
  }
  return differences;
}

/** A LevelDB failure on a damaged folder, in words; undefined if the failure is not damage (e.g. a lock). */
export function describeLevelFailure(error: unknown): string | undefined {
  const errors: Array<{ code?: unknown; message?: unknown }> = [];
  for (let cause: unknown = error; cause !== null && typeof cause === "object" && errors.length < 5; cause = (cause as { cause?: unknown }).cause) {
    errors.push(cause);
  }
  const text = (value: unknown): string => (typeof value === "string" || typeof value === "number" ? String(value) : "");
  const codes = errors.map((e) => text(e.code));
  const messages = errors.map((e) => text(e.message)).join(" / ");
  if (codes.includes("LEVEL_LOCKED")) return undefined;
  const missing = /(\d+) missing files?; e\.g\.: (\S+)/.exec(messages);
  if (missing !== null) return `${missing[1]} of its table files ${missing[1] === "1" ? "is" : "are"} missing (e.g. ${path.basename(missing[2])})`;
  const noFile = /IO error: (\S+): No such file or directory/.exec(messages);
  if (noFile !== null) return `its file ${path.basename(noFile[1])} is missing`;
  const ioFile = /IO error: (\S+?): (.+)$/.exec(messages);
  if (ioFile !== null) return `its file ${path.basename(ioFile[1])} cannot be read (${ioFile[2]}; cut short?)`;
  const corruption = /Corruption: (.+?)(?: \/|$)/.exec(messages);
  if (corruption !== null) return `LevelDB finds its files corrupt (${corruption[1]})`;
  if (codes.includes("LEVEL_CORRUPTION") || codes.includes("LEVEL_IO_ERROR")) return `LevelDB cannot read its files (${messages})`;
  return undefined;
}

/**
 * LevelDB's folder has files but no `CURRENT` (which names the live manifest): opened as usual, LevelDB would
 * start an empty database and delete the old tables as obsolete. Returns the damage in words, or undefined.
 */
export function missingCurrentFile(dbPath: string): string | undefined {
  if (!existsSync(dbPath)) return undefined;
  const files = readdirSync(dbPath);
  const leveldbFiles = files.filter((file) => /^(MANIFEST-\d+|\d+\.(ldb|log|sst))$/.test(file));
  if (leveldbFiles.length > 0 && !files.includes("CURRENT")) return `its file CURRENT (which names the live manifest) is missing`;
  return undefined;
}

/** Hashes every record of the scan into `digest`; returns how many were read. */
async function digestOfRecords(db: IndexDb, digest: IndexDigest, onIntegrity: (text: string) => void): Promise<number> {
  let records = 0;
  const iterator = db.iterator({ fillCache: false });
  try {
    for (;;) {
      const entries = await iterator.nextv(2_000);
      if (entries.length === 0) break;
      for (const [key, value] of entries) {
        records += 1;
        if (key === INTEGRITY_KEY) {
          onIntegrity(value);
          continue;
        }
        recordHash(key, value);
        account(digest, familyOf(key), 1);
      }
    }
  } finally {
    await iterator.close();
  }
  return records;
}

/** The cursor's block, if the cursor record reads as one. */
async function cursorBlockOf(db: IndexDb): Promise<number | undefined> {
  try {
    const text = await db.get("meta/cursor");
    const block = text === undefined ? undefined : (JSON.parse(text) as { number?: unknown }).number;
    return typeof block === "number" ? block : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads every record of an open index, recomputes the digests and compares them with those of the last commit;
 * throws {@link IndexDamagedError} naming what differs. An empty database passes (nothing was committed).
 */
export async function verifyIndex(db: IndexDb, dbPath: string): Promise<IndexVerification> {
  const started = performance.now();
  const found: IndexDigest = new Map();
  let stored: string | undefined;
  let records: number;
  try {
    records = await digestOfRecords(db, found, (text) => {
      stored = text;
    });
  } catch (error) {
    throw new IndexDamagedError(
      dbPath,
      describeLevelFailure(error) ?? `its records cannot be read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  let block: number | undefined;
  const cursorFamily = found.get("meta");
  if (records > 0) {
    if (stored === undefined) throw new IndexDamagedError(dbPath, `it has ${records} records but no digest of them (${INTEGRITY_KEY} is missing)`);
    let expected: IndexDigest;
    try {
      expected = decodeDigest(stored);
    } catch (error) {
      throw new IndexDamagedError(dbPath, `its digest (${INTEGRITY_KEY}) is unreadable (${error instanceof Error ? error.message : String(error)})`);
    }
    const differences = digestDifferences(found, expected);
    block = cursorFamily === undefined ? undefined : await cursorBlockOf(db);
    if (differences.length > 0) {
      const at = block === undefined ? "" : ` (last commit: block ${block})`;
      throw new IndexDamagedError(dbPath, `its records do not match the digest of its last commit${at}: ${differences.join("; ")}`);
    }
  }
  return { records, block, milliseconds: performance.now() - started };
}
