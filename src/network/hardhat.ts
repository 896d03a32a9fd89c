/**
 * Hardhat's view of a consortium network: `hardhat.config.ts` offers the network the descriptor describes as
 * `--network consortium`, signing with the descriptor's prefunded development accounts.
 */
import type { HttpNetworkUserConfig } from "hardhat/types";
import { DESCRIPTOR_ENV, HARDHAT_NETWORK_NAME, descriptorPath, readNetworkDescriptorIfPresent } from "./descriptor";

/**
 * `{ consortium: … }` when a descriptor exists, else nothing. A descriptor named by `$CHAINBILL_NETWORK_DESCRIPTOR`
 * must be valid (the caller asked for it); a broken one left in the default state directory only earns a warning,
 * so that it cannot stop `npm test` or the in-process network.
 */
export function consortiumNetworks(env: NodeJS.ProcessEnv = process.env): Record<string, HttpNetworkUserConfig> {
  const file = descriptorPath(env);
  const explicit = (env[DESCRIPTOR_ENV] ?? "") !== "";
  try {
    const descriptor = readNetworkDescriptorIfPresent(file);
    if (descriptor === undefined) {
      if (explicit) throw new Error(`${DESCRIPTOR_ENV}=${file}: no such file`);
      return {};
    }
    return {
      [HARDHAT_NETWORK_NAME]: {
        url: descriptor.rpcUrl,
        chainId: descriptor.chainId,
        accounts: descriptor.accounts.map((account) => account.privateKey),
      },
    };
  } catch (error) {
    if (explicit) throw error;
    console.warn(`warning: --network ${HARDHAT_NETWORK_NAME} is unavailable: ${(error as Error).message}`);
    return {};
  }
}
