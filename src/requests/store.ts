import { Level } from "level";
import { getAddress } from "ethers";
import type { FundingRequest } from "../chain/funding";

/**
 * Funding requests on their way from a holder to a factor: the request as the holder signed it (EIP-712, the
 * Financing contract's domain) and the signature. Kept in LevelDB under the holder and its nonce (a holder's nonce
 * names one request), with an index by factor so a factor lists what waits for it. Writes are synchronous (fsync)
 * so a request the API accepted survives a crash. Whether a request is still open is the chain's answer (its nonce
 * used, its deadline passed), asked when it is listed, never stored here.
 */

/** A stored request: amounts and ids as decimal strings, addresses checksummed. */
export interface StoredFundingRequest {
  holder: string;
  request: { tokenId: string; value: string; minPrice: string; factor: string; withRecourse: boolean; deadline: string; nonce: string };
  holderSignature: string;
  /** Unix seconds (wall clock of the API). */
  submittedAt: number;
}

const NONCE_WIDTH = 78;

function requestKey(holder: string, nonce: bigint): string {
  return `h/${holder.toLowerCase()}/${nonce.toString().padStart(NONCE_WIDTH, "0")}`;
}

function factorKey(factor: string, holder: string, nonce: bigint): string {
  return `f/${factor.toLowerCase()}/${holder.toLowerCase()}/${nonce.toString().padStart(NONCE_WIDTH, "0")}`;
}

export function requestFromStored(stored: StoredFundingRequest): FundingRequest {
  const { tokenId, value, minPrice, factor, withRecourse, deadline, nonce } = stored.request;
  return { tokenId: BigInt(tokenId), value: BigInt(value), minPrice: BigInt(minPrice), factor, withRecourse, deadline: BigInt(deadline), nonce: BigInt(nonce) };
}

export class FundingRequestStore {
  private constructor(private readonly db: Level<string, string>) {}

  static async open(location: string): Promise<FundingRequestStore> {
    const db = new Level<string, string>(location, { valueEncoding: "utf8" });
    await db.open();
    return new FundingRequestStore(db);
  }

  /** Stores a request; false when the holder already submitted one under this nonce (the first is kept). */
  async add(holder: string, request: FundingRequest, holderSignature: string, submittedAt = Math.floor(Date.now() / 1000)): Promise<boolean> {
    const key = requestKey(holder, request.nonce);
    if ((await this.db.get(key)) !== undefined) return false;
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
      submittedAt,
    };
    await this.db.batch(
      [
        { type: "put", key, value: JSON.stringify(stored) },
        { type: "put", key: factorKey(request.factor, holder, request.nonce), value: key },
      ],
      { sync: true },
    );
    return true;
  }

  async get(holder: string, nonce: bigint): Promise<StoredFundingRequest | undefined> {
    const text = await this.db.get(requestKey(holder, nonce));
    return text === undefined ? undefined : (JSON.parse(text) as StoredFundingRequest);
  }

  /** Every request a holder submitted, by nonce. */
  async byHolder(holder: string, limit = 500): Promise<StoredFundingRequest[]> {
    const prefix = `h/${holder.toLowerCase()}/`;
    const values = await this.db.values({ gte: prefix, lt: `${prefix}~`, limit }).all();
    return values.map((text) => JSON.parse(text) as StoredFundingRequest);
  }

  /** Every request addressed to a factor. */
  async byFactor(factor: string, limit = 500): Promise<StoredFundingRequest[]> {
    const prefix = `f/${factor.toLowerCase()}/`;
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
