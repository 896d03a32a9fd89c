import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { formatCny, parseCny } from "../../src/finance/money";
import { lineTax } from "../../src/proofs/vat";
import { REPO_ROOT } from "../../src/server/build";
import { developmentKey } from "../../src/server/stack";
import { injectWallet } from "./wallet";
import { useBrowserStack } from "./browserStack";
import { cstDate, enterInvoice, enterWaybill, signAndSave } from "./documentForms";

/**
 * A consortium that starts empty, in chromium: the chain as deployed (the operator its only member), eight companies
 * apply in the dApp with their wallets (an anchor, two suppliers, a carrier, a verifier, two factors, an auditor)
 * and one more that is refused with a reason it then reads; the operator admits each from its application in the
 * console (the form filled from the application, one confirmed transaction each); the directory names every member
 * from its application; both factors publish offers on their desks. Then the story, by hand in the dApp: the operator
 * sets the anchor's credit line and issues CNY deposits from the console; a supplier and the carrier make their
 * documents; the anchor confirms; the supplier splits a piece to the second supplier with documents; that supplier
 * asks both factors at once; the cheaper one funds and the other's request lapses; the anchor repays; the holders
 * claim. Last, `npm run audit -- --rpc <url>` (package.json's own command, no other flag) finds the deployment record
 * the stack wrote and exits 0. Screenshots of the apply page, the console and the offers in both languages go to
 * test-artifacts/web/.
 */

interface Company {
  index: number;
  nameZh: string;
  nameEn: string;
  code: string;
  role: string;
}

const COMPANIES: Company[] = [
  { index: 1, nameZh: "华信移动", nameEn: "Huaxin Mobile", code: "91440300MA5HXM001P", role: "ANCHOR" },
  { index: 2, nameZh: "明视显示", nameEn: "Brightview Displays", code: "91320500MA1BRD0025", role: "SUPPLIER" },
  { index: 3, nameZh: "清水玻璃", nameEn: "Clearwater Glass", code: "91330200MA2CWG003J", role: "SUPPLIER" },
  { index: 5, nameZh: "迅捷货运", nameEn: "Swift Freight", code: "91310000MA1XJH005M", role: "CARRIER" },
  { index: 6, nameZh: "信证核验", nameEn: "TrustProof Verification", code: "91110000MA0TPC0060", role: "VERIFIER" },
  { index: 7, nameZh: "珠江银行", nameEn: "Pearl River Bank", code: "91440100MA9PRB0071", role: "FACTOR" },
  { index: 9, nameZh: "莲花保理", nameEn: "Lotus Factoring", code: "91440300MA5LTF009M", role: "FACTOR" },
  { index: 8, nameZh: "子午会计师事务所", nameEn: "Meridian Audit & Co.", code: "91110000MA0MAC008L", role: "AUDITOR" },
];

const addressOf = (index: number): string => new Wallet(developmentKey(index)).address;
const pieceLabel = (tokenId: bigint): string => `#${tokenId >> 32n}.${tokenId & 0xffff_ffffn}`;

/** Runs package.json's `audit` script as `npm run audit -- <args>` would, in `cwd`; answers its exit code and output. */
function runAudit(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const [command, ...rest] = scripts.audit.split(" ");
  // The script's own words, with its paths taken from the repository (the record is found from the working directory).
  const words = rest.map((word) => (word.endsWith(".ts") ? path.join(REPO_ROOT, word) : word));
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(REPO_ROOT, "node_modules/.bin", command), [...words, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("the dApp in a real browser: a consortium that starts empty", function () {
  this.timeout(900_000);
  // The audit runs in this directory, as a user runs it from a checkout: the stack writes its record under
  // deploy/deployments/chain-<id>/ here, where the audit looks.
  const auditDir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-onboarding-audit-"));
  const web = useBrowserStack({
    prefix: "onboarding",
    restoreChain: true,
    seed: false,
    deploymentsDir: path.join(auditDir, "deploy", "deployments"),
  });
  after(() => fs.rmSync(auditDir, { recursive: true, force: true }));

  async function apply(company: Company, language: "en" | "zh" = "en"): Promise<Page> {
    const context = await web.newContext();
    await injectWallet(context, developmentKey(company.index), hre.network.provider);
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error(`[page ${company.nameEn}] ${error.message}`));
    await page.goto(web.stack.url);
    if (language === "zh") await page.getByTestId("language").click();
    await page.getByTestId("connect-wallet").click();
    await page.getByTestId("apply-page").waitFor();
    await page.getByTestId("apply-name-zh").fill(company.nameZh);
    await page.getByTestId("apply-name-en").fill(company.nameEn);
    await page.getByTestId("apply-code").fill(company.code.toLowerCase());
    await page.getByTestId(`apply-role-${company.role}`).check();
    await page.getByTestId("apply-contact-name").fill("Chen Jing");
    await page.getByTestId("apply-email").fill(`treasury${company.index}@example.cn`);
    await page.getByTestId("apply-phone").fill("+86 21 5555 0100");
    await page.getByTestId("apply-submit").click();
    await page.getByTestId("apply-filed").waitFor();
    await page.getByTestId("apply-waiting").waitFor();
    return page;
  }

  it("companies apply, the operator admits them from their applications or refuses with a reason, and both factors publish offers", async function () {
    const { registry } = web.stack.contracts;
    expect(Number(await registry.memberCount()), "only the operator").to.equal(1);

    const pages = new Map<number, Page>();
    for (const company of COMPANIES) pages.set(company.index, await apply(company, company.index === 2 ? "zh" : "en"));
    await web.screenshot(pages.get(2) as Page, "apply-zh");
    await web.screenshot(pages.get(1) as Page, "apply-en");
    const refusedCompany: Company = { index: 10, nameZh: "空壳贸易", nameEn: "Shell Trading", code: "91440300MA5SHELL10", role: "FACTOR" };
    const refusedPage = await apply(refusedCompany);

    const { page: operator } = await web.signIn("operator");
    await operator.getByTestId("nav-operator").click();
    await operator.getByTestId("operator-applications").waitFor();
    await operator.getByTestId(`application-${addressOf(1)}`).waitFor();
    expect(await operator.getByTestId("operator-applications").locator("[data-testid^=application-0x]").count()).to.equal(COMPANIES.length + 1);
    await web.screenshot(operator, "console-applications-en");

    // The refusal: signed by the operator, read by the applicant.
    const shell = operator.getByTestId(`application-${addressOf(10)}`);
    await shell.getByTestId("application-refuse").click();
    await shell.getByTestId("application-reason").fill("No factoring licence on file");
    await shell.getByTestId("application-refuse-send").click();
    await operator.getByTestId("application-refused").waitFor();
    await refusedPage.getByTestId("apply-leave").click();
    await refusedPage.getByTestId("connect-wallet").click();
    expect(await refusedPage.getByTestId("apply-refusal").textContent()).to.include("No factoring licence on file");

    for (const company of COMPANIES) {
      const card = operator.getByTestId(`application-${addressOf(company.index)}`);
      await card.getByTestId("application-admit").click();
      await operator.getByTestId("admit-from-application").waitFor();
      expect(await operator.getByTestId("admit-code").inputValue()).to.equal(company.code);
      expect(await operator.getByTestId("admit-address").inputValue()).to.equal(addressOf(company.index));
      expect(await operator.getByTestId(`admit-role-${company.role}`).isChecked()).to.equal(true);
      await operator.getByTestId("admit-submit").click();
      await operator.getByTestId("operator-confirm").waitFor();
      await operator.getByTestId("operator-send").click();
      await operator.getByTestId("operator-result").waitFor();
      await card.waitFor({ state: "detached" });
    }
    expect(Number(await registry.memberCount())).to.equal(COMPANIES.length + 1);
    const table = (await operator.getByTestId("operator-members-table").textContent()) ?? "";
    for (const company of COMPANIES) expect(table).to.include(company.nameEn);
    await web.screenshot(operator, "console-admitted-en");
    await operator.getByTestId("language").click();
    await operator.getByTestId("operator-members-table").getByText("华信移动").first().waitFor();
    await web.screenshot(operator, "console-admitted-zh");

    // An admitted applicant signs in from its application page, by its name.
    const anchorPage = pages.get(1) as Page;
    await anchorPage.getByTestId("apply-leave").click();
    await anchorPage.getByTestId("connect-wallet").click();
    expect(await anchorPage.getByTestId("signed-in-as").textContent()).to.include("Huaxin Mobile");

    // Both factors publish offers for the anchor's receivables.
    const anchorId = Number(await registry.memberIdOf(addressOf(1)));
    for (const [index, rate] of [
      [7, "6.00"],
      [9, "5.50"],
    ] as const) {
      const { page } = await web.signInWithKey(developmentKey(index));
      await page.getByTestId("nav-factor").click();
      await page.getByTestId("factor-offers").waitFor();
      await page.getByTestId("offer-anchor").selectOption(String(anchorId));
      await page.getByTestId("offer-rate").fill(rate);
      await page.getByTestId("offer-max").fill("2,000,000.00");
      await page.getByTestId("offer-appetite").fill("10,000,000.00");
      await page.getByTestId("offer-publish").click();
      await page.getByTestId("offer-result").waitFor();
      expect(await page.getByTestId(`offer-${anchorId}`).textContent()).to.include(`${rate}% a year`);
      if (index === 9) {
        await web.screenshot(page, "offers-en");
        await page.getByTestId("language").click();
        await page.getByTestId(`offer-${anchorId}`).getByText("年化").first().waitFor();
        await web.screenshot(page, "offers-zh");
      }
    }
  });

  /** Signs in with development account `index`, opens `nav`, and waits for `testId`. */
  async function open(index: number, nav: string, testId: string): Promise<Page> {
    const { page } = await web.signInWithKey(developmentKey(index));
    await page.getByTestId(nav).click();
    await page.getByTestId(testId).waitFor();
    return page;
  }

  /** One console action: the confirmation shows `call`, the transaction is sent (a double click sends it once), the result shows. */
  async function confirmAndSend(operator: Page, call: string): Promise<void> {
    await operator.getByTestId("operator-confirm").waitFor();
    expect(await operator.getByTestId("operator-confirm-call").textContent()).to.include(call);
    await operator.getByTestId("operator-send").dblclick();
    await operator.getByTestId("operator-result").waitFor();
  }

  /** The seller issues its invoice and the carrier (Swift Freight) signs the waybill, each in the dApp; answers the files. */
  async function documents(
    seller: number,
    buyer: number,
    number: string,
    total: string,
    goods: string,
  ): Promise<{ invoice: string; waybill: string }> {
    const now = (await web.stack.provider.getBlock("latest"))?.timestamp ?? 0;
    const sellerPage = await open(seller, "nav-documents", "documents-page");
    // One lot of the goods priced so that with 13% VAT the invoice's total is `total` (the anchor confirms the total).
    const withTax = parseCny(total) ?? 0n;
    const beforeTax = (withTax * 100n + 56n) / 113n;
    if (beforeTax + lineTax(beforeTax, 1300) !== withTax) throw new Error(`no price gives ${total} with 13% VAT`);
    await enterInvoice(sellerPage, {
      number,
      buyer: addressOf(buyer),
      purchaseOrder: `PO-${number}`,
      dueDate: cstDate(now, 60),
      lines: [{ item: goods, quantity: "1", unit: "批", unitPrice: formatCny(beforeTax).replace(/ CNY$/u, ""), taxRate: 1300 }],
    });
    const invoice = await signAndSave(sellerPage, "invoice-sign", path.join(auditDir, `${number}-invoice.json`));

    const carrier = await open(5, "nav-documents", "documents-page");
    await enterWaybill(carrier, {
      number: `WB-${number}`,
      reference: number,
      shipper: addressOf(seller),
      consignee: addressOf(buyer),
      goods,
      quantity: "500",
      pickUp: { place: "Seller's dock", time: now - 3 * 86_400, quantity: "500" },
      delivery: { place: "Buyer's goods receipt", time: now - 86_400, quantity: "500" },
    });
    const waybill = await signAndSave(carrier, "waybill-sign", path.join(auditDir, `${number}-waybill.json`));
    return { invoice, waybill };
  }

  it("the operator sets the credit line and issues deposits in the console; the story runs by hand to the claims; the audit exits 0", async function () {
    const { registry, receivableToken, settlementToken, financing } = web.stack.contracts;
    const anchorId = Number(await registry.memberIdOf(addressOf(1)));
    const [anchor, supplier1, supplier2, lotus, pearl] = [1, 2, 3, 9, 7].map(addressOf);

    // The console: without a line the anchor cannot confirm; the operator sets one, then issues deposits.
    const { page: operator } = await web.signIn("operator");
    await operator.getByTestId("nav-operator").click();
    await operator.getByTestId(`member-${anchorId}`).getByTestId("member-manage").click();
    expect(await operator.getByTestId("member-line-now").textContent()).to.include("No credit line");
    await operator.getByTestId("member-line-limit").fill("3,000,000.0x");
    await operator.getByTestId("member-line-set").click();
    expect(await operator.getByTestId("operator-panel-member").textContent()).to.include('"3,000,000.0x" is not an amount of CNY');
    await operator.getByTestId("member-line-limit").fill("3,000,000.00");
    await operator.getByTestId("member-line-set").click();
    await confirmAndSend(operator, `ReceivableToken.setCreditLine(${anchorId}, 300000000, `);
    expect((await receivableToken.creditLine(anchorId)).limit).to.equal(3_000_000_00n);
    expect(await receivableToken.queryFilter(receivableToken.filters.CreditLineSet(anchorId))).to.have.length(1);
    await operator.getByTestId("member-line-now").getByText("3,000,000.00 CNY").waitFor();

    const currencySection = operator.getByTestId("operator-currency");
    // Issuing before being an issuer is refused by the dry run, in words, and nothing is sent.
    await currencySection.getByTestId("currency-recipient").selectOption(anchor);
    await currencySection.getByTestId("currency-amount").fill("2,000,000.00");
    await currencySection.getByTestId("currency-issue").click();
    await operator.getByTestId("operator-panel-currency").locator(".error").first().waitFor();
    expect(await operator.getByTestId("operator-confirm").count()).to.equal(0);
    await currencySection.getByTestId("currency-issuer-address").fill(addressOf(0));
    await currencySection.getByTestId("currency-issuer-allow").click();
    await confirmAndSend(operator, `SettlementToken.setIssuer(${addressOf(0)}, true)`);
    await currencySection.getByTestId("currency-self").getByText("You may issue deposits.").waitFor();
    for (const [to, amount] of [
      [anchor, "2,000,000.00"],
      [lotus, "1,000,000.00"],
      [pearl, "1,000,000.00"],
    ] as const) {
      await currencySection.getByTestId("currency-recipient").selectOption(to);
      await currencySection.getByTestId("currency-amount").fill(amount);
      await currencySection.getByTestId("currency-issue").click();
      await confirmAndSend(operator, `SettlementToken.issue(${to}, `);
    }
    expect(await settlementToken.balanceOf(anchor)).to.equal(2_000_000_00n);
    expect(await settlementToken.balanceOf(lotus)).to.equal(1_000_000_00n);
    expect(await settlementToken.totalIssued()).to.equal(4_000_000_00n);
    await currencySection.getByTestId(`balance-${pearl}`).getByText("1,000,000.00 CNY").waitFor();
    await currencySection.scrollIntoViewIfNeeded();
    await web.screenshot(operator, "console-currency-en");
    await operator.getByTestId("language").click();
    // The console reads the chain again in the new language: wait for the balances before the picture.
    await operator.getByTestId("operator-currency").getByTestId(`balance-${pearl}`).getByText("1,000,000.00 元").waitFor();
    expect(await operator.getByTestId("currency-self").textContent()).to.include("您可以发行存款凭证");
    await web.screenshot(operator, "console-currency-zh");

    // The anchor confirms Brightview's 1,000,000.00 invoice against its line.
    const confirmFiles = await documents(2, 1, "BVD-INV-0001", "1,000,000.00", "OLED display panels");
    const anchorPage = await open(1, "nav-anchor", "anchor-page");
    await anchorPage.getByTestId("invoice-file").setInputFiles(confirmFiles.invoice);
    await anchorPage.getByTestId("waybill-file").setInputFiles(confirmFiles.waybill);
    await anchorPage.getByTestId("waybill-summary").waitFor();
    await anchorPage.getByTestId("anchor-days").fill("90");
    await anchorPage.getByTestId("anchor-confirm").click();
    expect(await anchorPage.getByTestId("anchor-result").textContent()).to.include("Confirmed receivable 1: 1,000,000.00 CNY");
    const root = (1n << 32n) | 1n;
    expect(await receivableToken.ownerOf(root)).to.equal(supplier1);
    expect((await receivableToken.creditLine(anchorId)).outstanding).to.equal(1_000_000_00n);

    // Brightview pays Clearwater 300,000.00 with a split of its piece, backed by Clearwater's invoice and a waybill.
    const transferFiles = await documents(3, 2, "CWG-INV-0001", "300,000.00", "Cover glass");
    const brightview = await open(2, "nav-transfer", "transfer-page");
    await brightview.locator(`[data-testid=transfer-piece] option[value="${root}"]`).waitFor({ state: "attached" });
    await brightview.getByTestId("transfer-piece").selectOption(root.toString());
    await brightview.getByTestId("transfer-amount").fill("300,000.00");
    await brightview.getByTestId("transfer-recipient").selectOption(supplier2);
    await brightview.getByTestId("invoice-file").setInputFiles(transferFiles.invoice);
    await brightview.getByTestId("waybill-file").setInputFiles(transferFiles.waybill);
    await brightview.getByTestId("waybill-summary").waitFor();
    await brightview.getByTestId("transfer-send").click();
    await brightview.getByTestId("transfer-confirm").click();
    const sent = (await brightview.getByTestId("transfer-result").textContent()) ?? "";
    expect(sent).to.match(/Sent 300,000\.00 CNY to Clearwater Glass as piece #1\.\d+/u);
    const piece = (1n << 32n) | BigInt(/#1\.(\d+)/u.exec(sent)?.[1] ?? "0");
    expect(await receivableToken.ownerOf(piece)).to.equal(supplier2);

    // Clearwater sees both offers, the cheaper first, and asks both factors at once under one nonce.
    const clearwater = await open(3, "nav-finance", "finance-page");
    await clearwater.locator(`[data-testid=finance-piece] option[value="${piece}"]`).waitFor({ state: "attached" });
    await clearwater.getByTestId("finance-piece").selectOption(piece.toString());
    await clearwater.getByTestId(`quote-${pearl}`).waitFor();
    const order = await clearwater
      .getByTestId("finance-offers")
      .locator("[data-testid^=quote-0x]")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-testid")));
    expect(order).to.deep.equal([`quote-${lotus}`, `quote-${pearl}`]);
    await clearwater.getByTestId(`quote-${pearl}`).getByTestId("quote-pick").check();
    await clearwater.getByTestId("finance-recourse-without").check();
    await clearwater.getByTestId("finance-sign").click();
    expect(await clearwater.getByTestId("finance-result").textContent()).to.include("Lotus Factoring, Pearl River Bank");
    await web.screenshot(clearwater, "finance-two-offers-en");

    // Lotus checks and funds; Pearl River's request lapses on chain.
    const lotusPage = await open(9, "nav-factor", "factor-page");
    const row = lotusPage.getByTestId(`request-${pieceLabel(piece)}`);
    await row.getByTestId("run-check").click();
    await lotusPage.getByTestId("check-passed").waitFor();
    const supplier2Before = await settlementToken.balanceOf(supplier2);
    await lotusPage.getByTestId("fund").click();
    await lotusPage.getByTestId("fund-confirm").click();
    expect(await lotusPage.getByTestId("fund-result").textContent()).to.match(/Funded: you paid [0-9,]+\.\d\d CNY and hold piece #1\.\d+/u);
    const funded = await financing.queryFilter(financing.filters.Funded(undefined, piece));
    expect(funded).to.have.length(1);
    const fundedPiece = funded[0].args.fundedTokenId;
    expect(await receivableToken.ownerOf(fundedPiece)).to.equal(lotus);
    expect((await settlementToken.balanceOf(supplier2)) - supplier2Before).to.equal(funded[0].args.price);
    await clearwater.reload();
    await clearwater.getByText("lapsed (another factor funded)").waitFor();
    const pearlPage = await open(7, "nav-factor", "factor-page");
    await pearlPage.getByTestId("factor-offers").waitFor();
    expect(await pearlPage.getByTestId(`request-${pieceLabel(piece)}`).count(), "the lapsed request is not waiting on Pearl River's desk").to.equal(
      0,
    );

    // The verifier's page lists what its key signed.
    const verifierPage = await open(6, "nav-verifier", "verifier-page");
    await verifierPage.getByTestId("verifier-attestations").getByText(pieceLabel(piece)).first().waitFor();

    // The anchor repays in full from its page; the line is free again.
    await anchorPage.reload();
    await anchorPage.getByTestId("repay-amount-1").fill("1,000,000.00");
    await anchorPage.getByTestId("repay-1").click();
    await anchorPage.getByTestId("repay-confirm").click();
    expect(await anchorPage.getByTestId("anchor-result").textContent()).to.include("Repaid 1,000,000.00 CNY on receivable 1");
    expect((await receivableToken.creditLine(anchorId)).outstanding).to.equal(0n);

    // Each holder collects its piece's value: Brightview 700,000.00, Lotus 300,000.00.
    for (const [index, holder, value] of [
      [2, supplier1, 700_000_00n],
      [9, lotus, 300_000_00n],
    ] as const) {
      const page = await open(index, "nav-claims", "claims-table");
      const before = await settlementToken.balanceOf(holder);
      await page.getByTestId("claim-all").click();
      expect(await page.getByTestId("claims-result").textContent()).to.include(formatCny(value));
      expect((await settlementToken.balanceOf(holder)) - before).to.equal(value);
    }
    expect(await receivableToken.exists(root)).to.equal(false);
    expect(await receivableToken.exists(fundedPiece)).to.equal(false);

    // The auditor's command, with no flag but the node's URL, finds the record the stack wrote and agrees.
    expect(web.stack.recordFile).to.equal(path.join(auditDir, "deploy", "deployments", `chain-${web.stack.chainId}`, "deployment-record.json"));
    const audit = await runAudit(["--rpc", web.stack.rpcUrl], auditDir);
    expect(audit.code, audit.output).to.equal(0);
    const report = JSON.parse(fs.readFileSync(path.join(auditDir, "audit-report", "report.json"), "utf8")) as { findings: unknown[] };
    expect(report.findings).to.deep.equal([]);
  });
});
