import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import ChainbillModule from "./modules/Chainbill";
import { connectChainbill } from "../src/chain/system";
import type { ChainbillContracts } from "../src/chain/system";

/**
 * Deploys the whole system with the Ignition module on the network Hardhat runs against (the deploying account
 * becomes the operator) and returns it connected to `operator`.
 */
export async function deployChainbill(operator: HardhatEthersSigner): Promise<ChainbillContracts> {
  const deployed = await hre.ignition.deploy(ChainbillModule);
  return connectChainbill(
    {
      registry: await deployed.registry.getAddress(),
      receivableToken: await deployed.receivableToken.getAddress(),
      settlementToken: await deployed.settlementToken.getAddress(),
      settlement: await deployed.settlement.getAddress(),
      financing: await deployed.financing.getAddress(),
    },
    operator,
  );
}
