import { legalEntityHash } from "../chain/membership";
import type { ApplicationRecord, ApplicationStore } from "./store";

/**
 * Where an application stands, read from the registry rather than kept: admitted when the applying address belongs
 * to a member whose legal-entity hash is the hash of the application's credit code (the operator's `admit` did
 * it), refused when an operator's signed refusal is stored, pending otherwise. The directory's names come from
 * admitted applications only, so a name nobody admitted is never shown as a member's.
 */

export type ApplicationState = "pending" | "admitted" | "refused";

/** What the registry says of an address: its member (0 for none) and that member's legal-entity hash. */
export interface AddressStanding {
  memberId: number;
  leiHash: string;
}

export interface RegistryView {
  standingOf(address: string): Promise<AddressStanding>;
}

export function stateOf(record: ApplicationRecord, applicant: AddressStanding): ApplicationState {
  if (record.refusal !== undefined) return "refused";
  if (applicant.memberId !== 0 && applicant.leiHash.toLowerCase() === legalEntityHash(record.application.creditCode).toLowerCase()) return "admitted";
  return "pending";
}

/** A member's profile: the names of its latest admitted application, filed from any of its addresses. */
export interface Profile {
  nameZh: string;
  /** The credit code its legal-entity hash is the hash of. */
  creditCode: string;
  nameEn: string;
  application: string;
}

/**
 * The profile of a member with `leiHash` and `accounts`: among the applications filed from its addresses that
 * name its credit code and were not refused, the newest.
 */
export async function profileOf(store: ApplicationStore, leiHash: string, accounts: readonly string[]): Promise<Profile | null> {
  let best: ApplicationRecord | undefined;
  for (const account of accounts) {
    for (const record of await store.byApplicant(account, 20)) {
      if (record.refusal !== undefined) continue;
      if (legalEntityHash(record.application.creditCode).toLowerCase() !== leiHash.toLowerCase()) continue;
      if (best === undefined || record.sequence > best.sequence) best = record;
    }
  }
  return best === undefined
    ? null
    : { nameZh: best.application.nameZh, nameEn: best.application.nameEn, creditCode: best.application.creditCode, application: best.hash };
}
