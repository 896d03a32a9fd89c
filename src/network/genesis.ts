/**
 * The genesis of a Clique proof-of-authority chain for geth v1.13.15.
 *
 * Forks are enabled up to London only: this geth's Clique engine refuses Shanghai and Cancun (they belong to
 * proof of stake), which is why the contracts compile for the `paris` EVM (no PUSH0, no MCOPY).
 */
import { getAddress } from "ethers";

export interface CliqueGenesisOptions {
  chainId: number;
  /** Seconds between blocks: Clique seals one every period, with or without transactions. */
  blockPeriodSeconds: number;
  /** The initial signers, in any order (Clique orders them itself). */
  validators: readonly string[];
  /** Balances in wei, by address. */
  alloc: ReadonlyMap<string, bigint>;
  /** Block gas limit. */
  gasLimit?: bigint;
}

/** Votes are reset and the signer list is checkpointed every `epoch` blocks. */
export const CLIQUE_EPOCH = 30_000;
export const DEFAULT_GAS_LIMIT = 30_000_000n;

const VANITY_BYTES = 32;
const SEAL_BYTES = 65;

/**
 * Clique's genesis extra-data: 32 bytes of vanity, the signers' addresses back to back in ascending order, and 65
 * zero bytes where later blocks carry the sealer's signature.
 */
export function cliqueExtraData(validators: readonly string[]): string {
  if (validators.length === 0) throw new Error("a Clique genesis needs at least one validator");
  const sorted = validators.map((validator) => getAddress(validator).toLowerCase()).sort();
  const duplicate = sorted.find((validator, index) => index > 0 && sorted[index - 1] === validator);
  if (duplicate !== undefined) throw new Error(`validator ${duplicate} is listed twice`);
  return `0x${"00".repeat(VANITY_BYTES)}${sorted.map((validator) => validator.slice(2)).join("")}${"00".repeat(SEAL_BYTES)}`;
}

/** The genesis as geth's `init` reads it. */
export function cliqueGenesis(options: CliqueGenesisOptions): Record<string, unknown> {
  if (!Number.isInteger(options.chainId) || options.chainId <= 0) throw new Error(`chain id must be a positive integer, not ${options.chainId}`);
  if (!Number.isInteger(options.blockPeriodSeconds) || options.blockPeriodSeconds < 1) {
    throw new Error(`block period must be a whole number of seconds >= 1, not ${options.blockPeriodSeconds}`);
  }
  const alloc: Record<string, { balance: string }> = {};
  for (const [account, balance] of options.alloc) {
    if (balance < 0n) throw new Error(`negative genesis balance for ${account}`);
    alloc[getAddress(account).slice(2).toLowerCase()] = { balance: `0x${balance.toString(16)}` };
  }
  return {
    config: {
      chainId: options.chainId,
      homesteadBlock: 0,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      muirGlacierBlock: 0,
      berlinBlock: 0,
      londonBlock: 0,
      arrowGlacierBlock: 0,
      grayGlacierBlock: 0,
      clique: { period: options.blockPeriodSeconds, epoch: CLIQUE_EPOCH },
    },
    nonce: "0x0",
    timestamp: "0x0",
    extraData: cliqueExtraData(options.validators),
    gasLimit: `0x${(options.gasLimit ?? DEFAULT_GAS_LIMIT).toString(16)}`,
    difficulty: "0x1",
    mixHash: `0x${"00".repeat(32)}`,
    coinbase: `0x${"00".repeat(20)}`,
    alloc,
    number: "0x0",
    gasUsed: "0x0",
    parentHash: `0x${"00".repeat(32)}`,
  };
}
