/**
 * One measured run of the indexer benchmark, in its own process (the node runs in the parent, as a separate
 * local node would): `--mode fetch` makes the backfill's `eth_getLogs` calls and discards the answers;
 * `--mode index` runs the indexer from scratch into LevelDB up to the head. Prints one JSON line with the figures.
 */
import { readFileSync } from "node:fs";
import { createEventDecoder } from "../../src/chain/events";
import type { ChainbillAddresses } from "../../src/chain/system";
import { startIndexer } from "../../src/indexer/indexer";
import { createChainClient, httpTransport } from "../../src/indexer/rpc";
import { DEFAULT_SIZING, RangeSizer, backfillChunks } from "../../src/indexer/sync";

interface ChildArgs {
  mode: "fetch" | "index";
  rpc: string;
  addresses: ChainbillAddresses;
  startBlock: number;
  db: string;
}

function parse(argv: readonly string[]): ChildArgs {
  const value = (flag: string): string => {
    const index = argv.indexOf(flag);
    const found = index < 0 ? undefined : argv[index + 1];
    if (found === undefined) throw new Error(`bench child needs ${flag}`);
    return found;
  };
  const mode = value("--mode");
  if (mode !== "fetch" && mode !== "index") throw new Error(`--mode must be fetch or index, not ${mode}`);
  return { mode, rpc: value("--rpc"), addresses: JSON.parse(readFileSync(value("--addresses"), "utf8")) as ChainbillAddresses, startBlock: Number(value("--start-block")), db: value("--db") };
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const client = createChainClient(httpTransport(args.rpc));
  const head = await client.headNumber();
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let events = 0;
  if (args.mode === "fetch") {
    const addresses = createEventDecoder(args.addresses).addresses;
    for await (const chunk of backfillChunks(client, addresses, args.startBlock, head, new RangeSizer(DEFAULT_SIZING), 2)) events += chunk.logs.length;
  } else {
    const indexer = await startIndexer({ rpcUrl: args.rpc, dbPath: args.db, addresses: args.addresses, startBlock: args.startBlock, exitAtHead: true, pollIntervalMs: 10 });
    await indexer.done;
    events = indexer.progress().eventsApplied;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({ mode: args.mode, events, blocks: head - args.startBlock + 1, seconds, cpuSeconds, eventsPerSecond: events / seconds }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
