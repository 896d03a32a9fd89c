import type { RegistryEvent } from "../chain/events";
import { checksumAddress } from "../chain/checksum";
import type { MemberStanding } from "./context";

/**
 * The member registry's history rebuilt from its events (each carries the new state: the full role set, the new
 * KYC date), so a member's standing at any point of the chain is known without asking a node for old state (geth
 * full nodes keep about 128 blocks of it). A point is a log's place in the chain: block, then log index.
 */

/** A place in the chain: events at or after it have not happened yet. */
export interface ChainPoint {
  blockNumber: number;
  logIndex: number;
}

/** A registry event with its place in the chain. */
export interface PlacedRegistryEvent {
  at: ChainPoint;
  event: RegistryEvent;
}

interface MemberVersion {
  at: number;
  roles: number;
  suspended: boolean;
  kycValidUntil: bigint;
}

function rank(point: ChainPoint): number {
  return point.blockNumber * 1_000_000 + point.logIndex;
}

/** The last entry placed strictly before `before`, or undefined (entries sorted by `at`). */
function lastBefore<T extends { at: number }>(entries: readonly T[] | undefined, before: number): T | undefined {
  if (entries === undefined) return undefined;
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (entries[middle].at < before) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : entries[low - 1];
}

export class MemberHistory {
  private readonly versions = new Map<number, MemberVersion[]>();
  private readonly accountMembers = new Map<string, Array<{ at: number; memberId: number }>>();
  private readonly leiHashes = new Map<number, string>();

  /** `events` in chain order. */
  constructor(events: readonly PlacedRegistryEvent[]) {
    for (const { at, event } of events) {
      const place = rank(at);
      if (event.name === "MemberAdmitted") {
        this.leiHashes.set(event.memberId, event.leiHash);
        this.versions.set(event.memberId, [{ at: place, roles: event.roles, suspended: false, kycValidUntil: event.kycValidUntil }]);
        this.bind(event.account, place, event.memberId);
        continue;
      }
      if (event.name === "AccountAdded") {
        this.bind(event.account, place, event.memberId);
        continue;
      }
      if (event.name === "AccountRemoved") {
        this.bind(event.account, place, 0);
        continue;
      }
      // The registry learning the token and the currency changes no member's standing.
      if (event.name === "HoldingContractBound") continue;
      const history = this.versions.get(event.memberId);
      const current = history?.at(-1);
      if (history === undefined || current === undefined) continue;
      const next = { ...current, at: place };
      if (event.name === "RoleGranted" || event.name === "RoleRevoked") next.roles = event.roles;
      else if (event.name === "MemberSuspended") next.suspended = true;
      else if (event.name === "MemberReinstated") next.suspended = false;
      else next.kycValidUntil = event.kycValidUntil;
      history.push(next);
    }
  }

  private bind(account: string, at: number, memberId: number): void {
    const key = checksumAddress(account);
    const entries = this.accountMembers.get(key) ?? [];
    entries.push({ at, memberId });
    this.accountMembers.set(key, entries);
  }

  /** The member `account` belonged to just before `point` (0 for none). */
  memberIdAt(account: string, point: ChainPoint): number {
    return lastBefore(this.accountMembers.get(checksumAddress(account)), rank(point))?.memberId ?? 0;
  }

  /**
   * The standing of `account` just before `point`, judged active (status and KYC, as MemberRegistry decides) at
   * unix time `time`, the time of the block `point` is in.
   */
  standingAt(account: string, point: ChainPoint, time: bigint): MemberStanding {
    const memberId = this.memberIdAt(account, point);
    const version = memberId === 0 ? undefined : lastBefore(this.versions.get(memberId), rank(point));
    if (version === undefined) return { account: checksumAddress(account), memberId: 0, roles: 0, active: false };
    return { account: checksumAddress(account), memberId, roles: version.roles, active: !version.suspended && time < version.kycValidUntil };
  }

  /** A member's legal-entity-id hash (it never changes), or undefined for an id never admitted. */
  leiHashOf(memberId: number): string | undefined {
    return this.leiHashes.get(memberId);
  }
}
