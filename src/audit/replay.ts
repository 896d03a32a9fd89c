import { ZeroAddress } from "ethers";
import { Role } from "../chain/roles";
import type { ChainbillAddresses } from "../chain/system";
import type { StepProof } from "../proofs/tradeProof";
import type { AuditEvent, PositionedEvent } from "./decode";
import { FindingLog } from "./findings";
import type { ChainPosition, FindingCode } from "./findings";
import { AttestationChecks } from "./attestations";
import type { FundCall } from "./fundings";
import { MemberReplay, activeAt, holdsRole } from "./members";
import { CreditLineReplay } from "./creditLines";
import type { Standing } from "./members";
import { RecourseReplay } from "./recourse";
import { firstPieceOf, pieceName, sequenceOf, slotOf } from "../chain/tokenId";

/**
 * The audit's replay: every event of the five contracts, in chain order, rebuilt into slots, pieces, holders,
 * fundings, repayments, claims and currency balances — by this code alone, not the indexer's. Each event is
 * checked against what the replay already knows (DESIGN.md's invariants I1-I6, the registry at that point, the
 * funding's own calldata); what depends on a block's time is deferred until the times are fetched.
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
}

const ROLE_HOLDER = (1 << Role.SUPPLIER) | (1 << Role.FACTOR);


interface ExpectedCash {
  from: string;
  to: string;
  amount: bigint;
  why: string;
  at: ChainPosition;
  slot?: bigint;
  tokenId?: bigint;
}

interface TxScratch {
  hash: string;
  touched: Set<bigint>;
  expectedCash: ExpectedCash[];
  currencyMoves: Array<{ from: string; to: string; amount: bigint }>;
  fundings: FundingRecord[];
  /** Piece a funding in this transaction is about to split off (its id, from the Funded event). */
  fundedPieces: Set<bigint>;
  /** Each touched piece's holder when the transaction began: the order of one transaction's logs across
   * contracts is the contracts' business (a funding may be logged before or after its delivery). */
  ownersAtStart: Map<bigint, string>;
  /** Pieces settlement retired in this transaction, whose claim may be logged before or after the burn. */
  redeemed: Set<bigint>;
}

export class AuditReplay {
  readonly findings = new FindingLog();
  readonly members = new MemberReplay();
  /** I8: anchors' credit lines and what each owes (creditLines.ts). */
  readonly creditLines = new CreditLineReplay((code, at, message, subject) => this.flag(code, at, message, subject));
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

  private readonly fingerprints = new Map<string, bigint>();
  private readonly fundingIds = new Set<string>();
  private readonly fundingsById = new Map<string, FundingRecord>();
  /** Fundings whose recourse was recorded. */
  private readonly recourseRecorded = new Set<string>();
  private readonly attestations: AttestationChecks;
  /** Recourse that settles: payments and the routing of later claims (src/audit/recourse.ts). */
  readonly recourse: RecourseReplay;
  private readonly settlementAddress: string;
  private tx: TxScratch | undefined;

  constructor(private readonly input: ReplayInput) {
    this.settlementAddress = input.contracts.settlement.toLowerCase();
    this.attestations = new AttestationChecks(this.members, {
      flag: (code, at, message, subject) => this.flag(code, at, message, subject),
      whenTime: (at, bounds, evaluate) => this.whenTime(at, bounds, evaluate),
    });
    this.recourse = this.recourseReplay();
  }

  /** The recourse replay, over this replay's pieces, receivables, fundings, members and cash expectations. */
  private recourseReplay(): RecourseReplay {
    return new RecourseReplay({
      flag: (code, at, message, subject) => this.flag(code, at, message, subject),
      funding: (fundingId) => {
        const funding = this.fundingsById.get(fundingId);
        return funding === undefined
          ? undefined
          : { withRecourse: funding.withRecourse, requestedRecourse: funding.call?.request.withRecourse, holder: funding.holder, factor: funding.factor, fundedTokenId: funding.fundedTokenId };
      },
      piece: (tokenId) => {
        const piece = this.pieces.get(tokenId);
        if (piece === undefined) return undefined;
        return { value: piece.status === "live" ? piece.value : piece.redeemedValue, claimed: piece.claimed, owner: piece.owner, slot: piece.slot };
      },
      slot: (slot) => this.slots.get(slot),
      memberIdOf: (account) => this.members.memberIdOf(account),
      expectCash: (from, to, amount, why, at, tokenId) => {
        if (amount > 0n) this.expectCash({ from, to, amount, why, at, slot: slotOf(tokenId), tokenId });
      },
      rerouteClaim: (tokenId, seller, amount, at) => {
        const expected = this.tx?.expectedCash ?? [];
        let index = expected.length - 1;
        while (index >= 0 && !(expected[index].tokenId === tokenId && expected[index].from === this.settlementAddress && expected[index].amount >= amount)) index -= 1;
        if (index < 0) return;
        const claim = expected[index];
        if (claim.amount === amount) expected.splice(index, 1);
        else claim.amount -= amount;
        this.expectCash({ from: this.settlementAddress, to: seller, amount, why: `seller's share of a claim on piece ${pieceName(tokenId)}`, at, slot: slotOf(tokenId), tokenId });
      },
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // driving

  /** Applies one event; events must come in chain order. */
  apply(entry: PositionedEvent): void {
    if (this.tx === undefined || this.tx.hash !== entry.at.transactionHash) {
      this.endTransaction();
      this.tx = {
        hash: entry.at.transactionHash,
        touched: new Set(),
        expectedCash: [],
        currencyMoves: [],
        fundings: [],
        fundedPieces: new Set(),
        ownersAtStart: new Map(),
        redeemed: new Set(),
      };
    }
    this.eventsReplayed += 1;
    this.lastPosition = entry.at;
    const { event, at } = entry;
    this.creditLines.apply(event, at);
    switch (event.contract) {
      case "registry": {
        const problem = this.members.apply(event);
        if (problem !== undefined) this.flag("EVENT_INCONSISTENT", at, `registry: ${problem}`);
        return;
      }
      case "token":
        return this.applyToken(event, at);
      case "currency":
        return this.applyCurrency(event, at);
      case "settlement":
        return this.applySettlement(event, at);
      case "financing":
        return this.applyFinancing(event, at);
    }
  }

  /** A log of an audited contract that fits none of its events. */
  undecodable(at: ChainPosition, reason: string): void {
    this.flag("EVENT_UNDECODABLE", at, reason);
  }

  /** Closes the last transaction and runs the checks on the final state. */
  finish(): void {
    this.endTransaction();
    this.tx = undefined;
    this.checkFinalState();
  }

  // ---------------------------------------------------------------------------------------------------------
  // helpers

  private flag(code: FindingCode, at: ChainPosition, message: string, subject: { tokenId?: bigint; slot?: bigint } = {}): void {
    this.findings.add(code, at, message, subject);
  }

  /**
   * Runs `evaluate` with the block's time. When every bound (a time from which the outcome could change) lies after
   * the audited block, the outcome is the same for any earlier time and it runs at once; otherwise it waits for
   * the block's time to be fetched.
   */
  private whenTime(at: ChainPosition, bounds: readonly bigint[], evaluate: (time: bigint) => void): void {
    if (bounds.every((bound) => bound > this.input.auditedTime)) evaluate(this.input.auditedTime);
    else this.timedChecks.push({ block: at.block, evaluate });
  }

  private describeMember(account: string, standing: Standing | undefined): string {
    return standing === undefined ? `${account} (no member)` : `${account} (member ${standing.memberId})`;
  }

  /** I3: the recipient of a piece must be an active member holding a role that may hold pieces, at that time. */
  private checkRecipient(account: string, roleMask: number, at: ChainPosition, tokenId: bigint, what: string): void {
    const standing = this.members.standingOf(account);
    if (standing === undefined) {
      this.flag("I3_INELIGIBLE_RECIPIENT", at, `${what}: piece ${pieceName(tokenId)} went to ${account}, which belongs to no member`, { tokenId });
      return;
    }
    if ((standing.roles & roleMask) === 0) {
      this.flag("I3_INELIGIBLE_RECIPIENT", at, `${what}: piece ${pieceName(tokenId)} went to member ${standing.memberId}, which holds no role that may receive it`, { tokenId });
    }
    if (standing.suspended) {
      this.flag("I3_INELIGIBLE_RECIPIENT", at, `${what}: piece ${pieceName(tokenId)} went to member ${standing.memberId} while it was suspended`, { tokenId });
      return;
    }
    this.whenTime(at, [standing.kycValidUntil], (time) => {
      if (!activeAt(standing, time)) {
        this.flag("I3_INELIGIBLE_RECIPIENT", at, `${what}: piece ${pieceName(tokenId)} went to member ${standing.memberId} after its KYC lapsed`, { tokenId });
      }
    });
  }

  /** I3: whoever moves value out of a piece must be an active member at that time. */
  private checkSender(account: string, at: ChainPosition, tokenId: bigint): void {
    const standing = this.members.standingOf(account);
    if (standing === undefined || standing.suspended) {
      this.flag("I3_INELIGIBLE_SENDER", at, `piece ${pieceName(tokenId)} moved out of ${this.describeMember(account, standing)}, ${standing === undefined ? "no member" : "a suspended member"}`, { tokenId });
      return;
    }
    this.whenTime(at, [standing.kycValidUntil], (time) => {
      if (!activeAt(standing, time)) this.flag("I3_INELIGIBLE_SENDER", at, `piece ${pieceName(tokenId)} moved out of member ${standing.memberId} after its KYC lapsed`, { tokenId });
    });
  }

  /** I6: nothing but a claim's redemption moves once the receivable has matured. */
  private checkBeforeMaturity(slot: SlotRecord, at: ChainPosition, tokenId: bigint): void {
    this.whenTime(at, [slot.maturity], (time) => {
      if (time >= slot.maturity) {
        this.flag("I6_MOVED_AFTER_MATURITY", at, `piece ${pieceName(tokenId)} moved at ${time}, at or after its receivable's maturity ${slot.maturity}`, { tokenId, slot: slot.slot });
      }
    });
  }

  private touch(piece: PieceRecord, at: ChainPosition): void {
    piece.lastAt = at;
    this.tx?.touched.add(piece.tokenId);
    if (this.tx !== undefined && !this.tx.ownersAtStart.has(piece.tokenId)) this.tx.ownersAtStart.set(piece.tokenId, piece.owner);
  }

  private livePiece(tokenId: bigint, at: ChainPosition, what: string): PieceRecord | undefined {
    const piece = this.pieces.get(tokenId);
    if (piece === undefined || piece.status !== "live") {
      this.flag("EVENT_INCONSISTENT", at, `${what} names piece ${pieceName(tokenId)}, which ${piece === undefined ? "was never created" : `is ${piece.status}`}`, { tokenId });
      return undefined;
    }
    return piece;
  }

  // ---------------------------------------------------------------------------------------------------------
  // the receivable token

  private applyToken(event: Extract<AuditEvent, { contract: "token" }>, at: ChainPosition): void {
    switch (event.name) {
      case "ReceivableConfirmed":
        return this.onConfirmed(event, at);
      case "Transfer":
        return this.onTokenTransfer(event, at);
      case "TransferValue":
        return this.onTransferValue(event, at);
      case "TradeProofRecorded": {
        const piece = this.pieces.get(event.tokenId);
        if (piece === undefined || piece.createdAt.transactionHash !== at.transactionHash) {
          this.flag("EVENT_INCONSISTENT", at, `a trade proof was recorded for piece ${pieceName(event.tokenId)}, which this transaction did not create`, { tokenId: event.tokenId });
        } else {
          piece.origin = "transfer";
          piece.proof = { invoiceFingerprint: event.invoiceFingerprint, invoiceHash: event.invoiceHash, logisticsHash: event.logisticsHash };
        }
        return this.useFingerprint(event.invoiceFingerprint, event.tokenId, at);
      }
      default:
        return;
    }
  }

  /** I5: an invoice fingerprint backs one confirmation or transfer, ever. */
  private useFingerprint(fingerprint: string, tokenId: bigint, at: ChainPosition): void {
    const earlier = this.fingerprints.get(fingerprint);
    if (earlier !== undefined) {
      this.flag("I5_INVOICE_REUSED", at, `invoice fingerprint ${fingerprint} backs piece ${pieceName(tokenId)}; it already backed piece ${pieceName(earlier)}`, { tokenId });
      return;
    }
    this.fingerprints.set(fingerprint, tokenId);
  }

  private onConfirmed(event: Extract<AuditEvent, { name: "ReceivableConfirmed" }>, at: ChainPosition): void {
    const { slot, tokenId, confirmation } = event;
    if (this.slots.has(slot) || slot !== BigInt(this.slots.size + 1) || tokenId !== firstPieceOf(slot)) {
      this.flag("EVENT_INCONSISTENT", at, `receivable ${slot} confirmed with first piece ${pieceName(tokenId)} out of sequence (${this.slots.size} receivables before)`, { slot });
      if (this.slots.has(slot)) return;
    }
    const anchor = this.members.standingOf(event.anchor);
    if (anchor === undefined || anchor.memberId !== event.anchorId || !holdsRole(anchor, Role.ANCHOR) || anchor.suspended) {
      this.flag("EVENT_INCONSISTENT", at, `receivable ${slot} was confirmed by ${this.describeMember(event.anchor, anchor)}, not an active anchor with member id ${event.anchorId}`, { slot });
    }
    const supplier = this.members.standingOf(confirmation.supplier);
    if (supplier === undefined || supplier.memberId !== event.supplierId) {
      this.flag("EVENT_INCONSISTENT", at, `receivable ${slot} names supplier member ${event.supplierId}, but ${confirmation.supplier} is ${supplier === undefined ? "no member" : `member ${supplier.memberId}`}`, { slot });
    }
    this.slots.set(slot, {
      slot,
      anchorId: event.anchorId,
      anchor: event.anchor,
      supplierId: event.supplierId,
      supplier: confirmation.supplier,
      faceValue: confirmation.faceValue,
      maturity: confirmation.maturity,
      currency: confirmation.currency,
      invoiceHash: confirmation.invoiceHash,
      logisticsHash: confirmation.logisticsHash,
      invoiceFingerprint: confirmation.invoiceFingerprint,
      rootTokenId: tokenId,
      pieceCount: 0,
      repaid: 0n,
      claimed: 0n,
      redeemedValue: 0n,
      fundedValue: 0n,
      overdueFlagged: false,
      confirmedAt: at,
      lastAt: at,
    });
    this.useFingerprint(confirmation.invoiceFingerprint, tokenId, at);
  }

  private onTokenTransfer(event: Extract<AuditEvent, { contract: "token"; name: "Transfer" }>, at: ChainPosition): void {
    const { from, to, tokenId } = event;
    const slotId = slotOf(tokenId);
    const slot = this.slots.get(slotId);
    if (from === ZeroAddress) {
      // A new piece: its value (and parent) come with the TransferValue that follows in the same transaction.
      if (slot === undefined || this.pieces.has(tokenId)) {
        this.flag("EVENT_INCONSISTENT", at, `piece ${pieceName(tokenId)} minted ${slot === undefined ? "in a receivable never confirmed" : "a second time"}`, { tokenId });
        return;
      }
      const sequence = Number(sequenceOf(tokenId));
      if (sequence !== slot.pieceCount + 1) {
        this.flag("EVENT_INCONSISTENT", at, `piece ${pieceName(tokenId)} minted out of sequence: receivable ${slotId} had ${slot.pieceCount} pieces`, { tokenId });
      }
      slot.pieceCount = Math.max(slot.pieceCount, sequence);
      slot.lastAt = at;
      const isRoot = tokenId === slot.rootTokenId;
      const piece: PieceRecord = {
        tokenId,
        slot: slotId,
        owner: to,
        firstOwner: to,
        value: 0n,
        initialValue: 0n,
        parent: 0n,
        depth: 0,
        origin: isRoot ? "confirmation" : this.tx?.fundedPieces.has(tokenId) === true ? "funding" : "split",
        createdFrom: isRoot ? slot.anchor : ZeroAddress,
        status: "live",
        claimed: 0n,
        redeemedValue: 0n,
        createdAt: at,
        lastAt: at,
        fundingIds: [],
        mergedIn: 0n,
        awaitingValue: true,
      };
      this.pieces.set(tokenId, piece);
      this.touch(piece, at);
      this.checkRecipient(to, isRoot ? 1 << Role.SUPPLIER : ROLE_HOLDER, at, tokenId, isRoot ? "confirmation" : "split");
      this.checkBeforeMaturity(slot, at, tokenId);
      return;
    }
    const piece = this.pieces.get(tokenId);
    if (piece === undefined) {
      this.flag("EVENT_INCONSISTENT", at, `Transfer of piece ${pieceName(tokenId)}, which was never created`, { tokenId });
      return;
    }
    if (piece.owner !== from) {
      this.flag("EVENT_INCONSISTENT", at, `Transfer of piece ${pieceName(tokenId)} from ${from}, but the replay has it held by ${piece.owner}`, { tokenId });
    }
    this.touch(piece, at);
    if (to === ZeroAddress) {
      // A burn: the piece was emptied by a split or merge, or redeemed by settlement just before.
      if (piece.value !== 0n) {
        this.flag("I2_VALUE_NOT_CONSERVED", at, `piece ${pieceName(tokenId)} was burned holding ${piece.value}`, { tokenId, slot: piece.slot });
      }
      if (piece.status === "live") piece.status = "burned";
      return;
    }
    if (piece.status !== "live") {
      this.flag("EVENT_INCONSISTENT", at, `Transfer of piece ${pieceName(tokenId)}, which is ${piece.status}`, { tokenId });
      return;
    }
    this.checkSender(from, at, tokenId);
    this.checkRecipient(to, ROLE_HOLDER, at, tokenId, "transfer");
    if (slot !== undefined) this.checkBeforeMaturity(slot, at, tokenId);
    piece.owner = to;
  }

  private onTransferValue(event: Extract<AuditEvent, { name: "TransferValue" }>, at: ChainPosition): void {
    const { fromTokenId, toTokenId, value } = event;
    if (fromTokenId === 0n) {
      // The first piece's value, minted by the confirmation.
      const piece = this.pieces.get(toTokenId);
      const slot = this.slots.get(slotOf(toTokenId));
      if (piece === undefined || slot === undefined || !piece.awaitingValue || toTokenId !== slot.rootTokenId) {
        this.flag("EVENT_INCONSISTENT", at, `value ${value} minted into piece ${pieceName(toTokenId)}, which is not a receivable's new first piece`, { tokenId: toTokenId });
        return;
      }
      if (value !== slot.faceValue) {
        this.flag("I2_VALUE_NOT_CONSERVED", at, `receivable ${slot.slot}'s first piece was minted with ${value}, its face value is ${slot.faceValue}`, { tokenId: toTokenId, slot: slot.slot });
      }
      piece.value = value;
      piece.initialValue = value;
      piece.awaitingValue = false;
      return;
    }
    const source = this.livePiece(fromTokenId, at, "TransferValue");
    if (source === undefined) return;
    this.touch(source, at);
    if (value > source.value) {
      this.flag("I2_VALUE_NOT_CONSERVED", at, `${value} moved out of piece ${pieceName(fromTokenId)}, which held only ${source.value}`, { tokenId: fromTokenId, slot: source.slot });
    }
    // A split or merge that took all of a piece's value reports its burn as 0 value to token 0 (a live piece never
    // holds 0, so no redemption looks like this); the Transfer to the zero address that follows checks it is empty.
    if (toTokenId === 0n && value === 0n) return;
    if (toTokenId === 0n) {
      return this.onRedeemed(source, value, at);
    }
    const target = this.pieces.get(toTokenId);
    if (target === undefined || target.status !== "live" || target.slot !== source.slot) {
      this.flag("EVENT_INCONSISTENT", at, `${value} moved from piece ${pieceName(fromTokenId)} into ${pieceName(toTokenId)}, which is ${target === undefined ? "unknown" : target.status !== "live" ? target.status : "of another receivable"}`, { tokenId: fromTokenId });
      return;
    }
    this.touch(target, at);
    const slot = this.slots.get(source.slot);
    this.checkSender(source.owner, at, fromTokenId);
    if (target.awaitingValue) {
      target.awaitingValue = false;
      target.parent = fromTokenId;
      target.depth = source.depth + 1;
      target.createdFrom = source.owner;
      target.initialValue = value;
    } else {
      target.mergedIn += value;
      this.checkRecipient(target.owner, ROLE_HOLDER, at, toTokenId, "merge");
      if (slot !== undefined) this.checkBeforeMaturity(slot, at, toTokenId);
    }
    source.value = value > source.value ? 0n : source.value - value;
    target.value += value;
  }

  private onRedeemed(piece: PieceRecord, value: bigint, at: ChainPosition): void {
    const slot = this.slots.get(piece.slot);
    if (value !== piece.value) {
      this.flag("I2_VALUE_NOT_CONSERVED", at, `piece ${pieceName(piece.tokenId)} redeemed for ${value} while it held ${piece.value}`, { tokenId: piece.tokenId, slot: piece.slot });
    }
    // Whether it received exactly its value is checked when the transaction ends: its claim may be logged after.
    this.tx?.redeemed.add(piece.tokenId);
    piece.redeemedValue = value;
    piece.value = 0n;
    piece.status = "redeemed";
    if (slot !== undefined) {
      slot.redeemedValue += value;
      slot.lastAt = at;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // the settlement currency

  private applyCurrency(event: Extract<AuditEvent, { contract: "currency" }>, at: ChainPosition): void {
    switch (event.name) {
      case "Transfer": {
        const { from, to, value } = event;
        if (from === ZeroAddress) this.supply += value;
        else {
          const balance = this.balances.get(from) ?? 0n;
          if (balance < value) this.flag("EVENT_INCONSISTENT", at, `currency: ${value} moved out of ${from}, which held only ${balance}`);
          this.balances.set(from, balance - value);
          this.balanceLastAt.set(from, at);
        }
        if (to === ZeroAddress) this.supply -= value;
        else {
          this.balances.set(to, (this.balances.get(to) ?? 0n) + value);
          this.balanceLastAt.set(to, at);
          if (this.members.standingOf(to) === undefined && !this.systemAccounts.has(to)) {
            this.flag("I3_INELIGIBLE_RECIPIENT", at, `currency: ${value} went to ${to}, which is neither a member nor a system account`);
          }
        }
        this.tx?.currencyMoves.push({ from, to, amount: value });
        return;
      }
      case "Issued":
        if (!this.issuers.has(event.issuer)) this.flag("EVENT_INCONSISTENT", at, `currency: ${event.issuer} issued ${event.amount} without being named issuer`);
        this.issued += event.amount;
        return;
      case "Redeemed":
        this.redeemed += event.amount;
        return;
      case "IssuerSet":
        if (event.allowed) this.issuers.add(event.issuer);
        else this.issuers.delete(event.issuer);
        return;
      case "SystemAccountSet":
        if (event.allowed) this.systemAccounts.add(event.account);
        else this.systemAccounts.delete(event.account);
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // settlement

  private applySettlement(event: Extract<AuditEvent, { contract: "settlement" }>, at: ChainPosition): void {
    switch (event.name) {
      case "Repaid": {
        const slot = this.slots.get(event.slot);
        if (slot === undefined) {
          this.flag("EVENT_INCONSISTENT", at, `repayment of receivable ${event.slot}, which was never confirmed`, { slot: event.slot });
          return;
        }
        const payer = this.members.standingOf(event.payer);
        if (payer === undefined || payer.memberId !== slot.anchorId) {
          this.flag("EVENT_INCONSISTENT", at, `receivable ${slot.slot} repaid by ${this.describeMember(event.payer, payer)}, not its anchor (member ${slot.anchorId})`, { slot: slot.slot });
        }
        slot.repaid += event.amount;
        slot.lastAt = at;
        if (slot.repaid !== event.repaidTotal || event.fullyRepaid !== (slot.repaid === slot.faceValue)) {
          this.flag("EVENT_INCONSISTENT", at, `receivable ${slot.slot}: the replay has ${slot.repaid} repaid, the event says ${event.repaidTotal} (fully repaid: ${event.fullyRepaid})`, { slot: slot.slot });
        }
        if (slot.repaid > slot.faceValue) this.flag("I1_CLAIMS_EXCEED_REPAID", at, `receivable ${slot.slot} repaid ${slot.repaid}, more than its face value ${slot.faceValue}`, { slot: slot.slot });
        this.expectCash({ from: event.payer, to: this.settlementAddress, amount: event.amount, why: `repayment of receivable ${slot.slot}`, at, slot: slot.slot });
        this.cash.push({ kind: "repayment", at, from: event.payer, to: this.settlementAddress, amount: event.amount, slot: slot.slot });
        this.blocksWanted.add(at.block);
        return;
      }
      case "Claimed":
        return this.onClaimed(event, at);
      case "RecourseTaken":
        return this.recourse.onTaken(event, at);
      case "RecourseClaimRouted":
        return this.recourse.onRouted(event, at);
      case "SlotOverdue": {
        const slot = this.slots.get(event.slot);
        if (slot !== undefined) slot.overdueFlagged = true;
        return;
      }
      case "OverdueCured":
      default:
        return;
    }
  }

  private onClaimed(event: Extract<AuditEvent, { name: "Claimed" }>, at: ChainPosition): void {
    const retiredNow = this.tx?.redeemed.has(event.tokenId) === true;
    const piece = retiredNow ? this.pieces.get(event.tokenId) : this.livePiece(event.tokenId, at, "Claimed");
    if (piece === undefined) return;
    const value = retiredNow ? piece.redeemedValue : piece.value;
    const slot = this.slots.get(piece.slot);
    if (slot === undefined) return;
    this.touch(piece, at);
    if (event.holder !== piece.owner) {
      this.flag("EVENT_INCONSISTENT", at, `claim on piece ${pieceName(piece.tokenId)} paid ${event.holder}, but the replay has it held by ${piece.owner}`, { tokenId: piece.tokenId });
    }
    const entitled = (value * slot.repaid) / slot.faceValue;
    if (event.claimedTotal !== entitled || event.amount !== entitled - piece.claimed) {
      this.flag(
        "I6_CLAIM_WRONG",
        at,
        `piece ${pieceName(piece.tokenId)} (value ${value}, ${slot.repaid} of ${slot.faceValue} repaid) is entitled to ${entitled} in all and had received ${piece.claimed}; the claim paid ${event.amount} for a total of ${event.claimedTotal}`,
        { tokenId: piece.tokenId, slot: slot.slot },
      );
    }
    this.recourse.onClaim(piece.tokenId, event.amount, piece.claimed, value, at);
    piece.claimed += event.amount;
    slot.claimed += event.amount;
    slot.lastAt = at;
    if (slot.claimed > slot.repaid) {
      this.flag("I1_CLAIMS_EXCEED_REPAID", at, `receivable ${slot.slot}: ${slot.claimed} claimed, more than the ${slot.repaid} repaid`, { slot: slot.slot, tokenId: piece.tokenId });
    }
    if (slot.repaid !== slot.faceValue) {
      const maturity = slot.maturity;
      this.timedChecks.push({
        block: at.block,
        evaluate: (time) => {
          if (time < maturity) this.flag("I6_CLAIM_BEFORE_MATURITY", at, `piece ${pieceName(piece.tokenId)} claimed at ${time}, before maturity ${maturity}, on a receivable not fully repaid`, { tokenId: piece.tokenId, slot: slot.slot });
        },
      });
    }
    this.expectCash({ from: this.settlementAddress, to: event.holder, amount: event.amount, why: `claim on piece ${pieceName(piece.tokenId)}`, at, slot: slot.slot, tokenId: piece.tokenId });
    this.cash.push({ kind: "claim", at, from: this.settlementAddress, to: event.holder, amount: event.amount, slot: slot.slot, tokenId: piece.tokenId });
    this.blocksWanted.add(at.block);
  }

  // ---------------------------------------------------------------------------------------------------------
  // financing

  private applyFinancing(event: Extract<AuditEvent, { contract: "financing" }>, at: ChainPosition): void {
    switch (event.name) {
      case "Funded":
        return this.onFunded(event, at);
      case "RequestApproved":
        this.attestations.approve(event.requestDigest, event.holder);
        return;
      case "RequiredVerifiersSet":
        this.attestations.requiredVerifiers = event.required;
        return;
      case "RecourseRecorded":
        this.onRecourse(event, at);
        return this.recourse.onDemand(event);
      case "RecoursePaid":
        return this.recourse.onPaid(event, at);
      default:
        return;
    }
  }

  /** I9: recourse only on a funding the holder sold with recourse (as its signed request says), once, by its factor. */
  private onRecourse(event: Extract<AuditEvent, { name: "RecourseRecorded" }>, at: ChainPosition): void {
    const subject = { tokenId: event.fundedTokenId, slot: slotOf(event.fundedTokenId) };
    const claim = `recourse of ${event.amount} on funding ${event.fundingId}`;
    const funding = this.fundingsById.get(event.fundingId);
    if (funding === undefined) {
      this.flag("EVENT_INCONSISTENT", at, `${claim}, which never happened`, subject);
      return;
    }
    const requested = funding.call?.request.withRecourse;
    if (!funding.withRecourse || requested === false) {
      const how = requested === false ? "under a request it signed without recourse" : "without recourse";
      this.flag("I9_RECOURSE_NOT_AGREED", at, `${claim}: the holder ${funding.holder} sold ${how}`, subject);
    }
    if (this.recourseRecorded.has(event.fundingId)) this.flag("EVENT_INCONSISTENT", at, `${claim}: its recourse was already recorded`, subject);
    this.recourseRecorded.add(event.fundingId);
    const problems: string[] = [];
    if (event.fundedTokenId !== funding.fundedTokenId) problems.push(`it names piece ${pieceName(event.fundedTokenId)}, the funding delivered ${pieceName(funding.fundedTokenId)}`);
    if (event.amount > funding.value) problems.push(`the amount is above the ${funding.value} sold`);
    const factorId = this.members.memberIdOf(funding.factor);
    if (event.factorId !== factorId) problems.push(`it names factor member ${event.factorId}, the funding's factor is member ${factorId}`);
    if (problems.length > 0) this.flag("EVENT_INCONSISTENT", at, `${claim}: ${problems.join("; ")}`, subject);
  }

  private onFunded(event: Extract<AuditEvent, { name: "Funded" }>, at: ChainPosition): void {
    const subject = { tokenId: event.fundedTokenId, slot: slotOf(event.tokenId) };
    const funding: FundingRecord = {
      fundingId: event.fundingId,
      tokenId: event.tokenId,
      fundedTokenId: event.fundedTokenId,
      factor: event.factor,
      holder: event.holder,
      value: event.value,
      price: event.price,
      withRecourse: event.withRecourse,
      at,
      validVerifiers: [],
    };
    this.fundings.push(funding);
    if (!this.fundingsById.has(event.fundingId)) this.fundingsById.set(event.fundingId, funding);
    this.tx?.fundings.push(funding);
    if (event.fundedTokenId !== event.tokenId) this.tx?.fundedPieces.add(event.fundedTokenId);
    this.blocksWanted.add(at.block);

    // I4: one funding per attestation.
    if (this.fundingIds.has(event.fundingId)) this.flag("I4_FUNDING_REPLAYED", at, `funding ${event.fundingId} happened before: an attestation was used twice`, subject);
    this.fundingIds.add(event.fundingId);

    const sold = this.pieces.get(event.tokenId);
    const holderAtStart = sold === undefined ? undefined : (this.tx?.ownersAtStart.get(sold.tokenId) ?? sold.owner);
    if (sold === undefined || sold.status !== "live" || holderAtStart !== event.holder) {
      this.flag("EVENT_INCONSISTENT", at, `funding of piece ${pieceName(event.tokenId)} from ${event.holder}, who does not hold it in the replay`, subject);
    } else {
      sold.fundingIds.push(event.fundingId);
      const slot = this.slots.get(sold.slot);
      if (slot !== undefined) slot.fundedValue += event.value;
    }
    this.expectCash({ from: event.factor, to: event.holder, amount: event.price, why: `price of funding ${event.fundingId}`, at, slot: subject.slot, tokenId: event.fundedTokenId });
    this.cash.push({ kind: "funding", at, from: event.factor, to: event.holder, amount: event.price, slot: subject.slot, tokenId: event.fundedTokenId });

    const call = this.input.fundCalls.get(at.transactionHash);
    if (call === undefined || call instanceof Error) {
      const reason = call === undefined ? "its transaction could not be read" : call.message;
      this.flag("FUNDING_CALLDATA", at, `funding ${event.fundingId}: ${reason}; its attestation cannot be re-verified`, subject);
      return;
    }
    funding.call = call;
    this.attestations.verify(event, call, at, subject, funding);
  }

  // ---------------------------------------------------------------------------------------------------------
  // per transaction and final checks

  private expectCash(expected: ExpectedCash): void {
    this.tx?.expectedCash.push(expected);
  }

  private endTransaction(): void {
    const tx = this.tx;
    if (tx === undefined) return;
    this.recourse.endTransaction();
    for (const tokenId of tx.touched) {
      const piece = this.pieces.get(tokenId);
      if (piece !== undefined && piece.status === "live" && piece.value === 0n) {
        this.flag("I2_ZERO_VALUE_PIECE", piece.lastAt, `piece ${pieceName(tokenId)} is left live with value 0`, { tokenId, slot: piece.slot });
      }
    }
    for (const tokenId of tx.redeemed) {
      const piece = this.pieces.get(tokenId);
      if (piece !== undefined && piece.claimed !== piece.redeemedValue) {
        this.flag("I6_CLAIM_WRONG", piece.lastAt, `piece ${pieceName(tokenId)} was retired having received ${piece.claimed} of its value ${piece.redeemedValue}`, { tokenId, slot: piece.slot });
      }
    }
    const moves = [...tx.currencyMoves];
    for (const expected of tx.expectedCash) {
      const index = moves.findIndex((move) => move.from === expected.from && move.to === expected.to && move.amount === expected.amount);
      if (index >= 0) moves.splice(index, 1);
      else {
        this.flag("CASH_MISMATCH", expected.at, `the ${expected.why} (${expected.amount} from ${expected.from} to ${expected.to}) has no matching currency transfer in its transaction`, {
          ...(expected.slot === undefined ? {} : { slot: expected.slot }),
          ...(expected.tokenId === undefined ? {} : { tokenId: expected.tokenId }),
        });
      }
    }
    for (const funding of tx.fundings) {
      const delivered = this.pieces.get(funding.fundedTokenId);
      if (delivered === undefined || delivered.status !== "live" || delivered.owner !== funding.factor || (funding.fundedTokenId !== funding.tokenId && delivered.initialValue !== funding.value)) {
        this.flag("FUNDING_NOT_DELIVERED", funding.at, `funding ${funding.fundingId}: piece ${pieceName(funding.fundedTokenId)} did not reach factor ${funding.factor} with value ${funding.value} in the funding's transaction`, {
          tokenId: funding.fundedTokenId,
        });
      } else {
        if (!delivered.fundingIds.includes(funding.fundingId)) delivered.fundingIds.push(funding.fundingId);
        if (funding.fundedTokenId !== funding.tokenId) delivered.origin = "funding";
      }
    }
  }

  private checkFinalState(): void {
    const liveValue = new Map<bigint, bigint>();
    for (const piece of this.pieces.values()) {
      if (piece.status !== "live") continue;
      liveValue.set(piece.slot, (liveValue.get(piece.slot) ?? 0n) + piece.value);
      if (piece.value === 0n) this.flag("I2_ZERO_VALUE_PIECE", piece.lastAt, `piece ${pieceName(piece.tokenId)} is live with value 0`, { tokenId: piece.tokenId, slot: piece.slot });
      if (this.members.standingOf(piece.owner) === undefined) {
        this.flag("I3_HOLDER_NOT_MEMBER", piece.lastAt, `piece ${pieceName(piece.tokenId)} is held by ${piece.owner}, which belongs to no member`, { tokenId: piece.tokenId, slot: piece.slot });
      }
    }
    for (const slot of this.slots.values()) {
      const live = liveValue.get(slot.slot) ?? 0n;
      if (live + slot.redeemedValue !== slot.faceValue) {
        this.flag("I1_SLOT_VALUE", slot.lastAt, `receivable ${slot.slot}: live pieces ${live} + redeemed ${slot.redeemedValue} = ${live + slot.redeemedValue}, not its face value ${slot.faceValue}`, { slot: slot.slot });
      }
      if (slot.claimed > slot.repaid) this.flag("I1_CLAIMS_EXCEED_REPAID", slot.lastAt, `receivable ${slot.slot}: ${slot.claimed} claimed of ${slot.repaid} repaid`, { slot: slot.slot });
    }
    if (this.supply !== this.issued - this.redeemed && this.lastPosition !== undefined) {
      this.flag("EVENT_INCONSISTENT", this.lastPosition, `currency: ${this.supply} in circulation by its transfers, but ${this.issued} issued - ${this.redeemed} redeemed = ${this.issued - this.redeemed}`);
    }
  }
}
