import { Level } from "level";
import { getAddress } from "ethers";
import { signerOf } from "../onboarding/application";
import { offerHash, offerSchema, offerToWire } from "./offer";
import type { Offer, OfferWire } from "./offer";

/**
 * Factors' offers in LevelDB, one per factor address and anchor (a newer one replaces it), with the factor's
 * signature. Writes are synchronous (fsync). Every read re-parses the offer and recovers its signature: an offer
 * altered on disk is an error, never shown to a holder as the factor's word.
 */

export interface StoredOffer {
  offer: OfferWire;
  hash: string;
  signature: string;
  /** Unix seconds (the API's clock). */
  receivedAt: number;
}

export interface CheckedOffer extends StoredOffer {
  parsed: Offer;
}

export class AlteredOfferError extends Error {
  constructor(readonly key: string) {
    super(`the stored offer ${key} was altered: it no longer parses or its signature is not its factor's`);
    this.name = "AlteredOfferError";
  }
}

const offerKey = (factor: string, anchorId: number): string => `o/${factor.toLowerCase()}/${anchorId.toString().padStart(10, "0")}`;

/** At most this many offers are kept in all (one per factor address and anchor). */
export const MAX_OFFERS = 10_000;

export class OfferStore {
  private constructor(
    private readonly db: Level<string, StoredOffer>,
    private readonly chainId: bigint,
  ) {}

  static async open(location: string, chainId: bigint | number): Promise<OfferStore> {
    const db = new Level<string, StoredOffer>(location, { valueEncoding: "json" });
    await db.open();
    return new OfferStore(db, BigInt(chainId));
  }

  private checked(key: string, stored: StoredOffer): CheckedOffer {
    const parsed = offerSchema.safeParse(stored.offer);
    if (!parsed.success) throw new AlteredOfferError(key);
    const hash = offerHash(this.chainId, parsed.data);
    if (hash !== stored.hash || signerOf(hash, stored.signature) !== getAddress(parsed.data.factor)) throw new AlteredOfferError(key);
    return { ...stored, parsed: parsed.data };
  }

  /** The offer of `factor` for `anchorId`, or undefined. */
  async get(factor: string, anchorId: number): Promise<CheckedOffer | undefined> {
    const key = offerKey(factor, anchorId);
    const stored = await this.db.get(key);
    return stored === undefined ? undefined : this.checked(key, stored);
  }

  /** Stores a signed offer (checked by the caller), replacing the factor's offer for the same anchor. */
  async put(offer: Offer, signature: string, now = Date.now()): Promise<StoredOffer> {
    const stored: StoredOffer = {
      offer: offerToWire(offer),
      hash: offerHash(this.chainId, offer),
      signature: signature.toLowerCase(),
      receivedAt: Math.floor(now / 1000),
    };
    await this.db.put(offerKey(offer.factor, offer.anchorId), stored, { sync: true });
    return stored;
  }

  async remove(factor: string, anchorId: number): Promise<boolean> {
    const key = offerKey(factor, anchorId);
    if ((await this.db.get(key)) === undefined) return false;
    await this.db.del(key, { sync: true });
    return true;
  }

  /** A factor address's offers, by anchor. */
  async byFactor(factor: string): Promise<CheckedOffer[]> {
    const prefix = `o/${factor.toLowerCase()}/`;
    const entries = await this.db.iterator({ gte: prefix, lt: `${prefix}~` }).all();
    return entries.map(([key, stored]) => this.checked(key, stored));
  }

  /** Every offer stored. */
  async all(limit = MAX_OFFERS): Promise<CheckedOffer[]> {
    const entries = await this.db.iterator({ gte: "o/", lt: "o/~", limit }).all();
    return entries.map(([key, stored]) => this.checked(key, stored));
  }

  async count(): Promise<number> {
    return (await this.db.keys({ gte: "o/", lt: "o/~" }).all()).length;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
