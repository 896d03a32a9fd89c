import hre from "hardhat";
import { expect } from "chai";
import { Interface, Wallet, id } from "ethers";
import type { Page } from "playwright-core";
import { endOfDayCst } from "../../src/chain/membership";
import { Role, roleMask } from "../../src/chain/roles";
import { explain } from "../../src/web/lib/errors";
import { translator } from "../../src/web/lib/i18n";
import type { TestWallet } from "./wallet";
import { PHONE, useBrowserStack } from "./browserStack";

/**
 * The operator's console in chromium, as the operator uses it: admit a company, grant it a role, renew its KYC,
 * suspend and reinstate it, add and remove an address, revoke the role, set the verifier threshold, pause and
 * unpause. Each action shows what
 * will be sent before the wallet is asked, sends exactly one transaction once confirmed, and shows its hash and
 * block; the chain is checked after each. A refused action is read in words from the contract's dry run and sends
 * nothing. A member without the OPERATOR role typing #/operator is told the page is not for it. Screenshots in
 * both languages at desktop and phone width go to test-artifacts/web/.
 */

const DAY = 86_400n;

/** The calendar date (China Standard Time) of a unix time, as a date input takes it. */
function cstDate(seconds: bigint): string {
  return new Date(Number(seconds + 8n * 3600n) * 1000).toISOString().slice(0, 10);
}

async function chainTime(): Promise<bigint> {
  const block = await hre.ethers.provider.getBlock("latest");
  if (block === null) throw new Error("no latest block");
  return BigInt(block.timestamp);
}

describe("the dApp in a real browser: the operator console", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "operator", restoreChain: true });

  async function openConsole(page: Page): Promise<void> {
    await page.getByTestId("nav-operator").click();
    await page.getByTestId("operator-members-table").waitFor();
  }

  const sentCount = (wallet: TestWallet): number => wallet.requests.filter((method) => method === "eth_sendTransaction").length;

  /**
   * The confirmation must be on screen before anything is sent; one click on Send sends one transaction, and the
   * result names its hash and block, which the chain confirms. Returns the confirmation's text.
   */
  async function confirmAndSend(page: Page, wallet: TestWallet): Promise<string> {
    const confirm = page.getByTestId("operator-confirm");
    await confirm.waitFor();
    const shown = (await confirm.textContent()) ?? "";
    const before = sentCount(wallet);
    await page.getByTestId("operator-send").click();
    const result = page.getByTestId("operator-result");
    await result.waitFor();
    expect(sentCount(wallet) - before, "one transaction per confirmed action").to.equal(1);
    const text = (await page.getByTestId("operator-result-hash").textContent()) ?? "";
    const match = /(0x[0-9a-f]{64})\D+([0-9]+)/u.exec(text);
    expect(match, `the result names the transaction and its block: ${text}`).to.not.equal(null);
    const receipt = await hre.ethers.provider.getTransactionReceipt(match?.[1] ?? "");
    expect(receipt?.status).to.equal(1);
    expect(String(receipt?.blockNumber)).to.equal(match?.[2]);
    // The console read the registry again at (or after) that block, not from before its own transaction.
    const asOf = Number(
      /As of block ([0-9]+)|截至区块 ([0-9]+)/u
        .exec((await page.getByTestId("operator-page").textContent()) ?? "")
        ?.slice(1)
        .find((found) => found !== undefined),
    );
    expect(asOf, "the page shows the chain as of the transaction's block or later").to.be.at.least(receipt?.blockNumber ?? Number.MAX_SAFE_INTEGER);
    return shown;
  }

  async function rowText(page: Page, memberId: number, cell: string): Promise<string> {
    return ((await page.getByTestId(`member-${memberId}`).getByTestId(cell).textContent()) ?? "").trim();
  }

  it("the operator admits, grants, renews KYC, suspends, reinstates, adds and removes an address, revokes, sets the threshold, pauses and resumes, one confirmed transaction each", async function () {
    const { registry, financing, receivableToken } = web.stack.contracts;
    const { page, wallet } = await web.signIn("operator");
    await openConsole(page);
    const membersBefore = Number(await registry.memberCount());
    expect(await page.getByTestId("operator-members-table").locator("tbody tr").count()).to.equal(membersBefore);
    expect(await page.getByTestId("operator-lapsing").textContent()).to.contain("No member's KYC lapses within 30 days");

    // Admit: the code is typed loosely and hashed as the CLI hashes it; the KYC lapses in 20 days.
    const company = Wallet.createRandom().address;
    const kycDate = cstDate((await chainTime()) + 20n * DAY);
    await page.getByTestId("admit-code").fill(" 91440300ma5nw 0010 ");
    await page.getByTestId("admit-address").fill(company.toLowerCase());
    await page.getByTestId("admit-role-SUPPLIER").check();
    await page.getByTestId("admit-kyc").fill(kycDate);
    const sentBeforeAdmit = sentCount(wallet);
    await page.getByTestId("admit-submit").click();
    await page.getByTestId("operator-confirm").waitFor();
    expect(sentCount(wallet), "nothing is sent before the operator confirms").to.equal(sentBeforeAdmit);
    await web.screenshot(page, "desktop-en-confirm");
    const admitShown = await confirmAndSend(page, wallet);
    expect(admitShown).to.contain("91440300MA5NW0010").and.contain(company).and.contain("supplier").and.contain(kycDate);
    const memberId = Number(await registry.memberIdOf(company));
    expect(memberId).to.equal(membersBefore + 1);
    const admitted = await registry.member(memberId);
    expect(admitted.leiHash).to.equal(id("91440300MA5NW0010"));
    expect(Number(admitted.roles)).to.equal(roleMask(Role.SUPPLIER));
    expect(Number(admitted.status)).to.equal(1);
    expect(admitted.kycValidUntil).to.equal(endOfDayCst(kycDate));
    expect(await page.getByTestId("operator-result").textContent()).to.contain(`#${memberId}`);
    await page.getByTestId(`member-${memberId}`).waitFor();
    expect(await rowText(page, memberId, "member-kyc")).to.equal(kycDate);
    expect(await page.getByTestId(`lapsing-${memberId}`).textContent()).to.contain(kycDate);

    // Refused: the same address again. The dry run's refusal is shown in words; the wallet sends nothing.
    // The form started afresh once the company was admitted.
    expect(await page.getByTestId("admit-address").inputValue()).to.equal("");
    await page.getByTestId("admit-code").fill("91440300MA5NW0011");
    await page.getByTestId("admit-address").fill(company);
    await page.getByTestId("admit-role-CARRIER").check();
    const sentBeforeRefusal = sentCount(wallet);
    await page.getByTestId("admit-submit").click();
    const refusal = page.getByTestId("operator-panel-admit").getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).to.contain(`already belongs to member #${memberId}`);
    expect(await page.getByTestId("operator-confirm").count()).to.equal(0);
    expect(sentCount(wallet), "a refused action sends nothing").to.equal(sentBeforeRefusal);
    expect(await registry.memberCount()).to.equal(BigInt(membersBefore + 1));
    await web.screenshot(page, "desktop-en-refused");

    // Grant a role.
    await page.getByTestId(`member-${memberId}`).getByTestId("member-manage").click();
    await page.getByTestId("operator-member").waitFor();
    await page.getByTestId("member-role-FACTOR").getByTestId("role-grant").click();
    const grantShown = await confirmAndSend(page, wallet);
    expect(grantShown).to.contain(`member #${memberId}`).and.contain("factor");
    expect(Number((await registry.member(memberId)).roles)).to.equal(roleMask(Role.SUPPLIER, Role.FACTOR));
    expect(await rowText(page, memberId, "member-roles")).to.equal("supplier, factor");

    // Renew KYC: it no longer lapses within 30 days.
    const renewedDate = cstDate((await chainTime()) + 400n * DAY);
    await page.getByTestId("member-kyc-date").fill(renewedDate);
    await page.getByTestId("member-renew").click();
    expect(await confirmAndSend(page, wallet))
      .to.contain(renewedDate)
      .and.contain(kycDate);
    expect((await registry.member(memberId)).kycValidUntil).to.equal(endOfDayCst(renewedDate));
    expect(await rowText(page, memberId, "member-kyc")).to.equal(renewedDate);
    expect(await page.getByTestId(`lapsing-${memberId}`).count()).to.equal(0);

    // Suspend, then reinstate.
    await page.getByTestId("member-suspend").click();
    expect(await confirmAndSend(page, wallet)).to.contain("Suspend");
    expect(Number((await registry.member(memberId)).status)).to.equal(2);
    expect(await rowText(page, memberId, "member-status")).to.equal("suspended");
    expect(await registry.isActiveMember(company)).to.equal(false);
    await page.getByTestId("member-reinstate").click();
    expect(await confirmAndSend(page, wallet)).to.contain("Reinstate");
    expect(Number((await registry.member(memberId)).status)).to.equal(1);
    expect(await rowText(page, memberId, "member-status")).to.equal("active");

    // Add an address.
    const second = Wallet.createRandom().address;
    await page.getByTestId("member-new-address").fill(second);
    await page.getByTestId("member-add-address").click();
    expect(await confirmAndSend(page, wallet)).to.contain(second);
    expect(Number(await registry.memberIdOf(second))).to.equal(memberId);
    expect(await rowText(page, memberId, "member-addresses")).to.contain(second);
    await web.screenshot(page, "desktop-en-member");

    // Remove it again; removing the last address is refused in words and sends nothing.
    await page.getByTestId(`member-address-${second}`).getByTestId("address-remove").click();
    expect(await confirmAndSend(page, wallet)).to.contain(second);
    expect(await registry.memberIdOf(second)).to.equal(0n);
    const sentBeforeLast = sentCount(wallet);
    await page.getByTestId(`member-address-${company}`).getByTestId("address-remove").click();
    const lastRefusal = page.getByTestId("operator-panel-member").getByRole("alert");
    await lastRefusal.waitFor();
    expect(await lastRefusal.textContent()).to.contain(`member #${memberId} must keep at least one address`);
    expect(sentCount(wallet)).to.equal(sentBeforeLast);

    // Revoke the role granted above.
    await page.getByTestId("member-role-FACTOR").getByTestId("role-revoke").click();
    expect(await confirmAndSend(page, wallet)).to.contain("Revoke the factor role");
    expect(Number((await registry.member(memberId)).roles)).to.equal(roleMask(Role.SUPPLIER));

    // The verifier threshold: 17 is refused in words, then one more than today is set.
    const required = await financing.requiredVerifiers();
    await page.getByTestId("operator-threshold-input").fill("17");
    const sentBeforeThreshold = sentCount(wallet);
    await page.getByTestId("operator-threshold-set").click();
    const thresholdRefusal = page.getByTestId("operator-panel-system").getByRole("alert");
    await thresholdRefusal.waitFor();
    expect(await thresholdRefusal.textContent()).to.contain("from 1 to 16");
    expect(sentCount(wallet)).to.equal(sentBeforeThreshold);
    await page.getByTestId("operator-threshold-input").fill(String(required + 1n));
    await page.getByTestId("operator-threshold-set").click();
    expect(await confirmAndSend(page, wallet)).to.contain(`Require ${required + 1n} verifier signatures`);
    expect(await financing.requiredVerifiers()).to.equal(required + 1n);
    expect(await page.getByTestId("operator-threshold").textContent()).to.contain(String(required + 1n));

    // Pause and resume the network.
    await page.getByTestId("operator-pause").click();
    expect(await confirmAndSend(page, wallet)).to.contain("Pause the network");
    expect(await receivableToken.paused()).to.equal(true);
    expect(await page.getByTestId("operator-paused").textContent()).to.contain("paused");
    await web.screenshot(page, "desktop-en-paused");
    await page.getByTestId("operator-unpause").click();
    expect(await confirmAndSend(page, wallet)).to.contain("Resume the network");
    expect(await receivableToken.paused()).to.equal(false);
    await page.getByTestId("operator-pause").waitFor();
    await web.screenshot(page, "desktop-en");
  });

  it("the registry's and the pause's refusals read as sentences in both languages", function () {
    const errors = new Interface([
      "error EnforcedPause()",
      "error RegistryUnexpectedStatus(uint32 memberId, uint8 status)",
      "error RegistryRoleNotGranted(uint32 memberId, uint8 role)",
    ]);
    const said = (data: string, language: "en" | "zh"): string => explain({ data }, translator(language), language).message;
    const paused = errors.encodeErrorResult("EnforcedPause", []);
    expect(said(paused, "en")).to.contain("the network is paused");
    expect(said(paused, "zh")).to.contain("网络已暂停");
    const suspended = errors.encodeErrorResult("RegistryUnexpectedStatus", [4, 2]);
    expect(said(suspended, "en")).to.contain("member #4 is suspended");
    expect(said(suspended, "zh")).to.contain("已暂停");
    expect(said(errors.encodeErrorResult("RegistryRoleNotGranted", [4, 3]), "en")).to.contain("does not hold the factor role");
  });

  it("Cancel on the confirmation sends nothing", async function () {
    const { receivableToken } = web.stack.contracts;
    const { page, wallet } = await web.signIn("operator");
    await openConsole(page);
    const before = sentCount(wallet);
    await page.getByTestId("operator-pause").click();
    await page.getByTestId("operator-confirm").waitFor();
    await page.getByTestId("operator-cancel").click();
    await page.getByTestId("operator-confirm").waitFor({ state: "detached" });
    expect(sentCount(wallet)).to.equal(before);
    expect(await receivableToken.paused()).to.equal(false);
  });

  it("a member without the OPERATOR role has no console in its menu and is told so when typing #/operator", async function () {
    const { page } = await web.signIn("bank");
    expect(await page.getByTestId("nav-operator").count()).to.equal(0);
    await page.goto(`${web.stack.url}/#/operator`);
    await page.getByTestId("not-allowed").waitFor();
    expect(await page.getByTestId("not-allowed").textContent()).to.contain("Operator console");
    expect(await page.getByTestId("operator-page").count()).to.equal(0);
  });

  it("the console in Chinese at desktop width, and in both languages at phone width with nothing wider than the screen", async function () {
    const desktop = await web.signIn("operator");
    await desktop.page.getByTestId("language").click();
    await openConsole(desktop.page);
    expect(await desktop.page.getByTestId("operator-page").textContent()).to.contain("运营控制台");
    await desktop.page.getByTestId("member-2").getByTestId("member-manage").click();
    await desktop.page.getByTestId("member-suspend").click();
    await desktop.page.getByTestId("operator-confirm").waitFor();
    expect(await desktop.page.getByTestId("operator-confirm").textContent()).to.contain("暂停");
    await web.screenshot(desktop.page, "desktop-zh");
    await desktop.page.getByTestId("operator-cancel").click();

    const phone = await web.signIn("operator", PHONE);
    for (const language of ["en", "zh"] as const) {
      if (language === "zh") await phone.page.getByTestId("language").click();
      await openConsole(phone.page);
      await phone.page.getByTestId("member-2").getByTestId("member-manage").click();
      await phone.page.getByTestId("operator-member").waitFor();
      const overflow = await phone.page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
      expect(overflow, `${language}: nothing wider than a 360 px phone`).to.equal(0);
      await web.screenshot(phone.page, `phone-${language}`);
    }
  });
});
