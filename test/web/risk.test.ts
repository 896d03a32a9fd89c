import hre from "hardhat";
import { DEMO_OFFER_APPETITE } from "../../src/demo/seed";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import { calendarDateCst } from "../../src/chain/membership";
import { formatCny } from "../../src/finance/money";
import { cnyIn } from "../../src/web/lib/money";

/** An amount as a Chinese page shows it (…元). */
const yuan = (minorUnits: bigint): string => cnyIn("zh", minorUnits);
import { ApiClient } from "../../src/api/wire/client";
import { PHONE, castKey, useBrowserStack } from "./browserStack";

/**
 * The factor's risk panel and charts in the dApp (issue 19 part 2), on the seeded story: Huaxin Mobile has confirmed
 * 1,000,000.00 and 500,000.00 CNY against a 3,000,000.00 line, Clearwater Glass has sold Brightview 300,000.00 of
 * goods (a verified trade), and Pearl River Bank holds 200,000.00 of the second receivable. Beside the check of a
 * waiting request the bank sees the anchor's record and the seller's; below its book, its exposure by anchor and
 * its maturity ladder; once the receivable is overdue past grace, the overdue part shows in both. In English and
 * Chinese, at desktop and at phone width (nothing wider than 360 px). Screenshots go to test-artifacts/web/.
 */

const SEEDED_OWED = 1_500_000_00n;
const SEEDED_LINE = 3_000_000_00n;
const BANK_HOLDS = 200_000_00n;

describe("the dApp in a real browser: the factor's risk panel and exposure charts", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "risk", restoreChain: true, clearScreenshots: true });

  async function text(page: Page, testId: string): Promise<string> {
    const element = page.getByTestId(testId).first();
    await element.waitFor();
    return ((await element.textContent()) ?? "").trim();
  }

  /** Tier 2 asks the bank to fund 1,000.00 of its piece, through the API as the dApp would. */
  async function requestFunding(nonce: bigint): Promise<bigint> {
    if (web.stack.seeded === null) throw new Error("not seeded");
    const tier2 = new Wallet(castKey("tier2"));
    const client = new ApiClient(web.stack.url);
    const { token: session } = await client.signIn(tier2);
    const block = await web.stack.provider.getBlock("latest");
    const bank = new Wallet(castKey("bank")).address;
    const tokenId = web.stack.seeded.pieces.tier2Glass;
    const request = {
      tokenId,
      value: 1_000_00n,
      minPrice: 900_00n,
      factor: bank,
      withRecourse: false,
      deadline: BigInt(block?.timestamp ?? 0) + 3600n,
      nonce,
    };
    const wire = Object.fromEntries(Object.entries(request).map(([key, value]) => [key, typeof value === "boolean" ? value : String(value)]));
    const holderSignature = await signFundingRequest(tier2, financingDomain(web.stack.chainId, web.stack.addresses.financing), request);
    const posted = await fetch(`${web.stack.url}/v1/funding-requests`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session}` },
      body: JSON.stringify({ request: wire, holderSignature }),
    });
    expect(posted.status).to.equal(201);
    return tokenId;
  }

  async function openCheck(page: Page, tokenId: bigint): Promise<void> {
    await page.getByTestId("nav-factor").click();
    const row = page.getByTestId(`request-#${tokenId >> 32n}.${tokenId & 0xffff_ffffn}`);
    await row.getByTestId("run-check").click();
    await page.getByTestId("risk-panel").getByTestId("risk-anchor").waitFor();
  }

  it("shows the anchor's and the seller's record beside the check, and the exposure charts below the book, in both languages", async function () {
    const tokenId = await requestFunding(5151n);
    const bank = await web.signIn("bank");
    await openCheck(bank.page, tokenId);

    expect(await text(bank.page, "risk-confirmed")).to.equal(`Confirmed: 2 receivables, ${formatCny(SEEDED_OWED)}`);
    expect(await text(bank.page, "risk-on-time")).to.equal(`Repaid on time: 0 (${formatCny(0n)})`);
    expect(await text(bank.page, "risk-overdue")).to.equal("Overdue now: none");
    expect(await text(bank.page, "risk-line")).to.equal(`Credit line: ${formatCny(SEEDED_OWED)} of ${formatCny(SEEDED_LINE)} used (50%)`);
    expect(await text(bank.page, "risk-sold")).to.equal(`Verified sales: 1, ${formatCny(300_000_00n)}`);
    expect(await text(bank.page, "risk-relationships")).to.match(/^Trading relationships: 1; the longest has run \d+ days$/u);

    const exposure = bank.page.getByTestId("factor-exposure");
    expect(await text(bank.page, "exposure-totals")).to.equal(`1 piece held · ${formatCny(BANK_HOLDS)} still due · ${formatCny(0n)} overdue`);
    // The seeded bank published an offer for the anchor: its appetite stands beside the exposure (and marks the bar).
    expect(await text(bank.page, "exposure-appetite")).to.equal(`Appetite in my offers: ${formatCny(DEMO_OFFER_APPETITE)}`);
    expect(await exposure.getByTestId("chart-by-anchor-row").count()).to.equal(1);
    expect(await exposure.getByTestId("chart-by-anchor-row").first().getAttribute("title")).to.equal(
      `Huaxin Mobile: ${formatCny(BANK_HOLDS)} due, of which ${formatCny(0n)} overdue`,
    );
    const maturity = (
      await web.stack.contracts.receivableToken.receivable(
        web.stack.seeded?.pieces.bankCameras === undefined ? 0n : web.stack.seeded.pieces.bankCameras >> 32n,
      )
    ).maturity;
    expect(await exposure.getByTestId("chart-ladder-column").count()).to.equal(1);
    expect(await exposure.getByTestId("chart-ladder-column").first().textContent()).to.contain(calendarDateCst(maturity).slice(0, 7));
    expect(await text(bank.page, "chart-ladder-caption")).to.equal(`${calendarDateCst(maturity).slice(0, 7)}: ${formatCny(BANK_HOLDS)}`);
    await web.screenshot(bank.page, "factor-desk-en");

    await bank.page.getByTestId("language").click();
    await bank.page.getByTestId("risk-panel").getByText("决策依据").waitFor();
    expect(await text(bank.page, "risk-confirmed")).to.equal(`已确权：2 笔，${yuan(SEEDED_OWED)}`);
    expect(await text(bank.page, "risk-sold")).to.equal(`经核验的销售：1 笔，${yuan(300_000_00n)}`);
    expect(await exposure.getByRole("heading").first().textContent()).to.equal("我的风险敞口");
    await web.screenshot(bank.page, "factor-desk-zh");
  });

  it("shows an overdue receivable in the record and in both charts, in Chinese at phone width", async function () {
    const seeded = web.stack.seeded;
    if (seeded === null) throw new Error("not seeded");
    const { receivableToken: token, settlement } = web.stack.contracts;
    const slot = seeded.pieces.bankCameras >> 32n;
    const maturity = (await token.receivable(slot)).maturity;
    const grace = await settlement.gracePeriod();
    // One second past maturity plus grace, unpaid: overdue, its days counted as started days since maturity.
    await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(maturity + grace + 1n)] });
    await hre.network.provider.request({ method: "evm_mine", params: [] });
    const days = Number((grace + 1n + 86_399n) / 86_400n);

    const tokenId = await requestFunding(5152n);
    const bank = await web.signIn("bank", PHONE);
    await bank.page.getByTestId("language").click();
    await openCheck(bank.page, tokenId);
    expect(await text(bank.page, "risk-overdue")).to.equal(`当前逾期：1 笔，未付 ${yuan(500_000_00n)}，最长逾期 ${days} 天`);
    expect(await text(bank.page, "exposure-totals")).to.equal(`持有 1 笔 · 待收 ${yuan(BANK_HOLDS)} · 逾期 ${yuan(BANK_HOLDS)}`);
    const exposure = bank.page.getByTestId("factor-exposure");
    expect(await exposure.getByTestId("chart-by-anchor-row").first().getAttribute("title")).to.equal(
      `华信移动：待收 ${yuan(BANK_HOLDS)}，其中逾期 ${yuan(BANK_HOLDS)}`,
    );
    expect(await exposure.locator("rect.bar-overdue").count()).to.equal(2, "the overdue part is drawn in both charts");
    expect(await text(bank.page, "chart-ladder-caption")).to.contain(`（逾期 ${yuan(BANK_HOLDS)}）`);
    const width = await bank.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, "the page does not scroll sideways at phone width").to.be.at.most(PHONE.width);
    await bank.page.getByTestId("risk-panel").scrollIntoViewIfNeeded();
    await web.screenshot(bank.page, "overdue-zh-phone");
  });
});
