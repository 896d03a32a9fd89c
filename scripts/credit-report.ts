/** `npm run credit-report -- --rpc <url> --at <block | YYYY-MM-DD>`: the signed credit report (src/credit/). */
import { JsonRpcProvider, Wallet } from "ethers";
import { runCreditReportCli } from "../src/credit/cli";

const providers: JsonRpcProvider[] = [];
void runCreditReportCli(process.argv.slice(2), process.env, {
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
