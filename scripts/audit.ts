/**
 * `npm run audit -- --rpc <url> [--at <block>] [--documents <api-url or db path>] [--index <db path>] [--out <dir>]
 * [--contracts <file>] [--credit-report <file>]`: the auditor's independent replay of the whole chain (src/audit/). Writes report.json,
 * report.html and CSV exports into --out (default ./audit-report). Exit status 0 when clean, 1 when there is any
 * finding, 2 when the audit could not run. With `--credit-report <file>` it checks that filed credit report (src/credit/)
 * against the chain at the report's block instead, line by line: exit 0 when every line agrees, 1 naming each line that
 * does not. `--documents <api-url>` signs in with the key in CHAINBILL_AUDITOR_KEY. Progress, retries and errors are
 * logged on stderr (src/audit/log.ts): readable lines, or JSON lines with `--log-format json`; the report's summary
 * goes to stdout.
 */
import { readFileSync } from "node:fs";
import { HELP_OPTION, UsageError, parseCommandLine, runCommand } from "../src/chain/commandLine";
import { JsonRpcProvider, Network } from "ethers";
import { findDeploymentRecord, readDeploymentRecord } from "../src/chain/deployment";
import type { SignedCreditReport } from "../src/credit/sign";
import type { SignedCreditCorrection } from "../src/credit/correction";
import { SingleBar } from "cli-progress";
import { httpSender } from "../src/audit/chain";
import type { DocumentSource } from "../src/audit/documents";
import { runAudit } from "../src/audit/run";
import type { AuditPhase } from "../src/audit/run";
import { writeReport } from "../src/audit/report/write";
import { formatCny } from "../src/finance/money";
import { auditLog } from "../src/audit/log";
import { createCommandLogger, failureReporter, logFormatFromArgv, parseLogFormat } from "../src/log/logger";
import type { LogFormat } from "../src/log/logger";

const USAGE = `usage: npm run audit -- --rpc <url> [--at <block>] [--documents <api-url or db path>] [--index <db path>] [--out <dir>] [--contracts <file>] [--credit-report <file> [--credit-correction <file[,file…]>]] [--log-format pretty|json]
  --rpc          the node (or CHAINBILL_RPC_URL)
  --at           the block to audit at (default the head)
  --documents    the API (signs in with CHAINBILL_AUDITOR_KEY) or the document store's folder: check the documents too
  --index        the indexer's LevelDB folder: compare the index with the replay
  --out          where report.json, report.html and the CSV files go (default audit-report)
  --contracts    a deployment file (default the deployment record of the chain's id under deploy/deployments/)
  --credit-report  check that filed credit report against the chain at its block instead
  --credit-correction  signed corrections of lines of that report (comma-separated files), shown beside the lines they supersede
  --log-format   logs on stderr as lines for people (default) or JSON lines for machines
Exit status: 0 clean, 1 findings (or a disagreeing credit report), 2 usage error or the audit could not run.`;

interface CliOptions {
  rpc: string;
  at?: number;
  documents?: string;
  index?: string;
  out: string;
  contracts?: string;
  creditReport?: string;
  /** Signed corrections of the credit report's lines (comma-separated files). */
  creditCorrections?: string[];
  logFormat: LogFormat;
}

/** The options, or null for --help. */
function parseArguments(argv: readonly string[]): CliOptions | null {
  const { values } = parseCommandLine(argv, {
    ...HELP_OPTION,
    rpc: { type: "string" },
    at: { type: "string" },
    documents: { type: "string" },
    index: { type: "string" },
    out: { type: "string" },
    contracts: { type: "string" },
    "credit-report": { type: "string" },
    "credit-correction": { type: "string" },
    "log-format": { type: "string" },
  });
  if (values.help === true) return null;
  const rpc = values.rpc ?? process.env.CHAINBILL_RPC_URL;
  if (rpc === undefined) throw new UsageError("--rpc <url> is required (or set CHAINBILL_RPC_URL)");
  if (!/^https?:\/\//u.test(rpc)) throw new UsageError(`--rpc must be an http(s) URL, not "${rpc}"`);
  const atText = values.at;
  let at: number | undefined;
  if (atText !== undefined) {
    if (!/^\d+$/u.test(atText) || !Number.isSafeInteger(Number(atText))) throw new UsageError(`--at must be a block number, not "${atText}"`);
    at = Number(atText);
  }
  let logFormat: LogFormat;
  try {
    logFormat = parseLogFormat(values["log-format"]);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  return {
    rpc,
    logFormat,
    ...(at === undefined ? {} : { at }),
    ...(values.documents === undefined ? {} : { documents: values.documents }),
    ...(values.index === undefined ? {} : { index: values.index }),
    ...(values.contracts === undefined ? {} : { contracts: values.contracts }),
    ...(values["credit-report"] === undefined ? {} : { creditReport: values["credit-report"] }),
    ...(values["credit-correction"] === undefined ? {} : { creditCorrections: values["credit-correction"].split(",").filter((file) => file !== "") }),
    out: values.out ?? "audit-report",
  };
}

/** Asks the node its chain id with one plain request, so a wrong URL fails at once instead of retrying. */
async function chainIdAt(url: string): Promise<bigint> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(`cannot reach the node at ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const body = (await response.json()) as { result?: string; error?: { message?: string } };
  if (typeof body.result !== "string") throw new Error(`${url} did not answer eth_chainId: ${body.error?.message ?? response.status}`);
  return BigInt(body.result);
}

// The document checks, the credit report's and the contracts' typed handles are loaded only by the runs that use
// them: each module is compiled at start-up, and a plain audit starts faster without them.
async function openDocuments(target: string, chainId: bigint): Promise<DocumentSource> {
  const { openApiSource, openStoreSource } = await import("../src/audit/documents");
  if (/^https?:\/\//u.test(target)) {
    const key = process.env.CHAINBILL_AUDITOR_KEY;
    if (key === undefined || key === "")
      throw new UsageError("--documents <api-url> signs in as the auditor: set CHAINBILL_AUDITOR_KEY to the auditor's private key");
    return openApiSource(target, key);
  }
  return openStoreSource(target, chainId);
}

const PHASE_LABELS: Readonly<Record<AuditPhase, string>> = {
  logs: "fetching logs (blocks)",
  transactions: "funding transactions",
  replay: "replaying events",
  times: "block times",
  views: "contract views",
  documents: "documents",
  index: "index",
};

/** Checks a filed credit report against the chain at its block; prints each disagreement with its line. */
async function auditCreditReport(
  provider: JsonRpcProvider,
  chainId: bigint,
  file: string,
  contractsFile: string | undefined,
  correctionFiles: readonly string[],
): Promise<number> {
  const { connectChainbill } = await import("../src/chain/system");
  const { checkCreditReport } = await import("../src/credit/verify");
  const report = JSON.parse(readFileSync(file, "utf8")) as SignedCreditReport;
  const corrections = correctionFiles.map((correction) => JSON.parse(readFileSync(correction, "utf8")) as SignedCreditCorrection);
  const record = contractsFile === undefined ? findDeploymentRecord(chainId) : readDeploymentRecord(contractsFile, chainId);
  const contracts = connectChainbill(record.contracts, provider);
  const check = await checkCreditReport(
    report,
    {
      provider,
      receivableToken: contracts.receivableToken,
      settlement: contracts.settlement,
      financing: contracts.financing,
      registry: contracts.registry,
      fromBlock: record.deploymentBlock,
    },
    corrections,
  );
  console.log(
    `credit report ${file}: block ${report.body.block}, signed by ${report.signer}; ${check.linesChecked} lines checked against chain ${chainId}`,
  );
  for (const shown of check.corrections) {
    console.log(`  ${shown.where} is SUPERSEDED by a correction signed by ${shown.signer} at block ${shown.issuedBlock}: "${shown.reason}"`);
    console.log(`    as filed:     ${JSON.stringify(shown.filed)}`);
    console.log(`    as corrected: ${JSON.stringify(shown.corrected)}`);
    for (const disagreement of shown.filedDisagreements) console.log(`    the filed line was wrong: ${disagreement}`);
  }
  if (check.ok) {
    console.log("  AGREES with the chain on every line");
    return 0;
  }
  console.log(`  ${check.problems.length} DISAGREEMENT(S):`);
  for (const problem of check.problems) console.log(`    ${problem}`);
  return 1;
}

const logger = createCommandLogger("chainbill-audit", { format: logFormatFromArgv(process.argv.slice(2)) });

async function main(options: CliOptions): Promise<number> {
  const log = auditLog(logger);
  log.signatures();
  const chainId = await chainIdAt(options.rpc);
  const provider = new JsonRpcProvider(options.rpc, Network.from(chainId), { staticNetwork: true, batchMaxCount: 100 });
  if (options.creditReport !== undefined) {
    try {
      return await auditCreditReport(provider, chainId, options.creditReport, options.contracts, options.creditCorrections ?? []);
    } finally {
      provider.destroy();
    }
  }
  const documents = options.documents === undefined ? undefined : await openDocuments(options.documents, chainId);
  const bar = new SingleBar(
    { format: " {phase} [{bar}] {value}/{total}", hideCursor: true, clearOnComplete: true, stream: process.stderr },
    undefined,
  );
  // A person at a terminal watches a bar; anywhere else each phase is logged.
  const showBar = options.logFormat === "pretty" && process.stderr.isTTY;
  let currentPhase: AuditPhase | undefined;
  try {
    const result = await runAudit({
      provider,
      rpc: httpSender(options.rpc, undefined, undefined, (error, attempt) => log.retry(error, attempt)),
      ...(options.at === undefined ? {} : { at: options.at }),
      ...(options.contracts === undefined ? {} : { contractsFile: options.contracts }),
      ...(documents === undefined ? {} : { documents }),
      ...(options.index === undefined ? {} : { indexPath: options.index }),
      onProgress: (phase, done, total) => {
        if (!showBar) return log.progress(phase, done, total);
        if (phase !== currentPhase) {
          if (currentPhase !== undefined) bar.stop();
          currentPhase = phase;
          bar.start(total, done, { phase: PHASE_LABELS[phase].padEnd(24) });
        }
        bar.setTotal(total);
        bar.update(done);
      },
    });
    bar.stop();
    log.finished(result);
    const { files, figures } = writeReport(result, options.out);
    const t = figures.totals;
    console.log(
      `Chainbill audit of chain ${result.chainId} at block ${result.block} (contracts from ${result.record.source}, deployed at block ${result.record.deploymentBlock})`,
    );
    console.log(
      `  ${t.events} events replayed: ${t.receivables} receivables (${formatCny(t.faceValue)}), ${t.pieces.live} live pieces, ${t.fundings} fundings, ${formatCny(t.repaid)} repaid, ${formatCny(t.claimed)} paid out`,
    );
    console.log(
      `  documents checked: ${result.documentsChecked > 0 ? result.documentsChecked : "no (--documents)"}; index compared: ${result.indexCompared ? "yes" : "no (--index)"}`,
    );
    const seconds = Object.values(result.timings).reduce((sum, ms) => sum + ms, 0) / 1000;
    console.log(
      `  ${seconds.toFixed(1)} s: ${Object.entries(result.timings)
        .map(([phase, ms]) => `${phase} ${ms} ms`)
        .join(", ")}`,
    );
    if (result.findings.length === 0) console.log("  CLEAN: no findings");
    else {
      console.log(`  ${result.findings.length} FINDING(S): ${figures.findingsByCode.map((entry) => `${entry.code} × ${entry.count}`).join(", ")}`);
      for (const finding of result.findings.slice(0, 20))
        console.log(`    block ${finding.block} tx ${finding.transactionHash}: ${finding.code} ${finding.message}`);
      if (result.findings.length > 20) console.log(`    … ${result.findings.length - 20} more in ${files.json}`);
    }
    console.log(`  report: ${files.html}, ${files.json}; CSV: ${files.positions}, ${files.holdings}, ${files.cash}`);
    return result.findings.length === 0 ? 0 : 1;
  } finally {
    bar.stop();
    await documents?.close();
    provider.destroy();
  }
}

// A usage error exits 2 with the usage; an audit that could not run exits 2 as well (1 is kept for findings).
runCommand("audit", USAGE, parseArguments, main, 2, failureReporter(logger, logFormatFromArgv(process.argv.slice(2))));
