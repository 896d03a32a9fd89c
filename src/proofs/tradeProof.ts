import { AbiCoder, keccak256 } from "ethers";

/**
 * What a verifier's attestation commits to beyond the last step's two documents: the proof of every step of the
 * piece's lineage, root first. A step's proof is its invoice fingerprint and its two document hashes; the lineage
 * proof hash is keccak256 of the ABI-encoded list of step hashes. An auditor recomputes it from the chain's
 * events alone, so the attestation says exactly which documents the verifier looked at.
 */

export interface StepProof {
  invoiceFingerprint: string;
  invoiceHash: string;
  logisticsHash: string;
}

const coder = AbiCoder.defaultAbiCoder();

/** keccak256(abi.encode(fingerprint, invoiceHash, logisticsHash)). */
export function stepProofHash(step: StepProof): string {
  return keccak256(coder.encode(["bytes32", "bytes32", "bytes32"], [step.invoiceFingerprint, step.invoiceHash, step.logisticsHash]));
}

/** keccak256(abi.encode(bytes32[] stepHashes)), root first. */
export function lineageProofHash(steps: readonly StepProof[]): string {
  const key = steps
    .map((step) => `${step.invoiceFingerprint}${step.invoiceHash}${step.logisticsHash}`)
    .join("|")
    .toLowerCase();
  const known = lineageHashes.get(key);
  if (known !== undefined) return known;
  const hash = keccak256(coder.encode(["bytes32[]"], [steps.map(stepProofHash)]));
  if (lineageHashes.size >= LINEAGE_MEMO_LIMIT) lineageHashes.delete(lineageHashes.keys().next().value as string);
  lineageHashes.set(key, hash);
  return hash;
}

// A piece checked again has the same lineage: remember its hash (bounded).
const LINEAGE_MEMO_LIMIT = 10_000;
const lineageHashes = new Map<string, string>();
