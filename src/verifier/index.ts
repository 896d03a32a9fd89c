import { getAddress } from "ethers";
import type { Provider, Signer } from "ethers";
import { financingDomain, fundingAttestationDigest, fundingRequestDigest, signFundingAttestation } from "../chain/funding";
import { UnknownPieceError } from "../chain/lineage";
import { inlineRecovery } from "../chain/signaturePool";
import type { SignatureRecovery } from "../chain/signaturePool";
import type { ChainbillContracts } from "../chain/system";
import { BlockReads } from "./blockReads";
import { checkFunding, checkLineage } from "./checks";
import { gatherContext, gatherLineageContext } from "./gather";
import type { DocumentSource } from "../proofs/documents";
import type { CheckedStep, FundingCheckFailure, FundingCheckInput, FundingCheckOutcome } from "./types";

export type { CheckedStep, FailureCode, FundingCheckFailure, FundingCheckInput, FundingCheckOutcome } from "./types";

/**
 * The verifier service's core: check a funding request against the chain and the documents, and sign the
 * attestation the Financing contract requires when every check passes. No HTTP here; the API calls `check`.
 */

export interface VerifierOptions {
  contracts: ChainbillContracts;
  provider: Provider;
  documents: DocumentSource;
  /** The verifier's key. It signs attestations and nothing else; it is never logged or returned. */
  signer: Pick<Signer, "signTypedData" | "getAddress">;
  /** How long an attestation stays valid (default one hour), capped by the request's deadline. */
  attestationTtlSeconds?: number;
  /** Recovers the signatures a check needs (default: inline); a check's own `signatures` option overrides it. */
  signatures?: SignatureRecovery;
}

/** Per check: where its signatures are recovered (the API passes its signature pool). */
export interface CheckRunOptions {
  signatures?: SignatureRecovery;
}

export interface Verifier {
  /** The verifier's address (an active VERIFIER member for its attestations to count). */
  address(): Promise<string>;
  check(input: FundingCheckInput, options?: CheckRunOptions): Promise<FundingCheckOutcome>;
}

export function createVerifier(options: VerifierOptions): Verifier {
  const ttl = BigInt(options.attestationTtlSeconds ?? 3600);
  let chainId: bigint | undefined;
  let reads: BlockReads | undefined;
  // Checks that start while the head is being read share that read (single flight): under load, one block header
  // (and ethers' formatting of it) serves every check that arrived meanwhile instead of one each.
  let headRead: ReturnType<typeof options.provider.getBlock> | undefined;
  const latestBlock = (): ReturnType<typeof options.provider.getBlock> => {
    if (headRead === undefined) {
      const read = options.provider.getBlock("latest");
      headRead = read;
      const clear = (): void => {
        if (headRead === read) headRead = undefined;
      };
      read.then(clear, clear);
    }
    return headRead;
  };

  return {
    address: async () => getAddress(await options.signer.getAddress()),
    async check(input, run = {}) {
      const recovery = run.signatures ?? options.signatures ?? inlineRecovery;
      chainId ??= (await options.provider.getNetwork()).chainId;
      const block = await latestBlock();
      if (block === null) throw new Error("the node returned no latest block");
      // Keyed by hash, not number: after a reorganisation the same number is another block with other state.
      if (reads === undefined || reads.blockHash !== block.hash) reads = new BlockReads(options.contracts, block.number, block.hash);
      let context;
      try {
        context = await gatherContext(reads, options.documents, input, block.timestamp, chainId, recovery);
      } catch (error) {
        if (error instanceof UnknownPieceError) {
          return {
            ok: false,
            asOfBlock: block.number,
            steps: [],
            failures: [{ code: "TOKEN_NOT_FOUND", message: error.message, tokenId: input.request.tokenId }],
          };
        }
        throw error;
      }
      // The holder's signature: the one recovery every check makes afresh (the documents' are remembered).
      let requestSigner: string | null = null;
      try {
        [requestSigner] = await recovery.recoverSigners([
          [fundingRequestDigest(financingDomain(chainId, context.financingAddress), input.request), input.holderSignature],
        ]);
      } catch {
        // A request whose fields do not fit its types has no digest: nobody signed it.
      }
      const result = checkFunding(input, context, { attestationTtlSeconds: ttl, requestSigner });
      if (result.attestation === undefined) return { ok: false, failures: result.failures, steps: result.steps, asOfBlock: context.asOfBlock };
      const domain = financingDomain(chainId, context.financingAddress);
      const fundingId = fundingAttestationDigest(domain, result.attestation);
      const signature = await signFundingAttestation(options.signer, domain, result.attestation, fundingId);
      return {
        ok: true,
        attestation: result.attestation,
        signature,
        signer: getAddress(await options.signer.getAddress()),
        fundingId,
        asOfBlock: context.asOfBlock,
        steps: result.steps,
      };
    },
  };
}

/** The lineage check of a piece: each step that brought it into being, with its failures (`failure.step`). */
export interface LineageCheck {
  steps: CheckedStep[];
  failures: FundingCheckFailure[];
}

/** A block to check at: its number and hash (the state) and its time ("now" for deliveries). */
export interface CheckedBlock {
  blockNumber: number;
  blockHash: string;
  timestamp: number;
}

export interface LineageChecker {
  /**
   * The verifier's checks of the steps behind `tokenId` at `block`, without a funding request: the documents,
   * signatures, parties, deliveries and invoice uses a funding check would judge. A funding already made is not a
   * failure here. Throws UnknownPieceError for a piece never created.
   */
  check(tokenId: bigint, block: CheckedBlock): Promise<LineageCheck>;
}

/** Lineage checks that share their chain reads while the block stays the same (one set of reads per block). */
export function createLineageChecker(options: {
  contracts: ChainbillContracts;
  documents: DocumentSource;
  chainId: bigint;
  signatures?: SignatureRecovery;
}): LineageChecker {
  let reads: BlockReads | undefined;
  return {
    async check(tokenId, block) {
      if (reads === undefined || reads.blockNumber !== block.blockNumber || reads.blockHash !== block.blockHash) {
        reads = new BlockReads(options.contracts, block.blockNumber, block.blockHash);
      }
      return checkLineage(await gatherLineageContext(reads, options.documents, tokenId, block.timestamp, options.chainId, options.signatures));
    },
  };
}
