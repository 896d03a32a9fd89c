import { Level } from "level";
import { getAddress } from "ethers";
import type { FundingRequest } from "../chain/funding";
import { tokenIdOf } from "../chain/tokenId";

/**
 * Funding requests on their way from a holder to a factor: the request as the holder signed it (EIP-712, the
 * Financing contract's domain) and the signature. Kept in LevelDB under the holder and its nonce (a holder's nonce
 * names one request), with two indexes: by factor in order of arrival (a factor lists what waits for it, newest
 * first, a page at a time) and by factor and piece (who is asked about which piece, for document reads). Writes
 * are synchronous (fsync) so a request the API accepted survives a crash. Whether a request is still open is the
 * chain's answer (its nonce used, its deadline passed), asked by the API when it lists them; the API removes the
 * ones that are no longer open (`remove`), so the store holds live requests and the recently closed.
 */

/** A stored request: amounts and ids as decimal strings, addresses checksummed. */
export interface StoredFundingRequest {
  holder: string;
  request: { tokenId: string; value: string; minPrice: string; factor: string; withRecourse: boolean; deadline: string; nonce: string };
  holderSignature: string;
  /** Unix seconds (wall clock of the API). */
  submittedAt: number;
  /** The arrival order: unix ms, made unique per store (a later request always has a larger one); absent on requests stored before it was kept. */
  sequence?: number;
}

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

function requestKey(holder: string, nonce: bigint): string {
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

function slotPrefix(factor: string, slot: bigint): string {
  return `p/${factor.toLowerCase()}/${tokenIdOf(slot, 0n).toString(16).padStart(TOKEN_WIDTH, "0").slice(0, TOKEN_WIDTH - 8)}`;
}

export function requestFromStored(stored: StoredFundingRequest): FundingRequest {
  const { tokenId, value, minPrice, factor, withRecourse, deadline, nonce } = stored.request;
  return { tokenId: BigInt(tokenId), value: BigInt(value), minPrice: BigInt(minPrice), factor, withRecourse, deadline: BigInt(deadline), nonce: BigInt(nonce) };
}

export class FundingRequestStore {
  private lastSequence = 0;

  private constructor(private readonly db: Level<string, string>) {}

  static async open(location: string): Promise<FundingRequestStore> {
    const db = new Level<string, string>(location, { valueEncoding: "utf8" });
    await db.open();
    return new FundingRequestStore(db);
  }

  /** Stores a request; false when the holder already submitted one under this nonce (the first is kept). */
  async add(holder: string, request: FundingRequest, holderSignature: string, now = Date.now()): Promise<boolean> {
    const key = requestKey(holder, request.nonce);
    if ((await this.db.get(key)) !== undefined) return false;
    this.lastSequence = Math.max(now, this.lastSequence + 1);
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

  async get(holder: string, nonce: bigint): Promise<StoredFundingRequest | undefined> {
    const text = await this.db.get(requestKey(holder, nonce));
    return text === undefined ? undefined : (JSON.parse(text) as StoredFundingRequest);
  }

  /** Forgets a request (funded, withdrawn or expired) and its index entries. */
  async remove(stored: StoredFundingRequest): Promise<void> {
    const nonce = BigInt(stored.request.nonce);
    const factor = stored.request.factor;
    const operations: Array<{ type: "del"; key: string }> = [
      { type: "del", key: requestKey(stored.holder, nonce) },
      { type: "del", key: pieceKey(factor, BigInt(stored.request.tokenId), stored.holder, nonce) },
    ];
    if (typeof stored.sequence === "number") operations.push({ type: "del", key: inboxKey(factor, inboxCursor(stored.sequence, stored.holder, nonce)) });
    // A request stored before arrival order was kept sits in the factor's index under holder and nonce.
    else operations.push({ type: "del", key: `f/${factor.toLowerCase()}/${stored.holder.toLowerCase()}/${padNonce(nonce)}` });
    await this.db.batch(operations, { sync: true });
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
