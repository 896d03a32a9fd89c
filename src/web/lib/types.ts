/** The JSON the dApp reads: amounts, ids and block times are decimal strings (bigints on the server). */

export interface DappConfig {
  chainId: string;
  rpcUrl: string | null;
  addresses: { registry: string; receivableToken: string; settlementToken: string; settlement: string; financing: string };
  demoAccounts: Array<{ address: string; privateKey: string; name: string; nameZh: string; role: string }>;
}

export interface Session {
  address: string;
  memberId: number;
  roles: string[];
  active: boolean;
  expiresAt: string;
}

export interface Member {
  memberId: number;
  leiHash: string;
  roles: string[];
  status: string;
  kycValidUntil: number;
  accounts: string[];
  /** From the member's admitted application (GET /v1/directory); null when it was admitted without one. */
  nameZh?: string | null;
  nameEn?: string | null;
}

export type PieceStatus = "live" | "funded" | "repaid" | "overdue";

export interface PortfolioPiece {
  tokenId: string;
  slot: string;
  value: string;
  anchorId: number;
  anchor: string | null;
  maturity: string;
  status: PieceStatus;
  repaid: string;
  faceValue: string;
}

export interface FundingRow {
  fundingId: string;
  tokenId: string;
  fundedTokenId: string;
  factor: string;
  holder: string;
  value: string;
  price: string;
  withRecourse: boolean;
  block: number;
  transactionHash: string;
}

export interface Portfolio {
  owner: string;
  asOfBlock: number;
  final: boolean;
  /** Largest value first, then newest; a page of them (the API's default 100), the next page from this cursor. */
  pieces: PortfolioPiece[];
  nextCursor: string | null;
  sold: Array<FundingRow & { maturity: string | null; anchorId: number | null }>;
  totals: { count: number; value: string; soldValue: string; soldPrice: string };
}

export interface TradeProof {
  invoiceFingerprint: string;
  invoiceHash: string;
  logisticsHash: string;
}

export interface CheckFailure {
  code: string;
  message: string;
  step?: number;
  tokenId?: string;
}

export interface TreeNode {
  tokenId: string;
  slot: string;
  owner: string;
  value: string;
  parent: string | null;
  status: "live" | "burned" | "redeemed";
  received: string;
  tradeProof: TradeProof | null;
  createdAtBlock: number;
  checks: { passed: boolean; failures: CheckFailure[] } | null;
}

export interface SlotRecord {
  slot: string;
  anchorId: number;
  anchor: string;
  supplierId: number;
  supplier: string;
  faceValue: string;
  maturity: string;
  currency: string;
  invoiceHash: string;
  logisticsHash: string;
  invoiceFingerprint: string;
  pieceCount: number;
  liveCount: number;
  repaid: string;
  claimed: string;
  fundedValue: string;
  fundingCount: number;
}

export interface PieceTree {
  asOfBlock: number;
  final: boolean;
  focus: string;
  slot: SlotRecord;
  truncated: boolean;
  nodes: TreeNode[];
  fundings: FundingRow[];
}

export interface StoredRequest {
  holder: string;
  request: { tokenId: string; value: string; minPrice: string; factor: string; withRecourse: boolean; deadline: string; nonce: string };
  holderSignature: string;
  submittedAt: number;
  state: "waiting" | "funded" | "withdrawn" | "expired" | "lapsed";
}

export interface FundingCheckPassed {
  attestation: {
    tokenId: string;
    holder: string;
    factor: string;
    value: string;
    price: string;
    invoiceHash: string;
    logisticsHash: string;
    tradeProofHash: string;
    withRecourse: boolean;
    deadline: string;
    nonce: string;
  };
  signature: string;
  signer: string;
  fundingId: string;
  asOfBlock: number;
  steps: Array<{ step: number; kind: string; tokenId: string; from: string; to: string; value: string; passed: boolean }>;
}

export interface FundingCheckRefused {
  failures: CheckFailure[];
  asOfBlock: number;
}

export interface FactorBook {
  factor: string;
  asOfBlock: number;
  totals: { fundings: number; value: string; price: string; recourse: string };
  fundings: Array<FundingRow & { maturity: string | null; anchorId: number | null; status: PieceStatus; due: string; piece: { owner: string; value: string } | null }>;
}

export interface Obligations {
  anchor: string;
  asOfBlock: number;
  outstanding: string;
  receivables: Array<SlotRecord & { outstanding: string; overdue: boolean; fullyRepaid: boolean }>;
}

export interface StoredDocumentJson {
  hash: string;
  kind: "invoice" | "logistics";
  document: unknown;
  uploadedBy: string;
  uploadedAt: number;
}

export type { ApplicationView, ApplicantStatus, OfferView, OwnOfferView, QuoteView, Quotes } from "./onboardingTypes";
