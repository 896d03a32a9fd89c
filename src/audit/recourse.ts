import type { AuditEvent } from "./decode";
import { pieceName, slotOf } from "../chain/tokenId";
import type { ChainPosition, FindingCode } from "./findings";
import type { AuditWording } from "./names";

/**
 * The audit's replay of recourse that settles (issue 19 part 3), kept apart from the main replay (its settlement
 * and financing modules call it): the factor's demand, the seller's payments and the routing of later claims on a
 * piece under recourse, rebuilt from events alone and checked against DESIGN.md's I9:
 *
 * - a payment only on a funding sold with recourse (the holder's signed choice) whose factor demanded it, by the
 *   seller's organisation (`I9_RECOURSE_NOT_AGREED`, `EVENT_INCONSISTENT`);
 * - no payment above what was unpaid to the factor at its moment: value − floor(value × repaid / face) − the part
 *   the seller had already taken over and not received back (`I9_RECOURSE_ABOVE_UNPAID`);
 * - every later claim on the piece pays the seller floor(claim × owed / (value − claimed before)), to the address
 *   that paid last (`I9_RECOURSE_MISROUTED`, also when no routing was announced);
 * - the factor never receives more than the piece's value: anchor claims kept plus recourse received
 *   (`I9_FACTOR_ABOVE_VALUE`).
 *
 * Per piece the model is four figures: paid (all the seller paid), owed (its share of the anchor money the piece
 * has yet to receive), returned (what it got back) and the seller's paying address; paid = owed + returned.
 */

export interface RecoursePieceView {
  value: bigint;
  claimed: bigint;
  owner: string;
  slot: bigint;
}

export interface RecourseFundingView {
  withRecourse: boolean;
  requestedRecourse: boolean | undefined;
  holder: string;
  factor: string;
  fundedTokenId: bigint;
}

/** What the recourse replay needs of the main replay. */
export interface RecourseHooks {
  flag(code: FindingCode, at: ChainPosition, message: string, subject: { tokenId?: bigint; slot?: bigint }): void;
  /** How sentences name members and amounts. */
  readonly words: AuditWording;
  funding(fundingId: string): RecourseFundingView | undefined;
  piece(tokenId: bigint): RecoursePieceView | undefined;
  /** Repaid and face value of a receivable. */
  slot(slot: bigint): { repaid: bigint; faceValue: bigint } | undefined;
  memberIdOf(account: string): number | undefined;
  /** Expects `amount` to move from `from` to `to` in the current transaction. */
  expectCash(from: string, to: string, amount: bigint, why: string, at: ChainPosition, tokenId: bigint): void;
  /** Moves `amount` of the current transaction's expected claim payment on `tokenId` from its holder to `seller`. */
  rerouteClaim(tokenId: bigint, seller: string, amount: bigint, at: ChainPosition): void;
}

interface RecourseBook {
  fundingId: string;
  seller: string | undefined;
  paid: bigint;
  owed: bigint;
  returned: bigint;
}

interface ExpectedRouting {
  tokenId: bigint;
  amount: bigint;
  at: ChainPosition;
}

export class RecourseReplay {
  /** Fundings whose factor demanded recourse. */
  private readonly demanded = new Set<string>();
  /** Pieces under recourse, by token id. */
  readonly books = new Map<bigint, RecourseBook>();
  /** Routings the claims of the current transaction owe, in claim order. */
  private expectedRoutings: ExpectedRouting[] = [];
  /** Settlement's RecourseTaken of the current transaction, waiting for Financing's RecoursePaid. */
  private taken: Array<Extract<AuditEvent, { name: "RecourseTaken" }> & { at: ChainPosition }> = [];
  /** Pieces whose factor total is checked at the end of the transaction, with where they were last touched. */
  private touched = new Map<bigint, ChainPosition>();

  constructor(private readonly hooks: RecourseHooks) {}

  /** Financing's RecourseRecorded (the demand), after the main replay's own checks of it. */
  onDemand(event: Extract<AuditEvent, { name: "RecourseRecorded" }>): void {
    this.demanded.add(event.fundingId);
  }

  /** A Claimed on a piece, before the main replay adds it to the piece's claimed. */
  onClaim(tokenId: bigint, amount: bigint, claimedBefore: bigint, value: bigint, at: ChainPosition): void {
    const book = this.books.get(tokenId);
    if (book === undefined) return;
    this.touched.set(tokenId, at);
    const base = value - claimedBefore;
    const toSeller = book.owed === 0n || base <= 0n ? 0n : (amount * book.owed) / base;
    if (toSeller > 0n) this.expectedRoutings.push({ tokenId, amount: toSeller, at });
  }

  /** Settlement's RecourseClaimRouted: the seller's part of the claim just before it. */
  onRouted(event: Extract<AuditEvent, { name: "RecourseClaimRouted" }>, at: ChainPosition): void {
    const subject = { tokenId: event.tokenId, slot: slotOf(event.tokenId) };
    const book = this.books.get(event.tokenId);
    const index = this.expectedRoutings.findIndex((expected) => expected.tokenId === event.tokenId);
    const expected = index < 0 ? undefined : this.expectedRoutings.splice(index, 1)[0];
    const words = this.hooks.words;
    const what = `${words.cny(event.amount)} of a claim on piece ${pieceName(event.tokenId)} routed to the seller ${words.account(event.seller)}`;
    if (book === undefined || expected === undefined) {
      this.hooks.flag("I9_RECOURSE_MISROUTED", at, `${what}, but the replay has no seller's share due in that claim`, subject);
      return;
    }
    if (event.amount !== expected.amount || event.seller !== book.seller) {
      this.hooks.flag(
        "I9_RECOURSE_MISROUTED",
        at,
        `${what}; the replay has ${words.cny(expected.amount)} due to the seller ${book.seller === undefined ? "(none)" : words.account(book.seller)} (its share ${words.cny(book.owed)} of what the piece had still to receive)`,
        subject,
      );
    }
    book.owed -= event.amount;
    book.returned += event.amount;
    if (event.sellerOwed !== book.owed)
      this.hooks.flag(
        "EVENT_INCONSISTENT",
        at,
        `${what}: the event leaves the seller ${words.cny(event.sellerOwed)} owed, the replay ${words.cny(book.owed)}`,
        subject,
      );
    this.hooks.rerouteClaim(event.tokenId, event.seller, event.amount, at);
  }

  /** Settlement's RecourseTaken: checked against Financing's RecoursePaid that follows in the same transaction. */
  onTaken(event: Extract<AuditEvent, { name: "RecourseTaken" }>, at: ChainPosition): void {
    this.taken.push({ ...event, at });
  }

  /** Financing's RecoursePaid: the seller paid the factor part of the piece's unpaid part. */
  onPaid(event: Extract<AuditEvent, { name: "RecoursePaid" }>, at: ChainPosition): void {
    const tokenId = event.fundedTokenId;
    const subject = { tokenId, slot: slotOf(tokenId) };
    const words = this.hooks.words;
    const what = `recourse payment of ${words.cny(event.amount)} on funding ${event.fundingId}`;
    const funding = this.hooks.funding(event.fundingId);
    if (funding === undefined) {
      this.hooks.flag("EVENT_INCONSISTENT", at, `${what}, which never happened`, subject);
      return;
    }
    if (!funding.withRecourse || funding.requestedRecourse === false) {
      this.hooks.flag("I9_RECOURSE_NOT_AGREED", at, `${what}: the holder ${words.account(funding.holder)} sold without recourse`, subject);
    } else if (!this.demanded.has(event.fundingId)) {
      this.hooks.flag("I9_RECOURSE_NOT_AGREED", at, `${what}: its factor never demanded recourse`, subject);
    }
    const problems: string[] = [];
    if (tokenId !== funding.fundedTokenId)
      problems.push(`it names piece ${pieceName(tokenId)}, the funding delivered ${pieceName(funding.fundedTokenId)}`);
    if (event.sellerId !== this.hooks.memberIdOf(funding.holder))
      problems.push(`it names the seller ${words.member(event.sellerId)}, the funding's seller is ${words.account(funding.holder)}`);
    if (event.factorId !== this.hooks.memberIdOf(funding.factor))
      problems.push(`it names the factor ${words.member(event.factorId)}, the funding's factor is ${words.account(funding.factor)}`);
    const piece = this.hooks.piece(tokenId);
    const slot = piece === undefined ? undefined : this.hooks.slot(piece.slot);
    if (piece === undefined || slot === undefined) problems.push(`piece ${pieceName(tokenId)} is not live in the replay`);
    if (problems.length > 0) this.hooks.flag("EVENT_INCONSISTENT", at, `${what}: ${problems.join("; ")}`, subject);
    if (piece === undefined || slot === undefined) return;

    const book = this.books.get(tokenId) ?? { fundingId: event.fundingId, seller: undefined, paid: 0n, owed: 0n, returned: 0n };
    this.books.set(tokenId, book);
    // Unpaid to the factor now: the piece's value less the anchor's share repaid on it, less the seller's share of the
    // anchor money not yet claimed (after the split the next claim would make).
    const entitled = (piece.value * slot.repaid) / slot.faceValue;
    const pending = entitled - piece.claimed;
    const base = piece.value - piece.claimed;
    const owedAfterPending = book.owed - (pending > 0n && book.owed > 0n && base > 0n ? (pending * book.owed) / base : 0n);
    const due = piece.value - entitled - owedAfterPending;
    if (event.amount > due) {
      this.hooks.flag(
        "I9_RECOURSE_ABOVE_UNPAID",
        at,
        `${what}: only ${words.cny(due)} of piece ${pieceName(tokenId)} (value ${words.cny(piece.value)}, ${words.cny(slot.repaid)} of ${words.cny(slot.faceValue)} repaid) was unpaid to the factor`,
        subject,
      );
    }

    const takenIndex = this.taken.findIndex((taken) => taken.tokenId === tokenId && taken.amount === event.amount);
    const taken = takenIndex < 0 ? undefined : this.taken.splice(takenIndex, 1)[0];
    if (taken === undefined)
      this.hooks.flag(
        "EVENT_INCONSISTENT",
        at,
        `${what}: settlement did not take it over for piece ${pieceName(tokenId)} in the same transaction`,
        subject,
      );
    const seller = taken?.seller ?? funding.holder;
    if (this.hooks.memberIdOf(seller) !== this.hooks.memberIdOf(funding.holder)) {
      this.hooks.flag("EVENT_INCONSISTENT", at, `${what}: paid by ${words.account(seller)}, not by the seller's organisation`, subject);
    }
    book.paid += event.amount;
    book.owed += event.amount;
    book.seller = seller;
    if (
      event.paidTotal !== book.paid ||
      (taken !== undefined && (taken.paidTotal !== book.paid || taken.sellerOwed !== owedAfterPending + event.amount))
    ) {
      this.hooks.flag(
        "EVENT_INCONSISTENT",
        at,
        `${what}: the events say ${words.cny(event.paidTotal)} paid in all, the replay ${words.cny(book.paid)}`,
        subject,
      );
    }
    this.hooks.expectCash(seller, piece.owner, event.amount, `recourse payment on piece ${pieceName(tokenId)}`, at, tokenId);
    this.touched.set(tokenId, at);
  }

  /** Closes a transaction: claims that owed the seller a share without routing it, and each piece's factor total. */
  endTransaction(): void {
    for (const expected of this.expectedRoutings) {
      this.hooks.flag(
        "I9_RECOURSE_MISROUTED",
        expected.at,
        `a claim on piece ${pieceName(expected.tokenId)} owed the seller ${this.hooks.words.cny(expected.amount)}, and none of it was routed to the seller`,
        { tokenId: expected.tokenId, slot: slotOf(expected.tokenId) },
      );
      const book = this.books.get(expected.tokenId);
      // The factor kept the seller's share: the seller's claim on it is spent all the same.
      if (book !== undefined) book.owed -= expected.amount;
    }
    for (const taken of this.taken) {
      this.hooks.flag(
        "EVENT_INCONSISTENT",
        taken.at,
        `settlement took over ${this.hooks.words.cny(taken.amount)} of piece ${pieceName(taken.tokenId)} with no recourse payment by financing`,
        { tokenId: taken.tokenId },
      );
    }
    for (const [tokenId, at] of this.touched) {
      const book = this.books.get(tokenId);
      const piece = this.hooks.piece(tokenId);
      if (book === undefined || piece === undefined) continue;
      const factorTotal = piece.claimed - book.returned + book.paid;
      if (factorTotal > piece.value) {
        this.hooks.flag(
          "I9_FACTOR_ABOVE_VALUE",
          at,
          `the factor has received ${this.hooks.words.cny(factorTotal)} on piece ${pieceName(tokenId)} of value ${this.hooks.words.cny(piece.value)}: ${this.hooks.words.cny(piece.claimed - book.returned)} of the anchor's money and ${this.hooks.words.cny(book.paid)} of recourse`,
          { tokenId, slot: slotOf(tokenId) },
        );
      }
    }
    this.expectedRoutings = [];
    this.taken = [];
    this.touched = new Map();
  }
}
