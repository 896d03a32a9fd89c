import { ZeroAddress } from "ethers";
import { Role } from "../../chain/roles";
import type { AuditEvent } from "../decode";
import { firstPieceOf, pieceName, sequenceOf, slotOf } from "../../chain/tokenId";
import type { ChainPosition } from "../findings";
import { activeAt, holdsRole } from "../members";
import type { EventOf, PieceRecord, ReplayModel, SlotRecord, TxScratch } from "./model";

/**
 * The receivable token replayed: confirmations open receivables (slots) with their first piece; mints, splits,
 * merges, transfers, burns and settlement's redemptions move value between pieces. Checked per event: I2 (value
 * conserved), I3 (who may send and receive a piece, at that time), I5 (an invoice fingerprint backs one piece
 * ever), I6 (nothing but a redemption moves after maturity); and, when the transaction ends and at the audited
 * block, that no live piece is left empty (I2), every holder is a member (I3) and each receivable's live and
 * redeemed value make its face value (I1).
 */

const ROLE_HOLDER = (1 << Role.SUPPLIER) | (1 << Role.FACTOR);

export class TokenReplay {
  /** Which piece each invoice fingerprint backed first. */
  private readonly fingerprints = new Map<string, bigint>();

  constructor(private readonly model: ReplayModel) {}

  apply(event: EventOf<"token">, at: ChainPosition): void {
    switch (event.name) {
      case "ReceivableConfirmed":
        return this.onConfirmed(event, at);
      case "Transfer":
        return this.onTransfer(event, at);
      case "TransferValue":
        return this.onTransferValue(event, at);
      case "TradeProofRecorded": {
        const piece = this.model.pieces.get(event.tokenId);
        if (piece === undefined || piece.createdAt.transactionHash !== at.transactionHash) {
          this.model.flag(
            "EVENT_INCONSISTENT",
            at,
            `a trade proof was recorded for piece ${pieceName(event.tokenId)}, which this transaction did not create`,
            { tokenId: event.tokenId },
          );
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

  /** I2: no piece the transaction touched is left live with value 0. */
  endTransaction(tx: TxScratch): void {
    for (const tokenId of tx.touched) {
      const piece = this.model.pieces.get(tokenId);
      if (piece !== undefined && piece.status === "live" && piece.value === 0n) {
        this.model.flag("I2_ZERO_VALUE_PIECE", piece.lastAt, `piece ${pieceName(tokenId)} is left live with value 0`, { tokenId, slot: piece.slot });
      }
    }
  }

  /** At the audited block: I2 and I3 for every live piece; I1 for every receivable (its value, and claims within repayments). */
  finish(): void {
    const { model } = this;
    const liveValue = new Map<bigint, bigint>();
    for (const piece of model.pieces.values()) {
      if (piece.status !== "live") continue;
      liveValue.set(piece.slot, (liveValue.get(piece.slot) ?? 0n) + piece.value);
      if (piece.value === 0n)
        model.flag("I2_ZERO_VALUE_PIECE", piece.lastAt, `piece ${pieceName(piece.tokenId)} is live with value 0`, {
          tokenId: piece.tokenId,
          slot: piece.slot,
        });
      if (model.members.standingOf(piece.owner) === undefined) {
        model.flag(
          "I3_HOLDER_NOT_MEMBER",
          piece.lastAt,
          `piece ${pieceName(piece.tokenId)} is held by ${model.words.account(piece.owner)}, which belongs to no member`,
          {
            tokenId: piece.tokenId,
            slot: piece.slot,
          },
        );
      }
    }
    for (const slot of model.slots.values()) {
      const live = liveValue.get(slot.slot) ?? 0n;
      if (live + slot.redeemedValue !== slot.faceValue) {
        model.flag(
          "I1_SLOT_VALUE",
          slot.lastAt,
          `receivable ${slot.slot}: live pieces ${model.words.cny(live)} + redeemed ${model.words.cny(slot.redeemedValue)} = ${model.words.cny(live + slot.redeemedValue)}, not its face value ${model.words.cny(slot.faceValue)}`,
          { slot: slot.slot },
        );
      }
      if (slot.claimed > slot.repaid)
        model.flag(
          "I1_CLAIMS_EXCEED_REPAID",
          slot.lastAt,
          `receivable ${slot.slot}: ${model.words.cny(slot.claimed)} claimed of ${model.words.cny(slot.repaid)} repaid`,
          {
            slot: slot.slot,
          },
        );
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // the events

  /** I5: an invoice fingerprint backs one confirmation or transfer, ever. */
  private useFingerprint(fingerprint: string, tokenId: bigint, at: ChainPosition): void {
    const earlier = this.fingerprints.get(fingerprint);
    if (earlier !== undefined) {
      this.model.flag(
        "I5_INVOICE_REUSED",
        at,
        `invoice fingerprint ${fingerprint} backs piece ${pieceName(tokenId)}; it already backed piece ${pieceName(earlier)}`,
        { tokenId },
      );
      return;
    }
    this.fingerprints.set(fingerprint, tokenId);
  }

  private onConfirmed(event: Extract<AuditEvent, { name: "ReceivableConfirmed" }>, at: ChainPosition): void {
    const { model } = this;
    const { slot, tokenId, confirmation } = event;
    if (model.slots.has(slot) || slot !== BigInt(model.slots.size + 1) || tokenId !== firstPieceOf(slot)) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `receivable ${slot} confirmed with first piece ${pieceName(tokenId)} out of sequence (${model.slots.size} receivables before)`,
        { slot },
      );
      if (model.slots.has(slot)) return;
    }
    const anchor = model.members.standingOf(event.anchor);
    if (anchor === undefined || anchor.memberId !== event.anchorId || !holdsRole(anchor, Role.ANCHOR) || anchor.suspended) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `receivable ${slot} was confirmed by ${model.words.account(event.anchor)}, not an active anchor as the event says (${model.words.member(event.anchorId)})`,
        { slot },
      );
    }
    const supplier = model.members.standingOf(confirmation.supplier);
    if (supplier === undefined || supplier.memberId !== event.supplierId) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `receivable ${slot} names supplier ${model.words.member(event.supplierId)}, but its account is ${supplier === undefined ? model.words.account(confirmation.supplier) : model.words.member(supplier.memberId, confirmation.supplier)}`,
        { slot },
      );
    }
    model.slots.set(slot, {
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

  private onTransfer(event: Extract<AuditEvent, { contract: "token"; name: "Transfer" }>, at: ChainPosition): void {
    const { model } = this;
    const { from, to, tokenId } = event;
    const slotId = slotOf(tokenId);
    const slot = model.slots.get(slotId);
    if (from === ZeroAddress) return this.onMinted(tokenId, to, slot, at);
    const piece = model.pieces.get(tokenId);
    if (piece === undefined) {
      model.flag("EVENT_INCONSISTENT", at, `Transfer of piece ${pieceName(tokenId)}, which was never created`, { tokenId });
      return;
    }
    if (piece.owner !== from) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `Transfer of piece ${pieceName(tokenId)} from ${model.words.account(from)}, but the replay has it held by ${model.words.account(piece.owner)}`,
        {
          tokenId,
        },
      );
    }
    model.touch(piece, at);
    if (to === ZeroAddress) {
      // A burn: the piece was emptied by a split or merge, or redeemed by settlement just before.
      if (piece.value !== 0n) {
        model.flag("I2_VALUE_NOT_CONSERVED", at, `piece ${pieceName(tokenId)} was burned holding ${model.words.cny(piece.value)}`, {
          tokenId,
          slot: piece.slot,
        });
      }
      if (piece.status === "live") piece.status = "burned";
      return;
    }
    if (piece.status !== "live") {
      model.flag("EVENT_INCONSISTENT", at, `Transfer of piece ${pieceName(tokenId)}, which is ${piece.status}`, { tokenId });
      return;
    }
    this.checkSender(from, at, tokenId);
    this.checkRecipient(to, ROLE_HOLDER, at, tokenId, "transfer");
    if (slot !== undefined) this.checkBeforeMaturity(slot, at, tokenId);
    piece.owner = to;
  }

  /** A new piece: its value (and parent) come with the TransferValue that follows in the same transaction. */
  private onMinted(tokenId: bigint, to: string, slot: SlotRecord | undefined, at: ChainPosition): void {
    const { model } = this;
    if (slot === undefined || model.pieces.has(tokenId)) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `piece ${pieceName(tokenId)} minted ${slot === undefined ? "in a receivable never confirmed" : "a second time"}`,
        { tokenId },
      );
      return;
    }
    const sequence = Number(sequenceOf(tokenId));
    if (sequence !== slot.pieceCount + 1) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `piece ${pieceName(tokenId)} minted out of sequence: receivable ${slot.slot} had ${slot.pieceCount} pieces`,
        { tokenId },
      );
    }
    slot.pieceCount = Math.max(slot.pieceCount, sequence);
    slot.lastAt = at;
    const isRoot = tokenId === slot.rootTokenId;
    const piece: PieceRecord = {
      tokenId,
      slot: slot.slot,
      owner: to,
      firstOwner: to,
      value: 0n,
      initialValue: 0n,
      parent: 0n,
      depth: 0,
      origin: isRoot ? "confirmation" : model.tx?.fundedPieces.has(tokenId) === true ? "funding" : "split",
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
    model.pieces.set(tokenId, piece);
    model.touch(piece, at);
    this.checkRecipient(to, isRoot ? 1 << Role.SUPPLIER : ROLE_HOLDER, at, tokenId, isRoot ? "confirmation" : "split");
    this.checkBeforeMaturity(slot, at, tokenId);
  }

  private onTransferValue(event: Extract<AuditEvent, { name: "TransferValue" }>, at: ChainPosition): void {
    const { model } = this;
    const { fromTokenId, toTokenId, value } = event;
    if (fromTokenId === 0n) {
      // The first piece's value, minted by the confirmation.
      const piece = model.pieces.get(toTokenId);
      const slot = model.slots.get(slotOf(toTokenId));
      if (piece === undefined || slot === undefined || !piece.awaitingValue || toTokenId !== slot.rootTokenId) {
        model.flag(
          "EVENT_INCONSISTENT",
          at,
          `value ${model.words.cny(value)} minted into piece ${pieceName(toTokenId)}, which is not a receivable's new first piece`,
          { tokenId: toTokenId },
        );
        return;
      }
      if (value !== slot.faceValue) {
        model.flag(
          "I2_VALUE_NOT_CONSERVED",
          at,
          `receivable ${slot.slot}'s first piece was minted with ${model.words.cny(value)}, its face value is ${model.words.cny(slot.faceValue)}`,
          { tokenId: toTokenId, slot: slot.slot },
        );
      }
      piece.value = value;
      piece.initialValue = value;
      piece.awaitingValue = false;
      return;
    }
    const source = model.livePiece(fromTokenId, at, "TransferValue");
    if (source === undefined) return;
    model.touch(source, at);
    if (value > source.value) {
      model.flag(
        "I2_VALUE_NOT_CONSERVED",
        at,
        `${model.words.cny(value)} moved out of piece ${pieceName(fromTokenId)}, which held only ${model.words.cny(source.value)}`,
        {
          tokenId: fromTokenId,
          slot: source.slot,
        },
      );
    }
    // A split or merge that took all of a piece's value reports its burn as 0 value to token 0 (a live piece never
    // holds 0, so no redemption looks like this); the Transfer to the zero address that follows checks it is empty.
    if (toTokenId === 0n && value === 0n) return;
    if (toTokenId === 0n) {
      return this.onRedeemed(source, value, at);
    }
    const target = model.pieces.get(toTokenId);
    if (target === undefined || target.status !== "live" || target.slot !== source.slot) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `${model.words.cny(value)} moved from piece ${pieceName(fromTokenId)} into ${pieceName(toTokenId)}, which is ${target === undefined ? "unknown" : target.status !== "live" ? target.status : "of another receivable"}`,
        { tokenId: fromTokenId },
      );
      return;
    }
    model.touch(target, at);
    const slot = model.slots.get(source.slot);
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

  /** Settlement retired the piece: its value leaves for token 0. */
  private onRedeemed(piece: PieceRecord, value: bigint, at: ChainPosition): void {
    const { model } = this;
    const slot = model.slots.get(piece.slot);
    if (value !== piece.value) {
      model.flag(
        "I2_VALUE_NOT_CONSERVED",
        at,
        `piece ${pieceName(piece.tokenId)} redeemed for ${model.words.cny(value)} while it held ${model.words.cny(piece.value)}`,
        {
          tokenId: piece.tokenId,
          slot: piece.slot,
        },
      );
    }
    // Whether it received exactly its value is checked when the transaction ends (settlement.ts): its claim may be
    // logged after.
    model.tx?.redeemed.add(piece.tokenId);
    piece.redeemedValue = value;
    piece.value = 0n;
    piece.status = "redeemed";
    if (slot !== undefined) {
      slot.redeemedValue += value;
      slot.lastAt = at;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // I3 and I6, at the time of the event's block

  /** I3: the recipient of a piece must be an active member holding a role that may hold pieces, at that time. */
  private checkRecipient(account: string, roleMask: number, at: ChainPosition, tokenId: bigint, what: string): void {
    const { model } = this;
    const standing = model.members.standingOf(account);
    if (standing === undefined) {
      model.flag(
        "I3_INELIGIBLE_RECIPIENT",
        at,
        `${what}: piece ${pieceName(tokenId)} went to ${model.words.account(account)}, which belongs to no member`,
        { tokenId },
      );
      return;
    }
    if ((standing.roles & roleMask) === 0) {
      model.flag(
        "I3_INELIGIBLE_RECIPIENT",
        at,
        `${what}: piece ${pieceName(tokenId)} went to ${model.words.member(standing.memberId, account)}, which holds no role that may receive it`,
        { tokenId },
      );
    }
    if (standing.suspended) {
      model.flag(
        "I3_INELIGIBLE_RECIPIENT",
        at,
        `${what}: piece ${pieceName(tokenId)} went to ${model.words.member(standing.memberId, account)} while it was suspended`,
        {
          tokenId,
        },
      );
      return;
    }
    model.whenTime(at, [standing.kycValidUntil], (time) => {
      if (!activeAt(standing, time)) {
        model.flag(
          "I3_INELIGIBLE_RECIPIENT",
          at,
          `${what}: piece ${pieceName(tokenId)} went to ${model.words.member(standing.memberId, account)} after its KYC lapsed`,
          {
            tokenId,
          },
        );
      }
    });
  }

  /** I3: whoever moves value out of a piece must be an active member at that time. */
  private checkSender(account: string, at: ChainPosition, tokenId: bigint): void {
    const { model } = this;
    const standing = model.members.standingOf(account);
    if (standing === undefined || standing.suspended) {
      model.flag(
        "I3_INELIGIBLE_SENDER",
        at,
        `piece ${pieceName(tokenId)} moved out of ${model.words.account(account)}, ${standing === undefined ? "no member" : "a suspended member"}`,
        { tokenId },
      );
      return;
    }
    model.whenTime(at, [standing.kycValidUntil], (time) => {
      if (!activeAt(standing, time))
        model.flag(
          "I3_INELIGIBLE_SENDER",
          at,
          `piece ${pieceName(tokenId)} moved out of ${model.words.member(standing.memberId, account)} after its KYC lapsed`,
          {
            tokenId,
          },
        );
    });
  }

  /** I6: nothing but a claim's redemption moves once the receivable has matured. */
  private checkBeforeMaturity(slot: SlotRecord, at: ChainPosition, tokenId: bigint): void {
    this.model.whenTime(at, [slot.maturity], (time) => {
      if (time >= slot.maturity) {
        this.model.flag(
          "I6_MOVED_AFTER_MATURITY",
          at,
          `piece ${pieceName(tokenId)} moved at ${this.model.words.date(time)}, at or after its receivable's maturity ${this.model.words.date(slot.maturity)}`,
          { tokenId, slot: slot.slot },
        );
      }
    });
  }
}
