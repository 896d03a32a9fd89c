/**
 * Token ids of ReceivableToken: `(slot << 32) | sequence`. A receivable is a slot (numbered from 1); its pieces are
 * numbered 1, 2, … within it in the order they are created, and piece 1 is the anchor's confirmation. People read a
 * piece as "#slot.sequence". Plain bigint arithmetic: the dApp's bundle uses this module too.
 */

export const SEQUENCE_BITS = 32n;
const SEQUENCE_MASK = (1n << SEQUENCE_BITS) - 1n;

/** The receivable (slot) a piece belongs to. */
export function slotOf(tokenId: bigint): bigint {
  return tokenId >> SEQUENCE_BITS;
}

/** The piece's number within its receivable (1 for the first piece). */
export function sequenceOf(tokenId: bigint): bigint {
  return tokenId & SEQUENCE_MASK;
}

export function tokenIdOf(slot: bigint, sequence: bigint): bigint {
  return (slot << SEQUENCE_BITS) | sequence;
}

/** A receivable's first piece, the one the anchor's confirmation created. */
export function firstPieceOf(slot: bigint): bigint {
  return tokenIdOf(slot, 1n);
}

/** "#slot.sequence", the name people read; takes a decimal string too (as the API sends ids). */
export function pieceName(tokenId: bigint | string): string {
  const id = BigInt(tokenId);
  return `#${slotOf(id)}.${sequenceOf(id)}`;
}

/** "#3.2", "3.2" or a decimal token id back to a token id; null otherwise. */
export function parsePieceName(text: string): bigint | null {
  const trimmed = text.trim();
  const dotted = /^#?([0-9]{1,10})\.([0-9]{1,10})$/u.exec(trimmed);
  if (dotted !== null) return tokenIdOf(BigInt(dotted[1]), BigInt(dotted[2]));
  if (/^[0-9]{1,30}$/u.test(trimmed)) return BigInt(trimmed);
  return null;
}
