import { JsonRpcProvider, Wallet } from "ethers";
import type { Provider, Signer } from "ethers";

/**
 * What a command that reads the chain and signs needs from the outside world, so that tests run the whole command
 * in process (their provider is Hardhat's) and the entry point runs it against a JSON-RPC node.
 */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  connect(rpc: string): Provider;
  signerFor(privateKey: string, provider: Provider): Signer;
}

/**
 * Runs a command with stdout, stderr, JSON-RPC providers and key wallets, then closes every provider it opened and
 * sets the process's exit status to the command's.
 */
export function runOnNode(command: (io: CommandIo) => Promise<number>): void {
  const providers: JsonRpcProvider[] = [];
  const io: CommandIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    connect: (rpc) => {
      const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
      providers.push(provider);
      return provider;
    },
    signerFor: (key, provider) => new Wallet(key, provider),
  };
  void command(io).then((status) => {
    for (const provider of providers) provider.destroy();
    process.exitCode = status;
  });
}
