import hre from "hardhat";
import { HDNodeWallet, SigningKey, computeAddress } from "ethers";

/**
 * The Hardhat accounts' private keys, derived from the network's accounts configuration, by lower-case address:
 * for synchronous EIP-712 signing in models and generators (a JSON-RPC signer's `signTypedData` is asynchronous).
 */
export function hardhatSigningKeys(): Map<string, SigningKey> {
  const accounts = hre.config.networks.hardhat.accounts;
  const keys = new Map<string, SigningKey>();
  if (Array.isArray(accounts)) {
    for (const account of accounts) {
      const key = new SigningKey(account.privateKey);
      keys.set(computeAddress(key.publicKey).toLowerCase(), key);
    }
    return keys;
  }
  const root = HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, accounts.path);
  for (let index = accounts.initialIndex; index < accounts.initialIndex + accounts.count; index += 1) {
    const wallet = root.deriveChild(index);
    keys.set(wallet.address.toLowerCase(), wallet.signingKey);
  }
  return keys;
}
