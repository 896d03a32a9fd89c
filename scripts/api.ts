import { JsonRpcProvider } from "ethers";
import { Role } from "../src/chain/roles";
import { connectChainbill } from "../src/chain/system";
import { DocumentStore } from "../src/documents/store";
import { parseApiArgs } from "../src/api/config";
import { loadVerifierKey } from "../src/api/keys";
import { createLogger } from "../src/api/logger";
import { startServer } from "../src/api/server";
import { createVerifier } from "../src/verifier";

/**
 * `npm run api -- --rpc <url> --db <dir> --deployment <file>`: the API against a running chain (the consortium
 * network, or `npx hardhat node`). Stops cleanly on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const config = await parseApiArgs(process.argv.slice(2));
  const logger = createLogger();
  const provider = new JsonRpcProvider(config.rpcUrl);
  const { chainId } = await provider.getNetwork();
  if ((await provider.getCode(config.addresses.registry)) === "0x") throw new Error(`no contract at the registry address ${config.addresses.registry} on chain ${chainId}`);
  const contracts = connectChainbill(config.addresses, provider);
  const signer = await loadVerifierKey({ keystorePath: config.keystorePath });
  if (!(await contracts.registry.hasRole(signer.address, Role.VERIFIER))) {
    logger.warn({ verifier: signer.address }, "the verifier key is not an active VERIFIER member: its attestations will be refused on chain");
  }
  const store = await DocumentStore.open(config.dbPath, chainId);
  const server = await startServer({
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
  });
  logger.info({ url: server.url, verifier: signer.address, db: config.dbPath, docs: `${server.url}/docs` }, "Chainbill API ready");

  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, "stopping");
    await server.close();
    await store.close();
    provider.destroy();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
