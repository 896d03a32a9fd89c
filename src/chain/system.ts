import type { ContractRunner } from "ethers";
import {
  Financing__factory,
  MemberRegistry__factory,
  ReceivableToken__factory,
  SettlementToken__factory,
  Settlement__factory,
} from "../../typechain-types";
import type { Financing, MemberRegistry, ReceivableToken, Settlement, SettlementToken } from "../../typechain-types";

/** The deployed Chainbill system, as typed contracts: each handle is named as its address is (`ChainbillAddresses`). */
export interface ChainbillContracts {
  registry: MemberRegistry;
  receivableToken: ReceivableToken;
  settlementToken: SettlementToken;
  settlement: Settlement;
  financing: Financing;
}

/** Where each contract of the system lives. */
export interface ChainbillAddresses {
  registry: string;
  receivableToken: string;
  settlementToken: string;
  settlement: string;
  financing: string;
}

/** Typed handles on a deployed system, acting through `runner` (a signer, or a provider for reads). */
export function connectChainbill(addresses: ChainbillAddresses, runner: ContractRunner): ChainbillContracts {
  return {
    registry: MemberRegistry__factory.connect(addresses.registry, runner),
    receivableToken: ReceivableToken__factory.connect(addresses.receivableToken, runner),
    settlementToken: SettlementToken__factory.connect(addresses.settlementToken, runner),
    settlement: Settlement__factory.connect(addresses.settlement, runner),
    financing: Financing__factory.connect(addresses.financing, runner),
  };
}

/** Where each contract of a connected system lives (what `connectChainbill` takes back). */
export async function addressesOf(contracts: ChainbillContracts): Promise<ChainbillAddresses> {
  const [registry, receivableToken, settlementToken, settlement, financing] = await Promise.all([
    contracts.registry.getAddress(),
    contracts.receivableToken.getAddress(),
    contracts.settlementToken.getAddress(),
    contracts.settlement.getAddress(),
    contracts.financing.getAddress(),
  ]);
  return { registry, receivableToken, settlementToken, settlement, financing };
}
