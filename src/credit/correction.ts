import { getAddress, getBytes, verifyMessage } from "ethers";
import type { Signer } from "ethers";
import { buildCreditReport } from "./report";
import type { CreditChain, FundingLine, ReceivableLine } from "./report";
import { canonicalDigest, creditReportDigest } from "./sign";
import type { SignedCreditReport } from "./sign";

/**
 * A correction (更正) of a filed credit report: a later document, signed by the operator like the report, that names
 * one line of one report (by the report's digest, the section and the line's id), says why, and gives the line as
 * it should have read at the report's block. It never rewrites the filed report: the audit shows both, the line as
 * filed and the correction that supersedes it, and checks the correction's line against the chain as it checks a
 * report's.
 */

export const CREDIT_CORRECTION_FORMAT = "chainbill-credit-correction/1";

export type ReportSection = "receivables" | "fundings";

export interface CreditCorrectionBody {
  format: typeof CREDIT_CORRECTION_FORMAT;
  chainId: string;
  supersedes: { reportDigest: string; reportBlock: number; section: ReportSection; line: string };
  reason: string;
  /** The line as it should have read at the report's block. */
  corrected: ReceivableLine | FundingLine;
  /** The chain's latest block when the correction was made: always after the report's. */
  issuedBlock: number;
}

export interface SignedCreditCorrection {
  body: CreditCorrectionBody;
  signer: string;
  signature: string;
}

export function creditCorrectionDigest(body: CreditCorrectionBody): string {
  return canonicalDigest(body);
}

/** Which section a line id belongs to: `receivable/…` or `funding/…`. */
export function sectionOf(line: string): ReportSection | null {
  if (line.startsWith("receivable/")) return "receivables";
  if (line.startsWith("funding/")) return "fundings";
  return null;
}

/** The correction of `line` of a filed report: the line rebuilt from the chain at the report's block, with the reason. */
export async function buildCreditCorrection(
  chain: CreditChain,
  report: SignedCreditReport,
  line: string,
  reason: string,
): Promise<CreditCorrectionBody> {
  const section = sectionOf(line);
  if (section === null) throw new Error(`"${line}" is not a report line (receivable/<slot> or funding/<id>)`);
  if (reason.trim() === "") throw new Error("a correction says why: give a reason");
  const filed: ReadonlyArray<{ line: string }> = report.body[section];
  if (!filed.some((entry) => entry.line === line)) throw new Error(`the report at block ${report.body.block} has no line ${line}`);
  const rebuilt = await buildCreditReport(chain, report.body.block);
  const corrected = (rebuilt[section] as ReadonlyArray<ReceivableLine | FundingLine>).find((entry) => entry.line === line);
  if (corrected === undefined) throw new Error(`the chain has no line ${line} at block ${report.body.block}`);
  const issuedBlock = await chain.provider.getBlockNumber();
  if (issuedBlock <= report.body.block)
    throw new Error(`a correction comes after its report: the chain is still at the report's block ${report.body.block}`);
  return {
    format: CREDIT_CORRECTION_FORMAT,
    chainId: report.body.chainId,
    supersedes: { reportDigest: creditReportDigest(report.body), reportBlock: report.body.block, section, line },
    reason: reason.trim(),
    corrected,
    issuedBlock,
  };
}

export async function signCreditCorrection(body: CreditCorrectionBody, signer: Signer): Promise<SignedCreditCorrection> {
  const signature = await signer.signMessage(getBytes(creditCorrectionDigest(body)));
  return { body, signer: getAddress(await signer.getAddress()), signature };
}

/** The address that signed the correction, or null when the signature is not a signature. */
export function creditCorrectionSigner(correction: SignedCreditCorrection): string | null {
  try {
    return getAddress(verifyMessage(getBytes(creditCorrectionDigest(correction.body)), correction.signature));
  } catch {
    return null;
  }
}
