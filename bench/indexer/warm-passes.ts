/**
 * Profiling aid: indexes the chain `serve-bench-chain.ts` serves several times in one process, each time from
 * scratch into a new database, and prints each pass's time and CPU. The first pass pays for V8's warm-up (compiling
 * the hot code, running it unoptimised meanwhile); later passes show the warm indexing cost.
 *
 *   node --min-semi-space-size=64 --max-semi-space-size=64 --max-inlined-bytecode-size-cumulative=300 \
 *     -r ts-node/register/transpile-only bench/indexer/warm-passes.ts <info.json> <scratch dir> [passes]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { ChainbillAddresses } from "../../src/chain/system";
import { startIndexer } from "../../src/indexer/indexer";

async function main(): Promise<void> {
  const [infoFile, scratch, passesText = "3"] = process.argv.slice(2);
  if (infoFile === undefined || scratch === undefined) throw new Error("usage: warm-passes.ts <info.json> <scratch dir> [passes]");
  const info = JSON.parse(readFileSync(infoFile, "utf8")) as { rpc: string; addresses: ChainbillAddresses; startBlock: number };
  const passes = Number(passesText);
  if (!Number.isSafeInteger(passes) || passes < 1) throw new Error(`passes must be a positive whole number, not ${passesText}`);
  const work = mkdtempSync(path.join(scratch, "warm-passes-"));
  try {
    for (let pass = 1; pass <= passes; pass += 1) {
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      const indexer = await startIndexer({
        rpcUrl: info.rpc,
        dbPath: path.join(work, `pass-${pass}`),
        addresses: info.addresses,
        startBlock: info.startBlock,
        exitAtHead: true,
        pollIntervalMs: 10,
      });
      await indexer.done;
      const cpu = process.cpuUsage(cpuBefore);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(
        `pass ${pass}: ${indexer.progress().eventsApplied} events in ${seconds.toFixed(3)} s, ${((cpu.user + cpu.system) / 1e6).toFixed(3)} CPU-seconds`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
