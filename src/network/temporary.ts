/**
 * A throw-away network for a test file or a benchmark: a fresh temporary directory, a free base port and a chain
 * id no user network has, so it never meets a network started with `npm run network -- up`. `stop()` kills every
 * node's process group and deletes the directory and Ignition's record of deployments to the chain; if the process
 * exits without calling it, the nodes are killed all the same.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { quietLogger } from "../log/logger";
import { DESCRIPTOR_FILE } from "./descriptor";
import type { NetworkDescriptor, NetworkNode } from "./descriptor";
import { createNetwork } from "./create";
import { requireGeth } from "./geth";
import { startNetwork, stopNetwork } from "./lifecycle";
import { killNodeNow } from "./processes";

export interface TemporaryNetwork {
  descriptor: NetworkDescriptor;
  stateDir: string;
  descriptorFile: string;
  geth: string;
  stop(): Promise<void>;
}

/** Far from the default 741741, random so that two runs at once do not share Ignition's deployment record. */
function temporaryChainId(): number {
  return 900_000 + Math.floor(Math.random() * 90_000);
}

function temporaryBasePort(): number {
  return 40_000 + Math.floor(Math.random() * 20_000);
}

export function deploymentJournalOf(chainId: number): string {
  return path.resolve(__dirname, "../../deploy/deployments", `chain-${chainId}`);
}

/** What a benchmark may vary; tests take the defaults (those of `npm run network`). */
export interface TemporaryNetworkOptions {
  /** Genesis block gas limit (pair it with `--miner.gaslimit` in `extraArgs`, or blocks drift back to the default). */
  gasLimit?: bigint;
  blockPeriodSeconds?: number;
  /** Flags added to a node's command line. */
  extraArgs?: (node: NetworkNode) => readonly string[];
}

export async function startTemporaryNetwork(
  validators: number,
  log: Logger = quietLogger(),
  options: TemporaryNetworkOptions = {},
): Promise<TemporaryNetwork> {
  const geth = requireGeth();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-net-"));
  let descriptor: NetworkDescriptor | undefined;
  const killAll = (): void => descriptor?.nodes.forEach(killNodeNow);
  process.once("exit", killAll);
  const stop = async (): Promise<void> => {
    try {
      if (descriptor !== undefined) await stopNetwork(descriptor, "SIGKILL");
    } finally {
      process.removeListener("exit", killAll);
      fs.rmSync(stateDir, { recursive: true, force: true });
      if (descriptor !== undefined) fs.rmSync(deploymentJournalOf(descriptor.chainId), { recursive: true, force: true });
    }
  };
  try {
    for (let attempt = 1; descriptor === undefined; attempt += 1) {
      try {
        descriptor = await createNetwork({
          stateDir,
          validators,
          basePort: temporaryBasePort(),
          chainId: temporaryChainId(),
          blockPeriodSeconds: options.blockPeriodSeconds ?? 1,
          gasLimit: options.gasLimit,
          geth,
        });
      } catch (error) {
        // Another program holds one of the ports: try another base.
        if (attempt >= 5 || !/port \d+ on 127\.0\.0\.1 is taken/.test((error as Error).message)) throw error;
      }
    }
    await startNetwork(descriptor, stateDir, geth, log, options.extraArgs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { descriptor, stateDir, descriptorFile: path.join(stateDir, DESCRIPTOR_FILE), geth, stop };
}
