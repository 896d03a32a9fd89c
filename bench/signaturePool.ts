import { performance } from "node:perf_hooks";
import { Wallet, id } from "ethers";
import { SignaturePool } from "../src/chain/signaturePool";
import type { SignaturePair } from "../src/chain/signaturePool";
import { recoverSigner, selectSignatureBackend, signDigest, signatureBackendName } from "../src/chain/signatures";
import type { SignatureBackendName } from "../src/chain/signatures";

/**
 * Where the signature pool pays (issue 20 item 2): for batches of 1 to 64 signatures, the median time to recover a
 * batch inline (on this thread) and through a started pool (the hop to a thread and back included), with each
 * implementation. A batch pays for the hop from the size where the pool is no slower than inline: from there on
 * the event loop is freed at no cost in latency.
 */

export interface HopRow {
  size: number;
  inlineMs: number;
  pooledMs: number;
}

export interface HopMeasurement {
  backend: SignatureBackendName;
  threads: number;
  /** Milliseconds per recovery inline (median of the batches of the largest size, divided by it). */
  perRecoveryMs: number;
  /** Pooled minus inline for one signature: the hop's own cost. */
  hopMs: number;
  rows: HopRow[];
  /** The smallest batch no slower through the pool than inline (Infinity: none measured). */
  paysFrom: number;
  threshold: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function batchOf(size: number): SignaturePair[] {
  const key = new Wallet(id("bench pool key"));
  return Array.from({ length: size }, (_, index) => {
    const digest = id(`bench pool digest ${index}`);
    return [digest, signDigest(key.privateKey, digest)] as const;
  });
}

/** Measures with `backend` (the module's choice is restored after). */
export async function measureHop(backend: SignatureBackendName, sizes: readonly number[], rounds: number): Promise<HopMeasurement> {
  const before = signatureBackendName();
  selectSignatureBackend(backend, () => undefined);
  const pool = new SignaturePool({ poolFrom: 1 });
  try {
    await pool.start();
    const rows: HopRow[] = [];
    for (const size of sizes) {
      const batch = batchOf(size);
      const inline: number[] = [];
      const pooled: number[] = [];
      for (let round = 0; round < rounds; round += 1) {
        let started = performance.now();
        for (const [digest, signature] of batch) recoverSigner(digest, signature);
        inline.push(performance.now() - started);
        started = performance.now();
        await pool.recoverSigners(batch);
        pooled.push(performance.now() - started);
      }
      rows.push({ size, inlineMs: median(inline), pooledMs: median(pooled) });
    }
    const largest = rows[rows.length - 1];
    const one = rows.find((row) => row.size === 1) ?? rows[0];
    const paying = rows.find((row) => row.pooledMs <= row.inlineMs);
    // The first size that pays and every larger one keeps paying.
    const steady = rows.findIndex((row, index) => rows.slice(index).every((later) => later.pooledMs <= later.inlineMs));
    return {
      backend,
      threads: pool.stats().threads,
      perRecoveryMs: largest.inlineMs / largest.size,
      hopMs: one.pooledMs - one.inlineMs,
      rows,
      paysFrom: steady === -1 ? (paying?.size ?? Number.POSITIVE_INFINITY) : rows[steady].size,
      threshold: new SignaturePool().threshold,
    };
  } finally {
    await pool.close();
    selectSignatureBackend(before, () => undefined);
  }
}
