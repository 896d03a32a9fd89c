import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Provider } from "ethers";
import { Financing__factory, ReceivableToken__factory } from "../typechain-types";
import type { ChainbillAddresses } from "../src/chain/system";

/**
 * A deployment record the commands read (src/chain/deployment.ts): the five addresses, the chain and the block
 * the system was deployed in. Ignition's own record (deployed_addresses.json and its journal) serves networks
 * deployed with `npm run deploy`; this file serves deployments Ignition keeps in memory (the in-process network
 * of the tests and the demo) and test deployments that swap a contract.
 */

export interface DeploymentRecordFile {
  chainId: string;
  deploymentBlock: number;
  contracts: ChainbillAddresses;
}

/** Writes `record` as JSON to `file`, creating its folder. */
export function writeDeploymentRecord(file: string, record: DeploymentRecordFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Finds a Chainbill deployment made between `fromBlock` and `toBlock` from the chain alone: the contract created
 * there that answers as a ReceivableToken with a bound financing contract leads to the other four. The
 * deployment block is the block that created the first of the five.
 */
export async function discoverDeployment(provider: Provider, fromBlock: number, toBlock: number): Promise<DeploymentRecordFile> {
  const created = new Map<string, number>();
  for (let number = fromBlock; number <= toBlock; number += 1) {
    const block = await provider.getBlock(number);
    if (block === null) continue;
    for (const hash of block.transactions) {
      const receipt = await provider.getTransactionReceipt(hash);
      if (receipt?.contractAddress !== null && receipt?.contractAddress !== undefined) created.set(receipt.contractAddress, number);
    }
  }
  for (const address of created.keys()) {
    const token = ReceivableToken__factory.connect(address, provider);
    let financing: string;
    try {
      financing = await token.systemContract(0);
    } catch {
      continue;
    }
    if (!created.has(financing)) continue;
    const contracts: ChainbillAddresses = {
      registry: await token.registry(),
      receivableToken: address,
      settlementToken: await Financing__factory.connect(financing, provider).currency(),
      settlement: await token.systemContract(1),
      financing,
    };
    const blocks = Object.values(contracts).map((contract) => created.get(contract) ?? fromBlock);
    const { chainId } = await provider.getNetwork();
    return { chainId: chainId.toString(), deploymentBlock: Math.min(...blocks), contracts };
  }
  throw new Error(`no Chainbill deployment between blocks ${fromBlock} and ${toBlock}`);
}
