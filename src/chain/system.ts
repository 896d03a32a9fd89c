import type { ContractRunner } from "ethers";
// Each factory from its own file: the typechain-types index loads every contract's (~140 files), a second of start-up.
import { Financing__factory } from "../../typechain-types/factories/contracts/finance/Financing__factory";
import { MemberRegistry__factory } from "../../typechain-types/factories/contracts/access/MemberRegistry__factory";
import { ReceivableToken__factory } from "../../typechain-types/factories/contracts/token/ReceivableToken__factory";
import { SettlementToken__factory } from "../../typechain-types/factories/contracts/finance/SettlementToken__factory";
import { Settlement__factory } from "../../typechain-types/factories/contracts/finance/Settlement__factory";
import type { Financing, MemberRegistry, ReceivableToken, Settlement, SettlementToken } from "../../typechain-types";

/** The deployed Chainbill system, as typed contracts: each handle is named as its address is (`ChainbillAddresses`). */
export interface ChainbillContracts {
  registry: MemberRegistry;
  receivableToken: ReceivableToken;
  settlementToken: SettlementToken;
  settlement: Settlement;
  financing: Financing;
}

/** Where each contract of the system lives (a type, not an interface, so Object.entries sees address strings). */
export type ChainbillAddresses = {
  registry: string;
  receivableToken: string;
  settlementToken: string;
  settlement: string;
  financing: string;
};

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
