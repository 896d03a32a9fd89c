/**
 * Profiling aid: generates the benchmark's chain, serves it over HTTP on 127.0.0.1 and writes
 * `{rpc, addresses, startBlock, holder, leaf}` to the JSON file named by CHAINBILL_SERVE_INFO; runs until killed.
 * Lets one run `bench-child.ts` by hand (e.g. under `node --cpu-prof`) against the same chain as `bench:indexer`.
 */
import hre from "hardhat";
import { writeFileSync } from "node:fs";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { benchmarkPlan, generateChain } from "../../test/support/indexer/generate";

async function main(): Promise<void> {
  const infoFile = process.env.CHAINBILL_SERVE_INFO;
  if (infoFile === undefined) throw new Error("set CHAINBILL_SERVE_INFO to the file to write the chain's details to");
  const chain = await generateChain(benchmarkPlan());
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await server.listen();
  writeFileSync(
    infoFile,
    JSON.stringify({
      rpc: `http://127.0.0.1:${port}`,
      addresses: chain.addresses,
      startBlock: chain.deploymentBlock,
      holder: chain.holder,
      leaf: chain.lineageLeaf.toString(),
      head: chain.head,
    }),
  );
  console.log(`serving on ${port}`);
  await new Promise<void>(() => undefined);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
