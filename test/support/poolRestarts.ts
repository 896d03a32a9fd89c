import { Wallet, id } from "ethers";
import { SignaturePool } from "../../src/chain/signaturePool";
import { recoverSigner, selectSignatureBackend, signDigest } from "../../src/chain/signatures";

/**
 * A child process for test/chain/signaturePool.test.ts: makes, uses and closes a native signature pool many times in
 * one process, so that libsecp256k1's binding is loaded in thread after thread while earlier ones have ended. A
 * binding that keeps per-thread state in a process-wide static (secp256k1 4.x did) frees memory of a thread already
 * gone and aborts the process here; the parent sees the exit status. Prints one JSON line when every round agreed.
 */
async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? "20");
  selectSignatureBackend("native", () => undefined);
  const key = new Wallet(id("pool restarts"));
  const pairs = Array.from({ length: 4 }, (_, index) => {
    const digest = id(`restart digest ${index}`);
    return [digest, signDigest(key.privateKey, digest)] as const;
  });
  const expected = pairs.map(([digest, signature]) => recoverSigner(digest, signature));
  let pooled = 0;
  for (let round = 0; round < rounds; round += 1) {
    const pool = new SignaturePool({ threads: 2, poolFrom: 1 });
    await pool.start();
    const signers = await pool.recoverSigners(pairs);
    if (JSON.stringify(signers) !== JSON.stringify(expected)) throw new Error(`round ${round}: the threads recovered ${JSON.stringify(signers)}`);
    pooled += pool.stats().pooledBatches;
    await pool.close();
  }
  process.stdout.write(`${JSON.stringify({ rounds, pooled, signer: expected[0] })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
