import { checksumAddress } from "../chain/checksum";
import { AlteredDocumentError, documentParties } from "../proofs/documents";
import type { ParsedDocument } from "../proofs/documents";
import type { BlockReads } from "./blockReads";
import type { CheckContext, MemberStanding, PieceState } from "./context";
import type { DocumentSource, FundingCheckInput } from "./types";

/**
 * Reads, at one block, everything a funding check looks at: the piece and its lineage, the standing of every
 * address involved, the sellers' legal-entity hashes, the invoice registry, and the documents from the store.
 * All chain reads go through `reads`, pinned to one block, so the answer is consistent while blocks keep coming.
 */
export async function gatherContext(
  reads: BlockReads,
  documents: DocumentSource,
  input: FundingCheckInput,
  blockTimestamp: number,
  chainId: bigint,
): Promise<CheckContext> {
  const tokenId = input.request.tokenId;
  const lineage = await reads.lineage(tokenId);
  const [live, receivable, overdue] = await Promise.all([reads.piece(tokenId), reads.receivable(lineage.slot), reads.isOverdue(lineage.slot)]);
  const last = lineage.steps[lineage.steps.length - 1];
  const piece: PieceState = {
    exists: live !== null,
    owner: live?.owner ?? checksumAddress(last.ownerChanges.at(-1)?.to ?? last.to),
    value: live?.value ?? 0n,
    maturity: receivable.maturity,
    currency: receivable.currency,
  };

  const hashes = new Set<string>();
  for (const step of lineage.steps) {
    if (step.proof === undefined) continue;
    hashes.add(step.proof.invoiceHash.toLowerCase());
    hashes.add(step.proof.logisticsHash.toLowerCase());
  }
  const found = new Map<string, ParsedDocument>();
  const altered = new Set<string>();
  const [nonceUsed] = await Promise.all([
    reads.isNonceUsed(piece.owner, input.request.nonce),
    ...[...hashes].map(async (hash) => {
      try {
        const document = await documents.get(hash);
        if (document !== undefined) found.set(hash, document);
      } catch (error) {
        if (!(error instanceof AlteredDocumentError)) throw error;
        altered.add(hash);
      }
    }),
  ]);

  const addresses = new Set<string>([piece.owner, checksumAddress(input.requestedBy)]);
  for (const step of lineage.steps) {
    addresses.add(checksumAddress(step.from));
    addresses.add(checksumAddress(step.to));
    for (const change of step.ownerChanges) {
      addresses.add(checksumAddress(change.from));
      addresses.add(checksumAddress(change.to));
    }
  }
  const sellerIds = new Set<number>();
  for (const document of found.values()) {
    for (const party of documentParties(document)) addresses.add(party.account);
    if (document.kind === "invoice") sellerIds.add(document.proof.invoice.seller.memberId);
  }
  const fingerprints = lineage.steps.flatMap((step) => (step.proof === undefined ? [] : [step.proof.invoiceFingerprint.toLowerCase()]));

  const standings = new Map<string, MemberStanding>();
  const leiHashes = new Map<number, string>();
  const invoiceUses = new Map<string, bigint>();
  const [financingAddress] = await Promise.all([
    reads.financingAddress(),
    ...[...addresses].map(async (account) => standings.set(account, await reads.standing(account))),
    ...[...sellerIds].map(async (memberId) => {
      const leiHash = await reads.leiHash(memberId);
      if (leiHash !== undefined) leiHashes.set(memberId, leiHash);
    }),
    ...fingerprints.map(async (fingerprint) => invoiceUses.set(fingerprint, await reads.invoiceUse(fingerprint))),
  ]);

  return {
    chainId,
    financingAddress,
    now: BigInt(blockTimestamp),
    asOfBlock: reads.blockNumber,
    lineage,
    piece,
    overdue,
    nonceUsed,
    standings,
    leiHashes,
    invoiceUses,
    documents: found,
    alteredDocuments: altered,
  };
}
