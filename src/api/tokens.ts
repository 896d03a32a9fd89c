import { toUtf8String } from "ethers";
import type { ReceivableToken } from "../../typechain-types";
import { firstPieceOf, sequenceOf, slotOf } from "../chain/tokenId";

/**
 * A piece of a receivable as the chain holds it now: its terms, where it sits in its receivable's tree, and the
 * documents recorded behind it (the anchor's confirmation for a first piece, the trade proof for a transfer).
 */

export interface TokenJson {
  tokenId: bigint;
  slot: bigint;
  rootId: bigint;
  /** 0 for a receivable's first piece. */
  parentId: bigint;
  /** False once burned (fully paid) or merged away. */
  live: boolean;
  owner: string | null;
  value: bigint | null;
  receivable: {
    anchorId: number;
    supplierId: number;
    faceValue: bigint;
    /** Unix seconds. */
    maturity: number;
    currency: string;
    pieceCount: number;
    documentsHash: string;
  };
  /** The documents behind the step that created this piece; null when the piece was split off without a proof. */
  proof: { kind: "confirmation" | "transfer"; invoiceFingerprint: string; invoiceHash: string; logisticsHash: string } | null;
}

/** The piece `tokenId`, or undefined when no such piece was ever created. */
export async function readToken(token: ReceivableToken, tokenId: bigint): Promise<TokenJson | undefined> {
  const slot = slotOf(tokenId);
  const sequence = sequenceOf(tokenId);
  if (slot === 0n || sequence === 0n || slot > (await token.slotCount())) return undefined;
  const terms = await token.receivable(slot);
  if (sequence > terms.pieceCount) return undefined;

  const [parentId, live] = await Promise.all([token.parentOf(tokenId), token.exists(tokenId)]);
  const piece = live ? await token.pieceOf(tokenId) : undefined;
  let proof: TokenJson["proof"] = null;
  if (sequence === 1n) {
    const [confirmed] = await token.queryFilter(token.filters.ReceivableConfirmed(slot, tokenId));
    if (confirmed !== undefined) {
      const { invoiceFingerprint, invoiceHash, logisticsHash } = confirmed.args.confirmation;
      proof = { kind: "confirmation", invoiceFingerprint, invoiceHash, logisticsHash };
    }
  } else {
    const [recorded] = await token.queryFilter(token.filters.TradeProofRecorded(tokenId));
    if (recorded !== undefined) {
      const { invoiceFingerprint, invoiceHash, logisticsHash } = recorded.args;
      proof = { kind: "transfer", invoiceFingerprint, invoiceHash, logisticsHash };
    }
  }
  return {
    tokenId,
    slot,
    rootId: firstPieceOf(slot),
    parentId,
    live,
    owner: piece?.owner ?? null,
    value: piece?.value ?? null,
    receivable: {
      anchorId: Number(terms.anchorId),
      supplierId: Number(terms.supplierId),
      faceValue: terms.faceValue,
      maturity: Number(terms.maturity),
      currency: toUtf8String(terms.currency),
      pieceCount: Number(terms.pieceCount),
      documentsHash: terms.documentsHash,
    },
    proof,
  };
}
