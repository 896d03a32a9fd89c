import type { CreditReportBody } from "./report";

/** The report's lines as CSV (one file for receivables, one for funded pieces), amounts in fen, times in unix seconds. */

function cell(value: unknown): string {
  const text = String(value);
  return /[",\n\r]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text;
}

function table<T extends object>(rows: readonly T[], columns: readonly (keyof T)[]): string {
  return `${[columns.join(","), ...rows.map((row) => columns.map((column) => cell(row[column])).join(","))].join("\n")}\n`;
}

export function creditReportCsv(body: CreditReportBody): { receivables: string; fundings: string } {
  return {
    receivables: table(body.receivables, [
      "line",
      "slot",
      "anchorId",
      "anchor",
      "supplierId",
      "supplier",
      "currency",
      "faceValue",
      "maturity",
      "confirmedBlock",
      "repaid",
      "outstanding",
      "status",
      "daysPastDue",
      "daysLate",
      "repaidAt",
      "writtenOffAt",
      "writtenOffBlock",
    ]),
    fundings: table(body.fundings, [
      "line",
      "fundingId",
      "slot",
      "fundedTokenId",
      "factor",
      "seller",
      "value",
      "price",
      "withRecourse",
      "fundedBlock",
      "receivableStatus",
      "daysPastDue",
      "recourseRecorded",
      "writtenOffAt",
      "writtenOffBlock",
    ]),
  };
}
