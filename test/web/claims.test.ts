import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { formatCny } from "../../src/finance/money";
import { REPO_ROOT, buildWeb } from "../../scripts/start/build";
import { developmentKey, startStack } from "../../scripts/start/stack";
import type { RunningStack } from "../../scripts/start/stack";
import type { CastKey } from "../../scripts/start/cast";
import { DEMO_CAST } from "../../scripts/start/cast";
import { injectWallet } from "./wallet";
import type { TestWallet } from "./wallet";

/**
 * Collecting at maturity in the dApp, as holders would: nothing is claimable before maturity on a partial
 * repayment; after maturity each holder sees and collects exactly its pro-rata share, a double click sends one
 * transaction, and once the anchor has repaid the rest the piece collects exactly its remaining value and is gone.
 * In Chinese at phone width the table scrolls inside its card. Screenshots go to test-artifacts/web/.
 */

const ARTIFACTS = path.join(REPO_ROOT, "test-artifacts/web");
const CHROMIUM = process.env.CHAINBILL_CHROMIUM ?? "/usr/bin/chromium";
const SLOT = 1n;
const TIER1_PIECE = (SLOT << 32n) | 1n;
const TIER2_PIECE = (SLOT << 32n) | 2n;

function keyOf(key: CastKey): string {
  const member = DEMO_CAST.find((entry) => entry.key === key);
  if (member === undefined) throw new Error(`no cast member ${key}`);
  return developmentKey(member.accountIndex);
}

describe("the dApp in a real browser: holders collect what the anchor repaid", function () {
  this.timeout(600_000);
  let stack: RunningStack | undefined;
  let browser: Browser | undefined;
  let snapshot: string | undefined;
  const contexts: BrowserContext[] = [];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-claims-"));

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `claims-${name}.png`), fullPage: true });
  }

  async function signIn(key: CastKey, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; wallet: TestWallet }> {
    if (browser === undefined || stack === undefined) throw new Error("not started");
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const wallet = await injectWallet(context, keyOf(key), hre.network.provider);
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error(`[page ${key}] ${error.message}`));
    await page.goto(stack.url);
    await page.getByTestId("connect-wallet").click();
    await page.getByTestId("signed-in-as").waitFor();
    return { page, wallet };
  }

  async function openClaims(page: Page): Promise<void> {
    await page.getByTestId("nav-claims").click();
    await page.getByTestId("claims-table").waitFor();
  }

  async function claimableShown(page: Page, tokenId: bigint): Promise<string> {
    const name = `#${tokenId >> 32n}.${tokenId & 0xffff_ffffn}`;
    const cell = page.getByTestId(`claim-${name}`).getByTestId("claimable");
    await cell.waitFor();
    return ((await cell.textContent()) ?? "").trim();
  }

  async function repay(amount: bigint): Promise<void> {
    if (stack === undefined) throw new Error("not started");
    const anchor = new Wallet(keyOf("anchor"), hre.ethers.provider);
    const { currency, settlement } = stack.contracts;
    await (await currency.connect(anchor).approve(await settlement.getAddress(), amount)).wait();
    await (await settlement.connect(anchor).repay(SLOT, amount)).wait();
  }

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: run scripts/ensure-test-deps.sh`);
    snapshot = (await hre.network.provider.request({ method: "evm_snapshot" })) as string;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const webRoot = path.join(workDir, "web");
    await buildWeb(webRoot);
    stack = await startStack({ chain: { kind: "in-process", hre, rpcPort: 0 }, host: "127.0.0.1", port: 0, dataDir: path.join(workDir, "data"), webRoot });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    for (const [index, context] of contexts.entries()) {
      for (const page of context.pages()) {
        await page.screenshot({ path: path.join(ARTIFACTS, `claims-failed-${index}.png`), fullPage: true }).catch(() => undefined);
      }
    }
  });

  after(async function () {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.stop();
    // The clock was moved to maturity: give the next test file the chain as it was.
    if (snapshot !== undefined) await hre.network.provider.request({ method: "evm_revert", params: [snapshot] });
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("a partial repayment pays nothing before maturity, then each holder's exact share with one transaction per click", async function () {
    if (stack === undefined) throw new Error("not started");
    const { settlement, currency, token } = stack.contracts;
    await repay(600_000_00n);

    const tier1 = await signIn("tier1");
    await openClaims(tier1.page);
    expect(await claimableShown(tier1.page, TIER1_PIECE)).to.equal(formatCny(0n));
    expect(await tier1.page.getByTestId("claim-all").isDisabled()).to.equal(true);
    await screenshot(tier1.page, "before-maturity");

    const maturity = (await token.receivable(SLOT)).maturity;
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
    await screenshot(tier1.page, "after-maturity");

    const cashBefore = await currency.balanceOf(tier1.wallet.address);
    const sentBefore = tier1.wallet.requests.filter((method) => method === "eth_sendTransaction").length;
    await tier1.page.getByTestId("claim-all").dblclick();
    await tier1.page.getByTestId("claims-result").waitFor();
    const sent = tier1.wallet.requests.filter((method) => method === "eth_sendTransaction").length - sentBefore;
    expect(sent, "a double click sends one claim").to.equal(1);
    expect((await currency.balanceOf(tier1.wallet.address)) - cashBefore).to.equal(expected);
    expect(await tier1.page.getByTestId("claims-result").textContent()).to.contain(formatCny(expected).replace(" CNY", ""));
    expect(await claimableShown(tier1.page, TIER1_PIECE)).to.equal(formatCny(0n));
    expect(await tier1.page.getByTestId("claims-totals").textContent()).to.contain(formatCny(await currency.balanceOf(tier1.wallet.address)).replace(" CNY", ""));
    await screenshot(tier1.page, "collected-partial");
  });

  it("after the rest is repaid a piece collects exactly its remaining value and is redeemed", async function () {
    if (stack === undefined) throw new Error("not started");
    const { settlement, currency, token } = stack.contracts;
    await repay(400_000_00n);
    const tier1 = await signIn("tier1");
    await openClaims(tier1.page);
    const remaining = 700_000_00n - (await settlement.claimedBy(TIER1_PIECE));
    expect(remaining).to.equal(280_000_00n);
    expect(await claimableShown(tier1.page, TIER1_PIECE)).to.equal(formatCny(remaining));
    const cashBefore = await currency.balanceOf(tier1.wallet.address);
    await tier1.page.getByTestId(`claim-#1.1`).getByTestId("claim-one").click();
    await tier1.page.getByTestId("claims-result").waitFor();
    expect((await currency.balanceOf(tier1.wallet.address)) - cashBefore).to.equal(remaining);
    expect(await token.exists(TIER1_PIECE)).to.equal(false);
    await tier1.page.getByTestId("claim-#1.1").waitFor({ state: "detached" });
    await screenshot(tier1.page, "collected-full");
  });

  it("in Chinese at phone width the holder of the other piece sees its whole value claimable, inside the card", async function () {
    if (stack === undefined) throw new Error("not started");
    const tier2 = await signIn("tier2", { width: 360, height: 780 });
    await tier2.page.getByTestId("language").click();
    await openClaims(tier2.page);
    expect(await claimableShown(tier2.page, TIER2_PIECE)).to.equal(formatCny(300_000_00n));
    expect(await tier2.page.getByTestId("claims-page").textContent()).to.contain("到期兑付");
    const overflow = await tier2.page.evaluate(() => {
      const card = document.querySelector("[data-testid=claims-page]");
      return card === null ? Number.NaN : card.scrollWidth - card.clientWidth;
    });
    expect(overflow, "the claims card does not overflow at 360 px").to.be.at.most(0);
    await screenshot(tier2.page, "zh-phone");
  });
});
