import { expect } from "chai";
import fc from "fast-check";
import { SigningKey, Wallet, id, recoverAddress as ethersRecoverAddress } from "ethers";
import { digestSigner, recoverAddress, recoverSigner, selectSignatureBackend, signDigest, signatureBackendName } from "../../src/chain/signatures";

/** The issue asks for at least 100,000; `npm run test:unit` sets fewer (CHAINBILL_SIGNATURE_PROPERTY_RUNS) for everyday work. */
const SIGNATURE_PROPERTY_RUNS = Number(process.env.CHAINBILL_SIGNATURE_PROPERTY_RUNS ?? 100_000);

/**
 * The signature module against ethers and against OpenZeppelin's ECDSA (5.3, `tryRecover(bytes32, bytes)`), which
 * Financing.sol applies. The reference below is written from ECDSA.sol and the ecrecover precompile, not from the
 * module: OpenZeppelin refuses first, and only what it lets through reaches ethers' curve arithmetic.
 */

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const OZ_MAX_S = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}
function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

/** What OpenZeppelin's ECDSA.tryRecover answers, lower case, null for any error; ethers does the point recovery. */
function openZeppelinReference(digest: string, signature: string): string | null {
  const bytes = Buffer.from(signature.slice(2), "hex");
  if (bytes.length !== 65) return null; // InvalidSignatureLength
  const r = BigInt(`0x${bytes.subarray(0, 32).toString("hex")}`);
  const s = BigInt(`0x${bytes.subarray(32, 64).toString("hex")}`);
  const v = bytes[64];
  if (s > OZ_MAX_S) return null; // InvalidSignatureS
  // ecrecover answers address(0) (InvalidSignature) for these.
  if (v !== 27 && v !== 28) return null;
  if (r === 0n || r >= N || s === 0n) return null;
  try {
    return ethersRecoverAddress(digest, signature).toLowerCase();
  } catch {
    return null; // r is not the x of a curve point
  }
}

interface Sample {
  digest: string;
  signature: string;
  signer: string;
}

/** A few hundred real signatures by a few keys, made with ethers and checked once with ethers. */
function realSignatures(count: number): Sample[] {
  const keys = Array.from({ length: 8 }, (_, index) => new SigningKey(id(`signatures test key ${index}`)));
  return Array.from({ length: count }, (_, index) => {
    const key = keys[index % keys.length];
    const digest = id(`signatures test digest ${index}`);
    return { digest, signature: key.sign(digest).serialized, signer: new Wallet(key).address.toLowerCase() };
  });
}

type Malformation =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "v"; v: number }
  | { kind: "r" | "s"; value: bigint }
  | { kind: "highS" }
  | { kind: "flipSignatureBit" | "flipDigestBit"; bit: number }
  | { kind: "random"; bytes: Uint8Array };

const R_EDGES = [0n, 1n, N - 1n, N, N + 1n, (1n << 256n) - 1n];
const S_EDGES = [0n, 1n, OZ_MAX_S, OZ_MAX_S + 1n, N - 1n, N, (1n << 256n) - 1n];
const anyWord = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });

// Cheap rejections make the bulk; the changes that reach the curve (none, a flipped bit, a random r or s) are rarer,
// since ethers' JavaScript recovery costs a couple of milliseconds each (the reference remembers its answers).
const malformation: fc.Arbitrary<Malformation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Malformation>({ kind: "none" }) },
  {
    weight: 40,
    arbitrary: fc
      .integer({ min: 0, max: 130 })
      .filter((length) => length !== 65)
      .map((length): Malformation => ({ kind: "length", length })),
  },
  { weight: 40, arbitrary: fc.integer({ min: 0, max: 255 }).map((v): Malformation => ({ kind: "v", v })) },
  { weight: 30, arbitrary: fc.constantFrom(...R_EDGES).map((value): Malformation => ({ kind: "r", value })) },
  { weight: 30, arbitrary: fc.constantFrom(...S_EDGES).map((value): Malformation => ({ kind: "s", value })) },
  { weight: 30, arbitrary: fc.constant<Malformation>({ kind: "highS" }) },
  { weight: 1, arbitrary: anyWord.map((value): Malformation => ({ kind: "r", value })) },
  { weight: 1, arbitrary: anyWord.map((value): Malformation => ({ kind: "s", value })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 519 }).map((bit): Malformation => ({ kind: "flipSignatureBit", bit })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((bit): Malformation => ({ kind: "flipDigestBit", bit })) },
  { weight: 22, arbitrary: fc.uint8Array({ minLength: 60, maxLength: 70 }).map((bytes): Malformation => ({ kind: "random", bytes })) },
);

function malformed(sample: Sample, change: Malformation): { digest: string; signature: string } {
  const bytes = Buffer.from(sample.signature.slice(2), "hex");
  const digest = Buffer.from(sample.digest.slice(2), "hex");
  switch (change.kind) {
    case "none":
      break;
    case "length": {
      const resized = Buffer.alloc(change.length, 0x1b);
      bytes.copy(resized, 0, 0, Math.min(65, change.length));
      return { digest: sample.digest, signature: hex(resized) };
    }
    case "v":
      bytes[64] = change.v;
      break;
    case "r":
      Buffer.from(word(change.value), "hex").copy(bytes, 0);
      break;
    case "s":
      Buffer.from(word(change.value), "hex").copy(bytes, 32);
      break;
    case "highS": {
      // The malleable twin: same signer for ecrecover, refused by OpenZeppelin, accepted by ethers.
      const s = BigInt(`0x${bytes.subarray(32, 64).toString("hex")}`);
      Buffer.from(word(N - s), "hex").copy(bytes, 32);
      bytes[64] = bytes[64] === 27 ? 28 : 27;
      break;
    }
    case "flipSignatureBit":
      bytes[change.bit >> 3] ^= 1 << (change.bit & 7);
      break;
    case "flipDigestBit":
      digest[change.bit >> 3] ^= 1 << (change.bit & 7);
      break;
    case "random":
      return { digest: sample.digest, signature: hex(change.bytes) };
  }
  return { digest: hex(digest), signature: hex(bytes) };
}

describe("signatures (src/chain/signatures.ts)", function () {
  const samples = realSignatures(300);
  const sample = fc.integer({ min: 0, max: samples.length - 1 }).map((index) => samples[index]);

  afterEach(function () {
    selectSignatureBackend(undefined, () => undefined);
  });

  it("signatures: libsecp256k1's prebuilt binding loads (not the elliptic JavaScript fallback)", function () {
    expect(selectSignatureBackend("native", () => undefined)).to.equal("native");
    expect(signatureBackendName()).to.equal("native");
  });

  it("signatures: CHAINBILL_SIGNATURES=js forces the pure-JavaScript fallback, and says so", function () {
    const before = process.env.CHAINBILL_SIGNATURES;
    const lines: string[] = [];
    process.env.CHAINBILL_SIGNATURES = "js";
    try {
      expect(selectSignatureBackend(undefined, (line) => lines.push(line))).to.equal("js");
    } finally {
      if (before === undefined) delete process.env.CHAINBILL_SIGNATURES;
      else process.env.CHAINBILL_SIGNATURES = before;
    }
    expect(lines.join("\n")).to.match(/fallback/u);
    process.env.CHAINBILL_SIGNATURES = "rsa";
    try {
      expect(() => selectSignatureBackend(undefined, () => undefined)).to.throw(/CHAINBILL_SIGNATURES/u);
    } finally {
      if (before === undefined) delete process.env.CHAINBILL_SIGNATURES;
      else process.env.CHAINBILL_SIGNATURES = before;
    }
  });

  for (const backend of ["native", "js"] as const) {
    describe(`with the ${backend} implementation`, function () {
      beforeEach(function () {
        selectSignatureBackend(backend, () => undefined);
      });

      it("signatures: recovers the signer of real signatures like ethers", function () {
        for (const { digest, signature, signer } of samples.slice(0, 40)) {
          expect(recoverSigner(digest, signature)).to.equal(signer);
          expect(recoverAddress(digest, signature)).to.equal(ethersRecoverAddress(digest, signature));
        }
      });

      it("signatures: rejects high-s like OpenZeppelin's ECDSA (the malleable twin ecrecover alone would take)", function () {
        const { digest, signature, signer } = samples[0];
        const twin = malformed(samples[0], { kind: "highS" }).signature;
        expect(recoverSigner(digest, twin)).to.equal(null);
        expect(() => recoverAddress(digest, twin)).to.throw(/upper half/u);
        expect(recoverSigner(digest, signature)).to.equal(signer);
      });

      it("signatures: rejects v other than 27 or 28 like OpenZeppelin's ECDSA (ethers takes 0 and 1)", function () {
        const { digest, signer } = samples[1];
        for (const v of [0, 1, 2, 26, 29, 35, 36, 255]) {
          const signature = malformed(samples[1], { kind: "v", v }).signature;
          expect(recoverSigner(digest, signature), `v ${v}`).to.equal(null);
        }
        expect(
          ethersRecoverAddress(digest, malformed(samples[1], { kind: "v", v: samples[1].signature.endsWith("1b") ? 0 : 1 }).signature).toLowerCase(),
        ).to.equal(signer);
      });

      it("signatures: rejects zero r or s, r at or above the group order, and a length other than 65", function () {
        for (const change of [
          { kind: "r", value: 0n },
          { kind: "s", value: 0n },
          { kind: "r", value: N },
          { kind: "s", value: N },
          { kind: "length", length: 64 },
          { kind: "length", length: 66 },
          { kind: "length", length: 0 },
        ] as const) {
          const { digest, signature } = malformed(samples[2], change);
          expect(
            recoverSigner(digest, signature),
            JSON.stringify(change, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value)),
          ).to.equal(null);
        }
        expect(recoverSigner(samples[2].digest, "0xzz")).to.equal(null);
        expect(recoverSigner("0x1234", samples[2].signature)).to.equal(null);
      });

      it("signatures: signs the same bytes as ethers (RFC 6979, low s, v 27/28)", function () {
        const key = new SigningKey(id("signatures test signer"));
        const signer = digestSigner(key.privateKey);
        expect(signer.address).to.equal(new Wallet(key).address);
        for (let index = 0; index < 20; index += 1) {
          const digest = id(`to sign ${index}`);
          expect(signDigest(key.privateKey, digest)).to.equal(key.sign(digest).serialized);
          expect(signer.signDigest(digest)).to.equal(key.sign(digest).serialized);
        }
      });
    });
  }

  it("signatures: 100,000 random and malformed signatures recover exactly as OpenZeppelin's ECDSA over ethers does", function () {
    selectSignatureBackend("native", () => undefined);
    let reachedCurve = 0;
    const remembered = new Map<string, string | null>();
    fc.assert(
      fc.property(sample, malformation, (base, change) => {
        const { digest, signature } = malformed(base, change);
        const key = `${digest}${signature}`;
        let expected = change.kind === "none" ? base.signer : remembered.get(key);
        if (expected === undefined) {
          expected = openZeppelinReference(digest, signature);
          remembered.set(key, expected);
        }
        const recovered = recoverSigner(digest, signature);
        if (recovered !== null) reachedCurve += 1;
        expect(recovered, `${change.kind} ${digest} ${signature}`).to.equal(expected);
      }),
      { numRuns: SIGNATURE_PROPERTY_RUNS },
    );
    expect(reachedCurve).to.be.greaterThan(SIGNATURE_PROPERTY_RUNS / 100);
  });

  it("signatures: the JavaScript fallback answers as libsecp256k1 on 5,000 random and malformed signatures", function () {
    fc.assert(
      fc.property(sample, malformation, (base, change) => {
        const { digest, signature } = malformed(base, change);
        selectSignatureBackend("native", () => undefined);
        const native = recoverSigner(digest, signature);
        selectSignatureBackend("js", () => undefined);
        expect(recoverSigner(digest, signature)).to.equal(native);
      }),
      { numRuns: 5_000 },
    );
  });
});
