import { Role } from "../chain/roles";
import { documentParties } from "../proofs/documents";
import type { ParsedDocument } from "../proofs/documents";

/**
 * Who may read a stored document: the parties of the trade (any address of a member the document names), auditors
 * and operators, and a factor while it evaluates a piece the document genuinely backs: a live funding request to it
 * names the piece, or it holds or held the piece, and a step of the piece's lineage names the document between the
 * document's own parties (a hash named in someone else's transfer backs nothing).
 */

/** A reader as MemberRegistry sees it now. */
export interface ReaderStanding {
  /** 0 for an address of no member. */
  memberId: number;
  /** Role bitmask (bit `Role`). */
  roles: number;
  /** Active, with valid KYC. */
  active: boolean;
}

export type ReadDecision = { allowed: true; as: "party" | "auditor" | "operator" | "factor" } | { allowed: false };

function holds(reader: ReaderStanding, role: Role): boolean {
  return reader.active && (reader.roles & (1 << role)) !== 0;
}

/** Whether `reader` may read `document`; `evaluatesBackedPiece` (the factor rule above) is asked only when the answer depends on it. */
export async function readDecision(
  document: ParsedDocument,
  reader: ReaderStanding,
  evaluatesBackedPiece: () => Promise<boolean>,
): Promise<ReadDecision> {
  // A party keeps access to its own trade's documents even while suspended: they are its records.
  if (reader.memberId !== 0 && documentParties(document).some((party) => party.memberId === reader.memberId)) return { allowed: true, as: "party" };
  if (holds(reader, Role.AUDITOR)) return { allowed: true, as: "auditor" };
  if (holds(reader, Role.OPERATOR)) return { allowed: true, as: "operator" };
  if (holds(reader, Role.FACTOR) && (await evaluatesBackedPiece())) return { allowed: true, as: "factor" };
  return { allowed: false };
}
