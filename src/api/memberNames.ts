import { getAddress } from "ethers";
import type { ApplicationStore } from "../onboarding/store";
import { profileOf } from "../onboarding/state";
import type { MemberDirectory } from "./members";

/**
 * How the API's error sentences name members: by the names of the member's admitted application (the rule of
 * src/onboarding/state.ts `profileOf`, as GET /v1/directory gives them), with the account shortened beside the name;
 * an account of no member, or of a member admitted without an application, stays its address. Only sentences use
 * this: the wire's raw fields (addresses, member ids) are unchanged.
 */
export class MemberNaming {
  constructor(
    private readonly members: MemberDirectory,
    private readonly applications: ApplicationStore,
  ) {}

  /** The member's English name (its Chinese one when the English is empty), or undefined when no application names it. */
  async nameOf(memberId: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(memberId) || memberId <= 0) return undefined;
    try {
      const member = await this.members.member(memberId);
      if (member.memberId === 0) return undefined;
      const profile = await profileOf(this.applications, member.leiHash, member.accounts);
      if (profile === null) return undefined;
      const name = profile.nameEn.trim() !== "" ? profile.nameEn.trim() : profile.nameZh.trim();
      return name === "" ? undefined : name;
    } catch {
      // A sentence without a name is still a sentence: a registry or store failure never turns a 4xx into a 500.
      return undefined;
    }
  }

  /** "Golden Sands Displays (0xAbCd…1234)" for an account of a named member, the checksummed address otherwise. */
  async account(address: string): Promise<string> {
    let shown: string;
    try {
      shown = getAddress(address);
    } catch {
      return address;
    }
    let memberId: number;
    try {
      memberId = await this.members.memberIdOf(shown);
    } catch {
      return shown;
    }
    const name = await this.nameOf(memberId);
    return name === undefined ? shown : `${name} (${shown.slice(0, 6)}…${shown.slice(-4)})`;
  }

  /** "Golden Sands Displays" for a named member, "member 3" otherwise. */
  async member(memberId: number): Promise<string> {
    return (await this.nameOf(memberId)) ?? `member ${memberId}`;
  }

  /** Each distinct account's wording, for sentences made synchronously after. */
  async accounts(addresses: readonly string[]): Promise<(address: string) => string> {
    const unique = [...new Set(addresses)];
    const shown = new Map(await Promise.all(unique.map(async (address) => [address, await this.account(address)] as const)));
    return (address) => shown.get(address) ?? address;
  }
}
