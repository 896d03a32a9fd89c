import { Role } from "../chain/roles";
import type { AuditEvent } from "./decode";
import type { ChainPosition, FindingCode } from "./findings";
import type { FundCall } from "./fundings";
import { activeAt, holdsRole } from "./members";
import type { AuditWording } from "./names";
import type { MemberReplay, Standing } from "./members";
import type { FundingRecord } from "./replay/model";

/**
 * I4 for one funding, from its calldata and the registry as replayed up to it: the calldata is the funding the
 * event reports, the holder consented (signature or on-chain approval), the request nonce is spent once, the
 * attestation and the request were within their deadlines, and at least the required number of verifier
 * organisations — active, KYC valid, not party to the funding — signed it under this chain's and contract's domain.
 */

/** What the checks need from the replay: where findings go, and a way to wait for a block's time. */
export interface CheckHooks {
  flag(code: FindingCode, at: ChainPosition, message: string, subject?: { tokenId?: bigint; slot?: bigint }): void;
  /** Runs `evaluate` with the block's time (at once when no bound lies before the audited block). */
  whenTime(at: ChainPosition, bounds: readonly bigint[], evaluate: (time: bigint) => void): void;
  /** How sentences name members and amounts. */
  readonly words: AuditWording;
}

export class AttestationChecks {
  /** How many verifier organisations must sign: Financing's initial 1 until RequiredVerifiersSet says otherwise. */
  requiredVerifiers = 1n;
  private readonly spentNonces = new Set<string>();
  /** Request digests holders approved on chain (RequestApproved), with the approving holder. */
  private readonly approvals = new Map<string, string>();

  constructor(
    private readonly members: MemberReplay,
    private readonly hooks: CheckHooks,
  ) {}

  approve(requestDigest: string, holder: string): void {
    this.approvals.set(requestDigest, holder);
  }

  verify(
    event: Extract<AuditEvent, { name: "Funded" }>,
    call: FundCall,
    at: ChainPosition,
    subject: { tokenId: bigint; slot: bigint },
    funding: Pick<FundingRecord, "validVerifiers">,
  ): void {
    const { attestation, request } = call;
    const mismatches: string[] = [];
    if (call.attestationDigest !== event.fundingId) mismatches.push(`the attestation's digest is ${call.attestationDigest}, not the funding id`);
    if (attestation.tokenId !== event.tokenId || request.tokenId !== event.tokenId) mismatches.push("piece");
    if (attestation.holder !== event.holder) mismatches.push("holder");
    if (attestation.factor !== event.factor || request.factor !== event.factor) mismatches.push("factor");
    if (attestation.value !== event.value || request.value !== event.value) mismatches.push("value");
    if (attestation.price !== event.price || attestation.price < request.minPrice) mismatches.push("price");
    if (attestation.withRecourse !== event.withRecourse || request.withRecourse !== event.withRecourse) mismatches.push("recourse");
    if (attestation.nonce !== request.nonce) mismatches.push("nonce");
    if (mismatches.length > 0)
      this.hooks.flag(
        "FUNDING_MISMATCH",
        at,
        `funding ${event.fundingId}: the calldata and the Funded event disagree on ${mismatches.join(", ")}`,
        subject,
      );

    const nonceKey = `${attestation.holder}/${attestation.nonce}`;
    if (this.spentNonces.has(nonceKey))
      this.hooks.flag(
        "I4_FUNDING_REPLAYED",
        at,
        `funding ${event.fundingId} spends request nonce ${attestation.nonce} of ${this.hooks.words.account(attestation.holder)} a second time`,
        subject,
      );
    this.spentNonces.add(nonceKey);

    const consented =
      (call.holderSigner !== null && call.holderSigner === attestation.holder) || this.approvals.get(call.requestDigest) === attestation.holder;
    if (!consented)
      this.hooks.flag(
        "FUNDING_NO_CONSENT",
        at,
        `funding ${event.fundingId}: neither a signature of ${this.hooks.words.account(attestation.holder)} nor its on-chain approval covers the request`,
        subject,
      );

    // The signers, as the registry stood at this point of the replay.
    const factorId = this.members.memberIdOf(event.factor);
    const holderId = this.members.memberIdOf(event.holder);
    const candidates: Array<{ address: string; standing: Standing }> = [];
    const seenMembers = new Set<number>();
    for (const [index, signer] of call.signers.entries()) {
      if (signer === null) {
        this.hooks.flag("FUNDING_SIGNER_NOT_VERIFIER", at, `funding ${event.fundingId}: verifier signature ${index} is malformed`, subject);
        continue;
      }
      const standing = this.members.standingOf(signer);
      if (standing === undefined || !holdsRole(standing, Role.VERIFIER)) {
        this.hooks.flag(
          "FUNDING_SIGNER_NOT_VERIFIER",
          at,
          `funding ${event.fundingId}: signature ${index} recovers to ${this.hooks.words.account(signer)}, which ${standing === undefined ? "is no member" : "does not hold the VERIFIER role"} at block ${at.block}`,
          subject,
        );
        continue;
      }
      if (standing.suspended) {
        this.hooks.flag(
          "FUNDING_SIGNER_NOT_VERIFIER",
          at,
          `funding ${event.fundingId}: verifier ${this.hooks.words.member(standing.memberId, signer)} was suspended when it attested at block ${at.block}`,
          subject,
        );
        continue;
      }
      if (standing.memberId === factorId || standing.memberId === holderId) {
        this.hooks.flag(
          "FUNDING_CONFLICTED_VERIFIER",
          at,
          `funding ${event.fundingId}: verifier ${this.hooks.words.member(standing.memberId, signer)} is party to the funding`,
          subject,
        );
        continue;
      }
      if (seenMembers.has(standing.memberId)) continue;
      seenMembers.add(standing.memberId);
      candidates.push({ address: signer, standing });
    }
    const required = this.requiredVerifiers;
    // Deadlines and KYC dates depend on the block's time.
    this.hooks.whenTime(
      at,
      [attestation.deadline + 1n, request.deadline + 1n, ...candidates.map((candidate) => candidate.standing.kycValidUntil)],
      (time) => {
        if (time > attestation.deadline || time > request.deadline) {
          this.hooks.flag(
            "I4_ATTESTATION_EXPIRED",
            at,
            `funding ${event.fundingId} at ${this.hooks.words.date(time)}: the attestation (deadline ${this.hooks.words.date(attestation.deadline)}) or the request (deadline ${this.hooks.words.date(request.deadline)}) had expired`,
            subject,
          );
        }
        const valid = candidates.filter((candidate) => {
          if (activeAt(candidate.standing, time)) return true;
          this.hooks.flag(
            "FUNDING_SIGNER_NOT_VERIFIER",
            at,
            `funding ${event.fundingId}: verifier ${this.hooks.words.member(candidate.standing.memberId, candidate.address)} had no valid KYC at ${this.hooks.words.date(time)}`,
            subject,
          );
          return false;
        });
        funding.validVerifiers = valid.map((candidate) => ({ address: candidate.address, memberId: candidate.standing.memberId }));
        if (BigInt(valid.length) < required) {
          this.hooks.flag(
            "FUNDING_TOO_FEW_VERIFIERS",
            at,
            `funding ${event.fundingId}: ${valid.length} valid verifier signature(s), ${required} required at block ${at.block}`,
            subject,
          );
        }
      },
    );
  }
}
