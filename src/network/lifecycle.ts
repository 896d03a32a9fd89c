/**
 * Bringing a created network up and down, and reading what each node is doing. What it does is logged to the
 * logger it is given (src/log/logger.ts; nothing by default).
 */
import type { Logger } from "pino";
import { quietLogger } from "../log/logger";
import type { NetworkDescriptor, NetworkNode } from "./descriptor";
import { IpcError, ipcCall } from "./ipc";
import { runningPid, startNode, stopNode } from "./processes";

export interface NodeStatus {
  node: NetworkNode;
  running: boolean;
  head?: number;
  peers?: number;
}

export interface NetworkStatus {
  nodes: NodeStatus[];
  /** Current signers by the chain's own account (clique_getSigners), or undefined when no node answers. */
  signers?: string[];
  /** Highest head any node reports. */
  head?: number;
}

const PEERING_TIMEOUT_MS = 30_000;
const FIRST_BLOCKS_TIMEOUT_MS = 30_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function blockNumberOf(node: NetworkNode): Promise<number> {
  return Number(BigInt(await ipcCall<string>(node.ipcPath, "eth_blockNumber")));
}

export async function peerCountOf(node: NetworkNode): Promise<number> {
  return Number(BigInt(await ipcCall<string>(node.ipcPath, "net_peerCount")));
}

export async function nodeStatus(node: NetworkNode): Promise<NodeStatus> {
  if (runningPid(node) === undefined) return { node, running: false };
  try {
    const [head, peers] = await Promise.all([blockNumberOf(node), peerCountOf(node)]);
    return { node, running: true, head, peers };
  } catch (error) {
    if (error instanceof IpcError) return { node, running: true };
    throw error;
  }
}

/** The current signer set, asked of the first running node that answers (the RPC node first). */
export async function currentSigners(descriptor: NetworkDescriptor): Promise<string[] | undefined> {
  const byPreference = [...descriptor.nodes].sort((a, b) => (a.role === b.role ? 0 : a.role === "rpc" ? -1 : 1));
  for (const node of byPreference) {
    if (runningPid(node) === undefined) continue;
    try {
      return await ipcCall<string[]>(node.ipcPath, "clique_getSigners");
    } catch {
      // Try the next node.
    }
  }
  return undefined;
}

export async function networkStatus(descriptor: NetworkDescriptor): Promise<NetworkStatus> {
  const nodes = await Promise.all(descriptor.nodes.map(nodeStatus));
  const heads = nodes.flatMap((status) => (status.head === undefined ? [] : [status.head]));
  const signers = await currentSigners(descriptor);
  return { nodes, signers, head: heads.length === 0 ? undefined : Math.max(...heads) };
}

/** One line a node (`validator-2  validator  0xAb…  head 1234  peers 4`) and the summary line. */
export function formatStatus(status: NetworkStatus): string[] {
  const signers = new Set((status.signers ?? []).map((signer) => signer.toLowerCase()));
  const lines = status.nodes.map(({ node, running, head, peers }) => {
    let role: string = node.role === "rpc" ? "rpc node" : "validator";
    if (node.role === "validator" && status.signers !== undefined && !signers.has((node.signer ?? "").toLowerCase())) role = "removed validator";
    const state = !running ? "down" : head === undefined ? "not answering" : `head ${head}  peers ${peers ?? "?"}`;
    return `${node.name.padEnd(13)} ${role.padEnd(17)} ${(node.signer ?? "-").padEnd(42)} ${state}`;
  });
  const validators = status.signers?.length ?? status.nodes.filter(({ node }) => node.role === "validator").length;
  const sealingUp = status.nodes.filter(
    ({ node, running }) => running && node.role === "validator" && signers.has((node.signer ?? "").toLowerCase()),
  ).length;
  const rpcNodes = status.nodes.filter(({ node }) => node.role === "rpc").length;
  const down = validators - sealingUp;
  lines.push(
    `${validators} validators${down > 0 ? ` (${down} down)` : ""}, ${rpcNodes} rpc node${rpcNodes === 1 ? "" : "s"}, ` +
      (status.head === undefined ? "no node answering" : `head block ${status.head}`),
  );
  return lines;
}

/** Logs what needs a person's attention in a status: nodes down or not answering, or no node answering at all. */
export function logStatus(log: Logger, status: NetworkStatus): void {
  const down = status.nodes.filter(({ running }) => !running).map(({ node }) => node.name);
  const silent = status.nodes.filter(({ running, head }) => running && head === undefined).map(({ node }) => node.name);
  if (status.head === undefined) log.warn({ nodes: status.nodes.length, down, notAnswering: silent }, "no node of the network answers");
  else if (down.length > 0 || silent.length > 0)
    log.warn({ head: status.head, down, notAnswering: silent }, `${down.length + silent.length} node(s) down or not answering`);
  else log.info({ head: status.head, nodes: status.nodes.length, signers: status.signers?.length }, "every node answers");
}

/** Waits until `node` has at least `peers` peers; false on timeout. */
export async function waitForPeers(node: NetworkNode, peers: number, timeoutMs = PEERING_TIMEOUT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await peerCountOf(node)) >= peers) return true;
    } catch {
      // Not answering yet.
    }
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

/** Waits until `node`'s head reaches `block`; false on timeout. */
export async function waitForBlock(node: NetworkNode, block: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await blockNumberOf(node)) >= block) return true;
    } catch {
      // Not answering (restarting).
    }
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

export function rpcNodeOf(descriptor: NetworkDescriptor): NetworkNode {
  const rpc = descriptor.nodes.find((node) => node.role === "rpc");
  if (rpc === undefined) throw new Error("the network has no RPC node");
  return rpc;
}

/**
 * Turns sealing on in a running validator (`miner_start` over its IPC socket; nothing happens if it seals
 * already). Validators start without sealing and are turned on only once peered: one that seals before it sees
 * the others builds a branch of its own, and Clique, which lets a validator seal at most one block in any
 * ⌊n/2⌋+1 in a row, can then stall for good with every validator up, each barred on the branch it holds. At a
 * network's first blocks, where no validator is barred yet, nodes started one by one did exactly that.
 */
export async function startSealing(node: NetworkNode): Promise<void> {
  if (node.role !== "validator") throw new Error(`${node.name} is not a validator`);
  await ipcCall<null>(node.ipcPath, "miner_start");
}

async function requirePeers(node: NetworkNode, peers: number): Promise<void> {
  if (!(await waitForPeers(node, peers))) {
    throw new Error(`${node.name} has fewer than ${peers} peers after ${PEERING_TIMEOUT_MS / 1000} s (see ${node.dataDir}/geth.log)`);
  }
}

/**
 * Starts every node that is not running, waits for them to peer with one another, turns sealing on in every
 * validator at once, and waits for the chain to seal new blocks. `log` hears each node's start and the sealing;
 * `extraArgs` adds flags to a node's command line (benchmarks trying settings).
 */
export async function startNetwork(
  descriptor: NetworkDescriptor,
  stateDir: string,
  geth: string,
  log: Logger = quietLogger(),
  extraArgs: (node: NetworkNode) => readonly string[] = () => [],
): Promise<void> {
  for (const node of descriptor.nodes) {
    const wasRunning = runningPid(node) !== undefined;
    const pid = await startNode(node, descriptor, stateDir, geth, extraArgs(node));
    log.info({ node: node.name, role: node.role, pid }, wasRunning ? `${node.name} already running` : `${node.name} started`);
  }
  for (const node of descriptor.nodes) await requirePeers(node, descriptor.nodes.length - 1);
  log.info({ nodes: descriptor.nodes.length }, "every node peered with the others");
  await Promise.all(descriptor.nodes.filter((node) => node.role === "validator").map(startSealing));
  const rpc = rpcNodeOf(descriptor);
  const head = await blockNumberOf(rpc);
  if (!(await waitForBlock(rpc, head + 2, FIRST_BLOCKS_TIMEOUT_MS))) {
    throw new Error(`no new blocks within ${FIRST_BLOCKS_TIMEOUT_MS / 1000} s: the validators are not sealing (see their geth.log)`);
  }
  log.info({ head: await blockNumberOf(rpc) }, "sealing");
}

/** Stops every node (gracefully, then by force); returns the names of those that were running. */
export async function stopNetwork(
  descriptor: NetworkDescriptor,
  signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
  log: Logger = quietLogger(),
): Promise<string[]> {
  const stopped = await Promise.all(descriptor.nodes.map(async (node) => ((await stopNode(node, signal, undefined, log)) ? [node.name] : [])));
  return stopped.flat();
}

/**
 * Starts one node of a running network again (after a crash or `down --node`): it peers with every node that is
 * running, and a validator then seals again. Returns its pid.
 */
export async function restartNode(
  node: NetworkNode,
  descriptor: NetworkDescriptor,
  stateDir: string,
  geth: string,
  log: Logger = quietLogger(),
): Promise<number> {
  const pid = await startNode(node, descriptor, stateDir, geth);
  log.info({ node: node.name, role: node.role, pid }, `${node.name} started again`);
  const running = descriptor.nodes.filter((other) => other.name !== node.name && runningPid(other) !== undefined).length;
  await requirePeers(node, running);
  if (node.role === "validator") await startSealing(node);
  return pid;
}
