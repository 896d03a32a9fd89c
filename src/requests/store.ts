import { Level } from "level";
import { getAddress } from "ethers";
import type { FundingRequest } from "../chain/funding";
import { tokenIdOf } from "../chain/tokenId";

/**
 * Funding requests on their way from a holder to a factor: the request as the holder signed it (EIP-712, the
 * Financing contract's domain) and the signature, the factor's last check and its refusal, if any. Kept in LevelDB under the holder, its nonce and the factor (a holder
 * may send one nonce to several factors; the first to fund spends it and the others lapse), with two indexes: by factor in order of arrival (a factor lists what waits for it, newest
 * first, a page at a time) and by factor and piece (who is asked about which piece, for document reads). Writes
 * are synchronous (fsync) so a request the API accepted survives a crash. Whether a request is still open is the
 * chain's answer (its nonce used, its deadline passed) or the addressed factor's (declined), asked by the API when it lists
 * them; the API closes the ones that are no longer open (`closeRequest`): out of the factor's inbox, kept for both sides
 * to see (a holder's newest CLOSED_KEPT_PER_HOLDER, a factor's newest CLOSED_LISTED_PER_FACTOR listed).
 */

/** A failure of a recorded check, as the holder may read it (a step not the holder's own has its message hidden). */
export interface RecordedFailure {
  code: string;
  message: string;
  step?: number;
  tokenId?: string;
}

/** The factor's last funding check of the request: when, whether it passed, and what failed. */
export interface RecordedCheck {
  /** Unix seconds (chain time of the check). */
  at: number;
  passed: boolean;
  failures: RecordedFailure[];
}

/** Why a request is no longer open, and when the API learnt it (unix seconds of the chain). */
export type ClosedState = "funded" | "declined" | "withdrawn" | "expired" | "lapsed";

export interface ClosedMark {
  state: ClosedState;
  at: number;
  /** Close order (unix ms, unique per store), which keys the recent-closed indexes. */
  sequence: number;
}

/** A stored request: amounts and ids as decimal strings, addresses checksummed. */
export interface StoredFundingRequest {
  holder: string;
  request: { tokenId: string; value: string; minPrice: string; factor: string; withRecourse: boolean; deadline: string; nonce: string };
  holderSignature: string;
  /** Unix seconds (wall clock of the API). */
  submittedAt: number;
  /** The arrival order: unix ms, made unique per store (a later request always has a larger one); absent on requests stored before it was kept. */
  sequence?: number;
  /** The addressed factor's last check (absent until it checks). */
  check?: RecordedCheck;
  /** The addressed factor's refusal, with its reason. */
  declined?: { at: number; reason: string };
  /** Set once the request is closed (funded, declined, withdrawn, expired, lapsed): out of the inbox, kept for both sides to see. */
  closed?: ClosedMark;
}

/** At most this many closed requests are kept per holder (the oldest closed are forgotten) and listed per factor. */
export const CLOSED_KEPT_PER_HOLDER = 50;
export const CLOSED_LISTED_PER_FACTOR = 20;

/** A request in a factor's inbox and the cursor that resumes a listing after it. */
export interface InboxEntry {
  cursor: string;
  stored: StoredFundingRequest;
}

const NONCE_WIDTH = 78;
const SEQUENCE_WIDTH = 16;
const TOKEN_WIDTH = 64;

/**
 * What a factor-inbox cursor looks like: an arrival sequence, a holder, a nonce (or, for a request stored before
 * arrival order was kept, a holder and a nonce: those list first and are pruned like any other).
 */
export const INBOX_CURSOR = /^([0-9]{16}\.0x[0-9a-f]{40}\.[0-9]{78}|0x[0-9a-f]{40}\/[0-9]{78})$/u;

const padNonce = (nonce: bigint): string => nonce.toString().padStart(NONCE_WIDTH, "0");

/**
 * Under holder, nonce and factor: a holder may send one request (one nonce) to several factors at once; the first
 * to fund spends the nonce and the others' requests lapse on chain.
 */
function requestKey(holder: string, nonce: bigint, factor: string): string {
  return `h/${holder.toLowerCase()}/${padNonce(nonce)}/${factor.toLowerCase()}`;
}

/** A request stored before requests were keyed by factor too. */
function legacyRequestKey(holder: string, nonce: bigint): string {
  return `h/${holder.toLowerCase()}/${padNonce(nonce)}`;
}

function inboxCursor(sequence: number, holder: string, nonce: bigint): string {
  return `${sequence.toString().padStart(SEQUENCE_WIDTH, "0")}.${holder.toLowerCase()}.${padNonce(nonce)}`;
}

function inboxKey(factor: string, cursor: string): string {
  return `f/${factor.toLowerCase()}/${cursor}`;
}

/** By factor and piece: the token id in hex, so one receivable's pieces (the high bits) share a prefix. */
function pieceKey(factor: string, tokenId: bigint, holder: string, nonce: bigint): string {
  return `p/${factor.toLowerCase()}/${tokenId.toString(16).padStart(TOKEN_WIDTH, "0")}/${holder.toLowerCase()}/${padNonce(nonce)}`;
}

/** Closed requests, newest last: a factor's recent ones (`x/`) and a holder's kept ones (`y/`). */
function factorClosedKey(factor: string, sequence: number, holder: string, nonce: bigint): string {
  return `x/${factor.toLowerCase()}/${sequence.toString().padStart(SEQUENCE_WIDTH, "0")}/${holder.toLowerCase()}/${padNonce(nonce)}`;
}

function holderClosedKey(holder: string, sequence: number, nonce: bigint): string {
  // The sequence is unique per store, so one nonce closed for several factors gets one entry per factor.
  return `y/${holder.toLowerCase()}/${sequence.toString().padStart(SEQUENCE_WIDTH, "0")}/${padNonce(nonce)}`;
}

function slotPrefix(factor: string, slot: bigint): string {
  return `p/${factor.toLowerCase()}/${tokenIdOf(slot, 0n)
    .toString(16)
    .padStart(TOKEN_WIDTH, "0")
    .slice(0, TOKEN_WIDTH - 8)}`;
}

export function requestFromStored(stored: StoredFundingRequest): FundingRequest {
  const { tokenId, value, minPrice, factor, withRecourse, deadline, nonce } = stored.request;
  return {
    tokenId: BigInt(tokenId),
    value: BigInt(value),
    minPrice: BigInt(minPrice),
    factor,
    withRecourse,
    deadline: BigInt(deadline),
    nonce: BigInt(nonce),
  };
}

export class FundingRequestStore {
  private lastSequence = 0;
  /** Writes run one at a time, so a read-decide-write (a decline, a close) is never interleaved with another. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: Level<string, string>) {}

  static async open(location: string): Promise<FundingRequestStore> {
    const db = new Level<string, string>(location, { valueEncoding: "utf8" });
    await db.open();
    return new FundingRequestStore(db);
  }

  private nextSequence(now: number): number {
    this.lastSequence = Math.max(now, this.lastSequence + 1);
    return this.lastSequence;
  }

  /** Runs `work` after every write queued before it, and before any queued after. */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stores a request; false when the holder already submitted one under this nonce to this factor (the first is kept). */
  add(holder: string, request: FundingRequest, holderSignature: string, now = Date.now()): Promise<boolean> {
    return this.serialized(() => this.addNow(holder, request, holderSignature, now));
  }

  private async addNow(holder: string, request: FundingRequest, holderSignature: string, now: number): Promise<boolean> {
    const key = requestKey(holder, request.nonce, request.factor);
    if ((await this.db.get(key)) !== undefined) return false;
    this.nextSequence(now);
    const stored: StoredFundingRequest = {
      holder: getAddress(holder),
      request: {
        tokenId: request.tokenId.toString(),
        value: request.value.toString(),
        minPrice: request.minPrice.toString(),
        factor: getAddress(request.factor),
        withRecourse: request.withRecourse,
        deadline: request.deadline.toString(),
        nonce: request.nonce.toString(),
      },
      holderSignature: holderSignature.toLowerCase(),
      submittedAt: Math.floor(now / 1000),
      sequence: this.lastSequence,
    };
    await this.db.batch(
      [
        { type: "put", key, value: JSON.stringify(stored) },
        { type: "put", key: inboxKey(request.factor, inboxCursor(this.lastSequence, holder, request.nonce)), value: key },
        { type: "put", key: pieceKey(request.factor, request.tokenId, holder, request.nonce), value: key },
      ],
      { sync: true },
    );
    return true;
  }

  /** The request of `holder` under `nonce` to `factor` (or, without a factor, the first under that nonce). */
  async get(holder: string, nonce: bigint, factor?: string): Promise<StoredFundingRequest | undefined> {
    if (factor !== undefined) {
      const text = (await this.db.get(requestKey(holder, nonce, factor))) ?? (await this.legacyFor(holder, nonce, factor));
      return text === undefined ? undefined : (JSON.parse(text) as StoredFundingRequest);
    }
    const prefix = legacyRequestKey(holder, nonce);
    const [text] = await this.db.values({ gte: prefix, lt: `${prefix}~`, limit: 1 }).all();
    return text === undefined ? undefined : (JSON.parse(text) as StoredFundingRequest);
  }

  /** A request stored before requests were keyed by factor, if it was addressed to `factor`. */
  private async legacyFor(holder: string, nonce: bigint, factor: string): Promise<string | undefined> {
    const text = await this.db.get(legacyRequestKey(holder, nonce));
    if (text === undefined) return undefined;
    return (JSON.parse(text) as StoredFundingRequest).request.factor.toLowerCase() === factor.toLowerCase() ? text : undefined;
  }

  /** Where a stored request lives: under its factor, or (stored before requests were keyed by factor) without. */
  private async primaryKey(stored: StoredFundingRequest): Promise<string> {
    const nonce = BigInt(stored.request.nonce);
    const key = requestKey(stored.holder, nonce, stored.request.factor);
    if ((await this.db.get(key)) !== undefined) return key;
    return (await this.legacyFor(stored.holder, nonce, stored.request.factor)) === undefined ? key : legacyRequestKey(stored.holder, nonce);
  }

  /** Forgets a request and its index entries (its closed-list entries, if any, are skipped when met). */
  async remove(stored: StoredFundingRequest): Promise<void> {
    const nonce = BigInt(stored.request.nonce);
    const factor = stored.request.factor;
    const operations: Array<{ type: "del"; key: string }> = [
      { type: "del", key: await this.primaryKey(stored) },
      { type: "del", key: pieceKey(factor, BigInt(stored.request.tokenId), stored.holder, nonce) },
    ];
    if (typeof stored.sequence === "number")
      operations.push({ type: "del", key: inboxKey(factor, inboxCursor(stored.sequence, stored.holder, nonce)) });
    // A request stored before arrival order was kept sits in the factor's index under holder and nonce.
    else operations.push({ type: "del", key: `f/${factor.toLowerCase()}/${stored.holder.toLowerCase()}/${padNonce(nonce)}` });
    await this.db.batch(operations, { sync: true });
  }

  /**
   * Records the addressed factor's check on its open request (holder, nonce, factor); the stored request as it now
   * is, or undefined if gone or closed.
   */
  recordCheck(holder: string, nonce: bigint, factor: string, check: RecordedCheck): Promise<StoredFundingRequest | undefined> {
    return this.serialized(async () => {
      const stored = await this.get(holder, nonce, factor);
      if (stored === undefined || stored.closed !== undefined) return undefined;
      const updated: StoredFundingRequest = { ...stored, check };
      await this.db.put(await this.primaryKey(stored), JSON.stringify(updated), { sync: true });
      return updated;
    });
  }

  /**
   * Closes the request of `holder` under `nonce` to `factor`: out of the factor's inbox and piece index, into the factor's recent-closed list and the
   * holder's kept ones (the holder's oldest closed beyond CLOSED_KEPT_PER_HOLDER are forgotten). Closing a closed
   * request only updates its state (a declined request later withdrawn or funded on chain). `decide` sees the
   * request as stored at that moment and returns the mark's state, or null to leave it as it is; the answer is the
   * request as it then stands (undefined when it is not stored).
   */
  closeRequest(
    holder: string,
    nonce: bigint,
    factor: string,
    decide: (stored: StoredFundingRequest) => { state: ClosedState; declined?: { at: number; reason: string } } | null,
    at: number,
    now = Date.now(),
  ): Promise<StoredFundingRequest | undefined> {
    return this.serialized(async () => {
      const stored = await this.get(holder, nonce, factor);
      if (stored === undefined) return undefined;
      const decision = decide(stored);
      if (decision === null) return stored;
      const key = await this.primaryKey(stored);
      if (stored.closed !== undefined) {
        const updated: StoredFundingRequest = { ...stored, closed: { ...stored.closed, state: decision.state } };
        await this.db.put(key, JSON.stringify(updated), { sync: true });
        return updated;
      }
      const sequence = this.nextSequence(now);
      const updated: StoredFundingRequest = {
        ...stored,
        ...(decision.declined === undefined ? {} : { declined: decision.declined }),
        closed: { state: decision.state, at, sequence },
      };
      const operations: Array<{ type: "put"; key: string; value: string } | { type: "del"; key: string }> = [
        { type: "put", key, value: JSON.stringify(updated) },
        { type: "del", key: pieceKey(factor, BigInt(stored.request.tokenId), stored.holder, nonce) },
        { type: "put", key: factorClosedKey(factor, sequence, stored.holder, nonce), value: key },
        { type: "put", key: holderClosedKey(stored.holder, sequence, nonce), value: key },
      ];
      if (typeof stored.sequence === "number")
        operations.push({ type: "del", key: inboxKey(factor, inboxCursor(stored.sequence, stored.holder, nonce)) });
      else operations.push({ type: "del", key: `f/${factor.toLowerCase()}/${stored.holder.toLowerCase()}/${padNonce(nonce)}` });
      // Bounds: the holder keeps its newest closed requests, the factor's list its newest entries.
      const holderPrefix = `y/${stored.holder.toLowerCase()}/`;
      const holderKept = await this.db
        .iterator({ gte: holderPrefix, lt: `${holderPrefix}~`, reverse: true, limit: CLOSED_KEPT_PER_HOLDER + 64 })
        .all();
      for (const [oldKey, primary] of holderKept.slice(CLOSED_KEPT_PER_HOLDER - 1)) {
        operations.push({ type: "del", key: oldKey }, { type: "del", key: primary });
      }
      const factorPrefix = `x/${factor.toLowerCase()}/`;
      const factorListed = await this.db
        .keys({ gte: factorPrefix, lt: `${factorPrefix}~`, reverse: true, limit: CLOSED_LISTED_PER_FACTOR + 64 })
        .all();
      for (const oldKey of factorListed.slice(CLOSED_LISTED_PER_FACTOR - 1)) operations.push({ type: "del", key: oldKey });
      await this.db.batch(operations, { sync: true });
      return updated;
    });
  }

  /** A factor's most recently closed requests, newest first (at most CLOSED_LISTED_PER_FACTOR). */
  async closedFor(factor: string): Promise<StoredFundingRequest[]> {
    const prefix = `x/${factor.toLowerCase()}/`;
    const entries = await this.db.iterator({ gte: prefix, lt: `${prefix}~`, reverse: true, limit: CLOSED_LISTED_PER_FACTOR }).all();
    const found: StoredFundingRequest[] = [];
    for (const [, primary] of entries) {
      const text = await this.db.get(primary);
      if (text !== undefined) found.push(JSON.parse(text) as StoredFundingRequest);
    }
    return found;
  }

  /** Every request a holder has stored, by nonce (the API keeps this to its caps). */
  async byHolder(holder: string, limit = 1000): Promise<StoredFundingRequest[]> {
    const prefix = `h/${holder.toLowerCase()}/`;
    const values = await this.db.values({ gte: prefix, lt: `${prefix}~`, limit }).all();
    return values.map((text) => JSON.parse(text) as StoredFundingRequest);
  }

  /** Requests addressed to a factor, newest first, starting after `cursor` (exclusive); at most `limit`. */
  async inbox(factor: string, options: { after?: string; limit: number }): Promise<InboxEntry[]> {
    const prefix = `f/${factor.toLowerCase()}/`;
    const upper = options.after === undefined ? `${prefix}~` : inboxKey(factor, options.after);
    const entries = await this.db.iterator({ gte: prefix, lt: upper, reverse: true, limit: options.limit }).all();
    const found: InboxEntry[] = [];
    for (const [key, primary] of entries) {
      const text = await this.db.get(primary);
      if (text !== undefined) found.push({ cursor: key.slice(prefix.length), stored: JSON.parse(text) as StoredFundingRequest });
    }
    return found;
  }

  /** Requests addressed to a factor about any piece of receivable `slot` (at most `limit`). */
  async bySlot(factor: string, slot: bigint, limit = 200): Promise<StoredFundingRequest[]> {
    const prefix = slotPrefix(factor, slot);
    const keys = await this.db.values({ gte: prefix, lt: `${prefix}~`, limit }).all();
    const found: StoredFundingRequest[] = [];
    for (const key of keys) {
      const text = await this.db.get(key);
      if (text !== undefined) found.push(JSON.parse(text) as StoredFundingRequest);
    }
    return found;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
