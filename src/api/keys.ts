import { readFile } from "node:fs/promises";
import { Wallet } from "ethers";

/**
 * The verifier's key: from an encrypted JSON keystore (its password from the environment or a file, never from a
 * command-line flag, which `ps` shows), or from an environment variable. Once read, the variable is removed from
 * the environment so child processes and crash reports cannot see it. No error message ever quotes the key.
 */

export const KEY_ENV = "CHAINBILL_VERIFIER_KEY";
export const KEYSTORE_ENV = "CHAINBILL_VERIFIER_KEYSTORE";
export const KEYSTORE_PASSWORD_ENV = "CHAINBILL_VERIFIER_KEYSTORE_PASSWORD";
export const KEYSTORE_PASSWORD_FILE_ENV = "CHAINBILL_VERIFIER_KEYSTORE_PASSWORD_FILE";

export interface KeySource {
  /** An encrypted JSON keystore (takes precedence over the environment variable). */
  keystorePath?: string;
}

async function keystorePassword(env: NodeJS.ProcessEnv): Promise<string> {
  const file = env[KEYSTORE_PASSWORD_FILE_ENV];
  if (file !== undefined && file !== "") return (await readFile(file, "utf8")).replace(/\r?\n$/u, "");
  const password = env[KEYSTORE_PASSWORD_ENV];
  if (password === undefined) throw new Error(`the keystore's password is missing: set ${KEYSTORE_PASSWORD_ENV} or ${KEYSTORE_PASSWORD_FILE_ENV}`);
  delete env[KEYSTORE_PASSWORD_ENV];
  return password;
}

/** The verifier's wallet, from the keystore named by `source` or `$CHAINBILL_VERIFIER_KEYSTORE`, else `$CHAINBILL_VERIFIER_KEY`. */
export async function loadVerifierKey(source: KeySource = {}, env: NodeJS.ProcessEnv = process.env): Promise<Wallet> {
  const keystorePath = source.keystorePath ?? env[KEYSTORE_ENV];
  if (keystorePath !== undefined && keystorePath !== "") {
    const json = await readFile(keystorePath, "utf8").catch(() => {
      throw new Error(`cannot read the verifier keystore ${keystorePath}`);
    });
    const password = await keystorePassword(env);
    try {
      const wallet = await Wallet.fromEncryptedJson(json, password);
      return new Wallet(wallet.privateKey);
    } catch {
      throw new Error(`cannot decrypt the verifier keystore ${keystorePath}: wrong password or not a keystore`);
    }
  }
  const key = env[KEY_ENV];
  if (key === undefined || key === "") throw new Error(`no verifier key: give --keystore <file> (or ${KEYSTORE_ENV}) or set ${KEY_ENV}`);
  delete env[KEY_ENV];
  try {
    return new Wallet(key.startsWith("0x") ? key : `0x${key}`);
  } catch {
    throw new Error(`${KEY_ENV} is not a 32-byte hex private key`);
  }
}
