// The slither gate's judgement: reads slither's JSON output and the committed triage file, prints a summary,
// and exits 1 on any High or Medium finding that no triage entry explains. Low, Informational and
// Optimization findings are summarised, never fatal. scripts/security/slither.sh runs slither and then this.
//
//   ts-node src/security/slitherGate.ts <slither.json> <triage.json>
//
// A finding is named by its detector and its location, "Contract.function(argTypes)" as slither prints it,
// optionally narrowed to one statement (the `node`, the expression slither quotes). Neither depends on line
// numbers, so a triage entry survives edits elsewhere in the file; slither's own `id` hashes source offsets
// and would not.
import fs from "node:fs";

export type Impact = "High" | "Medium" | "Low" | "Informational" | "Optimization";
const IMPACTS: readonly Impact[] = ["High", "Medium", "Low", "Informational", "Optimization"];
const FATAL: ReadonlySet<Impact> = new Set<Impact>(["High", "Medium"]);

/** One element of a slither finding: a contract, function, variable or statement ("node"). */
export interface SlitherElement {
  type: string;
  name: string;
  /** For a function: its signature, "name(argTypes)". */
  signature?: string;
  /** The enclosing element (a statement's function, a function's contract). */
  parent?: SlitherElement;
  file?: string;
}

export interface SlitherFinding {
  check: string;
  impact: Impact;
  confidence: string;
  description: string;
  elements: SlitherElement[];
}

/** One committed explanation of why a High or Medium finding is acceptable. */
export interface TriageEntry {
  /** Slither's detector id, e.g. "arbitrary-send-erc20". */
  detector: string;
  /** "Contract.function(argTypes)" (or "Contract" / "Contract.variable" for findings on those). */
  location: string;
  /** When given, the finding must quote exactly this statement. */
  node?: string;
  /** Why it is acceptable, in a sentence or two. */
  reason: string;
}

export interface Verdict {
  /** High/Medium findings no triage entry explains: the gate fails on these. */
  untriaged: SlitherFinding[];
  triaged: Array<{ finding: SlitherFinding; entry: TriageEntry }>;
  /** Low, Informational and Optimization findings. */
  advisory: SlitherFinding[];
  /** Entries that matched nothing: the code they explained has changed or gone. */
  unusedEntries: TriageEntry[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringField(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== "string") throw new Error(`${where}: "${key}" must be a string`);
  return value;
}

function parseElement(raw: unknown, where: string): SlitherElement {
  if (!isRecord(raw)) throw new Error(`${where}: element is not an object`);
  const element: SlitherElement = { type: stringField(raw, "type", where), name: stringField(raw, "name", where) };
  const mapping = raw.source_mapping;
  if (isRecord(mapping) && typeof mapping.filename_relative === "string") element.file = mapping.filename_relative;
  const fields = raw.type_specific_fields;
  if (isRecord(fields)) {
    if (typeof fields.signature === "string") element.signature = fields.signature;
    if (fields.parent !== undefined) element.parent = parseElement(fields.parent, where);
  }
  return element;
}

function isImpact(value: string): value is Impact {
  return (IMPACTS as readonly string[]).includes(value);
}

/** The detector findings of slither's `--json` output; throws if slither reported a failure. */
export function parseSlitherOutput(raw: unknown): SlitherFinding[] {
  if (!isRecord(raw)) throw new Error("slither output: not a JSON object");
  if (raw.success !== true) throw new Error(`slither failed: ${String(raw.error)}`);
  const results = raw.results;
  if (!isRecord(results)) return [];
  const detectors = results.detectors;
  if (detectors === undefined) return [];
  if (!Array.isArray(detectors)) throw new Error("slither output: results.detectors is not a list");
  return detectors.map((item: unknown, index: number): SlitherFinding => {
    const where = `slither finding ${index}`;
    if (!isRecord(item)) throw new Error(`${where}: not an object`);
    const impact = stringField(item, "impact", where);
    if (!isImpact(impact)) throw new Error(`${where}: unknown impact ${impact}`);
    const elements = item.elements;
    if (!Array.isArray(elements)) throw new Error(`${where}: elements is not a list`);
    return {
      check: stringField(item, "check", where),
      impact,
      confidence: stringField(item, "confidence", where),
      description: stringField(item, "description", where),
      elements: elements.map((element: unknown) => parseElement(element, where)),
    };
  });
}

/** The committed triage file: `{ "findings": [TriageEntry, ...] }`; throws on a malformed entry. */
export function parseTriage(raw: unknown): TriageEntry[] {
  if (!isRecord(raw) || !Array.isArray(raw.findings)) throw new Error('triage file: expected { "findings": [...] }');
  return raw.findings.map((item: unknown, index: number): TriageEntry => {
    const where = `triage entry ${index}`;
    if (!isRecord(item)) throw new Error(`${where}: not an object`);
    const entry: TriageEntry = {
      detector: stringField(item, "detector", where).trim(),
      location: stringField(item, "location", where).trim(),
      reason: stringField(item, "reason", where).trim(),
    };
    if (item.node !== undefined) entry.node = stringField(item, "node", where);
    if (entry.detector === "" || entry.location === "") throw new Error(`${where}: detector and location are required`);
    if (entry.reason.length < 20) throw new Error(`${where} (${entry.detector} at ${entry.location}): explain why it is acceptable`);
    const known = new Set(["detector", "location", "node", "reason"]);
    for (const key of Object.keys(item)) {
      if (!known.has(key)) throw new Error(`${where}: unknown field "${key}"`);
    }
    return entry;
  });
}

/** Where slither says a finding is: its first element, as "Contract.function(argTypes)". */
export function locationOf(finding: SlitherFinding): string {
  const first = finding.elements[0];
  if (first === undefined) return "";
  return nameOf(first.type === "node" && first.parent !== undefined ? first.parent : first);
}

function nameOf(element: SlitherElement): string {
  const own = element.type === "function" && element.signature !== undefined ? element.signature : element.name;
  const parent = element.parent;
  if (parent === undefined) return own;
  return `${nameOf(parent)}.${own}`;
}

/** The statements a finding quotes. */
export function nodesOf(finding: SlitherFinding): string[] {
  return finding.elements.filter((element) => element.type === "node").map((element) => element.name);
}

export function entryMatches(entry: TriageEntry, finding: SlitherFinding): boolean {
  if (entry.detector !== finding.check || entry.location !== locationOf(finding)) return false;
  return entry.node === undefined || nodesOf(finding).includes(entry.node);
}

export function judge(findings: SlitherFinding[], triage: TriageEntry[]): Verdict {
  const verdict: Verdict = { untriaged: [], triaged: [], advisory: [], unusedEntries: [] };
  const used = new Set<TriageEntry>();
  for (const finding of findings) {
    if (!FATAL.has(finding.impact)) {
      verdict.advisory.push(finding);
      continue;
    }
    const entry = triage.find((candidate) => entryMatches(candidate, finding));
    if (entry === undefined) {
      verdict.untriaged.push(finding);
    } else {
      used.add(entry);
      verdict.triaged.push({ finding, entry });
    }
  }
  verdict.unusedEntries = triage.filter((entry) => !used.has(entry));
  return verdict;
}

/** The report printed to the console: every High/Medium finding in full, the rest counted by detector. */
export function report(verdict: Verdict, findings: SlitherFinding[]): string {
  const lines: string[] = [];
  const counts = IMPACTS.map((impact) => `${impact} ${findings.filter((f) => f.impact === impact).length}`);
  lines.push(`slither: ${findings.length} finding(s): ${counts.join(", ")}`);
  for (const { finding, entry } of verdict.triaged) {
    const reason = entry.reason.length > 120 ? `${entry.reason.slice(0, 117)}...` : entry.reason;
    lines.push(`  triaged   [${finding.impact}] ${finding.check} at ${locationOf(finding)}: ${reason}`);
  }
  const byDetector = new Map<string, { impact: Impact; count: number }>();
  for (const finding of verdict.advisory) {
    const key = finding.check;
    const seen = byDetector.get(key);
    byDetector.set(key, { impact: finding.impact, count: (seen?.count ?? 0) + 1 });
  }
  const advisory = [...byDetector.entries()].sort(([a, x], [b, y]) => IMPACTS.indexOf(x.impact) - IMPACTS.indexOf(y.impact) || a.localeCompare(b));
  for (const [check, { impact, count }] of advisory) {
    lines.push(`  advisory  [${impact}] ${check}: ${count}`);
  }
  for (const entry of verdict.unusedEntries) {
    lines.push(`  warning: triage entry matched no finding (stale?): ${entry.detector} at ${entry.location}`);
  }
  for (const finding of verdict.untriaged) {
    lines.push("");
    lines.push(`UNTRIAGED [${finding.impact}/${finding.confidence}] ${finding.check} at ${locationOf(finding)}`);
    lines.push(
      ...finding.description
        .trimEnd()
        .split("\n")
        .map((line) => `    ${line}`),
    );
    const node = nodesOf(finding)[0];
    const suggestion: TriageEntry = { detector: finding.check, location: locationOf(finding), reason: "<why it is acceptable>" };
    if (node !== undefined) suggestion.node = node;
    lines.push(`    fix it, or explain it in security/slither-triage.json: ${JSON.stringify(suggestion)}`);
  }
  lines.push("");
  lines.push(
    verdict.untriaged.length === 0
      ? `slither gate: passed (${verdict.triaged.length} High/Medium finding(s) triaged)`
      : `slither gate: FAILED: ${verdict.untriaged.length} untriaged High/Medium finding(s)`,
  );
  return lines.join("\n");
}

function main(argv: string[]): number {
  const [outputPath, triagePath] = argv;
  if (outputPath === undefined || triagePath === undefined) {
    console.error("usage: slither-gate.ts <slither.json> <triage.json>");
    return 2;
  }
  const findings = parseSlitherOutput(JSON.parse(fs.readFileSync(outputPath, "utf8")) as unknown);
  const triage = parseTriage(JSON.parse(fs.readFileSync(triagePath, "utf8")) as unknown);
  const verdict = judge(findings, triage);
  console.log(report(verdict, findings));
  return verdict.untriaged.length === 0 ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error: unknown) {
    console.error(`slither gate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
