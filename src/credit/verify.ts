import { getAddress } from "ethers";
import type { MemberRegistry } from "../../typechain-types";
import { Role } from "../chain/roles";
import { buildCreditReport } from "./report";
import type { CreditChain, CreditReportBody } from "./report";
import { creditReportSigner } from "./sign";
import type { SignedCreditReport } from "./sign";

/**
 * The auditor's check of a filed credit report: the signature is the named operator's, the report's block is this
 * chain's, and every line agrees with the report rebuilt from the chain at that block. Each disagreement names the
 * line (its place in the file and its id), the field, what the report says and what the chain says.
 */

export interface CreditReportCheck {
  ok: boolean;
  problems: string[];
  linesChecked: number;
}

type Line = { line: string } & Record<string, unknown>;

function compareLines(section: "receivables" | "fundings", reported: readonly Line[], rebuilt: readonly Line[], problems: string[]): number {
  const chainLines = new Map(rebuilt.map((line) => [line.line, line]));
  const seen = new Set<string>();
  reported.forEach((line, index) => {
    const where = `${section}[${index + 1}] (${String(line.line)})`;
    const chainLine = chainLines.get(line.line);
    if (chainLine === undefined) {
      problems.push(`${where}: the chain has no such line at this block`);
      return;
    }
    if (seen.has(line.line)) problems.push(`${where}: the line appears twice`);
    seen.add(line.line);
    for (const field of new Set([...Object.keys(chainLine), ...Object.keys(line)])) {
      const said = JSON.stringify(line[field]);
      const truth = JSON.stringify(chainLine[field]);
      if (said !== truth) problems.push(`${where}: ${field} is ${said ?? "missing"} in the report, ${truth ?? "absent"} on the chain`);
    }
  });
  for (const line of rebuilt) if (!seen.has(line.line)) problems.push(`${section}: the report leaves out ${line.line}`);
  return reported.length;
}

export async function checkCreditReport(report: SignedCreditReport, chain: CreditChain & { registry: MemberRegistry }): Promise<CreditReportCheck> {
  const problems: string[] = [];
  const body: CreditReportBody = report.body;
  const signer = creditReportSigner(report);
  if (signer === null || signer !== getAddress(report.signer)) problems.push(`signature: it is not ${report.signer}'s signature of this report`);
  else if (!(await chain.registry.hasRole(signer, Role.OPERATOR))) problems.push(`signature: ${signer} is not an active operator`);

  const block = await chain.provider.getBlock(body.block);
  if (block === null) {
    problems.push(`block: this chain has no block ${body.block}`);
    return { ok: false, problems, linesChecked: 0 };
  }
  if (block.hash !== body.blockHash) {
    problems.push(`block: block ${body.block} of this chain is ${block.hash}, the report's is ${body.blockHash} (another chain, or a reorganised one)`);
    return { ok: false, problems, linesChecked: 0 };
  }
  const rebuilt = await buildCreditReport(chain, body.block);
  for (const field of ["format", "chainId", "blockTime", "gracePeriod"] as const) {
    if (body[field] !== rebuilt[field]) problems.push(`${field}: ${JSON.stringify(body[field])} in the report, ${JSON.stringify(rebuilt[field])} on the chain`);
  }
  const linesChecked =
    compareLines("receivables", body.receivables as unknown as Line[], rebuilt.receivables as unknown as Line[], problems) +
    compareLines("fundings", body.fundings as unknown as Line[], rebuilt.fundings as unknown as Line[], problems);
  return { ok: problems.length === 0, problems, linesChecked };
}
