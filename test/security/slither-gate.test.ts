import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { judge, locationOf, parseSlitherOutput, parseTriage, report } from "../../src/security/slitherGate";
import type { SlitherFinding, TriageEntry } from "../../src/security/slitherGate";

// The slither gate's judgement (src/security/slitherGate.ts), on findings shaped as slither's --json prints
// them, and the committed triage file's validity. Running slither itself is `npm run security:slither`.

const CONTRACT = { type: "contract", name: "Financing", source_mapping: { filename_relative: "contracts/finance/Financing.sol" } };
const FUNCTION = {
  type: "function",
  name: "_deliver",
  type_specific_fields: { parent: CONTRACT, signature: "_deliver(uint256,bool)" },
};

function rawFinding(check: string, impact: string, node: string): Record<string, unknown> {
  return {
    check,
    impact,
    confidence: "Medium",
    description: `Financing._deliver(uint256,bool) does something with ${node}\n`,
    elements: [FUNCTION, { type: "node", name: node, type_specific_fields: { parent: FUNCTION } }],
  };
}

function findings(...raw: Array<Record<string, unknown>>): SlitherFinding[] {
  return parseSlitherOutput({ success: true, error: null, results: { detectors: raw } });
}

const REASON = "Accepted because the caller is checked to be the holder first.";

describe("slither gate", function () {
  it("names a finding by contract, function signature and quoted statement, not by line", function () {
    const [finding] = findings(rawFinding("unused-return", "Medium", "token.transferFrom(a,b,c)"));
    expect(locationOf(finding)).to.equal("Financing._deliver(uint256,bool)");
  });

  it("fails on an untriaged High or Medium finding and only summarises the rest", function () {
    const all = findings(
      rawFinding("arbitrary-send-erc20", "High", "token.transferFrom(a,b,c)"),
      rawFinding("timestamp", "Low", "block.timestamp > deadline"),
      rawFinding("naming-convention", "Informational", "x"),
    );
    const verdict = judge(all, []);
    expect(verdict.untriaged.map((f) => f.check)).to.deep.equal(["arbitrary-send-erc20"]);
    expect(verdict.advisory.map((f) => f.check)).to.deep.equal(["timestamp", "naming-convention"]);
    expect(report(verdict, all)).to.contain("slither gate: FAILED: 1 untriaged");
  });

  it("passes a finding its triage entry explains, and only that statement when the entry names one", function () {
    const all = findings(
      rawFinding("unused-return", "Medium", "token.transferFrom(a,b,c)"),
      rawFinding("unused-return", "Medium", "token.approve(a,b)"),
    );
    const entry: TriageEntry = {
      detector: "unused-return",
      location: "Financing._deliver(uint256,bool)",
      node: "token.transferFrom(a,b,c)",
      reason: REASON,
    };
    const verdict = judge(all, [entry]);
    expect(verdict.triaged.map(({ finding }) => finding.description)).to.deep.equal([all[0].description]);
    expect(verdict.untriaged).to.deep.equal([all[1]]);

    const withoutNode: TriageEntry = { detector: entry.detector, location: entry.location, reason: REASON };
    expect(judge(all, [withoutNode]).untriaged).to.deep.equal([]);
    expect(judge(all, [{ ...withoutNode, detector: "unused-return-x" }]).untriaged.length).to.equal(2);
  });

  it("reports triage entries that match nothing, without failing", function () {
    const entry: TriageEntry = { detector: "reentrancy-eth", location: "Financing.gone()", reason: REASON };
    const verdict = judge([], [entry]);
    expect(verdict.unusedEntries).to.deep.equal([entry]);
    expect(report(verdict, [])).to.contain("slither gate: passed");
  });

  it("refuses a slither run that failed and a triage entry without a real explanation", function () {
    expect(() => parseSlitherOutput({ success: false, error: "compilation failed", results: {} })).to.throw("compilation failed");
    expect(() => parseTriage({ findings: [{ detector: "x", location: "C.f()", reason: "ok" }] })).to.throw("explain");
    expect(() => parseTriage({ findings: [{ detector: "x", location: "C.f()", reason: REASON, id: 3 }] })).to.throw("unknown field");
  });

  it("the committed triage file is well formed", function () {
    const file = path.join(__dirname, "..", "..", "security", "slither-triage.json");
    const entries = parseTriage(JSON.parse(fs.readFileSync(file, "utf8")) as unknown);
    for (const entry of entries) {
      expect(entry.location, entry.detector).to.match(/^[A-Za-z_][A-Za-z0-9_]*(\.|$)/);
    }
  });
});
