import { formatCny } from "../../finance/money";
import type { ReportFigures } from "./figures";

/**
 * CSV exports an accountant can open: positions per member (cash and receivables) and every piece held at the
 * audited block, and every cash movement (fundings, repayments, claims). Amounts appear twice: in minor units
 * (fen, an integer) and formatted in CNY.
 */

function cell(value: string | number | bigint | undefined): string {
  const text = value === undefined ? "" : String(value);
  return /[",\n\r]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text;
}

function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | bigint | undefined>>): string {
  return `${[header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n")}\r\n`;
}

function dateTime(time: bigint | undefined): string {
  return time === undefined ? "" : new Date(Number(time) * 1000).toISOString().replace(".000Z", "Z");
}

export function positionsCsv(figures: ReportFigures): string {
  return table(
    ["member_id", "account", "cash_fen", "cash", "receivables_fen", "receivables", "pieces"],
    figures.positions.map((p) => [p.memberId, p.account, p.cash, formatCny(p.cash), p.receivables, formatCny(p.receivables), p.pieces]),
  );
}

export function holdingsCsv(figures: ReportFigures): string {
  return table(
    ["member_id", "account", "token_id", "receivable", "anchor_member_id", "maturity", "value_fen", "value", "received_fen"],
    figures.holdings.map((h) => [h.memberId, h.account, h.tokenId, h.slot, h.anchorId, dateTime(h.maturity), h.value, formatCny(h.value), h.claimed]),
  );
}

export function cashCsv(figures: ReportFigures): string {
  return table(
    ["kind", "block", "time", "transaction", "from_member_id", "from", "to_member_id", "to", "amount_fen", "amount", "receivable", "token_id"],
    figures.cash.map((c) => [
      c.kind,
      c.at.block,
      dateTime(c.time),
      c.at.transactionHash,
      c.fromMember,
      c.from,
      c.toMember,
      c.to,
      c.amount,
      formatCny(c.amount),
      c.slot,
      c.tokenId,
    ]),
  );
}
