import hre from "hardhat";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import type { Logger } from "pino";
import type { Signer } from "ethers";
import { SiweMessage } from "siwe";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { addressesOf, connectChainbill } from "../../src/chain/system";
import type { ChainbillAddresses, ChainbillContracts } from "../../src/chain/system";
import { DocumentStore } from "../../src/documents/store";
import { startServer } from "../../src/api/server";
import type { RunningServer } from "../../src/api/server";
import type { ApiLimits } from "../../src/api/context";
import type { SignaturePoolOptions } from "../../src/chain/signaturePool";
import type { AnswerMismatch } from "../../src/api/conformance";
import { ApiClient } from "../../src/api/wire/client";
import { startIndexer } from "../../src/indexer/indexer";
import type { RunningIndexer } from "../../src/indexer/indexer";
import { FundingRequestStore } from "../../src/requests/store";
import { OfferStore } from "../../src/offers/store";
import { LevelSessionPersistence } from "../../src/api/auth/sessions";
import { createVerifier } from "../../src/verifier";
import { deployConsortium, systemOf } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";

/**
 * The real API server, in process, on loopback, against the in-process chain: what every API test drives over HTTP.
 * The verifier is the real one, signing with the consortium's VERIFIER member. With `index`, an indexer follows the
 * chain in process and the API serves the index reads and the funding-request inbox, as `npm start` does.
 */

export const SIGN_IN_DOMAIN = "chainbill.test";
export const SIGN_IN_URI = "https://chainbill.test/login";

/** Limits high enough that only the rate-limit tests meet them. */
export const GENEROUS_LIMITS: Partial<ApiLimits> = {
  perIp: { burst: 100_000, perSecond: 100_000 },
  perAddress: { burst: 100_000, perSecond: 100_000 },
};

export interface ApiHarness {
  c: Consortium;
  /** The system as the API sees it: connected to the provider, read-only. */
  contracts: ChainbillContracts;
  chainId: bigint;
  store: DocumentStore;
  server: RunningServer;
  url: string;
  /** Present with `index: true`. */
  indexer?: RunningIndexer;
  /** Present with `index: true`. */
  requests?: FundingRequestStore;
  /** The answers the API sent that their schemas do not describe (each was turned into a 500); close() fails on any. */
  mismatches: AnswerMismatch[];
  /** Stops the API server (sessions closed on disk) and starts a new one on the same stores; `url` changes. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  limits?: Partial<ApiLimits>;
  consortium?: Consortium;
  /** The verifier's key (default: the consortium's VERIFIER member). */
  verifierSigner?: Pick<Signer, "signTypedData" | "getAddress">;
  logger?: Logger;
  /** Run an indexer in process and serve the index routes and the funding-request inbox. */
  index?: boolean;
  /** The first block to index (default: the block the harness deploys the consortium in, or 0 for a given one). */
  indexFromBlock?: number;
  /** Blocks behind the head after which the index calls a figure final (default 0). */
  confirmations?: number;
  /** The API's signature pool settings (default: the pool's own). */
  signaturePool?: SignaturePoolOptions;
  /** Serve factors' offers (`/v1/offers`) from an offer store. */
  offers?: boolean;
  /** Serve a built dApp from this folder too, as `npm run api -- --web` does. */
  webRoot?: string;
  /**
   * Check every answer against its route's schema (default true: one it does not describe is a 500 and fails
   * close()). Off only where the production server's cost is what is measured (`npm run bench:api`): `npm run api`
   * and `npm start` do not check.
   */
  checkAnswers?: boolean;
}

export async function startApi(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const provider = hre.ethers.provider;
  const deploymentBlock = options.consortium === undefined ? (await provider.getBlockNumber()) + 1 : 0;
  const c = options.consortium ?? (await deployConsortium());
  const addresses: ChainbillAddresses = await addressesOf(systemOf(c));
  const contracts = connectChainbill(addresses, provider);
  const { chainId } = await provider.getNetwork();
  const directory = await mkdtemp(path.join(tmpdir(), "chainbill-api-"));
  const store = await DocumentStore.open(path.join(directory, "documents"), chainId);
  let server: RunningServer | undefined;
  let sessions: LevelSessionPersistence | undefined;
  let indexer: RunningIndexer | undefined;
  let requests: FundingRequestStore | undefined;
  const mismatches: AnswerMismatch[] = [];
  const offers = options.offers === true ? await OfferStore.open(path.join(directory, "offers"), chainId) : undefined;
  const stopServer = async (): Promise<void> => {
    await server?.close();
    server = undefined;
    await sessions?.close();
    sessions = undefined;
  };
  // Closes whatever was started, in reverse order: after the tests, or when a later part fails to start.
  const closeParts = async (): Promise<void> => {
    await stopServer();
    await indexer?.stop();
    await requests?.close();
    await offers?.close();
    await store.close();
    await rm(directory, { recursive: true, force: true });
    if (mismatches.length > 0) throw new Error(`the API answered shapes its schemas do not describe: ${JSON.stringify(mismatches)}`);
  };
  const startServerPart = async (): Promise<RunningServer> => {
    sessions = await LevelSessionPersistence.open(path.join(directory, "sessions"));
    const running = indexer;
    server = await startServer({
      contracts,
      chainId,
      store,
      verifier: createVerifier({ contracts, provider, documents: store, signer: options.verifierSigner ?? c.verifier }),
      signIn: { domain: SIGN_IN_DOMAIN, uri: SIGN_IN_URI },
      logger: options.logger ?? pino({ level: process.env.CHAINBILL_TEST_LOG_LEVEL ?? "silent" }),
      limits: { ...GENEROUS_LIMITS, ...options.limits },
      processMetrics: false,
      index:
        running === undefined ? undefined : { reader: running.reader, waitForBlock: (block, timeoutMs) => running.waitForBlock(block, timeoutMs) },
      requests,
      offers,
      sessions,
      signaturePool: options.signaturePool,
      web:
        options.webRoot === undefined
          ? undefined
          : { root: options.webRoot, config: { chainId: chainId.toString(), rpcUrl: null, addresses, demoAccounts: [] } },
      // Every answer is checked against its route's schema: one it does not describe is a 500, and fails close().
      checkAnswers: options.checkAnswers ?? true,
      onAnswerMismatch: (mismatch) => mismatches.push(mismatch),
    });
    return server;
  };
  let started: RunningServer;
  try {
    if (options.index === true) {
      indexer = await startIndexer({
        provider: hre.network.provider,
        dbPath: path.join(directory, "index"),
        addresses,
        startBlock: options.indexFromBlock ?? deploymentBlock,
        confirmations: options.confirmations ?? 0,
        pollIntervalMs: 10,
      });
      requests = await FundingRequestStore.open(path.join(directory, "requests"));
    }
    started = await startServerPart();
  } catch (error) {
    await closeParts();
    throw error;
  }
  const harness: ApiHarness = {
    c,
    contracts,
    chainId,
    store,
    server: started,
    url: started.url,
    indexer,
    requests,
    mismatches,
    restart: async () => {
      await stopServer();
      const again = await startServerPart();
      harness.server = again;
      harness.url = again.url;
    },
    close: closeParts,
  };
  return harness;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: unknown;
}

export interface CallOptions {
  token?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (with `contentType`, default application/json); bytes for a compressed body. */
  raw?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function call(url: string, method: string, route: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    headers["content-type"] = "application/json";
  } else if (options.raw !== undefined) {
    body = typeof options.raw === "string" ? options.raw : new Uint8Array(options.raw);
    headers["content-type"] = options.contentType ?? "application/json";
  }
  const response = await fetch(`${url}${route}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The fields of a sign-in message, overridable to forge one. */
export type MessageFields = Partial<Pick<SiweMessage, "domain" | "uri" | "chainId" | "nonce" | "expirationTime" | "notBefore" | "address">>;

/** A signed EIP-4361 message for `signer`, with a fresh nonce from the server unless overridden. */
export async function signedSignIn(
  url: string,
  signer: Pick<HardhatEthersSigner, "address" | "signMessage">,
  fields: MessageFields = {},
): Promise<{ message: string; signature: string }> {
  const nonce = (await call(url, "GET", "/v1/auth/nonce")).body as { nonce: string; chainId: string };
  const message = new SiweMessage({
    domain: SIGN_IN_DOMAIN,
    address: signer.address,
    statement: "Sign in to Chainbill.",
    uri: SIGN_IN_URI,
    version: "1",
    chainId: Number(nonce.chainId),
    nonce: nonce.nonce,
    issuedAt: new Date().toISOString(),
    ...fields,
  }).prepareMessage();
  return { message, signature: await signer.signMessage(message) };
}

/** Signs in with the typed client and returns the session token. */
export async function signIn(url: string, signer: Pick<HardhatEthersSigner, "address" | "signMessage">): Promise<string> {
  const client = new ApiClient(url);
  await client.signIn({ getAddress: () => Promise.resolve(signer.address), signMessage: (message) => signer.signMessage(message) });
  if (client.token === null) throw new Error("sign-in failed");
  return client.token;
}

/** The typed client of the API at `url`, signed in with `token` when given. */
export function clientOf(url: string, token?: string): ApiClient {
  const client = new ApiClient(url);
  client.token = token ?? null;
  return client;
}

/** The field paths an error answer names. */
export function fieldsOf(answer: Answer): string[] {
  const body = answer.body as { error?: { fields?: Array<{ path: string }> } };
  return (body.error?.fields ?? []).map((field) => field.path);
}

export function codeOf(answer: Answer): string | undefined {
  return (answer.body as { error?: { code?: string } }).error?.code;
}
