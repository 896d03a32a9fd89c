/**
 * A TypeScript model of the receivable token and the parts of the member registry it consults, and the
 * fast-check generators of random operations on it. The property test
 * (`receivable.property.test.ts`) draws a sequence of `Op`s, resolves each against the model into a
 * concrete `Action` (which token, which amount, which fingerprint), asks the model to predict the outcome
 * (`transition`, which also applies the change when it predicts success), sends the same call to the chain
 * and compares.
 *
 * Besides the token and the registry, the model covers financing (a factor funds a piece against a holder's
 * EIP-712 request and a verifier's attestation), settlement (the anchor repays, anyone claims a piece's
 * share, anyone flags an overdue slot) and the settlement currency (every actor's balance, the escrow, what
 * was issued and redeemed), so that I1, I4, I6 and currency conservation can be checked after every step.
 *
 * Extending it: add an `Op` variant and its arbitrary in `opArbitrary`, an `Action` variant and its
 * resolution in `resolve`, and a prediction in `transition`. Revert predictions must follow the contract's
 * order of checks exactly: the test asserts the custom error's name and arguments; successes list the
 * finance events (`TRACKED_EVENTS`) the transaction must emit, in order.
 */
import fc from "fast-check";
import { AbiCoder, id, keccak256, recoverAddress } from "ethers";
import { Role, roleMask } from "../../src/chain/roles";
import { tokenIdOf } from "../../src/chain/tokenId";
import { financingDomain, fundingAttestationDigest, fundingRequestDigest } from "../../src/chain/funding";
import type { FinancingDomain, FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { daysBetween, price as discountedPrice } from "../../src/finance/discount";
import { invoiceFingerprint } from "../../src/proofs/fingerprint";
import { invoiceUseDigest } from "../../src/proofs/invoiceUse";

export const DAY_SECONDS = 86_400n;
export const MAX_UINT64 = (1n << 64n) - 1n;
/** `ReceivableToken.MAX_TENOR`. */
export const MAX_TENOR = 3650n * DAY_SECONDS;

/** Roles that may hold pieces (`ReceivableToken._HOLDER_ROLES`). */
export const HOLDER_ROLES: number = roleMask(Role.SUPPLIER, Role.FACTOR);
const ANCHOR_ROLE: number = roleMask(Role.ANCHOR);
const SUPPLIER_ROLE: number = roleMask(Role.SUPPLIER);
const FACTOR_ROLE: number = roleMask(Role.FACTOR);
const VERIFIER_ROLE: number = roleMask(Role.VERIFIER);
/** `Financing._requiredVerifiers` (never changed by the test). */
const REQUIRED_VERIFIERS = 1;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

// ---------------------------------------------------------------------------------------------------------
// Model state
// ---------------------------------------------------------------------------------------------------------

export type MemberStatus = "ACTIVE" | "SUSPENDED";

/** An account the test can sign with: a member's only address, or an outsider (memberId 0). */
export interface ActorModel {
  readonly name: string;
  readonly address: string;
  /** 0 for an account that belongs to no member. */
  readonly memberId: number;
  /** Role bitmask as the registry stores it; 0 for a non-member. */
  readonly roles: number;
  status: MemberStatus;
  /** Unix seconds; 0 for a non-member. */
  readonly kycValidUntil: bigint;
  /** The legal-entity-id hash invoice fingerprints of this seller are made from. */
  readonly leiHash: string;
}

/**
 * Whether `caller` may put value into a piece held by `owner`: its own, or that of the actor before it in the cast,
 * which made it its operator for all when the sequence was set up (`prepareFinance`). Merges into any other
 * holder's piece revert with ERC3525UnapprovedTarget.
 */
export function mayMergeInto(owner: number, caller: number, actorCount: number): boolean {
  return caller === owner || caller === (owner + 1) % actorCount;
}

/** One piece (token) ever created. Burned pieces stay in the model with `live` false and value 0. */
export interface PieceModel {
  readonly tokenId: bigint;
  readonly slot: bigint;
  /** Actor index of the owner; for a burned piece, the owner when it was burned. */
  owner: number;
  value: bigint;
  /** The token it was split from; 0 for a slot's first piece. */
  readonly parent: bigint;
  live: boolean;
  /** `Settlement.claimedBy`: the entitlement paid out so far; back to 0 once the piece is redeemed. */
  claimed: bigint;
  /** Everything claims ever paid for it (not reset at redemption). */
  received: bigint;
  /** Burned by a claim that paid it in full (`ReceivableToken.redeem`), not emptied by a move of value. */
  redeemed: boolean;
  /** The value it had when redeemed; 0 otherwise. */
  redeemedValue: bigint;
}

/** One confirmed receivable. */
export interface SlotModel {
  readonly slot: bigint;
  readonly supplier: number;
  readonly faceValue: bigint;
  readonly maturity: bigint;
  /** The highest piece sequence used so far (the chain's `pieceCount`). */
  lastSeq: bigint;
  /** `Settlement.account(slot)`: repaid by the anchor, claimed by the pieces, value of redeemed pieces. */
  repaid: bigint;
  claimed: bigint;
  redeemedValue: bigint;
  overdueFlagged: boolean;
  /** I8: the anchor's credit line in force when this receivable was confirmed, and what it owed right after. */
  readonly lineAtConfirm: bigint;
  readonly outstandingAtConfirm: bigint;
}

/** The anchor's credit line as `ReceivableToken.creditLine` reports it (reviewDate 0: no line). */
export interface CreditLineModel {
  limit: bigint;
  outstanding: bigint;
  reviewDate: bigint;
}

/** The largest review date a line takes (40 bits). */
export const MAX_UINT40 = (1n << 40n) - 1n;

/** One `Financing.fund` call, exactly as sent (so that it can be replayed). */
export interface FundCall {
  /** Actor index of the sender. */
  readonly caller: number;
  readonly request: FundingRequest;
  readonly holderSignature: string;
  readonly attestation: FundingAttestation;
  readonly verifierSignatures: readonly string[];
}

/** A successful funding: the chain's `FundingRecord` and what the model knows about it. */
export interface FundingModel {
  readonly fundingId: string;
  readonly call: FundCall;
  /** Actor index of the holder who sold. */
  readonly holder: number;
  /** The piece the factor now holds (the attested one when whole, a new piece when partial). */
  readonly fundedTokenId: bigint;
  readonly factorId: number;
  readonly sellerId: number;
  readonly price: bigint;
  readonly fundedAt: bigint;
  /** `IFinancing.Recourse`: 0 NONE, 1 AVAILABLE, 2 RECORDED (the factor demanded it). */
  recourse: bigint;
  readonly fundedSeq: bigint;
}

/**
 * A piece under recourse (issue 19 part 3), as `Settlement.recourseOf` reports it: the actor who paid last (where the
 * seller's share of later claims goes), all it paid, its share of the anchor money the piece has still to receive,
 * and what it got back. paid = owed + returned; owed <= value - claimed; the factor's total (what the piece received
 * less what was returned, plus what was paid) never exceeds the piece's value.
 */
export interface RecourseModel {
  seller: number;
  paid: bigint;
  owed: bigint;
  returned: bigint;
}

/** A holder's request nonce, as `Financing.isNonceUsed` and `Financing.funding(holder, nonce)` are asked about it. */
export interface NonceUse {
  readonly holder: number;
  readonly nonce: bigint;
}

/** A nonce spent by a funding: the record under it carries the funding id's first six bytes. */
export interface SpentNonce extends NonceUse {
  readonly fundingId: string;
}

/** Signs a 32-byte digest with the key of the account at `address` (synchronously; see the property test). */
export type DigestSigner = (address: string, digest: string) => string;

/** The financing and settlement side of the setup. */
export interface FinanceSetup {
  readonly chainId: bigint;
  readonly financingAddress: string;
  readonly settlementAddress: string;
  /** The receivable token: the domain of sellers' invoice consents. */
  readonly receivableTokenAddress: string;
  /** Some other contract's address: an attestation signed for it must not be accepted by Financing. */
  readonly otherContractAddress: string;
  /** `Settlement.gracePeriod()`. */
  readonly gracePeriod: bigint;
  readonly issuerAddress: string;
  readonly issuerKycValidUntil: bigint;
  /** Currency balance of each actor after setup, parallel to `actors`. */
  readonly balances: readonly bigint[];
  readonly issuerBalance: bigint;
  readonly totalIssued: bigint;
  readonly sign: DigestSigner;
}

export interface ReceivableModel {
  /** Every account the test uses. Indices are what `Op`s and `Action`s refer to. */
  readonly actors: readonly ActorModel[];
  /** Index of the anchor in `actors`. */
  readonly anchor: number;
  readonly operatorAddress: string;
  readonly operatorKycValidUntil: bigint;
  /** The block timestamp the next transaction will be mined with. */
  now: bigint;
  paused: boolean;
  /** `slots[i].slot === BigInt(i + 1)`. */
  readonly slots: SlotModel[];
  /** Every piece ever created, in creation order, by token id. */
  readonly pieces: Map<bigint, PieceModel>;
  /** Fingerprint -> the token it backs, for every fingerprint a successful call consumed. */
  readonly invoiceUses: Map<string, bigint>;
  /** Fingerprints offered only in calls that reverted: the chain must not have recorded them. */
  readonly unusedFingerprints: Set<string>;
  /** Source of fresh invoice numbers. */
  invoiceCounter: number;
  /** Every fingerprint offered, with the seller (actor index) and number it was derived from. */
  readonly invoiceNumbers: Map<string, { readonly seller: number; readonly number: string }>;

  readonly finance: FinanceSetup;
  /** The timestamp of the latest mined block: what a view call answers at. */
  lastMinedAt: bigint;
  /** Currency balance of each actor, parallel to `actors`. */
  readonly balances: bigint[];
  issuerBalance: bigint;
  /** The settlement contract's currency balance. */
  escrow: bigint;
  totalIssued: bigint;
  totalRedeemed: bigint;
  /** Successful fundings by funding id (attestation digest). */
  readonly fundings: Map<string, FundingModel>;
  /** Calls whose attestation was never used (they reverted), by funding id: may be retried. */
  readonly rejectedFundings: Map<string, FundCall>;
  /** Request nonces spent by a successful funding, keyed `holder address:nonce`. */
  readonly usedNonces: Map<string, SpentNonce>;
  /** Request nonces offered only in reverted calls: the chain must not have spent them. */
  readonly offeredNonces: Map<string, NonceUse>;
  /** Source of fresh request and attestation nonces. */
  fundingCounter: bigint;
  /** Pieces under recourse, by token id. */
  readonly recourse: Map<bigint, RecourseModel>;
  /** The anchor's credit line (I8). */
  readonly credit: CreditLineModel;
  /** What the anchor owed when the sequence began (confirmations of earlier sequences, in the indexer's world). */
  readonly creditBaseline: bigint;
}

export interface ModelSetup {
  readonly actors: readonly ActorModel[];
  readonly anchor: number;
  readonly operatorAddress: string;
  readonly operatorKycValidUntil: bigint;
  readonly now: bigint;
  readonly finance: FinanceSetup;
  readonly creditLine: CreditLineModel;
}

export function initialModel(setup: ModelSetup): ReceivableModel {
  return {
    actors: setup.actors.map((actor): ActorModel => ({ ...actor })),
    anchor: setup.anchor,
    operatorAddress: setup.operatorAddress,
    operatorKycValidUntil: setup.operatorKycValidUntil,
    now: setup.now,
    paused: false,
    slots: [],
    pieces: new Map<bigint, PieceModel>(),
    invoiceUses: new Map<string, bigint>(),
    unusedFingerprints: new Set<string>(),
    invoiceCounter: 0,
    invoiceNumbers: new Map<string, { readonly seller: number; readonly number: string }>(),
    finance: setup.finance,
    // The first transaction is mined at `now`; the block before it is the setup's last.
    lastMinedAt: setup.now - 1n,
    balances: [...setup.finance.balances],
    issuerBalance: setup.finance.issuerBalance,
    escrow: 0n,
    totalIssued: setup.finance.totalIssued,
    totalRedeemed: 0n,
    fundings: new Map<string, FundingModel>(),
    rejectedFundings: new Map<string, FundCall>(),
    usedNonces: new Map<string, SpentNonce>(),
    offeredNonces: new Map<string, NonceUse>(),
    fundingCounter: 0n,
    recourse: new Map<bigint, RecourseModel>(),
    credit: { ...setup.creditLine },
    creditBaseline: setup.creditLine.outstanding,
  };
}

export function livePieces(model: ReceivableModel): PieceModel[] {
  return [...model.pieces.values()].filter((piece) => piece.live);
}

export function burnedPieces(model: ReceivableModel): PieceModel[] {
  return [...model.pieces.values()].filter((piece) => !piece.live);
}

export function totalLiveValue(model: ReceivableModel): bigint {
  return livePieces(model).reduce((sum, piece) => sum + piece.value, 0n);
}

/** Active at time `at`: a member, not suspended, KYC not lapsed (`MemberRegistry._isActive`). */
export function isActive(actor: ActorModel, at: bigint): boolean {
  return actor.memberId !== 0 && actor.status === "ACTIVE" && at < actor.kycValidUntil;
}

function activeWithAnyRole(actor: ActorModel, at: bigint, mask: number): boolean {
  return isActive(actor, at) && (actor.roles & mask) !== 0;
}

export function isHolder(actor: ActorModel): boolean {
  return (actor.roles & HOLDER_ROLES) !== 0;
}

/** Claims open at maturity, or earlier once the slot is fully repaid (`Settlement._claim`). */
export function isClaimable(terms: SlotModel, at: bigint): boolean {
  return at >= terms.maturity || terms.repaid === terms.faceValue;
}

/** `Settlement._isOverdue`: strictly after maturity plus grace, and not fully repaid. */
export function isOverdueAt(model: ReceivableModel, terms: SlotModel, at: bigint): boolean {
  return at > terms.maturity + model.finance.gracePeriod && terms.repaid < terms.faceValue;
}

/** floor(value * repaid / face): what a piece of this value is entitled to so far. */
export function entitlement(terms: SlotModel, value: bigint): bigint {
  return (value * terms.repaid) / terms.faceValue;
}

/** What `Settlement.claimable(tokenId)` answers at `at`. */
export function claimableAt(model: ReceivableModel, piece: PieceModel, at: bigint): bigint {
  if (!piece.live) return 0n;
  const terms = slotOf(model, piece.slot);
  if (!isClaimable(terms, at)) return 0n;
  return entitlement(terms, piece.value) - piece.claimed;
}

/** The funding id of an attestation on this chain's Financing contract. */
export function fundingIdOf(model: ReceivableModel, attestation: FundingAttestation): string {
  return fundingAttestationDigest(financingDomainOf(model), attestation);
}

function financingDomainOf(model: ReceivableModel): FinancingDomain {
  return financingDomain(model.finance.chainId, model.finance.financingAddress);
}

function nonceKey(holder: string, nonce: bigint): string {
  return `${holder.toLowerCase()}:${nonce}`;
}

// ---------------------------------------------------------------------------------------------------------
// Operations (what fast-check generates) and actions (operations resolved against the model)
// ---------------------------------------------------------------------------------------------------------

/** Which token an operation works on: `pick` indexes the live (or, when `burned`, the burned) pieces. */
export interface TokenChoice {
  readonly pick: number;
  readonly burned: boolean;
}

/** The target of a merge, relative to the source. */
export interface TargetChoice {
  /** sameSlot: another live piece of the source's slot if any; anyLive: any other live piece. */
  readonly mode: "sameSlot" | "anyLive" | "self" | "burned";
  readonly pick: number;
}

/** How much of the source's value to move. */
export type AmountChoice =
  | { readonly kind: "zero" }
  | { readonly kind: "all" }
  | { readonly kind: "part"; readonly seed: bigint }
  | { readonly kind: "more"; readonly extra: bigint };

/** A fresh invoice, one the model saw consumed (must revert), or one offered before in a reverted call. */
export type FingerprintChoice =
  { readonly kind: "fresh" } | { readonly kind: "reuse"; readonly pick: number } | { readonly kind: "retry"; readonly pick: number };

export type Op =
  | {
      readonly kind: "confirm";
      readonly supplier: number;
      readonly faceValue: bigint;
      readonly maturityDays: number;
      readonly fingerprint: FingerprintChoice;
    }
  | { readonly kind: "split"; readonly source: TokenChoice; readonly to: number; readonly amount: AmountChoice }
  | {
      readonly kind: "transferWithProof";
      readonly source: TokenChoice;
      readonly to: number;
      readonly amount: AmountChoice;
      readonly fingerprint: FingerprintChoice;
    }
  | { readonly kind: "merge"; readonly source: TokenChoice; readonly target: TargetChoice; readonly amount: AmountChoice }
  | { readonly kind: "transferWhole"; readonly source: TokenChoice; readonly to: number }
  | { readonly kind: "suspend"; readonly member: number; readonly anyMember: boolean }
  | { readonly kind: "reinstate"; readonly member: number; readonly anyMember: boolean }
  | { readonly kind: "pause"; readonly redundant: boolean }
  | { readonly kind: "unpause"; readonly redundant: boolean }
  | { readonly kind: "advanceTime"; readonly seconds: bigint }
  | {
      readonly kind: "fund";
      /** Actor index of the factor (mostly a FACTOR member). */
      readonly factor: number;
      readonly source: TokenChoice;
      /** Prefer a live piece of a matured slot (FinancingTokenMatured). */
      readonly matured: boolean;
      /** `all` funds the whole piece, `part` splits a piece off for the factor. */
      readonly amount: AmountChoice;
      readonly rateBps: bigint;
      readonly withRecourse: boolean;
      readonly variant: FundVariant;
      readonly pick: number;
    }
  | {
      readonly kind: "repay";
      /** undefined: the anchor; otherwise any actor (SettlementNotAnchor unless it is the anchor). */
      readonly caller: number | undefined;
      readonly slot: SlotChoice;
      readonly amount: AmountChoice;
    }
  | { readonly kind: "claim"; readonly caller: number; readonly source: TokenChoice; readonly due: boolean }
  | {
      readonly kind: "claimMany";
      readonly caller: number;
      readonly sources: readonly TokenChoice[];
      /** Claim every piece with something due (of one slot when `oneSlot`) instead of `sources`. */
      readonly due: boolean;
      readonly oneSlot: number | undefined;
      /** Append the first piece again. */
      readonly duplicate: boolean;
    }
  | { readonly kind: "flagOverdue"; readonly caller: number; readonly slot: SlotChoice }
  | { readonly kind: "advanceTo"; readonly slot: number; readonly boundary: TimeBoundary }
  | { readonly kind: "issue"; readonly to: number; readonly amount: bigint }
  | { readonly kind: "redeemCurrency"; readonly amount: AmountChoice }
  /** The factor's demand for recourse on a funding (mostly one that may succeed); `otherCaller` sends it as someone else. */
  | { readonly kind: "demandRecourse"; readonly pick: number; readonly fitting: boolean; readonly otherCaller: boolean }
  /** The seller's recourse payment (mostly on a demanded funding, of part or all of what is due). */
  | { readonly kind: "payRecourse"; readonly pick: number; readonly fitting: boolean; readonly amount: AmountChoice; readonly otherCaller: boolean }
  | { readonly kind: "setCreditLine"; readonly limit: LineChoice; readonly review: ReviewChoice; readonly nonAnchor: boolean };

/**
 * The line the operator sets, relative to what the anchor owes when it is set: below it (lowering a line under what is
 * already confirmed), exactly at it, a little above it, the 64-bit maximum, or one past it (refused).
 */
export type LineChoice =
  | { readonly kind: "below"; readonly seed: bigint }
  | { readonly kind: "at" }
  | { readonly kind: "above"; readonly extra: bigint }
  | { readonly kind: "max" }
  | { readonly kind: "tooLarge" };

/** The review date: some days ahead, the block's own time (refused), or past 40 bits (refused). */
export type ReviewChoice = { readonly kind: "ahead"; readonly days: bigint } | { readonly kind: "now" } | { readonly kind: "tooFar" };

/**
 * How a funding is made: `normal` (holder request and verifier attestation for this contract, fresh nonces),
 * `replay` (an attestation already used, resent as it was), `retry` (a call that reverted, resent as it was),
 * `expired` (attestation deadline one second before the block), `edge` (both deadlines exactly at the block),
 * `reuseNonce` (a request nonce the holder already spent), `nonceMismatch` (the attestation carries another
 * nonce than the request), `selfFund` (a piece the factor holds itself), `otherChain` / `otherContract` (the
 * verifier signed for another EIP-712 domain), `badConsent` (the holder signed for another chain), `lowPrice`
 * (the holder's minimum is above the attested price), `wrongCaller` (someone other than the named factor
 * sends it), `recourseMismatch` (the attestation's recourse is not the one the holder signed for).
 */
export type FundVariant =
  | "normal"
  | "replay"
  | "retry"
  | "expired"
  | "edge"
  | "reuseNonce"
  | "nonceMismatch"
  | "selfFund"
  | "otherChain"
  | "otherContract"
  | "badConsent"
  | "lowPrice"
  | "wrongCaller"
  | "recourseMismatch";

/** Which slot: mostly one where the operation can succeed (`fitting`), sometimes any, rarely one that does not exist. */
export interface SlotChoice {
  readonly pick: number;
  readonly mode: "fitting" | "any" | "missing";
}

/**
 * Where `advanceTo` puts the next block: one second before a slot's maturity, at it, at the last second of its
 * grace period (still on time), or one second after that (overdue if not fully repaid).
 */
export type TimeBoundary = "beforeMaturity" | "maturity" | "graceEnd" | "afterGraceEnd";

/** The documents of one invoice: what a confirmation or trade proof carries, and the fingerprint the chain derives. */
export interface InvoiceDocuments {
  readonly invoiceNumber: string;
  readonly invoiceHash: string;
  readonly logisticsHash: string;
  /** The seller's consent naming the caller as buyer. */
  readonly sellerConsent: string;
  /** Not sent: what the chain derives from the seller's legal-entity hash and the number. */
  readonly invoiceFingerprint: string;
}

export type Action =
  | {
      readonly kind: "confirm";
      readonly supplier: number;
      readonly faceValue: bigint;
      readonly maturity: bigint;
      readonly documents: InvoiceDocuments;
    }
  | { readonly kind: "split"; readonly caller: number; readonly from: bigint; readonly to: number; readonly value: bigint }
  | {
      readonly kind: "transferWithProof";
      readonly caller: number;
      readonly from: bigint;
      readonly to: number;
      readonly value: bigint;
      readonly documents: InvoiceDocuments;
    }
  | { readonly kind: "merge"; readonly caller: number; readonly from: bigint; readonly target: bigint; readonly value: bigint }
  | { readonly kind: "transferWhole"; readonly caller: number; readonly tokenId: bigint; readonly to: number }
  | { readonly kind: "suspend"; readonly member: number }
  | { readonly kind: "reinstate"; readonly member: number }
  | { readonly kind: "pause" }
  | { readonly kind: "unpause" }
  | { readonly kind: "advanceTime"; readonly seconds: bigint }
  | { readonly kind: "fund"; readonly variant: FundVariant; readonly call: FundCall }
  | { readonly kind: "repay"; readonly caller: number; readonly slot: bigint; readonly amount: bigint }
  | { readonly kind: "claim"; readonly caller: number; readonly tokenId: bigint }
  | { readonly kind: "claimMany"; readonly caller: number; readonly tokenIds: readonly bigint[] }
  | { readonly kind: "flagOverdue"; readonly caller: number; readonly slot: bigint }
  | { readonly kind: "issue"; readonly to: number; readonly amount: bigint }
  | { readonly kind: "redeemCurrency"; readonly amount: bigint }
  | { readonly kind: "demandRecourse"; readonly caller: number; readonly fundingId: string; readonly attestation: FundingAttestation }
  | {
      readonly kind: "payRecourse";
      readonly caller: number;
      readonly fundingId: string;
      readonly attestation: FundingAttestation;
      readonly amount: bigint;
    }
  | { readonly kind: "setCreditLine"; readonly member: number; readonly limit: bigint; readonly reviewDate: bigint };

/** An argument of a custom error or an event, as ethers decodes it (addresses and bytes32 as hex strings). */
export type ErrorArgument = bigint | string | boolean;

/** The contracts whose errors and events the model predicts. */
export type ContractName = "token" | "registry" | "financing" | "settlement" | "currency";

/** An event a successful transaction must emit. */
export interface ExpectedEvent {
  readonly contract: ContractName;
  readonly name: string;
  readonly args: readonly ErrorArgument[];
}

/**
 * The finance events the model predicts: a successful transaction emits exactly the predicted ones of these,
 * in this order (other events, such as ERC-3525 transfers, are not compared).
 */
export const TRACKED_EVENTS: ReadonlyArray<readonly [ContractName, string]> = [
  ["financing", "Funded"],
  ["settlement", "Repaid"],
  ["settlement", "OverdueCured"],
  ["settlement", "Claimed"],
  ["settlement", "SlotOverdue"],
  // Only redemptions, `TransferValue(tokenId, 0, value)` with a value, are tracked of these (see `isTrackedEvent`);
  // a piece a split or merge emptied reports its burn with value 0.
  ["token", "TransferValue"],
  ["currency", "Issued"],
  ["currency", "Redeemed"],
  ["financing", "RecourseRecorded"],
  ["financing", "RecoursePaid"],
  ["settlement", "RecourseTaken"],
  ["settlement", "RecourseClaimRouted"],
  ["token", "CreditLineSet"],
  ["token", "CreditLineReleased"],
];

/** Whether an event of a receipt is one the model predicts. */
export function isTrackedEvent(contract: ContractName, name: string, args: readonly unknown[]): boolean {
  if (!TRACKED_EVENTS.some(([owner, tracked]) => owner === contract && tracked === name)) return false;
  return contract !== "token" || name !== "TransferValue" || (args[1] === 0n && args[2] !== 0n);
}

/** What the model expects of a call: success (emitting these events), or a revert with this custom error (and arguments) of this contract. */
export type Outcome =
  | { readonly ok: true; readonly events: readonly ExpectedEvent[] }
  | { readonly ok: false; readonly contract: ContractName; readonly error: string; readonly args: readonly ErrorArgument[] };

const SUCCESS: Outcome = { ok: true, events: [] };

function succeed(...events: ExpectedEvent[]): Outcome {
  return { ok: true, events };
}

function event(contract: ContractName, name: string, ...args: ErrorArgument[]): ExpectedEvent {
  return { contract, name, args };
}

function tokenError(error: string, ...args: ErrorArgument[]): Outcome {
  return { ok: false, contract: "token", error, args };
}

function registryError(error: string, ...args: ErrorArgument[]): Outcome {
  return { ok: false, contract: "registry", error, args };
}

function financingError(error: string, ...args: ErrorArgument[]): Outcome {
  return { ok: false, contract: "financing", error, args };
}

function settlementError(error: string, ...args: ErrorArgument[]): Outcome {
  return { ok: false, contract: "settlement", error, args };
}

function currencyError(error: string, ...args: ErrorArgument[]): Outcome {
  return { ok: false, contract: "currency", error, args };
}

/** `IMemberRegistry.MemberStatus` as a number. */
function statusCode(status: MemberStatus): bigint {
  return status === "ACTIVE" ? 1n : 2n;
}

// ---------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------

/** Who is who in the actor list, so that generators can favour counterparties that may succeed. */
export interface ActorLayout {
  readonly actorCount: number;
  /** Members with a holder role (SUPPLIER or FACTOR). */
  readonly holders: readonly number[];
  /** Members with the SUPPLIER role. */
  readonly suppliers: readonly number[];
  /** Members with the FACTOR role: who funds. */
  readonly factors: readonly number[];
}

export function layoutOf(actors: readonly ActorModel[]): ActorLayout {
  const indices = (keep: (actor: ActorModel) => boolean): number[] =>
    actors.map((actor, index) => (keep(actor) ? index : -1)).filter((index) => index >= 0);
  return {
    actorCount: actors.length,
    holders: indices((actor) => actor.memberId !== 0 && isHolder(actor)),
    suppliers: indices((actor) => actor.memberId !== 0 && (actor.roles & SUPPLIER_ROLE) !== 0),
    factors: indices((actor) => actor.memberId !== 0 && (actor.roles & FACTOR_ROLE) !== 0),
  };
}

/** Mostly one of `likely`, sometimes any actor at all (non-members and members without the role included). */
function counterpartyArbitrary(layout: ActorLayout, likely: readonly number[]): fc.Arbitrary<number> {
  return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...likely) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: layout.actorCount - 1 }) });
}

/** Face values in minor units: small, ordinary, around 2^63, at the 64-bit limit, and a few invalid ones. */
export function faceValueArbitrary(): fc.Arbitrary<bigint> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 5n }) },
    { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 1_000_000_000n }) },
    { weight: 3, arbitrary: fc.bigInt({ min: (1n << 63n) - 1_000n, max: (1n << 63n) + 1_000n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: MAX_UINT64 - 1_000n, max: MAX_UINT64 }) },
    { weight: 1, arbitrary: fc.constantFrom(0n, MAX_UINT64 + 1n, 1n << 255n) },
  );
}

function amountArbitrary(): fc.Arbitrary<AmountChoice> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<AmountChoice>({ kind: "zero" }) },
    { weight: 3, arbitrary: fc.constant<AmountChoice>({ kind: "all" }) },
    {
      weight: 6,
      arbitrary: fc.bigInt({ min: 0n, max: 1n << 70n }).map((seed): AmountChoice => ({ kind: "part", seed })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.bigInt({ min: 0n, max: 3n }), fc.constantFrom(1n << 64n, 1n << 200n))
        .map((extra): AmountChoice => ({ kind: "more", extra })),
    },
  );
}

function fingerprintArbitrary(): fc.Arbitrary<FingerprintChoice> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant<FingerprintChoice>({ kind: "fresh" }) },
    { weight: 2, arbitrary: fc.nat().map((pick): FingerprintChoice => ({ kind: "reuse", pick })) },
    { weight: 1, arbitrary: fc.nat().map((pick): FingerprintChoice => ({ kind: "retry", pick })) },
  );
}

function tokenArbitrary(): fc.Arbitrary<TokenChoice> {
  return fc.record({ pick: fc.nat(), burned: fc.integer({ min: 0, max: 11 }).map((n) => n === 0) });
}

function targetArbitrary(): fc.Arbitrary<TargetChoice> {
  return fc.record({
    mode: fc.oneof(
      { weight: 6, arbitrary: fc.constant<TargetChoice["mode"]>("sameSlot") },
      { weight: 3, arbitrary: fc.constant<TargetChoice["mode"]>("anyLive") },
      { weight: 1, arbitrary: fc.constant<TargetChoice["mode"]>("self") },
      { weight: 1, arbitrary: fc.constant<TargetChoice["mode"]>("burned") },
    ),
    pick: fc.nat(),
  });
}

function maturityDaysArbitrary(): fc.Arbitrary<number> {
  // Mostly 1..365 days; sometimes exactly 1 day so that time advances reach maturity; rarely 0 (invalid).
  return fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 365 }) },
    { weight: 2, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constant(0) },
  );
}

function secondsArbitrary(): fc.Arbitrary<bigint> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 3_600n }) },
    { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 90n }).map((days) => days * DAY_SECONDS) },
    { weight: 1, arbitrary: fc.bigInt({ min: 360n, max: 800n }).map((days) => days * DAY_SECONDS) },
  );
}

/** An anchor's confirmation to a random counterparty (mostly a holder). */
export function confirmArbitrary(layout: ActorLayout): fc.Arbitrary<Op> {
  return fc
    .record({
      supplier: counterpartyArbitrary(layout, layout.suppliers),
      faceValue: faceValueArbitrary(),
      maturityDays: maturityDaysArbitrary(),
      fingerprint: fingerprintArbitrary(),
    })
    .map((r): Op => ({ kind: "confirm", ...r }));
}

function fundVariantArbitrary(): fc.Arbitrary<FundVariant> {
  const weighted = (weight: number, variant: FundVariant): { weight: number; arbitrary: fc.Arbitrary<FundVariant> } => ({
    weight,
    arbitrary: fc.constant(variant),
  });
  return fc.oneof(
    weighted(14, "normal"),
    weighted(6, "replay"),
    weighted(1, "retry"),
    weighted(2, "expired"),
    weighted(1, "edge"),
    weighted(1, "reuseNonce"),
    weighted(1, "nonceMismatch"),
    weighted(1, "selfFund"),
    weighted(1, "otherChain"),
    weighted(1, "otherContract"),
    weighted(1, "badConsent"),
    weighted(1, "lowPrice"),
    weighted(1, "wrongCaller"),
    weighted(1, "recourseMismatch"),
  );
}

/** Annual discount rates: ordinary ones, none, and the 100% limit. */
function rateArbitrary(): fc.Arbitrary<bigint> {
  return fc.oneof({ weight: 6, arbitrary: fc.bigInt({ min: 1n, max: 2_000n }) }, { weight: 1, arbitrary: fc.constantFrom(0n, 10_000n) });
}

function slotChoiceArbitrary(): fc.Arbitrary<SlotChoice> {
  return fc.record({
    pick: fc.nat(),
    mode: fc.oneof(
      { weight: 8, arbitrary: fc.constant<SlotChoice["mode"]>("fitting") },
      { weight: 2, arbitrary: fc.constant<SlotChoice["mode"]>("any") },
      { weight: 1, arbitrary: fc.constant<SlotChoice["mode"]>("missing") },
    ),
  });
}

/** A factor funds a piece; mostly one of the FACTOR members, sometimes any actor. */
export function fundArbitrary(layout: ActorLayout): fc.Arbitrary<Op> {
  return fc
    .record({
      factor: counterpartyArbitrary(layout, layout.factors),
      source: tokenArbitrary(),
      matured: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      amount: fc.oneof(
        { weight: 5, arbitrary: fc.constant<AmountChoice>({ kind: "all" }) },
        { weight: 5, arbitrary: fc.bigInt({ min: 0n, max: 1n << 70n }).map((seed): AmountChoice => ({ kind: "part", seed })) },
        { weight: 1, arbitrary: amountArbitrary() },
      ),
      rateBps: rateArbitrary(),
      withRecourse: fc.boolean(),
      variant: fundVariantArbitrary(),
      pick: fc.nat(),
    })
    .map((r): Op => ({ kind: "fund", ...r }));
}

/** The anchor (mostly) repays part or all of a slot's outstanding amount, sometimes too much or nothing. */
export function repayArbitrary(layout: ActorLayout): fc.Arbitrary<Op> {
  return fc
    .record({
      caller: fc.oneof(
        { weight: 10, arbitrary: fc.constant<number | undefined>(undefined) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: layout.actorCount - 1 }) },
      ),
      slot: slotChoiceArbitrary(),
      amount: fc.oneof(
        { weight: 5, arbitrary: fc.constant<AmountChoice>({ kind: "all" }) },
        { weight: 5, arbitrary: fc.bigInt({ min: 0n, max: 1n << 70n }).map((seed): AmountChoice => ({ kind: "part", seed })) },
        { weight: 1, arbitrary: fc.constant<AmountChoice>({ kind: "zero" }) },
        {
          weight: 1,
          arbitrary: fc.oneof(fc.bigInt({ min: 0n, max: 3n }), fc.constantFrom(1n << 64n)).map((extra): AmountChoice => ({ kind: "more", extra })),
        },
      ),
    })
    .map((r): Op => ({ kind: "repay", ...r }));
}

function boundaryArbitrary(): fc.Arbitrary<TimeBoundary> {
  return fc.constantFrom<TimeBoundary>("beforeMaturity", "maturity", "maturity", "graceEnd", "afterGraceEnd", "afterGraceEnd");
}

/** One random operation. Weights favour moves of value; registry and pause operations are rarer. */
export function opArbitrary(layout: ActorLayout): fc.Arbitrary<Op> {
  const counterparty = counterpartyArbitrary(layout, layout.holders);
  const memberChoice = fc.record({ member: fc.nat(), anyMember: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) });
  const redundant = fc.record({ redundant: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) });
  const anyActor = fc.integer({ min: 0, max: layout.actorCount - 1 });
  return fc.oneof(
    { weight: 6, arbitrary: confirmArbitrary(layout) },
    {
      weight: 8,
      arbitrary: fc.record({ source: tokenArbitrary(), to: counterparty, amount: amountArbitrary() }).map((r): Op => ({ kind: "split", ...r })),
    },
    {
      weight: 6,
      arbitrary: fc
        .record({ source: tokenArbitrary(), to: counterparty, amount: amountArbitrary(), fingerprint: fingerprintArbitrary() })
        .map((r): Op => ({ kind: "transferWithProof", ...r })),
    },
    {
      weight: 7,
      arbitrary: fc
        .record({ source: tokenArbitrary(), target: targetArbitrary(), amount: amountArbitrary() })
        .map((r): Op => ({ kind: "merge", ...r })),
    },
    {
      weight: 4,
      arbitrary: fc.record({ source: tokenArbitrary(), to: counterparty }).map((r): Op => ({ kind: "transferWhole", ...r })),
    },
    { weight: 2, arbitrary: memberChoice.map((r): Op => ({ kind: "suspend", ...r })) },
    { weight: 2, arbitrary: memberChoice.map((r): Op => ({ kind: "reinstate", ...r })) },
    // Unpausing is likelier than pausing so that paused stretches stay short; a redundant pause or unpause
    // (which must revert) is drawn only when `redundant` says so, otherwise it is skipped.
    { weight: 1, arbitrary: redundant.map((r): Op => ({ kind: "pause", ...r })) },
    { weight: 6, arbitrary: redundant.map((r): Op => ({ kind: "unpause", ...r })) },
    { weight: 2, arbitrary: secondsArbitrary().map((seconds): Op => ({ kind: "advanceTime", seconds })) },
    // Financing, settlement and the currency.
    { weight: 7, arbitrary: fundArbitrary(layout) },
    { weight: 8, arbitrary: repayArbitrary(layout) },
    {
      weight: 7,
      arbitrary: fc
        .record({ caller: anyActor, source: tokenArbitrary(), due: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0) })
        .map((r): Op => ({ kind: "claim", ...r })),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({
          caller: anyActor,
          sources: fc.array(tokenArbitrary(), { maxLength: 4 }),
          due: fc.integer({ min: 0, max: 2 }).map((n) => n !== 0),
          oneSlot: fc.option(fc.nat(), { nil: undefined }),
          duplicate: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
        })
        .map((r): Op => ({ kind: "claimMany", ...r })),
    },
    { weight: 3, arbitrary: fc.record({ caller: anyActor, slot: slotChoiceArbitrary() }).map((r): Op => ({ kind: "flagOverdue", ...r })) },
    { weight: 5, arbitrary: fc.record({ slot: fc.nat(), boundary: boundaryArbitrary() }).map((r): Op => ({ kind: "advanceTo", ...r })) },
    {
      weight: 1,
      arbitrary: fc
        .record({ to: counterpartyArbitrary(layout, layout.holders), amount: fc.bigInt({ min: 0n, max: 1_000_000_000n }) })
        .map((r): Op => ({ kind: "issue", ...r })),
    },
    { weight: 1, arbitrary: amountArbitrary().map((amount): Op => ({ kind: "redeemCurrency", amount })) },
    // Recourse that settles.
    {
      weight: 5,
      arbitrary: fc
        .record({
          pick: fc.nat(),
          fitting: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0),
          otherCaller: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
        })
        .map((r): Op => ({ kind: "demandRecourse", ...r })),
    },
    {
      weight: 8,
      arbitrary: fc
        .record({
          pick: fc.nat(),
          fitting: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0),
          amount: amountArbitrary(),
          otherCaller: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
        })
        .map((r): Op => ({ kind: "payRecourse", ...r })),
    },
    { weight: 2, arbitrary: creditLineArbitrary() },
  );
}

/** The operator sets the anchor's credit line (rarely a non-anchor's, which is refused). */
export function creditLineArbitrary(): fc.Arbitrary<Op> {
  const limit = fc.oneof(
    { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 1n << 70n }).map((seed): LineChoice => ({ kind: "below", seed })) },
    { weight: 2, arbitrary: fc.constant<LineChoice>({ kind: "at" }) },
    { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 2_000_000_000n }).map((extra): LineChoice => ({ kind: "above", extra })) },
    { weight: 2, arbitrary: fc.constant<LineChoice>({ kind: "max" }) },
    { weight: 1, arbitrary: fc.constant<LineChoice>({ kind: "tooLarge" }) },
  );
  const review = fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 720n }).map((days): ReviewChoice => ({ kind: "ahead", days })) },
    { weight: 1, arbitrary: fc.constant<ReviewChoice>({ kind: "now" }) },
    { weight: 1, arbitrary: fc.constant<ReviewChoice>({ kind: "tooFar" }) },
  );
  return fc
    .record({ limit, review, nonAnchor: fc.integer({ min: 0, max: 9 }).map((n) => n === 0) })
    .map((r): Op => ({ kind: "setCreditLine", ...r }));
}

/** A sequence of 5..36 operations; the first is a confirmation, so that token operations have a token. */
export function sequenceArbitrary(layout: ActorLayout): fc.Arbitrary<Op[]> {
  return fc
    .tuple(confirmArbitrary(layout), fc.array(opArbitrary(layout), { minLength: 4, maxLength: 35, size: "max" }))
    .map(([first, rest]): Op[] => [first, ...rest]);
}

// ---------------------------------------------------------------------------------------------------------
// Resolution: an operation made concrete against the current model
// ---------------------------------------------------------------------------------------------------------

function pickFrom<T>(items: readonly T[], pick: number): T | undefined {
  return items.length === 0 ? undefined : items[pick % items.length];
}

function resolveToken(model: ReceivableModel, choice: TokenChoice): PieceModel | undefined {
  const live = livePieces(model);
  const burned = burnedPieces(model);
  if (choice.burned) return pickFrom(burned, choice.pick) ?? pickFrom(live, choice.pick);
  return pickFrom(live, choice.pick) ?? pickFrom(burned, choice.pick);
}

/** The merge target, or `undefined` when the mode asks for another live piece and there is none. */
function resolveTarget(model: ReceivableModel, source: PieceModel, choice: TargetChoice): PieceModel | undefined {
  const others = livePieces(model).filter((piece) => piece.tokenId !== source.tokenId);
  switch (choice.mode) {
    case "self":
      return source;
    case "burned":
      return pickFrom(burnedPieces(model), choice.pick) ?? pickFrom(others, choice.pick);
    case "anyLive":
      return pickFrom(others, choice.pick);
    case "sameSlot": {
      const sameSlot = others.filter((piece) => piece.slot === source.slot);
      // Prefer a target the source's owner may put value into (see `mayMergeInto`), so that merges go through.
      const open = sameSlot.filter((piece) => mayMergeInto(piece.owner, source.owner, model.actors.length));
      return pickFrom(open, choice.pick) ?? pickFrom(sameSlot, choice.pick) ?? pickFrom(others, choice.pick);
    }
  }
}

function resolveAmount(available: bigint, choice: AmountChoice): bigint {
  switch (choice.kind) {
    case "zero":
      return 0n;
    case "all":
      return available;
    case "part":
      return available === 0n ? 1n + (choice.seed % 1_000n) : 1n + (choice.seed % available);
    case "more":
      return available + 1n + choice.extra;
  }
}

/**
 * An invoice of `seller` that `buyer` registers, with the seller's consent. Reusing or retrying picks a number
 * offered before, preferably the same seller's (the fingerprint binds the seller: another seller's number is a
 * new invoice).
 */
function documentsFor(model: ReceivableModel, seller: number, buyer: number, choice: FingerprintChoice): InvoiceDocuments {
  model.invoiceCounter += 1;
  const fresh = `PROP-${model.invoiceCounter.toString().padStart(6, "0")}`;
  const numberOf = (fingerprints: Iterable<string>, pick: number): string => {
    const offered = [...fingerprints].flatMap((fingerprint) => {
      const origin = model.invoiceNumbers.get(fingerprint);
      return origin === undefined ? [] : [origin];
    });
    const own = offered.filter((origin) => origin.seller === seller);
    return pickFrom(own.length > 0 ? own : offered, pick)?.number ?? fresh;
  };
  let number: string;
  switch (choice.kind) {
    case "fresh":
      number = fresh;
      break;
    case "reuse":
      number = numberOf(model.invoiceUses.keys(), choice.pick);
      break;
    case "retry":
      number = numberOf(model.unusedFingerprints, choice.pick);
      break;
  }
  const salted = (document: string): string =>
    keccak256(AbiCoder.defaultAbiCoder().encode(["string", "string", "uint256"], [document, number, model.invoiceCounter]));
  const invoiceHash = salted("invoice");
  const sellerAddress = model.actors[seller].address;
  const digest = invoiceUseDigest(model.finance.chainId, model.finance.receivableTokenAddress, {
    invoiceNumber: number,
    invoiceHash,
    buyer: model.actors[buyer].address,
  });
  const invoiceFingerprintOfSeller = invoiceFingerprint(model.actors[seller].leiHash, number);
  model.invoiceNumbers.set(invoiceFingerprintOfSeller, { seller, number });
  return {
    invoiceNumber: number,
    invoiceHash,
    logisticsHash: salted("logistics"),
    sellerConsent: model.finance.sign(sellerAddress, digest),
    invoiceFingerprint: invoiceFingerprintOfSeller,
  };
}

/**
 * The concrete call an operation stands for in the current state, or `undefined` when there is nothing to
 * act on: a token operation before any piece exists, a merge that wants another live piece when there is
 * none, a reinstatement with nobody suspended (unless any member was drawn), a pause or unpause that would
 * change nothing (unless a redundant one was drawn). Token operations are attempted by the token's owner
 * (for a burned token, its last owner). Resolving a confirmation or transfer with proof draws an invoice
 * number from the model, so resolve each operation once.
 */
export function resolve(model: ReceivableModel, op: Op): Action | undefined {
  const actorCount = model.actors.length;
  switch (op.kind) {
    case "confirm":
      return {
        kind: "confirm",
        supplier: op.supplier % actorCount,
        faceValue: op.faceValue,
        maturity: model.now + BigInt(op.maturityDays) * DAY_SECONDS,
        documents: documentsFor(model, op.supplier % actorCount, model.anchor, op.fingerprint),
      };
    case "split": {
      const source = resolveToken(model, op.source);
      if (source === undefined) return undefined;
      return {
        kind: "split",
        caller: source.owner,
        from: source.tokenId,
        to: op.to % actorCount,
        value: resolveAmount(source.value, op.amount),
      };
    }
    case "transferWithProof": {
      const source = resolveToken(model, op.source);
      if (source === undefined) return undefined;
      const to = op.to % actorCount;
      return {
        kind: "transferWithProof",
        caller: source.owner,
        from: source.tokenId,
        to,
        value: resolveAmount(source.value, op.amount),
        // The recipient is the seller of the trade the proof documents.
        documents: documentsFor(model, to, source.owner, op.fingerprint),
      };
    }
    case "merge": {
      // For a same-slot merge, prefer a source whose slot has another live piece.
      const live = livePieces(model);
      const partnered = (open: boolean) =>
        live.filter((piece) =>
          live.some(
            (other) =>
              other.slot === piece.slot && other.tokenId !== piece.tokenId && (!open || mayMergeInto(other.owner, piece.owner, model.actors.length)),
          ),
        );
      const openPairs = partnered(true);
      const mergeable = openPairs.length > 0 ? openPairs : partnered(false);
      const source =
        op.target.mode === "sameSlot" && !op.source.burned && mergeable.length > 0
          ? pickFrom(mergeable, op.source.pick)
          : resolveToken(model, op.source);
      if (source === undefined) return undefined;
      const target = resolveTarget(model, source, op.target);
      if (target === undefined) return undefined;
      return {
        kind: "merge",
        caller: source.owner,
        from: source.tokenId,
        target: target.tokenId,
        value: resolveAmount(source.value, op.amount),
      };
    }
    case "transferWhole": {
      const source = resolveToken(model, op.source);
      if (source === undefined) return undefined;
      return { kind: "transferWhole", caller: source.owner, tokenId: source.tokenId, to: op.to % actorCount };
    }
    case "suspend":
    case "reinstate": {
      // A member whose status allows the change (skipped if there is none); sometimes any member, which the
      // registry refuses when the status does not fit.
      const members = model.actors.map((_, index) => index).filter((index) => model.actors[index].memberId !== 0);
      const wanted: MemberStatus = op.kind === "suspend" ? "ACTIVE" : "SUSPENDED";
      const fitting = members.filter((index) => model.actors[index].status === wanted);
      const member = op.anyMember ? pickFrom(members, op.member) : pickFrom(fitting, op.member);
      return member === undefined ? undefined : { kind: op.kind, member };
    }
    case "pause":
    case "unpause":
      // Only a call that changes the state, unless a redundant one (which must revert) was drawn.
      return op.redundant || model.paused === (op.kind === "unpause") ? { kind: op.kind } : undefined;
    case "advanceTime":
      return { kind: "advanceTime", seconds: op.seconds };
    case "fund":
      return resolveFund(model, op);
    case "repay": {
      const slot = resolveSlot(model, op.slot, (terms) => terms.repaid < terms.faceValue);
      if (slot === undefined) return undefined;
      const terms = model.slots[Number(slot) - 1];
      const outstanding = terms === undefined ? 0n : terms.faceValue - terms.repaid;
      const caller = op.caller === undefined ? model.anchor : op.caller % actorCount;
      return { kind: "repay", caller, slot, amount: resolveAmount(outstanding, op.amount) };
    }
    case "claim": {
      // Mostly a piece with something due, else a live piece of a slot open for claims, else any piece.
      const open = livePieces(model).filter((piece) => isClaimable(slotOf(model, piece.slot), model.now));
      const due = open.filter((piece) => claimableAt(model, piece, model.now) > 0n);
      const piece = (op.due ? (pickFrom(due, op.source.pick) ?? pickFrom(open, op.source.pick)) : undefined) ?? resolveToken(model, op.source);
      return piece === undefined ? undefined : { kind: "claim", caller: op.caller % actorCount, tokenId: piece.tokenId };
    }
    case "claimMany": {
      let tokenIds: bigint[];
      const open = livePieces(model).filter((piece) => isClaimable(slotOf(model, piece.slot), model.now));
      const due = open.filter((piece) => claimableAt(model, piece, model.now) > 0n);
      if (op.due && open.length > 0) {
        // Every piece with something due (of one slot, perhaps), or every open piece when none is due.
        const candidates = due.length > 0 ? due : open;
        const slot = op.oneSlot === undefined ? undefined : pickFrom(candidates, op.oneSlot)?.slot;
        tokenIds = candidates.filter((piece) => slot === undefined || piece.slot === slot).map((piece) => piece.tokenId);
      } else {
        tokenIds = op.sources.map((choice) => resolveToken(model, choice)?.tokenId).filter((tokenId): tokenId is bigint => tokenId !== undefined);
      }
      if (op.duplicate && tokenIds.length > 0) tokenIds.push(tokenIds[0]);
      return { kind: "claimMany", caller: op.caller % actorCount, tokenIds };
    }
    case "flagOverdue": {
      const slot = resolveSlot(model, op.slot, (terms) => isOverdueAt(model, terms, model.now) && !terms.overdueFlagged);
      return slot === undefined ? undefined : { kind: "flagOverdue", caller: op.caller % actorCount, slot };
    }
    case "advanceTo": {
      // The next block at a boundary of a slot still ahead; skipped when every boundary has passed.
      const targets = model.slots
        .map((terms): bigint => {
          const graceEnd = terms.maturity + model.finance.gracePeriod;
          switch (op.boundary) {
            case "beforeMaturity":
              return terms.maturity - 1n;
            case "maturity":
              return terms.maturity;
            case "graceEnd":
              return graceEnd;
            case "afterGraceEnd":
              return graceEnd + 1n;
          }
        })
        .filter((target) => target > model.now);
      const target = pickFrom(targets, op.slot);
      return target === undefined ? undefined : { kind: "advanceTime", seconds: target - model.now };
    }
    case "issue":
      return { kind: "issue", to: op.to % actorCount, amount: op.amount };
    case "redeemCurrency":
      return { kind: "redeemCurrency", amount: resolveAmount(model.issuerBalance, op.amount) };
    case "demandRecourse": {
      const fundings = [...model.fundings.values()];
      const available = fundings.filter((funding) => funding.recourse === 1n);
      const fitting = available.filter((funding) => isOverdueAt(model, slotOf(model, funding.fundedTokenId >> 32n), model.now));
      if (op.fitting && fitting.length === 0) {
        // Recourse waits for the grace period to end: let time run to just after it for a funding that could use it.
        const waiting = available
          .map((funding) => slotOf(model, funding.fundedTokenId >> 32n).maturity + model.finance.gracePeriod + 1n)
          .filter((at) => at > model.now);
        const target = pickFrom(waiting, op.pick);
        if (target !== undefined) return { kind: "advanceTime", seconds: target - model.now };
        // No funding with recourse to wait for: a factor buys a piece with recourse first.
        if (available.length === 0) {
          const factors = model.actors
            .map((actor, index) => ({ actor, index }))
            .filter(({ actor }) => actor.memberId !== 0 && (actor.roles & FACTOR_ROLE) !== 0);
          const factor = pickFrom(factors, op.pick);
          if (factor !== undefined) {
            return resolveFund(model, {
              kind: "fund",
              factor: factor.index,
              source: { pick: op.pick, burned: false },
              matured: false,
              amount: op.pick % 2 === 0 ? { kind: "all" } : { kind: "part", seed: BigInt(op.pick) * 7919n },
              rateBps: 600n,
              withRecourse: true,
              variant: "normal",
              pick: op.pick,
            });
          }
        }
      }
      const funding = (op.fitting ? pickFrom(fitting, op.pick) : undefined) ?? pickFrom(fundings, op.pick);
      if (funding === undefined) return undefined;
      const factor = model.actors.findIndex((actor) => actor.memberId === funding.factorId);
      return {
        kind: "demandRecourse",
        caller: op.otherCaller ? (factor + 1) % actorCount : factor,
        fundingId: funding.fundingId,
        attestation: funding.call.attestation,
      };
    }
    case "payRecourse": {
      const fundings = [...model.fundings.values()];
      const fitting = fundings.filter((funding) => funding.recourse === 2n);
      // Nothing demanded yet: the demand comes first.
      if (op.fitting && fitting.length === 0) return resolve(model, { kind: "demandRecourse", pick: op.pick, fitting: true, otherCaller: false });
      const funding = (op.fitting ? pickFrom(fitting, op.pick) : undefined) ?? pickFrom(fundings, op.pick);
      if (funding === undefined) return undefined;
      const due = recourseDueAt(model, funding.fundedTokenId, model.now);
      const caller = op.otherCaller ? (funding.holder + 1) % actorCount : funding.holder;
      return {
        kind: "payRecourse",
        caller,
        fundingId: funding.fundingId,
        attestation: funding.call.attestation,
        amount: resolveAmount(due, op.amount),
      };
    }
    case "setCreditLine":
      return {
        kind: "setCreditLine",
        member: op.nonAnchor ? 0 : model.anchor,
        limit: resolveLine(model.credit.outstanding, op.limit),
        reviewDate: resolveReview(model.now, op.review),
      };
  }
}

function resolveLine(outstanding: bigint, choice: LineChoice): bigint {
  switch (choice.kind) {
    case "below":
      return outstanding === 0n ? 0n : choice.seed % outstanding;
    case "at":
      return outstanding;
    case "above":
      return outstanding + 1n + choice.extra > MAX_UINT64 ? MAX_UINT64 : outstanding + 1n + choice.extra;
    case "max":
      return MAX_UINT64;
    case "tooLarge":
      return MAX_UINT64 + 1n;
  }
}

/** The review date for a transaction mined at `at`. */
function resolveReview(at: bigint, choice: ReviewChoice): bigint {
  switch (choice.kind) {
    case "ahead":
      return at + choice.days * DAY_SECONDS;
    case "now":
      return at;
    case "tooFar":
      return MAX_UINT40 + 1n;
  }
}

/**
 * `Settlement.recourseDue` and the split a recourse payment makes first: the piece's entitlement, the anchor money
 * repaid on it and not yet claimed, the seller's part of that, and the seller's share once it is paid out.
 */
export function recourseStateOf(model: ReceivableModel, piece: PieceModel): { entitled: bigint; pending: bigint; toSeller: bigint; owed: bigint } {
  const terms = slotOf(model, piece.slot);
  const entitled = entitlement(terms, piece.value);
  const pending = entitled - piece.claimed;
  let owed = model.recourse.get(piece.tokenId)?.owed ?? 0n;
  let toSeller = 0n;
  if (pending !== 0n && owed !== 0n) {
    toSeller = (pending * owed) / (piece.value - piece.claimed);
    owed -= toSeller;
  }
  return { entitled, pending, toSeller, owed };
}

/** `Settlement.recourseDue(tokenId)` at `at`. */
export function recourseDueAt(model: ReceivableModel, tokenId: bigint, at: bigint): bigint {
  const piece = model.pieces.get(tokenId);
  if (piece === undefined || !piece.live) return 0n;
  const terms = slotOf(model, piece.slot);
  if (at < terms.maturity || terms.repaid === terms.faceValue) return 0n;
  const { entitled, owed } = recourseStateOf(model, piece);
  return piece.value - entitled - owed;
}

/** A slot for a settlement operation: one that fits (if any), any existing one, or the first that does not exist. */
function resolveSlot(model: ReceivableModel, choice: SlotChoice, fits: (terms: SlotModel) => boolean): bigint | undefined {
  const missing = BigInt(model.slots.length + 1);
  if (choice.mode === "missing") return missing;
  const fitting = choice.mode === "fitting" ? pickFrom(model.slots.filter(fits), choice.pick) : undefined;
  return (fitting ?? pickFrom(model.slots, choice.pick))?.slot;
}

function freshHash(model: ReceivableModel, what: string): string {
  return id(`property ${what} ${model.fundingCounter}`);
}

/**
 * A `fund` call: the piece (of a holder other than the factor when there is one), the value (whole or a part),
 * the discounted price for the days left until maturity, the holder's request signed by the holder and the
 * attestation signed by the verifier, both over this chain's Financing domain unless the variant says otherwise.
 */
function resolveFund(model: ReceivableModel, op: Extract<Op, { kind: "fund" }>): Action | undefined {
  const actorCount = model.actors.length;
  if (op.variant === "replay" || op.variant === "retry") {
    const calls = op.variant === "replay" ? [...model.fundings.values()].map((funding) => funding.call) : [...model.rejectedFundings.values()];
    const call = pickFrom(calls, op.pick);
    if (call !== undefined) return { kind: "fund", variant: op.variant, call };
    // Nothing to resend: a fresh funding instead.
    return resolveFund(model, { ...op, variant: "normal" });
  }
  const factor = op.factor % actorCount;
  const live = livePieces(model);
  const matured = op.matured ? live.filter((piece) => slotOf(model, piece.slot).maturity <= model.now) : [];
  const others = live.filter((piece) => model.actors[piece.owner].memberId !== model.actors[factor].memberId);
  const own = op.variant === "selfFund" ? live.filter((piece) => piece.owner === factor) : [];
  if (op.variant === "selfFund" && own.length === 0) return resolveFund(model, { ...op, variant: "normal" });
  const source =
    pickFrom(own, op.source.pick) ??
    pickFrom(matured, op.source.pick) ??
    (op.source.burned ? undefined : pickFrom(others, op.source.pick)) ??
    resolveToken(model, op.source);
  if (source === undefined) return undefined;
  const at = model.now;
  const maturity = slotOf(model, source.slot).maturity;
  const value = resolveAmount(source.value, op.amount);
  const price = discountedPrice(value, op.rateBps, daysBetween(at, maturity));
  const holder = model.actors[source.owner];
  const factorAddress = model.actors[factor].address;

  model.fundingCounter += 1n;
  const used = [...model.usedNonces.values()].filter((use) => use.holder === source.owner);
  const reused = op.variant === "reuseNonce" ? pickFrom(used, op.pick)?.nonce : undefined;
  // Without a spent nonce of this holder to reuse, a fresh funding instead.
  if (op.variant === "reuseNonce" && reused === undefined) return resolveFund(model, { ...op, variant: "normal" });
  const nonce = reused ?? model.fundingCounter;
  if (op.variant === "nonceMismatch") model.fundingCounter += 1n;
  const request: FundingRequest = {
    tokenId: source.tokenId,
    value,
    minPrice: op.variant === "lowPrice" ? price + 1n : price,
    factor: factorAddress,
    // The holder's term; the attestation differs from it only in the variant about that.
    withRecourse: op.variant === "recourseMismatch" ? !op.withRecourse : op.withRecourse,
    deadline: op.variant === "edge" ? at : at + DAY_SECONDS,
    nonce,
  };
  const attestation: FundingAttestation = {
    tokenId: source.tokenId,
    holder: holder.address,
    factor: factorAddress,
    value,
    price,
    invoiceHash: freshHash(model, "invoice"),
    logisticsHash: freshHash(model, "logistics"),
    tradeProofHash: freshHash(model, "trade proof"),
    withRecourse: op.withRecourse,
    deadline: op.variant === "expired" ? at - 1n : op.variant === "edge" ? at : at + 30n * DAY_SECONDS,
    // The attestation repeats the request's nonce (unless the variant is about it not doing so).
    nonce: op.variant === "nonceMismatch" ? model.fundingCounter : nonce,
  };
  const domain = financingDomainOf(model);
  const otherChain = financingDomain(model.finance.chainId + 1n, model.finance.financingAddress);
  const otherContract = financingDomain(model.finance.chainId, model.finance.otherContractAddress);
  const attestationDomain = op.variant === "otherChain" ? otherChain : op.variant === "otherContract" ? otherContract : domain;
  const verifiers = model.actors.filter((actor) => actor.memberId !== 0 && (actor.roles & VERIFIER_ROLE) !== 0);
  const verifierSignatures = verifiers.map((verifier) =>
    model.finance.sign(verifier.address, fundingAttestationDigest(attestationDomain, attestation)),
  );
  const holderSignature = model.finance.sign(holder.address, fundingRequestDigest(op.variant === "badConsent" ? otherChain : domain, request));
  const caller = op.variant === "wrongCaller" ? (factor + 1) % actorCount : factor;
  return { kind: "fund", variant: op.variant, call: { caller, request, holderSignature, attestation, verifierSignatures } };
}

// ---------------------------------------------------------------------------------------------------------
// Prediction and effect
// ---------------------------------------------------------------------------------------------------------

function slotOf(model: ReceivableModel, slot: bigint): SlotModel {
  const terms = model.slots[Number(slot) - 1];
  if (terms === undefined || terms.slot !== slot) throw new Error(`model has no slot ${slot}`);
  return terms;
}

function livePiece(model: ReceivableModel, tokenId: bigint): PieceModel | undefined {
  const piece = model.pieces.get(tokenId);
  return piece !== undefined && piece.live ? piece : undefined;
}

/** `ReceivableToken._authorizeMove`: pause, maturity, then sender and recipient standing. */
function authorizeMove(model: ReceivableModel, owner: number, to: number, slot: bigint, at: bigint): Outcome {
  if (model.paused) return tokenError("EnforcedPause");
  const maturity = slotOf(model, slot).maturity;
  if (at >= maturity) return tokenError("ReceivableMatured", slot, maturity);
  if (!isActive(model.actors[owner], at)) return tokenError("ReceivableIneligibleSender", model.actors[owner].address);
  if (!activeWithAnyRole(model.actors[to], at, HOLDER_ROLES)) {
    return tokenError("ReceivableIneligibleRecipient", model.actors[to].address);
  }
  return SUCCESS;
}

/** `PackedERC3525._checkValue`. */
function checkValue(tokenId: bigint, available: bigint, value: bigint): Outcome {
  if (value === 0n) return tokenError("ERC3525ZeroValue");
  if (value > available) return tokenError("ERC3525InsufficientValue", tokenId, available, value);
  return SUCCESS;
}

/** `PackedERC3525._reduce`: a source left empty is burned. */
function reduce(piece: PieceModel, value: bigint): void {
  piece.value -= value;
  if (piece.value === 0n) piece.live = false;
}

function createPiece(model: ReceivableModel, slot: bigint, owner: number, value: bigint, parent: bigint): PieceModel {
  const terms = slotOf(model, slot);
  terms.lastSeq += 1n;
  const piece: PieceModel = {
    tokenId: tokenIdOf(slot, terms.lastSeq),
    slot,
    owner,
    value,
    parent,
    live: true,
    claimed: 0n,
    received: 0n,
    redeemed: false,
    redeemedValue: 0n,
  };
  model.pieces.set(piece.tokenId, piece);
  return piece;
}

/** Prediction of `PackedERC3525._split`, applied when it succeeds. */
function split(model: ReceivableModel, from: bigint, to: number, value: bigint, at: bigint): { outcome: Outcome; created?: PieceModel } {
  const source = livePiece(model, from);
  if (source === undefined) return { outcome: tokenError("ERC721NonexistentToken", from) };
  const valueCheck = checkValue(from, source.value, value);
  if (!valueCheck.ok) return { outcome: valueCheck };
  const move = authorizeMove(model, source.owner, to, source.slot, at);
  if (!move.ok) return { outcome: move };
  const created = createPiece(model, source.slot, to, value, source.tokenId);
  reduce(source, value);
  return { outcome: SUCCESS, created };
}

function recordFingerprint(model: ReceivableModel, fingerprint: string, outcome: Outcome, tokenId: bigint | undefined): void {
  if (outcome.ok && tokenId !== undefined) {
    model.invoiceUses.set(fingerprint, tokenId);
    model.unusedFingerprints.delete(fingerprint);
  } else if (!model.invoiceUses.has(fingerprint)) {
    model.unusedFingerprints.add(fingerprint);
  }
}

/**
 * Predicts the outcome of `action` at the model's clock and, when it predicts success, applies the effect.
 * A transaction advances the clock by one second (the next block's timestamp).
 */
export function transition(model: ReceivableModel, action: Action): Outcome {
  if (action.kind === "advanceTime") {
    model.now += action.seconds;
    return SUCCESS;
  }
  const at = model.now;
  model.now += 1n;
  const outcome = predict(model, action, at);
  // I6 in the model itself: no value or token of a matured slot may be predicted to move.
  const moved = movedSlot(model, action);
  if (outcome.ok && moved !== undefined && at >= slotOf(model, moved).maturity) {
    throw new Error(`model: predicted a move of slot ${moved} at ${at}, at or after its maturity`);
  }
  // Hardhat mines a reverting transaction too (it fails in its block), so views answer at `at` either way.
  model.lastMinedAt = at;
  return outcome;
}

/** The slot whose pieces an action moves (split, transfer, merge, funding), if it moves any. */
function movedSlot(model: ReceivableModel, action: Action): bigint | undefined {
  switch (action.kind) {
    case "split":
    case "transferWithProof":
    case "merge":
      return model.pieces.get(action.from)?.slot;
    case "transferWhole":
      return model.pieces.get(action.tokenId)?.slot;
    case "fund":
      return model.pieces.get(action.call.attestation.tokenId)?.slot;
    default:
      return undefined;
  }
}

function predict(model: ReceivableModel, action: Exclude<Action, { kind: "advanceTime" }>, at: bigint): Outcome {
  const operatorActive = at < model.operatorKycValidUntil;
  switch (action.kind) {
    case "confirm": {
      const outcome = predictConfirm(model, action, at);
      let tokenId: bigint | undefined;
      if (outcome.ok) {
        const slot = BigInt(model.slots.length + 1);
        model.credit.outstanding += action.faceValue;
        model.slots.push({
          lineAtConfirm: model.credit.limit,
          outstandingAtConfirm: model.credit.outstanding,
          slot,
          supplier: action.supplier,
          faceValue: action.faceValue,
          maturity: action.maturity,
          lastSeq: 0n,
          repaid: 0n,
          claimed: 0n,
          redeemedValue: 0n,
          overdueFlagged: false,
        });
        tokenId = createPiece(model, slot, action.supplier, action.faceValue, 0n).tokenId;
      }
      recordFingerprint(model, action.documents.invoiceFingerprint, outcome, tokenId);
      return outcome;
    }
    case "split":
      return split(model, action.from, action.to, action.value, at).outcome;
    case "transferWithProof": {
      const fingerprint = action.documents.invoiceFingerprint;
      const usedBy = model.invoiceUses.get(fingerprint);
      if (usedBy !== undefined) return tokenError("ReceivableInvoiceAlreadyUsed", fingerprint, usedBy);
      const { outcome, created } = split(model, action.from, action.to, action.value, at);
      recordFingerprint(model, fingerprint, outcome, created?.tokenId);
      return outcome;
    }
    case "merge": {
      const source = livePiece(model, action.from);
      if (source === undefined) return tokenError("ERC721NonexistentToken", action.from);
      const target = livePiece(model, action.target);
      if (target === undefined) return tokenError("ERC721NonexistentToken", action.target);
      if (source.tokenId === target.tokenId) return tokenError("ERC3525SameToken", action.from);
      if (source.slot !== target.slot) return tokenError("ERC3525SlotMismatch", action.from, action.target);
      const valueCheck = checkValue(action.from, source.value, action.value);
      if (!valueCheck.ok) return valueCheck;
      // Value enters a token only by whoever may move it.
      if (!mayMergeInto(target.owner, action.caller, model.actors.length)) {
        return tokenError("ERC3525UnapprovedTarget", action.target, model.actors[target.owner].address, model.actors[action.caller].address);
      }
      const move = authorizeMove(model, source.owner, target.owner, source.slot, at);
      if (!move.ok) return move;
      target.value += action.value;
      reduce(source, action.value);
      return SUCCESS;
    }
    case "transferWhole": {
      const piece = livePiece(model, action.tokenId);
      if (piece === undefined) return tokenError("ERC721NonexistentToken", action.tokenId);
      const move = authorizeMove(model, piece.owner, action.to, piece.slot, at);
      if (!move.ok) return move;
      piece.owner = action.to;
      return SUCCESS;
    }
    case "suspend": {
      if (!operatorActive) return registryError("RegistryUnauthorizedOperator", model.operatorAddress);
      const member = model.actors[action.member];
      if (member.status !== "ACTIVE") {
        return registryError("RegistryUnexpectedStatus", BigInt(member.memberId), statusCode(member.status));
      }
      member.status = "SUSPENDED";
      return SUCCESS;
    }
    case "reinstate": {
      if (!operatorActive) return registryError("RegistryUnauthorizedOperator", model.operatorAddress);
      const member = model.actors[action.member];
      if (member.status !== "SUSPENDED") {
        return registryError("RegistryUnexpectedStatus", BigInt(member.memberId), statusCode(member.status));
      }
      member.status = "ACTIVE";
      return SUCCESS;
    }
    case "pause":
      if (!operatorActive) return tokenError("ReceivableUnauthorizedOperator", model.operatorAddress);
      if (model.paused) return tokenError("EnforcedPause");
      model.paused = true;
      return SUCCESS;
    case "unpause":
      if (!operatorActive) return tokenError("ReceivableUnauthorizedOperator", model.operatorAddress);
      if (!model.paused) return tokenError("ExpectedPause");
      model.paused = false;
      return SUCCESS;
    case "fund":
      return predictFund(model, action.call, at);
    case "demandRecourse":
      return predictDemandRecourse(model, action, at);
    case "payRecourse":
      return predictPayRecourse(model, action, at);
    case "repay":
      return predictRepay(model, action, at);
    case "claim": {
      const planned = planClaims(model, [action.tokenId], at, false);
      if (!planned.ok) return planned.outcome;
      if (planned.effects.length === 0) return settlementError("SettlementNothingToClaim", action.tokenId);
      return applyClaims(model, planned.effects);
    }
    case "claimMany": {
      const planned = planClaims(model, action.tokenIds, at, true);
      return planned.ok ? applyClaims(model, planned.effects) : planned.outcome;
    }
    case "flagOverdue": {
      const terms = model.slots[Number(action.slot) - 1];
      if (terms === undefined) return tokenError("ReceivableNonexistentSlot", action.slot);
      if (!isOverdueAt(model, terms, at)) return settlementError("SettlementNotOverdue", action.slot);
      if (terms.overdueFlagged) return settlementError("SettlementAlreadyFlagged", action.slot);
      terms.overdueFlagged = true;
      return succeed(event("settlement", "SlotOverdue", action.slot, terms.repaid, terms.faceValue));
    }
    case "issue": {
      const issuer = model.finance.issuerAddress;
      if (at >= model.finance.issuerKycValidUntil) return currencyError("SettlementTokenNotIssuer", issuer);
      const to = model.actors[action.to];
      if (!isActive(to, at)) return currencyError("SettlementTokenIneligibleRecipient", to.address);
      model.totalIssued += action.amount;
      model.balances[action.to] += action.amount;
      return succeed(event("currency", "Issued", issuer, to.address, action.amount));
    }
    case "redeemCurrency": {
      const issuer = model.finance.issuerAddress;
      if (at >= model.finance.issuerKycValidUntil) return currencyError("SettlementTokenNotIssuer", issuer);
      if (model.issuerBalance < action.amount) {
        return currencyError("ERC20InsufficientBalance", issuer, model.issuerBalance, action.amount);
      }
      model.totalRedeemed += action.amount;
      model.issuerBalance -= action.amount;
      return succeed(event("currency", "Redeemed", issuer, action.amount));
    }
    case "setCreditLine": {
      if (!operatorActive) return tokenError("ReceivableUnauthorizedOperator", model.operatorAddress);
      const member = model.actors[action.member];
      if ((member.roles & ANCHOR_ROLE) === 0) return tokenError("ReceivableCreditLineNotAnchor", BigInt(member.memberId));
      if (action.limit > MAX_UINT64 || action.reviewDate <= at || action.reviewDate > MAX_UINT40) {
        return tokenError("ReceivableInvalidCreditLine", action.limit, action.reviewDate, at);
      }
      model.credit.limit = action.limit;
      model.credit.reviewDate = action.reviewDate;
      return succeed(event("token", "CreditLineSet", BigInt(member.memberId), action.limit, action.reviewDate, model.credit.outstanding));
    }
  }
}

/** The checks `SettlementToken._update` and OpenZeppelin's ERC-20 make on a transfer between two actors. */
function currencyTransfer(model: ReceivableModel, from: number, to: number, amount: bigint, at: bigint): Outcome {
  const sender = model.actors[from];
  const recipient = model.actors[to];
  if (!isActive(sender, at)) return currencyError("SettlementTokenIneligibleSender", sender.address);
  if (!isActive(recipient, at)) return currencyError("SettlementTokenIneligibleRecipient", recipient.address);
  if (model.balances[from] < amount) return currencyError("ERC20InsufficientBalance", sender.address, model.balances[from], amount);
  return SUCCESS;
}

/** Remembers a call whose attestation the chain did not use, and the request nonce it did not spend. */
function rejectFunding(model: ReceivableModel, fundingId: string, call: FundCall, outcome: Outcome): Outcome {
  if (!model.fundings.has(fundingId)) model.rejectedFundings.set(fundingId, call);
  const holder = actorIndexOf(model, call.attestation.holder);
  for (const nonce of [call.request.nonce, call.attestation.nonce]) {
    const key = nonceKey(call.attestation.holder, nonce);
    if (holder !== undefined && !model.usedNonces.has(key)) model.offeredNonces.set(key, { holder, nonce });
  }
  return outcome;
}

function actorIndexOf(model: ReceivableModel, address: string): number | undefined {
  const wanted = address.toLowerCase();
  const index = model.actors.findIndex((actor) => actor.address.toLowerCase() === wanted);
  return index < 0 ? undefined : index;
}

/**
 * `Financing.fund`'s checks in order, then the delivery against payment. A funding is recorded under the
 * holder's request nonce, which the attestation repeats: the one record is the spent consent and the proof
 * that the attestation was used (its first six bytes tag the record).
 */
function predictFund(model: ReceivableModel, call: FundCall, at: bigint): Outcome {
  const { request, attestation } = call;
  const fundingId = fundingIdOf(model, attestation);
  const reject = (outcome: Outcome): Outcome => rejectFunding(model, fundingId, call, outcome);
  if (at > attestation.deadline) return reject(financingError("FinancingAttestationExpired", attestation.deadline, at));
  // _checkUnspent
  const spent = model.usedNonces.get(nonceKey(attestation.holder, attestation.nonce));
  if (spent !== undefined) {
    if (spent.fundingId.slice(0, 14) === fundingId.slice(0, 14)) return financingError("FinancingAttestationReplayed", fundingId);
    return reject(financingError("FinancingNonceUsed", attestation.holder, attestation.nonce));
  }
  const caller = model.actors[call.caller];
  if (caller.address !== attestation.factor || caller.address !== request.factor) {
    return reject(financingError("FinancingFactorMismatch", caller.address, attestation.factor, request.factor));
  }

  // _checkParties
  const piece = livePiece(model, attestation.tokenId);
  if (piece === undefined) return reject(tokenError("ERC721NonexistentToken", attestation.tokenId));
  const owner = model.actors[piece.owner];
  if (owner.address !== attestation.holder) {
    return reject(financingError("FinancingHolderMismatch", attestation.tokenId, attestation.holder, owner.address));
  }
  if (!activeWithAnyRole(caller, at, FACTOR_ROLE)) return reject(financingError("FinancingNotFactor", caller.address));
  if (caller.memberId === owner.memberId) return reject(financingError("FinancingSelfFunding", BigInt(caller.memberId)));

  // _checkVerifiers
  if (call.verifierSignatures.length < REQUIRED_VERIFIERS) {
    return reject(financingError("FinancingTooFewVerifiers", BigInt(call.verifierSignatures.length), BigInt(REQUIRED_VERIFIERS)));
  }
  let previous = 0n;
  const verifierIds: number[] = [];
  for (const signature of call.verifierSignatures) {
    const signer = recoverAddress(fundingId, signature);
    if (BigInt(signer) <= previous) return reject(financingError("FinancingSignersNotAscending", signer));
    previous = BigInt(signer);
    const index = actorIndexOf(model, signer);
    const verifier = index === undefined ? undefined : model.actors[index];
    if (verifier === undefined || !activeWithAnyRole(verifier, at, VERIFIER_ROLE)) {
      return reject(financingError("FinancingSignerNotVerifier", signer));
    }
    if (verifier.memberId === caller.memberId || verifier.memberId === owner.memberId) {
      return reject(financingError("FinancingConflictedVerifier", BigInt(verifier.memberId)));
    }
    if (verifierIds.includes(verifier.memberId)) return reject(financingError("FinancingDuplicateVerifier", BigInt(verifier.memberId)));
    verifierIds.push(verifier.memberId);
  }

  // _checkTerms
  if (request.tokenId !== attestation.tokenId || request.value !== attestation.value) {
    return reject(financingError("FinancingRequestMismatch", request.tokenId, attestation.tokenId, request.value, attestation.value));
  }
  if (request.nonce !== attestation.nonce) return reject(financingError("FinancingNonceMismatch", request.nonce, attestation.nonce));
  if (request.withRecourse !== attestation.withRecourse) {
    return reject(financingError("FinancingRecourseMismatch", request.withRecourse, attestation.withRecourse));
  }
  if (attestation.value === 0n) return reject(financingError("FinancingZeroValue"));
  if (attestation.price > attestation.value) return reject(financingError("FinancingPriceAboveValue", attestation.price, attestation.value));
  if (attestation.price < request.minPrice) return reject(financingError("FinancingPriceBelowMinimum", attestation.price, request.minPrice));
  if (at > request.deadline) return reject(financingError("FinancingRequestExpired", request.deadline, at));

  // _checkNotMatured
  const terms = slotOf(model, piece.slot);
  if (at >= terms.maturity) return reject(financingError("FinancingTokenMatured", attestation.tokenId, terms.maturity));

  // _checkConsent (holders are accounts and never approve on chain here, so only the holder's ECDSA signature counts)
  const consentSigner = recoverAddress(fundingRequestDigest(financingDomainOf(model), request), call.holderSignature);
  if (consentSigner !== owner.address) return reject(financingError("FinancingMissingHolderConsent", owner.address));

  // _record, then _deliverAgainstPayment: the price first, then the piece (whole, or split off).
  const whole = attestation.value === piece.value;
  const fundedSeq = whole ? piece.tokenId & 0xffffffffn : terms.lastSeq + 1n;
  const holderIndex = piece.owner;
  const payment = currencyTransfer(model, call.caller, holderIndex, attestation.price, at);
  if (!payment.ok) return reject(payment);
  if (whole) {
    const move = authorizeMove(model, holderIndex, call.caller, piece.slot, at);
    if (!move.ok) return reject(move);
    piece.owner = call.caller;
  } else {
    const { outcome } = split(model, piece.tokenId, call.caller, attestation.value, at);
    if (!outcome.ok) return reject(outcome);
  }
  model.balances[call.caller] -= attestation.price;
  model.balances[holderIndex] += attestation.price;
  const fundedTokenId = tokenIdOf(piece.slot, fundedSeq);
  model.fundings.set(fundingId, {
    fundingId,
    call,
    holder: holderIndex,
    fundedTokenId,
    factorId: caller.memberId,
    sellerId: owner.memberId,
    price: attestation.price,
    fundedAt: at,
    recourse: attestation.withRecourse ? 1n : 0n,
    fundedSeq,
  });
  model.rejectedFundings.delete(fundingId);
  const key = nonceKey(attestation.holder, attestation.nonce);
  model.usedNonces.set(key, { holder: holderIndex, nonce: attestation.nonce, fundingId });
  model.offeredNonces.delete(key);
  return succeed(
    event(
      "financing",
      "Funded",
      fundingId,
      attestation.tokenId,
      caller.address,
      owner.address,
      fundedTokenId,
      attestation.value,
      attestation.price,
      attestation.withRecourse,
    ),
  );
}

/** `Settlement.repay`'s checks in order, then the transfer into escrow. */
function predictRepay(model: ReceivableModel, action: Extract<Action, { kind: "repay" }>, _at: bigint): Outcome {
  const terms = model.slots[Number(action.slot) - 1];
  if (terms === undefined) return tokenError("ReceivableNonexistentSlot", action.slot);
  const caller = model.actors[action.caller];
  // Every slot's anchor is the model's anchor.
  if (caller.memberId !== model.actors[model.anchor].memberId) return settlementError("SettlementNotAnchor", action.slot, caller.address);
  if (action.amount === 0n) return settlementError("SettlementZeroAmount");
  const outstanding = terms.faceValue - terms.repaid;
  if (action.amount > outstanding) return settlementError("SettlementOverpayment", action.slot, action.amount, outstanding);
  // transferFrom(anchor, settlement): the escrow pulls it, and a member of any standing may pay into it (a
  // suspended anchor must still be able to repay), so only membership and the balance matter.
  if (caller.memberId === 0) return currencyError("SettlementTokenIneligibleSender", caller.address);
  if (model.balances[action.caller] < action.amount) {
    return currencyError("ERC20InsufficientBalance", caller.address, model.balances[action.caller], action.amount);
  }
  terms.repaid += action.amount;
  model.balances[action.caller] -= action.amount;
  model.escrow += action.amount;
  const fullyRepaid = terms.repaid === terms.faceValue;
  const events = [event("settlement", "Repaid", action.slot, caller.address, action.amount, terms.repaid, fullyRepaid)];
  if (fullyRepaid && terms.overdueFlagged) events.push(event("settlement", "OverdueCured", action.slot));
  // The repayment frees the anchor's line by what it paid.
  model.credit.outstanding -= action.amount;
  const anchorId = BigInt(model.actors[model.anchor].memberId);
  events.push(event("token", "CreditLineReleased", anchorId, action.slot, action.amount, model.credit.outstanding));
  return succeed(...events);
}

/** One claim that pays: `amount` to the piece's holder, which is redeemed (burned) when `entitled` is its value. */
interface ClaimEffect {
  readonly piece: PieceModel;
  readonly holder: number;
  readonly amount: bigint;
  readonly entitled: bigint;
  readonly redeem: boolean;
}

/**
 * `Settlement._claim` for each token in turn, without changing the model: later claims in a batch see what
 * earlier ones did (a duplicate is paid nothing more; a piece redeemed earlier in the batch no longer exists).
 * For `claimMany`, a token that does not exist (never did, or was burned) is skipped before anything is checked.
 */
function planClaims(
  model: ReceivableModel,
  tokenIds: readonly bigint[],
  at: bigint,
  batch: boolean,
): { ok: true; effects: ClaimEffect[] } | { ok: false; outcome: Outcome } {
  const claimed = new Map<bigint, bigint>();
  const redeemed = new Set<bigint>();
  let escrow = model.escrow;
  const effects: ClaimEffect[] = [];
  for (const tokenId of tokenIds) {
    const piece = model.pieces.get(tokenId);
    const exists = piece !== undefined && piece.live && !redeemed.has(tokenId);
    if (batch && !exists) continue;
    const slot = tokenId >> 32n;
    const terms = model.slots[Number(slot) - 1];
    if (terms === undefined) return { ok: false, outcome: tokenError("ReceivableNonexistentSlot", slot) };
    if (!isClaimable(terms, at)) {
      return { ok: false, outcome: settlementError("SettlementNotClaimable", slot, terms.maturity, terms.repaid, terms.faceValue) };
    }
    if (!exists) return { ok: false, outcome: tokenError("ERC721NonexistentToken", tokenId) };
    const entitled = entitlement(terms, piece.value);
    const before = claimed.get(tokenId) ?? piece.claimed;
    if (entitled < before) throw new Error(`model: ${tokenId} is entitled to ${entitled} but has claimed ${before}`);
    const amount = entitled - before;
    if (amount === 0n) continue;
    const redeem = entitled === piece.value;
    // The escrow is a system account: its payouts are not checked against the registry (holders are members,
    // suspended or not, by I3), only against its balance.
    if (escrow < amount) {
      return { ok: false, outcome: currencyError("ERC20InsufficientBalance", model.finance.settlementAddress, escrow, amount) };
    }
    escrow -= amount;
    claimed.set(tokenId, redeem ? 0n : entitled);
    if (redeem) redeemed.add(tokenId);
    effects.push({ piece, holder: piece.owner, amount, entitled, redeem });
  }
  return { ok: true, effects };
}

function applyClaims(model: ReceivableModel, effects: readonly ClaimEffect[]): Outcome {
  const events: ExpectedEvent[] = [];
  for (const { piece, holder, amount, entitled, redeem } of effects) {
    const terms = slotOf(model, piece.slot);
    const address = model.actors[holder].address;
    // On a piece under recourse the seller's share goes to the seller (announced after the Claimed).
    const book = model.recourse.get(piece.tokenId);
    const base = piece.value - (entitled - amount);
    const toSeller = book === undefined || book.owed === 0n ? 0n : (amount * book.owed) / base;
    terms.claimed += amount;
    piece.received += amount;
    model.escrow -= amount;
    model.balances[holder] += amount - toSeller;
    const routed: ExpectedEvent[] = [];
    if (book !== undefined && toSeller !== 0n) {
      book.owed -= toSeller;
      book.returned += toSeller;
      model.balances[book.seller] += toSeller;
      routed.push(event("settlement", "RecourseClaimRouted", piece.tokenId, model.actors[book.seller].address, toSeller, book.owed));
    }
    if (redeem) {
      const value = piece.value;
      piece.claimed = 0n;
      piece.redeemed = true;
      piece.redeemedValue = value;
      terms.redeemedValue += value;
      reduce(piece, value);
      // `ReceivableToken.redeem` burns the piece (the one TransferValue to token 0 there is) and answers its holder
      // and value, which Settlement's Claimed then reports: the burn comes first.
      events.push(event("token", "TransferValue", piece.tokenId, 0n, value));
    } else {
      piece.claimed = entitled;
    }
    events.push(event("settlement", "Claimed", piece.tokenId, address, amount, entitled), ...routed);
  }
  return succeed(...events);
}

/** `Financing._recourseFunding`: the funding must have been sold with recourse. */
function recourseFundingOf(model: ReceivableModel, fundingId: string): { funding: FundingModel } | { outcome: Outcome } {
  const funding = model.fundings.get(fundingId);
  if (funding === undefined) return { outcome: financingError("FinancingUnknownFunding", fundingId) };
  if (funding.recourse === 0n) return { outcome: financingError("FinancingRecourseUnavailable", fundingId) };
  return { funding };
}

/** `Financing._pieceAsBought`: the funded piece exists, the factor's organisation holds it, worth no more than bought. */
function pieceAsBought(model: ReceivableModel, funding: FundingModel): { piece: PieceModel } | { outcome: Outcome } {
  const piece = livePiece(model, funding.fundedTokenId);
  if (piece === undefined) return { outcome: financingError("FinancingRecoursePieceChanged", funding.fundedTokenId, ZERO_ADDRESS, 0n) };
  const owner = model.actors[piece.owner];
  if (piece.value > funding.call.attestation.value || owner.memberId !== funding.factorId) {
    return { outcome: financingError("FinancingRecoursePieceChanged", funding.fundedTokenId, owner.address, piece.value) };
  }
  return { piece };
}

/** `Financing.recordRecourse`'s checks in order: the factor's demand. */
function predictDemandRecourse(model: ReceivableModel, action: Extract<Action, { kind: "demandRecourse" }>, at: bigint): Outcome {
  const found = recourseFundingOf(model, action.fundingId);
  if ("outcome" in found) return found.outcome;
  const { funding } = found;
  if (funding.recourse !== 1n) return financingError("FinancingRecourseUnavailable", action.fundingId);
  const caller = model.actors[action.caller];
  if (caller.memberId !== funding.factorId) return financingError("FinancingNotFundingFactor", action.fundingId, caller.address);
  const terms = slotOf(model, funding.fundedTokenId >> 32n);
  if (!isOverdueAt(model, terms, at)) return financingError("FinancingNotOverdue", terms.slot);
  const held = pieceAsBought(model, funding);
  if ("outcome" in held) return held.outcome;
  const unpaid = held.piece.value - entitlement(terms, held.piece.value);
  funding.recourse = 2n;
  return succeed(
    event("financing", "RecourseRecorded", action.fundingId, BigInt(funding.factorId), BigInt(funding.sellerId), funding.fundedTokenId, unpaid),
  );
}

/** `Financing.payRecourse` and `Settlement.applyRecourse`'s checks in order, then the payouts and the payment. */
function predictPayRecourse(model: ReceivableModel, action: Extract<Action, { kind: "payRecourse" }>, at: bigint): Outcome {
  const found = recourseFundingOf(model, action.fundingId);
  if ("outcome" in found) return found.outcome;
  const { funding } = found;
  if (funding.recourse !== 2n) return financingError("FinancingRecourseNotDemanded", action.fundingId);
  const caller = model.actors[action.caller];
  if (caller.memberId !== funding.sellerId) return financingError("FinancingNotSeller", action.fundingId, caller.address);
  if (action.amount === 0n) return financingError("FinancingZeroValue");
  const held = pieceAsBought(model, funding);
  if ("outcome" in held) return held.outcome;
  const { piece } = held;
  const tokenId = piece.tokenId;
  const terms = slotOf(model, piece.slot);
  if (at < terms.maturity || terms.repaid === terms.faceValue) return settlementError("SettlementRecourseAboveDue", tokenId, action.amount, 0n);
  const { entitled, pending, toSeller, owed } = recourseStateOf(model, piece);
  const due = piece.value - entitled - owed;
  if (action.amount > due) return settlementError("SettlementRecourseAboveDue", tokenId, action.amount, due);
  // Financing's transferFrom(seller, holder) comes last: its checks see the balances after the payouts.
  const book = model.recourse.get(tokenId);
  const balancesAfterPayouts = [...model.balances];
  balancesAfterPayouts[piece.owner] += pending - toSeller;
  if (book !== undefined) balancesAfterPayouts[book.seller] += toSeller;
  const transfer = currencyTransfer({ ...model, balances: balancesAfterPayouts }, action.caller, piece.owner, action.amount, at);
  if (!transfer.ok) return transfer;

  const events: ExpectedEvent[] = [];
  const holder = model.actors[piece.owner].address;
  if (pending !== 0n) {
    piece.claimed = entitled;
    piece.received += pending;
    terms.claimed += pending;
    model.escrow -= pending;
    events.push(event("settlement", "Claimed", tokenId, holder, pending, entitled));
  }
  if (book !== undefined && toSeller !== 0n) {
    book.returned += toSeller;
    events.push(event("settlement", "RecourseClaimRouted", tokenId, model.actors[book.seller].address, toSeller, owed));
  }
  model.balances.splice(0, model.balances.length, ...balancesAfterPayouts);
  const next: RecourseModel = book ?? { seller: action.caller, paid: 0n, owed: 0n, returned: 0n };
  next.seller = action.caller;
  next.paid += action.amount;
  next.owed = owed + action.amount;
  model.recourse.set(tokenId, next);
  model.balances[action.caller] -= action.amount;
  model.balances[piece.owner] += action.amount;
  events.push(
    event("settlement", "RecourseTaken", tokenId, caller.address, holder, action.amount, next.paid, next.owed),
    event("financing", "RecoursePaid", action.fundingId, BigInt(funding.factorId), BigInt(funding.sellerId), tokenId, action.amount, next.paid),
  );
  return succeed(...events);
}

/** `ReceivableToken.confirm`'s checks, in order. */
function predictConfirm(model: ReceivableModel, action: Extract<Action, { kind: "confirm" }>, at: bigint): Outcome {
  if (model.paused) return tokenError("EnforcedPause");
  const anchor = model.actors[model.anchor];
  const supplier = model.actors[action.supplier];
  if (!activeWithAnyRole(anchor, at, ANCHOR_ROLE)) return tokenError("ReceivableUnauthorizedAnchor", anchor.address);
  if (!activeWithAnyRole(supplier, at, SUPPLIER_ROLE)) return tokenError("ReceivableIneligibleSupplier", supplier.address);
  if (supplier.memberId === anchor.memberId) return tokenError("ReceivableSelfConfirmation", BigInt(anchor.memberId));
  if (action.faceValue === 0n) return tokenError("ERC3525ZeroValue");
  if (action.faceValue > MAX_UINT64) return tokenError("ReceivableFaceValueTooLarge", action.faceValue, MAX_UINT64);
  if (action.maturity <= at || action.maturity > at + MAX_TENOR) {
    return tokenError("ReceivableInvalidMaturity", action.maturity, at);
  }
  const usedBy = model.invoiceUses.get(action.documents.invoiceFingerprint);
  if (usedBy !== undefined) return tokenError("ReceivableInvoiceAlreadyUsed", action.documents.invoiceFingerprint, usedBy);
  // I8: the anchor's outstanding stays within its line in force now.
  const { limit, outstanding, reviewDate } = model.credit;
  if (reviewDate === 0n) return tokenError("ReceivableNoCreditLine", BigInt(anchor.memberId));
  if (outstanding + action.faceValue > limit) {
    return tokenError("ReceivableCreditLineExceeded", BigInt(anchor.memberId), limit, outstanding, action.faceValue);
  }
  return SUCCESS;
}

/** A short human description of an action, for failure messages. */
export function describeAction(model: ReceivableModel, action: Action): string {
  const name = (index: number): string => model.actors[index]?.name ?? `actor#${index}`;
  const token = (tokenId: bigint): string => `${tokenId >> 32n}/${tokenId & 0xffffffffn}`;
  switch (action.kind) {
    case "confirm":
      return `confirm(${name(action.supplier)}, face ${action.faceValue}, maturity ${action.maturity}, fp ${action.documents.invoiceFingerprint.slice(0, 10)})`;
    case "split":
      return `${name(action.caller)}: split ${token(action.from)} -> ${name(action.to)} value ${action.value}`;
    case "transferWithProof":
      return `${name(action.caller)}: transferWithProof ${token(action.from)} -> ${name(action.to)} value ${action.value} fp ${action.documents.invoiceFingerprint.slice(0, 10)}`;
    case "merge":
      return `${name(action.caller)}: merge ${token(action.from)} -> ${token(action.target)} value ${action.value}`;
    case "transferWhole":
      return `${name(action.caller)}: transfer ${token(action.tokenId)} -> ${name(action.to)}`;
    case "suspend":
    case "reinstate":
      return `operator: ${action.kind} ${name(action.member)}`;
    case "pause":
    case "unpause":
      return `operator: ${action.kind}`;
    case "advanceTime":
      return `advance time ${action.seconds}s`;
    case "fund": {
      const { request, attestation } = action.call;
      const whole = model.pieces.get(attestation.tokenId)?.value === attestation.value ? "whole" : "part";
      return (
        `${name(action.call.caller)}: fund[${action.variant}] ${token(attestation.tokenId)} of ${actorName(model, attestation.holder)} ` +
        `value ${attestation.value} (${whole}) price ${attestation.price} min ${request.minPrice} nonce ${request.nonce} ` +
        `deadlines ${request.deadline}/${attestation.deadline}${attestation.withRecourse ? " with recourse" : ""}`
      );
    }
    case "repay":
      return `${name(action.caller)}: repay slot ${action.slot} amount ${action.amount}`;
    case "claim":
      return `${name(action.caller)}: claim ${token(action.tokenId)}`;
    case "claimMany":
      return `${name(action.caller)}: claimMany [${action.tokenIds.map(token).join(", ")}]`;
    case "flagOverdue":
      return `${name(action.caller)}: flagOverdue slot ${action.slot}`;
    case "issue":
      return `issuer: issue ${action.amount} to ${name(action.to)}`;
    case "redeemCurrency":
      return `issuer: redeem ${action.amount}`;
    case "demandRecourse":
      return `${name(action.caller)}: demand recourse on funding ${action.fundingId.slice(0, 10)} (${token(action.attestation.tokenId)})`;
    case "payRecourse":
      return `${name(action.caller)}: pay recourse ${action.amount} on funding ${action.fundingId.slice(0, 10)} (due ${recourseDueAt(model, model.fundings.get(action.fundingId)?.fundedTokenId ?? 0n, model.now)})`;
    case "setCreditLine":
      return `operator: setCreditLine ${name(action.member)} line ${action.limit} review ${action.reviewDate}`;
  }
}

function actorName(model: ReceivableModel, address: string): string {
  const wanted = address.toLowerCase();
  return model.actors.find((actor) => actor.address.toLowerCase() === wanted)?.name ?? address;
}

/** The label an action's outcomes are counted under. */
export function actionLabel(action: Action): string {
  return action.kind === "fund" ? `fund[${action.variant}]` : action.kind;
}

/** The model's own consistency (independent of the chain): I1 and I2 on the model, lineage well formed. */
export function checkModel(model: ReceivableModel): void {
  let repaid = 0n;
  let claimed = 0n;
  for (const terms of model.slots) {
    const pieces = [...model.pieces.values()].filter((piece) => piece.slot === terms.slot);
    if (BigInt(pieces.length) !== terms.lastSeq) throw new Error(`model slot ${terms.slot}: ${pieces.length} pieces, lastSeq ${terms.lastSeq}`);
    const live = pieces.filter((piece) => piece.live).reduce((sum, piece) => sum + piece.value, 0n);
    const redeemed = pieces.reduce((sum, piece) => sum + piece.redeemedValue, 0n);
    // I1: live plus redeemed value is the face value; claims never exceed repayments.
    if (redeemed !== terms.redeemedValue) throw new Error(`model slot ${terms.slot}: redeemed pieces ${redeemed} != account ${terms.redeemedValue}`);
    if (live + redeemed !== terms.faceValue) {
      throw new Error(`model slot ${terms.slot}: live value ${live} + redeemed ${redeemed} != face ${terms.faceValue}`);
    }
    if (terms.repaid > terms.faceValue) throw new Error(`model slot ${terms.slot}: repaid ${terms.repaid} > face ${terms.faceValue}`);
    if (terms.claimed > terms.repaid) throw new Error(`model slot ${terms.slot}: claimed ${terms.claimed} > repaid ${terms.repaid}`);
    const received = pieces.reduce((sum, piece) => sum + piece.received, 0n);
    if (received !== terms.claimed) throw new Error(`model slot ${terms.slot}: pieces received ${received} != claimed ${terms.claimed}`);
    repaid += terms.repaid;
    claimed += terms.claimed;
  }
  if (model.escrow !== repaid - claimed) throw new Error(`model: escrow ${model.escrow} != repaid ${repaid} - claimed ${claimed}`);
  // I8: what the anchor owes is what it confirmed less what it repaid; no confirmation took it above the line then.
  const owed = model.slots.reduce((sum, terms) => sum + terms.faceValue - terms.repaid, model.creditBaseline);
  if (model.credit.outstanding !== owed) throw new Error(`model: I8: outstanding ${model.credit.outstanding} != confirmed - repaid ${owed}`);
  for (const terms of model.slots) {
    if (terms.outstandingAtConfirm > terms.lineAtConfirm) {
      throw new Error(`model: I8: slot ${terms.slot} took the outstanding to ${terms.outstandingAtConfirm}, above the line ${terms.lineAtConfirm}`);
    }
  }
  const held = model.balances.reduce((sum, balance) => sum + balance, model.issuerBalance + model.escrow);
  if (held !== model.totalIssued - model.totalRedeemed) {
    throw new Error(`model: balances ${held} != issued ${model.totalIssued} - redeemed ${model.totalRedeemed}`);
  }
  for (const piece of model.pieces.values()) {
    if (piece.live && piece.value === 0n) throw new Error(`model: live piece ${piece.tokenId} has value 0`);
    if (!piece.live && piece.value !== 0n) throw new Error(`model: burned piece ${piece.tokenId} has value ${piece.value}`);
    // I6: a redeemed piece received exactly its value; a live one never more than its entitlement.
    if (piece.redeemed && (piece.live || piece.received !== piece.redeemedValue || piece.claimed !== 0n)) {
      throw new Error(`model: redeemed piece ${piece.tokenId} received ${piece.received} of ${piece.redeemedValue}`);
    }
    if (piece.live && piece.claimed > entitlement(slotOf(model, piece.slot), piece.value)) {
      throw new Error(`model: piece ${piece.tokenId} claimed ${piece.claimed}, more than its entitlement`);
    }
    if (piece.parent !== 0n && (piece.parent >> 32n !== piece.slot || !model.pieces.has(piece.parent))) {
      throw new Error(`model: piece ${piece.tokenId} has a foreign parent ${piece.parent}`);
    }
  }
  const backed = new Set<bigint>(model.invoiceUses.values());
  if (backed.size !== model.invoiceUses.size) throw new Error("model: two fingerprints back the same token");
  for (const fingerprint of model.unusedFingerprints) {
    if (model.invoiceUses.has(fingerprint)) throw new Error(`model: fingerprint ${fingerprint} both used and unused`);
  }
  // I4: a used attestation was used before its deadline, and is not also among the unused ones.
  for (const funding of model.fundings.values()) {
    if (funding.fundedAt > funding.call.attestation.deadline) throw new Error(`model: funding ${funding.fundingId} after its deadline`);
    if (model.rejectedFundings.has(funding.fundingId)) throw new Error(`model: funding ${funding.fundingId} both used and unused`);
  }
  for (const key of model.offeredNonces.keys()) {
    if (model.usedNonces.has(key)) throw new Error(`model: nonce ${key} both used and unused`);
  }
  // I9 (recourse that settles): the seller's account adds up; its share never exceeds what the piece has still to
  // receive; the factor never receives more than the piece's value (what it kept of the piece's claims plus recourse).
  for (const [tokenId, book] of model.recourse) {
    const piece = model.pieces.get(tokenId);
    if (piece === undefined) throw new Error(`model: recourse on unknown piece ${tokenId}`);
    const value = piece.live ? piece.value : piece.redeemedValue;
    if (book.paid !== book.owed + book.returned)
      throw new Error(`model: piece ${tokenId} recourse paid ${book.paid} != owed ${book.owed} + returned ${book.returned}`);
    if (book.owed > value - (piece.live ? piece.claimed : value))
      throw new Error(`model: piece ${tokenId} seller owed ${book.owed}, more than the piece has still to receive`);
    const factorTotal = piece.received - book.returned + book.paid;
    if (factorTotal > value) throw new Error(`model: I9: the factor received ${factorTotal} on piece ${tokenId} of value ${value}`);
  }
}

/** The leiHash a non-member's invoices would carry (as `tradeProofFor` does). */
export function outsiderLeiHash(address: string): string {
  return id(address);
}
