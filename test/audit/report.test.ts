import { expect } from "chai";
import hre from "hardhat";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { AuditInconsistentToken__factory } from "../../typechain-types";
import { discoverDeployment, writeDeploymentRecord } from "../../deploy/record";
import type { DeploymentRecordFile } from "../../deploy/record";
import { runDemo } from "../../src/demo/story";
import type { DemoResult } from "../../src/demo/story";
import { runAudit } from "../../src/audit/run";
import type { AuditResult } from "../../src/audit/run";
import { writeReport } from "../../src/audit/report/write";
import type { WrittenReport } from "../../src/audit/report/write";
import { formatCny } from "../../src/finance/money";
import { describeFindings } from "./helpers";
import { REPO_ROOT, jsonLogRecords, runCommand } from "../support/command";
import type { CommandRun } from "../support/command";

/**
 * The demo consortium audited: the report's figures are the demo's own printed balances; report.html opens in the
 * browser the dApp tests use (a screenshot goes to test-artifacts/audit/); and `npm run audit` as a process, with
 * its exit statuses 0 (clean), 1 (findings) and 2 (could not run).
 */

const ARTIFACTS = path.join(REPO_ROOT, "test-artifacts", "audit");
const CHROMIUM = process.env.CHAINBILL_CHROMIUM ?? "/usr/bin/chromium";

function runCli(args: string[]): Promise<CommandRun> {
  return runCommand(path.join("scripts", "audit.ts"), args);
}

/** The demo's printed "member N: Name" lines, as name -> member id. */
function printedMembers(demo: DemoResult): Map<string, number> {
  const members = new Map<string, number>();
  for (const line of demo.lines) {
    const match = /^\s+member (\d+): (.+?)\s{2,}/u.exec(line);
    if (match !== null) members.set(match[2], Number(match[1]));
  }
  return members;
}

/** The CNY balance printed for `name` in the demo's last balance table ("Final positions:"). */
function printedFinalBalance(demo: DemoResult, name: string): string | undefined {
  const start = demo.lines.findIndex((line) => line.trim() === "Final positions:");
  for (const line of demo.lines.slice(start + 1)) {
    const trimmed = line.trim();
    if (trimmed === "" || /^\d+\./u.test(trimmed)) break;
    if (trimmed.startsWith(`${name} `)) return /(-?[\d,]+\.\d{2} CNY)/u.exec(trimmed.slice(name.length))?.[1];
  }
  return undefined;
}

describe("audit report of the demo consortium", function () {
  let snapshot: SnapshotRestorer;
  let demo: DemoResult;
  let record: DeploymentRecordFile;
  let result: AuditResult;
  let report: WrittenReport;
  let server: JsonRpcServer | undefined;
  let browser: Browser | undefined;
  let rpcUrl: string;
  const work = mkdtempSync(path.join(tmpdir(), "chainbill-audit-report-"));

  before(async function () {
    // The demo moves the clock 100 days forward: put the network back for the tests that follow.
    snapshot = await takeSnapshot();
    const before = await hre.ethers.provider.getBlockNumber();
    // The main story only: its figures are the ones compared below (test/demo.test.ts audits the recourse epilogue).
    demo = await runDemo({ recourseEpilogue: false });
    expect(demo.passed, "the demo's own checks pass").to.equal(true);
    record = await discoverDeployment(hre.ethers.provider, before + 1, await hre.ethers.provider.getBlockNumber());
    result = await runAudit({
      provider: hre.ethers.provider,
      record: { chainId: BigInt(record.chainId), contracts: record.contracts, deploymentBlock: record.deploymentBlock, source: "the demo" },
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    report = writeReport(result, path.join(ARTIFACTS, "demo"));
    server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
    rpcUrl = `http://127.0.0.1:${(await server.listen()).port}`;
  });

  after(async function () {
    await browser?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
    await snapshot.restore();
  });

  it("audits the demo clean, and its figures are the demo's own printed balances", function () {
    expect(describeFindings(result)).to.equal("");
    const members = printedMembers(demo);
    expect(members.size).to.equal(demo.finalBalances.size);
    let comparedWithTable = 0;
    const cashOfMember = (memberId: number): bigint =>
      report.figures.positions.filter((position) => position.memberId === memberId).reduce((sum, position) => sum + position.cash, 0n);
    for (const [name, balance] of demo.finalBalances) {
      const memberId = members.get(name);
      expect(memberId, `${name} is printed as a member`).to.not.equal(undefined);
      expect(cashOfMember(memberId ?? 0), `${name}'s balance`).to.equal(balance);
      const printed = printedFinalBalance(demo, name);
      if (printed === undefined) continue;
      expect(formatCny(cashOfMember(memberId ?? 0)), `${name} as printed`).to.equal(printed);
      comparedWithTable += 1;
    }
    expect(comparedWithTable, "the anchor, the three tiers and the bank are in the printed table").to.equal(5);
    const printedSupply = printedFinalBalance(demo, "CNY in circulation");
    expect(printedSupply).to.not.equal(undefined);
    expect(formatCny(report.figures.totals.currencySupply)).to.equal(printedSupply);
    expect(report.figures.totals.faceValue).to.equal(demo.faceValue);
    expect(report.figures.totals.repaid).to.equal(demo.faceValue);
    expect(report.figures.totals.claimed).to.equal(demo.faceValue);
    expect(report.figures.totals.fundingPrice).to.equal(demo.fundingPrice);
    expect(report.figures.totals.pieces).to.deep.equal({ live: 0, redeemed: 3, burned: 0 });
    // Value went three tiers deep: tier 1 got the face value, tier 2 300,000.00, tier 3 100,000.00.
    expect(report.figures.depth.map((row) => row.valuePassed)).to.deep.equal([100_000_000n, 30_000_000n, 10_000_000n]);
    const cash = readFileSync(report.files.cash, "utf8").trim().split("\r\n");
    expect(cash[0]).to.match(/^kind,block,time,transaction/u);
    expect(cash.filter((line) => line.startsWith("funding,"))).to.have.length(1);
    expect(cash.filter((line) => line.startsWith("repayment,"))).to.have.length(2);
    expect(cash.filter((line) => line.startsWith("claim,")).length).to.be.greaterThan(3);
  });

  it("report.html opens in the browser and shows the verdict, the exposure and the depth chart (screenshot saved)", async function () {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`file://${report.files.html}`);
    expect(await page.title()).to.contain(`block ${result.block}`);
    expect(await page.locator(".verdict").innerText()).to.contain("CLEAN");
    const anchorRow = await page.locator("section", { hasText: "Exposure per anchor" }).locator("tbody tr").first().innerText();
    expect(anchorRow).to.contain("1,000,000.00 CNY");
    expect(await page.locator("svg.chart rect.passed").count()).to.equal(3);
    await page.screenshot({ path: path.join(ARTIFACTS, "demo-report.png"), fullPage: true });
    expect(existsSync(path.join(ARTIFACTS, "demo-report.png"))).to.equal(true);
  });

  it("npm run audit exits 0 on the clean demo chain and writes the report files", async function () {
    const recordFile = path.join(work, "demo-record.json");
    writeDeploymentRecord(recordFile, record);
    const out = path.join(work, "clean");
    const run = await runCli(["--rpc", rpcUrl, "--contracts", recordFile, "--out", out]);
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.contain("CLEAN");
    for (const file of ["report.json", "report.html", "positions.csv", "holdings.csv", "cash-movements.csv"])
      expect(existsSync(path.join(out, file)), file).to.equal(true);
    const json = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as { verdict: string; block: number; findings: unknown[] };
    expect(json.verdict).to.equal("clean");
    expect(json.findings).to.deep.equal([]);
  });

  it("npm run audit --log-format json logs each phase and the outcome as JSON lines on stderr; the summary stays on stdout", async function () {
    const recordFile = path.join(work, "demo-record-json.json");
    writeDeploymentRecord(recordFile, record);
    const run = await runCli(["--rpc", rpcUrl, "--contracts", recordFile, "--out", path.join(work, "json"), "--log-format", "json"]);
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.contain("CLEAN");
    const records = jsonLogRecords(run.stderr);
    expect(records.length, run.stderr).to.be.greaterThan(0);
    for (const entry of records) {
      expect(entry.level, JSON.stringify(entry)).to.be.a("number");
      expect(entry.msg, JSON.stringify(entry)).to.be.a("string");
      expect(entry.name).to.equal("chainbill-audit");
    }
    const phasesDone = records.filter((entry) => typeof entry.phase === "string" && typeof entry.ms === "number").map((entry) => entry.phase);
    expect(phasesDone).to.include.members(["logs", "replay", "views"]);
    const outcome = records.at(-1);
    expect(outcome?.msg).to.equal("audit clean");
    expect(outcome?.findings).to.equal(0);
    // A bad format is a usage error, before anything runs.
    const bad = await runCli(["--rpc", rpcUrl, "--log-format", "xml"]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain("--log-format must be pretty or json");
  });

  it("npm run audit exits 1 on a finding, with its transaction in report.json (screenshot of the findings saved)", async function () {
    const [operator] = await hre.ethers.getSigners();
    const fake = await new AuditInconsistentToken__factory(operator).deploy();
    const anchor = (await hre.ethers.getSigners())[1];
    const supplier = (await hre.ethers.getSigners())[2];
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
    await (
      await fake.connect(anchor).confirm(
        {
          supplier: supplier.address,
          faceValue: 5_000_000n,
          maturity: now + 86_400n * 30n,
          currency: "0x434e59",
          invoiceHash: hre.ethers.id("i"),
          logisticsHash: hre.ethers.id("l"),
          invoiceFingerprint: hre.ethers.id("audit-cli-fingerprint"),
        },
        2,
        3,
      )
    ).wait();
    const split = await fake
      .connect(supplier)
      .splitWithoutDebit((1n << 32n) | 1n, (await hre.ethers.getSigners())[3].address, 1_000_000n, hre.ethers.id("audit-cli-fingerprint-2"));
    await split.wait();
    const recordFile = path.join(work, "fake-record.json");
    writeDeploymentRecord(recordFile, { ...record, contracts: { ...record.contracts, receivableToken: await fake.getAddress() } });
    const out = path.join(ARTIFACTS, "findings");
    const run = await runCli(["--rpc", rpcUrl, "--contracts", recordFile, "--out", out]);
    expect(run.status, run.stdout + run.stderr).to.equal(1);
    const json = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
      verdict: string;
      findings: Array<{ code: string; transactionHash: string; block: number }>;
    };
    expect(json.verdict).to.equal("findings");
    expect(json.findings.some((finding) => finding.code === "VIEW_MISMATCH" && finding.transactionHash === split.hash.toLowerCase())).to.equal(true);

    browser ??= await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`file://${path.join(out, "report.html")}`);
    expect(await page.locator(".verdict").innerText()).to.contain("FINDING");
    expect(await page.locator(".lineage").count()).to.be.greaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "findings-report.png"), fullPage: true });
  });

  it("npm run audit exits 2 when it cannot run: a bad argument, or no node at the address", async function () {
    const bad = await runCli(["--rpc", rpcUrl, "--at", "yesterday"]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain("--at must be a block number");
    const unreachable = await runCli(["--rpc", "http://127.0.0.1:9", "--out", path.join(work, "none")]);
    expect(unreachable.status).to.equal(2);
    expect(unreachable.stderr).to.contain("cannot reach the node");
    expect(existsSync(path.join(work, "none"))).to.equal(false);
  });
});
