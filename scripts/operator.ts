/**
 * `npm run operator -- <command> [options]`: the operator's actions from the command line (src/operator/). `--help`
 * lists every command. Exit status 0 done, 1 refused, 2 usage error or no deployment.
 */
import { runOnNode } from "../src/chain/commandIo";
import { runOperatorCli } from "../src/operator/cli";

runOnNode((io) => runOperatorCli(process.argv.slice(2), process.env, io));
