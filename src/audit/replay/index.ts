import { CreditLineReplay } from "../creditLines";
import type { PositionedEvent } from "../decode";
import { pieceName, slotOf } from "../../chain/tokenId";
import type { ChainPosition } from "../findings";
import { RecourseReplay } from "../recourse";
import type { RecourseHooks } from "../recourse";
import { CurrencyReplay } from "./currency";
import { FinancingReplay } from "./financing";
import { ReplayModel, openTransaction } from "./model";
import type { ReplayInput } from "./model";
import { SettlementReplay } from "./settlement";
import { TokenReplay } from "./token";

export type { CashKind, CashMovement, FundingRecord, PieceOrigin, PieceRecord, PieceStatus, ReplayInput, SlotRecord, TimedCheck } from "./model";

/**
 * The audit's replay: every event of the five contracts, in chain order, rebuilt into slots, pieces, holders,
 * fundings, repayments, claims and currency balances — by this code alone, not the indexer's. Each event is
 * checked against what the replay already knows (DESIGN.md's invariants I1-I6, the registry at that point, the
 * funding's own calldata); what depends on a block's time is deferred until the times are fetched.
 *
 * This is the coordinator: the records are the model's (model.ts); each contract's events go to its module —
 * the registry's to members.ts, then token.ts, currency.ts, settlement.ts, financing.ts — after the credit lines
 * (I8, creditLines.ts) have seen every event; recourse that settles (I9, recourse.ts) hears from settlement and
 * financing. When a transaction ends, each module checks what it gathered over it; at the audited block, the final
 * state.
 */
export class AuditReplay extends ReplayModel {
  /** I8: anchors' credit lines and what each owes (creditLines.ts). */
  readonly creditLines = new CreditLineReplay((code, at, message, subject) => this.flag(code, at, message, subject), this.words);
  /** Recourse that settles: payments and the routing of later claims (src/audit/recourse.ts). */
  readonly recourse: RecourseReplay;
  private readonly token: TokenReplay;
  private readonly currency: CurrencyReplay;
  private readonly settlement: SettlementReplay;
  private readonly financing: FinancingReplay;

  constructor(input: ReplayInput) {
    super(input);
    this.recourse = new RecourseReplay(this.recourseHooks());
    this.token = new TokenReplay(this);
    this.currency = new CurrencyReplay(this);
    this.settlement = new SettlementReplay(this, this.recourse);
    this.financing = new FinancingReplay(this, this.recourse);
  }

  /** Applies one event; events must come in chain order. */
  apply(entry: PositionedEvent): void {
    if (this.tx?.hash !== entry.at.transactionHash) {
      this.endTransaction();
      this.tx = openTransaction(entry.at.transactionHash);
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
        return this.token.apply(event, at);
      case "currency":
        return this.currency.apply(event, at);
      case "settlement":
        return this.settlement.apply(event, at);
      case "financing":
        return this.financing.apply(event, at);
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
    this.token.finish();
    this.currency.finish();
  }

  private endTransaction(): void {
    const tx = this.tx;
    if (tx === undefined) return;
    this.recourse.endTransaction();
    this.token.endTransaction(tx);
    this.settlement.endTransaction(tx);
    this.currency.endTransaction(tx);
    this.financing.endTransaction(tx);
  }

  /** What the recourse replay reads of the pieces, receivables, fundings and members, and the cash it expects. */
  private recourseHooks(): RecourseHooks {
    return {
      flag: (code, at, message, subject) => this.flag(code, at, message, subject),
      words: this.words,
      funding: (fundingId) => this.financing.fundingView(fundingId),
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
        while (
          index >= 0 &&
          !(expected[index].tokenId === tokenId && expected[index].from === this.settlementAddress && expected[index].amount >= amount)
        )
          index -= 1;
        if (index < 0) return;
        const claim = expected[index];
        if (claim.amount === amount) expected.splice(index, 1);
        else claim.amount -= amount;
        this.expectCash({
          from: this.settlementAddress,
          to: seller,
          amount,
          why: `seller's share of a claim on piece ${pieceName(tokenId)}`,
          at,
          slot: slotOf(tokenId),
          tokenId,
        });
      },
    };
  }
}
