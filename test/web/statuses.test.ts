import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { formatCny } from "../../src/finance/money";
import { calendarDateCst } from "../../src/chain/membership";
import { pieceName, tokenIdOf } from "../../src/chain/tokenId";
import { PHONE, castKey, useBrowserStack } from "./browserStack";

/**
 * True statuses in the dApp (issue 18 item 3), as the roles see them: the anchor repays receivable 2 (500,000.00 CNY,
 * Brightview keeps #2.1 of 300,000.00, Pearl River Bank bought #2.2 of 200,000.00) in part, the receivable falls
 * overdue, the bank collects its share, the anchor repays the rest. At each step the holder's portfolio and the
 * bank's book show the repaid share, claimable now, claimed, still due and overdue since, and the anchor sees its
 * debts as debts (应付 in Chinese), never as holdings (持有中). Screenshots go to test-artifacts/web/statuses-*.png.
 */

const SLOT = 2n;
const HOLDER_PIECE = tokenIdOf(SLOT, 1n);
const BANK_PIECE = tokenIdOf(SLOT, 2n);

/** An amount as every page writes it, without the currency (the language decides how that reads). */
function amount(fen: bigint): string {
  return formatCny(fen).replace(" CNY", "");
}

describe("the dApp in a real browser: true statuses of pieces and debts", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "statuses", restoreChain: true, clearScreenshots: true });

  /** Waits until the index has applied the chain's head: a page opened next shows every transaction sent so far. */
  async function indexCaughtUp(): Promise<void> {
    await web.stack.indexer.waitForBlock(await hre.ethers.provider.getBlockNumber());
  }

  async function cell(page: Page, row: string, column: string): Promise<string> {
    const locator = page.getByTestId(row).getByTestId(column);
    await locator.waitFor();
    return ((await locator.textContent()) ?? "").trim();
  }

  async function openBook(page: Page): Promise<void> {
    await page.getByTestId("nav-factor").click();
    await page.getByTestId("book-table").waitFor();
  }

  async function openPortfolio(page: Page): Promise<void> {
    await page.getByTestId("nav-portfolio").click();
    await page.getByTestId("portfolio-table").waitFor();
  }

  async function openAnchor(page: Page): Promise<void> {
    await page.getByTestId("nav-anchor").click();
    await page.getByTestId("obligations-table").waitFor();
  }

  /** The anchor repays on receivable 2 through its page: amount, confirmation, one transaction. */
  async function repayInDapp(page: Page, text: string): Promise<void> {
    await page.getByTestId(`repay-amount-${SLOT}`).fill(text);
    await page.getByTestId(`repay-${SLOT}`).click();
    await page.getByTestId("repay-confirm").click();
    await page.getByTestId("anchor-result").waitFor();
  }

  async function overflowOf(page: Page, testId: string): Promise<number> {
    return page.evaluate((id) => {
      const card = document.querySelector(`[data-testid=${id}]`);
      return card === null ? Number.NaN : card.scrollWidth - card.clientWidth;
    }, testId);
  }

  it("a partial repayment before maturity: each piece's repaid share waits for maturity, the rest still due; the anchor owes (应付)", async function () {
    const anchor = await web.signIn("anchor");
    await anchor.page.getByTestId("language").click();
    await openAnchor(anchor.page);
    expect(await cell(anchor.page, `debt-${SLOT}`, "debt-state")).to.equal("应付");
    expect(await cell(anchor.page, "debt-1", "debt-state")).to.equal("应付");
    expect(await anchor.page.getByTestId("obligations-table").textContent()).not.to.contain("持有中");

    await repayInDapp(anchor.page, "200,000.00");
    expect(await cell(anchor.page, `debt-${SLOT}`, "outstanding")).to.contain(amount(300_000_00n));
    expect(await cell(anchor.page, `debt-${SLOT}`, "debt-state")).to.equal("应付");
    expect(await cell(anchor.page, `debt-${SLOT}`, "overdue-since")).to.equal("—");
    await web.screenshot(anchor.page, "anchor-partial-zh");

    await indexCaughtUp();
    const holder = await web.signIn("tier1");
    await openPortfolio(holder.page);
    const row = `piece-${pieceName(HOLDER_PIECE)}`;
    // 300,000.00 of a 500,000.00 receivable, 200,000.00 repaid: 120,000.00 (40.00%), not claimable before maturity.
    expect(await cell(holder.page, row, "repaid-share"))
      .to.contain(amount(120_000_00n))
      .and.contain("40.00%");
    expect(await cell(holder.page, row, "claimable"))
      .to.contain(amount(0n))
      .and.contain(`${amount(120_000_00n)} CNY repaid, claimable from maturity`);
    expect(await cell(holder.page, row, "claimed")).to.contain(amount(0n));
    expect(await cell(holder.page, row, "still-due")).to.contain(amount(180_000_00n));
    expect(await holder.page.getByTestId(row).getByTestId("overdue-since").count(), "not overdue: no date").to.equal(0);
    expect(await cell(holder.page, row, "standing")).to.equal("not yet due");
    await web.screenshot(holder.page, "portfolio-partial");

    const bank = await web.signIn("bank");
    await openBook(bank.page);
    const book = `book-${pieceName(BANK_PIECE)}`;
    expect(await cell(bank.page, book, "repaid-share")).to.contain(amount(80_000_00n));
    expect(await cell(bank.page, book, "claimable")).to.contain(amount(0n));
    expect(await cell(bank.page, book, "still-due")).to.contain(amount(120_000_00n));
    await web.screenshot(bank.page, "book-partial");
  });

  it("overdue after grace, the bank collects its share, the anchor repays the rest: nothing still due, the rest claimable", async function () {
    const { settlement, receivableToken } = web.stack.contracts;
    const maturity = (await receivableToken.receivable(SLOT)).maturity;
    const graceEnds = maturity + (await settlement.gracePeriod());
    await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(graceEnds + 86_400n)] });
    await hre.network.provider.request({ method: "evm_mine" });
    await indexCaughtUp();
    const overdueSince = calendarDateCst(graceEnds + 1n);

    const bank = await web.signIn("bank");
    await openBook(bank.page);
    const book = `book-${pieceName(BANK_PIECE)}`;
    expect(await cell(bank.page, book, "standing")).to.equal("overdue");
    expect(await cell(bank.page, book, "overdue-since")).to.equal(`overdue since ${overdueSince}`);
    expect(await cell(bank.page, book, "claimable")).to.contain(amount(80_000_00n));
    expect(await settlement.claimable(BANK_PIECE)).to.equal(80_000_00n);
    await web.screenshot(bank.page, "book-overdue");

    // The bank collects its 80,000.00 (the Claims page is tested in claims.test.ts).
    const bankWallet = new Wallet(castKey("bank"), hre.ethers.provider);
    await (await settlement.connect(bankWallet).claim(BANK_PIECE)).wait();

    const anchor = await web.signIn("anchor");
    await anchor.page.getByTestId("language").click();
    await openAnchor(anchor.page);
    expect(await cell(anchor.page, `debt-${SLOT}`, "debt-state")).to.equal("已逾期");
    expect(await cell(anchor.page, `debt-${SLOT}`, "overdue-since")).to.equal(overdueSince);
    await web.screenshot(anchor.page, "anchor-overdue-zh");
    await repayInDapp(anchor.page, "300,000.00");
    expect(await cell(anchor.page, `debt-${SLOT}`, "outstanding")).to.contain(amount(0n));
    expect(await cell(anchor.page, `debt-${SLOT}`, "debt-state")).to.equal("已还清");
    expect(await cell(anchor.page, `debt-${SLOT}`, "overdue-since")).to.equal("—");
    expect(await cell(anchor.page, "debt-1", "debt-state")).to.equal("应付");
    await web.screenshot(anchor.page, "anchor-repaid-zh");

    await indexCaughtUp();
    await bank.page.reload();
    await bank.page.getByTestId("signed-in-as").waitFor();
    await openBook(bank.page);
    // The incident: a fully repaid piece showed "repaid" with "still due 200,000.00".
    expect(await cell(bank.page, book, "standing")).to.equal("repaid, to collect");
    expect(await cell(bank.page, book, "still-due")).to.contain(amount(0n));
    expect(await cell(bank.page, book, "claimed")).to.contain(amount(80_000_00n));
    expect(await cell(bank.page, book, "claimable")).to.contain(amount(120_000_00n));
    expect(await cell(bank.page, book, "repaid-share"))
      .to.contain(amount(200_000_00n))
      .and.contain("100.00%");
    expect(await bank.page.getByTestId(book).getByTestId("overdue-since").count(), "repaid: no longer overdue").to.equal(0);
    expect(await settlement.claimable(BANK_PIECE)).to.equal(120_000_00n);
    await web.screenshot(bank.page, "book-repaid");

    const holder = await web.signIn("tier1", PHONE);
    await holder.page.getByTestId("language").click();
    await openPortfolio(holder.page);
    const row = `piece-${pieceName(HOLDER_PIECE)}`;
    expect(await cell(holder.page, row, "standing")).to.equal("已兑付，待领取");
    expect(await cell(holder.page, row, "claimable")).to.contain(amount(300_000_00n));
    expect(await cell(holder.page, row, "still-due")).to.contain(amount(0n));
    expect(await overflowOf(holder.page, "portfolio-page"), "the portfolio card does not overflow at 360 px").to.be.at.most(0);
    await web.screenshot(holder.page, "portfolio-repaid-zh-phone");

    const bankPhone = await web.signIn("bank", PHONE);
    await bankPhone.page.getByTestId("language").click();
    await openBook(bankPhone.page);
    expect(await overflowOf(bankPhone.page, "factor-book"), "the book does not overflow at 360 px").to.be.at.most(0);
    await web.screenshot(bankPhone.page, "book-repaid-zh-phone");
  });
});
