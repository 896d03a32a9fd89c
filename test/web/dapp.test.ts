import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import { formatCny } from "../../src/finance/money";
import { ApiClient, ApiFailure } from "../../src/api/wire/client";
import { fundingRequestToWire } from "../../src/api/wire/convert";
import { invoiceToWire } from "../../src/proofs/invoice";
import type { Party } from "../../src/proofs/wire";
import { carrierSigns, sellerIssues } from "../../src/demo/documents";
import type { CarrierWaybill, SellerInvoice, TradeTerms } from "../../src/demo/documents";
import type { InvoiceParty } from "../../src/proofs/invoice";
import { developmentKey } from "../../src/server/stack";
import type { CastKey } from "../../src/demo/cast";
import { injectWallet } from "./wallet";
import { cstDate, enterInvoice, enterWaybill } from "./documentForms";
import { carrierWaybillToWire } from "../../src/proofs/issued";
import { castKey, useBrowserStack } from "./browserStack";
import { pieceName } from "../../src/chain/tokenId";

/**
 * The dApp in a real browser (Debian's chromium driven by playwright-core), against the same stack `npm start`
 * runs, on free loopback ports. The wallet is an injected EIP-1193 provider signing with the demo keys. Screenshots
 * of every page go to test-artifacts/web/ (flow-*).
 */

function accountOf(key: CastKey): { privateKey: string; address: string } {
  const privateKey = castKey(key);
  return { privateKey, address: new Wallet(privateKey).address };
}

function invoiceFile(document: SellerInvoice): unknown {
  return { invoice: invoiceToWire(document.invoice), sellerSignature: document.sellerSignature, sellerConsent: document.sellerConsent };
}

function waybillFile(document: CarrierWaybill): unknown {
  return carrierWaybillToWire(document);
}

describe("the dApp in a real browser: split, transfer, finance and fund, and a forged waybill refused", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "flow", restoreChain: false, clearScreenshots: true });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-web-"));
  let shot = 0;

  /** Screenshots numbered in the order the story takes them. */
  async function screenshot(page: Page, name: string): Promise<void> {
    shot += 1;
    await web.screenshot(page, `${String(shot).padStart(2, "0")}-${name}`);
  }

  async function text(page: Page, testId: string): Promise<string> {
    const locator = page.getByTestId(testId);
    await locator.waitFor();
    return (await locator.textContent()) ?? "";
  }

  const party = (key: CastKey): Party => {
    const member = web.stack.seeded?.members.find((entry) => entry.key === key);
    if (member === undefined) throw new Error(`${key} was not seeded`);
    return { memberId: member.memberId, account: member.address };
  };
  const invoiceParty = (key: CastKey): InvoiceParty => {
    const member = web.stack.seeded?.members.find((entry) => entry.key === key);
    if (member === undefined) throw new Error(`${key} was not seeded`);
    return { ...party(key), name: member.nameZh, creditCode: member.creditCode };
  };

  /** The seller's invoice and a waybill signed by `carrierKey` for a trade tier 3 → tier 2, written as files. */
  async function tradeFiles(number: string, amount: bigint, carrierKey: CastKey): Promise<{ invoice: string; waybill: string }> {
    const block = await web.stack.provider.getBlock("latest");
    const terms: TradeTerms = {
      number,
      seller: invoiceParty("tier3"),
      buyer: invoiceParty("tier2"),
      carrier: party(carrierKey),
      amount,
      goods: "Silica sand, grade A",
      quantity: 200n,
      now: BigInt(block?.timestamp ?? 0),
    };
    const seller = new Wallet(accountOf("tier3").privateKey);
    const carrier = new Wallet(accountOf(carrierKey).privateKey);
    const files = { invoice: path.join(workDir, `${number}-invoice.json`), waybill: path.join(workDir, `${number}-waybill.json`) };
    fs.writeFileSync(
      files.invoice,
      JSON.stringify(invoiceFile(await sellerIssues(web.stack.chainId, terms, seller, web.stack.addresses.receivableToken)), null, 2),
    );
    fs.writeFileSync(files.waybill, JSON.stringify(waybillFile(await carrierSigns(web.stack.chainId, terms, carrier)), null, 2));
    return files;
  }

  async function documentsMadeInTheDapp(number: string, amount: string): Promise<{ invoice: string; waybill: string }> {
    const now = (await web.stack.provider.getBlock("latest"))?.timestamp ?? 0;
    const seller = await web.signIn("tier3");
    // One lot of the goods at `amount` before tax, VAT 13% on top: the invoice covers a piece of `amount`.
    await enterInvoice(seller.page, {
      number,
      buyer: party("tier2").account,
      purchaseOrder: `PO-${number}`,
      dueDate: cstDate(now, 60),
      lines: [{ item: "Silica sand, grade A", quantity: "1", unit: "批", unitPrice: amount, taxRate: 1300 }],
    });
    await seller.page.getByTestId("invoice-sign").click();
    await seller.page.getByTestId("documents-done").waitFor();
    const invoiceDownload = seller.page.waitForEvent("download");
    await seller.page.getByTestId("documents-save").click();
    const invoice = path.join(workDir, `${number}-invoice.json`);
    await (await invoiceDownload).saveAs(invoice);
    await screenshot(seller.page, "documents-invoice-issued");

    const carrier = await web.signIn("carrier");
    await enterWaybill(carrier.page, {
      number: `WB-${number}`,
      reference: number,
      shipper: party("tier3").account,
      consignee: party("tier2").account,
      goods: "Silica sand, grade A",
      quantity: "200",
      pickUp: { place: "Beihai quarry", time: now - 3 * 86_400, quantity: "200" },
      delivery: { place: "Ningbo plant", time: now - 86_400, quantity: "200" },
    });
    await carrier.page.getByTestId("waybill-sign").click();
    await carrier.page.getByTestId("documents-done").waitFor();
    const waybillDownload = carrier.page.waitForEvent("download");
    await carrier.page.getByTestId("documents-save").click();
    const waybill = path.join(workDir, `${number}-waybill.json`);
    await (await waybillDownload).saveAs(waybill);
    await screenshot(carrier.page, "documents-waybill-signed");
    return { invoice, waybill };
  }

  async function transfer(page: Page, tokenId: bigint, amount: string, files: { invoice: string; waybill: string }): Promise<string> {
    await page.getByTestId("nav-transfer").click();
    await page.getByTestId("transfer-page").waitFor();
    await page.locator(`[data-testid=transfer-piece] option[value="${tokenId}"]`).waitFor({ state: "attached" });
    await page.getByTestId("transfer-piece").selectOption(tokenId.toString());
    await page.getByTestId("transfer-amount").fill(amount);
    await page.getByTestId("transfer-recipient").selectOption(party("tier3").account);
    await page.getByTestId("invoice-file").setInputFiles(files.invoice);
    await page.getByTestId("waybill-file").setInputFiles(files.waybill);
    await page.getByTestId("waybill-summary").waitFor();
    await page.getByTestId("transfer-send").click();
    // The clerk sees who receives how much, of which piece, backed by which invoice, before anything is sent.
    const summary = await text(page, "transfer-summary");
    expect(summary).to.include(`Send ${amount} CNY of piece ${pieceName(tokenId)}`);
    expect(summary).to.include("Golden Sands Silica");
    await page.getByTestId("transfer-confirm").click();
    return text(page, "transfer-result");
  }

  /** Requests financing of a piece from the bank; `withRecourse` clicks the holder's recourse choice first. Returns the quote and the terms shown before signing. */
  async function requestFinancing(page: Page, tokenId: bigint, withRecourse = false): Promise<{ quote: string; terms: string }> {
    await page.getByTestId("nav-finance").click();
    await page.locator(`[data-testid=finance-piece] option[value="${tokenId}"]`).waitFor({ state: "attached" });
    await page.getByTestId("finance-piece").selectOption(tokenId.toString());
    // The bank's published offer fits the piece; the best offer is picked to start with.
    await page
      .getByTestId(`quote-${party("bank").account}`)
      .getByTestId("quote-pick")
      .check();
    await page.getByTestId(withRecourse ? "finance-recourse-with" : "finance-recourse-without").check();
    const quote = await text(page, "finance-quote");
    const terms = await text(page, "finance-terms");
    await page.getByTestId("finance-sign").click();
    await page.getByTestId("finance-result").waitFor();
    return { quote, terms };
  }

  after(function () {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("a person who declines in the wallet, or is no member, is told so in words", async function () {
    const context = await web.newContext({ width: 1280, height: 800 });
    const wallet = await injectWallet(context, accountOf("tier2").privateKey, hre.network.provider);
    const page = await context.newPage();
    await page.goto(web.stack.url);
    await page.getByTestId("signin-page").waitFor();
    await screenshot(page, "sign-in");
    wallet.refuseNext("personal_sign");
    await page.getByTestId("connect-wallet").click();
    expect(await page.getByRole("alert").textContent()).to.include("You declined the request in your wallet");

    const outsider = await web.newContext();
    await injectWallet(outsider, developmentKey(15), hre.network.provider);
    const outsiderPage = await outsider.newPage();
    await outsiderPage.goto(web.stack.url);
    await outsiderPage.getByTestId("connect-wallet").click();
    // A wallet of no member is offered the application for membership.
    const apply = outsiderPage.getByTestId("apply-page");
    await apply.waitFor();
    expect(await apply.textContent()).to.include("belongs to no member of this network");
    await screenshot(outsiderPage, "not-a-member");
  });

  it("the funding-request inbox refuses a request not signed by the caller, and keeps nothing of it", async function () {
    if (web.stack.seeded === null) throw new Error("not seeded");
    const tier2 = new Wallet(accountOf("tier2").privateKey);
    const client = new ApiClient(web.stack.url);
    await client.signIn(tier2);

    const block = await web.stack.provider.getBlock("latest");
    const request = {
      tokenId: web.stack.seeded.pieces.tier2Glass,
      value: 1_000_00n,
      minPrice: 900_00n,
      factor: party("bank").account,
      withRecourse: false,
      deadline: BigInt(block?.timestamp ?? 0) + 3600n,
      nonce: 77n,
    };
    const domain = financingDomain(web.stack.chainId, web.stack.addresses.financing);
    const wire = fundingRequestToWire(request);
    // Signed by tier 3, submitted by tier 2.
    const forged = await signFundingRequest(new Wallet(accountOf("tier3").privateKey), domain, request);
    const refused = await client.call("submitFundingRequest", { body: { request: wire, holderSignature: forged } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(ApiFailure);
    expect((refused as ApiFailure).status).to.equal(422);
    expect((refused as ApiFailure).code).to.equal("REQUEST_REFUSED");
    expect((refused as ApiFailure).fields.map((field) => field.path)).to.deep.equal(["holderSignature"]);
    expect((await client.call("fundingRequests")).requests).to.deep.equal([]);

    const own = await signFundingRequest(tier2, domain, request);
    expect((await client.request("submitFundingRequest", { body: { request: wire, holderSignature: own } })).status).to.equal(201);
    const again = await client.call("submitFundingRequest", { body: { request: wire, holderSignature: own } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((again as ApiFailure).status).to.equal(409);
    const mine = await client.call("fundingRequests");
    expect(mine.requests.map((entry) => entry.state)).to.deep.equal(["waiting"]);
  });

  it("tier 2 splits 100,000.00 to tier 3 with its documents, tier 3 requests financing, the bank checks and funds; all three portfolios show it", async function () {
    if (web.stack.seeded === null) throw new Error("not seeded");
    const { tier2Glass } = web.stack.seeded.pieces;
    const { settlementToken } = web.stack.contracts;
    const tier3Address = party("tier3").account;
    const bankAddress = party("bank").account;

    const tier2 = await web.signIn("tier2");
    expect(await text(tier2.page, "portfolio-totals")).to.include("300,000.00 CNY");
    await screenshot(tier2.page, "portfolio-tier2-before");

    // The seller issues and signs its invoice, and the carrier signs the waybill, each in its own wallet.
    const files = await documentsMadeInTheDapp("GSS-INV-0101", "100,000.00");
    const sent = await transfer(tier2.page, tier2Glass, "100,000.00", files);
    expect(sent).to.match(/Sent 100,000\.00 CNY to Golden Sands Silica as piece #1\.\d+/u);
    expect(tier2.wallet.requests).to.include("eth_signTypedData_v4");
    await screenshot(tier2.page, "transfer-done");
    const newPiece = BigInt(/#1\.(\d+)/u.exec(sent)?.[1] ?? "0") | (1n << 32n);
    expect(await web.stack.contracts.receivableToken.ownerOf(newPiece)).to.equal(tier3Address);

    const tier3 = await web.signIn("tier3");
    expect(await text(tier3.page, "portfolio-totals")).to.include("100,000.00 CNY");
    await screenshot(tier3.page, "portfolio-tier3-before");
    // Tier 3 chooses recourse and sees it in the terms it signs; the bank sees the same term, and the chain keeps it.
    const { quote, terms } = await requestFinancing(tier3.page, newPiece, true);
    expect(quote).to.match(/Pearl River Bank pays [0-9,]+\.\d\d CNY for 100,000\.00 CNY: 6\.00% a year/u);
    expect(terms).to.match(/^You sign: 100,000\.00 CNY of piece #1\.\d+ to Pearl River Bank, for at least [0-9,]+\.\d\d CNY, with recourse\.$/u);
    await screenshot(tier3.page, "finance-requested");

    const tier3Before = await settlementToken.balanceOf(tier3Address);
    const bankBefore = await settlementToken.balanceOf(bankAddress);
    const bank = await web.signIn("bank");
    await bank.page.getByTestId("nav-factor").click();
    expect(
      await bank.page
        .getByTestId(`request-${pieceName(newPiece)}`)
        .getByTestId("request-recourse")
        .textContent(),
    ).to.equal("with recourse");
    await bank.page
      .getByTestId(`request-${pieceName(newPiece)}`)
      .getByTestId("run-check")
      .click();
    await bank.page.getByTestId("check-passed").waitFor();
    expect(await text(bank.page, "check-recourse")).to.equal("Recourse: with recourse");
    await screenshot(bank.page, "factor-check-passed");
    await bank.page.getByTestId("fund").click();
    await bank.page.getByTestId("fund-confirm").click();
    const funded = await text(bank.page, "fund-result");
    expect(funded).to.match(/Funded: you paid [0-9,]+\.\d\d CNY and hold piece #1\.\d+/u);
    await screenshot(bank.page, "factor-funded");
    const paid = (await settlementToken.balanceOf(tier3Address)) - tier3Before;
    expect(funded).to.include(`you paid ${formatCny(paid)}`);
    expect(quote).to.include(`pays ${formatCny(paid)}`);
    expect(paid > 0n && paid < 100_000_00n, `tier 3 received ${paid}`).to.equal(true);
    expect(bankBefore - (await settlementToken.balanceOf(bankAddress))).to.equal(paid);
    const fundedEvents = await web.stack.contracts.financing.queryFilter(web.stack.contracts.financing.filters.Funded(undefined, newPiece));
    expect(fundedEvents.map((event) => event.args.withRecourse)).to.deep.equal([true]);

    await tier2.page.getByTestId("nav-portfolio").click();
    await tier2.page.reload();
    // A reload keeps the member signed in on its page.
    expect(await text(tier2.page, "portfolio-totals")).to.include("200,000.00 CNY");
    await screenshot(tier2.page, "portfolio-tier2-after");
    await tier3.page.getByTestId("nav-portfolio").click();
    await tier3.page.reload();
    // A reload keeps the member signed in on its page.
    const tier3Totals = await text(tier3.page, "portfolio-totals");
    expect(tier3Totals).to.include("Held: 0 pieces");
    expect(tier3Totals).to.include("Sold to factors: 100,000.00 CNY");
    await screenshot(tier3.page, "portfolio-tier3-after");
    await bank.page.getByTestId("nav-portfolio").click();
    await bank.page.getByTestId("portfolio-table").waitFor();
    expect(await bank.page.getByTestId("portfolio-table").textContent()).to.include("funded");
    await screenshot(bank.page, "portfolio-bank-after");

    // The piece's lineage, from the anchor's confirmation to the bank's piece, every step's checks passing.
    await bank.page.goto(`${web.stack.url}/#/piece/${newPiece}`);
    await bank.page.getByTestId("lineage-tree").waitFor();
    expect(await bank.page.locator(".badge-fail").count()).to.equal(0);
    expect(await bank.page.locator(".badge-pass").count()).to.be.greaterThan(2);
    await screenshot(bank.page, "piece-lineage");
  });

  it("the same flow with a forged waybill: the factor's check names the reason and no money moves", async function () {
    if (web.stack.seeded === null) throw new Error("not seeded");
    const { tier2Glass } = web.stack.seeded.pieces;
    const { settlementToken } = web.stack.contracts;
    // The auditor's firm signs the waybill as carrier: an independent member with valid signatures, but no carrier.
    // Nothing in the documents themselves contradicts the transfer, so the page sends it; the verifier refuses it.
    const files = await tradeFiles("GSS-INV-0102", 50_000_00n, "auditor");
    const tier2 = await web.signIn("tier2");
    const sent = await transfer(tier2.page, tier2Glass, "50,000.00", files);
    const forgedPiece = BigInt(/#1\.(\d+)/u.exec(sent)?.[1] ?? "0") | (1n << 32n);
    const tier3 = await web.signIn("tier3");
    await requestFinancing(tier3.page, forgedPiece);

    const balances = async (): Promise<bigint[]> => [
      await settlementToken.balanceOf(party("tier3").account),
      await settlementToken.balanceOf(party("bank").account),
    ];
    const before = await balances();
    const bank = await web.signIn("bank");
    await bank.page.getByTestId("nav-factor").click();
    await bank.page
      .getByTestId(`request-${pieceName(forgedPiece)}`)
      .getByTestId("run-check")
      .click();
    const failed = await text(bank.page, "check-failed");
    expect(failed).to.include("The funding check failed");
    expect(failed).to.include("CARRIER_NOT_REGISTERED");
    expect(await bank.page.getByTestId("fund").count()).to.equal(0);
    await screenshot(bank.page, "factor-check-failed");
    expect(await balances()).to.deep.equal(before);
    expect(await web.stack.contracts.receivableToken.ownerOf(forgedPiece)).to.equal(party("tier3").account);
  });

  it("a transfer its documents contradict is refused before anything is signed or sent, with the reasons, in both languages", async function () {
    if (web.stack.seeded === null) throw new Error("not seeded");
    const { tier2Glass } = web.stack.seeded.pieces;
    // A 50,000.00 invoice of Golden Sands Silica (56,500.00 with 13% VAT), but the clerk picks Brightview Displays
    // and types 80,000.00.
    const files = await tradeFiles("GSS-INV-0103", 50_000_00n, "carrier");
    const { page, wallet } = await web.signIn("tier2");
    const valueBefore = await web.stack.contracts.receivableToken["balanceOf(uint256)"](tier2Glass);
    await page.getByTestId("nav-transfer").click();
    await page.locator(`[data-testid=transfer-piece] option[value="${tier2Glass}"]`).waitFor({ state: "attached" });
    await page.getByTestId("transfer-piece").selectOption(tier2Glass.toString());
    await page.getByTestId("transfer-amount").fill("80,000.00");
    await page.getByTestId("transfer-recipient").selectOption(party("tier1").account);
    await page.getByTestId("invoice-file").setInputFiles(files.invoice);
    await page.getByTestId("waybill-file").setInputFiles(files.waybill);
    await page.getByTestId("waybill-summary").waitFor();
    const requestsBefore = wallet.requests.length;
    await page.getByTestId("transfer-send").click();
    const refusal = await text(page, "transfer-page");
    await page.locator("[role=alert]").waitFor();
    const alert = (await page.locator("[role=alert]").textContent()) ?? "";
    expect(alert).to.include("Nothing was sent");
    expect(alert).to.include("The invoice's seller is Golden Sands Silica, but the piece would go to Brightview Displays");
    expect(alert).to.include("The invoice is for 56,500.00 CNY, less than the 80,000.00 CNY you would send.");
    expect(refusal).not.to.include("Check before sending");
    expect(await page.getByTestId("transfer-confirmation").count()).to.equal(0);
    const asked = wallet.requests
      .slice(requestsBefore)
      .filter((method) => method !== "eth_call" && method !== "eth_chainId" && method !== "eth_blockNumber");
    expect(asked, "no signature and no transaction was asked of the wallet").to.deep.equal([]);
    expect(await web.stack.contracts.receivableToken["balanceOf(uint256)"](tier2Glass)).to.equal(valueBefore);
    await screenshot(page, "transfer-refused-mismatch");
    await page.getByTestId("language").click();
    await page.getByTestId("transfer-send").click();
    await page.waitForFunction(() => (document.querySelector("[role=alert]")?.textContent ?? "").includes("未发送任何内容"));
    expect((await page.locator("[role=alert]").textContent()) ?? "").to.include("发票金额为 56,500.00 元，少于您要转出的 80,000.00 元。");
    await screenshot(page, "transfer-refused-mismatch-zh");
  });

  it("the anchor sees what it owes by date, the auditor traces a receivable, and the pages switch to Chinese", async function () {
    const anchor = await web.signIn("anchor");
    await anchor.page.getByTestId("nav-anchor").click();
    await anchor.page.getByTestId("anchor-page").locator("table").waitFor();
    const owed = (await anchor.page.getByTestId("anchor-page").textContent()) ?? "";
    expect(owed).to.include("1,500,000.00 CNY");
    const anchorBalance = await web.stack.contracts.settlementToken.balanceOf(accountOf("anchor").address);
    await anchor.page.getByTestId("repay-amount-2").fill("100,000.00");
    await anchor.page.getByTestId("repay-2").click();
    await anchor.page.getByTestId("repay-confirm").click();
    expect(await text(anchor.page, "anchor-result")).to.equal("Repaid 100,000.00 CNY on receivable 2.");
    expect(anchorBalance - (await web.stack.contracts.settlementToken.balanceOf(accountOf("anchor").address))).to.equal(100_000_00n);
    expect((await anchor.page.getByTestId("anchor-page").textContent()) ?? "").to.include("1,400,000.00 CNY");
    await screenshot(anchor.page, "anchor");
    // A contract's refusal, on a Chinese page, reads in Chinese with the amounts in 元 (issue 18, item 15).
    await anchor.page.getByTestId("language").click();
    await anchor.page.getByTestId("repay-amount-2").fill("9,000,000.00");
    await anchor.page.getByTestId("repay-2").click();
    await anchor.page.getByTestId("repay-confirm").click();
    await anchor.page.locator("[role=alert]").waitFor();
    expect((await anchor.page.locator("[role=alert]").textContent()) ?? "").to.match(
      /^合约拒绝了交易：应收账款 2 仅剩 [0-9,]+\.\d\d 元 未还，少于 9,000,000\.00 元$/u,
    );
    expect(anchorBalance - (await web.stack.contracts.settlementToken.balanceOf(accountOf("anchor").address))).to.equal(100_000_00n);
    await screenshot(anchor.page, "anchor-refused-zh");

    const auditor = await web.signIn("auditor");
    await auditor.page.getByTestId("nav-auditor").click();
    await auditor.page.getByTestId("auditor-query").fill("1");
    await auditor.page.getByTestId("auditor-trace").click();
    const status = await text(auditor.page, "audit-status");
    expect(status).to.include("1 step fails its checks.");
    await auditor.page.locator(".node button.link").first().click();
    await auditor.page.getByTestId("document-summary").waitFor();
    expect(await auditor.page.getByTestId("document-viewer").textContent()).to.include("BVD-INV-0001");
    await screenshot(auditor.page, "auditor-trace");

    await auditor.page.getByTestId("language").click();
    expect(await auditor.page.getByTestId("auditor-page").textContent()).to.include("追溯凭证或应收账款");
    // The verifier's reason for the failed step, in Chinese: its title and its sentence, no English sentence left.
    const reason = (await auditor.page.getByTestId("failure-line").first().textContent()) ?? "";
    const words = reason.replace(/\b[A-Z_]{4,}\b/gu, "");
    expect(words).to.match(/[\u4e00-\u9fff]{4}.*。/u);
    expect(words, "no English left in the verifier's reason").not.to.match(/[a-z]{3,}/u);
    await screenshot(auditor.page, "auditor-zh");
    const tier2 = await web.signIn("tier2");
    await tier2.page.getByTestId("language").click();
    await tier2.page.getByTestId("portfolio-table").waitFor();
    expect(await text(tier2.page, "portfolio-totals")).to.match(/持有：\d+ 笔，合计 [0-9,]+\.\d\d 元/u);
    await screenshot(tier2.page, "portfolio-zh");
    // The recourse choice, in Chinese, before anything is signed.
    await tier2.page.getByTestId("nav-finance").click();
    const choice = await text(tier2.page, "finance-recourse");
    expect(choice).to.include("无追索权").and.to.include("有追索权");
  });
});
