import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AuditResult } from "../run";
import { cashCsv, holdingsCsv, positionsCsv } from "./csv";
import { figuresOf } from "./figures";
import type { ReportFigures } from "./figures";
import { reportHtml } from "./html";
import { reportJson } from "./json";

/** The files an audit writes into its output folder. */
export const REPORT_FILES = {
  json: "report.json",
  html: "report.html",
  positions: "positions.csv",
  holdings: "holdings.csv",
  cash: "cash-movements.csv",
} as const;

export interface WrittenReport {
  figures: ReportFigures;
  files: Record<keyof typeof REPORT_FILES, string>;
}

export function writeReport(result: AuditResult, outDir: string, generatedAt: Date = new Date()): WrittenReport {
  mkdirSync(outDir, { recursive: true });
  const figures = figuresOf(result);
  const contents: Record<keyof typeof REPORT_FILES, string> = {
    json: reportJson(result, figures, generatedAt),
    html: reportHtml(result, figures, generatedAt),
    positions: positionsCsv(figures),
    holdings: holdingsCsv(figures),
    cash: cashCsv(figures),
  };
  const files = {} as Record<keyof typeof REPORT_FILES, string>;
  for (const key of Object.keys(REPORT_FILES) as Array<keyof typeof REPORT_FILES>) {
    files[key] = path.join(outDir, REPORT_FILES[key]);
    writeFileSync(files[key], contents[key]);
  }
  return { figures, files };
}
