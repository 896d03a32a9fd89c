import { getAddress, toUtf8String } from "ethers";
import type { BlockTag } from "ethers";
import { readLineage } from "../chain/lineage";
import type { Lineage } from "../chain/lineage";
import type { ChainbillContracts } from "../chain/system";
import { documentParties } from "../proofs/documents";
import type { ParsedDocument } from "../proofs/documents";
import type { CheckContext, MemberStanding, PieceState } from "./context";
import type { DocumentSource, FundingCheckInput } from "./types";

/**
 * Reads, at one block, everything a funding check looks at: the piece and its lineage, the standing of every
 * address involved, the sellers' legal-entity hashes, the invoice registry, and the documents from the store.
 * All chain reads are pinned to that block so the answer is consistent even while blocks keep coming.
 */
export async function gatherContext(
  contracts: ChainbillContracts,
  documents: DocumentSource,
  input: FundingCheckInput,
  block: { number: number; timestamp: number },
  chainId: bigint,
): Promise<CheckContext> {
  const { token, registry, settlement, financing } = contracts;
  const blockTag: BlockTag = block.number;
  const tokenId = input.request.tokenId;
  const lineage: Lineage = await readLineage(contracts, tokenId, block.number);
  const slot = lineage.slot;

  const [exists, receivable, overdue] = await Promise.all([
    token.exists(tokenId, { blockTag }),
    token.receivable(slot, { blockTag }),
    settlement.isOverdue(slot, { blockTag }),
  ]);
  const last = lineage.steps[lineage.steps.length - 1];
  const [owner, value] = exists
    ? await Promise.all([token.ownerOf(tokenId, { blockTag }), token["balanceOf(uint256)"](tokenId, { blockTag })])
    : [last.ownerChanges.at(-1)?.to ?? last.to, 0n];
  const piece: PieceState = {
    exists,
    owner: getAddress(owner),
    value,
    maturity: receivable.maturity,
    currency: toUtf8String(receivable.currency),
  };
  const nonceUsed = await financing.isNonceUsed(piece.owner, input.request.nonce, { blockTag });

  const hashes = new Set<string>();
  for (const step of lineage.steps) {
    if (step.proof === undefined) continue;
    hashes.add(step.proof.invoiceHash.toLowerCase());
    hashes.add(step.proof.logisticsHash.toLowerCase());
  }
  const found = new Map<string, ParsedDocument>();
  await Promise.all(
    [...hashes].map(async (hash) => {
      const document = await documents.get(hash);
      if (document !== undefined) found.set(hash, document);
    }),
  );

  const addresses = new Set<string>([piece.owner, getAddress(input.requestedBy)]);
  for (const step of lineage.steps) {
    addresses.add(getAddress(step.from));
    addresses.add(getAddress(step.to));
    for (const change of step.ownerChanges) {
      addresses.add(getAddress(change.from));
      addresses.add(getAddress(change.to));
    }
  }
  for (const document of found.values()) for (const party of documentParties(document)) addresses.add(party.account);

  const standings = new Map<string, MemberStanding>();
  await Promise.all(
    [...addresses].map(async (account) => {
      const authorization = await registry.authorizationOf(account, { blockTag });
      standings.set(account, { account, memberId: Number(authorization.memberId), roles: Number(authorization.roles), active: authorization.active });
    }),
  );

  const sellerIds = new Set<number>();
  for (const document of found.values()) if (document.kind === "invoice") sellerIds.add(document.proof.invoice.seller.memberId);
  const leiHashes = new Map<number, string>();
  const memberCount = Number(await registry.memberCount({ blockTag }));
  await Promise.all(
    [...sellerIds]
      .filter((memberId) => memberId <= memberCount)
      .map(async (memberId) => leiHashes.set(memberId, (await registry.member(memberId, { blockTag })).leiHash)),
  );

  const invoiceUses = new Map<string, bigint>();
  await Promise.all(
    lineage.steps
      .filter((step) => step.proof !== undefined)
      .map(async (step) => {
        const fingerprint = (step.proof?.invoiceFingerprint ?? "").toLowerCase();
        invoiceUses.set(fingerprint, await token.invoiceUse(fingerprint, { blockTag }));
      }),
  );

  return {
    chainId,
    financingAddress: await financing.getAddress(),
    now: BigInt(block.timestamp),
    asOfBlock: block.number,
    lineage,
    piece,
    overdue,
    nonceUsed,
    standings,
    leiHashes,
    invoiceUses,
    documents: found,
  };
}
