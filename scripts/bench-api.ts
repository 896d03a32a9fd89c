import { performance } from "node:perf_hooks";
import hre from "hardhat";
import autocannon from "autocannon";
import { Wallet, id, recoverAddress } from "ethers";
import { financingDomain, fundingRequestDigest, signFundingRequest } from "../src/chain/funding";
import { recoverSigner, signatureBackendName } from "../src/chain/signatures";
import type { FundingRequest } from "../src/chain/funding";
import { Role, roleMask } from "../src/chain/roles";
import { documentSignatures } from "../src/proofs/documents";
import { invoiceProofToWire } from "../src/proofs/invoice";
import { logisticsProofToWire } from "../src/proofs/logistics";
import { DAY, YEAR, latestTimestamp } from "../test/helpers/consortium";
import { confirmDocumented, transferDocumented } from "../test/helpers/trades";
import type { Trade } from "../test/helpers/trades";
import { call, signIn, startApi } from "../test/api/harness";
import { pacedLoad } from "./bench/pacedLoad";

/**
 * `npm run bench:api`: funding checks over HTTP on loopback against the in-process chain, for a piece three
 * transfers deep (four lineage steps, eight documents). Two bounded phases, then a bare loop of signature
 * recoveries in the same process as the baseline:
 *   1. a steady 100 checks/s (one every 10 ms, open loop, each timed from when it was due): p50/p99 latency
 *      (target p99 < 50 ms);
 *   2. as fast as the API answers: checks per second (target at least half the bare-loop bound);
 *   3. the bare loop: as many recoveries of the holder's request signature (the one signature every check must
 *      recover afresh) as checks were answered in phase 2, timed.
 * CHAINBILL_BENCH_API_SECONDS sets each phase's length (default 6; phases are bounded, the whole run stays < 30 s).
 */

const PHASE_SECONDS = Math.min(10, Math.max(1, Number(process.env.CHAINBILL_BENCH_API_SECONDS ?? 6)));
const FIXED_RATE = 100;

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(46)} ${value}\n`);
}

async function main(): Promise<void> {
  const started = performance.now();
  // The verifier signs with a local key, as `npm run api` does (a keystore or environment key), not through a node.
  const verifierKey = Wallet.createRandom();
  const api = await startApi({ verifierSigner: verifierKey });
  try {
    const { c } = api;
    await (await c.registry.admit(id("BENCH-VERIFIER"), verifierKey.address, roleMask(Role.VERIFIER), (await latestTimestamp()) + YEAR)).wait();
    // A fourth tier of supplier, so the piece can be three transfers from its confirmation.
    const tier4 = c.outsiders[0];
    const tier4Lei = id("TIER4-QUARTZ");
    await (await c.registry.admit(tier4Lei, tier4.address, roleMask(Role.SUPPLIER), (await latestTimestamp()) + YEAR)).wait();
    c.memberIds.set(tier4.address, Number(await c.registry.memberIdOf(tier4.address)));
    c.leiHashes.set(tier4.address, tier4Lei);

    const root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 100_000_000n });
    const first = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier2, value: 60_000_000n });
    const second = await transferDocumented(c, { fromTokenId: first.tokenId, from: c.tier2, to: c.tier3, value: 30_000_000n });
    const third = await transferDocumented(c, { fromTokenId: second.tokenId, from: c.tier3, to: tier4, value: 10_000_000n });
    const trades: Array<[typeof c.tier1, Trade]> = [
      [c.tier1, root.trade],
      [c.tier2, first.trade],
      [c.tier3, second.trade],
      [tier4, third.trade],
    ];
    for (const [seller, trade] of trades) {
      const token = await signIn(api.url, seller);
      await call(api.url, "POST", "/v1/documents/invoices", { token, json: invoiceProofToWire(trade.invoice) });
      await call(api.url, "POST", "/v1/documents/logistics", { token, json: logisticsProofToWire(trade.logistics) });
    }
    const documentSignatureCount = trades.reduce(
      (sum, [, trade]) =>
        sum +
        documentSignatures({ kind: "invoice", hash: trade.invoiceHash, proof: trade.invoice }, api.chainId).length +
        documentSignatures({ kind: "logistics", hash: trade.logisticsHash, proof: trade.logistics }, api.chainId).length,
      0,
    );

    const domain = financingDomain(api.chainId, await c.financing.getAddress());
    const request: FundingRequest = { tokenId: third.tokenId, value: 10_000_000n, minPrice: 9_500_000n, factor: c.factor.address, withRecourse: false, deadline: (await latestTimestamp()) + 30n * DAY, nonce: 1n };
    const holderSignature = await signFundingRequest(tier4, domain, request);
    const body = JSON.stringify({
      request: Object.fromEntries(Object.entries(request).map(([key, value]) => [key, typeof value === "boolean" ? value : String(value)])),
      holderSignature,
      price: "9700000",
    });
    const factorToken = await signIn(api.url, c.factor);
    const target = { url: `${api.url}/v1/tokens/${third.tokenId}/funding-checks`, method: "POST" as const, headers: { "content-type": "application/json", authorization: `Bearer ${factorToken}` }, body };

    const probe = await call(api.url, "POST", `/v1/tokens/${third.tokenId}/funding-checks`, { token: factorToken, raw: body });
    if (probe.status !== 200) throw new Error(`the benchmark's funding check does not pass: ${probe.status} ${JSON.stringify(probe.body)}`);
    await autocannon({ ...target, connections: 4, amount: 100 });

    const fixed = await pacedLoad({ url: target.url, method: "POST", headers: target.headers, body, rate: FIXED_RATE, seconds: PHASE_SECONDS });
    const open = await autocannon({ ...target, connections: 8, duration: PHASE_SECONDS, workers: 1 });
    const checks = open["2xx"];
    const checksPerSecond = checks / (open.duration || PHASE_SECONDS);

    // The bare loop: the same number of recoveries as checks answered, nothing else (ethers, the baseline).
    const requestDigest = fundingRequestDigest(domain, request);
    const loopStart = performance.now();
    for (let i = 0; i < checks; i += 1) {
      if (recoverAddress(requestDigest, holderSignature) !== tier4.address) throw new Error("recovery failed");
    }
    const loopSeconds = (performance.now() - loopStart) / 1000;
    const recoveriesPerSecond = checks / loopSeconds;
    // The same through the signature module (src/chain/signatures.ts: libsecp256k1 unless it did not load).
    const nativeCount = Math.max(checks, 2_000);
    const nativeStart = performance.now();
    for (let i = 0; i < nativeCount; i += 1) {
      if (recoverSigner(requestDigest, holderSignature) !== tier4.address.toLowerCase()) throw new Error("recovery failed");
    }
    const nativeRecoveriesPerSecond = nativeCount / ((performance.now() - nativeStart) / 1000);

    process.stdout.write(`\nFunding checks over HTTP, piece ${third.tokenId} three transfers deep (4 steps, 8 documents, ${documentSignatureCount} document signatures)\n\n`);
    line(`phase 1: steady ${FIXED_RATE} checks/s for ${PHASE_SECONDS} s`, `${fixed.ok} answered of ${fixed.sent}, ${fixed.non2xx} non-2xx, ${fixed.errors} errors`);
    line("  latency p50 / p99 / max", `${fixed.p50.toFixed(1)} ms / ${fixed.p99.toFixed(1)} ms / ${fixed.max.toFixed(1)} ms   (target p99 < 50 ms: ${fixed.p99 < 50 ? "met" : "NOT met"})`);
    line(`phase 2: open loop, 8 connections, ${PHASE_SECONDS} s`, `${checks} answered, ${open.non2xx} non-2xx, ${open.errors} errors`);
    line("  throughput", `${checksPerSecond.toFixed(1)} checks/s`);
    line("  latency p50 / p99", `${open.latency.p50} ms / ${open.latency.p99} ms`);
    line(`bare loop: ${checks} request-signature recoveries`, `${loopSeconds.toFixed(2)} s = ${recoveriesPerSecond.toFixed(1)} recoveries/s`);
    line(`bare loop: ${nativeCount} recoveries, signature module (${signatureBackendName()})`, `${nativeRecoveriesPerSecond.toFixed(1)} recoveries/s = ${(nativeRecoveriesPerSecond / recoveriesPerSecond).toFixed(1)} × ethers`);
    line("  bound if every document signature were re-recovered", `${(recoveriesPerSecond / (1 + documentSignatureCount)).toFixed(1)} checks/s (${1 + documentSignatureCount} recoveries a check)`);
    const ratio = checksPerSecond / recoveriesPerSecond;
    line("API checks/s ÷ bare recoveries/s", `${ratio.toFixed(3)}   (target >= 0.5: ${ratio >= 0.5 ? "met" : "NOT met"})`);
    line("wall time", `${((performance.now() - started) / 1000).toFixed(1)} s, ${(await import("node:os")).cpus().length} cores`);
  } finally {
    await api.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
void hre;
