/** The member roles, numbered as the `IMemberRegistry.Role` enum; a role set is a bitmask of `1 << role`. */
export enum Role {
  OPERATOR = 0,
  ANCHOR = 1,
  SUPPLIER = 2,
  FACTOR = 3,
  CARRIER = 4,
  VERIFIER = 5,
  AUDITOR = 6,
}

/** The bitmask the registry stores for a set of roles. */
export function roleMask(...roles: Role[]): number {
  return roles.reduce((mask, role) => mask | (1 << role), 0);
}
