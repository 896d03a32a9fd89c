import type { AuditEvent } from "../decode";
import { pieceName } from "../../chain/tokenId";
import type { ChainPosition } from "../findings";
import { Role } from "../../chain/roles";
import { activeAt, holdsRole } from "../members";
import type { RecourseReplay } from "../recourse";
import type { EventOf, ReplayModel, TxScratch } from "./model";

/**
 * Settlement replayed: the anchor's repayments into each receivable and the claims that pay each piece its share
 * (floor(value × repaid / face)), with their cash legs. Checked: a repayment by the receivable's anchor, never above
 * its face value (I1); each claim exactly the piece's due, to its holder, not before maturity unless fully repaid
 * (I6); a retired piece received exactly its value (I6, when the transaction ends). Recourse's events and each
 * claim's share for a seller under recourse go to the recourse replay (src/audit/recourse.ts). A write-off: by an
 * active operator, strictly after maturity plus the grace period then in force, of a receivable not fully repaid,
 * once, with the outstanding amount the replay has (WRITE_OFF_INVALID otherwise).
 */
export class SettlementReplay {
  constructor(
    private readonly model: ReplayModel,
    private readonly recourse: RecourseReplay,
  ) {}

  /** Settlement's grace period as the replay has reached it (0 until the first GracePeriodSet, as the contract). */
  private gracePeriod = 0n;
  private readonly writtenOff = new Set<bigint>();

  apply(event: EventOf<"settlement">, at: ChainPosition): void {
    switch (event.name) {
      case "Repaid":
        return this.onRepaid(event, at);
      case "Claimed":
        return this.onClaimed(event, at);
      case "RecourseTaken":
        return this.recourse.onTaken(event, at);
      case "RecourseClaimRouted":
        return this.recourse.onRouted(event, at);
      case "SlotOverdue": {
        const slot = this.model.slots.get(event.slot);
        if (slot !== undefined) slot.overdueFlagged = true;
        return;
      }
      case "GracePeriodSet":
        this.gracePeriod = event.gracePeriod;
        return;
      case "ReceivableWrittenOff":
        return this.onWrittenOff(event, at);
      case "OverdueCured":
      default:
        return;
    }
  }

  /** I6: a piece settlement retired in the transaction was paid exactly the value it was retired with. */
  endTransaction(tx: TxScratch): void {
    for (const tokenId of tx.redeemed) {
      const piece = this.model.pieces.get(tokenId);
      if (piece !== undefined && piece.claimed !== piece.redeemedValue) {
        this.model.flag(
          "I6_CLAIM_WRONG",
          piece.lastAt,
          `piece ${pieceName(tokenId)} was retired having received ${this.model.words.cny(piece.claimed)} of its value ${this.model.words.cny(piece.redeemedValue)}`,
          { tokenId, slot: piece.slot },
        );
      }
    }
  }

  private onWrittenOff(event: Extract<AuditEvent, { name: "ReceivableWrittenOff" }>, at: ChainPosition): void {
    const { model } = this;
    const slot = model.slots.get(event.slot);
    if (slot === undefined) {
      model.flag("EVENT_INCONSISTENT", at, `write-off of receivable ${event.slot}, which was never confirmed`, { slot: event.slot });
      return;
    }
    const subject = { slot: slot.slot };
    if (this.writtenOff.has(slot.slot)) model.flag("WRITE_OFF_INVALID", at, `receivable ${slot.slot} written off a second time`, subject);
    this.writtenOff.add(slot.slot);
    if (slot.repaid === slot.faceValue) model.flag("WRITE_OFF_INVALID", at, `receivable ${slot.slot} written off although fully repaid`, subject);
    if (event.outstanding !== slot.faceValue - slot.repaid) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `receivable ${slot.slot} written off with ${model.words.cny(event.outstanding)} outstanding; the replay has ${model.words.cny(slot.faceValue - slot.repaid)}`,
        subject,
      );
    }
    const standing = model.members.standingOf(event.operator);
    if (standing === undefined || standing.suspended || !holdsRole(standing, Role.OPERATOR)) {
      model.flag(
        "WRITE_OFF_INVALID",
        at,
        `receivable ${slot.slot} written off by ${model.words.account(event.operator)}, not an active operator`,
        subject,
      );
    }
    const grace = this.gracePeriod;
    const graceEnds = slot.maturity + grace;
    const bounds = standing === undefined ? [graceEnds + 1n] : [graceEnds + 1n, standing.kycValidUntil];
    model.whenTime(at, bounds, (time) => {
      if (time <= graceEnds) {
        model.flag(
          "WRITE_OFF_INVALID",
          at,
          `receivable ${slot.slot} written off at ${model.words.date(time)}, not after maturity ${model.words.date(slot.maturity)} plus the grace period of ${grace % 86_400n === 0n ? `${grace / 86_400n} day${grace === 86_400n ? "" : "s"}` : `${grace} s`}`,
          subject,
        );
      }
      if (standing !== undefined && !standing.suspended && holdsRole(standing, Role.OPERATOR) && !activeAt(standing, time)) {
        model.flag(
          "WRITE_OFF_INVALID",
          at,
          `receivable ${slot.slot} written off by ${model.words.member(standing.memberId, event.operator)} after its KYC lapsed`,
          subject,
        );
      }
    });
    slot.lastAt = at;
  }

  private onRepaid(event: Extract<AuditEvent, { name: "Repaid" }>, at: ChainPosition): void {
    const { model } = this;
    const slot = model.slots.get(event.slot);
    if (slot === undefined) {
      model.flag("EVENT_INCONSISTENT", at, `repayment of receivable ${event.slot}, which was never confirmed`, { slot: event.slot });
      return;
    }
    const payer = model.members.standingOf(event.payer);
    if (payer === undefined || payer.memberId !== slot.anchorId) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `receivable ${slot.slot} repaid by ${model.words.account(event.payer)}, not its anchor ${model.words.member(slot.anchorId)}`,
        { slot: slot.slot },
      );
    }
    slot.repaid += event.amount;
    slot.lastAt = at;
    if (slot.repaid !== event.repaidTotal || event.fullyRepaid !== (slot.repaid === slot.faceValue)) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `receivable ${slot.slot}: the replay has ${model.words.cny(slot.repaid)} repaid, the event says ${model.words.cny(event.repaidTotal)} (fully repaid: ${event.fullyRepaid ? "yes" : "no"})`,
        { slot: slot.slot },
      );
    }
    if (slot.repaid > slot.faceValue)
      model.flag(
        "I1_CLAIMS_EXCEED_REPAID",
        at,
        `receivable ${slot.slot} repaid ${model.words.cny(slot.repaid)}, more than its face value ${model.words.cny(slot.faceValue)}`,
        {
          slot: slot.slot,
        },
      );
    model.expectCash({
      from: event.payer,
      to: model.settlementAddress,
      amount: event.amount,
      why: `repayment of receivable ${slot.slot}`,
      at,
      slot: slot.slot,
    });
    model.cash.push({ kind: "repayment", at, from: event.payer, to: model.settlementAddress, amount: event.amount, slot: slot.slot });
    model.blocksWanted.add(at.block);
  }

  private onClaimed(event: Extract<AuditEvent, { name: "Claimed" }>, at: ChainPosition): void {
    const { model } = this;
    const retiredNow = model.tx?.redeemed.has(event.tokenId) === true;
    const piece = retiredNow ? model.pieces.get(event.tokenId) : model.livePiece(event.tokenId, at, "Claimed");
    if (piece === undefined) return;
    const value = retiredNow ? piece.redeemedValue : piece.value;
    const slot = model.slots.get(piece.slot);
    if (slot === undefined) return;
    model.touch(piece, at);
    if (event.holder !== piece.owner) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `claim on piece ${pieceName(piece.tokenId)} paid ${model.words.account(event.holder)}, but the replay has it held by ${model.words.account(piece.owner)}`,
        { tokenId: piece.tokenId },
      );
    }
    const entitled = (value * slot.repaid) / slot.faceValue;
    if (event.claimedTotal !== entitled || event.amount !== entitled - piece.claimed) {
      model.flag(
        "I6_CLAIM_WRONG",
        at,
        `piece ${pieceName(piece.tokenId)} (value ${model.words.cny(value)}, ${model.words.cny(slot.repaid)} of ${model.words.cny(slot.faceValue)} repaid) is entitled to ${model.words.cny(entitled)} in all and had received ${model.words.cny(piece.claimed)}; the claim paid ${model.words.cny(event.amount)} for a total of ${model.words.cny(event.claimedTotal)}`,
        { tokenId: piece.tokenId, slot: slot.slot },
      );
    }
    this.recourse.onClaim(piece.tokenId, event.amount, piece.claimed, value, at);
    piece.claimed += event.amount;
    slot.claimed += event.amount;
    slot.lastAt = at;
    if (slot.claimed > slot.repaid) {
      model.flag(
        "I1_CLAIMS_EXCEED_REPAID",
        at,
        `receivable ${slot.slot}: ${model.words.cny(slot.claimed)} claimed, more than the ${model.words.cny(slot.repaid)} repaid`,
        {
          slot: slot.slot,
          tokenId: piece.tokenId,
        },
      );
    }
    if (slot.repaid !== slot.faceValue) {
      const maturity = slot.maturity;
      model.timedChecks.push({
        block: at.block,
        evaluate: (time) => {
          if (time < maturity)
            model.flag(
              "I6_CLAIM_BEFORE_MATURITY",
              at,
              `piece ${pieceName(piece.tokenId)} claimed at ${model.words.date(time)}, before maturity ${model.words.date(maturity)}, on a receivable not fully repaid`,
              { tokenId: piece.tokenId, slot: slot.slot },
            );
        },
      });
    }
    model.expectCash({
      from: model.settlementAddress,
      to: event.holder,
      amount: event.amount,
      why: `claim on piece ${pieceName(piece.tokenId)}`,
      at,
      slot: slot.slot,
      tokenId: piece.tokenId,
    });
    model.cash.push({
      kind: "claim",
      at,
      from: model.settlementAddress,
      to: event.holder,
      amount: event.amount,
      slot: slot.slot,
      tokenId: piece.tokenId,
    });
    model.blocksWanted.add(at.block);
  }
}
