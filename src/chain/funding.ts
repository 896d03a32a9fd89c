import { BaseWallet, TypedDataEncoder, getAddress, keccak256, toUtf8Bytes } from "ethers";
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import { addressProblem, checksumAddress } from "./checksum";
import { recoverAddress, signDigest } from "./signatures";

/**
 * EIP-712 messages of the Financing contract (contracts/finance/Financing.sol): the holder's funding request and
 * the verifiers' funding attestation. The type definitions below must stay field for field, in order, what the
 * contract's `_REQUEST_TYPEHASH` and `_ATTESTATION_TYPEHASH` hash; {@link FUNDING_REQUEST_TYPE_STRING} and
 * {@link FUNDING_ATTESTATION_TYPE_STRING} are those Solidity strings verbatim, and the tests compare the digests
 * computed here with the contract's `requestDigest` and `attestationDigest`.
 */

/** The EIP-712 domain name and version the Financing contract is deployed with. */
export const FINANCING_DOMAIN_NAME = "Chainbill Financing";
export const FINANCING_DOMAIN_VERSION = "1";

/** The EIP-712 domain of one Financing deployment: a signature for one chain or contract is worthless on another. */
export interface FinancingDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

/** The domain of the Financing contract at `verifyingContract` on chain `chainId`. */
export function financingDomain(chainId: bigint | number, verifyingContract: string): FinancingDomain {
  return {
    name: FINANCING_DOMAIN_NAME,
    version: FINANCING_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract: checksumAddress(verifyingContract),
  };
}

/** What a holder consents to: sell `value` of piece `tokenId` to `factor` for at least `minPrice`, until `deadline`. */
export interface FundingRequest {
  tokenId: bigint;
  /** Minor units of the piece sold; less than the piece's value for a partial funding. */
  value: bigint;
  /** The lowest price, in SettlementToken minor units, the holder accepts. */
  minPrice: bigint;
  factor: string;
  /**
   * The holder's choice: whether the factor may record recourse against the holder (the seller) if the anchor
   * does not pay. The attestation must carry the same; the contract refuses a funding where they differ.
   */
  withRecourse: boolean;
  /** Unix seconds; the request is refused after it. */
  deadline: bigint;
  /** One of the holder's unordered nonces: bit `nonce % 256` of word `nonce / 256`. */
  nonce: bigint;
}

/** What the verifiers attest; its EIP-712 digest is the funding's id. */
export interface FundingAttestation {
  tokenId: bigint;
  holder: string;
  factor: string;
  value: bigint;
  /** SettlementToken minor units the factor pays the holder. */
  price: bigint;
  invoiceHash: string;
  logisticsHash: string;
  tradeProofHash: string;
  withRecourse: boolean;
  /** Unix seconds; the attestation is refused after it. */
  deadline: bigint;
  nonce: bigint;
}

/** `FundingRequest(...)` exactly as Financing.sol's `_REQUEST_TYPEHASH` hashes it. */
export const FUNDING_REQUEST_TYPE_STRING =
  "FundingRequest(uint256 tokenId,uint256 value,uint256 minPrice,address factor,bool withRecourse,uint256 deadline,uint256 nonce)";

/** `FundingAttestation(...)` exactly as Financing.sol's `_ATTESTATION_TYPEHASH` hashes it. */
export const FUNDING_ATTESTATION_TYPE_STRING =
  "FundingAttestation(uint256 tokenId,address holder,address factor,uint256 value,uint256 price,bytes32 invoiceHash," +
  "bytes32 logisticsHash,bytes32 tradeProofHash,bool withRecourse,uint256 deadline,uint256 nonce)";

/** EIP-712 types of the holder's request, for `signTypedData` and `TypedDataEncoder`. */
export const FUNDING_REQUEST_TYPES: Readonly<Record<"FundingRequest", readonly TypedDataField[]>> = {
  FundingRequest: [
    { name: "tokenId", type: "uint256" },
    { name: "value", type: "uint256" },
    { name: "minPrice", type: "uint256" },
    { name: "factor", type: "address" },
    { name: "withRecourse", type: "bool" },
    { name: "deadline", type: "uint256" },
    { name: "nonce", type: "uint256" },
  ],
};

/** EIP-712 types of the verifiers' attestation, for `signTypedData` and `TypedDataEncoder`. */
export const FUNDING_ATTESTATION_TYPES: Readonly<Record<"FundingAttestation", readonly TypedDataField[]>> = {
  FundingAttestation: [
    { name: "tokenId", type: "uint256" },
    { name: "holder", type: "address" },
    { name: "factor", type: "address" },
    { name: "value", type: "uint256" },
    { name: "price", type: "uint256" },
    { name: "invoiceHash", type: "bytes32" },
    { name: "logisticsHash", type: "bytes32" },
    { name: "tradeProofHash", type: "bytes32" },
    { name: "withRecourse", type: "bool" },
    { name: "deadline", type: "uint256" },
    { name: "nonce", type: "uint256" },
  ],
};

/** Anything that signs EIP-712 typed data (an ethers Wallet, a JSON-RPC signer, a Hardhat signer). */
export type TypedDataSigner = Pick<Signer, "signTypedData">;

/** A signature together with the address that made it. */
export interface SignerSignature {
  signer: string;
  signature: string;
}

// ethers takes mutable arrays and a plain record: copy the frozen definitions rather than casting them.
function mutableTypes<K extends string>(types: Readonly<Record<K, readonly TypedDataField[]>>): Record<string, TypedDataField[]> {
  const copy: Record<string, TypedDataField[]> = {};
  for (const [name, fields] of Object.entries<readonly TypedDataField[]>(types)) {
    copy[name] = fields.map((field) => ({ name: field.name, type: field.type }));
  }
  return copy;
}

function typedDataDomain(domain: FinancingDomain): TypedDataDomain {
  return { name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract };
}

function requestValue(request: FundingRequest): Record<string, string | bigint | boolean> {
  return {
    tokenId: request.tokenId,
    value: request.value,
    minPrice: request.minPrice,
    factor: getAddress(request.factor),
    withRecourse: request.withRecourse,
    deadline: request.deadline,
    nonce: request.nonce,
  };
}

function attestationValue(attestation: FundingAttestation): Record<string, string | bigint | boolean> {
  return {
    tokenId: attestation.tokenId,
    holder: getAddress(attestation.holder),
    factor: getAddress(attestation.factor),
    value: attestation.value,
    price: attestation.price,
    invoiceHash: attestation.invoiceHash,
    logisticsHash: attestation.logisticsHash,
    tradeProofHash: attestation.tradeProofHash,
    withRecourse: attestation.withRecourse,
    deadline: attestation.deadline,
    nonce: attestation.nonce,
  };
}

/** The holder's EIP-712 signature of `request` (65 bytes, hex). */
export async function signFundingRequest(signer: TypedDataSigner, domain: FinancingDomain, request: FundingRequest): Promise<string> {
  // A local key signs the digest through the signature module (libsecp256k1): the same bytes, many times faster.
  if (signer instanceof BaseWallet) return signDigest(signer.signingKey.privateKey, fundingRequestDigest(domain, request));
  return signer.signTypedData(typedDataDomain(domain), mutableTypes(FUNDING_REQUEST_TYPES), requestValue(request));
}

/**
 * A verifier's EIP-712 signature of `attestation` (65 bytes, hex). A local key (an ethers Wallet) signs the digest
 * computed here directly, the same signature `signTypedData` would give without hashing the message twice.
 */
export async function signFundingAttestation(
  signer: TypedDataSigner,
  domain: FinancingDomain,
  attestation: FundingAttestation,
  /** The attestation's digest when the caller has it already (it is also the funding's id). */
  digest: string = fundingAttestationDigest(domain, attestation),
): Promise<string> {
  if (signer instanceof BaseWallet) return signDigest(signer.signingKey.privateKey, digest);
  return signer.signTypedData(typedDataDomain(domain), mutableTypes(FUNDING_ATTESTATION_TYPES), attestationValue(attestation));
}

// The two digests are computed from the type strings directly (the struct is a fixed list of words) with the
// domain separator remembered per deployment: several times cheaper than the generic typed-data encoder, which a
// verifier under load pays on every check. Tests compare both digests with the contract's own.
const REQUEST_TYPEHASH = keccak256(toUtf8Bytes(FUNDING_REQUEST_TYPE_STRING)).slice(2);
const ATTESTATION_TYPEHASH = keccak256(toUtf8Bytes(FUNDING_ATTESTATION_TYPE_STRING)).slice(2);

// One 32-byte word of a struct's encoding each, as 64 hex digits without "0x": the words of a struct are joined and
// turned into bytes once, then hashed with @noble/hashes' keccak (what ethers' keccak256 calls), instead of each word
// going through ethers' byte conversions. Under load these digests are part of every funding check.
const MAX_UINT256 = (1n << 256n) - 1n;
const HEX_WORD = /^0x[0-9a-fA-F]{64}$/u;
function uintWord(value: bigint): string {
  if (value < 0n || value > MAX_UINT256) throw new RangeError(`${value} does not fit a uint256`);
  return value.toString(16).padStart(64, "0");
}
function addressWord(address: string): string {
  // A mixed-case address carries an EIP-55 checksum, which must hold (a keccak, remembered per address).
  const problem = addressProblem(address);
  if (problem === "shape") throw new TypeError(`${String(address)} is not an address`);
  if (problem === "checksum") throw new TypeError(`${address} has a wrong checksum`);
  return `000000000000000000000000${address.slice(2).toLowerCase()}`;
}
function bytes32Word(value: string): string {
  if (typeof value !== "string" || !HEX_WORD.test(value)) throw new TypeError(`${String(value)} is not 32 bytes`);
  return value.slice(2);
}
const separators = new Map<string, string>();

function domainSeparator(domain: FinancingDomain): string {
  const key = `${domain.name}|${domain.version}|${domain.chainId}|${domain.verifyingContract.toLowerCase()}`;
  let separator = separators.get(key);
  if (separator === undefined) {
    separator = TypedDataEncoder.hashDomain(typedDataDomain(domain)).slice(2);
    separators.set(key, separator);
  }
  return separator;
}

/** keccak256 of the bytes that `hexDigits` (no "0x") spell. */
function keccakHex(hexDigits: string): string {
  return bytesToHex(keccak_256(hexToBytes(hexDigits)));
}

/** The EIP-712 digest of a struct whose encoding is `words` (its type hash first). */
function digestOf(domain: FinancingDomain, words: readonly string[]): string {
  return `0x${keccakHex(`1901${domainSeparator(domain)}${keccakHex(words.join(""))}`)}`;
}

/** The digest the holder signs; what `Financing.requestDigest` returns. */
export function fundingRequestDigest(domain: FinancingDomain, request: FundingRequest): string {
  const words = [
    REQUEST_TYPEHASH,
    uintWord(request.tokenId),
    uintWord(request.value),
    uintWord(request.minPrice),
    addressWord(request.factor),
    uintWord(request.withRecourse ? 1n : 0n),
    uintWord(request.deadline),
    uintWord(request.nonce),
  ];
  return digestOf(domain, words);
}

/** The digest verifiers sign, which is also the funding's id; what `Financing.attestationDigest` returns. */
export function fundingAttestationDigest(domain: FinancingDomain, attestation: FundingAttestation): string {
  const a = attestation;
  const words = [
    ATTESTATION_TYPEHASH,
    uintWord(a.tokenId),
    addressWord(a.holder),
    addressWord(a.factor),
    uintWord(a.value),
    uintWord(a.price),
    bytes32Word(a.invoiceHash),
    bytes32Word(a.logisticsHash),
    bytes32Word(a.tradeProofHash),
    uintWord(a.withRecourse ? 1n : 0n),
    uintWord(a.deadline),
    uintWord(a.nonce),
  ];
  return digestOf(domain, words);
}

/**
 * The address a request signature recovers to under `domain` (checksummed), through the signature module: throws
 * for a signature Financing's OpenZeppelin ECDSA refuses (high s, v not 27/28, ...), which ethers would take.
 */
export function recoverFundingRequestSigner(domain: FinancingDomain, request: FundingRequest, signature: string): string {
  return recoverAddress(fundingRequestDigest(domain, request), signature);
}

/**
 * The address an attestation signature recovers to under `domain` (checksummed). A signature made under another
 * domain (chain, contract) recovers to some unrelated address, which is what the contract then reports.
 */
export function recoverFundingAttestationSigner(domain: FinancingDomain, attestation: FundingAttestation, signature: string): string {
  return recoverAddress(fundingAttestationDigest(domain, attestation), signature);
}

/**
 * The signatures in the order Financing requires: by signer address, ascending as uint160 (so case does not
 * matter). Refuses the same signer twice, which the contract would refuse too.
 */
export function sortSignaturesBySigner(signatures: readonly SignerSignature[]): string[] {
  const keyed = signatures.map(({ signer, signature }) => ({ key: BigInt(getAddress(signer)), signature }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 1; i < keyed.length; i += 1) {
    if (keyed[i].key === keyed[i - 1].key) {
      throw new Error(`two signatures by ${getAddress(`0x${keyed[i].key.toString(16).padStart(40, "0")}`)}`);
    }
  }
  return keyed.map(({ signature }) => signature);
}

/**
 * Every signer's attestation signature, ordered as `fund` expects. Each signer must expose its address (an ethers
 * Signer does).
 */
export async function signFundingAttestationBy(
  signers: ReadonlyArray<TypedDataSigner & Pick<Signer, "getAddress">>,
  domain: FinancingDomain,
  attestation: FundingAttestation,
): Promise<string[]> {
  const signed = await Promise.all(
    signers.map(async (signer) => ({ signer: await signer.getAddress(), signature: await signFundingAttestation(signer, domain, attestation) })),
  );
  return sortSignaturesBySigner(signed);
}
