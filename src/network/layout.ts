/**
 * Where each node of a network lives: its name, its directory and its loopback ports, all derived from the state
 * directory and one base port so that two networks (a user's and a test's) never share either.
 *
 * From base port B, node i (validators 0 … n-1, then the RPC node) listens for peers on B+i and for the engine API
 * (which geth always opens) on B+100+i; the RPC node serves JSON-RPC over HTTP on B+200. The default base keeps
 * clear of Hardhat's 8545.
 */
import path from "node:path";

export const DEFAULT_BASE_PORT = 30_400;
export const MAX_VALIDATORS = 16;
const AUTH_OFFSET = 100;
const HTTP_OFFSET = 200;
/** Unix sockets take a path of at most 107 bytes. */
const MAX_IPC_PATH = 107;

export interface NodeLayout {
  name: string;
  role: "validator" | "rpc";
  dataDir: string;
  ipcPath: string;
  p2pPort: number;
  authPort: number;
  httpPort?: number;
}

/** The validators' and the RPC node's places, in that order. */
export function networkLayout(stateDir: string, validators: number, basePort: number): NodeLayout[] {
  if (!Number.isInteger(validators) || validators < 1 || validators > MAX_VALIDATORS) {
    throw new Error(`--validators must be a whole number from 1 to ${MAX_VALIDATORS}, not ${validators}`);
  }
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort + HTTP_OFFSET > 65_535) {
    throw new Error(`--base-port must be a whole number from 1024 to ${65_535 - HTTP_OFFSET}, not ${basePort}`);
  }
  const root = path.resolve(stateDir);
  const nodes: NodeLayout[] = [];
  for (let index = 0; index <= validators; index += 1) {
    const isRpc = index === validators;
    const name = isRpc ? "rpc" : `validator-${index + 1}`;
    const dataDir = path.join(root, name);
    const ipcPath = path.join(dataDir, "geth.ipc");
    if (Buffer.byteLength(ipcPath) > MAX_IPC_PATH) {
      throw new Error(
        `the state directory ${root} is too deep: ${ipcPath} exceeds the ${MAX_IPC_PATH}-byte limit of a unix socket path (use a shorter --dir)`,
      );
    }
    nodes.push({
      name,
      role: isRpc ? "rpc" : "validator",
      dataDir,
      ipcPath,
      p2pPort: basePort + index,
      authPort: basePort + AUTH_OFFSET + index,
      ...(isRpc ? { httpPort: basePort + HTTP_OFFSET } : {}),
    });
  }
  return nodes;
}

/** Every port the network would listen on. */
export function portsOf(nodes: readonly NodeLayout[]): number[] {
  return nodes.flatMap((node) => [node.p2pPort, node.authPort, ...(node.httpPort === undefined ? [] : [node.httpPort])]);
}
