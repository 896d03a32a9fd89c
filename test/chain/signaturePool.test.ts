import { expect } from "chai";
import { Wallet, id } from "ethers";
import { POOL_FROM, SignaturePool, inlineRecovery } from "../../src/chain/signaturePool";
import type { SignaturePair } from "../../src/chain/signaturePool";
import { runCommand } from "../support/command";
import { SECP256K1_N, recoverSigner, recoverable, selectSignatureBackend, signDigest, signatureBackendName } from "../../src/chain/signatures";

/**
 * The signature pool (issue 20 item 2): batches large enough go to worker threads and come back with exactly the
 * signers the signature module recovers inline, malformed signatures as null, with libsecp256k1 and with the
 * JavaScript fallback; small batches stay inline; closed, the pool has no thread left and still answers (inline).
 */

function hex(value: bigint, bytes: number): string {
  return value.toString(16).padStart(bytes * 2, "0");
}

/** Genuine signatures by three keys over distinct digests, each followed by malformed variants of itself. */
function pairs(count: number): SignaturePair[] {
  const keys = Array.from({ length: 3 }, (_, index) => new Wallet(id(`pool key ${index}`)));
  const out: SignaturePair[] = [];
  for (let k = 0; k < count; k += 1) {
    const digest = id(`pool digest ${k}`);
    const signature = signDigest(keys[k % 3].privateKey, digest);
    const body = signature.slice(2, 130);
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    out.push(
      [digest, signature],
      // v 0/1, high s (the malleable twin), r zero, r at the group order, a short one, a digest that is not 32 bytes,
      // and a flipped bit (recovers to somebody else).
      [digest, `0x${body}${(Number.parseInt(signature.slice(130), 16) - 27).toString(16).padStart(2, "0")}`],
      [digest, `0x${signature.slice(2, 66)}${hex(SECP256K1_N - s, 32)}${signature.slice(130) === "1b" ? "1c" : "1b"}`],
      [digest, `0x${"00".repeat(32)}${signature.slice(66)}`],
      [digest, `0x${hex(SECP256K1_N, 32)}${signature.slice(66)}`],
      [digest, signature.slice(0, -2)],
      [digest.slice(0, -2), signature],
      [digest, `0x${(BigInt(`0x${signature.slice(2, 4)}`) ^ 1n).toString(16).padStart(2, "0")}${signature.slice(4)}`],
    );
  }
  return out;
}

describe("signature pool: recovery off the calling thread (issue 20)", function () {
  const pools: SignaturePool[] = [];
  afterEach(async function () {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
    selectSignatureBackend(undefined, () => undefined);
  });

  for (const backend of ["native", "js"] as const) {
    it(`signatures: a large batch goes through the threads and gives the inline answers (${backend})`, async function () {
      selectSignatureBackend(backend, () => undefined);
      const batch = pairs(backend === "native" ? 150 : 12);
      const expected = batch.map(([digest, signature]) => recoverSigner(digest, signature));
      expect(expected.filter((signer) => signer !== null).length).to.be.greaterThan(0);
      expect(expected.filter((signer) => signer === null).length).to.be.greaterThan(0);
      const pool = new SignaturePool({ threads: 2 });
      pools.push(pool);
      expect(pool.backendName).to.equal(backend);
      await pool.start();
      expect(pool.stats().threads).to.equal(2);
      expect(await pool.recoverSigners(batch)).to.deep.equal(expected);
      expect(await inlineRecovery.recoverSigners(batch)).to.deep.equal(expected);
      const stats = pool.stats();
      expect(stats.pooledBatches).to.equal(1);
      // The threads compute only what passes the up-front checks; the rest is null on the calling thread.
      expect(stats.pooledSignatures).to.equal(batch.filter(([digest, signature]) => recoverable(digest, signature)).length);
      expect(stats.pooledSignatures).to.be.lessThan(batch.length);
      expect(stats.inlineBatches).to.equal(0);
    });
  }

  it("signatures: a batch below the threshold stays on the calling thread; one at it goes to the threads", async function () {
    const pool = new SignaturePool({ threads: 2 });
    pools.push(pool);
    await pool.start();
    const threshold = POOL_FROM[signatureBackendName()];
    expect(pool.threshold).to.equal(threshold);
    const genuine = pairs(threshold).filter((_, index) => index % 8 === 0);
    const expected = genuine.map(([digest, signature]) => recoverSigner(digest, signature));
    expect(await pool.recoverSigners(genuine.slice(0, threshold - 1))).to.deep.equal(expected.slice(0, threshold - 1));
    expect(pool.stats()).to.include({ inlineBatches: 1, pooledBatches: 0 });
    expect(await pool.recoverSigners(genuine)).to.deep.equal(expected);
    expect(pool.stats()).to.include({ inlineBatches: 1, pooledBatches: 1, pooledSignatures: threshold });
  });

  it("signatures: before its threads are up a pool answers inline and starts them; closed, it has no thread and still answers", async function () {
    const pool = new SignaturePool({ threads: 2, poolFrom: 1 });
    pools.push(pool);
    const batch = pairs(4);
    const expected = batch.map(([digest, signature]) => recoverSigner(digest, signature));
    expect(await pool.recoverSigners(batch)).to.deep.equal(expected);
    expect(pool.stats()).to.include({ inlineBatches: 1, pooledBatches: 0 });
    await pool.start();
    expect(pool.stats().threads).to.equal(2);
    await pool.close();
    expect(pool.stats()).to.include({ threads: 0, closed: true });
    expect(await pool.recoverSigners(batch)).to.deep.equal(expected);
    expect(pool.stats()).to.include({ inlineBatches: 2, pooledBatches: 0 });
    await pool.start();
    expect(pool.stats().threads).to.equal(0);
  });

  it("signatures: native threads made and ended 20 times in one process leave it running (secp256k1 5.x keeps its state per thread)", async function () {
    this.timeout(60_000);
    // In a child process: a binding that frees another thread's state aborts the whole process, not just a test.
    const run = await runCommand("test/support/poolRestarts.ts", ["20"]);
    expect(run.status, run.stderr).to.equal(0);
    const outcome = JSON.parse(run.stdout.trim()) as { rounds: number; pooled: number; signer: string };
    expect(outcome).to.deep.equal({ rounds: 20, pooled: 20, signer: new Wallet(id("pool restarts")).address.toLowerCase() });
  });
});
