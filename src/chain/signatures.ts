import { getAddress, getBytes, hexlify, keccak256 } from "ethers";
import { secp256k1 as nobleSecp256k1 } from "@noble/curves/secp256k1";

/**
 * secp256k1 signatures of 32-byte digests (EIP-712 and personal-message digests alike): recover the signer, sign.
 *
 * Backed by libsecp256k1 through the prebuilt N-API binding the `secp256k1` package ships (`secp256k1/bindings`,
 * loaded by node-gyp-build from its `prebuilds/`; about 38 times faster than ethers' JavaScript recovery), with a
 * pure-JavaScript fallback (@noble/curves) used only when no binding loads or when `CHAINBILL_SIGNATURES=js`
 * asks for it. The choice is made once, on first use, and logged once on stderr.
 *
 * Recovery rejects exactly what OpenZeppelin's `ECDSA.tryRecover(bytes32, bytes)` rejects, which is what
 * Financing.sol applies (through `ECDSA.recover` and `SignatureChecker`): a length other than 65 bytes, `s` above
 * n/2 (malleable), `v` other than 27 or 28, and whatever `ecrecover` refuses (r or s zero or not below n, r not
 * the x of a curve point). ethers' `recoverAddress` is laxer (v 0/1, EIP-155 v, and s in (n/2, 2^255)) — what it recovers for
 * such a signature the contract would never accept, so verdicts built on it could disagree with the chain.
 */

/** Which implementation does the arithmetic. */
export type SignatureBackendName = "native" | "js";

/** One implementation of the two operations, on raw bytes; inputs are already validated. */
interface SignatureBackend {
  readonly name: SignatureBackendName;
  /** The uncompressed public key (65 bytes, 0x04 first) for compact `signature` (r‖s) and `recoveryId` (0/1); null when none. */
  recoverPublicKey(digest: Uint8Array, signature: Uint8Array, recoveryId: number): Uint8Array | null;
  /** A low-s RFC 6979 signature of `digest`: compact r‖s (64 bytes) and the recovery id. */
  sign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recoveryId: number };
}

/** The part of libsecp256k1's binding (secp256k1 v5, lib/index.js) used here. */
interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recoveryId: number, message: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}

/** secp256k1's group order n, and n / 2: the largest `s` OpenZeppelin's ECDSA accepts. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const SECP256K1_HALF_N = SECP256K1_N >> 1n;

function nativeBackend(binding: NativeSecp256k1): SignatureBackend {
  return {
    name: "native",
    recoverPublicKey(digest, signature, recoveryId) {
      try {
        return binding.ecdsaRecover(signature, recoveryId, digest, false);
      } catch {
        return null;
      }
    },
    sign(digest, privateKey) {
      const { signature, recid } = binding.ecdsaSign(digest, privateKey);
      return { signature, recoveryId: recid };
    },
  };
}

const jsBackend: SignatureBackend = {
  name: "js",
  recoverPublicKey(digest, signature, recoveryId) {
    try {
      return nobleSecp256k1.Signature.fromCompact(signature).addRecoveryBit(recoveryId).recoverPublicKey(digest).toRawBytes(false);
    } catch {
      return null;
    }
  },
  sign(digest, privateKey) {
    const signed = nobleSecp256k1.sign(digest, privateKey, { lowS: true });
    return { signature: signed.toCompactRawBytes(), recoveryId: signed.recovery };
  },
};

/** libsecp256k1's binding, or why it did not load. `secp256k1/bindings` never falls back to JavaScript itself. */
function loadNative(): SignatureBackend | Error {
  // In the dApp's browser bundle there is no `require` and no native code: the fallback does the work there.
  if (typeof require !== "function") return new Error("no native modules in this environment (a browser)");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return nativeBackend(require("secp256k1/bindings") as NativeSecp256k1);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

let active: SignatureBackend | undefined;

/**
 * Chooses the implementation: `"js"` forces the fallback, `"native"` requires the binding (throws when it does not
 * load), nothing means the environment's `CHAINBILL_SIGNATURES` (`js` or `native`), else the binding when it loads.
 * Called implicitly on first use; tests call it to compare both. Returns the name chosen.
 */
export function selectSignatureBackend(
  choice: SignatureBackendName | undefined = envChoice(),
  log: (line: string) => void = logOnce,
): SignatureBackendName {
  if (choice === "js") {
    active = jsBackend;
    log("signatures: pure-JavaScript fallback (@noble/curves), as CHAINBILL_SIGNATURES=js asks");
    return active.name;
  }
  const native = loadNative();
  if (native instanceof Error) {
    if (choice === "native") throw new Error(`signatures: libsecp256k1's binding does not load: ${native.message}`);
    active = jsBackend;
    log(
      `signatures: libsecp256k1's binding does not load (${native.message.split("\n")[0]}); using the pure-JavaScript fallback (@noble/curves), about 38 times slower`,
    );
    return active.name;
  }
  active = native;
  log("signatures: libsecp256k1 (native binding)");
  return active.name;
}

function envChoice(): SignatureBackendName | undefined {
  const value = typeof process === "undefined" ? undefined : process.env.CHAINBILL_SIGNATURES;
  if (value === undefined || value === "") return undefined;
  if (value === "js" || value === "native") return value;
  throw new Error(`CHAINBILL_SIGNATURES must be "js" or "native", not ${JSON.stringify(value)}`);
}

let logged = false;
function logOnce(line: string): void {
  if (logged || typeof process === "undefined" || process.env.CHAINBILL_SIGNATURES_QUIET === "1") return;
  logged = true;
  process.stderr.write(`${line}\n`);
}

function backend(): SignatureBackend {
  if (active === undefined) selectSignatureBackend();
  return active as SignatureBackend;
}

/** The implementation in use (chosen now if it was not yet). */
export function signatureBackendName(): SignatureBackendName {
  return backend().name;
}

const HEX = /^0x[0-9a-fA-F]*$/u;

/** Bytes of a 0x-prefixed hex string of even length (or the bytes themselves); null when it is neither. */
function bytesOf(value: string | Uint8Array): Uint8Array | null {
  if (typeof value !== "string") return value;
  if (value.length % 2 !== 0 || !HEX.test(value)) return null;
  // Buffer is Node's fast hex codec; the browser bundle has none and takes ethers' (the same bytes).
  return typeof Buffer === "undefined" ? getBytes(value) : Buffer.from(value.slice(2), "hex");
}

function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) if (bytes[i] !== 0) return false;
  return true;
}

function wordAt(bytes: Uint8Array, start: number): bigint {
  const word = bytes.subarray(start, start + 32);
  return BigInt(typeof Buffer === "undefined" ? hexlify(word) : `0x${Buffer.from(word.buffer, word.byteOffset, 32).toString("hex")}`);
}

/** Why OpenZeppelin's ECDSA refuses `signature` before any curve arithmetic; null when it passes those checks. */
export function signatureDefect(signature: Uint8Array): string | null {
  if (signature.length !== 65) return `a signature is 65 bytes, not ${signature.length}`;
  const v = signature[64];
  if (v !== 27 && v !== 28) return `v must be 27 or 28, not ${v}`;
  if (isZero(signature, 0, 32)) return "r is zero";
  if (isZero(signature, 32, 64)) return "s is zero";
  if (wordAt(signature, 0) >= SECP256K1_N) return "r is not below the group order";
  if (wordAt(signature, 32) > SECP256K1_HALF_N) return "s is in the upper half of the group order (malleable)";
  return null;
}

/** The lower-case address of an uncompressed public key. */
function addressOfPublicKey(publicKey: Uint8Array): string {
  return `0x${keccak256(publicKey.subarray(1)).slice(26)}`;
}

/**
 * Who signed `digest` (32 bytes) with `signature` (65 bytes r‖s‖v), lower case; null for everything
 * OpenZeppelin's ECDSA would refuse (see the module's comment) and for a digest that is not 32 bytes.
 */
export function recoverSigner(digest: string | Uint8Array, signature: string | Uint8Array): string | null {
  const digestBytes = bytesOf(digest);
  const signatureBytes = bytesOf(signature);
  if (digestBytes === null || digestBytes.length !== 32 || signatureBytes === null) return null;
  if (signatureDefect(signatureBytes) !== null) return null;
  const publicKey = backend().recoverPublicKey(digestBytes, signatureBytes.subarray(0, 64), signatureBytes[64] - 27);
  return publicKey === null ? null : addressOfPublicKey(publicKey);
}

/**
 * Whether {@link recoverSigner} would get as far as the curve arithmetic: `digest` is 32 bytes of hex and
 * `signature` passes every check OpenZeppelin's ECDSA makes before `ecrecover`. (The signature pool checks this on
 * the calling thread and sends its threads only what is left to compute.)
 */
export function recoverable(digest: string | Uint8Array, signature: string | Uint8Array): boolean {
  const digestBytes = bytesOf(digest);
  const signatureBytes = bytesOf(signature);
  return digestBytes !== null && digestBytes.length === 32 && signatureBytes !== null && signatureDefect(signatureBytes) === null;
}

/** Who signed `digest`, checksummed; throws with the reason when the signature is one the contracts refuse. */
export function recoverAddress(digest: string | Uint8Array, signature: string | Uint8Array): string {
  const signer = recoverSigner(digest, signature);
  if (signer !== null) return getAddress(signer);
  const signatureBytes = bytesOf(signature);
  const digestBytes = bytesOf(digest);
  if (digestBytes === null || digestBytes.length !== 32) throw new TypeError("the digest is not 32 bytes of hex");
  if (signatureBytes === null) throw new TypeError("the signature is not hex");
  throw new TypeError(`invalid signature: ${signatureDefect(signatureBytes) ?? "no public key recovers from it"}`);
}

/**
 * The 65-byte signature (hex, r‖s‖v with v 27/28, low s) of `digest` by `privateKey` (32 bytes, hex or bytes):
 * deterministic (RFC 6979), the same bytes ethers' `SigningKey.sign(digest).serialized` gives.
 */
export function signDigest(privateKey: string | Uint8Array, digest: string | Uint8Array): string {
  const keyBytes = bytesOf(privateKey);
  const digestBytes = bytesOf(digest);
  if (keyBytes === null || keyBytes.length !== 32) throw new TypeError("the private key is not 32 bytes of hex");
  if (digestBytes === null || digestBytes.length !== 32) throw new TypeError("the digest is not 32 bytes of hex");
  const { signature, recoveryId } = backend().sign(digestBytes, keyBytes);
  return `${typeof Buffer === "undefined" ? hexlify(signature) : `0x${Buffer.from(signature).toString("hex")}`}${(27 + recoveryId).toString(16)}`;
}

/** A local key that signs digests through this module (what the benchmarks' generators and the demo hold). */
export interface DigestSigner {
  readonly address: string;
  signDigest(digest: string): string;
}

/** A {@link DigestSigner} for `privateKey`; its address is checksummed. */
export function digestSigner(privateKey: string): DigestSigner {
  const keyBytes = bytesOf(privateKey);
  if (keyBytes === null || keyBytes.length !== 32) throw new TypeError("the private key is not 32 bytes of hex");
  const publicKey = nobleSecp256k1.getPublicKey(keyBytes, false);
  const address = getAddress(addressOfPublicKey(publicKey));
  return { address, signDigest: (digest) => signDigest(keyBytes, digest) };
}
