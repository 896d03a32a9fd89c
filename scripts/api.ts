import { JsonRpcProvider, getAddress } from "ethers";
import { Role } from "../src/chain/roles";
import { connectChainbill } from "../src/chain/system";
import { DocumentStore } from "../src/documents/store";
import { USAGE, parseApiArgs } from "../src/api/config";
import type { ApiServerConfig } from "../src/api/config";
import { runCommand } from "../src/chain/commandLine";
import { loadVerifierKey } from "../src/api/keys";
import { createLogger } from "../src/api/logger";
import { startServer } from "../src/api/server";
import { WEB_OUT_DIR, buildWebIfStale } from "../src/server/build";
import type { RunningServer } from "../src/api/server";
import type { IndexRouteOptions } from "../src/api/indexRoutes";
import { startIndexer } from "../src/indexer/indexer";
import { FundingRequestStore } from "../src/requests/store";
import { OfferStore } from "../src/offers/store";
import { LevelSessionPersistence } from "../src/api/auth/sessions";
import { createVerifier } from "../src/verifier";

/**
 * `npm run api -- --rpc <url> --db <dir> --deployment <file> [--index-db <dir>] [--requests-db <dir>]`: the API
 * against a running chain (the consortium network, or `npx hardhat node`). With --index-db it runs the indexer in
 * this process (LevelDB allows one process per database) and serves the index reads; with --web it serves the dApp
 * from the same origin. Stops cleanly on SIGINT/SIGTERM.
 */
async function main(config: ApiServerConfig): Promise<void> {
  const logger = createLogger();
  const provider = new JsonRpcProvider(config.rpcUrl);
  const { chainId } = await provider.getNetwork();
  if ((await provider.getCode(config.addresses.registry)) === "0x")
    throw new Error(`no contract at the registry address ${config.addresses.registry} on chain ${chainId}`);
  const contracts = connectChainbill(config.addresses, provider);
  const signer = await loadVerifierKey({ keystorePath: config.keystorePath });
  if (!(await contracts.registry.hasRole(signer.address, Role.VERIFIER))) {
    logger.warn({ verifier: signer.address }, "the verifier key is not an active VERIFIER member: its attestations will be refused on chain");
  }

  // Each part is closed in reverse order on a signal, or when a later part fails to start.
  const closers: Array<() => Promise<void>> = [
    () => {
      provider.destroy();
      return Promise.resolve();
    },
  ];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse().splice(0)) {
      await close().catch((error: unknown) => logger.error({ err: error }, "while stopping"));
    }
  };
  let server: RunningServer;
  let index: IndexRouteOptions | undefined;
  try {
    const store = await DocumentStore.open(config.dbPath, chainId);
    closers.push(() => store.close());
    const requests = config.requestsDbPath === undefined ? undefined : await FundingRequestStore.open(config.requestsDbPath);
    if (requests !== undefined) closers.push(() => requests.close());
    const offers = config.offersDbPath === undefined ? undefined : await OfferStore.open(config.offersDbPath, chainId);
    if (offers !== undefined) closers.push(() => offers.close());
    const sessions = config.sessionsDbPath === undefined ? undefined : await LevelSessionPersistence.open(config.sessionsDbPath);
    if (sessions !== undefined) closers.push(() => sessions.close());
    if (config.indexDbPath !== undefined) {
      const running = await startIndexer({
        rpcUrl: config.rpcUrl,
        dbPath: config.indexDbPath,
        addresses: config.addresses,
        startBlock: config.fromBlock,
        confirmations: config.confirmations,
        onRetry: (error, attempt) => logger.warn({ err: error, attempt }, "indexer: retrying the node"),
      });
      index = { reader: running.reader, waitForBlock: (block, timeoutMs) => running.waitForBlock(block, timeoutMs) };
      closers.push(() => running.stop());
      running.done.catch((error: unknown) => {
        // The index reads would go stale silently; better to stop and be restarted.
        logger.fatal({ err: error }, "the indexer stopped");
        void closeAll().then(() => process.exit(1));
      });
    }
    // With --web the same origin serves the dApp; it reads the chain through the browser wallet, names from /v1/directory.
    const web = config.serveWeb
      ? { root: WEB_OUT_DIR, config: { chainId: chainId.toString(), rpcUrl: null, addresses: checksummed(config.addresses), demoAccounts: [] } }
      : undefined;
    if (web !== undefined && (await buildWebIfStale())) logger.info({ root: WEB_OUT_DIR }, "built the dApp");
    server = await startServer({
      web,
      contracts,
      chainId,
      store,
      verifier: createVerifier({ contracts, provider, documents: store, signer, attestationTtlSeconds: config.attestationTtlSeconds }),
      signIn: { domain: config.domain, uri: config.uri },
      logger,
      limits: config.limits,
      fromBlock: config.fromBlock,
      host: config.host,
      port: config.port,
      index,
      requests,
      offers,
      sessions,
    });
    closers.push(() => server.close());
  } catch (error) {
    await closeAll();
    throw error;
  }
  logger.info(
    {
      url: server.url,
      verifier: signer.address,
      db: config.dbPath,
      index: config.indexDbPath ?? null,
      requests: config.requestsDbPath ?? null,
      docs: `${server.url}/docs`,
    },
    "Chainbill API ready",
  );

  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, "stopping");
    await closeAll();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

/** The five addresses as the dApp's configuration gives them: checksummed. */
function checksummed(addresses: ApiServerConfig["addresses"]): ApiServerConfig["addresses"] {
  const { registry, receivableToken, settlementToken, settlement, financing } = addresses;
  return {
    registry: getAddress(registry),
    receivableToken: getAddress(receivableToken),
    settlementToken: getAddress(settlementToken),
    settlement: getAddress(settlement),
    financing: getAddress(financing),
  };
}

runCommand("api", USAGE, (argv) => parseApiArgs(argv), main);
