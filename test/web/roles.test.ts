import hre from "hardhat";
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { CastKey } from "../../src/demo/cast";
import { emitWalletEvent, injectWallet } from "./wallet";
import { DESKTOP, PHONE, castKey, useBrowserStack } from "./browserStack";

/**
 * The dApp as a clerk uses it all day, in chromium: every role's every page at phone width (360 px) in both
 * languages with nothing wider than the screen; a reload keeps the member signed in on its page; signing out and in
 * as another member starts on the new member's own page; a page the role may not use, typed by URL, says so; a
 * double click on Repay repays once; several installed wallets are offered by name (EIP-6963), and a change of account
 * or network in the wallet signs the page out at once, saying why. Screenshots go to test-artifacts/web/.
 */

describe("the dApp in a real browser: every role at phone width, reloads, sign-out, forbidden pages, double clicks", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "roles", restoreChain: true });

  /** Waits until the page has no loading text and no action in progress. */
  async function settled(page: Page): Promise<void> {
    await page.locator("main").first().waitFor();
    await page.waitForFunction(() => {
      const text = document.body.innerText;
      return !text.includes("Loading…") && !text.includes("加载中…") && document.querySelector(".progress") === null;
    });
  }

  /** How many CSS pixels the page is wider than the window (0 when nothing overflows). */
  async function horizontalOverflow(page: Page): Promise<number> {
    return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
  }

  it("every role's every page fits a 360 px phone in English and in Chinese", async function () {
    const overflowing: string[] = [];
    const roles: CastKey[] = ["anchor", "tier1", "tier2", "carrier", "bank", "auditor", "operator"];
    for (const key of roles) {
      const { page } = await web.signIn(key, PHONE);
      const routes = await page.locator("nav a").evaluateAll((links) => links.map((link) => (link.getAttribute("href") ?? "").replace(/^#\//u, "")));
      expect(routes.length, `${key} has a menu`).to.be.greaterThan(0);
      for (const language of ["en", "zh"] as const) {
        const current = await page.locator("html").getAttribute("lang");
        if ((current === "zh-CN") !== (language === "zh")) await page.getByTestId("language").click();
        for (const route of routes) {
          await page.getByTestId(`nav-${route}`).click();
          await settled(page);
          const overflow = await horizontalOverflow(page);
          if (overflow > 0) overflowing.push(`${key} ${language} #/${route}: ${overflow}px`);
          await web.screenshot(page, `phone-${language}-${key}-${route}`);
        }
      }
    }
    expect(overflowing, "pages wider than a phone").to.deep.equal([]);
  });

  it("a reload keeps the member signed in on the page it was on", async function () {
    const { page, wallet } = await web.signIn("tier1");
    await page.getByTestId("nav-finance").click();
    await page.getByTestId("finance-page").waitFor();
    const signInsBefore = wallet.requests.filter((method) => method === "personal_sign").length;
    await page.reload();
    await page.getByTestId("finance-page").waitFor();
    expect(await page.getByTestId("signed-in-as").textContent()).to.contain("Brightview Displays");
    expect(await page.getByTestId("connect-wallet").count()).to.equal(0);
    expect(wallet.requests.filter((method) => method === "personal_sign").length, "no second signature").to.equal(signInsBefore);
    await web.screenshot(page, "reloaded-finance");
  });

  it("signing out and in as another member starts on the new member's own page, with its own data", async function () {
    const { page } = await web.signIn("tier1");
    await page.getByTestId("nav-finance").click();
    await page.getByTestId("finance-page").waitFor();
    await page.getByRole("button", { name: /Sign out/u }).click();
    await page.getByTestId("signin-page").waitFor();
    // A stale tab of the previous member, reloaded, must not resume it either.
    await page.reload();
    await page.getByTestId("signin-page").waitFor();
    await page.getByRole("button", { name: "Sign in as Pearl River Bank" }).click();
    await page.getByTestId("signed-in-as").waitFor();
    await page.getByTestId("portfolio-page").waitFor();
    expect(page.url()).to.match(/#\/portfolio$/u);
    expect(await page.getByTestId("signed-in-as").textContent()).to.contain("Pearl River Bank");
    await settled(page);
    expect(await page.getByTestId("portfolio-page").textContent()).not.to.contain("#1.1");
    await web.screenshot(page, "switched-to-bank");
  });

  it("a page the role may not use, typed by URL, says so in the user's language", async function () {
    const { page } = await web.signIn("tier2");
    await page.goto(`${web.stack.url}/#/factor`);
    await page.getByTestId("not-allowed").waitFor();
    expect(await page.getByTestId("not-allowed").textContent()).to.contain("Factor desk");
    expect(await page.getByTestId("factor-page").count()).to.equal(0);
    await page.getByTestId("language").click();
    expect(await page.getByTestId("not-allowed").textContent()).to.contain("保理工作台");
    await web.screenshot(page, "not-allowed-zh");
  });

  it("a double click on Repay repays once", async function () {
    const { settlement } = web.stack.contracts;
    const { page } = await web.signIn("anchor");
    await page.getByTestId("nav-anchor").click();
    await page.getByTestId("repay-amount-2").fill("1,000.00");
    const repaidBefore = (await settlement.account(2n)).repaid;
    await page.getByTestId("repay-2").dblclick();
    await page.getByTestId("repay-confirm").dblclick();
    await page.getByTestId("anchor-result").waitFor();
    await settled(page);
    const repaidEvents = await settlement.queryFilter(settlement.filters.Repaid(2n));
    expect((await settlement.account(2n)).repaid - repaidBefore).to.equal(1_000_00n);
    expect(repaidEvents.length).to.equal(1);
    expect(await page.locator("[role=alert]").count(), "no raw nonce error beside the success").to.equal(0);
  });

  it("several installed wallets are offered by name, and the second one signs in", async function () {
    const context = await web.newContext(DESKTOP);
    await injectWallet(context, castKey("tier1"), hre.network.provider);
    const page = await context.newPage();
    await page.goto(web.stack.url);
    await page.getByTestId("signin-page").waitFor();
    expect(await page.getByTestId("connect-wallet").textContent()).to.contain("Chainbill Test Wallet");
    const second = page.getByTestId("connect-wallet-org.chainbill.secondwallet");
    expect(await second.textContent()).to.contain("Second Test Wallet");
    await web.screenshot(page, "wallets-discovered");
    await second.click();
    await page.getByTestId("signed-in-as").waitFor();
    expect(await page.getByTestId("signed-in-as").textContent()).to.contain("Brightview Displays");
  });

  it("a change of account in the wallet signs the page out at once and says so; the new account signs in as its member", async function () {
    const { page, wallet } = await web.signIn("tier1");
    await page.getByTestId("nav-transfer").click();
    await page.getByTestId("transfer-page").waitFor();
    wallet.switchTo(castKey("tier2"));
    await emitWalletEvent(page, "accountsChanged", [wallet.address]);
    await page.getByTestId("signin-page").waitFor();
    const notice = (await page.getByTestId("wallet-notice").textContent()) ?? "";
    expect(notice).to.contain("switched to another account");
    expect(notice).to.contain(wallet.address.slice(0, 6));
    await web.screenshot(page, "wallet-account-changed");
    await page.getByTestId("connect-wallet").click();
    await page.getByTestId("signed-in-as").waitFor();
    expect(await page.getByTestId("signed-in-as").textContent()).to.contain("Clearwater Glass");
    expect(page.url()).to.match(/#\/portfolio$/u);
  });

  it("a change of network in the wallet signs the page out and names both chains, in Chinese too", async function () {
    const { page } = await web.signIn("tier2");
    await page.getByTestId("language").click();
    await emitWalletEvent(page, "chainChanged", "0x1");
    await page.getByTestId("signin-page").waitFor();
    const notice = (await page.getByTestId("wallet-notice").textContent()) ?? "";
    expect(notice).to.contain("链 1");
    expect(notice).to.contain("链 31337");
    await web.screenshot(page, "wallet-network-changed-zh");
  });

  it("tracing an unknown piece after a known one clears the old tree and says what is wrong", async function () {
    const { page } = await web.signIn("auditor");
    await page.getByTestId("nav-auditor").click();
    await page.getByTestId("auditor-query").fill("#1.1");
    await page.getByTestId("auditor-trace").click();
    await page.getByTestId("lineage-tree").waitFor();
    await page.getByTestId("auditor-query").fill("#9.9");
    await page.getByTestId("auditor-trace").click();
    await page.locator("[role=alert]").waitFor();
    expect(await page.getByTestId("lineage-tree").count(), "the old tree is gone").to.equal(0);
    expect(await page.getByTestId("audit-status").count()).to.equal(0);
    await web.screenshot(page, "auditor-unknown-piece");
  });
});
