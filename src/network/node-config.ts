/**
 * A node's geth configuration (TOML, read with `--config`): loopback listen addresses, no discovery, static
 * peers, its own network id. The command line adds `--nodiscover --nat none --netrestrict 127.0.0.0/8` on top, so
 * a node neither looks for nor accepts peers beyond this machine.
 */
import type { NetworkNode } from "./descriptor";

/** Methods the RPC node answers over HTTP: what applications need, nothing that administers the node. */
export const HTTP_MODULES = ["eth", "net", "web3", "txpool"];

function tomlString(value: string): string {
  // A JSON string literal is a valid TOML basic string.
  return JSON.stringify(value);
}

function tomlStrings(values: readonly string[]): string {
  return `[${values.map(tomlString).join(", ")}]`;
}

/** The TOML for `node`, which peers statically with every other node of `nodes`. */
export function nodeConfigToml(node: NetworkNode, nodes: readonly NetworkNode[], chainId: number): string {
  const peers = nodes.filter((other) => other.name !== node.name).map((other) => other.enode);
  const lines = [
    "# Written by `npm run network`; regenerated on every start.",
    "[Eth]",
    `NetworkId = ${chainId}`,
    'SyncMode = "full"',
    "",
    // geth replaces this whole table when the file names it, so every field is given. The default refuses
    // transactions tipping under 1 gwei; a private chain takes any tip from 1 wei. Recommit (the least geth
    // allows) lets transactions that arrive while a block waits for its slot still join it.
    "[Eth.Miner]",
    "GasCeil = 30000000",
    "GasPrice = 1",
    "Recommit = 1000000000",
    "NewPayloadTimeout = 2000000000",
    "",
    "[Node]",
    `DataDir = ${tomlString(node.dataDir)}`,
    `IPCPath = ${tomlString(node.ipcPath)}`,
    'AuthAddr = "127.0.0.1"',
    `AuthPort = ${node.authPort}`,
    ...(node.httpPort === undefined
      ? []
      : [
          'HTTPHost = "127.0.0.1"',
          `HTTPPort = ${node.httpPort}`,
          `HTTPModules = ${tomlStrings(HTTP_MODULES)}`,
          'HTTPVirtualHosts = ["localhost", "127.0.0.1"]',
        ]),
    "",
    "[Node.P2P]",
    "MaxPeers = 32",
    "NoDiscovery = true",
    "DiscoveryV4 = false",
    "BootstrapNodes = []",
    "BootstrapNodesV5 = []",
    `ListenAddr = "127.0.0.1:${node.p2pPort}"`,
    `StaticNodes = ${tomlStrings(peers)}`,
    `TrustedNodes = ${tomlStrings(peers)}`,
    "",
  ];
  return lines.join("\n");
}
