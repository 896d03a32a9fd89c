import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CommandIo } from "../chain/commandIo";
import { DeploymentRecordError, findDeploymentRecord, readDeploymentRecord } from "../chain/deployment";
import { connectChainbill } from "../chain/system";
import { creditReportCsv } from "./csv";
import { blockAtOrBefore, buildCreditReport } from "./report";
import { signCreditReport } from "./sign";
import type { SignedCreditReport } from "./sign";
import { buildCreditCorrection, sectionOf, signCreditCorrection } from "./correction";
import { endOfDayCst } from "../chain/membership";
import { HELP_OPTION, USAGE_EXIT, UsageError, parseCommandLine } from "../chain/commandLine";

/**
 * `npm run credit-report -- --rpc <url> --at <block | YYYY-MM-DD> [--out <dir>] [--contracts <file>]`: the report at
 * a block (a date means the last block of that day in China Standard Time), signed with CHAINBILL_OPERATOR_KEY,
 * written as credit-report.json (signed) and two CSV files. Exit 0 written, 2 usage error or no deployment.
 */

export const CREDIT_USAGE = [
  "usage: npm run credit-report -- --rpc <url> --at <block | YYYY-MM-DD> [--out <dir>] [--contracts <file>]",
  '       npm run credit-report -- --rpc <url> --correct <line> --report <credit-report.json> --reason "<why>" [--out <dir>] [--contracts <file>]',
  "  (a correction names one line of a filed report and why, gives the line as the chain says it read at the report's block, and is signed",
  "   like the report; the audit shows both: npm run audit -- --credit-report <file> --credit-correction <file>)",
].join("\n");

export type CreditCliIo = CommandIo;

function parse(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const { values } = parseCommandLine(argv, {
    ...HELP_OPTION,
    rpc: { type: "string" },
    at: { type: "string" },
    out: { type: "string" },
    contracts: { type: "string" },
    correct: { type: "string" },
    report: { type: "string" },
    reason: { type: "string" },
  });
  if (values.help === true) return null;
  const rpc = values.rpc ?? env.CHAINBILL_RPC_URL;
  if (rpc === undefined || !/^https?:\/\//u.test(rpc)) throw new UsageError("--rpc <http(s) url> is required (or set CHAINBILL_RPC_URL)");
  const key = env.CHAINBILL_OPERATOR_KEY;
  if (key === undefined || !/^(0x)?[0-9a-fA-F]{64}$/u.test(key))
    throw new UsageError("set CHAINBILL_OPERATOR_KEY to the operator's private key: the report is filed signed");
  const operatorKey = key.startsWith("0x") ? key : `0x${key}`;
  if (values.correct !== undefined) {
    if (values.at !== undefined) throw new UsageError("a correction is of a filed report's block: --correct takes no --at");
    if (sectionOf(values.correct) === null)
      throw new UsageError(`--correct: "${values.correct}" is not a report line (receivable/<slot> or funding/<id>)`);
    if (values.report === undefined) throw new UsageError("--correct needs --report <credit-report.json>: the filed report whose line it supersedes");
    if (values.reason === undefined || values.reason.trim() === "") throw new UsageError('--correct needs --reason "<why>": a correction says why');
    return {
      kind: "correct" as const,
      rpc,
      line: values.correct,
      report: values.report,
      reason: values.reason,
      out: values.out ?? "credit-report",
      contracts: values.contracts,
      key: operatorKey,
    };
  }
  if (values.report !== undefined || values.reason !== undefined) throw new UsageError("--report and --reason go with --correct <line>");
  const at = values.at;
  if (at === undefined) throw new UsageError("--at <block | YYYY-MM-DD> is required");
  let atBlock: { kind: "block"; number: number } | { kind: "date"; text: string; endOfDay: bigint };
  if (/^[0-9]{1,12}$/u.test(at)) atBlock = { kind: "block", number: Number(at) };
  else {
    // The last second of that day in China Standard Time, by the rule the operator's KYC dates follow.
    const endOfDay = endOfDayCst(at);
    if (endOfDay === null) throw new UsageError(`--at: "${at}" is neither a block number nor a date YYYY-MM-DD`);
    atBlock = { kind: "date", text: at, endOfDay };
  }
  return { kind: "report" as const, rpc, atBlock, out: values.out ?? "credit-report", contracts: values.contracts, key: operatorKey };
}

export async function runCreditReportCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CreditCliIo): Promise<number> {
  let options;
  try {
    options = parse(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`credit-report: ${error.message}\n${CREDIT_USAGE}`);
    return USAGE_EXIT;
  }
  if (options === null) {
    io.out(CREDIT_USAGE);
    return 0;
  }
  const provider = io.connect(options.rpc);
  try {
    const chainId = (await provider.getNetwork()).chainId;
    const record = options.contracts === undefined ? findDeploymentRecord(chainId) : readDeploymentRecord(options.contracts, chainId);
    const contracts = connectChainbill(record.contracts, provider);
    const chain = {
      provider,
      receivableToken: contracts.receivableToken,
      settlement: contracts.settlement,
      financing: contracts.financing,
      fromBlock: record.deploymentBlock,
    };
    if (options.kind === "correct") {
      const report = JSON.parse(readFileSync(options.report, "utf8")) as SignedCreditReport;
      const body = await buildCreditCorrection(chain, report, options.line, options.reason);
      const signed = await signCreditCorrection(body, io.signerFor(options.key, provider));
      mkdirSync(options.out, { recursive: true });
      const file = path.join(options.out, `credit-correction-${options.line.replace(/[^A-Za-z0-9]+/gu, "-")}-${body.issuedBlock}.json`);
      writeFileSync(file, `${JSON.stringify(signed, null, 2)}\n`);
      io.out(
        `correction of ${options.line} in the report at block ${report.body.block}, issued at block ${body.issuedBlock}, signed by ${signed.signer}: ${body.reason}`,
      );
      io.out(`  ${file}`);
      return 0;
    }
    const block =
      options.atBlock.kind === "block" ? options.atBlock.number : await blockAtOrBefore(provider, options.atBlock.endOfDay, record.deploymentBlock);
    const body = await buildCreditReport(chain, block);
    const signed = await signCreditReport(body, io.signerFor(options.key, provider));
    mkdirSync(options.out, { recursive: true });
    const files = {
      json: path.join(options.out, "credit-report.json"),
      receivables: path.join(options.out, "receivables.csv"),
      fundings: path.join(options.out, "fundings.csv"),
    };
    const csv = creditReportCsv(body);
    writeFileSync(files.json, `${JSON.stringify(signed, null, 2)}\n`);
    writeFileSync(files.receivables, csv.receivables);
    writeFileSync(files.fundings, csv.fundings);
    const counts = new Map<string, number>();
    for (const line of body.receivables) counts.set(line.status, (counts.get(line.status) ?? 0) + 1);
    io.out(
      `credit report of chain ${body.chainId} at block ${body.block} (${new Date(Number(body.blockTime) * 1000).toISOString()}), signed by ${signed.signer}`,
    );
    io.out(
      `  ${body.receivables.length} receivables (${[...counts].map(([status, count]) => `${status} ${count}`).join(", ") || "none"}), ${body.fundings.length} funded pieces`,
    );
    io.out(`  ${files.json}, ${files.receivables}, ${files.fundings}`);
    return 0;
  } catch (error) {
    io.err(`credit-report: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof DeploymentRecordError ? USAGE_EXIT : 1;
  }
}
