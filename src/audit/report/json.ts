import type { AuditResult } from "../run";
import type { ReportFigures } from "./figures";
import { CHECKS, checkRan } from "./checks";

/**
 * report.json: everything the audit found and every figure it computed, for programs. Amounts and ids are decimal
 * strings (minor units; no floats); every finding carries its transaction hash and block.
 */

function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, item]) => [String(key), plain(item)]));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  return value;
}

export function reportJson(result: AuditResult, figures: ReportFigures, generatedAt: Date): string {
  const report = {
    format: "chainbill-audit/1",
    generatedAt: generatedAt.toISOString(),
    verdict: result.findings.length === 0 ? "clean" : "findings",
    chainId: result.chainId,
    block: result.block,
    blockTime: result.blockTime,
    deployment: { source: result.record.source, deploymentBlock: result.record.deploymentBlock, contracts: result.record.contracts },
    checks: CHECKS.map((check) => ({ ...check, ran: checkRan(check, result) })),
    documentsChecked: result.documentsChecked,
    indexCompared: result.indexCompared,
    totals: figures.totals,
    findingsByCode: figures.findingsByCode,
    findings: result.findings,
    lineages: figures.lineages,
    exposureByAnchor: figures.exposureByAnchor,
    exposureByMaturityMonth: figures.exposureByMaturityMonth,
    depth: figures.depth,
    positions: figures.positions,
    timingsMs: result.timings,
  };
  return `${JSON.stringify(plain(report), null, 2)}\n`;
}
