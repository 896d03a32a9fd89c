// Hardhat configuration for the slither gate only: the project's own configuration (same compiler, the
// `solc` npm package, same settings), compiling into a directory of its own. A clean, forced compile there
// leaves exactly one build-info for slither to read, never a stale one from an earlier incremental
// build, and it neither races with nor rewrites the artifacts and TypeChain typings the tests use.
import path from "node:path";
import type { HardhatUserConfig } from "hardhat/config";
import baseConfig from "../../hardhat.config";

const root = path.resolve(__dirname, "..", "..");

const config: HardhatUserConfig = {
  ...baseConfig,
  paths: {
    ...baseConfig.paths,
    root,
    artifacts: path.join(root, "cache", "slither", "artifacts"),
    cache: path.join(root, "cache", "slither", "cache"),
  },
  // No TypeChain run: the typings belong to the main build.
  typechain: { ...baseConfig.typechain, dontOverrideCompile: true },
};

export default config;
