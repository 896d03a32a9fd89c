import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import type { ChainbillAddresses } from "./system";

/**
 * Where a deployed system lives: the five contracts and the block they were deployed in (the audit's replay and the
 * credit report start there). The one reader of deployment files for every command (audit, operator, credit report,
 * indexer, API, start): the deployment record of the chain's id — Hardhat Ignition's `deployed_addresses.json` and
 * journal under `deploy/deployments/chain-<id>/`, or a `deployment-record.json` written by deploy/record.ts — or a
 * file the command is given (either of those formats, or the five addresses at the top level). Node only (reads
 * files); the dApp gets its addresses from `/v1/config`.
 */

export interface DeploymentRecord {
  chainId: bigint;
  contracts: ChainbillAddresses;
  /** The first block any of the contracts exists in; 0 when the record does not say. */
  deploymentBlock: number;
  /** Where the record was read from, for the report. */
  source: string;
}

/** The file name deploy/record.ts writes. */
export const RECORD_FILE = "deployment-record.json";

const IGNITION_KEYS: Readonly<Record<keyof ChainbillAddresses, string>> = {
  registry: "Chainbill#MemberRegistry",
  receivableToken: "Chainbill#ReceivableToken",
  settlementToken: "Chainbill#SettlementToken",
  settlement: "Chainbill#Settlement",
  financing: "Chainbill#Financing",
};

/** A record that cannot be used: names the file and what is wrong with it. */
export class DeploymentRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeploymentRecordError";
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (error) {
    throw new DeploymentRecordError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function addressField(source: Record<string, unknown>, key: string, file: string): string {
  const value = source[key];
  if (typeof value !== "string" || !isAddress(value)) throw new DeploymentRecordError(`${file}: "${key}" is not an address`);
  return getAddress(value);
}

function addressesFrom(source: Record<string, unknown>, keyOf: (name: keyof ChainbillAddresses) => string, file: string): ChainbillAddresses {
  return {
    registry: addressField(source, keyOf("registry"), file),
    receivableToken: addressField(source, keyOf("receivableToken"), file),
    settlementToken: addressField(source, keyOf("settlementToken"), file),
    settlement: addressField(source, keyOf("settlement"), file),
    financing: addressField(source, keyOf("financing"), file),
  };
}

/** The earliest block of a confirmed deployment transaction of the five contracts in an Ignition journal. */
export function deploymentBlockFromJournal(journalFile: string): number | undefined {
  if (!existsSync(journalFile)) return undefined;
  const futureIds = new Set(Object.values(IGNITION_KEYS));
  let earliest: number | undefined;
  for (const line of readFileSync(journalFile, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let message: unknown;
    try {
      message = JSON.parse(line) as unknown;
    } catch {
      throw new DeploymentRecordError(`${journalFile}: a line is not JSON`);
    }
    if (!isObject(message) || message.type !== "TRANSACTION_CONFIRM" || typeof message.futureId !== "string") continue;
    if (!futureIds.has(message.futureId) || !isObject(message.receipt)) continue;
    const block = message.receipt.blockNumber;
    if (typeof block === "number" && (earliest === undefined || block < earliest)) earliest = block;
  }
  return earliest;
}

/** A deployment file as read, before it is matched with a chain: the chain it names, if it names one. */
export interface DeploymentFile {
  /** The chain the file says it records; undefined when it does not say (Ignition's files, bare addresses). */
  recordedChainId: string | undefined;
  contracts: ChainbillAddresses;
  deploymentBlock: number;
  source: string;
}

/** Reads a deployment file of any of the three formats, without a chain to check it against. */
export function readDeploymentFile(file: string): DeploymentFile {
  if (!existsSync(file)) throw new DeploymentRecordError(`no deployment file at ${file}`);
  const json = readJson(file);
  if (!isObject(json)) throw new DeploymentRecordError(`${file}: expected a JSON object`);
  if (isObject(json.contracts)) {
    const contracts = addressesFrom(json.contracts, (name) => name, file);
    const block = json.deploymentBlock;
    if (block !== undefined && (typeof block !== "number" || !Number.isInteger(block) || block < 0)) {
      throw new DeploymentRecordError(`${file}: "deploymentBlock" is not a block number`);
    }
    return {
      recordedChainId:
        json.chainId === undefined
          ? undefined
          : typeof json.chainId === "string" || typeof json.chainId === "number"
            ? String(json.chainId)
            : JSON.stringify(json.chainId),
      contracts,
      deploymentBlock: block ?? 0,
      source: file,
    };
  }
  // npm start's --addresses file: the five addresses under our own names, at the top level.
  if (typeof json.registry === "string") {
    const block = json.deploymentBlock;
    const deploymentBlock = typeof block === "number" && Number.isInteger(block) && block >= 0 ? block : 0;
    return { recordedChainId: undefined, contracts: addressesFrom(json, (name) => name, file), deploymentBlock, source: file };
  }
  const contracts = addressesFrom(json, (name) => IGNITION_KEYS[name], file);
  const deploymentBlock = deploymentBlockFromJournal(path.join(path.dirname(file), "journal.jsonl")) ?? 0;
  return { recordedChainId: undefined, contracts, deploymentBlock, source: file };
}

/** Reads a deployment file for the chain `chainId`; refuses a file that records another chain. */
export function readDeploymentRecord(file: string, chainId: bigint): DeploymentRecord {
  const { recordedChainId, contracts, deploymentBlock, source } = readDeploymentFile(file);
  if (recordedChainId !== undefined && recordedChainId !== chainId.toString()) {
    throw new DeploymentRecordError(`${file} records a deployment on chain ${recordedChainId}, but the node is on chain ${chainId}`);
  }
  return { chainId, contracts, deploymentBlock, source };
}

/** The record of chain `chainId` under `deploymentsDir` (deploy/deployments by default). */
export function findDeploymentRecord(chainId: bigint, deploymentsDir = path.join("deploy", "deployments")): DeploymentRecord {
  const dir = path.join(deploymentsDir, `chain-${chainId}`);
  for (const file of [path.join(dir, RECORD_FILE), path.join(dir, "deployed_addresses.json")]) {
    if (existsSync(file)) return readDeploymentRecord(file, chainId);
  }
  throw new DeploymentRecordError(
    `no deployment record for chain ${chainId} in ${dir}: \`npm start\` writes one there for the system it runs (and \`npm run deploy\` for a new one); ` +
      `or pass --contracts <file>, a JSON file with the five addresses: {"registry", "receivableToken", "settlementToken", "settlement", "financing"} ` +
      `(npm start's --addresses format), optionally under "contracts" with "chainId" and "deploymentBlock"`,
  );
}
