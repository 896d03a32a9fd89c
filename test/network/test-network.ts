/**
 * A temporary geth Clique network for a test file (src/network/temporary.ts), with what the tests use on it:
 * a provider on the RPC node, the prefunded wallets, and crash / restart of one node.
 */
import { JsonRpcProvider, Wallet } from "ethers";
import type { NetworkDescriptor, NetworkNode } from "../../src/network/descriptor";
import { restartNode, rpcNodeOf } from "../../src/network/lifecycle";
import type { RpcCall } from "../../src/network/load";
import { stopNode } from "../../src/network/processes";
import { startTemporaryNetwork } from "../../src/network/temporary";

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
  /** Starts it again; a validator seals again once it is peered with the nodes that run. */
  restart(node: NetworkNode): Promise<void>;
  /** Kills every node, deletes the directory and Ignition's record of deployments to this chain. */
  stop(): Promise<void>;
}

export async function startTestNetwork(validators = 4): Promise<TestNetwork> {
  const network = await startTemporaryNetwork(validators);
  const { descriptor, stateDir, geth } = network;
  const provider = new JsonRpcProvider(descriptor.rpcUrl, descriptor.chainId, { staticNetwork: true, pollingInterval: 250 });
  return {
    descriptor,
    stateDir,
    descriptorFile: network.descriptorFile,
    provider,
    rpc: (method, params) => provider.send(method, params),
    wallets: descriptor.accounts.map((account) => new Wallet(account.privateKey)),
    validator: (index) => {
      const node = descriptor.nodes.filter((candidate) => candidate.role === "validator")[index];
      if (node === undefined) throw new Error(`no validator ${index}`);
      return node;
    },
    rpcNode: rpcNodeOf(descriptor),
    kill: async (node) => {
      if (!(await stopNode(node, "SIGKILL"))) throw new Error(`${node.name} was not running`);
    },
    restart: async (node) => {
      await restartNode(node, descriptor, stateDir, geth);
    },
    stop: async () => {
      provider.destroy();
      await network.stop();
    },
  };
}
