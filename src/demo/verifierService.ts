import hre from "hardhat";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import type { Signer } from "ethers";
import { startServer } from "../api/server";
import type { RunningServer } from "../api/server";
import type { ChainbillContracts } from "../chain/system";
import { DocumentStore } from "../documents/store";
import { createVerifier } from "../verifier";

/** The demo's verification service: a document store in a temporary folder and the API over it, on loopback. */
export interface DemoVerifierService {
  server: RunningServer;
  /** Stops the server, closes the store and removes its folder. */
  close(): Promise<void>;
}

export async function startDocumentsApi(
  contracts: ChainbillContracts,
  chainId: bigint,
  verifierKey: Pick<Signer, "signTypedData" | "getAddress">,
  deploymentBlock: number,
): Promise<DemoVerifierService> {
  const directory = await mkdtemp(path.join(tmpdir(), "chainbill-demo-"));
  const store = await DocumentStore.open(path.join(directory, "documents"), chainId);
  try {
    const server = await startServer({
      contracts,
      chainId,
      store,
      verifier: createVerifier({ contracts, provider: hre.ethers.provider, documents: store, signer: verifierKey }),
      signIn: { domain: "demo.chainbill.local", uri: "http://demo.chainbill.local/login" },
      logger: pino({ level: "silent" }),
      fromBlock: deploymentBlock,
      processMetrics: false,
    });
    return {
      server,
      close: async () => {
        await server.close();
        await store.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await store.close();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
