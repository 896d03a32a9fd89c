/** `npm run credit-report -- --rpc <url> --at <block | YYYY-MM-DD>`: the signed credit report (src/credit/). */
import { runOnNode } from "../src/chain/commandIo";
import { runCreditReportCli } from "../src/credit/cli";

runOnNode((io) => runCreditReportCli(process.argv.slice(2), process.env, io));
