/**
 * `npm run network -- <command>`: a multi-node permissioned network on this machine, for when the consortium
 * outgrows the in-process one. geth v1.13.15 with Clique proof-of-authority: validators that seal blocks and one
 * non-validator RPC node that applications talk to, all on 127.0.0.1, peering statically with one another.
 *
 *   up [--validators 4] [--base-port 30400] [--chain-id 741741] [--block-period 1] [--dir D]
 *        create the network on first use (keys, genesis, descriptor), then start every node that is not running
 *   down [--node NAME] [--wipe] [--dir D]
 *        stop every node (or one); --wipe also deletes the network (keys, chain, descriptor)
 *   status [--dir D]
 *        a line a node (role, address, head block, peers) and a summary line
 *   propose add|remove ADDRESS [--dir D]
 *        ask every current validator to vote the sealer in or out; reports the block where it took effect
 *
 * State lives in .chainbill/network/ (git-ignored) unless --dir says otherwise; its network.json is the
 * descriptor Hardhat's config reads (`--network consortium`; another directory's via CHAINBILL_NETWORK_DESCRIPTOR).
 * What a command answers (the status lines, the RPC URL, a vote's outcome) goes to stdout; what it does (nodes
 * started and stopped, votes, warnings, errors) is logged on stderr: readable lines, or JSON lines with
 * `--log-format json` (any command).
 */
import fs from "node:fs";
import path from "node:path";
import { HELP_OPTION, UsageError, parseCommandLine, runCommand, wholeNumberOption } from "../src/chain/commandLine";
import { DEFAULT_NETWORK_DIR, DESCRIPTOR_FILE, HARDHAT_NETWORK_NAME, readNetworkDescriptor, writeNetworkDescriptor } from "../src/network/descriptor";
import type { NetworkDescriptor } from "../src/network/descriptor";
import { DEFAULT_BLOCK_PERIOD_SECONDS, DEFAULT_CHAIN_ID, createNetwork } from "../src/network/create";
import { requireGeth } from "../src/network/geth";
import { proposeValidatorChange } from "../src/network/governance";
import { DEFAULT_BASE_PORT } from "../src/network/layout";
import { formatStatus, logStatus, networkStatus, startNetwork, stopNetwork } from "../src/network/lifecycle";
import { stopNode } from "../src/network/processes";
import { createCommandLogger, failureReporter, logFormatFromArgv, parseLogFormat } from "../src/log/logger";

const logger = createCommandLogger("chainbill-network", { format: logFormatFromArgv(process.argv.slice(2)) });

const COMMANDS = ["up", "down", "status", "propose"] as const;
type Command = (typeof COMMANDS)[number];

const USAGE = `usage: npm run network -- <command> [options]
  up [--validators 4] [--base-port 30400] [--chain-id 741741] [--block-period 1] [--dir D]
       create the network on first use, then start every node that is not running
  down [--node NAME] [--wipe] [--dir D]
       stop every node (or one); --wipe also deletes the network
  status [--dir D]
       a line a node and a summary line
  propose add|remove ADDRESS [--dir D]
       ask every current validator to vote the sealer in or out
  any command: --log-format pretty|json   logs on stderr as lines for people (default) or JSON lines
Exit status: 0 done, 1 failed, 2 usage error.`;

/** Which options each command takes besides --dir. */
const COMMAND_OPTIONS: Readonly<Record<Command, readonly string[]>> = {
  up: ["validators", "base-port", "chain-id", "block-period"],
  down: ["node", "wipe"],
  status: [],
  propose: [],
};

interface Arguments {
  command: Command;
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

/** The command and its options, or null for --help. */
function parseArguments(argv: readonly string[]): Arguments | null {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      ...HELP_OPTION,
      validators: { type: "string" },
      "base-port": { type: "string" },
      "chain-id": { type: "string" },
      "block-period": { type: "string" },
      dir: { type: "string" },
      node: { type: "string" },
      wipe: { type: "boolean" },
      "log-format": { type: "string" },
    },
    true,
  );
  if (values.help === true) return null;
  const [command, ...positional] = positionals;
  if (!COMMANDS.includes(command as Command))
    throw new UsageError(`the command is one of ${COMMANDS.join(", ")}, not ${command === undefined ? "nothing" : `"${command}"`}`);
  const options = new Map<string, string>();
  const flags = new Set<string>();
  for (const [name, value] of Object.entries(values)) {
    if (name === "help" || value === undefined) continue;
    if (name !== "dir" && name !== "log-format" && !COMMAND_OPTIONS[command as Command].includes(name))
      throw new UsageError(`${command} does not take --${name}`);
    if (typeof value === "boolean") flags.add(name);
    else options.set(name, value);
  }
  if (command !== "propose" && positional.length > 0) throw new UsageError(`${command} takes no argument "${positional.join(" ")}"`);
  return { command: command as Command, positional, options, flags };
}

function integerOption(args: Arguments, name: string, fallback: number): number {
  const text = args.options.get(name);
  return text === undefined ? fallback : wholeNumberOption(text, `--${name}`);
}

/** Ignition's record of deployments to a chain id; it describes a chain that is gone once that chain is wiped. */
function deploymentJournal(chainId: number): string {
  return path.resolve(__dirname, "..", "deploy", "deployments", `chain-${chainId}`);
}

function forgetDeployments(chainId: number): void {
  const journal = deploymentJournal(chainId);
  if (!fs.existsSync(journal)) return;
  fs.rmSync(journal, { recursive: true, force: true });
  logger.info({ journal: path.relative(process.cwd(), journal), chainId }, `removed Ignition's record of deployments to an earlier chain ${chainId}`);
}

async function up(args: Arguments, stateDir: string): Promise<void> {
  const geth = requireGeth();
  const descriptorFile = path.join(stateDir, DESCRIPTOR_FILE);
  let descriptor: NetworkDescriptor;
  if (fs.existsSync(descriptorFile)) {
    descriptor = readNetworkDescriptor(descriptorFile);
    const created = new Map<string, number>([
      ["validators", descriptor.nodes.filter((node) => node.role === "validator").length],
      ["base-port", descriptor.nodes[0].p2pPort],
      ["chain-id", descriptor.chainId],
      ["block-period", descriptor.blockPeriodSeconds],
    ]);
    for (const [name, value] of created) {
      const asked = args.options.get(name);
      if (asked !== undefined && Number(asked) !== value) {
        throw new Error(`the network in ${stateDir} was created with --${name} ${value}; \`npm run network -- down --wipe\` first to create another`);
      }
    }
    logger.info({ stateDir, chainId: descriptor.chainId }, "starting the network");
  } else {
    const chainId = integerOption(args, "chain-id", DEFAULT_CHAIN_ID);
    logger.info({ stateDir, chainId }, "creating a network");
    descriptor = await createNetwork({
      stateDir,
      validators: integerOption(args, "validators", 4),
      basePort: integerOption(args, "base-port", DEFAULT_BASE_PORT),
      chainId,
      blockPeriodSeconds: integerOption(args, "block-period", DEFAULT_BLOCK_PERIOD_SECONDS),
      geth,
    });
    forgetDeployments(chainId);
  }
  await startNetwork(descriptor, stateDir, geth, logger);
  for (const line of formatStatus(await networkStatus(descriptor))) console.log(line);
  console.log(
    `JSON-RPC ${descriptor.rpcUrl}, chain id ${descriptor.chainId}; Hardhat: --network ${HARDHAT_NETWORK_NAME} (descriptor ${descriptorFile})`,
  );
}

async function down(args: Arguments, stateDir: string): Promise<void> {
  const descriptorFile = path.join(stateDir, DESCRIPTOR_FILE);
  if (!fs.existsSync(descriptorFile)) {
    logger.warn({ stateDir }, "no network here");
    return;
  }
  const descriptor = readNetworkDescriptor(descriptorFile);
  const only = args.options.get("node");
  if (only !== undefined) {
    if (args.flags.has("wipe")) throw new Error("--wipe deletes the whole network; it does not go with --node");
    const node = descriptor.nodes.find((candidate) => candidate.name === only);
    if (node === undefined) throw new Error(`no node "${only}"; the nodes are ${descriptor.nodes.map((candidate) => candidate.name).join(", ")}`);
    if (!(await stopNode(node, "SIGTERM", undefined, logger))) logger.info({ node: only }, `${only} was not running`);
    return;
  }
  const stopped = await stopNetwork(descriptor, "SIGTERM", logger);
  if (stopped.length === 0) logger.info({ stateDir }, "no node was running");
  if (args.flags.has("wipe")) {
    fs.rmSync(stateDir, { recursive: true, force: true });
    forgetDeployments(descriptor.chainId);
    logger.info({ stateDir }, "deleted the network");
  }
}

async function status(stateDir: string): Promise<void> {
  const descriptor = readNetworkDescriptor(path.join(stateDir, DESCRIPTOR_FILE));
  const state = await networkStatus(descriptor);
  for (const line of formatStatus(state)) console.log(line);
  logStatus(logger, state);
}

async function propose(args: Arguments, stateDir: string): Promise<void> {
  const [change, subject] = args.positional;
  if ((change !== "add" && change !== "remove") || subject === undefined || args.positional.length > 2) {
    throw new UsageError("propose takes add|remove and an ADDRESS");
  }
  const descriptorFile = path.join(stateDir, DESCRIPTOR_FILE);
  const descriptor = readNetworkDescriptor(descriptorFile);
  const outcome = await proposeValidatorChange(descriptor, change, subject, 60_000, logger);
  console.log(
    `${change === "add" ? "added" : "removed"} ${subject}: in effect from block ${outcome.effectiveBlock}; ${outcome.signers.length} validators now`,
  );
  if (outcome.absent.length > 0) logger.warn({ absent: outcome.absent }, `did not vote: ${outcome.absent.join(", ")}`);
  writeNetworkDescriptor(descriptorFile, { ...descriptor, validators: outcome.signers });
}

async function main(args: Arguments): Promise<void> {
  try {
    parseLogFormat(args.options.get("log-format"));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const stateDir = path.resolve(args.options.get("dir") ?? DEFAULT_NETWORK_DIR);
  switch (args.command) {
    case "up":
      return up(args, stateDir);
    case "down":
      return down(args, stateDir);
    case "status":
      return status(stateDir);
    case "propose":
      return propose(args, stateDir);
  }
}

runCommand("network", USAGE, parseArguments, main, 1, failureReporter(logger, logFormatFromArgv(process.argv.slice(2))));
