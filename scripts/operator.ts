/**
 * `npm run operator -- <command> [options]`: the operator's actions from the command line (src/operator/). `--help`
 * lists every command. Exit status 0 done, 1 refused, 2 usage error or no deployment.
 */
import { JsonRpcProvider, Wallet } from "ethers";
import { runOperatorCli } from "../src/operator/cli";

const providers: JsonRpcProvider[] = [];
void runOperatorCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  connect: (rpc) => {
    const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
    providers.push(provider);
    return provider;
  },
  signerFor: (key, provider) => new Wallet(key, provider),
}).then((status) => {
  for (const provider of providers) provider.destroy();
  process.exitCode = status;
});
