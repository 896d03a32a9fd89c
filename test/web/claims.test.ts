import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { formatCny } from "../../src/finance/money";
import { cnyIn } from "../../src/web/lib/money";
import { castKey, useBrowserStack } from "./browserStack";
import { pieceName, tokenIdOf } from "../../src/chain/tokenId";

/**
 * Collecting at maturity in the dApp, as holders would: nothing is claimable before maturity on a partial
 * repayment; after maturity each holder sees and collects exactly its pro-rata share, a double click sends one
 * transaction, and once the anchor has repaid the rest the piece collects exactly its remaining value and is gone.
 * In Chinese at phone width the table scrolls inside its card. Screenshots go to test-artifacts/web/.
 */

const SLOT = 1n;
const TIER1_PIECE = tokenIdOf(SLOT, 1n);
const TIER2_PIECE = tokenIdOf(SLOT, 2n);

describe("the dApp in a real browser: holders collect what the anchor repaid", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "claims", restoreChain: true });

  async function openClaims(page: Page): Promise<void> {
    await page.getByTestId("nav-claims").click();
    await page.getByTestId("claims-table").waitFor();
  }

  async function claimableShown(page: Page, tokenId: bigint): Promise<string> {
    const name = pieceName(tokenId);
    const cell = page.getByTestId(`claim-${name}`).getByTestId("claimable");
    await cell.waitFor();
    return ((await cell.textContent()) ?? "").trim();
  }

  async function repay(amount: bigint): Promise<void> {
    const anchor = new Wallet(castKey("anchor"), hre.ethers.provider);
    const { settlementToken, settlement } = web.stack.contracts;
    await (await settlementToken.connect(anchor).approve(await settlement.getAddress(), amount)).wait();
    await (await settlement.connect(anchor).repay(SLOT, amount)).wait();
  }

  it("a partial repayment pays nothing before maturity, then each holder's exact share with one transaction per click", async function () {
    const { settlement, settlementToken, receivableToken } = web.stack.contracts;
    await repay(600_000_00n);

    const tier1 = await web.signIn("tier1");
    await openClaims(tier1.page);
    expect(await claimableShown(tier1.page, TIER1_PIECE)).to.equal(formatCny(0n));
    expect(await tier1.page.getByTestId("claim-all").isDisabled()).to.equal(true);
    // Still due is what the anchor owes on the piece (280,000.00), not its value less what was collected: the
    // repaid 420,000.00 only waits for maturity.
    expect(
      await tier1.page
        .getByTestId(`claim-${pieceName(TIER1_PIECE)}`)
        .getByTestId("still-due")
        .textContent(),
    ).to.equal(formatCny(280_000_00n));
    await web.screenshot(tier1.page, "before-maturity");

    const maturity = (await receivableToken.receivable(SLOT)).maturity;
    await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(maturity)] });
    await hre.network.provider.request({ method: "evm_mine" });

    // Away and back: the page reads the chain afresh when it opens.
    await tier1.page.getByTestId("nav-portfolio").click();
    await tier1.page.getByTestId("portfolio-page").waitFor();
    await openClaims(tier1.page);
    // 700,000.00 of a 1,000,000.00 receivable, 600,000.00 repaid: 420,000.00, as the contract itself says.
    const expected = (700_000_00n * 600_000_00n) / 1_000_000_00n;
    expect(await settlement.claimable(TIER1_PIECE)).to.equal(expected);
    expect(await claimableShown(tier1.page, TIER1_PIECE)).to.equal(formatCny(expected));
    await web.screenshot(tier1.page, "after-maturity");

    const cashBefore = await settlementToken.balanceOf(tier1.wallet.address);
    const sentBefore = tier1.wallet.requests.filter((method) => method === "eth_sendTransaction").length;
    await tier1.page.getByTestId("claim-all").dblclick();
    await tier1.page.getByTestId("claims-result").waitFor();
    const sent = tier1.wallet.requests.filter((method) => method === "eth_sendTransaction").length - sentBefore;
    expect(sent, "a double click sends one claim").to.equal(1);
    expect((await settlementToken.balanceOf(tier1.wallet.address)) - cashBefore).to.equal(expected);
    expect(await tier1.page.getByTestId("claims-result").textContent()).to.contain(formatCny(expected).replace(" CNY", ""));
    expect(await claimableShown(tier1.page, TIER1_PIECE)).to.equal(formatCny(0n));
    expect(await tier1.page.getByTestId("claims-totals").textContent()).to.contain(
      formatCny(await settlementToken.balanceOf(tier1.wallet.address)).replace(" CNY", ""),
    );
    await web.screenshot(tier1.page, "collected-partial");
  });

  it("after the rest is repaid a piece collects exactly its remaining value and is redeemed", async function () {
    const { settlement, settlementToken, receivableToken } = web.stack.contracts;
    await repay(400_000_00n);
    const tier1 = await web.signIn("tier1");
    await openClaims(tier1.page);
    const remaining = 700_000_00n - (await settlement.claimedBy(TIER1_PIECE));
    expect(remaining).to.equal(280_000_00n);
    expect(await claimableShown(tier1.page, TIER1_PIECE)).to.equal(formatCny(remaining));
    const cashBefore = await settlementToken.balanceOf(tier1.wallet.address);
    await tier1.page.getByTestId(`claim-#1.1`).getByTestId("claim-one").click();
    await tier1.page.getByTestId("claims-result").waitFor();
    expect((await settlementToken.balanceOf(tier1.wallet.address)) - cashBefore).to.equal(remaining);
    expect(await receivableToken.exists(TIER1_PIECE)).to.equal(false);
    await tier1.page.getByTestId("claim-#1.1").waitFor({ state: "detached" });
    await web.screenshot(tier1.page, "collected-full");
  });

  it("in Chinese at phone width the holder of the other piece sees its whole value claimable, inside the card", async function () {
    const tier2 = await web.signIn("tier2", { width: 360, height: 780 });
    await tier2.page.getByTestId("language").click();
    await openClaims(tier2.page);
    expect(await claimableShown(tier2.page, TIER2_PIECE)).to.equal(cnyIn("zh", 300_000_00n));
    expect(await tier2.page.getByTestId("claims-page").textContent()).to.contain("到期兑付");
    const overflow = await tier2.page.evaluate(() => {
      const card = document.querySelector("[data-testid=claims-page]");
      return card === null ? Number.NaN : card.scrollWidth - card.clientWidth;
    });
    expect(overflow, "the claims card does not overflow at 360 px").to.be.at.most(0);
    await web.screenshot(tier2.page, "zh-phone");
  });
});
