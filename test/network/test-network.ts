/**
 * A geth Clique network of its own for a test file: a fresh temporary directory, a free base port and a chain id
 * no user network has, so it never meets a network started with `npm run network -- up`. `stop()` kills every
 * node's process group and deletes the directory; it also runs if the test process exits without calling it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { DESCRIPTOR_FILE } from "../../src/network/descriptor";
import type { NetworkDescriptor, NetworkNode } from "../../src/network/descriptor";
import { createNetwork } from "../../scripts/network/create";
import { requireGeth } from "../../scripts/network/geth";
import { rpcNodeOf, startNetwork, stopNetwork } from "../../scripts/network/lifecycle";
import { killNodeNow, startNode, stopNode } from "../../scripts/network/processes";
import type { RpcCall } from "../../scripts/network/load";

export interface TestNetwork {
  descriptor: NetworkDescriptor;
  stateDir: string;
  descriptorFile: string;
  provider: JsonRpcProvider;
  rpc: RpcCall;
  /** The prefunded development accounts. */
  wallets: Wallet[];
  validator(index: number): NetworkNode;
  rpcNode: NetworkNode;
  /** Crashes the node: SIGKILL to its process group. */
  kill(node: NetworkNode): Promise<void>;
  restart(node: NetworkNode): Promise<void>;
  stop(): Promise<void>;
}

/** Chain ids for test networks: far from the default 741741, random so two runs at once do not meet. */
function testChainId(): number {
  return 900_000 + Math.floor(Math.random() * 90_000);
}

function testBasePort(): number {
  return 40_000 + Math.floor(Math.random() * 20_000);
}

export async function startTestNetwork(validators = 4): Promise<TestNetwork> {
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
    }
  };
  try {
    for (let attempt = 1; descriptor === undefined; attempt += 1) {
      try {
        descriptor = await createNetwork({ stateDir, validators, basePort: testBasePort(), chainId: testChainId(), blockPeriodSeconds: 1, geth });
      } catch (error) {
        // Another program took one of the ports: try another base.
        if (attempt >= 5 || !/port \d+ on 127\.0\.0\.1 is taken/.test((error as Error).message)) throw error;
      }
    }
    await startNetwork(descriptor, stateDir, geth);
  } catch (error) {
    await stop();
    throw error;
  }
  const ready = descriptor;
  const provider = new JsonRpcProvider(ready.rpcUrl, ready.chainId, { staticNetwork: true, pollingInterval: 250 });
  return {
    descriptor: ready,
    stateDir,
    descriptorFile: path.join(stateDir, DESCRIPTOR_FILE),
    provider,
    rpc: (method, params) => provider.send(method, params),
    wallets: ready.accounts.map((account) => new Wallet(account.privateKey)),
    validator: (index) => {
      const node = ready.nodes.filter((candidate) => candidate.role === "validator")[index];
      if (node === undefined) throw new Error(`no validator ${index}`);
      return node;
    },
    rpcNode: rpcNodeOf(ready),
    kill: async (node) => {
      if (!(await stopNode(node, "SIGKILL"))) throw new Error(`${node.name} was not running`);
    },
    restart: async (node) => {
      await startNode(node, ready, stateDir, geth);
    },
    stop: async () => {
      provider.destroy();
      await stop();
    },
  };
}
