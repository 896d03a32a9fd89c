import { checksumAddress } from "../chain/checksum";
import { inlineRecovery } from "../chain/signaturePool";
import type { SignatureRecovery } from "../chain/signaturePool";
import { AlteredDocumentError, recoverDocumentSignaturesWith } from "../proofs/documents";
import type { DocumentSource, ParsedDocument } from "../proofs/documents";
import type { BlockReads } from "./blockReads";
import { chainHistoryFor } from "./history";
import type { CheckContext, MemberStanding, PieceState } from "./context";
import type { FundingCheckInput } from "./types";

/**
 * Reads, at one block, everything a funding check looks at: the piece and its lineage, the standing of the parties
 * acting now, the member registry's history (for the standing of each step's parties at the step), the sellers'
 * legal-entity hashes, the invoice registry, the documents from the store, and the chain-wide waybill bindings.
 * All chain reads go through `reads`, pinned to one block, so the answer is consistent while blocks keep coming.
 * The documents' signatures not yet known are recovered as batches through `recovery` (the API's signature pool),
 * so that the checks, which are synchronous, find them remembered.
 */
export async function gatherContext(
  reads: BlockReads,
  documents: DocumentSource,
  input: FundingCheckInput,
  blockTimestamp: number,
  chainId: bigint,
  recovery: SignatureRecovery = inlineRecovery,
): Promise<CheckContext> {
  return gather(
    reads,
    documents,
    input.request.tokenId,
    { requestedBy: input.requestedBy, nonce: input.request.nonce },
    blockTimestamp,
    chainId,
    recovery,
  );
}

/**
 * What the lineage check looks at: the same reads without a funding request, so no asker and no nonce (the
 * context's `nonceUsed` is false and only the holder's standing now is read).
 */
export async function gatherLineageContext(
  reads: BlockReads,
  documents: DocumentSource,
  tokenId: bigint,
  blockTimestamp: number,
  chainId: bigint,
  recovery: SignatureRecovery = inlineRecovery,
): Promise<CheckContext> {
  return gather(reads, documents, tokenId, undefined, blockTimestamp, chainId, recovery);
}

/** Who asks for a funding check, and the nonce of the holder's request. */
interface FundingAsk {
  requestedBy: string;
  nonce: bigint;
}

async function gather(
  reads: BlockReads,
  documents: DocumentSource,
  tokenId: bigint,
  ask: FundingAsk | undefined,
  blockTimestamp: number,
  chainId: bigint,
  recovery: SignatureRecovery,
): Promise<CheckContext> {
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
    ask === undefined ? false : reads.isNonceUsed(piece.owner, ask.nonce),
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

  // Only the parties acting now are judged by their standing now; every step's parties at the step (history).
  const addresses = new Set<string>([piece.owner, ...(ask === undefined ? [] : [checksumAddress(ask.requestedBy)])]);
  const blockNumbers = new Set<number>();
  for (const step of lineage.steps) {
    blockNumbers.add(step.blockNumber);
    for (const change of step.ownerChanges) blockNumbers.add(change.blockNumber);
  }
  const sellerIds = new Set<number>();
  for (const document of found.values()) {
    // Sellers for the fingerprint; buyers too, for the credit code each party's invoice names.
    if (document.kind === "invoice") {
      sellerIds.add(document.proof.invoice.seller.memberId);
      sellerIds.add(document.proof.invoice.buyer.memberId);
    }
  }
  const fingerprints = lineage.steps.flatMap((step) => (step.proof === undefined ? [] : [step.proof.invoiceFingerprint.toLowerCase()]));

  const standings = new Map<string, MemberStanding>();
  const leiHashes = new Map<number, string>();
  const invoiceUses = new Map<string, bigint>();
  const blockTimes = new Map<number, bigint>();
  const history = await chainHistoryFor(reads.contracts, documents, chainId);
  const blockHash = reads.blockHash ?? (await reads.contracts.receivableToken.runner?.provider?.getBlock(reads.blockNumber))?.hash;
  if (blockHash === null || blockHash === undefined) throw new Error(`the node returned no block ${reads.blockNumber}`);
  const [financingAddress, facts] = await Promise.all([
    reads.financingAddress(),
    history.at(reads.blockNumber, blockHash, recovery),
    recoverDocumentSignaturesWith(found.values(), chainId, recovery),
    ...[...blockNumbers].map(async (blockNumber) => blockTimes.set(blockNumber, await reads.blockTimestamp(blockNumber))),
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
    members: facts.members,
    blockTimes,
    waybillOveruses: facts.waybillOveruses,
    leiHashes,
    invoiceUses,
    documents: found,
    alteredDocuments: altered,
  };
}
