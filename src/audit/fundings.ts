import { availableParallelism } from "node:os";
import { TypedDataEncoder, concat, getBytes, keccak256, toUtf8Bytes } from "ethers";
import type { ParamType, Result } from "ethers";
import { FUNDING_ATTESTATION_TYPE_STRING, FUNDING_REQUEST_TYPE_STRING, financingDomain } from "../chain/funding";
import type { FundingAttestation, FundingRequest } from "../chain/funding";
import { recoverSigner as recoverWithModule, signatureBackendName } from "../chain/signatures";
import type { SignatureBackendName } from "../chain/signatures";
import { SignaturePool, inlineRecovery } from "../chain/signaturePool";
import type { SignaturePair, SignatureRecovery } from "../chain/signaturePool";
import { FINANCING_INTERFACE } from "./decode";

/**
 * A funding's evidence as the factor sent it: `Financing.fund(request, holderSignature, attestation,
 * verifierSignatures)` decoded from the transaction's input, with every signature recovered under the EIP-712
 * domain of this chain and this financing contract. Whether the signers could sign is the replay's question (it
 * knows the registry at that block).
 *
 * Signers are recovered through the signature module (src/chain/signatures.ts: libsecp256k1, ~60 µs each, or its
 * JavaScript fallback, ~2 ms), which refuses what Financing's OpenZeppelin ECDSA refuses. When there is more of
 * it than one thread does in about a second it is spread over worker threads, one per core, before the replay;
 * the digests are computed here directly from the type strings Financing.sol hashes (src/chain/funding.ts),
 * several times faster than the generic encoder.
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
    const separator = TypedDataEncoder.hashDomain({
      name: domain.name,
      version: domain.version,
      chainId: domain.chainId,
      verifyingContract: domain.verifyingContract,
    });
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

// --- a direct decoder of `fund` calldata ----------------------------------------------------------------------
// ethers' ABI decoder costs about half a millisecond a call, more than recovering both its signatures; the layout
// of `fund` is fixed (two static structs of words, a bytes and a bytes[]), so it is read here word by word. Anything
// it does not read cleanly (out-of-bounds offsets, an address with dirty upper bytes, another function) goes to
// ethers, whose answer or error stands; a test compares the two on random and corrupted calldata.

type WordKind = "uint" | "address" | "bool" | "bytes32";

/** The static struct's fields in ABI order, or null when a field is not one 32-byte word of a known kind. */
function wordFields(param: ParamType): Array<[string, WordKind]> | null {
  if (param.baseType !== "tuple" || param.components === null) return null;
  const fields: Array<[string, WordKind]> = [];
  for (const component of param.components) {
    const kind: WordKind | null =
      component.type === "uint256"
        ? "uint"
        : component.type === "address"
          ? "address"
          : component.type === "bool"
            ? "bool"
            : component.type === "bytes32"
              ? "bytes32"
              : null;
    if (kind === null) return null;
    fields.push([component.name, kind]);
  }
  return fields;
}

interface FundLayout {
  selector: string;
  request: Array<[string, WordKind]>;
  attestation: Array<[string, WordKind]>;
}

const FUND_LAYOUT: FundLayout | null = (() => {
  const fund = FINANCING_INTERFACE.getFunction("fund");
  if (fund === null) return null;
  const [request, holderSignature, attestation, verifierSignatures] = fund.inputs;
  if (fund.inputs.length !== 4 || holderSignature.type !== "bytes" || verifierSignatures.type !== "bytes[]") return null;
  const requestFields = wordFields(request);
  const attestationFields = wordFields(attestation);
  if (requestFields === null || attestationFields === null) return null;
  return { selector: fund.selector.slice(2), request: requestFields, attestation: attestationFields };
})();

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The fields of `fund(request, holderSignature, attestation, verifierSignatures)`, or null to let ethers decide. */
export function decodeFundDirectly(input: string): {
  request: Record<string, bigint | string | boolean>;
  holderSignature: string;
  attestation: Record<string, bigint | string | boolean>;
  verifierSignatures: string[];
} | null {
  const layout = FUND_LAYOUT;
  if (layout === null || input.length < 10 || (input.length & 1) !== 0 || input.slice(2, 10).toLowerCase() !== layout.selector) return null;
  const body = input.slice(10).toLowerCase();
  if (!/^[0-9a-f]*$/u.test(body)) return null;
  const bytes = body.length / 2;
  const wordAt = (byte: number): bigint | null => (byte + 32 <= bytes ? BigInt(`0x${body.slice(byte * 2, byte * 2 + 64)}`) : null);
  const offsetAt = (byte: number): number | null => {
    const value = wordAt(byte);
    return value === null || value > MAX_SAFE ? null : Number(value);
  };
  const bytesAt = (start: number): string | null => {
    const length = offsetAt(start);
    // Like ethers: the data padded to whole words must be there.
    if (length === null || start + 32 + Math.ceil(length / 32) * 32 > bytes) return null;
    return `0x${body.slice((start + 32) * 2, (start + 32 + length) * 2)}`;
  };
  const struct = (fields: Array<[string, WordKind]>, first: number): Record<string, bigint | string | boolean> | null => {
    const value: Record<string, bigint | string | boolean> = {};
    for (const [index, [name, kind]] of fields.entries()) {
      const at = (first + index) * 32;
      if (at + 32 > bytes) return null;
      const digits = body.slice(at * 2, at * 2 + 64);
      if (kind === "address") {
        if (!digits.startsWith("000000000000000000000000")) return null;
        value[name] = `0x${digits.slice(24)}`;
      } else if (kind === "bytes32") value[name] = `0x${digits}`;
      else if (kind === "bool") value[name] = /[^0]/u.test(digits);
      else value[name] = BigInt(`0x${digits}`);
    }
    return value;
  };
  const request = struct(layout.request, 0);
  const holderOffset = offsetAt(layout.request.length * 32);
  const attestation = struct(layout.attestation, layout.request.length + 1);
  const arrayOffset = offsetAt((layout.request.length + 1 + layout.attestation.length) * 32);
  if (request === null || attestation === null || holderOffset === null || arrayOffset === null) return null;
  const holderSignature = bytesAt(holderOffset);
  const count = offsetAt(arrayOffset);
  if (holderSignature === null || count === null || arrayOffset + 32 + count * 32 > bytes) return null;
  const verifierSignatures: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const relative = offsetAt(arrayOffset + 32 + index * 32);
    const signature = relative === null ? null : bytesAt(arrayOffset + 32 + relative);
    if (signature === null) return null;
    verifierSignatures.push(signature);
  }
  return { request, holderSignature, attestation, verifierSignatures };
}

function directField<T extends bigint | string | boolean>(fields: Record<string, bigint | string | boolean>, name: string, kind: string): T {
  const value = fields[name];
  if (value === undefined || typeof value !== kind) throw new Error(`${name} is not a ${kind}`);
  return value as T;
}

/** Decodes a `fund` call's input, signatures not yet recovered; throws with the reason when the input is not one. */
export function parseFundCall(input: string, digests: FundingDigests): FundCall {
  const direct = decodeFundDirectly(input);
  if (direct !== null) {
    const { request: r, attestation: a } = direct;
    const request: FundingRequest = {
      tokenId: directField(r, "tokenId", "bigint"),
      value: directField(r, "value", "bigint"),
      minPrice: directField(r, "minPrice", "bigint"),
      factor: directField(r, "factor", "string"),
      withRecourse: directField(r, "withRecourse", "boolean"),
      deadline: directField(r, "deadline", "bigint"),
      nonce: directField(r, "nonce", "bigint"),
    };
    const attestation: FundingAttestation = {
      tokenId: directField(a, "tokenId", "bigint"),
      holder: directField(a, "holder", "string"),
      factor: directField(a, "factor", "string"),
      value: directField(a, "value", "bigint"),
      price: directField(a, "price", "bigint"),
      invoiceHash: directField(a, "invoiceHash", "string"),
      logisticsHash: directField(a, "logisticsHash", "string"),
      tradeProofHash: directField(a, "tradeProofHash", "string"),
      withRecourse: directField(a, "withRecourse", "boolean"),
      deadline: directField(a, "deadline", "bigint"),
      nonce: directField(a, "nonce", "bigint"),
    };
    return {
      request,
      holderSignature: direct.holderSignature,
      attestation,
      verifierSignatures: direct.verifierSignatures,
      attestationDigest: digests.attestation(attestation),
      requestDigest: digests.request(request),
      signers: direct.verifierSignatures.map(() => null),
      holderSigner: null,
    };
  }
  return parseFundCallWithEthers(input, digests);
}

/** {@link parseFundCall} through ethers' ABI decoder (what the direct decoder leaves to it, and its reference). */
export function parseFundCallWithEthers(input: string, digests: FundingDigests): FundCall {
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

/** Who signed `digest`, lower case; null for a signature Financing's ECDSA would refuse. */
export function recoverSigner(digest: string, signature: string): string | null {
  return recoverWithModule(digest, signature);
}

/** Recoveries one thread does in about a second: below that, starting threads costs more than it saves. */
const PER_THREAD: Record<SignatureBackendName, number> = { native: 15_000, js: 400 };

/** How many threads for `pairs` recoveries with `backend` when no pool is running yet: 1 (this thread) up to one per core. */
export function recoveryThreads(pairs: number, backend: SignatureBackendName, cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.floor(pairs / PER_THREAD[backend])));
}

/**
 * Recovers the signer of every (digest, signature) pair: on this thread, or with `threads` above 1 through a
 * signature pool (src/chain/signaturePool.ts) of that many threads, started for the batch and closed after it.
 */
export async function recoverSigners(
  pairs: readonly SignaturePair[],
  threads: number = recoveryThreads(pairs.length, signatureBackendName()),
): Promise<Array<string | null>> {
  if (threads <= 1) return inlineRecovery.recoverSigners(pairs);
  const pool = new SignaturePool({ threads, poolFrom: 1 });
  try {
    await pool.start();
    return await pool.recoverSigners(pairs);
  } finally {
    await pool.close();
  }
}

/** Fills in the signers of every call, through `recovery` when given (the audit's running pool), else {@link recoverSigners}. */
export async function recoverFundCallSigners(calls: readonly FundCall[], recovery?: SignatureRecovery): Promise<void> {
  const pairs: Array<readonly [string, string]> = [];
  for (const call of calls) {
    if (call.holderSignature !== "0x") pairs.push([call.requestDigest, call.holderSignature]);
    for (const signature of call.verifierSignatures) pairs.push([call.attestationDigest, signature]);
  }
  const signers = recovery === undefined ? await recoverSigners(pairs) : await recovery.recoverSigners(pairs);
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
