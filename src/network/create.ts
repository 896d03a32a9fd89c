/**
 * Creating a network: keys, genesis, node directories and the descriptor. Nothing is started here.
 *
 * Every key is new: each validator's sealing key (kept encrypted in its node's keystore), each node's p2p
 * identity (its enode), and the development accounts the genesis prefunds (their keys go in the descriptor, for
 * Hardhat and the tests; they hold only this private chain's ether).
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { SigningKey, Wallet, encryptKeystoreJsonSync, parseEther } from "ethers";
import { DESCRIPTOR_FILE, writeNetworkDescriptor } from "./descriptor";
import type { NetworkDescriptor, NetworkNode } from "./descriptor";
import { cliqueGenesis } from "./genesis";
import { GETH_VERSION } from "./geth";
import { networkLayout, portsOf } from "./layout";
import type { NodeLayout } from "./layout";
import { PASSWORD_FILE } from "./processes";

export const DEFAULT_CHAIN_ID = 741_741;
export const DEFAULT_BLOCK_PERIOD_SECONDS = 1;
export const DEV_ACCOUNTS = 20;
const DEV_ACCOUNT_BALANCE = parseEther("1000000");
/** geth's own light key-derivation cost (`--lightkdf`): these keys guard a loopback test network. */
const KEYSTORE_SCRYPT_N = 1 << 12;

export interface CreateNetworkOptions {
  stateDir: string;
  validators: number;
  basePort: number;
  chainId: number;
  blockPeriodSeconds: number;
  geth: string;
  /** The genesis block gas limit (default DEFAULT_GAS_LIMIT, genesis.ts). */
  gasLimit?: bigint;
}

/** Rejects with a message naming the port when something on 127.0.0.1 already listens there. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`port ${port} on 127.0.0.1 is taken (${error.code ?? error.message}); choose another --base-port`)),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

function enodeOf(nodeKey: string, port: number): string {
  // The node id is the uncompressed public key without its 0x04 prefix.
  const publicKey = SigningKey.computePublicKey(nodeKey, false).slice(4);
  return `enode://${publicKey}@127.0.0.1:${port}`;
}

export async function createNetwork(options: CreateNetworkOptions): Promise<NetworkDescriptor> {
  const layout = networkLayout(options.stateDir, options.validators, options.basePort);
  if (fs.existsSync(path.join(options.stateDir, DESCRIPTOR_FILE))) {
    throw new Error(`a network already exists in ${options.stateDir}`);
  }
  for (const port of portsOf(layout)) await assertPortFree(port);

  const existed = fs.existsSync(options.stateDir);
  try {
    return createIn(options, layout);
  } catch (error) {
    // Leave nothing half made: the next `up` would trip over it.
    if (!existed) fs.rmSync(options.stateDir, { recursive: true, force: true });
    throw error;
  }
}

function createIn(options: CreateNetworkOptions, layout: NodeLayout[]): NetworkDescriptor {
  fs.mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const password = crypto.randomBytes(24).toString("hex");
  fs.writeFileSync(path.join(options.stateDir, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });

  const nodes: NetworkNode[] = [];
  for (const place of layout) {
    fs.mkdirSync(path.join(place.dataDir, "geth"), { recursive: true, mode: 0o700 });
    const nodeKey = Wallet.createRandom().privateKey;
    fs.writeFileSync(path.join(place.dataDir, "geth", "nodekey"), nodeKey.slice(2), { mode: 0o600 });
    let signer: string | undefined;
    if (place.role === "validator") {
      const sealer = Wallet.createRandom();
      signer = sealer.address;
      const keystore = encryptKeystoreJsonSync({ address: sealer.address, privateKey: sealer.privateKey }, password, {
        scrypt: { N: KEYSTORE_SCRYPT_N },
      });
      fs.mkdirSync(path.join(place.dataDir, "keystore"), { mode: 0o700 });
      fs.writeFileSync(path.join(place.dataDir, "keystore", `UTC--${sealer.address.slice(2).toLowerCase()}.json`), keystore, { mode: 0o600 });
    }
    nodes.push({ ...place, ...(signer === undefined ? {} : { signer }), enode: enodeOf(nodeKey, place.p2pPort) });
  }

  const accounts = Array.from({ length: DEV_ACCOUNTS }, () => {
    const wallet = Wallet.createRandom();
    return { address: wallet.address, privateKey: wallet.privateKey };
  });
  const validators = nodes.flatMap((node) => (node.signer === undefined ? [] : [node.signer]));
  const genesis = cliqueGenesis({
    chainId: options.chainId,
    blockPeriodSeconds: options.blockPeriodSeconds,
    validators,
    gasLimit: options.gasLimit,
    alloc: new Map(accounts.map((account) => [account.address, DEV_ACCOUNT_BALANCE])),
  });
  const genesisFile = path.join(options.stateDir, "genesis.json");
  fs.writeFileSync(genesisFile, `${JSON.stringify(genesis, null, 2)}\n`);
  for (const node of nodes) {
    try {
      execFileSync(options.geth, ["--datadir", node.dataDir, "--verbosity", "2", "init", genesisFile], { stdio: "pipe" });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
      throw new Error(`geth init failed for ${node.name}: ${stderr || (error as Error).message}`, { cause: error });
    }
  }

  const rpc = nodes.find((node) => node.role === "rpc");
  if (rpc?.httpPort === undefined) throw new Error("the layout has no RPC node");
  const descriptor: NetworkDescriptor = {
    format: 1,
    chainId: options.chainId,
    rpcUrl: `http://127.0.0.1:${rpc.httpPort}`,
    blockPeriodSeconds: options.blockPeriodSeconds,
    validators,
    nodes,
    accounts,
    gethVersion: GETH_VERSION,
    createdAt: new Date().toISOString(),
  };
  writeNetworkDescriptor(path.join(options.stateDir, DESCRIPTOR_FILE), descriptor);
  return descriptor;
}
