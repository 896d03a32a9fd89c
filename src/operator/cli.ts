import type { Provider, Signer } from "ethers";
import type { CommandIo } from "../chain/commandIo";
import { findDeploymentRecord, readDeploymentRecord, DeploymentRecordError } from "../chain/deployment";
import { connectChainbill } from "../chain/system";
import { OperatorRefusal, runOperatorCommand } from "./commands";
import { UsageError, USAGE_EXIT } from "../chain/commandLine";
import { parseCommandLine, usage } from "./parse";

/**
 * The operator command line as a function of its arguments, environment and outputs, so that tests run it in
 * process: parse, find the deployment, connect with the operator's key, run, print, and answer the exit status.
 */

export type CliIo = CommandIo;

export const EXIT = { done: 0, refused: 1, usage: USAGE_EXIT } as const;

export async function runOperatorCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}`);
    io.err("run `npm run operator -- --help` for the commands");
    return EXIT.usage;
  }
  if (parsed.help || parsed.command === null || parsed.connection === null) {
    io.out(usage());
    return EXIT.done;
  }
  const { command, connection } = parsed;
  const provider = io.connect(connection.rpc);
  try {
    const chainId = (await provider.getNetwork()).chainId;
    const record = connection.contracts === undefined ? findDeploymentRecord(chainId) : readDeploymentRecord(connection.contracts, chainId);
    let runner: Provider | Signer = provider;
    if (command.name !== "members") {
      const key = env.CHAINBILL_OPERATOR_KEY;
      if (key === undefined || !/^(0x)?[0-9a-fA-F]{64}$/u.test(key)) {
        io.err("error: set CHAINBILL_OPERATOR_KEY to the private key of an active operator's address (64 hex digits)");
        return EXIT.usage;
      }
      runner = io.signerFor(key.startsWith("0x") ? key : `0x${key}`, provider);
    }
    const contracts = connectChainbill(record.contracts, runner);
    const outcome = await runOperatorCommand(command, {
      registry: contracts.registry,
      receivableToken: contracts.receivableToken,
      financing: contracts.financing,
      settlement: contracts.settlement,
      provider,
    });
    if (outcome.kind === "listed") io.out(outcome.text);
    else io.out(`${outcome.summary}\ntransaction ${outcome.txHash} in block ${outcome.block}`);
    return EXIT.done;
  } catch (error) {
    if (error instanceof OperatorRefusal) {
      io.err(error.message);
      return EXIT.refused;
    }
    if (error instanceof DeploymentRecordError) {
      io.err(`error: ${error.message}`);
      return EXIT.usage;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.refused;
  }
}
