/**
 * Where the consortium network's engine is: go-ethereum v1.13.15, built by scripts/ensure-test-deps.sh into a
 * cache keyed by version (scripts/geth-env.sh computes the same path for the shell).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const GETH_VERSION = "v1.13.15";

/** `$CHAINBILL_GETH`, else the cached build: `${XDG_CACHE_HOME:-~/.cache}/chainbill/geth-v1.13.15/bin/geth`. */
export function gethBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHAINBILL_GETH) return env.CHAINBILL_GETH;
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const home = env.CHAINBILL_GETH_HOME || path.join(cache, "chainbill", `geth-${GETH_VERSION}`);
  return path.join(home, "bin", "geth");
}

/** The geth binary, checked to be the version whose Clique rules the network relies on. */
export function requireGeth(env: NodeJS.ProcessEnv = process.env): string {
  const binary = gethBinaryPath(env);
  if (!fs.existsSync(binary)) {
    throw new Error(`geth ${GETH_VERSION} is not installed at ${binary}: run \`bash scripts/ensure-test-deps.sh\` (needs Go) or set CHAINBILL_GETH`);
  }
  const output = execFileSync(binary, ["version"], { encoding: "utf8" });
  const expected = `Version: ${GETH_VERSION.slice(1)}-stable`;
  if (!output.split("\n").includes(expected)) {
    throw new Error(
      `${binary} is not geth ${GETH_VERSION} (it says: ${output.split("\n").find((line) => line.startsWith("Version")) ?? "no version"})`,
    );
  }
  return binary;
}
