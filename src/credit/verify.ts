import { getAddress } from "ethers";
import type { MemberRegistry } from "../../typechain-types";
import { Role } from "../chain/roles";
import { buildCreditReport } from "./report";
import type { CreditChain, CreditReportBody } from "./report";
import { creditReportDigest, creditReportSigner } from "./sign";
import type { SignedCreditReport } from "./sign";
import { CREDIT_CORRECTION_FORMAT, creditCorrectionSigner } from "./correction";
import type { SignedCreditCorrection } from "./correction";

/**
 * The auditor's check of a filed credit report: the signature is the named operator's, the report's block is this
 * chain's, and every line agrees with the report rebuilt from the chain at that block. Each disagreement names the
 * line (its place in the file and its id), the field, what the report says and what the chain says.
 */

/** A filed line and the signed correction that supersedes it, as the audit shows them: both. */
export interface CorrectionShown {
  where: string;
  line: string;
  reason: string;
  signer: string;
  issuedBlock: number;
  filed: Record<string, unknown>;
  corrected: Record<string, unknown>;
  /** Where the filed line disagreed with the chain (what the correction fixes). */
  filedDisagreements: string[];
}

export interface CreditReportCheck {
  ok: boolean;
  problems: string[];
  linesChecked: number;
  /** Lines superseded by a valid correction. */
  corrections: CorrectionShown[];
}

type Line = { line: string } & Record<string, unknown>;

function disagreements(where: string, line: Line, chainLine: Line, source: string): string[] {
  const found: string[] = [];
  for (const field of new Set([...Object.keys(chainLine), ...Object.keys(line)])) {
    const said = JSON.stringify(line[field]);
    const truth = JSON.stringify(chainLine[field]);
    if (said !== truth) found.push(`${where}: ${field} is ${said ?? "missing"} in the ${source}, ${truth ?? "absent"} on the chain`);
  }
  return found;
}

function compareLines(
  section: "receivables" | "fundings",
  reported: readonly Line[],
  rebuilt: readonly Line[],
  problems: string[],
  corrections: ReadonlyMap<string, SignedCreditCorrection>,
  shown: CorrectionShown[],
): number {
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
    const correction = corrections.get(line.line);
    if (correction === undefined) {
      problems.push(...disagreements(where, line, chainLine, "report"));
      return;
    }
    // Superseded: the correction's line is what must agree with the chain; the filed line is shown beside it.
    const corrected = correction.body.corrected as unknown as Line;
    problems.push(...disagreements(`${where}, as corrected`, corrected, chainLine, "correction"));
    shown.push({
      where,
      line: line.line,
      reason: correction.body.reason,
      signer: correction.signer,
      issuedBlock: correction.body.issuedBlock,
      filed: line,
      corrected,
      filedDisagreements: disagreements(where, line, chainLine, "report"),
    });
  });
  for (const line of rebuilt) if (!seen.has(line.line)) problems.push(`${section}: the report leaves out ${line.line}`);
  return reported.length;
}

/** The corrections that validly name this report, by line; every invalid one is a problem. */
async function validCorrections(
  report: SignedCreditReport,
  corrections: readonly SignedCreditCorrection[],
  chain: CreditChain & { registry: MemberRegistry },
  problems: string[],
): Promise<Map<string, SignedCreditCorrection>> {
  const digest = creditReportDigest(report.body);
  const head = await chain.provider.getBlockNumber();
  const valid = new Map<string, SignedCreditCorrection>();
  for (const [index, correction] of corrections.entries()) {
    const { body } = correction;
    const what = `correction ${index + 1} (${String(body.supersedes?.line)})`;
    const signer = creditCorrectionSigner(correction);
    // Read as a string: a file can carry any format, whatever the type says.
    const format: string = body.format;
    if (format !== CREDIT_CORRECTION_FORMAT) problems.push(`${what}: format is ${JSON.stringify(format)}, not ${CREDIT_CORRECTION_FORMAT}`);
    else if (signer === null || signer !== getAddress(correction.signer))
      problems.push(`${what}: it is not ${correction.signer}'s signature of this correction`);
    else if (!(await chain.registry.hasRole(signer, Role.OPERATOR))) problems.push(`${what}: ${signer} is not an active operator`);
    else if (body.supersedes.reportDigest !== digest)
      problems.push(`${what}: it names report ${body.supersedes.reportDigest}, not this one (${digest})`);
    else if (
      !report.body[body.supersedes.section].some((line) => line.line === body.supersedes.line) ||
      body.corrected.line !== body.supersedes.line
    ) {
      problems.push(`${what}: the report has no line ${body.supersedes.line} in ${body.supersedes.section} for it to correct`);
    } else if (body.reason.trim() === "") problems.push(`${what}: it does not say why`);
    else if (body.issuedBlock <= report.body.block || body.issuedBlock > head) {
      problems.push(
        `${what}: issued at block ${body.issuedBlock}, not after the report's block ${report.body.block} and by the chain's head ${head}`,
      );
    } else if (valid.has(body.supersedes.line)) problems.push(`${what}: another correction already supersedes ${body.supersedes.line}`);
    else valid.set(body.supersedes.line, correction);
  }
  return valid;
}

export async function checkCreditReport(
  report: SignedCreditReport,
  chain: CreditChain & { registry: MemberRegistry },
  corrections: readonly SignedCreditCorrection[] = [],
): Promise<CreditReportCheck> {
  const problems: string[] = [];
  const body: CreditReportBody = report.body;
  const signer = creditReportSigner(report);
  if (signer === null || signer !== getAddress(report.signer)) problems.push(`signature: it is not ${report.signer}'s signature of this report`);
  else if (!(await chain.registry.hasRole(signer, Role.OPERATOR))) problems.push(`signature: ${signer} is not an active operator`);

  const block = await chain.provider.getBlock(body.block);
  if (block === null) {
    problems.push(`block: this chain has no block ${body.block}`);
    return { ok: false, problems, linesChecked: 0, corrections: [] };
  }
  if (block.hash !== body.blockHash) {
    problems.push(
      `block: block ${body.block} of this chain is ${block.hash}, the report's is ${body.blockHash} (another chain, or a reorganised one)`,
    );
    return { ok: false, problems, linesChecked: 0, corrections: [] };
  }
  const valid = await validCorrections(report, corrections, chain, problems);
  const shown: CorrectionShown[] = [];
  const rebuilt = await buildCreditReport(chain, body.block);
  for (const field of ["format", "chainId", "blockTime", "gracePeriod"] as const) {
    if (body[field] !== rebuilt[field])
      problems.push(`${field}: ${JSON.stringify(body[field])} in the report, ${JSON.stringify(rebuilt[field])} on the chain`);
  }
  const linesChecked =
    compareLines("receivables", body.receivables as unknown as Line[], rebuilt.receivables as unknown as Line[], problems, valid, shown) +
    compareLines("fundings", body.fundings as unknown as Line[], rebuilt.fundings as unknown as Line[], problems, valid, shown);
  return { ok: problems.length === 0, problems, linesChecked, corrections: shown };
}
