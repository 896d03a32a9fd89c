import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-ethers";
import "@nomicfoundation/hardhat-chai-matchers";
import "@nomicfoundation/hardhat-ignition-ethers";
import "@typechain/hardhat";
import { consortiumNetworks } from "./src/network/hardhat";

// The one Solidity compiler we build with: the `solc` npm package, pinned exactly in package.json.
// Hardhat would otherwise download a native compiler, which these machines cannot reach.
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }) => {
  if (args.solcVersion !== SOLC_VERSION) {
    throw new Error(`Only solc ${SOLC_VERSION} (from the solc npm package) is available, not ${args.solcVersion}`);
  }
  const soljsonPath = require.resolve("solc/soljson.js");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    version: SOLC_VERSION,
    longVersion: solc.version(),
    compilerPath: path.resolve(soljsonPath),
    isSolcJs: true,
  };
});

const rpcUrl = process.env.CHAINBILL_RPC_URL;
const deployerKey = process.env.CHAINBILL_DEPLOYER_KEY;

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // The permissioned clients we target (geth Clique, Besu) lag mainnet forks: no PUSH0, no MCOPY.
      evmVersion: "paris",
      optimizer: { enabled: true, runs: 10_000 },
    },
  },
  networks: {
    hardhat: {
      hardfork: "merge",
      chainId: 31337,
    },
    localhost: {
      url: "http://127.0.0.1:8545",
    },
    ...(rpcUrl
      ? {
          chainbill: {
            url: rpcUrl,
            accounts: deployerKey ? [deployerKey] : "remote",
          },
        }
      : {}),
    // The multi-node network `npm run network -- up` started, read from its descriptor: `--network consortium`.
    ...consortiumNetworks(),
  },
  paths: {
    ignition: "deploy",
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  mocha: {
    timeout: 600_000,
  },
};

export default config;
