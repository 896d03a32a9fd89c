/**
 * Starting and stopping one geth node. Each node runs in a process group of its own (so that `down`, a test's
 * after-hook or a fault injection can end exactly it, with `kill -- -pid`) and outlives the command that started
 * it; its pid is kept in `geth.pid` in its directory, and trusted only while that process is still this node's geth.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { quietLogger } from "../log/logger";
import type { NetworkDescriptor, NetworkNode } from "./descriptor";
import { ipcCall } from "./ipc";
import { nodeConfigToml } from "./node-config";

export const PASSWORD_FILE = "validator-password";
const READY_TIMEOUT_MS = 30_000;

export function configPath(node: NetworkNode): string {
  return path.join(node.dataDir, "geth.toml");
}

export function logPath(node: NetworkNode): string {
  return path.join(node.dataDir, "geth.log");
}

function pidPath(node: NetworkNode): string {
  return path.join(node.dataDir, "geth.pid");
}

/**
 * geth's command line: the TOML plus the flags that keep the node on this machine, and a validator's sealing key
 * (unlocked, as the block author). A validator does not seal from its start (no `--mine`): `startSealing`
 * (lifecycle.ts) turns sealing on once it is peered, so that it never seals alone on a chain the others do not see.
 */
export function gethArguments(node: NetworkNode, stateDir: string): string[] {
  const args = ["--config", configPath(node), "--nodiscover", "--nat", "none", "--netrestrict", "127.0.0.0/8", "--cache", "64", "--verbosity", "3"];
  if (node.role === "validator") {
    if (node.signer === undefined) throw new Error(`validator ${node.name} has no signer address`);
    args.push("--miner.etherbase", node.signer, "--unlock", node.signer, "--password", path.join(stateDir, PASSWORD_FILE));
  }
  return args;
}

/** Whether `pid` is a live (not zombie) process whose command line is this node's geth. */
function isNodeProcess(pid: number, node: NetworkNode): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the parenthesised command name: "123 (geth) S ...".
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(configPath(node));
  } catch {
    return false;
  }
}

/** The pid of the node's running geth, or undefined when it is not running. */
export function runningPid(node: NetworkNode): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(pidPath(node), "utf8"), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && isNodeProcess(pid, node) ? pid : undefined;
}

function logTail(node: NetworkNode, lines = 15): string {
  try {
    return fs.readFileSync(logPath(node), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts the node (unless it runs already) and waits until it answers on its IPC socket. Returns its pid. The
 * configuration is rewritten from the descriptor first, so that every start sees the current peers. `extraArgs` go
 * after the usual command line (geth lets a flag override the TOML): a benchmark's settings under trial.
 */
export async function startNode(
  node: NetworkNode,
  descriptor: NetworkDescriptor,
  stateDir: string,
  geth: string,
  extraArgs: readonly string[] = [],
): Promise<number> {
  const running = runningPid(node);
  if (running !== undefined) return running;
  fs.writeFileSync(configPath(node), nodeConfigToml(node, descriptor.nodes, descriptor.chainId));
  const log = fs.openSync(logPath(node), "a");
  let exit: string | undefined;
  try {
    const child = spawn(geth, [...gethArguments(node, stateDir), ...extraArgs], { detached: true, stdio: ["ignore", log, log] });
    child.on("exit", (code, signal) => {
      exit = signal === null ? `exit code ${code}` : `signal ${signal}`;
    });
    child.on("error", (error) => {
      exit = error.message;
    });
    // Let the command that started the node end while the node runs on.
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start geth for ${node.name}`);
    fs.writeFileSync(pidPath(node), `${child.pid}\n`);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exit !== undefined) throw new Error(`${node.name} stopped at start (${exit}); end of ${logPath(node)}:\n${logTail(node)}`);
      try {
        await ipcCall<string>(node.ipcPath, "eth_blockNumber", [], 1_000);
        return child.pid;
      } catch {
        if (Date.now() > deadline) {
          await stopNode(node, "SIGKILL");
          throw new Error(`${node.name} did not answer on ${node.ipcPath} within ${READY_TIMEOUT_MS / 1000} s; end of its log:\n${logTail(node)}`);
        }
        await sleep(200);
      }
    }
  } finally {
    fs.closeSync(log);
  }
}

/**
 * Ends the node's process group with `signal` (SIGTERM lets geth close its database; SIGKILL is a crash) and waits
 * until it is gone, escalating to SIGKILL after `graceMs`. Returns whether it was running; `log` hears the stop.
 */
export async function stopNode(
  node: NetworkNode,
  signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
  graceMs = 15_000,
  log: Logger = quietLogger(),
): Promise<boolean> {
  const pid = runningPid(node);
  if (pid === undefined) return false;
  const signalGroup = (which: NodeJS.Signals): void => {
    try {
      process.kill(-pid, which);
    } catch {
      // Already gone.
    }
  };
  signalGroup(signal);
  const deadline = Date.now() + graceMs;
  let escalated = false;
  while (isNodeProcess(pid, node)) {
    if (Date.now() > deadline) {
      if (!escalated) log.warn({ node: node.name, pid, graceMs }, `${node.name} did not stop within ${graceMs / 1000} s; killing it`);
      escalated = true;
      signalGroup("SIGKILL");
      await sleep(200);
      if (Date.now() > deadline + 5_000) throw new Error(`${node.name} (pid ${pid}) did not stop`);
    }
    await sleep(100);
  }
  fs.rmSync(pidPath(node), { force: true });
  log.info({ node: node.name, pid, signal: escalated ? "SIGKILL" : signal }, `${node.name} stopped`);
  return true;
}

/** Kills the node's process group at once, without waiting: for process-exit hooks, where nothing can be awaited. */
export function killNodeNow(node: NetworkNode): void {
  const pid = runningPid(node);
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
