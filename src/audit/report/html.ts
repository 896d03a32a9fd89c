import { formatCny } from "../../finance/money";
import type { AuditResult } from "../run";
import { pieceName } from "../../chain/tokenId";
import { CHECKS, checkRan } from "./checks";
import type { DepthRow, ExposureRow, LineageStep, ReportFigures } from "./figures";

/**
 * report.html: the audit for people, in one self-contained file (no script, no external resource): the verdict
 * and the figures, exposure per anchor and per maturity month, a chart of how deep in the supply chain value
 * travelled, the findings, and the lineage of every piece a finding names.
 */

/** Findings listed in the page; report.json has them all. */
const MAX_FINDINGS_SHOWN = 500;
const MAX_LINEAGES_SHOWN = 100;

function escape(text: string): string {
  return text.replace(/[&<>"']/gu, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char);
}

function short(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex;
}

function utc(time: bigint): string {
  return new Date(Number(time) * 1000).toISOString().replace("T", " ").replace(".000Z", " UTC");
}

function exposureTable(title: string, keyLabel: string, rows: readonly ExposureRow[]): string {
  const body = rows
    .map(
      (row) =>
        `<tr><td>${escape(row.label)}</td><td class="n">${row.receivables}</td><td class="n">${formatCny(row.faceValue)}</td><td class="n">${formatCny(row.repaid)}</td>` +
        `<td class="n">${formatCny(row.outstanding)}</td><td class="n">${formatCny(row.funded)}</td><td class="n${row.pastDueUnpaid > 0 ? " warn" : ""}">${row.pastDueUnpaid}</td></tr>`,
    )
    .join("");
  return (
    `<section><h2>${escape(title)}</h2><table><thead><tr><th>${escape(keyLabel)}</th><th>receivables</th><th>face value</th><th>repaid</th><th>outstanding</th>` +
    `<th>bought by factors</th><th>past due, unpaid</th></tr></thead><tbody>${body || `<tr><td colspan="7">no receivables</td></tr>`}</tbody></table></section>`
  );
}

function depthChart(rows: readonly DepthRow[]): string {
  if (rows.length === 0) return "<p>No pieces yet.</p>";
  const max = rows.reduce((most, row) => (row.valuePassed > most ? row.valuePassed : most), 1n);
  const barWidth = 520;
  const rowHeight = 34;
  const height = rows.length * rowHeight + 30;
  const bars = rows
    .map((row, index) => {
      const y = index * rowHeight + 10;
      const passed = Number((row.valuePassed * BigInt(barWidth)) / max);
      const live = Number((row.valueLive * BigInt(barWidth)) / max);
      const label = row.depth === 0 ? "tier 1 (confirmed)" : `tier ${row.depth + 1}`;
      return (
        `<text x="0" y="${y + 16}" class="axis">${label}</text>` +
        `<rect x="130" y="${y}" width="${Math.max(passed, 1)}" height="22" class="passed"><title>${escape(`${label}: ${formatCny(row.valuePassed)} passed into ${row.pieces} pieces`)}</title></rect>` +
        `<rect x="130" y="${y + 6}" width="${live}" height="10" class="live"><title>${escape(`${label}: ${formatCny(row.valueLive)} still held`)}</title></rect>` +
        `<text x="${140 + Math.max(passed, 1)}" y="${y + 16}" class="value">${escape(formatCny(row.valuePassed))} · ${row.pieces} piece${row.pieces === 1 ? "" : "s"}</text>`
      );
    })
    .join("");
  return (
    `<svg class="chart" viewBox="0 0 900 ${height}" width="900" height="${height}" role="img" aria-label="value passed at each tier of the supply chain">${bars}</svg>` +
    `<p class="legend"><span class="swatch passed"></span> value passed to this tier &nbsp; <span class="swatch live"></span> still held there at the audited block</p>`
  );
}

function findingsSection(result: AuditResult): string {
  if (result.findings.length === 0) return `<section><h2>Findings</h2><p class="ok">None. Every check passed.</p></section>`;
  const rows = result.findings
    .slice(0, MAX_FINDINGS_SHOWN)
    .map(
      (finding) =>
        `<tr><td><code>${escape(finding.code)}</code></td><td class="n">${finding.block}</td><td><code title="${escape(finding.transactionHash)}">${escape(short(finding.transactionHash))}</code></td>` +
        `<td>${finding.tokenId === undefined ? "" : `<a href="#piece-${finding.tokenId}">${pieceName(finding.tokenId)}</a>`}</td><td>${escape(finding.message)}</td></tr>`,
    )
    .join("");
  const more = result.findings.length > MAX_FINDINGS_SHOWN ? `<p>${result.findings.length - MAX_FINDINGS_SHOWN} more in report.json.</p>` : "";
  return `<section><h2>Findings (${result.findings.length})</h2><table><thead><tr><th>code</th><th>block</th><th>transaction</th><th>piece</th><th>what</th></tr></thead><tbody>${rows}</tbody></table>${more}</section>`;
}

/** ", invoice 12345678, waybill WB-1": by number when the document check read them, else by (shortened) hash. */
function documentsOf(step: LineageStep): string {
  if (step.invoiceHash === undefined) return "";
  const invoice =
    step.invoiceNumber === undefined
      ? `<code title="${escape(step.invoiceHash)}">${escape(short(step.invoiceHash))}</code>`
      : escape(step.invoiceNumber);
  const hash = step.logisticsHash ?? "";
  const waybill = step.waybillNumber === undefined ? `<code title="${escape(hash)}">${escape(short(hash))}</code>` : escape(step.waybillNumber);
  return `, invoice ${invoice}, waybill ${waybill}`;
}

function lineageSection(figures: ReportFigures): string {
  if (figures.lineages.length === 0) return "";
  const blocks = figures.lineages.slice(0, MAX_LINEAGES_SHOWN).map((lineage) => {
    const steps = lineage.steps
      .map(
        (step) =>
          `<li><b>${pieceName(step.tokenId)}</b> — ${escape(step.origin)}: ${escape(step.fromName)} → ${escape(step.toName)}, ${escape(formatCny(step.value))} ` +
          `(block ${step.at.block}, tx <code title="${escape(step.at.transactionHash)}">${escape(short(step.at.transactionHash))}</code>)` +
          `${documentsOf(step)}; ${escape(step.status)}</li>`,
      )
      .join("");
    const body = steps === "" ? "<p>The replayed history never created this piece.</p>" : `<ol>${steps}</ol>`;
    return `<div class="lineage" id="piece-${lineage.tokenId}"><h3>Piece ${pieceName(lineage.tokenId)}</h3>${body}</div>`;
  });
  return `<section><h2>Lineage of flagged pieces</h2><p>From the anchor's confirmation (first) to the flagged piece (last).</p>${blocks.join("")}</section>`;
}

function positionsSection(figures: ReportFigures): string {
  const rows = figures.positions
    .filter((position) => position.cash !== 0n || position.receivables !== 0n)
    .map(
      (position) =>
        `<tr><td>${position.memberId === 0 ? "—" : escape(position.name)}</td><td><code>${escape(position.account)}</code></td><td class="n">${formatCny(position.cash)}</td>` +
        `<td class="n">${formatCny(position.receivables)}</td><td class="n">${position.pieces}</td></tr>`,
    )
    .join("");
  return (
    `<section><h2>Positions at the audited block</h2><table><thead><tr><th>member</th><th>account</th><th>CNY balance</th><th>receivables held</th><th>pieces</th></tr></thead>` +
    `<tbody>${rows}</tbody></table><p>Every piece and every cash movement: holdings.csv, cash-movements.csv.</p></section>`
  );
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#1b1f24;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}h3{font-size:14px;margin:12px 0 4px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:600;margin:10px 0}.verdict.clean{background:#dafbe1;color:#116329}.verdict.findings{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.warn{color:#a40e26;font-weight:600}.ok{color:#116329}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}.meta td:first-child{width:220px;color:#57606a}
.chart .axis{font-size:12px;fill:#57606a}.chart .value{font-size:12px;fill:#1b1f24}.chart .passed,.swatch.passed{fill:#54aeff;background:#54aeff}.chart .live,.swatch.live{fill:#0a3069;background:#0a3069}
.swatch{display:inline-block;width:12px;height:12px;vertical-align:middle}.legend{color:#57606a;font-size:12px}.lineage ol{margin:4px 0 12px}
`;

export function reportHtml(result: AuditResult, figures: ReportFigures, generatedAt: Date): string {
  const t = figures.totals;
  const clean = result.findings.length === 0;
  const meta: Array<[string, string]> = [
    ["chain", `${result.chainId}`],
    ["audited block", `${result.block} (${utc(result.blockTime)})`],
    ["deployment", `${escape(result.record.source)}, from block ${result.record.deploymentBlock}`],
    ...Object.entries(result.record.contracts).map(([name, address]): [string, string] => [name, `<code>${escape(address)}</code>`]),
    ["report generated", generatedAt.toISOString()],
  ];
  const figuresRows: Array<[string, string]> = [
    ["events replayed", `${t.events}`],
    ["members", `${t.members}`],
    ["receivables confirmed", `${t.receivables}`],
    ["pieces", `${t.pieces.live} live, ${t.pieces.redeemed} paid and retired, ${t.pieces.burned} emptied by splits`],
    ["face value confirmed", formatCny(t.faceValue)],
    ["repaid by anchors", formatCny(t.repaid)],
    ["paid out to holders", formatCny(t.claimed)],
    ["fundings", `${t.fundings}: ${formatCny(t.fundedValue)} of receivables bought for ${formatCny(t.fundingPrice)}`],
    ["CNY in circulation", `${formatCny(t.currencySupply)} (issued ${formatCny(t.currencyIssued)}, redeemed ${formatCny(t.currencyRedeemed)})`],
    ["documents checked", result.documentsChecked > 0 ? `${result.documentsChecked}` : "not given (--documents)"],
    ["index compared (I7)", result.indexCompared ? "yes" : "not given (--index)"],
  ];
  const checks = CHECKS.map((check) => {
    const ran = checkRan(check, result);
    return `<tr><td><b>${escape(check.id)}</b></td><td>${escape(check.description)}</td><td>${ran ? "checked" : "not run"}</td></tr>`;
  }).join("");
  const byCode = figures.findingsByCode.map((entry) => `<code>${escape(entry.code)}</code> × ${entry.count}`).join(", ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chainbill audit — chain ${result.chainId}, block ${result.block}</title><style>${STYLE}</style></head>
<body>
<h1>Chainbill audit</h1>
<div>An independent replay of every event of the deployed contracts, checked against DESIGN.md's invariants and the contracts' own views.</div>
<div class="verdict ${clean ? "clean" : "findings"}">${clean ? "CLEAN — no findings" : `${result.findings.length} FINDING${result.findings.length === 1 ? "" : "S"}: ${byCode}`}</div>
<section><h2>Summary</h2><table class="meta"><tbody>${meta.map(([k, v]) => `<tr><td>${escape(k)}</td><td>${v}</td></tr>`).join("")}</tbody></table>
<table class="meta"><tbody>${figuresRows.map(([k, v]) => `<tr><td>${escape(k)}</td><td>${escape(v)}</td></tr>`).join("")}</tbody></table></section>
${exposureTable("Exposure per anchor", "anchor", figures.exposureByAnchor)}
${exposureTable("Exposure per maturity month", "maturity", figures.exposureByMaturityMonth)}
<section><h2>How deep in the supply chain value travelled</h2>${depthChart(figures.depth)}</section>
${findingsSection(result)}
${lineageSection(figures)}
${positionsSection(figures)}
<section><h2>What was checked</h2><table><tbody>${checks}</tbody></table></section>
</body></html>
`;
}
