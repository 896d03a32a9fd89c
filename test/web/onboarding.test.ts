import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { developmentKey } from "../../src/server/stack";
import { injectWallet } from "./wallet";
import { useBrowserStack } from "./browserStack";

/**
 * A consortium that starts empty, in chromium: the chain as deployed (the operator its only member), eight companies
 * apply in the dApp with their wallets (an anchor, two suppliers, a carrier, a verifier, two factors, an auditor)
 * and one more that is refused with a reason it then reads; the operator admits each from its application in the
 * console (the form filled from the application, one confirmed transaction each); the directory names every member
 * from its application; both factors publish offers on their desks. Screenshots of the apply page, the console and
 * the offers in both languages go to test-artifacts/web/.
 */

interface Company {
  index: number;
  nameZh: string;
  nameEn: string;
  code: string;
  role: string;
}

const COMPANIES: Company[] = [
  { index: 1, nameZh: "华信移动", nameEn: "Huaxin Mobile", code: "91440300MA5HXM0001", role: "ANCHOR" },
  { index: 2, nameZh: "明视显示", nameEn: "Brightview Displays", code: "91320500MA1BVD0002", role: "SUPPLIER" },
  { index: 3, nameZh: "清水玻璃", nameEn: "Clearwater Glass", code: "91330200MA2CWG0003", role: "SUPPLIER" },
  { index: 5, nameZh: "迅捷货运", nameEn: "Swift Freight", code: "91310000MA1SWF0005", role: "CARRIER" },
  { index: 6, nameZh: "信证核验", nameEn: "TrustProof Verification", code: "91110000MA0TPV0006", role: "VERIFIER" },
  { index: 7, nameZh: "珠江银行", nameEn: "Pearl River Bank", code: "91440100MA9PRB0007", role: "FACTOR" },
  { index: 9, nameZh: "莲花保理", nameEn: "Lotus Factoring", code: "91440300MA5LTF0009", role: "FACTOR" },
  { index: 8, nameZh: "子午会计师事务所", nameEn: "Meridian Audit & Co.", code: "91110000MA0MAC0008", role: "AUDITOR" },
];

const addressOf = (index: number): string => new Wallet(developmentKey(index)).address;

describe("the dApp in a real browser: a consortium that starts empty", function () {
  this.timeout(900_000);
  const web = useBrowserStack({ prefix: "onboarding", restoreChain: true, seed: false });

  async function apply(company: Company, language: "en" | "zh" = "en"): Promise<Page> {
    const context = await web.newContext();
    await injectWallet(context, developmentKey(company.index), hre.network.provider);
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error(`[page ${company.nameEn}] ${error.message}`));
    await page.goto(web.stack.url);
    if (language === "zh") await page.getByTestId("language").click();
    await page.getByTestId("connect-wallet").click();
    await page.getByTestId("apply-page").waitFor();
    await page.getByTestId("apply-name-zh").fill(company.nameZh);
    await page.getByTestId("apply-name-en").fill(company.nameEn);
    await page.getByTestId("apply-code").fill(company.code.toLowerCase());
    await page.getByTestId(`apply-role-${company.role}`).check();
    await page.getByTestId("apply-contact-name").fill("Chen Jing");
    await page.getByTestId("apply-email").fill(`treasury${company.index}@example.cn`);
    await page.getByTestId("apply-phone").fill("+86 21 5555 0100");
    await page.getByTestId("apply-submit").click();
    await page.getByTestId("apply-filed").waitFor();
    await page.getByTestId("apply-waiting").waitFor();
    return page;
  }

  it("companies apply, the operator admits them from their applications or refuses with a reason, and both factors publish offers", async function () {
    const { registry } = web.stack.contracts;
    expect(Number(await registry.memberCount()), "only the operator").to.equal(1);

    const pages = new Map<number, Page>();
    for (const company of COMPANIES) pages.set(company.index, await apply(company, company.index === 2 ? "zh" : "en"));
    await web.screenshot(pages.get(2) as Page, "apply-zh");
    await web.screenshot(pages.get(1) as Page, "apply-en");
    const refusedCompany: Company = { index: 10, nameZh: "空壳贸易", nameEn: "Shell Trading", code: "91440300MA5SHELL10", role: "FACTOR" };
    const refusedPage = await apply(refusedCompany);

    const { page: operator } = await web.signIn("operator");
    await operator.getByTestId("nav-operator").click();
    await operator.getByTestId("operator-applications").waitFor();
    await operator.getByTestId(`application-${addressOf(1)}`).waitFor();
    expect(await operator.getByTestId("operator-applications").locator("[data-testid^=application-0x]").count()).to.equal(COMPANIES.length + 1);
    await web.screenshot(operator, "console-applications-en");

    // The refusal: signed by the operator, read by the applicant.
    const shell = operator.getByTestId(`application-${addressOf(10)}`);
    await shell.getByTestId("application-refuse").click();
    await shell.getByTestId("application-reason").fill("No factoring licence on file");
    await shell.getByTestId("application-refuse-send").click();
    await operator.getByTestId("application-refused").waitFor();
    await refusedPage.getByTestId("apply-leave").click();
    await refusedPage.getByTestId("connect-wallet").click();
    expect(await refusedPage.getByTestId("apply-refusal").textContent()).to.include("No factoring licence on file");

    for (const company of COMPANIES) {
      const card = operator.getByTestId(`application-${addressOf(company.index)}`);
      await card.getByTestId("application-admit").click();
      await operator.getByTestId("admit-from-application").waitFor();
      expect(await operator.getByTestId("admit-code").inputValue()).to.equal(company.code);
      expect(await operator.getByTestId("admit-address").inputValue()).to.equal(addressOf(company.index));
      expect(await operator.getByTestId(`admit-role-${company.role}`).isChecked()).to.equal(true);
      await operator.getByTestId("admit-submit").click();
      await operator.getByTestId("operator-confirm").waitFor();
      await operator.getByTestId("operator-send").click();
      await operator.getByTestId("operator-result").waitFor();
      await card.waitFor({ state: "detached" });
    }
    expect(Number(await registry.memberCount())).to.equal(COMPANIES.length + 1);
    const table = (await operator.getByTestId("operator-members-table").textContent()) ?? "";
    for (const company of COMPANIES) expect(table).to.include(company.nameEn);
    await web.screenshot(operator, "console-admitted-en");
    await operator.getByTestId("language").click();
    await operator.getByTestId("operator-members-table").getByText("华信移动").first().waitFor();
    await web.screenshot(operator, "console-admitted-zh");

    // An admitted applicant signs in from its application page, by its name.
    const anchorPage = pages.get(1) as Page;
    await anchorPage.getByTestId("apply-leave").click();
    await anchorPage.getByTestId("connect-wallet").click();
    expect(await anchorPage.getByTestId("signed-in-as").textContent()).to.include("Huaxin Mobile");

    // Both factors publish offers for the anchor's receivables.
    const anchorId = Number(await registry.memberIdOf(addressOf(1)));
    for (const [index, rate] of [
      [7, "6.00"],
      [9, "5.50"],
    ] as const) {
      const { page } = await web.signInWithKey(developmentKey(index));
      await page.getByTestId("nav-factor").click();
      await page.getByTestId("factor-offers").waitFor();
      await page.getByTestId("offer-anchor").selectOption(String(anchorId));
      await page.getByTestId("offer-rate").fill(rate);
      await page.getByTestId("offer-max").fill("2,000,000.00");
      await page.getByTestId("offer-appetite").fill("10,000,000.00");
      await page.getByTestId("offer-publish").click();
      await page.getByTestId("offer-result").waitFor();
      expect(await page.getByTestId(`offer-${anchorId}`).textContent()).to.include(`${rate}% a year`);
      if (index === 9) {
        await web.screenshot(page, "offers-en");
        await page.getByTestId("language").click();
        await page.getByTestId(`offer-${anchorId}`).getByText("年化").first().waitFor();
        await web.screenshot(page, "offers-zh");
      }
    }
  });
});
