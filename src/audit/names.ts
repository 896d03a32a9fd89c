import { getAddress } from "ethers";
import { formatCny } from "../finance/money";
import type { MemberReplay } from "./members";

/**
 * How the audit's sentences name what they are about: members by the names of their admitted application (when the
 * auditor gave a document source that has the onboarding records), amounts in CNY with two decimals. Only the
 * sentences use these; every machine-readable field keeps its raw id, address or amount in fen.
 */

/** One onboarding record's names, for the legal entity (keccak256 of the credit code) and the account that applied. */
export interface NamedEntity {
  leiHash: string;
  /** The accounts the record speaks for: the applicant (the onboarding store) or the member's accounts (the API's directory). */
  accounts: readonly string[];
  nameEn: string;
  nameZh: string;
}

/**
 * Names of members from onboarding records. A name is used only for the member whose replayed legal-entity hash
 * is the record's and which holds one of the record's accounts (the rule of src/onboarding/state.ts `profileOf`),
 * so a record naming another entity's credit code never names it.
 */
export class MemberNames {
  private readonly byLeiHash = new Map<string, NamedEntity[]>();

  /** `entities` newest first: the first that fits a member names it. */
  constructor(entities: readonly NamedEntity[]) {
    for (const entity of entities) {
      const key = entity.leiHash.toLowerCase();
      const list = this.byLeiHash.get(key) ?? [];
      list.push({ ...entity, accounts: entity.accounts.map((account) => account.toLowerCase()) });
      this.byLeiHash.set(key, list);
    }
  }

  get size(): number {
    return this.byLeiHash.size;
  }

  /** The member's English name (its Chinese one when the English is empty), or undefined when no record fits. */
  nameOf(leiHash: string, accounts: ReadonlySet<string>): string | undefined {
    for (const entity of this.byLeiHash.get(leiHash.toLowerCase()) ?? []) {
      if (!entity.accounts.some((account) => accounts.has(account))) continue;
      const name = entity.nameEn.trim() !== "" ? entity.nameEn.trim() : entity.nameZh.trim();
      if (name !== "") return name;
    }
    return undefined;
  }
}

/** "0xAbCd…1234": an address shortened for a sentence that already names its member. */
export function shortAddress(address: string): string {
  let shown = address;
  try {
    shown = getAddress(address);
  } catch {
    // not an address: shown as given
  }
  return shown.length > 14 ? `${shown.slice(0, 6)}…${shown.slice(-4)}` : shown;
}

/** The audit's wording of members and amounts, over the replayed registry as it stands when a sentence is made. */
export class AuditWording {
  /** The audited contracts by address (lower case): "the settlement contract". */
  private readonly contracts = new Map<string, string>();

  constructor(
    private readonly members: MemberReplay,
    private readonly names: MemberNames | undefined,
    contracts: Readonly<Record<string, string>> = {},
  ) {
    for (const [name, address] of Object.entries(contracts)) this.contracts.set(address.toLowerCase(), `the ${name} contract`);
  }

  /** The member's name, or "member #3 (0xAbCd…1234)" (its first account) when no onboarding record names it. */
  member(memberId: number, account?: string): string {
    const state = this.members.members.get(memberId);
    if (state === undefined) return `member #${memberId}`;
    const name = this.names?.nameOf(state.leiHash, state.accounts);
    if (name !== undefined) return name;
    const shown = account ?? [...state.accounts][0];
    return shown === undefined ? `member #${memberId}` : `member #${memberId} (${shortAddress(shown)})`;
  }

  /** An account by its member (as `member`), an audited contract by its name, or "0x… (no member)" for any other address. */
  account(account: string): string {
    const memberId = this.members.memberIdOf(account.toLowerCase());
    if (memberId === 0) {
      const contract = this.contracts.get(account.toLowerCase());
      if (contract !== undefined) return contract;
      let shown = account;
      try {
        shown = getAddress(account);
      } catch {
        // not an address: shown as given
      }
      return `${shown} (no member)`;
    }
    return this.member(memberId, account);
  }

  /** A unix time as "2026-03-01 08:00:00 UTC" (0 as "none"). */
  date(time: bigint): string {
    if (time === 0n) return "none";
    const ms = Number(time) * 1000;
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `${time}`;
    return new Date(ms).toISOString().replace("T", " ").replace(".000Z", " UTC");
  }

  /** An amount of fen as "1,234.56 CNY". */
  cny(amount: bigint): string {
    return formatCny(amount);
  }
}
