import { Role } from "../chain/roles";
import type { AuditEvent } from "./decode";

/**
 * The member registry as its events say it stands, replayed in order: who is a member, with which addresses,
 * roles, status and KYC date. The replay asks it "who was this address, and could it act, at this point".
 */

export interface MemberState {
  memberId: number;
  leiHash: string;
  roles: number;
  suspended: boolean;
  kycValidUntil: bigint;
  accounts: Set<string>;
}

/** A member's standing at one point of the replay, frozen so that a check deferred until a block's time is known
 * still sees it as it was. */
export interface Standing {
  memberId: number;
  roles: number;
  suspended: boolean;
  kycValidUntil: bigint;
}

export function holdsRole(standing: Pick<Standing, "roles">, role: Role): boolean {
  return (standing.roles & (1 << role)) !== 0;
}

/** Whether the member could act at unix time `time`: not suspended, KYC still valid (as MemberRegistry decides). */
export function activeAt(standing: Standing, time: bigint): boolean {
  return !standing.suspended && time < standing.kycValidUntil;
}

export class MemberReplay {
  readonly members = new Map<number, MemberState>();
  private readonly memberOfAccount = new Map<string, number>();

  /** Applies a registry event; returns a problem when the event contradicts what was replayed before. */
  apply(event: Extract<AuditEvent, { contract: "registry" }>): string | undefined {
    // A deployment binding (which contracts keep an address with its member): no member changes.
    if (event.name === "HoldingContractBound") return undefined;
    if (event.name === "MemberAdmitted") {
      if (this.members.has(event.memberId)) return `member ${event.memberId} admitted twice`;
      if (this.memberOfAccount.has(event.account))
        return `${event.account} admitted to member ${event.memberId} while it belongs to member ${this.memberOfAccount.get(event.account)}`;
      this.members.set(event.memberId, {
        memberId: event.memberId,
        leiHash: event.leiHash,
        roles: event.roles,
        suspended: false,
        kycValidUntil: event.kycValidUntil,
        accounts: new Set([event.account]),
      });
      this.memberOfAccount.set(event.account, event.memberId);
      return undefined;
    }
    const member = this.members.get(event.memberId);
    if (member === undefined) return `${event.name} for member ${event.memberId}, who was never admitted`;
    switch (event.name) {
      case "RoleGranted":
      case "RoleRevoked":
        member.roles = event.roles;
        return undefined;
      case "AccountAdded":
        member.accounts.add(event.account);
        this.memberOfAccount.set(event.account, event.memberId);
        return undefined;
      case "AccountRemoved":
        member.accounts.delete(event.account);
        this.memberOfAccount.delete(event.account);
        return undefined;
      case "MemberSuspended":
        member.suspended = true;
        return undefined;
      case "MemberReinstated":
        member.suspended = false;
        return undefined;
      case "KycRenewed":
        member.kycValidUntil = event.kycValidUntil;
        return undefined;
    }
  }

  memberIdOf(account: string): number {
    return this.memberOfAccount.get(account) ?? 0;
  }

  /** The standing of the member owning `account` now, or undefined for an address of no member. */
  standingOf(account: string): Standing | undefined {
    const memberId = this.memberOfAccount.get(account);
    return memberId === undefined ? undefined : this.standingOfMember(memberId);
  }

  standingOfMember(memberId: number): Standing | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    return { memberId, roles: member.roles, suspended: member.suspended, kycValidUntil: member.kycValidUntil };
  }
}
