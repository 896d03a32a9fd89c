import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Consortium } from "./consortium";
import { tradeProofFor } from "./consortium";

/** The member id of an admitted signer; throws for one the consortium did not admit. */
export function memberIdOf(c: Consortium, signer: HardhatEthersSigner): number {
  const memberId = c.memberIds.get(signer.address);
  if (memberId === undefined) throw new Error(`${signer.address} is not a member of the consortium`);
  return memberId;
}

/** The issuing bank issues `amount` fen of settlement currency to `to`. */
export async function issueTo(c: Consortium, to: HardhatEthersSigner | string, amount: bigint): Promise<void> {
  const address = typeof to === "string" ? to : to.address;
  await (await c.settlementToken.connect(c.issuer).issue(address, amount)).wait();
}

/** `payer` (the anchor by default) receives `amount` from the issuer, approves settlement and repays it. */
export async function fundAndRepay(c: Consortium, slot: bigint, amount: bigint, payer: HardhatEthersSigner = c.anchor): Promise<void> {
  await issueTo(c, payer, amount);
  await (await c.settlementToken.connect(payer).approve(await c.settlement.getAddress(), amount)).wait();
  await (await c.settlement.connect(payer).repay(slot, amount)).wait();
}

/** `holder` splits `value` off `fromTokenId` to `to`, with a trade proof; returns the new piece. */
export async function splitTo(
  c: Consortium,
  holder: HardhatEthersSigner,
  fromTokenId: bigint,
  to: HardhatEthersSigner,
  value: bigint,
): Promise<bigint> {
  const proof = await tradeProofFor(c, to, undefined, { buyer: holder });
  const token = c.receivableToken.connect(holder);
  const newTokenId = await token.transferWithProof.staticCall(fromTokenId, to.address, value, proof);
  await (await token.transferWithProof(fromTokenId, to.address, value, proof)).wait();
  return newTokenId;
}
