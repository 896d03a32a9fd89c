import { AttestationChecks } from "../attestations";
import type { AuditEvent } from "../decode";
import { pieceName, slotOf } from "../../chain/tokenId";
import type { ChainPosition } from "../findings";
import type { RecourseFundingView, RecourseReplay } from "../recourse";
import type { EventOf, FundingRecord, ReplayModel, TxScratch } from "./model";

/**
 * Financing replayed: each funding with its price's cash leg and, from its transaction's `fund` calldata, its
 * attestation re-verified (I4, attestations.ts); on-chain request approvals and the required number of verifiers;
 * the factor's demand for recourse (I9: only on a funding sold with recourse, once, by its factor). When the
 * transaction ends, every funding must have delivered its piece to its factor (`FUNDING_NOT_DELIVERED`). The
 * seller's recourse payments go to the recourse replay (src/audit/recourse.ts).
 */
export class FinancingReplay {
  private readonly fundingIds = new Set<string>();
  private readonly fundingsById = new Map<string, FundingRecord>();
  /** Fundings whose recourse was recorded. */
  private readonly recourseRecorded = new Set<string>();
  private readonly attestations: AttestationChecks;

  constructor(
    private readonly model: ReplayModel,
    private readonly recourse: RecourseReplay,
  ) {
    this.attestations = new AttestationChecks(model.members, model);
  }

  apply(event: EventOf<"financing">, at: ChainPosition): void {
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

  /** The first funding with this id, as the recourse replay sees it. */
  fundingView(fundingId: string): RecourseFundingView | undefined {
    const funding = this.fundingsById.get(fundingId);
    return funding === undefined
      ? undefined
      : {
          withRecourse: funding.withRecourse,
          requestedRecourse: funding.call?.request.withRecourse,
          holder: funding.holder,
          factor: funding.factor,
          fundedTokenId: funding.fundedTokenId,
        };
  }

  /** Each funding of the transaction delivered its piece, with the value sold, to its factor. */
  endTransaction(tx: TxScratch): void {
    for (const funding of tx.fundings) {
      const delivered = this.model.pieces.get(funding.fundedTokenId);
      if (
        delivered === undefined ||
        delivered.status !== "live" ||
        delivered.owner !== funding.factor ||
        (funding.fundedTokenId !== funding.tokenId && delivered.initialValue !== funding.value)
      ) {
        this.model.flag(
          "FUNDING_NOT_DELIVERED",
          funding.at,
          `funding ${funding.fundingId}: piece ${pieceName(funding.fundedTokenId)} did not reach the factor ${this.model.words.account(funding.factor)} with value ${this.model.words.cny(funding.value)} in the funding's transaction`,
          {
            tokenId: funding.fundedTokenId,
          },
        );
      } else {
        if (!delivered.fundingIds.includes(funding.fundingId)) delivered.fundingIds.push(funding.fundingId);
        if (funding.fundedTokenId !== funding.tokenId) delivered.origin = "funding";
      }
    }
  }

  /** I9: recourse only on a funding the holder sold with recourse (as its signed request says), once, by its factor. */
  private onRecourse(event: Extract<AuditEvent, { name: "RecourseRecorded" }>, at: ChainPosition): void {
    const { model } = this;
    const subject = { tokenId: event.fundedTokenId, slot: slotOf(event.fundedTokenId) };
    const claim = `recourse of ${model.words.cny(event.amount)} on funding ${event.fundingId}`;
    const funding = this.fundingsById.get(event.fundingId);
    if (funding === undefined) {
      model.flag("EVENT_INCONSISTENT", at, `${claim}, which never happened`, subject);
      return;
    }
    const requested = funding.call?.request.withRecourse;
    if (!funding.withRecourse || requested === false) {
      const how = requested === false ? "under a request it signed without recourse" : "without recourse";
      model.flag("I9_RECOURSE_NOT_AGREED", at, `${claim}: the holder ${model.words.account(funding.holder)} sold ${how}`, subject);
    }
    if (this.recourseRecorded.has(event.fundingId)) model.flag("EVENT_INCONSISTENT", at, `${claim}: its recourse was already recorded`, subject);
    this.recourseRecorded.add(event.fundingId);
    const problems: string[] = [];
    if (event.fundedTokenId !== funding.fundedTokenId)
      problems.push(`it names piece ${pieceName(event.fundedTokenId)}, the funding delivered ${pieceName(funding.fundedTokenId)}`);
    if (event.amount > funding.value) problems.push(`the amount is above the ${model.words.cny(funding.value)} sold`);
    const factorId = model.members.memberIdOf(funding.factor);
    if (event.factorId !== factorId)
      problems.push(`it names the factor ${model.words.member(event.factorId)}, the funding's factor is ${model.words.account(funding.factor)}`);
    if (problems.length > 0) model.flag("EVENT_INCONSISTENT", at, `${claim}: ${problems.join("; ")}`, subject);
  }

  private onFunded(event: Extract<AuditEvent, { name: "Funded" }>, at: ChainPosition): void {
    const { model } = this;
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
    model.fundings.push(funding);
    if (!this.fundingsById.has(event.fundingId)) this.fundingsById.set(event.fundingId, funding);
    model.tx?.fundings.push(funding);
    if (event.fundedTokenId !== event.tokenId) model.tx?.fundedPieces.add(event.fundedTokenId);
    model.blocksWanted.add(at.block);

    // I4: one funding per attestation.
    if (this.fundingIds.has(event.fundingId))
      model.flag("I4_FUNDING_REPLAYED", at, `funding ${event.fundingId} happened before: an attestation was used twice`, subject);
    this.fundingIds.add(event.fundingId);

    const sold = model.pieces.get(event.tokenId);
    const holderAtStart = sold === undefined ? undefined : (model.tx?.ownersAtStart.get(sold.tokenId) ?? sold.owner);
    if (sold === undefined || sold.status !== "live" || holderAtStart !== event.holder) {
      model.flag(
        "EVENT_INCONSISTENT",
        at,
        `funding of piece ${pieceName(event.tokenId)} from ${model.words.account(event.holder)}, who does not hold it in the replay`,
        subject,
      );
    } else {
      sold.fundingIds.push(event.fundingId);
      const slot = model.slots.get(sold.slot);
      if (slot !== undefined) slot.fundedValue += event.value;
    }
    model.expectCash({
      from: event.factor,
      to: event.holder,
      amount: event.price,
      why: `price of funding ${event.fundingId}`,
      at,
      slot: subject.slot,
      tokenId: event.fundedTokenId,
    });
    model.cash.push({
      kind: "funding",
      at,
      from: event.factor,
      to: event.holder,
      amount: event.price,
      slot: subject.slot,
      tokenId: event.fundedTokenId,
    });

    const call = model.input.fundCalls.get(at.transactionHash);
    if (call === undefined || call instanceof Error) {
      const reason = call === undefined ? "its transaction could not be read" : call.message;
      model.flag("FUNDING_CALLDATA", at, `funding ${event.fundingId}: ${reason}; its attestation cannot be re-verified`, subject);
      return;
    }
    funding.call = call;
    this.attestations.verify(event, call, at, subject, funding);
  }
}
