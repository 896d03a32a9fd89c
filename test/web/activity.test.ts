import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { formatCny } from "../../src/finance/money";
import { castKey, PHONE, useBrowserStack } from "./browserStack";
import { pieceName, tokenIdOf } from "../../src/chain/tokenId";

/**
 * Activity and Cash in the dApp, as members would use them (issue 18 items 2 and 8): a clerk whose transfer went out
 * reloads and finds it in Activity, named by piece and member; the seeded funding shows as cash received for the
 * holder and paid for the factor; the anchor sees what it owes against what it holds before repaying (with a plain
 * warning when short), repays, and the factor collects — both show in Activity and Cash. Chinese at phone width,
 * inside the card. Screenshots go to test-artifacts/web/.
 */

const CLEARWATER_PIECE = tokenIdOf(1n, 2n);
const SENT = 50_000_00n;

describe("the dApp in a real browser: each member's activity and cash", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "activity", restoreChain: true, clearScreenshots: true });

  async function open(page: Page, route: "activity" | "cash"): Promise<void> {
    await page.getByTestId(`nav-${route}`).click();
    await page.getByTestId(`${route}-page`).waitFor();
    await page.locator(`[data-testid=${route}-table], [data-testid=${route}-empty]`).first().waitFor();
  }

  async function rowText(page: Page, testId: string): Promise<string> {
    const row = page.getByTestId(testId).first();
    await row.waitFor();
    return ((await row.textContent()) ?? "").trim();
  }

  it("a transfer sent, then a reload: Activity shows it went through, by piece and member name", async function () {
    const clearwater = await web.signIn("tier2");
    await open(clearwater.page, "activity");
    expect(await clearwater.page.getByTestId("activity-sent").count()).to.equal(0);
    const received = await rowText(clearwater.page, "activity-received");
    expect(received)
      .to.contain(pieceName(CLEARWATER_PIECE))
      .and.contain("Brightview Displays")
      .and.contain(formatCny(300_000_00n).replace(" CNY", ""));

    // The clerk's wallet sends the transfer; the page is reloaded before it has shown anything of it.
    const signer = new Wallet(castKey("tier2"), hre.ethers.provider);
    const tier3 = new Wallet(castKey("tier3")).address;
    const { receivableToken } = web.stack.contracts;
    await (await receivableToken.connect(signer)["transferFrom(uint256,address,uint256)"](CLEARWATER_PIECE, tier3, SENT)).wait();
    await clearwater.page.reload();
    await clearwater.page.getByTestId("signed-in-as").waitFor();
    await open(clearwater.page, "activity");
    const sent = await rowText(clearwater.page, "activity-sent");
    expect(sent).to.contain("Sent a piece").and.contain(pieceName(CLEARWATER_PIECE)).and.contain("Golden Sands Silica").and.contain("50,000.00");
    expect(sent).to.match(/block \d+/u);
    expect(sent, "the counterparty by name, not its address").not.to.contain(tier3.slice(0, 8));
    // Newest first: the transfer is above the piece's arrival.
    const kinds = await clearwater.page
      .locator("[data-testid=activity-table] tbody tr")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-kind")));
    expect(kinds.slice(0, 2)).to.deep.equal(["sent", "received"]);
    await web.screenshot(clearwater.page, "transfer-after-reload");

    const goldenSands = await web.signIn("tier3");
    await open(goldenSands.page, "activity");
    expect(await rowText(goldenSands.page, "activity-received"))
      .to.contain("Clearwater Glass")
      .and.contain("50,000.00");
  });

  it("a funding: cash received for the holder, paid for the factor, each naming the other", async function () {
    const brightview = await web.signIn("tier1");
    await open(brightview.page, "cash");
    const received = await rowText(brightview.page, "cash-fundingReceived");
    expect(received).to.contain("Received for a funding").and.contain("Pearl River Bank");
    const { settlementToken } = web.stack.contracts;
    const balance = await settlementToken.balanceOf(new Wallet(castKey("tier1")).address);
    expect(await rowText(brightview.page, "cash-balance")).to.contain(formatCny(balance).replace(" CNY", ""));
    await open(brightview.page, "activity");
    expect(await rowText(brightview.page, "activity-financed")).to.contain("Pearl River Bank");
    await web.screenshot(brightview.page, "holder-activity");

    const bank = await web.signIn("bank");
    await open(bank.page, "cash");
    expect(await rowText(bank.page, "cash-fundingPaid"))
      .to.contain("Paid to fund a piece")
      .and.contain("Brightview Displays");
    await web.screenshot(bank.page, "factor-cash");
  });

  it("the anchor sees what it owes against its balance, repays; the factor collects; both show in Activity and Cash", async function () {
    const { settlement, settlementToken } = web.stack.contracts;
    // The anchor has paid most of its deposits away: 1,000,000.00 left against 1,500,000.00 owed.
    const anchorAddress = new Wallet(castKey("anchor")).address;
    const brightview = new Wallet(castKey("tier1")).address;
    const spare = (await settlementToken.balanceOf(anchorAddress)) - 1_000_000_00n;
    expect(spare > 0n, "the seeded anchor holds more than 1,000,000.00").to.equal(true);
    await (await settlementToken.connect(new Wallet(castKey("anchor"), hre.ethers.provider)).transfer(brightview, spare)).wait();
    const anchor = await web.signIn("anchor");
    await anchor.page.getByTestId("nav-anchor").click();
    const cover = await rowText(anchor.page, "repay-cover");
    expect(cover).to.contain("1,500,000.00").and.contain("1,000,000.00");
    expect(await rowText(anchor.page, "repay-cover-short"))
      .to.contain("does not cover")
      .and.contain("500,000.00");
    await web.screenshot(anchor.page, "anchor-cover-short");
    const balance = await settlementToken.balanceOf(anchorAddress);

    const outstanding = (await web.stack.contracts.receivableToken.receivable(2n)).faceValue - (await settlement.account(2n)).repaid;
    expect(balance >= outstanding, "the seeded anchor holds enough to repay receivable 2").to.equal(true);
    await anchor.page.getByTestId("repay-amount-2").fill(formatCny(outstanding).replace(" CNY", ""));
    await anchor.page.getByTestId("repay-2").click();
    await anchor.page.getByTestId("repay-confirm").click();
    await anchor.page.getByTestId("anchor-result").waitFor();
    await open(anchor.page, "activity");
    expect(await rowText(anchor.page, "activity-repaid"))
      .to.contain("Repaid")
      .and.contain("receivable 2")
      .and.contain(formatCny(outstanding).replace(" CNY", ""));
    await open(anchor.page, "cash");
    expect(await rowText(anchor.page, "cash-repayment")).to.contain("Settlement (repayments and claims)");
    expect(await rowText(anchor.page, "cash-transfer"))
      .to.contain("Transfer")
      .and.contain("Brightview Displays");

    const bank = await web.signIn("bank");
    await bank.page.getByTestId("nav-claims").click();
    await bank.page.getByTestId("claims-table").waitFor();
    await bank.page.getByTestId("claim-all").click();
    await bank.page.getByTestId("claims-result").waitFor();
    await open(bank.page, "activity");
    expect(await rowText(bank.page, "activity-claimed"))
      .to.contain("Claimed")
      .and.contain("200,000.00");
    await open(bank.page, "cash");
    expect(await rowText(bank.page, "cash-claim"))
      .to.contain("Claim paid out")
      .and.contain("200,000.00")
      .and.contain("Settlement");
    await web.screenshot(bank.page, "factor-claimed");
  });

  it("in Chinese at phone width, Activity and Cash read in Chinese and stay inside their cards", async function () {
    const bank = await web.signIn("bank", PHONE);
    await bank.page.getByTestId("language").click();
    for (const route of ["activity", "cash"] as const) {
      await open(bank.page, route);
      const text = await rowText(bank.page, `${route}-page`);
      if (route === "activity") expect(text).to.contain("动态").and.contain("领取兑付").and.contain("为凭证放款").and.contain("明视显示");
      else expect(text).to.contain("余额").and.contain("兑付到账").and.contain("融资放款").and.contain("清算合约");
      const overflow = await bank.page.evaluate((id) => {
        const card = document.querySelector(`[data-testid=${id}]`);
        return card === null ? Number.NaN : card.scrollWidth - card.clientWidth;
      }, `${route}-page`);
      expect(overflow, `the ${route} card does not overflow at 360 px`).to.be.at.most(0);
      await web.screenshot(bank.page, `zh-phone-${route}`);
    }
  });
});
