import { expect } from "chai";
import type { Page } from "playwright-core";
import { Wallet } from "ethers";
import { castKey, useBrowserStack } from "./browserStack";
import type { SignedInPage } from "./browserStack";

/**
 * The confirmation step before a funding and a repayment, in the browser (issue 18 item 5): the factor's Fund and
 * the anchor's Repay each show who receives how much, of which piece or receivable, backed by which invoice number;
 * nothing is signed or sent before the user confirms, cancel sends nothing, and confirming (even by a double
 * click) sends once. Screenshots in both languages: test-artifacts/web/confirm-*.png.
 */

const PIECE_1_1 = (1n << 32n) | 1n;

/** What the wallet was asked to sign or send since `from` (reads of the chain are not counted). */
function asked(wallet: SignedInPage["wallet"], from: number): string[] {
  return wallet.requests.slice(from).filter((method) => method.startsWith("eth_send") || method.startsWith("eth_sign") || method === "personal_sign");
}

async function text(page: Page, testId: string): Promise<string> {
  await page.getByTestId(testId).waitFor();
  return (await page.getByTestId(testId).textContent()) ?? "";
}

describe("the dApp in a real browser: funding and repaying are confirmed before anything is sent", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "confirm", restoreChain: true, clearScreenshots: true });

  it("the factor sees who it pays, how much, for which piece and invoice; cancel sends nothing, confirm funds once", async function () {
    const { financing } = web.stack.contracts;
    const bankAddress = new Wallet(castKey("bank")).address;
    const holder = await web.signIn("tier1");
    await holder.page.getByTestId("nav-finance").click();
    await holder.page.locator(`[data-testid=finance-piece] option[value="${PIECE_1_1}"]`).waitFor({ state: "attached" });
    await holder.page.getByTestId("finance-piece").selectOption(PIECE_1_1.toString());
    await holder.page.getByTestId("finance-value").fill("10,000.00");
    // The offers that fit (issue 17): in the demo only the bank offers; its quote is the one picked.
    await holder.page.getByTestId(`quote-${bankAddress}`).getByTestId("quote-pick").check();
    await holder.page.getByTestId("finance-sign").click();
    await holder.page.getByTestId("finance-result").waitFor();

    const bank = await web.signIn("bank");
    await bank.page.getByTestId("nav-factor").click();
    await bank.page.getByTestId("request-#1.1").getByTestId("run-check").click();
    await bank.page.getByTestId("check-passed").waitFor();
    const fundings = async () => (await financing.queryFilter(financing.filters.Funded())).length;
    const fundingsBefore = await fundings();
    const before = bank.wallet.requests.length;

    await bank.page.getByTestId("fund").click();
    const summary = await text(bank.page, "fund-summary");
    expect(summary).to.match(
      /^Pay [0-9,]+\.\d\d CNY to Brightview Displays for 10,000\.00 CNY of piece #1\.1 of receivable 1, backed by invoice BVD-INV-0001\.$/u,
    );
    const facts = await text(bank.page, "fund-facts");
    expect(facts).to.include("ReceivesBrightview Displays").and.include("InvoiceBVD-INV-0001");
    expect(asked(bank.wallet, before), "nothing asked of the wallet before confirming").to.deep.equal([]);
    expect(await bank.page.getByTestId("fund").isDisabled(), "Fund is not offered twice while the confirmation is open").to.equal(true);
    await web.screenshot(bank.page, "fund-dialog");
    await bank.page.getByTestId("language").click();
    expect(await text(bank.page, "fund-summary")).to.match(
      /^向 明视显示 支付 [0-9,]+\.\d\d 元，购买应收账款 1 的凭证 #1\.1 中的 10,000\.00 元，依据发票 BVD-INV-0001。$/u,
    );
    expect(await text(bank.page, "fund-confirmation"))
      .to.include("放款前请核对")
      .and.include("BVD-INV-0001")
      .and.include("10,000.00");
    await web.screenshot(bank.page, "fund-dialog-zh");
    await bank.page.getByTestId("language").click();

    await bank.page.getByTestId("fund-cancel").click();
    expect(await bank.page.getByTestId("fund-confirmation").count()).to.equal(0);
    expect(asked(bank.wallet, before), "cancel sends nothing").to.deep.equal([]);
    expect(await fundings()).to.equal(fundingsBefore);

    await bank.page.getByTestId("fund").click();
    await bank.page.getByTestId("fund-confirm").dblclick();
    await bank.page.getByTestId("fund-result").waitFor();
    expect(await fundings()).to.equal(fundingsBefore + 1);
    expect(await bank.page.locator("[role=alert]").count(), "no error beside the success").to.equal(0);
    await web.screenshot(bank.page, "fund-done");
  });

  it("the anchor sees how much it repays on which receivable, its invoice and who collects it; cancel sends nothing, confirm repays once", async function () {
    const { settlement } = web.stack.contracts;
    const anchor = await web.signIn("anchor");
    await anchor.page.getByTestId("nav-anchor").click();
    await anchor.page.getByTestId("repay-amount-2").fill("1,000.00");
    const repaidBefore = (await settlement.account(2n)).repaid;
    const eventsBefore = (await settlement.queryFilter(settlement.filters.Repaid(2n))).length;
    const before = anchor.wallet.requests.length;

    await anchor.page.getByTestId("repay-2").click();
    const summary = await text(anchor.page, "repay-summary");
    expect(summary).to.match(
      /^Pay 1,000\.00 CNY on receivable 2 \(supplier Brightview Displays, due \d{4}-\d\d-\d\d, outstanding [0-9,]+\.\d\d CNY\), backed by invoice BVD-INV-0002, collected by .*Brightview Displays \([0-9,]+\.\d\d CNY\).*\.$/u,
    );
    expect(summary).to.include("Pearl River Bank (");
    expect(asked(anchor.wallet, before), "nothing asked of the wallet before confirming").to.deep.equal([]);
    await web.screenshot(anchor.page, "repay-dialog");
    await anchor.page.getByTestId("language").click();
    expect(await text(anchor.page, "repay-confirmation"))
      .to.include("还款前请核对")
      .and.include("BVD-INV-0002")
      .and.include("1,000.00");
    expect(await text(anchor.page, "repay-summary"))
      .to.include("由 明视显示（")
      .and.include("、珠江银行（");
    await web.screenshot(anchor.page, "repay-dialog-zh");
    await anchor.page.getByTestId("language").click();

    await anchor.page.getByTestId("repay-cancel").click();
    expect(await anchor.page.getByTestId("repay-confirmation").count()).to.equal(0);
    expect(asked(anchor.wallet, before), "cancel sends nothing").to.deep.equal([]);
    expect((await settlement.account(2n)).repaid).to.equal(repaidBefore);

    await anchor.page.getByTestId("repay-2").click();
    await anchor.page.getByTestId("repay-confirm").dblclick();
    expect(await text(anchor.page, "anchor-result")).to.equal("Repaid 1,000.00 CNY on receivable 2.");
    expect((await settlement.account(2n)).repaid - repaidBefore).to.equal(1_000_00n);
    expect((await settlement.queryFilter(settlement.filters.Repaid(2n))).length).to.equal(eventsBefore + 1);
    expect(await anchor.page.locator("[role=alert]").count(), "no error beside the success").to.equal(0);
    await web.screenshot(anchor.page, "repay-done");
  });
});
