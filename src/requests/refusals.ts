import { Level } from "level";

/**
 * The verifier's refusals of funding checks, kept so that a supplier's record can say which of its requests were
 * refused and why (issue 19 part 2). One entry per request (holder, factor, nonce): a factor checking the same
 * request again replaces its entry, so nobody can pile up refusals against a holder by re-checking one request.
 * Which refusals are kept at all is the API's decision (src/api/refusalRecording.ts): only those of requests the
 * holder genuinely signed, and not those that only the factor's own input caused.
 *
 * Two stores: LevelDB (`LevelRefusalLog`, what `npm start` and `npm run api -- --refusals-db` use; synchronous
 * writes, like the request store) and memory (`MemoryRefusalLog`, the default of an API given none).
 */

export interface Refusal {
  /** The holder who signed the request (lower-case). */
  holder: string;
  /** The factor that ran the check (lower-case). */
  factor: string;
  tokenId: string;
  nonce: string;
  /** The verifier's failure codes, each once, in the order it reported them. */
  codes: string[];
  /** Unix seconds (the API's clock) of the check. */
  at: number;
  /** The chain block the check read. */
  asOfBlock: number;
}

export interface RefusalLog {
  record(refusal: Refusal): Promise<void>;
  /** The refusals of requests signed by any of `holders`, newest first, at most `limit`, and how many were read. */
  ofHolders(holders: readonly string[], limit: number): Promise<{ refusals: Refusal[]; truncated: boolean }>;
  close(): Promise<void>;
}

/** At most this many refusals are read per holder address. */
export const MAX_REFUSALS_READ = 1_000;

const NONCE_WIDTH = 78;
const keyOf = (refusal: Pick<Refusal, "holder" | "factor" | "nonce">): string =>
  `r/${refusal.holder}/${refusal.factor}/${refusal.nonce.padStart(NONCE_WIDTH, "0")}`;

function newestFirst(a: Refusal, b: Refusal): number {
  return b.at - a.at || (a.tokenId < b.tokenId ? -1 : a.tokenId > b.tokenId ? 1 : 0);
}

function isRefusal(value: unknown): value is Refusal {
  if (value === null || typeof value !== "object") return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.holder === "string" &&
    typeof entry.factor === "string" &&
    typeof entry.tokenId === "string" &&
    typeof entry.nonce === "string" &&
    Array.isArray(entry.codes) &&
    entry.codes.every((code) => typeof code === "string") &&
    typeof entry.at === "number" &&
    typeof entry.asOfBlock === "number"
  );
}

function normalised(refusal: Refusal): Refusal {
  return { ...refusal, holder: refusal.holder.toLowerCase(), factor: refusal.factor.toLowerCase(), codes: [...new Set(refusal.codes)] };
}

export class LevelRefusalLog implements RefusalLog {
  private constructor(private readonly db: Level<string, string>) {}

  static async open(path: string): Promise<LevelRefusalLog> {
    const db = new Level<string, string>(path, { keyEncoding: "utf8", valueEncoding: "utf8" });
    await db.open();
    return new LevelRefusalLog(db);
  }

  async record(refusal: Refusal): Promise<void> {
    const entry = normalised(refusal);
    await this.db.put(keyOf(entry), JSON.stringify(entry), { sync: true });
  }

  async ofHolders(holders: readonly string[], limit: number): Promise<{ refusals: Refusal[]; truncated: boolean }> {
    const found: Refusal[] = [];
    let truncated = false;
    for (const holder of new Set(holders.map((address) => address.toLowerCase()))) {
      const prefix = `r/${holder}/`;
      const rows = await this.db.iterator({ gt: prefix, lt: `${prefix}\uffff`, limit: MAX_REFUSALS_READ + 1 }).all();
      if (rows.length > MAX_REFUSALS_READ) truncated = true;
      for (const [, text] of rows.slice(0, MAX_REFUSALS_READ)) {
        const parsed: unknown = JSON.parse(text);
        if (isRefusal(parsed)) found.push(parsed);
      }
    }
    found.sort(newestFirst);
    return { refusals: found.slice(0, limit), truncated: truncated || found.length > limit };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export class MemoryRefusalLog implements RefusalLog {
  private readonly entries = new Map<string, Refusal>();

  record(refusal: Refusal): Promise<void> {
    const entry = normalised(refusal);
    this.entries.set(keyOf(entry), entry);
    return Promise.resolve();
  }

  ofHolders(holders: readonly string[], limit: number): Promise<{ refusals: Refusal[]; truncated: boolean }> {
    const wanted = new Set(holders.map((address) => address.toLowerCase()));
    const found = [...this.entries.values()].filter((entry) => wanted.has(entry.holder)).sort(newestFirst);
    return Promise.resolve({ refusals: found.slice(0, limit), truncated: found.length > limit });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
