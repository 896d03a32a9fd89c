/**
 * `npm start`: the whole of Chainbill on this machine. With no options it starts Hardhat's in-process network as a
 * JSON-RPC node on 127.0.0.1:8545, deploys the system, seeds the demo consortium (the `npm run demo` cast with a few
 * live receivables and their documents), starts the indexer, the API and the dApp on 127.0.0.1:8080, and prints
 * which demo account is which. Ctrl-C stops everything.
 *
 *   npm start -- [--port 8080] [--host 127.0.0.1] [--rpc-port 8545] [--data .chainbill/start] [--empty]
 *        --empty: deploy without the demo seed; the operator (development account 0) is the only member, and
 *        companies join by applying in the dApp and being admitted in the operator console.
 *   npm start -- --rpc URL [--addresses FILE] [--start-block N]
 *        use a running node instead: no chain, no deployment, no seeding. Addresses come from FILE (JSON with
 *        registry, receivableToken, settlementToken, settlement, financing, or a deployment record) or from the
 *        deployment record of the node's chain id (deploy/deployments/chain-<id>/); CHAINBILL_VERIFIER_KEY is the verifier's key for funding checks.
 */
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { DeploymentRecordError, findDeploymentRecord, readDeploymentRecord } from "../src/chain/deployment";
import { HELP_OPTION, UsageError, parseCommandLine, runCommand, wholeNumberOption } from "../src/chain/commandLine";
import type { ChainbillAddresses } from "../src/chain/system";
import { REPO_ROOT, WEB_OUT_DIR, buildWebIfStale } from "../src/server/build";

interface StartArgs {
  host: string;
  port: number;
  rpcPort: number;
  dataDir: string;
  rpc?: string;
  addressesFile?: string;
  startBlock: number;
  empty: boolean;
}

const USAGE = `usage: npm start -- [--port N] [--host H] [--rpc-port N] [--data DIR] [--empty] [--rpc URL [--addresses FILE] [--start-block N]]
  --port, --host   where the API and the dApp listen (default 127.0.0.1:8080)
  --rpc-port       the in-process chain's JSON-RPC port (default 8545)
  --data           where the stack keeps its databases (default .chainbill/start)
  --empty          deploy without the demo seed: the operator is the only member; companies apply in the dApp
  --rpc            use a running node instead of the in-process chain: no deployment, no seeding
  --addresses      with --rpc: a deployment file (default the deployment record of the node's chain id)
  --start-block    with --rpc: the first block worth indexing (default 0)
Exit status: 0 stopped, 1 failed, 2 usage error.`;

function usage(problem: string): never {
  throw new UsageError(problem);
}

function portOf(text: string, flag: string): number {
  const port = Number(text);
  if (!/^[0-9]+$/u.test(text) || port > 65_535) usage(`${flag} must be a port number from 0 to 65535, not "${text}"`);
  return port;
}

/** The options, or null for --help. */
function parseStartArgs(argv: readonly string[]): StartArgs | null {
  const { values } = parseCommandLine(argv, {
    ...HELP_OPTION,
    host: { type: "string" },
    port: { type: "string" },
    "rpc-port": { type: "string" },
    data: { type: "string" },
    rpc: { type: "string" },
    addresses: { type: "string" },
    "start-block": { type: "string" },
    empty: { type: "boolean" },
  });
  if (values.help === true) return null;
  if (values.rpc !== undefined && !/^https?:\/\//u.test(values.rpc)) usage(`--rpc must be an http(s) URL, not "${values.rpc}"`);
  if (values.rpc === undefined && (values.addresses !== undefined || values["start-block"] !== undefined))
    usage("--addresses and --start-block go with --rpc");
  return {
    host: values.host ?? "127.0.0.1",
    port: values.port === undefined ? 8080 : portOf(values.port, "--port"),
    rpcPort: values["rpc-port"] === undefined ? 8545 : portOf(values["rpc-port"], "--rpc-port"),
    dataDir: values.data === undefined ? path.join(REPO_ROOT, ".chainbill/start") : path.resolve(values.data),
    ...(values.rpc === undefined ? {} : { rpc: values.rpc }),
    ...(values.addresses === undefined ? {} : { addressesFile: path.resolve(values.addresses) }),
    startBlock: values["start-block"] === undefined ? 0 : wholeNumberOption(values["start-block"], "--start-block"),
    empty: values.empty === true,
  };
}

/** The external node's system: the --addresses file, or the deployment record of the node's chain id. */
async function externalAddresses(args: StartArgs, rpc: string): Promise<ChainbillAddresses> {
  const chainId = (await new JsonRpcProvider(rpc, undefined, { staticNetwork: true }).getNetwork()).chainId;
  try {
    const deploymentsDir = path.join(REPO_ROOT, "deploy/deployments");
    return (args.addressesFile === undefined ? findDeploymentRecord(chainId, deploymentsDir) : readDeploymentRecord(args.addressesFile, chainId))
      .contracts;
  } catch (error) {
    if (error instanceof DeploymentRecordError) usage(error.message);
    throw error;
  }
}

async function main(args: StartArgs): Promise<void> {
  const say = (line: string): void => console.log(line);
  // Compile first: typechain-types is generated here, and the stack's modules import it.
  const hre = (await import("hardhat")).default;
  await hre.run("compile", { quiet: true });
  if (await buildWebIfStale()) say("built the dApp into dist/web");
  const { startStack } = await import("../src/server/stack");
  const stack = await startStack({
    chain:
      args.rpc === undefined
        ? { kind: "in-process", hre, rpcPort: args.rpcPort }
        : {
            kind: "external",
            rpcUrl: args.rpc,
            addresses: await externalAddresses(args, args.rpc),
            startBlock: args.startBlock,
            verifierKey: process.env.CHAINBILL_VERIFIER_KEY,
          },
    host: args.host,
    port: args.port,
    dataDir: args.dataDir,
    webRoot: WEB_OUT_DIR,
    log: say,
    deploymentsDir: path.join(REPO_ROOT, "deploy/deployments"),
    seed: !args.empty,
  });

  say("");
  say(`Chainbill is running. Open ${stack.url} in a browser.`);
  say(`  chain id ${stack.chainId}, JSON-RPC ${stack.rpcUrl}; API description ${stack.url}/docs`);
  if (stack.recordFile !== null) {
    say(`  deployment record ${path.relative(process.cwd(), stack.recordFile)}: npm run audit -- --rpc ${stack.rpcUrl} and npm run operator read it`);
  }
  if (stack.config.demoAccounts.length > 0) {
    say("");
    say(
      stack.seeded === null
        ? "An empty consortium: only the operator is a member. Development accounts (sign in as the operator; the others apply, the operator admits them; account 6 is the API's verifier key):"
        : 'Demo accounts (Hardhat\'s development keys; in the dApp choose "Demo account", or import a key into your wallet):',
    );
    for (const account of stack.config.demoAccounts) {
      say(`  ${account.role.padEnd(9)} ${account.name.padEnd(24)} ${account.address}  ${account.privateKey}`);
    }
  }
  say("");
  say("Press Ctrl-C to stop.");

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the dApp, the API, the indexer and the chain…`);
    stack.stop().then(
      () => {
        say("stopped.");
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

runCommand("npm start", USAGE, parseStartArgs, async (args) => {
  try {
    await main(args);
  } catch (error) {
    const record = error as { code?: unknown; port?: unknown; address?: unknown };
    if (record.code !== "EADDRINUSE") throw error;
    throw new Error(
      `${String(record.address)}:${String(record.port)} is already in use (another node, or npm start, running?). Stop it, or choose other ports with --rpc-port and --port.`,
      { cause: error },
    );
  }
});
