import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { TypedDataEncoder, concat, getBytes, keccak256, recoverAddress, toUtf8Bytes } from "ethers";
import type { Result } from "ethers";
import { FUNDING_ATTESTATION_TYPE_STRING, FUNDING_REQUEST_TYPE_STRING, financingDomain } from "../chain/funding";
import type { FundingAttestation, FundingRequest } from "../chain/funding";
import { FINANCING_INTERFACE } from "./decode";

/**
 * A funding's evidence as the factor sent it: `Financing.fund(request, holderSignature, attestation,
 * verifierSignatures)` decoded from the transaction's input, with every signature recovered under the EIP-712
 * domain of this chain and this financing contract. Whether the signers could sign is the replay's question (it
 * knows the registry at that block).
 *
 * Recovering secp256k1 signatures is most of an audit's arithmetic (two per funding, ~2 ms each in JavaScript),
 * so it runs on worker threads, one per core, before the replay; the digests are computed here directly from the
 * type strings Financing.sol hashes (src/chain/funding.ts), several times faster than the generic encoder.
 */

export interface FundCall {
  request: FundingRequest;
  holderSignature: string;
  attestation: FundingAttestation;
  verifierSignatures: string[];
  /** The attestation's digest under this chain and contract: what the Funded event must carry as its id. */
  attestationDigest: string;
  requestDigest: string;
  /** Who each verifier signature recovers to (lower case; null when malformed), in the order given. */
  signers: Array<string | null>;
  /** Who the holder's signature recovers to; null when it is empty or malformed (an on-chain approval, or ERC-1271). */
  holderSigner: string | null;
}

const REQUEST_TYPEHASH = keccak256(toUtf8Bytes(FUNDING_REQUEST_TYPE_STRING));
const ATTESTATION_TYPEHASH = keccak256(toUtf8Bytes(FUNDING_ATTESTATION_TYPE_STRING));

function word(value: bigint): string {
  if (value < 0n || value >= 1n << 256n) throw new Error(`${value} does not fit a uint256`);
  return value.toString(16).padStart(64, "0");
}
function addressWord(address: string): string {
  return address.toLowerCase().replace(/^0x/u, "").padStart(64, "0");
}
function bytes32Word(hex: string): string {
  const digits = hex.toLowerCase().replace(/^0x/u, "");
  if (digits.length !== 64) throw new Error(`${hex} is not 32 bytes`);
  return digits;
}

/** EIP-712 digests of Financing's two messages under one domain. */
export class FundingDigests {
  private readonly prefix: Uint8Array;

  constructor(chainId: bigint, financing: string) {
    const domain = financingDomain(chainId, financing);
    const separator = TypedDataEncoder.hashDomain({ name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract });
    this.prefix = getBytes(concat(["0x1901", separator]));
  }

  private digest(structWords: string): string {
    return keccak256(concat([this.prefix, keccak256(`0x${structWords}`)]));
  }

  request(request: FundingRequest): string {
    return this.digest(
      bytes32Word(REQUEST_TYPEHASH) +
        word(request.tokenId) +
        word(request.value) +
        word(request.minPrice) +
        addressWord(request.factor) +
        word(request.withRecourse ? 1n : 0n) +
        word(request.deadline) +
        word(request.nonce),
    );
  }

  attestation(a: FundingAttestation): string {
    return this.digest(
      bytes32Word(ATTESTATION_TYPEHASH) +
        word(a.tokenId) +
        addressWord(a.holder) +
        addressWord(a.factor) +
        word(a.value) +
        word(a.price) +
        bytes32Word(a.invoiceHash) +
        bytes32Word(a.logisticsHash) +
        bytes32Word(a.tradeProofHash) +
        word(a.withRecourse ? 1n : 0n) +
        word(a.deadline) +
        word(a.nonce),
    );
  }
}

function field(result: Result, key: string): unknown {
  return result.getValue(key);
}
function big(result: Result, key: string): bigint {
  const value = field(result, key);
  if (typeof value !== "bigint") throw new Error(`${key} is not an integer`);
  return value;
}
function str(result: Result, key: string): string {
  const value = field(result, key);
  if (typeof value !== "string") throw new Error(`${key} is not a string`);
  return value;
}

/** Decodes a `fund` call's input, signatures not yet recovered; throws with the reason when the input is not one. */
export function parseFundCall(input: string, digests: FundingDigests): FundCall {
  const parsed = FINANCING_INTERFACE.parseTransaction({ data: input });
  if (parsed === null || parsed.name !== "fund") throw new Error("the transaction is not a direct call of Financing.fund");
  const r = parsed.args.getValue("request") as Result;
  const a = parsed.args.getValue("attestation") as Result;
  const requestedRecourse = field(r, "withRecourse");
  if (typeof requestedRecourse !== "boolean") throw new Error("the request's withRecourse is not a bool");
  const request: FundingRequest = {
    tokenId: big(r, "tokenId"),
    value: big(r, "value"),
    minPrice: big(r, "minPrice"),
    factor: str(r, "factor").toLowerCase(),
    withRecourse: requestedRecourse,
    deadline: big(r, "deadline"),
    nonce: big(r, "nonce"),
  };
  const withRecourse = field(a, "withRecourse");
  if (typeof withRecourse !== "boolean") throw new Error("withRecourse is not a bool");
  const attestation: FundingAttestation = {
    tokenId: big(a, "tokenId"),
    holder: str(a, "holder").toLowerCase(),
    factor: str(a, "factor").toLowerCase(),
    value: big(a, "value"),
    price: big(a, "price"),
    invoiceHash: str(a, "invoiceHash").toLowerCase(),
    logisticsHash: str(a, "logisticsHash").toLowerCase(),
    tradeProofHash: str(a, "tradeProofHash").toLowerCase(),
    withRecourse,
    deadline: big(a, "deadline"),
    nonce: big(a, "nonce"),
  };
  const signatures = parsed.args.getValue("verifierSignatures") as Result;
  const verifierSignatures = [...signatures].map((signature) => {
    if (typeof signature !== "string") throw new Error("a verifier signature is not bytes");
    return signature;
  });
  return {
    request,
    holderSignature: str(parsed.args, "holderSignature"),
    attestation,
    verifierSignatures,
    attestationDigest: digests.attestation(attestation),
    requestDigest: digests.request(request),
    signers: verifierSignatures.map(() => null),
    holderSigner: null,
  };
}

/** Who signed `digest`, lower case; null for a malformed signature. */
export function recoverSigner(digest: string, signature: string): string | null {
  try {
    return recoverAddress(digest, signature).toLowerCase();
  } catch {
    return null;
  }
}

// The worker is plain JavaScript (no TypeScript loader needed in the thread); it loads the same ethers.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { recoverAddress } = require(workerData.ethers);
parentPort.on("message", ({ id, pairs }) => {
  const signers = pairs.map(([digest, signature]) => {
    try { return recoverAddress(digest, signature).toLowerCase(); } catch { return null; }
  });
  parentPort.postMessage({ id, signers });
});
`;

const CHUNK = 64;

/** Recovers the signer of every (digest, signature) pair, on one worker thread per core. */
export async function recoverSigners(pairs: ReadonlyArray<readonly [string, string]>): Promise<Array<string | null>> {
  const threads = Math.min(availableParallelism(), Math.ceil(pairs.length / CHUNK));
  if (threads <= 1) return pairs.map(([digest, signature]) => recoverSigner(digest, signature));
  const results = new Array<string | null>(pairs.length);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { ethers: require.resolve("ethers") } }));
  try {
    let next = 0;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (next >= pairs.length) return resolve();
              const start = next;
              next = Math.min(pairs.length, next + CHUNK);
              worker.postMessage({ id: start, pairs: pairs.slice(start, next) });
            };
            worker.on("message", ({ id, signers }: { id: number; signers: Array<string | null> }) => {
              signers.forEach((signer, offset) => {
                results[id + offset] = signer;
              });
              send();
            });
            worker.on("error", reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}

/** Fills in the signers of every call. */
export async function recoverFundCallSigners(calls: readonly FundCall[]): Promise<void> {
  const pairs: Array<readonly [string, string]> = [];
  for (const call of calls) {
    if (call.holderSignature !== "0x") pairs.push([call.requestDigest, call.holderSignature]);
    for (const signature of call.verifierSignatures) pairs.push([call.attestationDigest, signature]);
  }
  const signers = await recoverSigners(pairs);
  let index = 0;
  for (const call of calls) {
    if (call.holderSignature !== "0x") {
      call.holderSigner = signers[index];
      index += 1;
    }
    call.signers = call.verifierSignatures.map(() => {
      const signer = signers[index];
      index += 1;
      return signer;
    });
  }
}
