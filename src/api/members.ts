import { getAddress } from "ethers";
import type { MemberRegistry } from "../../typechain-types";
import { Role } from "../chain/roles";
import type { ReaderStanding } from "../documents/readers";

/**
 * Members as MemberRegistry holds them, read from the chain on each request (the indexer issue moves the lists
 * onto the index). Roles always come from here, never from the client.
 */

const STATUS_NAMES = ["NONE", "ACTIVE", "SUSPENDED"] as const;
const ROLE_NAMES = Object.values(Role).filter((value): value is string => typeof value === "string");

export interface MemberJson {
  memberId: number;
  leiHash: string;
  roles: string[];
  roleMask: number;
  status: (typeof STATUS_NAMES)[number];
  /** Unix seconds. */
  kycValidUntil: number;
  accounts: string[];
}

/** The role names in a bitmask, in enum order. */
export function roleNames(mask: number): string[] {
  return ROLE_NAMES.filter((name) => (mask & (1 << Role[name as keyof typeof Role])) !== 0);
}

export function holdsRole(standing: ReaderStanding, role: Role): boolean {
  return standing.active && (standing.roles & (1 << role)) !== 0;
}

export class MemberDirectory {
  /** Standings read at the latest block, by address; emptied whenever the chain's head moves. */
  private standings = new Map<string, Promise<ReaderStanding>>();
  private standingsHead = "";

  constructor(private readonly registry: MemberRegistry) {}

  /**
   * What the registry says of `address` at the latest block: member id (0 for none), roles, active with valid KYC.
   * Read once per block and address: every request of a busy session within one block asks the same question.
   */
  async standing(address: string): Promise<ReaderStanding> {
    const provider = this.registry.runner?.provider;
    const head = provider === undefined || provider === null ? null : await provider.getBlock("latest");
    if (head === null || head.hash === null) return this.readStanding(address, "latest");
    if (head.hash !== this.standingsHead) {
      this.standings = new Map();
      this.standingsHead = head.hash;
    }
    let standing = this.standings.get(address);
    if (standing === undefined) {
      standing = this.readStanding(address, head.number);
      standing.catch(() => this.standings.delete(address));
      this.standings.set(address, standing);
    }
    return standing;
  }

  private async readStanding(address: string, blockTag: number | "latest"): Promise<ReaderStanding> {
    const authorization = await this.registry.authorizationOf(address, { blockTag });
    return { memberId: Number(authorization.memberId), roles: Number(authorization.roles), active: authorization.active };
  }

  /** The member id an address belongs to, or 0. */
  async memberIdOf(address: string): Promise<number> {
    return Number(await this.registry.memberIdOf(address));
  }

  async member(memberId: number): Promise<MemberJson> {
    const view = await this.registry.member(memberId);
    const roleMask = Number(view.roles);
    return {
      memberId: Number(view.memberId),
      leiHash: view.leiHash,
      roles: roleNames(roleMask),
      roleMask,
      status: STATUS_NAMES[Number(view.status)] ?? "NONE",
      kycValidUntil: Number(view.kycValidUntil),
      accounts: view.accounts.map((account) => getAddress(account)),
    };
  }

  /** The member an address belongs to, or undefined. */
  async memberOf(address: string): Promise<MemberJson | undefined> {
    const memberId = await this.memberIdOf(address);
    return memberId === 0 ? undefined : this.member(memberId);
  }

  /** Every member, by id. */
  async all(): Promise<MemberJson[]> {
    const count = Number(await this.registry.memberCount());
    return Promise.all(Array.from({ length: count }, (_, index) => this.member(index + 1)));
  }
}
