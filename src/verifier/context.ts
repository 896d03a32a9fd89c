import type { Lineage } from "../chain/lineage";
import type { ParsedDocument } from "../proofs/documents";

/**
 * Everything a funding check looks at, read from the chain and the document store at one block. The checks
 * (checks.ts) are a pure function of it, so they are tested without a chain and give the same answer twice.
 */

/** A member address's standing at the checked block. */
export interface MemberStanding {
  account: string;
  /** 0 when the address belongs to no member. */
  memberId: number;
  /** Bitmask of `1 << Role`. */
  roles: number;
  /** Status active and KYC valid. */
  active: boolean;
}

/** The piece being sold, at the checked block. */
export interface PieceState {
  exists: boolean;
  owner: string;
  value: bigint;
  maturity: bigint;
  /** ISO 4217 code of the receivable's currency. */
  currency: string;
}

export interface CheckContext {
  chainId: bigint;
  /** The Financing contract, whose EIP-712 domain the request and the attestation use. */
  financingAddress: string;
  /** The checked block's timestamp: "now" for expiry, maturity and delivery. */
  now: bigint;
  asOfBlock: number;
  lineage: Lineage;
  piece: PieceState;
  overdue: boolean;
  /** Whether the request's nonce is already used or withdrawn. */
  nonceUsed: boolean;
  /** Standing of every address the check meets, by checksummed address. */
  standings: ReadonlyMap<string, MemberStanding>;
  /** Legal-entity-id hash of every member the check meets, by member id. */
  leiHashes: ReadonlyMap<number, string>;
  /** The piece each invoice fingerprint of the lineage is recorded against on chain. */
  invoiceUses: ReadonlyMap<string, bigint>;
  /** The documents of the lineage found in the store, by the hash they were looked up under (lower case). */
  documents: ReadonlyMap<string, ParsedDocument>;
  /** Hashes whose stored copy was altered after upload (it no longer hashes to its key), lower case. */
  alteredDocuments: ReadonlySet<string>;
}
