/** Profiling aid: runs the indexer against the chain `serve-bench-chain.ts` serves and prints each step's time. */
import { readFileSync, rmSync } from "node:fs";
import { startIndexer } from "../../src/indexer/indexer";

async function main(): Promise<void> {
  const info = JSON.parse(readFileSync(process.argv[2], "utf8")) as { rpc: string; addresses: never; startBlock: number };
  const dbPath = process.argv[3];
  rmSync(dbPath, { recursive: true, force: true });
  const started = Date.now();
  let last = started;
  const indexer = await startIndexer({
    rpcUrl: info.rpc,
    dbPath,
    addresses: info.addresses,
    startBlock: info.startBlock,
    exitAtHead: true,
    pollIntervalMs: 10,
    onOutcome: (outcome) => {
      const now = Date.now();
      console.log(`${now - started} ms (+${now - last}) ${JSON.stringify(outcome)}`);
      last = now;
    },
  });
  await indexer.done;
  console.log(`total ${Date.now() - started} ms, ${indexer.progress().eventsApplied} events`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
