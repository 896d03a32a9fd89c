import type { Lineage } from "../chain/lineage";
import type { ParsedDocument } from "../proofs/documents";
import type { WaybillOveruseFinding } from "./history";
import type { MemberHistory } from "./memberHistory";

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
  /** Standing at the checked block of the parties acting now (the holder and the asker), by checksummed address. */
  standings: ReadonlyMap<string, MemberStanding>;
  /**
   * The member registry's history up to the checked block: the standing of each step's parties and signers is
   * judged at the step (DESIGN I10), not now.
   */
  members: MemberHistory;
  /** Unix time of every block a step or an owner change of the lineage happened in. */
  blockTimes: ReadonlyMap<number, bigint>;
  /** Steps, by the piece they created, whose waybill was already claimed by earlier steps (across all receivables). */
  waybillOveruses: ReadonlyMap<bigint, WaybillOveruseFinding>;
  /** Legal-entity-id hash of every member the check meets, by member id. */
  leiHashes: ReadonlyMap<number, string>;
  /** The piece each invoice fingerprint of the lineage is recorded against on chain. */
  invoiceUses: ReadonlyMap<string, bigint>;
  /** The documents of the lineage found in the store, by the hash they were looked up under (lower case). */
  documents: ReadonlyMap<string, ParsedDocument>;
  /** Hashes whose stored copy was altered after upload (it no longer hashes to its key), lower case. */
  alteredDocuments: ReadonlySet<string>;
}
