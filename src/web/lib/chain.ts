import { BrowserProvider, Interface } from "ethers";
import type { ContractRunner, ErrorDescription, JsonRpcSigner } from "ethers";
import { IERC20Errors__factory } from "../../../typechain-types/factories/@openzeppelin/contracts/interfaces/draft-IERC6093.sol/IERC20Errors__factory";
import { Pausable__factory } from "../../../typechain-types/factories/@openzeppelin/contracts/utils/Pausable__factory";
import { IERC721Errors__factory } from "../../../typechain-types/factories/@openzeppelin/contracts/interfaces/draft-IERC6093.sol/IERC721Errors__factory";
import { SafeERC20__factory } from "../../../typechain-types/factories/@openzeppelin/contracts/token/ERC20/utils/SafeERC20__factory";
import { ReentrancyGuard__factory } from "../../../typechain-types/factories/@openzeppelin/contracts/utils/ReentrancyGuard__factory";
import { ShortStrings__factory } from "../../../typechain-types/factories/@openzeppelin/contracts/utils/ShortStrings__factory";
import { ECDSA__factory } from "../../../typechain-types/factories/@openzeppelin/contracts/utils/cryptography/ECDSA__factory";
import { DiscountMath__factory } from "../../../typechain-types/factories/contracts/finance/DiscountMath__factory";
import { IMemberRegistry__factory } from "../../../typechain-types/factories/contracts/access/IMemberRegistry__factory";
import { IFinancing__factory } from "../../../typechain-types/factories/contracts/finance/interfaces/IFinancing__factory";
import { ISettlementToken__factory } from "../../../typechain-types/factories/contracts/finance/interfaces/ISettlementToken__factory";
import { ISettlement__factory } from "../../../typechain-types/factories/contracts/finance/interfaces/ISettlement__factory";
import { IERC3525Errors__factory } from "../../../typechain-types/factories/contracts/token/interfaces/IERC3525Errors__factory";
import { IReceivableToken__factory } from "../../../typechain-types/factories/contracts/token/interfaces/IReceivableToken__factory";
import type { DappConfig } from "../../api/wire/schemas";
import type { Eip1193Provider } from "./keyWallet";

/**
 * The contracts as the dApp sends to them (through the wallet) and every custom error they can raise, decoded from
 * the interfaces' ABIs (no bytecode, no Node modules in the bundle).
 */

export function contractsFor(config: DappConfig, runner: ContractRunner) {
  return {
    receivableToken: IReceivableToken__factory.connect(config.addresses.receivableToken, runner),
    financing: IFinancing__factory.connect(config.addresses.financing, runner),
    settlement: ISettlement__factory.connect(config.addresses.settlement, runner),
    settlementToken: ISettlementToken__factory.connect(config.addresses.settlementToken, runner),
    registry: IMemberRegistry__factory.connect(config.addresses.registry, runner),
  };
}

export type Contracts = ReturnType<typeof contractsFor>;

const ERROR_INTERFACES: Interface[] = [
  IReceivableToken__factory.abi,
  IERC3525Errors__factory.abi,
  IFinancing__factory.abi,
  ISettlement__factory.abi,
  ISettlementToken__factory.abi,
  IERC20Errors__factory.abi,
  IMemberRegistry__factory.abi,
  Pausable__factory.abi,
  // What the contracts inherit or link: ERC-721 errors of the token, signature recovery, guarded calls, names.
  IERC721Errors__factory.abi,
  ECDSA__factory.abi,
  ReentrancyGuard__factory.abi,
  SafeERC20__factory.abi,
  ShortStrings__factory.abi,
  DiscountMath__factory.abi,
].map((abi) => new Interface(abi));

/** The custom error in revert data, by any Chainbill contract's ABI; null when none matches. */
export function decodeCustomError(data: string): ErrorDescription | null {
  for (const iface of ERROR_INTERFACES) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return parsed;
    } catch {
      // not this contract's error
    }
  }
  return null;
}

/** What the dApp holds once a wallet is connected. */
export interface Connection {
  kind: "injected" | "demo";
  eip1193: Eip1193Provider;
  provider: BrowserProvider;
  signer: JsonRpcSigner;
  address: string;
  contracts: Contracts;
}

/** The wallet is on another chain than the network's. */
export class WrongNetworkError extends Error {
  constructor(
    readonly expected: bigint,
    readonly actual: bigint,
  ) {
    super(`the wallet is on chain ${actual}; Chainbill runs on chain ${expected}`);
    this.name = "WrongNetworkError";
  }
}

/** No browser wallet (EIP-1193 `window.ethereum`) is present. */
export class NoWalletError extends Error {
  constructor() {
    super("no browser wallet");
    this.name = "NoWalletError";
  }
}

export async function connectWallet(kind: Connection["kind"], eip1193: Eip1193Provider, config: DappConfig): Promise<Connection> {
  const accounts = (await eip1193.request({ method: "eth_requestAccounts" })) as string[];
  if (accounts.length === 0) throw new NoWalletError();
  const expected = BigInt(config.chainId);
  let actual = BigInt((await eip1193.request({ method: "eth_chainId" })) as string);
  if (actual !== expected) {
    try {
      await eip1193.request({ method: "wallet_switchEthereumChain", params: [{ chainId: `0x${expected.toString(16)}` }] });
      actual = BigInt((await eip1193.request({ method: "eth_chainId" })) as string);
    } catch {
      // the wallet refused or does not know the chain: report the mismatch below
    }
    if (actual !== expected) throw new WrongNetworkError(expected, actual);
  }
  const provider = new BrowserProvider(eip1193, expected);
  const signer = await provider.getSigner(accounts[0]);
  return { kind, eip1193, provider, signer, address: await signer.getAddress(), contracts: contractsFor(config, signer) };
}

/** The chain's clock: deadlines and days to maturity are counted on it, not on this computer's. */
export async function chainNow(connection: Connection): Promise<bigint> {
  const block = await connection.provider.getBlock("latest");
  if (block === null) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}
