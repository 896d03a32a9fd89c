import type { TypedDataDomain, TypedDataField } from "ethers";

/**
 * The EIP-712 domain every trade document is hashed and signed under. It names the chain, so a document signed
 * for one network is not a valid signature on another; it names no contract, so a document outlives a redeploy.
 */
export const DOCUMENTS_DOMAIN_NAME = "Chainbill Documents";
export const DOCUMENTS_DOMAIN_VERSION = "1";

export function documentsDomain(chainId: bigint | number): TypedDataDomain {
  return { name: DOCUMENTS_DOMAIN_NAME, version: DOCUMENTS_DOMAIN_VERSION, chainId: BigInt(chainId) };
}

/** EIP-712 type tables as ethers wants them (mutable arrays), built from frozen definitions. */
export function typeTable(types: Readonly<Record<string, readonly TypedDataField[]>>): Record<string, TypedDataField[]> {
  const copy: Record<string, TypedDataField[]> = {};
  for (const [name, fields] of Object.entries(types)) copy[name] = fields.map((field) => ({ name: field.name, type: field.type }));
  return copy;
}

/** `Party(uint32 memberId,address account)`, shared by invoices and waybills. */
export const PARTY_FIELDS: readonly TypedDataField[] = [
  { name: "memberId", type: "uint32" },
  { name: "account", type: "address" },
];
