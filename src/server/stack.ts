import { writeDeploymentRecord } from "../../deploy/record";
import { RECORD_FILE } from "../chain/deployment";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { HDNodeWallet, JsonRpcProvider, Wallet, getAddress } from "ethers";
import type { Provider, Signer } from "ethers";
import pino from "pino";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { createApp } from "../api/app";
import { LevelSessionPersistence } from "../api/auth/sessions";
import { DEFAULT_LIMITS } from "../api/context";
import { Role } from "../chain/roles";
import { addressesOf, connectChainbill } from "../chain/system";
import type { ChainbillAddresses, ChainbillContracts } from "../chain/system";
import { DocumentStore } from "../documents/store";
import { startIndexer } from "../indexer/indexer";
import type { RunningIndexer } from "../indexer/indexer";
import { FundingRequestStore } from "../requests/store";
import { OfferStore } from "../offers/store";
import { LevelRefusalLog } from "../requests/refusals";
import { createVerifier } from "../verifier";
import { DEMO_CAST, DEVELOPMENT_MNEMONIC } from "../demo/cast";
import { seedDemo } from "../demo/seed";
import type { SeedResult } from "../demo/seed";
import { createDappApp } from "../api/dapp";
import type { DappConfig } from "../api/wire/schemas";

/**
 * Everything `npm start` runs, as one function the browser tests call too: the chain (Hardhat's in-process network
 * served as a JSON-RPC node, deployed and seeded with the demo consortium) or an external node, the document and
 * request stores, the verifier, the indexer, and one HTTP server for the API and the dApp. `stop()` closes each
 * part in reverse order, whatever state the others are in.
 */

export type ChainSource =
  | { kind: "in-process"; hre: HardhatRuntimeEnvironment; rpcPort: number }
  | {
      kind: "external";
      rpcUrl: string;
      addresses: ChainbillAddresses;
      /** First block worth indexing (the deployment block). */
      startBlock: number;
      /** The verifier's key (an active VERIFIER member's); without it funding checks are refused. */
      verifierKey?: string;
    };

export interface StackOptions {
  chain: ChainSource;
  host: string;
  /** The API and dApp port; 0 for any free port. */
  port: number;
  /** Where the stores and the index live; wiped on an in-process start (the chain is new each time). */
  dataDir: string;
  /** The built dApp. */
  webRoot: string;
  log?: (line: string) => void;
  /** pino level for the API's log (default "warn"). */
  logLevel?: string;
  /**
   * Where to write the deployment record (`<dir>/chain-<id>/deployment-record.json`) that `npm run audit` and
   * `npm run operator` read; `npm start` passes deploy/deployments. None is written without it.
   */
  deploymentsDir?: string;
  /** Check every API answer against its schema (src/api/wire); one it does not describe becomes a 500. For tests. */
  checkAnswers?: boolean;
  /**
   * Seed the demo consortium on an in-process start (default true). Without it the chain starts as deployed: the
   * operator is the only member, and companies join by applying in the dApp and being admitted in its console.
   */
  seed?: boolean;
}

export interface RunningStack {
  url: string;
  rpcUrl: string;
  chainId: bigint;
  addresses: ChainbillAddresses;
  config: DappConfig;
  contracts: ChainbillContracts;
  provider: Provider;
  indexer: RunningIndexer;
  seeded: SeedResult | null;
  /** The deployment record written for the other commands, when `deploymentsDir` was given. */
  recordFile: string | null;
  stop(): Promise<void>;
}

/** The development account whose key the in-process stack's verifier signs with (the demo cast's verifier). */
export const VERIFIER_ACCOUNT = DEMO_CAST.find((member) => member.key === "verifier")?.accountIndex ?? 6;

/** Development account `index` of the local node (Hardhat's mnemonic and derivation path). */
export function developmentKey(index: number): string {
  return HDNodeWallet.fromPhrase(DEVELOPMENT_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? ((): void => undefined);
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const close of stops.reverse().splice(0)) {
      try {
        await close();
      } catch (error) {
        log(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    let provider: Provider;
    let rpcUrl: string;
    let contracts: ChainbillContracts;
    let verifierSigner: Signer | undefined;
    let startBlock: number;
    let eip1193: { request(args: { method: string; params?: unknown[] }): Promise<unknown> } | undefined;
    const chain = options.chain;
    if (chain.kind === "in-process") {
      const { hre } = chain;
      // Hardhat's own JSON-RPC server over the in-process network: what `npx hardhat node` runs.
      const { JsonRpcServer } = await import("hardhat/internal/hardhat-network/jsonrpc/server");
      const server = new JsonRpcServer({ hostname: options.host, port: chain.rpcPort, provider: hre.network.provider });
      const listening = await server.listen();
      stops.push(async () => {
        await server.close();
      });
      rpcUrl = `http://${options.host}:${listening.port}`;
      log(`chain: Hardhat's in-process network, JSON-RPC at ${rpcUrl}`);
      provider = hre.ethers.provider;
      eip1193 = hre.network.provider;
      const signers = await hre.ethers.getSigners();
      startBlock = (await provider.getBlockNumber()) + 1;
      const { deployChainbill } = await import("../../deploy/system");
      const deployed = await deployChainbill(signers[0]);
      contracts = connectChainbill(await addressesOf(deployed), provider);
      verifierSigner = signers[VERIFIER_ACCOUNT];
      fs.rmSync(options.dataDir, { recursive: true, force: true });
    } else {
      rpcUrl = chain.rpcUrl;
      provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
      contracts = connectChainbill(chain.addresses, provider);
      startBlock = chain.startBlock;
      verifierSigner = chain.verifierKey === undefined ? undefined : new Wallet(chain.verifierKey, provider);
      log(`chain: ${rpcUrl}`);
    }
    const chainId = (await provider.getNetwork()).chainId;
    const addresses = await addressesOf(contracts);
    const dataDir = chain.kind === "in-process" ? options.dataDir : path.join(options.dataDir, `chain-${chainId}`);
    fs.mkdirSync(dataDir, { recursive: true });

    const store = await DocumentStore.open(path.join(dataDir, "documents"), chainId);
    stops.push(() => store.close());
    const requests = await FundingRequestStore.open(path.join(dataDir, "requests"));
    stops.push(() => requests.close());
    const offers = await OfferStore.open(path.join(dataDir, "offers"), chainId);
    stops.push(() => offers.close());
    const sessions = await LevelSessionPersistence.open(path.join(dataDir, "sessions"));
    stops.push(() => sessions.close());
    const refusals = await LevelRefusalLog.open(path.join(dataDir, "refusals"));
    stops.push(() => refusals.close());
    const verifier = createVerifier({
      contracts,
      provider,
      documents: store,
      signer: verifierSigner ?? {
        getAddress: () => Promise.reject(new Error("no verifier key: set CHAINBILL_VERIFIER_KEY to run funding checks")),
        signTypedData: () => Promise.reject(new Error("no verifier key: set CHAINBILL_VERIFIER_KEY to run funding checks")),
      },
    });

    let seeded: SeedResult | null = null;
    if (chain.kind === "in-process" && options.seed !== false) {
      const signers = await chain.hre.ethers.getSigners();
      seeded = await seedDemo({ contracts, provider, accounts: signers, store, verifier, chainId, offers, log: (line) => log(`seed: ${line}`) });
    }

    const indexer = await startIndexer({
      ...(eip1193 !== undefined ? { provider: eip1193 } : { rpcUrl }),
      dbPath: path.join(dataDir, "index"),
      addresses,
      startBlock,
      pollIntervalMs: 200,
    });
    stops.push(() => indexer.stop());
    await indexer.waitForBlock(await provider.getBlockNumber(), 60_000);
    log(`indexer: caught up at block ${indexer.cursor()?.number ?? "?"}`);

    // A client too slow to send its request is dropped, as by the API's own server (src/api/server.ts).
    const httpServer = http.createServer({
      requestTimeout: DEFAULT_LIMITS.requestTimeoutMs,
      headersTimeout: DEFAULT_LIMITS.headersTimeoutMs,
      connectionsCheckingInterval: 1000,
    });
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(options.port, options.host, () => resolve());
    });
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        }),
    );
    const { port } = httpServer.address() as AddressInfo;
    const url = `http://${options.host}:${port}`;
    const logger = pino({ level: options.logLevel ?? "warn" });
    const api = createApp({
      contracts,
      chainId,
      store,
      verifier,
      signIn: { domain: `${options.host}:${port}`, uri: url },
      logger,
      fromBlock: startBlock,
      processMetrics: false,
      index: { reader: indexer.reader, waitForBlock: (block, timeoutMs) => indexer.waitForBlock(block, timeoutMs) },
      requests,
      offers,
      sessions,
      refusals,
      checkAnswers: options.checkAnswers,
    });

    // Names come from the API's directory (the registry and admitted applications); the development keys of the
    // seeded cast are offered for signing in on the local demo chain only.
    const demoAccounts: DappConfig["demoAccounts"] = [];
    if (seeded !== null) {
      for (const member of DEMO_CAST) {
        const address = getAddress(new Wallet(developmentKey(member.accountIndex)).address);
        demoAccounts.push({
          address,
          privateKey: developmentKey(member.accountIndex),
          name: member.name,
          nameZh: member.nameZh,
          role: Role[member.roles[0]],
        });
      }
    } else if (chain.kind === "in-process") {
      // An empty local consortium: the operator's key and development keys to apply with (account 6 signs for the
      // API's verifier once a verifier is admitted under it).
      for (let index = 0; index < DEMO_CAST.length; index += 1) {
        const privateKey = developmentKey(index);
        const role = index === 0 ? "OPERATOR" : index === VERIFIER_ACCOUNT ? "VERIFIER" : "APPLICANT";
        demoAccounts.push({
          address: getAddress(new Wallet(privateKey).address),
          privateKey,
          name: `Development account ${index}`,
          nameZh: `开发账户 ${index}`,
          role,
        });
      }
    }
    const config: DappConfig = { chainId: chainId.toString(), rpcUrl, addresses, demoAccounts };
    const app = createDappApp({
      api,
      config,
      webRoot: options.webRoot,
    });
    httpServer.on("request", app);
    // The API's signature pool ends with the server (its threads start only on a large batch of signatures).
    stops.push(() => api.context.signatures.close());
    log(`dApp and API: ${url}`);

    let recordFile: string | null = null;
    if (options.deploymentsDir !== undefined) {
      recordFile = path.join(options.deploymentsDir, `chain-${chainId}`, RECORD_FILE);
      // The chain starts at the deployment on an in-process start; an external node's system was deployed before
      // the block indexing starts from.
      writeDeploymentRecord(recordFile, { chainId: chainId.toString(), deploymentBlock: Math.max(0, startBlock - 1), contracts: addresses });
      log(`deployment record: ${recordFile}`);
    }

    return { url, rpcUrl, chainId, addresses, config, contracts, provider, indexer, seeded, recordFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
