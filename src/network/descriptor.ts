/**
 * The network descriptor: what `npm run network -- up` writes about a running consortium network so that
 * everything else (Hardhat's config, hence `deploy`, the demo, `npm start --rpc`, the indexer, the audit) can reach
 * it without being told anything else. It names the JSON-RPC endpoint, the chain id, the validators and the
 * prefunded development accounts, and each node's place on disk.
 *
 * The file holds private keys of the development accounts (never of the validators: theirs stay encrypted in each
 * node's keystore), so it lives in the git-ignored state directory and is written readable by its owner only.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/** Where `npm run network -- up` keeps its state (keys, datadirs, this descriptor) unless told otherwise. */
export const DEFAULT_NETWORK_DIR = path.resolve(__dirname, "../../.chainbill/network");
export const DESCRIPTOR_FILE = "network.json";
/** Names the descriptor to read instead of the default one (tests and benchmarks run networks of their own). */
export const DESCRIPTOR_ENV = "CHAINBILL_NETWORK_DESCRIPTOR";
/** The name under which Hardhat's config offers the network: `--network consortium`. */
export const HARDHAT_NETWORK_NAME = "consortium";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex key");
const port = z.number().int().min(1).max(65_535);

const nodeSchema = z.object({
  /** `validator-1` … or `rpc`. */
  name: z.string().min(1),
  /** What the node was started as; whether a validator still seals is the chain's (clique) decision. */
  role: z.enum(["validator", "rpc"]),
  /** The validator's sealing address; absent for the RPC node. */
  signer: address.optional(),
  enode: z.string().regex(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/, "must be an enode URL on 127.0.0.1"),
  p2pPort: port,
  authPort: port,
  /** JSON-RPC over HTTP, on the RPC node only (validators answer on their IPC socket only). */
  httpPort: port.optional(),
  dataDir: z.string().min(1),
  ipcPath: z.string().min(1),
});

const descriptorSchema = z.object({
  format: z.literal(1),
  chainId: z.number().int().positive(),
  /** The RPC node's JSON-RPC URL: the one endpoint applications use. */
  rpcUrl: z.string().regex(/^http:\/\/127\.0\.0\.1:\d+$/, "must be an http URL on 127.0.0.1"),
  blockPeriodSeconds: z.number().int().positive(),
  /** The signers the genesis names; governance (`propose`) updates it when a change takes effect. */
  validators: z.array(address).min(1),
  nodes: z.array(nodeSchema).min(2),
  /** Development accounts prefunded in the genesis; account 0 deploys and is the operator. */
  accounts: z.array(z.object({ address, privateKey })).min(1),
  gethVersion: z.string().min(1),
  createdAt: z.string().min(1),
});

export type NetworkNode = z.infer<typeof nodeSchema>;
export type NetworkDescriptor = z.infer<typeof descriptorSchema>;

/** The descriptor file to use: `$CHAINBILL_NETWORK_DESCRIPTOR`, else the default state directory's. */
export function descriptorPath(env: NodeJS.ProcessEnv = process.env): string {
  const named = env[DESCRIPTOR_ENV];
  return named !== undefined && named !== "" ? path.resolve(named) : path.join(DEFAULT_NETWORK_DIR, DESCRIPTOR_FILE);
}

/** Checks a parsed descriptor; the error names the file and every field that is wrong. */
export function parseNetworkDescriptor(value: unknown, source: string): NetworkDescriptor {
  const parsed = descriptorSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`network descriptor ${source} is not valid:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Reads and checks the descriptor at `file`. */
export function readNetworkDescriptor(file: string = descriptorPath()): NetworkDescriptor {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`no network descriptor at ${file} (start a network with \`npm run network -- up\`): ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`network descriptor ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseNetworkDescriptor(json, file);
}

/** The descriptor at `file`, or undefined when there is none (no network has been started). */
export function readNetworkDescriptorIfPresent(file: string = descriptorPath()): NetworkDescriptor | undefined {
  return fs.existsSync(file) ? readNetworkDescriptor(file) : undefined;
}

/** Writes the descriptor atomically (a reader never sees half a file), readable by its owner only. */
export function writeNetworkDescriptor(file: string, descriptor: NetworkDescriptor): void {
  const checked = parseNetworkDescriptor(descriptor, file);
  const staging = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staging, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(staging, file);
}
