import type { ChainbillAddresses } from "../../chain/system";
import type { StepProof } from "../../proofs/tradeProof";
import type { AuditEvent } from "../decode";
import { FindingLog } from "../findings";
import { pieceName } from "../../chain/tokenId";
import type { ChainPosition, FindingCode } from "../findings";
import type { FundCall } from "../fundings";
import { MemberReplay } from "../members";
import { AuditWording } from "../names";
import type { MemberNames } from "../names";

/**
 * The replay's model: the records the audit rebuilds from events (receivables, pieces, fundings, cash movements,
 * currency balances, the registry's members) and the scratch of the transaction being replayed. Each contract's
 * replay module (token.ts, currency.ts, settlement.ts, financing.ts) writes its part of it; the report, the view
 * and index comparisons and the document checks read it. The small helpers here are the ones every module uses:
 * raising a finding, waiting for a block's time, marking a piece touched, expecting a cash leg.
 */

export type PieceOrigin = "confirmation" | "transfer" | "funding" | "split";
export type PieceStatus = "live" | "burned" | "redeemed";

export interface PieceRecord {
  tokenId: bigint;
  slot: bigint;
  owner: string;
  /** Who received it when it was created. */
  firstOwner: string;
  value: bigint;
  /** The value it was created with. */
  initialValue: bigint;
  /** 0n for a slot's first piece. */
  parent: bigint;
  /** Generations below the anchor's confirmation: 0 for the first piece, the tier-1 supplier's. */
  depth: number;
  origin: PieceOrigin;
  /** Who passed the value when the piece was created (the anchor for the first piece). */
  createdFrom: string;
  proof?: StepProof;
  status: PieceStatus;
  /** What settlement has paid on it. */
  claimed: bigint;
  /** The value it had when settlement redeemed it. */
  redeemedValue: bigint;
  createdAt: ChainPosition;
  lastAt: ChainPosition;
  /** Fundings that sold it or created it. */
  fundingIds: string[];
  /** Value merged in from other pieces after its creation. */
  mergedIn: bigint;
  /** Waiting for the TransferValue that gives a just-minted piece its value. */
  awaitingValue: boolean;
}

export interface SlotRecord {
  slot: bigint;
  anchorId: number;
  anchor: string;
  supplierId: number;
  supplier: string;
  faceValue: bigint;
  maturity: bigint;
  currency: string;
  invoiceHash: string;
  logisticsHash: string;
  invoiceFingerprint: string;
  rootTokenId: bigint;
  /** The highest piece sequence seen. */
  pieceCount: number;
  repaid: bigint;
  claimed: bigint;
  redeemedValue: bigint;
  fundedValue: bigint;
  overdueFlagged: boolean;
  confirmedAt: ChainPosition;
  lastAt: ChainPosition;
}

export interface FundingRecord {
  fundingId: string;
  tokenId: bigint;
  fundedTokenId: bigint;
  factor: string;
  holder: string;
  value: bigint;
  price: bigint;
  withRecourse: boolean;
  at: ChainPosition;
  /** What the calldata said, when it could be decoded. */
  call?: FundCall;
  /** Signers that were active verifiers of other organisations, one per organisation. */
  validVerifiers: Array<{ address: string; memberId: number }>;
}

export type CashKind = "funding" | "repayment" | "claim";

export interface CashMovement {
  kind: CashKind;
  at: ChainPosition;
  from: string;
  to: string;
  amount: bigint;
  slot: bigint;
  tokenId?: bigint;
}

/** A check that needs the time of the block it happened in. */
export interface TimedCheck {
  block: number;
  evaluate(time: bigint): void;
}

export interface ReplayInput {
  chainId: bigint;
  contracts: ChainbillAddresses;
  /** The timestamp of the audited block: every replayed block is at or before it. */
  auditedTime: bigint;
  /** The decoded `fund` call of every transaction that emitted Funded (or why it could not be decoded), by hash. */
  fundCalls: ReadonlyMap<string, FundCall | Error>;
  /** Members' names for the findings' sentences (src/audit/names.ts); "member #N (0x…)" without them. */
  names?: MemberNames;
}

/** The events of one contract. */
export type EventOf<C extends AuditEvent["contract"]> = Extract<AuditEvent, { contract: C }>;

/** The piece or receivable a finding is about. */
export interface FindingSubject {
  tokenId?: bigint;
  slot?: bigint;
}

/** A currency transfer the transaction must contain, because an event of another contract says money moved. */
export interface ExpectedCash {
  from: string;
  to: string;
  amount: bigint;
  why: string;
  at: ChainPosition;
  slot?: bigint;
  tokenId?: bigint;
}

/** What the replay gathers over one transaction, checked when it ends (the order of its logs across contracts is
 * the contracts' business: a funding may be logged before or after its delivery, a claim before or after the burn). */
export interface TxScratch {
  hash: string;
  touched: Set<bigint>;
  expectedCash: ExpectedCash[];
  currencyMoves: Array<{ from: string; to: string; amount: bigint }>;
  fundings: FundingRecord[];
  /** Piece a funding in this transaction is about to split off (its id, from the Funded event). */
  fundedPieces: Set<bigint>;
  /** Each touched piece's holder when the transaction began. */
  ownersAtStart: Map<bigint, string>;
  /** Pieces settlement retired in this transaction, whose claim may be logged before or after the burn. */
  redeemed: Set<bigint>;
}

/** The empty scratch of the transaction `hash`. */
export function openTransaction(hash: string): TxScratch {
  return {
    hash,
    touched: new Set(),
    expectedCash: [],
    currencyMoves: [],
    fundings: [],
    fundedPieces: new Set(),
    ownersAtStart: new Map(),
    redeemed: new Set(),
  };
}

export class ReplayModel {
  readonly findings = new FindingLog();
  readonly members = new MemberReplay();
  readonly slots = new Map<bigint, SlotRecord>();
  readonly pieces = new Map<bigint, PieceRecord>();
  readonly balances = new Map<string, bigint>();
  /** The last event that changed each account's currency balance. */
  readonly balanceLastAt = new Map<string, ChainPosition>();
  readonly fundings: FundingRecord[] = [];
  readonly cash: CashMovement[] = [];
  readonly timedChecks: TimedCheck[] = [];
  /** Blocks whose time the report wants (cash movements), besides those of timed checks. */
  readonly blocksWanted = new Set<number>();
  readonly issuers = new Set<string>();
  readonly systemAccounts = new Set<string>();
  supply = 0n;
  issued = 0n;
  redeemed = 0n;
  eventsReplayed = 0;
  lastPosition: ChainPosition | undefined;
  /** The transaction being replayed. */
  tx: TxScratch | undefined;
  /** Settlement's address, lower case: the payer of claims and the payee of repayments. */
  readonly settlementAddress: string;

  /** How sentences name members and amounts. */
  readonly words: AuditWording;

  constructor(readonly input: ReplayInput) {
    this.settlementAddress = input.contracts.settlement.toLowerCase();
    this.words = new AuditWording(this.members, input.names, { ...input.contracts });
  }

  flag(code: FindingCode, at: ChainPosition, message: string, subject: FindingSubject = {}): void {
    this.findings.add(code, at, message, subject);
  }

  /**
   * Runs `evaluate` with the block's time. When every bound (a time from which the outcome could change) lies after
   * the audited block, the outcome is the same for any earlier time and it runs at once; otherwise it waits for
   * the block's time to be fetched.
   */
  whenTime(at: ChainPosition, bounds: readonly bigint[], evaluate: (time: bigint) => void): void {
    if (bounds.every((bound) => bound > this.input.auditedTime)) evaluate(this.input.auditedTime);
    else this.timedChecks.push({ block: at.block, evaluate });
  }

  /** Marks the piece changed by the current transaction, remembering its holder when the transaction began. */
  touch(piece: PieceRecord, at: ChainPosition): void {
    piece.lastAt = at;
    this.tx?.touched.add(piece.tokenId);
    if (this.tx !== undefined && !this.tx.ownersAtStart.has(piece.tokenId)) this.tx.ownersAtStart.set(piece.tokenId, piece.owner);
  }

  /** The piece, if it is live; otherwise an EVENT_INCONSISTENT finding saying `what` named it. */
  livePiece(tokenId: bigint, at: ChainPosition, what: string): PieceRecord | undefined {
    const piece = this.pieces.get(tokenId);
    if (piece === undefined || piece.status !== "live") {
      this.flag(
        "EVENT_INCONSISTENT",
        at,
        `${what} names piece ${pieceName(tokenId)}, which ${piece === undefined ? "was never created" : `is ${piece.status}`}`,
        { tokenId },
      );
      return undefined;
    }
    return piece;
  }

  /** Expects a currency transfer in the current transaction (checked by currency.ts when it ends). */
  expectCash(expected: ExpectedCash): void {
    this.tx?.expectedCash.push(expected);
  }
}
