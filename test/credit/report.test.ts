import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Provider, Signer } from "ethers";
import { writeDeploymentRecord } from "../../deploy/record";
import { runCreditReportCli } from "../../src/credit/cli";
import { buildCreditReport } from "../../src/credit/report";
import type { CreditChain, CreditReportBody } from "../../src/credit/report";
import { signCreditReport } from "../../src/credit/sign";
import type { SignedCreditReport } from "../../src/credit/sign";
import { DAY_SECONDS, startedDays, statusAt } from "../../src/credit/status";
import { checkCreditReport } from "../../src/credit/verify";
import { buildCreditCorrection, signCreditCorrection } from "../../src/credit/correction";
import type { SignedCreditCorrection } from "../../src/credit/correction";
import { DAY, confirmReceivable } from "../helpers/consortium";
import { fundAndRepay, issueTo } from "../helpers/settlement";
import { audit, deployAuditedConsortium, describeFindings, fundPiece } from "../audit/helpers";
import { creditReportCsv } from "../../src/credit/csv";
import type { AuditedConsortium } from "../audit/helpers";

/**
 * The credit report can never call a repaid debt overdue, nor an unpaid one current: the incident that started the
 * project (a repayment in the last second before due + grace, reported overdue by a glitch between two systems) is
 * replayed with report cuts one block before the repayment, at it and after it, and each cut is compared with the
 * Settlement contract's own `isOverdue` at that block. The auditor's check of a filed report names every line
 * that disagrees.
 */

const GRACE = 15n * DAY;

async function setNextBlockTime(seconds: bigint): Promise<void> {
  await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(seconds)] });
}

async function mineAt(seconds: bigint): Promise<number> {
  await setNextBlockTime(seconds);
  await hre.network.provider.request({ method: "evm_mine" });
  return hre.ethers.provider.getBlockNumber();
}

describe("credit report (征信报送)", function () {
  this.timeout(300_000);
  let snapshot: string;

  beforeEach(async function () {
    snapshot = (await hre.network.provider.request({ method: "evm_snapshot" })) as string;
  });
  afterEach(async function () {
    await hre.network.provider.request({ method: "evm_revert", params: [snapshot] });
  });

  function chainOf(c: AuditedConsortium): CreditChain & { registry: AuditedConsortium["registry"] } {
    return {
      provider: hre.ethers.provider,
      receivableToken: c.receivableToken,
      settlement: c.settlement,
      financing: c.financing,
      registry: c.registry,
      fromBlock: c.record.deploymentBlock,
    };
  }

  it("counts started days and follows the contract's rule at every boundary", function () {
    const maturity = 1_000_000n;
    expect(startedDays(maturity, maturity)).to.equal(0);
    expect(startedDays(maturity, maturity + 1n)).to.equal(1);
    expect(startedDays(maturity, maturity + DAY_SECONDS)).to.equal(1);
    expect(startedDays(maturity, maturity + DAY_SECONDS + 1n)).to.equal(2);
    const facts = { faceValue: 100n, maturity, gracePeriod: GRACE, repayments: [] };
    expect(statusAt({ ...facts, at: maturity }).status).to.equal("CURRENT");
    expect(statusAt({ ...facts, at: maturity + 1n }).status).to.equal("DUE_IN_GRACE");
    expect(statusAt({ ...facts, at: maturity + GRACE }).status, "the grace period's last second is not overdue").to.equal("DUE_IN_GRACE");
    const overdue = statusAt({ ...facts, at: maturity + GRACE + 1n });
    expect(overdue.status).to.equal("OVERDUE");
    expect(overdue.daysPastDue).to.equal(16);
    const partly = statusAt({ ...facts, repayments: [{ amount: 60n, repaidTotal: 60n, time: maturity - 5n, block: 1 }], at: maturity + GRACE + 1n });
    expect(partly.status).to.equal("OVERDUE");
    expect(partly.outstanding).to.equal(40n);
    const lastSecond = statusAt({
      ...facts,
      repayments: [{ amount: 100n, repaidTotal: 100n, time: maturity + GRACE, block: 9 }],
      at: maturity + 100n * DAY_SECONDS,
    });
    expect(lastSecond.status).to.equal("REPAID_LATE");
    expect(lastSecond.daysLate).to.equal(15);
    expect(
      statusAt({ ...facts, repayments: [{ amount: 100n, repaidTotal: 100n, time: maturity, block: 9 }], at: maturity + GRACE * 3n }).status,
    ).to.equal("REPAID_ON_TIME");
  });

  it("incident: a repayment in the last second of grace is never reported overdue, at any cut, and an unpaid debt never current", async function () {
    const c = await deployAuditedConsortium();
    await (await c.settlement.connect(c.operator).setGracePeriod(GRACE)).wait();
    const repaidLate = await confirmReceivable(c, { faceValue: 500_000_00n, maturityInDays: 30n });
    const unpaid = await confirmReceivable(c, { faceValue: 200_000_00n, maturityInDays: 30n });
    const maturity = (await c.receivableToken.receivable(repaidLate.slot)).maturity;
    const unpaidMaturity = (await c.receivableToken.receivable(unpaid.slot)).maturity;
    const funded = await fundPiece(c, { holder: c.tier1, tokenId: unpaid.tokenId, value: 50_000_00n, price: 49_000_00n });
    expect(funded).to.match(/^0x/u);

    const beforeRepayment = await mineAt(maturity + GRACE - 10n);
    await issueTo(c, c.anchor, 500_000_00n);
    await (await c.settlementToken.connect(c.anchor).approve(await c.settlement.getAddress(), 500_000_00n)).wait();
    // The repayment lands at the very last second of the grace period.
    await setNextBlockTime(maturity + GRACE);
    await (await c.settlement.connect(c.anchor).repay(repaidLate.slot, 500_000_00n)).wait();
    const repaymentBlock = await hre.ethers.provider.getBlockNumber();
    expect(BigInt((await hre.ethers.provider.getBlock(repaymentBlock))?.timestamp ?? 0)).to.equal(maturity + GRACE);
    const afterRepayment = await mineAt(unpaidMaturity + GRACE + 1n > maturity + GRACE ? unpaidMaturity + GRACE + 1n : maturity + GRACE + 1n);

    const chain = chainOf(c);
    const reportAt = async (block: number): Promise<CreditReportBody> => buildCreditReport(chain, block);
    const lineOf = (report: CreditReportBody, slot: bigint) => {
      const line = report.receivables.find((entry) => entry.slot === slot.toString());
      if (line === undefined) throw new Error(`no line for receivable ${slot}`);
      return line;
    };
    for (const block of [beforeRepayment - 1, beforeRepayment, repaymentBlock - 1, repaymentBlock, afterRepayment]) {
      const report = await reportAt(block);
      const blockTime = BigInt(report.blockTime);
      for (const slot of [repaidLate.slot, unpaid.slot]) {
        const line = lineOf(report, slot);
        const contractSaysOverdue = await c.settlement.isOverdue(slot, { blockTag: block });
        expect(line.status === "OVERDUE", `receivable ${slot} at block ${block}: ${line.status}, contract overdue ${contractSaysOverdue}`).to.equal(
          contractSaysOverdue,
        );
        if (line.repaid === line.faceValue) expect(line.status, `repaid receivable ${slot} at block ${block}`).to.match(/^REPAID_/u);
        else if (blockTime > BigInt(line.maturity))
          expect(line.status, `unpaid receivable ${slot} past maturity at block ${block}`).not.to.equal("CURRENT");
      }
    }
    expect(lineOf(await reportAt(repaymentBlock - 1), repaidLate.slot).status, "one block before the repayment, in grace").to.equal("DUE_IN_GRACE");
    const atRepayment = lineOf(await reportAt(repaymentBlock), repaidLate.slot);
    expect(atRepayment.status).to.equal("REPAID_LATE");
    expect(atRepayment.daysLate).to.equal(15);
    expect(atRepayment.outstanding).to.equal("0");
    const next = await reportAt(afterRepayment);
    expect(lineOf(next, repaidLate.slot).status, "the block after: still repaid, never overdue").to.equal("REPAID_LATE");
    const stillUnpaid = lineOf(next, unpaid.slot);
    expect(stillUnpaid.status).to.equal("OVERDUE");
    expect(stillUnpaid.daysPastDue).to.equal(16);
    expect(next.fundings).to.have.length(1);
    expect(next.fundings[0]).to.include({
      slot: unpaid.slot.toString(),
      value: "5000000",
      price: "4900000",
      withRecourse: false,
      receivableStatus: "OVERDUE",
      daysPastDue: 16,
    });
  });

  it("write-off: overdue at a cut before the operator's mark, WRITTEN_OFF (with its block and time) after it, REPAID_LATE once repaid; the audit agrees", async function () {
    const c = await deployAuditedConsortium();
    await (await c.settlement.connect(c.operator).setGracePeriod(GRACE)).wait();
    const bad = await confirmReceivable(c, { faceValue: 200_000_00n, maturityInDays: 30n });
    const maturity = (await c.receivableToken.receivable(bad.slot)).maturity;
    await fundPiece(c, { holder: c.tier1, tokenId: bad.tokenId, value: 50_000_00n, price: 49_000_00n });
    await fundAndRepay(c, bad.slot, 80_000_00n);

    const beforeMark = await mineAt(maturity + GRACE + 3n * DAY);
    await setNextBlockTime(maturity + GRACE + 4n * DAY);
    await (await c.settlement.connect(c.operator).writeOff(bad.slot)).wait();
    const markBlock = await hre.ethers.provider.getBlockNumber();
    const afterMark = await mineAt(maturity + GRACE + 5n * DAY);
    const chain = chainOf(c);

    const before = await buildCreditReport(chain, beforeMark);
    expect(before.receivables[0]).to.include({ status: "OVERDUE", outstanding: "12000000", writtenOffAt: "", writtenOffBlock: "" });
    expect(before.fundings[0]).to.include({ receivableStatus: "OVERDUE", writtenOffAt: "", writtenOffBlock: "" });

    const after = await buildCreditReport(chain, afterMark);
    const marked = { writtenOffAt: (maturity + GRACE + 4n * DAY).toString(), writtenOffBlock: String(markBlock) };
    expect(after.receivables[0]).to.include({ status: "WRITTEN_OFF", outstanding: "12000000", daysPastDue: 20, ...marked });
    expect(after.fundings[0]).to.include({ receivableStatus: "WRITTEN_OFF", daysPastDue: 20, ...marked });
    // At the very block of the mark it is written off already.
    expect((await buildCreditReport(chain, markBlock)).receivables[0].status).to.equal("WRITTEN_OFF");
    const csv = creditReportCsv(after);
    expect(csv.receivables.split("\n")[0].endsWith(",writtenOffAt,writtenOffBlock")).to.equal(true);
    expect(csv.receivables.split("\n")[1]).to.match(new RegExp(`,WRITTEN_OFF,20,0,,${marked.writtenOffAt},${markBlock}$`, "u"));
    expect(csv.fundings.split("\n")[1]).to.match(new RegExp(`,WRITTEN_OFF,20,,${marked.writtenOffAt},${markBlock}$`, "u"));

    // The audit agrees with the genuine report and names a report that hides the write-off.
    const genuine = await signCreditReport(after, c.operator);
    expect((await checkCreditReport(genuine, chain)).problems).to.deep.equal([]);
    const hidden: CreditReportBody = structuredClone(after);
    hidden.receivables[0] = { ...hidden.receivables[0], status: "OVERDUE", writtenOffAt: "", writtenOffBlock: "" };
    const refused = await checkCreditReport(await signCreditReport(hidden, c.operator), chain);
    expect(refused.problems).to.include(`receivables[1] (receivable/${bad.slot}): status is "OVERDUE" in the report, "WRITTEN_OFF" on the chain`);
    // The audit's replay accepts the write-off: an operator's, after the grace period, of an unpaid receivable.
    expect(describeFindings(await audit(c.record))).to.equal("");

    // Repayment stays possible after a write-off: repaid in full, the line is REPAID_LATE and keeps the write-off's mark.
    await fundAndRepay(c, bad.slot, 120_000_00n);
    const repaid = await buildCreditReport(chain, await hre.ethers.provider.getBlockNumber());
    expect(repaid.receivables[0]).to.include({ status: "REPAID_LATE", outstanding: "0", ...marked });
    expect(repaid.fundings[0]).to.include({ receivableStatus: "REPAID_LATE", ...marked });
  });

  it("the audit agrees with a genuine signed report and names each line of a doctored one", async function () {
    const c = await deployAuditedConsortium();
    await (await c.settlement.connect(c.operator).setGracePeriod(GRACE)).wait();
    const first = await confirmReceivable(c, { faceValue: 300_000_00n, maturityInDays: 10n });
    await confirmReceivable(c, { faceValue: 100_000_00n, maturityInDays: 10n });
    const maturity = (await c.receivableToken.receivable(first.slot)).maturity;
    await fundAndRepay(c, first.slot, 300_000_00n);
    const block = await mineAt(maturity + GRACE + 2n * DAY);
    const chain = chainOf(c);
    const genuine = await signCreditReport(await buildCreditReport(chain, block), c.operator);
    const check = await checkCreditReport(genuine, chain);
    expect(check.problems).to.deep.equal([]);
    expect(check.linesChecked).to.equal(2);

    // The glitch: the repaid receivable reported overdue, and the report re-signed so that the signature holds.
    const doctoredBody: CreditReportBody = structuredClone(genuine.body);
    doctoredBody.receivables[0] = { ...doctoredBody.receivables[0], status: "OVERDUE", daysPastDue: 17 };
    const doctored = await signCreditReport(doctoredBody, c.operator);
    const refused = await checkCreditReport(doctored, chain);
    expect(refused.ok).to.equal(false);
    expect(refused.problems).to.include(
      `receivables[1] (receivable/${first.slot}): status is "OVERDUE" in the report, "REPAID_ON_TIME" on the chain`,
    );
    expect(refused.problems.some((problem) => problem.startsWith(`receivables[1] (receivable/${first.slot}): daysPastDue`))).to.equal(true);

    // A line changed after signing: the signature no longer holds; a report signed by a non-operator is refused.
    const tampered: SignedCreditReport = { ...genuine, body: doctoredBody };
    expect((await checkCreditReport(tampered, chain)).problems[0]).to.match(/^signature: it is not 0x[0-9a-fA-F]{40}'s signature/u);
    const bySupplier = await signCreditReport(genuine.body, c.tier1);
    expect((await checkCreditReport(bySupplier, chain)).problems).to.deep.equal([`signature: ${c.tier1.address} is not an active operator`]);
    // A line left out is named too.
    const shortBody: CreditReportBody = { ...structuredClone(genuine.body), receivables: genuine.body.receivables.slice(0, 1) };
    const short = await checkCreditReport(await signCreditReport(shortBody, c.operator), chain);
    expect(short.problems).to.deep.equal([`receivables: the report leaves out ${genuine.body.receivables[1].line}`]);
  });

  it("a correction supersedes a filed line, names it and why; the audit shows both and checks the corrected line", async function () {
    const c = await deployAuditedConsortium();
    await (await c.settlement.connect(c.operator).setGracePeriod(GRACE)).wait();
    const first = await confirmReceivable(c, { faceValue: 300_000_00n, maturityInDays: 10n });
    await confirmReceivable(c, { faceValue: 100_000_00n, maturityInDays: 10n });
    const maturity = (await c.receivableToken.receivable(first.slot)).maturity;
    await fundAndRepay(c, first.slot, 300_000_00n);
    const block = await mineAt(maturity + GRACE + 2n * DAY);
    const chain = chainOf(c);
    const genuine = await signCreditReport(await buildCreditReport(chain, block), c.operator);
    // The incident as filed: the repaid receivable reported overdue, in a report the operator signed.
    const filedBody: CreditReportBody = structuredClone(genuine.body);
    filedBody.receivables[0] = { ...filedBody.receivables[0], status: "OVERDUE", daysPastDue: 17 };
    const filed = await signCreditReport(filedBody, c.operator);
    expect((await checkCreditReport(filed, chain)).ok).to.equal(false);

    await mineAt(maturity + GRACE + 3n * DAY);
    const line = `receivable/${first.slot}`;
    const reason = "repaid in full on time; the filed line took the status from a stale system";
    const correction = await signCreditCorrection(await buildCreditCorrection(chain, filed, line, reason), c.operator);
    expect(correction.body.supersedes.line).to.equal(line);
    expect(correction.body.corrected).to.deep.equal(genuine.body.receivables[0]);
    const check = await checkCreditReport(filed, chain, [correction]);
    expect(check.problems).to.deep.equal([]);
    expect(check.ok).to.equal(true);
    expect(check.corrections).to.have.length(1);
    const [shown] = check.corrections;
    expect(shown.line).to.equal(line);
    expect(shown.reason).to.equal(reason);
    expect(shown.signer).to.equal(c.operator.address);
    expect(shown.filed.status).to.equal("OVERDUE");
    expect(shown.corrected.status).to.equal("REPAID_ON_TIME");
    expect(shown.filedDisagreements).to.include(`receivables[1] (${line}): status is "OVERDUE" in the report, "REPAID_ON_TIME" on the chain`);

    // A correction that is itself wrong, signed by a non-operator, for another report, or not later than the report.
    const wrongBody = structuredClone(correction.body);
    wrongBody.corrected = { ...wrongBody.corrected, status: "CURRENT" };
    const wrong = await checkCreditReport(filed, chain, [await signCreditCorrection(wrongBody, c.operator)]);
    expect(wrong.problems).to.include(`receivables[1] (${line}), as corrected: status is "CURRENT" in the correction, "REPAID_ON_TIME" on the chain`);
    const bySupplier: SignedCreditCorrection = await signCreditCorrection(correction.body, c.tier1);
    expect((await checkCreditReport(filed, chain, [bySupplier])).problems).to.include(
      `correction 1 (${line}): ${c.tier1.address} is not an active operator`,
    );
    const otherReport = await checkCreditReport(genuine, chain, [correction]);
    expect(otherReport.problems.some((problem) => problem.startsWith(`correction 1 (${line}): it names report`))).to.equal(true);
    const earlyBody = { ...structuredClone(correction.body), issuedBlock: block };
    expect((await checkCreditReport(filed, chain, [await signCreditCorrection(earlyBody, c.operator)])).problems[0]).to.match(
      /not after the report's block/u,
    );
    await expect(buildCreditCorrection(chain, filed, line, "  ")).to.be.rejectedWith("a correction says why");
  });

  it("the command writes the signed report and its CSV at a date, and refuses a bad date (exit 2)", async function () {
    const c = await deployAuditedConsortium();
    await confirmReceivable(c, { faceValue: 100_000_00n, maturityInDays: 10n });
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-credit-"));
    try {
      const recordFile = path.join(workDir, "record.json");
      writeDeploymentRecord(recordFile, {
        chainId: c.record.chainId.toString(),
        deploymentBlock: c.record.deploymentBlock,
        contracts: c.record.contracts,
      });
      const latest = await hre.ethers.provider.getBlock("latest");
      const today = new Date((Number(latest?.timestamp ?? 0) + 8 * 3600) * 1000).toISOString().slice(0, 10);
      const out: string[] = [];
      const io = {
        out: (line: string) => out.push(line),
        err: (line: string) => out.push(line),
        connect: (): Provider => hre.ethers.provider,
        signerFor: (key: string, provider: Provider): Signer => new Wallet(key, provider),
      };
      const operatorKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
      const env = { CHAINBILL_RPC_URL: "http://127.0.0.1:8545", CHAINBILL_OPERATOR_KEY: operatorKey };
      const status = await runCreditReportCli(["--at", today, "--out", path.join(workDir, "out"), "--contracts", recordFile], env, io);
      expect(status, out.join("\n")).to.equal(0);
      const written = JSON.parse(fs.readFileSync(path.join(workDir, "out", "credit-report.json"), "utf8")) as SignedCreditReport;
      expect(written.body.block).to.equal(latest?.number);
      expect(written.signer).to.equal(c.operator.address);
      expect((await checkCreditReport(written, chainOf(c))).ok).to.equal(true);
      const csv = fs
        .readFileSync(path.join(workDir, "out", "receivables.csv"), "utf8")
        .trim()
        .split("\n");
      expect(csv[0]).to.equal(
        "line,slot,anchorId,anchor,supplierId,supplier,currency,faceValue,maturity,confirmedBlock,repaid,outstanding,status,daysPastDue,daysLate,repaidAt,writtenOffAt,writtenOffBlock",
      );
      expect(csv[1]).to.match(/^receivable\/1,1,.*,CNY,10000000,.*,CURRENT,0,0,,,$/u);
      // A correction of one of its lines, written by the same command once the chain has moved on.
      await hre.network.provider.request({ method: "evm_mine" });
      out.length = 0;
      const reportFile = path.join(workDir, "out", "credit-report.json");
      const corrected = await runCreditReportCli(
        [
          "--correct",
          "receivable/1",
          "--report",
          reportFile,
          "--reason",
          "re-filed after review",
          "--out",
          path.join(workDir, "out"),
          "--contracts",
          recordFile,
        ],
        env,
        io,
      );
      expect(corrected, out.join("\n")).to.equal(0);
      expect(out[0]).to.match(
        /^correction of receivable\/1 in the report at block [0-9]+, issued at block [0-9]+, signed by 0x[0-9a-fA-F]{40}: re-filed after review$/u,
      );
      const correctionFile = out[1].trim();
      const filedCorrection = JSON.parse(fs.readFileSync(correctionFile, "utf8")) as SignedCreditCorrection;
      expect((await checkCreditReport(written, chainOf(c), [filedCorrection])).corrections.map((shown) => shown.line)).to.deep.equal([
        "receivable/1",
      ]);
      out.length = 0;
      expect(await runCreditReportCli(["--correct", "receivable/1", "--report", reportFile, "--contracts", recordFile], env, io)).to.equal(2);
      expect(out.join("\n")).to.include("a correction says why");
      out.length = 0;
      expect(await runCreditReportCli(["--at", "2027-02-30", "--contracts", recordFile], env, io)).to.equal(2);
      expect(out.join("\n")).to.include('--at: "2027-02-30" is neither a block number nor a date');
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });
});
