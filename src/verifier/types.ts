import type { FundingAttestation, FundingRequest } from "../chain/funding";

/**
 * The verifier's contract with its callers (the API, the demo, tests): what a funding check is given and what it
 * answers. The verifier itself knows nothing of HTTP.
 */

/** What a factor asks the verifier to check before it funds. */
export interface FundingCheckInput {
  /** The holder's request, as the holder signed it (EIP-712, the Financing contract's domain). */
  request: FundingRequest;
  /** The holder's signature of `request`. */
  holderSignature: string;
  /** The price the factor will pay, in settlement-currency minor units: minPrice <= price <= value. */
  price: bigint;
  /** The address asking (the factor's session); must be `request.factor`. */
  requestedBy: string;
}

/** Stable codes of the checks; a client may switch on them, people read the message. */
export type FailureCode =
  | "TOKEN_NOT_FOUND"
  | "TOKEN_MATURED"
  | "TOKEN_OVERDUE"
  | "ALREADY_FUNDED"
  | "REQUEST_INVALID"
  | "REQUEST_EXPIRED"
  | "REQUEST_SIGNATURE"
  | "REQUEST_NONCE_USED"
  | "PRICE_OUT_OF_RANGE"
  | "HOLDER_NOT_ELIGIBLE"
  | "FACTOR_NOT_ELIGIBLE"
  | "STEP_WITHOUT_PROOF"
  | "DOCUMENT_MISSING"
  | "DOCUMENT_KIND"
  | "DOCUMENT_HASH_MISMATCH"
  | "FINGERPRINT_MISMATCH"
  /** The invoice names a seller or buyer by a unified social credit code other than the one its member registered. */
  | "CREDIT_CODE_MISMATCH"
  | "INVOICE_REUSED"
  | "SIGNATURE_INVALID"
  | "SIGNER_NOT_ELIGIBLE"
  | "PARTY_MISMATCH"
  | "INVOICE_TOTAL_TOO_LOW"
  | "CURRENCY_MISMATCH"
  | "NOT_DELIVERED"
  | "DELIVERED_AFTER_REQUEST"
  | "CARRIER_NOT_REGISTERED"
  | "CONSIGNEE_MISMATCH"
  | "SHIPMENT_REFERENCE_MISMATCH"
  /** The waybill's carrier is the seller's or the buyer's own organisation: it cannot vouch for its own trade. */
  | "CARRIER_NOT_INDEPENDENT"
  /**
   * The waybill already backs other invoices, bound to it earlier on chain (in any receivable), that claim its
   * delivered goods; or it names another invoice. One waybill backs at most the goods it delivered.
   */
  | "WAYBILL_OVERUSED"
  | "UNBACKED_TRANSFER";

export interface FundingCheckFailure {
  code: FailureCode;
  /** A plain sentence naming what is wrong. */
  message: string;
  /** The lineage step (0 = the anchor's confirmation) the failure belongs to, when it belongs to one. */
  step?: number;
  /** The piece the failure is about, when it is about one. */
  tokenId?: bigint;
}

/** One step of value reaching the holder, as checked. */
export interface CheckedStep {
  step: number;
  kind: "confirmation" | "transfer";
  /** The piece the step created. */
  tokenId: bigint;
  from: string;
  to: string;
  value: bigint;
  invoiceHash: string;
  logisticsHash: string;
  invoiceFingerprint: string;
  passed: boolean;
}

export type FundingCheckOutcome =
  | {
      ok: true;
      attestation: FundingAttestation;
      /** The verifier's EIP-712 signature of `attestation`, under the Financing contract's domain. */
      signature: string;
      /** The verifier's address. */
      signer: string;
      /** The attestation's digest: the funding's id once funded. */
      fundingId: string;
      asOfBlock: number;
      steps: CheckedStep[];
    }
  | { ok: false; failures: FundingCheckFailure[]; asOfBlock: number; steps: CheckedStep[] };
