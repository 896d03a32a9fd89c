import { z } from "zod";
import { HELP_OPTION, UsageError, parseCommandLine } from "../chain/commandLine";
import { DeploymentRecordError, readDeploymentFile } from "../chain/deployment";
import type { ChainbillAddresses } from "../chain/system";
import { DEFAULT_LIMITS } from "./context";
import type { ApiLimits } from "./context";

/**
 * The API server's configuration from its command line and environment: where the chain is, where the contracts
 * are, where the documents live, and what it listens on. The verifier key is read separately (keys.ts).
 */

export interface ApiServerConfig {
  rpcUrl: string;
  dbPath: string;
  addresses: ChainbillAddresses;
  host: string;
  port: number;
  /** What sign-in messages must name. */
  domain: string;
  uri: string;
  fromBlock: number;
  attestationTtlSeconds: number;
  keystorePath?: string;
  limits: ApiLimits;
  /** Where the in-process indexer keeps its LevelDB; given, the API indexes from `fromBlock` and serves the index routes. */
  indexDbPath?: string;
  /** Blocks behind the head after which the index calls a figure final. */
  confirmations: number;
  /** Where funding requests are kept; given, the API serves `/v1/funding-requests`. */
  requestsDbPath?: string;
  /** Where factors' offers are kept; given, the API serves `/v1/offers`. */
  offersDbPath?: string;
  /** Where sessions are kept so they survive a restart; without it they end with the process. */
  sessionsDbPath?: string;
  /** Serve the built dApp and its `/v1/config` from the same origin (`--web`). */
  serveWeb: boolean;
}

export const USAGE = `usage: npm run api -- --rpc <url> --db <dir> (--deployment <file> | --registry <a> --receivable-token <a> --settlement-token <a> --settlement <a> --financing <a>)
  [--host 127.0.0.1] [--port 8080] [--domain <host:port>] [--uri <url>] [--from-block <n>] [--attestation-ttl <s>] [--keystore <file>]
  [--index-db <dir> [--confirmations <n>]] [--requests-db <dir>] [--offers-db <dir>] [--sessions-db <dir>] [--web]
  --offers-db: serve factors' offers (/v1/offers); --web: serve the dApp too (built first if its sources changed);
  --index-db: run the indexer in this process (from --from-block) and serve the index reads; --requests-db: serve the
  funding-request inbox; --sessions-db: keep sign-in sessions there, so they survive a restart.
  --deployment: a JSON file {registry, receivableToken, settlementToken, settlement, financing}, a deployment record
  (deploy/deployments/chain-<id>/deployment-record.json, written by npm start) or Hardhat Ignition's
  deployed_addresses.json. The verifier key: --keystore (password in CHAINBILL_VERIFIER_KEYSTORE_PASSWORD or
  CHAINBILL_VERIFIER_KEYSTORE_PASSWORD_FILE) or CHAINBILL_VERIFIER_KEY. Rate limits: CHAINBILL_API_RATE_IP and
  CHAINBILL_API_RATE_ADDRESS as "<burst>/<per second>"; CHAINBILL_API_REQUEST_TIMEOUT_MS (default 30000) drops a
  client too slow to send its whole request.`;

const addressText = z.string().regex(/^0x[0-9a-fA-F]{40}$/u, "an address is 0x followed by 40 hex digits");

const addressFlags = z.strictObject({
  registry: addressText,
  receivableToken: addressText,
  settlementToken: addressText,
  settlement: addressText,
  financing: addressText,
});

function rate(text: string | undefined, fallback: ApiLimits["perIp"], name: string): ApiLimits["perIp"] {
  if (text === undefined || text === "") return fallback;
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/u.exec(text);
  if (match === null) throw new UsageError(`${name} must look like "<burst>/<per second>", e.g. "120/60"`);
  return { burst: Number(match[1]), perSecond: Number(match[2]) };
}

function wholeNumber(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/u.test(text)) throw new UsageError(`${name} must be a whole number`);
  return Number(text);
}

/**
 * Parses the command line (without `node script`) and environment; null for --help. A mistake is a UsageError
 * naming the flag (the command prints the usage with it and exits 2).
 */
export function parseApiArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ApiServerConfig | null {
  const { values } = parseCommandLine(argv, {
    ...HELP_OPTION,
    rpc: { type: "string" },
    db: { type: "string" },
    deployment: { type: "string" },
    registry: { type: "string" },
    "receivable-token": { type: "string" },
    "settlement-token": { type: "string" },
    settlement: { type: "string" },
    financing: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    domain: { type: "string" },
    uri: { type: "string" },
    "from-block": { type: "string" },
    "attestation-ttl": { type: "string" },
    keystore: { type: "string" },
    "index-db": { type: "string" },
    confirmations: { type: "string" },
    "requests-db": { type: "string" },
    "offers-db": { type: "string" },
    "sessions-db": { type: "string" },
    web: { type: "boolean" },
  });
  if (values.help === true) return null;
  const rpcUrl = values.rpc ?? env.CHAINBILL_RPC_URL;
  if (rpcUrl === undefined) throw new UsageError("--rpc is required");
  if (values.db === undefined) throw new UsageError("--db is required");
  if (values.confirmations !== undefined && values["index-db"] === undefined)
    throw new UsageError(`--confirmations applies to the index: give --index-db too`);
  const databases = [values.db, values["index-db"], values["requests-db"], values["offers-db"], values["sessions-db"]].filter(
    (location) => location !== undefined,
  );
  if (new Set(databases).size !== databases.length)
    throw new UsageError(`--db, --index-db, --requests-db, --offers-db and --sessions-db must be different directories`);
  let addresses: ChainbillAddresses;
  if (values.deployment !== undefined) {
    try {
      addresses = readDeploymentFile(values.deployment).contracts;
    } catch (error) {
      throw error instanceof DeploymentRecordError ? new UsageError(error.message) : error;
    }
  } else {
    const flags = addressFlags.safeParse({
      registry: values.registry,
      receivableToken: values["receivable-token"],
      settlementToken: values["settlement-token"],
      settlement: values.settlement,
      financing: values.financing,
    });
    if (!flags.success) throw new UsageError(`give --deployment <file> or all five contract addresses`);
    addresses = flags.data;
  }
  const host = values.host ?? "127.0.0.1";
  const port = wholeNumber(values.port, 8080, "--port");
  const domain = values.domain ?? `${host}:${port}`;
  return {
    rpcUrl,
    dbPath: values.db,
    serveWeb: values.web === true,
    addresses,
    host,
    port,
    domain,
    uri: values.uri ?? `http://${domain}`,
    fromBlock: wholeNumber(values["from-block"], 0, "--from-block"),
    attestationTtlSeconds: wholeNumber(values["attestation-ttl"], 3600, "--attestation-ttl"),
    keystorePath: values.keystore,
    indexDbPath: values["index-db"],
    confirmations: wholeNumber(values.confirmations, 0, "--confirmations"),
    requestsDbPath: values["requests-db"],
    offersDbPath: values["offers-db"],
    sessionsDbPath: values["sessions-db"],
    limits: {
      ...DEFAULT_LIMITS,
      perIp: rate(env.CHAINBILL_API_RATE_IP, DEFAULT_LIMITS.perIp, "CHAINBILL_API_RATE_IP"),
      perAddress: rate(env.CHAINBILL_API_RATE_ADDRESS, DEFAULT_LIMITS.perAddress, "CHAINBILL_API_RATE_ADDRESS"),
      requestTimeoutMs: wholeNumber(env.CHAINBILL_API_REQUEST_TIMEOUT_MS, DEFAULT_LIMITS.requestTimeoutMs, "CHAINBILL_API_REQUEST_TIMEOUT_MS"),
    },
  };
}
