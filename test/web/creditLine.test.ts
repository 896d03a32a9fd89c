import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import { calendarDateCst } from "../../src/chain/membership";
import { formatCny } from "../../src/finance/money";
import { ApiClient } from "../../src/api/wire/client";
import { PHONE, castKey, useBrowserStack } from "./browserStack";

/**
 * The anchor's credit line in the dApp, as the anchor and a factor see it. The seeded story gives Huaxin Mobile a
 * 3,000,000.00 CNY line and confirms 1,500,000.00 CNY against it: the anchor console shows the line, used, free and
 * the review date; a repayment made on the page frees the line by its amount; a line the operator lowers below what is
 * owed is shown as such; the factor desk shows the anchor's line use beside the check of a waiting request. In
 * Chinese at phone width the card stays readable. Screenshots go to test-artifacts/web/.
 */

const SEEDED_LINE = 3_000_000_00n;
const SEEDED_OWED = 1_500_000_00n;

describe("the dApp in a real browser: the anchor's credit line", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "credit-line", restoreChain: true, clearScreenshots: true });

  async function figure(page: Page, testId: string): Promise<string> {
    const cell = page.getByTestId("credit-line").getByTestId(testId);
    await cell.waitFor();
    return ((await cell.textContent()) ?? "").trim();
  }

  async function anchorId(): Promise<bigint> {
    return web.stack.contracts.registry.memberIdOf(new Wallet(castKey("anchor")).address);
  }

  it("the anchor console shows the line, used, free and the review date, and a repayment on the page frees the line", async function () {
    const { receivableToken: token } = web.stack.contracts;
    const line = await token.creditLine(await anchorId());
    expect([line.limit, line.outstanding]).to.deep.equal([SEEDED_LINE, SEEDED_OWED]);

    const anchor = await web.signIn("anchor");
    await anchor.page.getByTestId("nav-anchor").click();
    expect(await figure(anchor.page, "line-limit")).to.equal(formatCny(SEEDED_LINE));
    expect(await figure(anchor.page, "line-used")).to.equal(formatCny(SEEDED_OWED));
    expect(await figure(anchor.page, "line-free")).to.equal(formatCny(SEEDED_LINE - SEEDED_OWED));
    expect(await figure(anchor.page, "line-review")).to.equal(calendarDateCst(line.reviewDate));
    await web.screenshot(anchor.page, "anchor-console");

    // Repay 400,000.00 of receivable 1 from the page: the line frees by exactly that.
    const repaid = 400_000_00n;
    await anchor.page.getByTestId("repay-amount-1").fill("400,000.00");
    await anchor.page.getByTestId("repay-1").click();
    await anchor.page.getByTestId("repay-confirm").click();
    await anchor.page.getByTestId("anchor-result").waitFor();
    await anchor.page
      .getByTestId("credit-line")
      .getByText(formatCny(SEEDED_OWED - repaid))
      .waitFor();
    expect(await figure(anchor.page, "line-used")).to.equal(formatCny(SEEDED_OWED - repaid));
    expect(await figure(anchor.page, "line-free")).to.equal(formatCny(SEEDED_LINE - SEEDED_OWED + repaid));
    expect((await token.creditLine(await anchorId())).outstanding).to.equal(SEEDED_OWED - repaid);
    await web.screenshot(anchor.page, "after-repayment");
  });

  it("a line the operator lowers below what is owed is shown as such, in Chinese at phone width too", async function () {
    const { receivableToken: token } = web.stack.contracts;
    const operator = new Wallet(castKey("operator"), hre.ethers.provider);
    const current = await token.creditLine(await anchorId());
    const lower = 500_000_00n;
    await (await token.connect(operator).setCreditLine(await anchorId(), lower, current.reviewDate)).wait();

    const anchor = await web.signIn("anchor", PHONE);
    await anchor.page.getByTestId("nav-anchor").click();
    expect(await figure(anchor.page, "line-limit")).to.equal(formatCny(lower));
    expect(await figure(anchor.page, "line-free")).to.equal(formatCny(0n));
    expect(await anchor.page.getByTestId("credit-line").textContent()).to.contain("new confirmations wait until repayments bring the total under it");
    await anchor.page.getByTestId("language").click();
    await anchor.page.getByTestId("credit-line").getByText("授信额度").waitFor();
    expect(await anchor.page.getByTestId("credit-line").textContent()).to.contain("可用额度");
    const width = await anchor.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, "the page does not scroll sideways at phone width").to.be.at.most(PHONE.width);
    await web.screenshot(anchor.page, "lowered-zh-phone");
  });

  it("the factor desk shows the anchor's line use beside the check of a waiting request", async function () {
    if (web.stack.seeded === null) throw new Error("not seeded");
    const { receivableToken: token } = web.stack.contracts;
    const url = web.stack.url;
    // Tier 2 asks the bank to fund 1,000.00 of its piece, through the API as the dApp would.
    const tier2 = new Wallet(castKey("tier2"));
    const client = new ApiClient(url);
    const { token: session } = await client.signIn(tier2);
    const block = await web.stack.provider.getBlock("latest");
    const bank = new Wallet(castKey("bank")).address;
    const request = {
      tokenId: web.stack.seeded.pieces.tier2Glass,
      value: 1_000_00n,
      minPrice: 900_00n,
      factor: bank,
      withRecourse: false,
      deadline: BigInt(block?.timestamp ?? 0) + 3600n,
      nonce: 4242n,
    };
    const wire = Object.fromEntries(Object.entries(request).map(([key, value]) => [key, typeof value === "boolean" ? value : String(value)]));
    const holderSignature = await signFundingRequest(tier2, financingDomain(web.stack.chainId, web.stack.addresses.financing), request);
    const posted = await fetch(`${url}/v1/funding-requests`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session}` },
      body: JSON.stringify({ request: wire, holderSignature }),
    });
    expect(posted.status).to.equal(201);

    const line = await token.creditLine(await anchorId());
    const percent = (line.outstanding * 100n) / line.limit;
    const expected = `Anchor's line: ${formatCny(line.outstanding)} of ${formatCny(line.limit)} used (${percent}%)`;
    const factor = await web.signIn("bank");
    await factor.page.getByTestId("nav-factor").click();
    const row = factor.page.getByTestId(`request-#${request.tokenId >> 32n}.${request.tokenId & 0xffff_ffffn}`);
    const use = row.getByTestId("anchor-line-use");
    await use.waitFor();
    expect(((await use.textContent()) ?? "").trim()).to.equal(expected);
    await web.screenshot(factor.page, "factor-desk");
  });
});
