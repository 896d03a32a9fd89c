import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { JsonFragment } from "ethers";

/**
 * Builds the reference ERC-3525 implementation (@solvprotocol/erc-3525) for the gas benchmark.
 *
 * Solv's contracts import OpenZeppelin 4.x, which npm nests under the Solv package, while the project compiles
 * against OpenZeppelin 5 at the top level; Hardhat would resolve Solv's imports to the wrong copy, so the wrapper
 * lives outside contracts/ and is compiled here with the `solc` npm package's standard-JSON interface, the same
 * compiler and settings as the project (0.8.28, paris, optimizer at 10,000 runs). The result is cached under
 * Hardhat's cache directory, keyed by everything that goes into it, since solc-js takes seconds to build Solv.
 */

export const REFERENCE_SOURCE = "bench/reference/SolvReferenceToken.sol";
export const REFERENCE_CONTRACT = "SolvReferenceToken";

const SOLC_VERSION = "0.8.28";

export interface CompiledContract {
  abi: JsonFragment[];
  bytecode: string;
}

type ImportResult = { contents: string } | { error: string };

/** The part of the `solc` npm package we use; it ships no type declarations. */
interface SolcJs {
  version(): string;
  compile(input: string, callbacks: { import: (importPath: string) => ImportResult }): string;
}

interface SolcOutput {
  errors?: Array<{ severity: "error" | "warning" | "info"; formattedMessage: string }>;
  contracts?: Record<string, Record<string, { abi: JsonFragment[]; evm: { bytecode: { object: string } } }>>;
}

interface PackageJson {
  name: string;
  version: string;
}

function readPackageJson(file: string): PackageJson {
  return JSON.parse(fs.readFileSync(file, "utf8")) as PackageJson;
}

/** Solv's package directory and the OpenZeppelin copy its imports resolve to (its own nested one). */
function referenceRoots(projectRoot: string): { solvDir: string; ozDir: string; key: string } {
  const solvPackage = require.resolve("@solvprotocol/erc-3525/package.json", { paths: [projectRoot] });
  const solvDir = path.dirname(solvPackage);
  const ozPackage = require.resolve("@openzeppelin/contracts/package.json", { paths: [solvDir] });
  const ozDir = path.dirname(ozPackage);
  const solv = readPackageJson(solvPackage);
  const oz = readPackageJson(ozPackage);
  if (!oz.version.startsWith("4.")) {
    throw new Error(`Solv's ERC-3525 needs OpenZeppelin 4.x, but its imports resolve to ${oz.version} at ${ozDir}`);
  }
  return { solvDir, ozDir, key: `${solv.name}@${solv.version} ${oz.name}@${oz.version}` };
}

function resolveImport(importPath: string, solvDir: string, ozDir: string): ImportResult {
  const prefixes: Array<[string, string]> = [
    ["@solvprotocol/erc-3525/", solvDir],
    ["@openzeppelin/contracts/", ozDir],
  ];
  for (const [prefix, dir] of prefixes) {
    if (!importPath.startsWith(prefix)) continue;
    const file = path.resolve(dir, importPath.slice(prefix.length));
    if (!file.startsWith(dir + path.sep)) return { error: `import ${importPath} leaves ${dir}` };
    try {
      return { contents: fs.readFileSync(file, "utf8") };
    } catch {
      return { error: `cannot read ${file}` };
    }
  }
  return { error: `import ${importPath} is neither Solv's ERC-3525 nor OpenZeppelin` };
}

/** Compiles (or loads from the cache) the wrapper around Solv's ERC3525 in bench/reference/. */
export function compileReferenceToken(projectRoot: string, cacheDir: string): CompiledContract {
  const { solvDir, ozDir, key } = referenceRoots(projectRoot);
  const input = {
    language: "Solidity",
    sources: { [REFERENCE_SOURCE]: { content: fs.readFileSync(path.join(projectRoot, REFERENCE_SOURCE), "utf8") } },
    settings: {
      evmVersion: "paris",
      optimizer: { enabled: true, runs: 10_000 },
      outputSelection: { [REFERENCE_SOURCE]: { [REFERENCE_CONTRACT]: ["abi", "evm.bytecode.object"] } },
    },
  };
  const inputJson = JSON.stringify(input);
  const digest = createHash("sha256").update(`${SOLC_VERSION}\n${key}\n${inputJson}`).digest("hex").slice(0, 16);
  const cacheFile = path.join(cacheDir, "bench-reference", `${REFERENCE_CONTRACT}-${digest}.json`);
  if (fs.existsSync(cacheFile)) {
    return JSON.parse(fs.readFileSync(cacheFile, "utf8")) as CompiledContract;
  }

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as SolcJs;
  if (!solc.version().startsWith(`${SOLC_VERSION}+`)) {
    throw new Error(`expected solc ${SOLC_VERSION} from the solc npm package, found ${solc.version()}`);
  }
  const output = JSON.parse(solc.compile(inputJson, { import: (importPath) => resolveImport(importPath, solvDir, ozDir) })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new Error(`compiling ${REFERENCE_SOURCE} failed:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  }
  const built = output.contracts?.[REFERENCE_SOURCE]?.[REFERENCE_CONTRACT];
  if (built === undefined || built.evm.bytecode.object.length === 0) {
    throw new Error(`solc produced no bytecode for ${REFERENCE_CONTRACT}`);
  }
  const compiled: CompiledContract = { abi: built.abi, bytecode: `0x${built.evm.bytecode.object}` };
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  fs.writeFileSync(cacheFile, `${JSON.stringify(compiled)}\n`);
  return compiled;
}
