/**
 * One measured run of the indexer benchmark, in its own process (the node runs in the parent, as a separate
 * local node would): `--mode fetch` makes the backfill's `eth_getLogs` calls, as many in flight as the indexer
 * keeps, and discards the answers;
 * `--mode index` runs the indexer from scratch into LevelDB up to the head; `--mode query` times the queries on a
 * built index (as an API process would run them, away from the node's heap); `--mode verify` times the integrity
 * check each start makes on a built index. Prints one JSON line with the figures.
 */
import { readFileSync } from "node:fs";
import { createEventDecoder } from "../../src/chain/events";
import type { ChainbillAddresses } from "../../src/chain/system";
import { startIndexer } from "../../src/indexer/indexer";
import { createIndexReader } from "../../src/indexer/queries";
import { openIndexDb } from "../../src/indexer/store";
import { verifyIndex } from "../../src/indexer/integrity";
import { createChainClient, httpTransport } from "../../src/chain/rpc";
import { DEFAULT_PREFETCH, DEFAULT_SIZING, RangeSizer, backfillChunks } from "../../src/indexer/sync";

interface ChildArgs {
  mode: "fetch" | "index" | "query" | "verify";
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
  if (mode === "query" || mode === "verify") return { mode, rpc: "", addresses: {} as ChainbillAddresses, startBlock: 0, db: value("--db") };
  if (mode !== "fetch" && mode !== "index") throw new Error(`--mode must be fetch, index, query or verify, not ${mode}`);
  return {
    mode,
    rpc: value("--rpc"),
    addresses: JSON.parse(readFileSync(value("--addresses"), "utf8")) as ChainbillAddresses,
    startBlock: Number(value("--start-block")),
    db: value("--db"),
  };
}

async function timeQuery(iterations: number, query: () => Promise<unknown>): Promise<{ p50: number; p99: number; max: number }> {
  for (let k = 0; k < 20; k += 1) await query();
  const times: number[] = [];
  for (let k = 0; k < iterations; k += 1) {
    const started = process.hrtime.bigint();
    await query();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), max: times[times.length - 1] };
}

async function queries(dbPath: string, holder: string, leaf: bigint): Promise<void> {
  const db = await openIndexDb(dbPath);
  try {
    const reader = createIndexReader(db, { confirmations: 0 });
    const lineage = await reader.token(leaf);
    if (lineage === null) throw new Error(`no piece ${leaf}`);
    const root = lineage.ancestors[lineage.ancestors.length - 1].tokenId;
    const result = {
      mode: "query",
      holdings: (await reader.holdingsOf(holder)).count,
      ancestors: lineage.ancestors.length,
      holdingsPage: await timeQuery(1_000, () => reader.holdingsOf(holder)),
      holdingsAll: await timeQuery(30, () => reader.holdingsOf(holder, { limit: 10_000 })),
      lineageUp: await timeQuery(1_000, () => reader.token(leaf)),
      lineageDown: await timeQuery(1_000, () => reader.token(root)),
      history: await timeQuery(1_000, () => reader.tokenHistory(leaf)),
    };
    console.log(JSON.stringify(result));
  } finally {
    await db.close();
  }
}

/** The integrity check each start makes (every record read, digests recomputed), timed in a fresh process. */
async function verifyTime(dbPath: string): Promise<void> {
  const started = process.hrtime.bigint();
  const db = await openIndexDb(dbPath, { createIfMissing: false });
  try {
    const result = await verifyIndex(db, dbPath);
    console.log(
      JSON.stringify({
        mode: "verify",
        records: result.records,
        verifySeconds: result.milliseconds / 1000,
        withOpenSeconds: Number(process.hrtime.bigint() - started) / 1e9,
      }),
    );
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parse(argv);
  if (args.mode === "verify") return verifyTime(args.db);
  if (args.mode === "query") return queries(args.db, argv[argv.indexOf("--holder") + 1], BigInt(argv[argv.indexOf("--leaf") + 1]));
  const client = createChainClient(httpTransport(args.rpc));
  const head = await client.headNumber();
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let events = 0;
  if (args.mode === "fetch") {
    const addresses = createEventDecoder(args.addresses).addresses;
    for await (const chunk of backfillChunks(client, addresses, args.startBlock, head, new RangeSizer(DEFAULT_SIZING), DEFAULT_PREFETCH))
      events += chunk.logs.length;
  } else {
    const indexer = await startIndexer({
      rpcUrl: args.rpc,
      dbPath: args.db,
      addresses: args.addresses,
      startBlock: args.startBlock,
      exitAtHead: true,
      pollIntervalMs: 10,
    });
    await indexer.done;
    events = indexer.progress().eventsApplied;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({ mode: args.mode, events, blocks: head - args.startBlock + 1, seconds, cpuSeconds, eventsPerSecond: events / seconds }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
