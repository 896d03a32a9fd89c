import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Page } from "playwright-core";
import { calendarDateCst } from "../../src/chain/membership";
import { firstPieceOf, pieceName } from "../../src/chain/tokenId";
import { formatCny } from "../../src/finance/money";
import { developmentKey } from "../../src/server/stack";
import type { CastKey } from "../../src/demo/cast";
import { translator } from "../../src/web/lib/i18n";
import { POLL_MS } from "../../src/web/lib/usePolling";
import { castKey, useBrowserStack } from "./browserStack";
import type { SignedInPage } from "./browserStack";
import { cstDate, enterInvoice, enterWaybill, signAndSave } from "./documentForms";
import { clearShots, shootPages, unlistedPages } from "./pageShots";
import type { WalkRole } from "./pageShots";

/**
 * Every role walks its whole job in the dApp, one after the other on one seeded stack, clicking the buttons by their
 * label as a clerk would (the anchor works in Chinese, the others in English):
 * - the operator admits a company, suspends it, and raises the anchor's credit line;
 * - the factor publishes an offer;
 * - the anchor confirms a 200,000.00 CNY receivable (#3) to Brightview within its line and sees what it owes;
 * - the supplier receives it, is refused a transfer its documents contradict (nothing signed, nothing sent, the chain
 *   unchanged), splits 50,000.00 to Clearwater with documents and reloads while the transfer is on its way (and finds
 *   it went through), asks the factor to buy 100,000.00, and asks twice more: one it withdraws, one the factor declines;
 * - the factor sees the requests, declines one with a reason, checks and funds the other, and sees its book;
 * - the auditor traces the receivable; the verifier sees what it signed;
 * - the anchor repays part; at maturity the supplier and the factor collect their shares; the anchor repays the rest
 *   and both collect the remainder, the pieces then gone.
 * After each walk every page the role can open is photographed in both languages at 1280 and 360 px into
 * test-artifacts/web/<role>/, and none may be wider than a phone or have a table wider than its card.
 */

const en = translator("en");
const zh = translator("zh");
const DAY = 86_400n;
const RECEIVABLE = 3n;
const ROOT = firstPieceOf(RECEIVABLE);
const FACE = 200_000_00n;
const SPLIT = 50_000_00n;
const SOLD = 100_000_00n;
const PARTIAL = 80_000_00n;
const NEWCOMER = 12;

/** An amount's digits as every page shows them, whichever currency sign the language puts beside them. */
const digits = (fen: bigint): string => formatCny(fen).replace(/ CNY$/u, "");
const addressOf = (key: CastKey): string => new Wallet(castKey(key)).address;

describe("the dApp in a real browser: every role walks its whole job", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "walk", restoreChain: true, clearScreenshots: true });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-walk-"));
  const signedIn = new Map<CastKey, SignedInPage>();
  /** The piece the factor holds after funding (set by the factor's walk). */
  let bankPiece = 0n;

  before(() => clearShots());
  after(() => fs.rmSync(workDir, { recursive: true, force: true }));

  /** One signed-in page per member, kept for the whole walk. */
  async function as(key: CastKey): Promise<SignedInPage> {
    const known = signedIn.get(key);
    if (known !== undefined) return known;
    const fresh = await web.signIn(key);
    signedIn.set(key, fresh);
    return fresh;
  }

  async function open(page: Page, route: string, ready: string): Promise<void> {
    await page.getByTestId(`nav-${route}`).click();
    await page.getByTestId(ready).first().waitFor();
  }

  async function text(page: Page, testId: string): Promise<string> {
    const locator = page.getByTestId(testId).first();
    await locator.waitFor();
    return (await locator.textContent()) ?? "";
  }

  /** What the wallet was asked to sign or send since `from` (reads of the chain are not counted). */
  function asked(wallet: SignedInPage["wallet"], from: number): string[] {
    return wallet.requests
      .slice(from)
      .filter((method) => method.startsWith("eth_send") || method.startsWith("eth_sign") || method === "personal_sign");
  }

  /** Photographs every page of the role and fails on any overflow at phone width, or a menu page not listed. */
  async function photograph(role: WalkRole, page: Page): Promise<void> {
    expect(await unlistedPages(page, role), `pages of the ${role}'s menu missing from ROLE_PAGES`).to.deep.equal([]);
    expect(await shootPages(page, role), "wider than a phone").to.deep.equal([]);
  }

  /** The seller issues its invoice and Swift Freight signs the waybill, each in the dApp; answers the files. */
  async function documents(
    seller: CastKey,
    buyer: CastKey,
    number: string,
    total: string,
    goods: string,
  ): Promise<{ invoice: string; waybill: string }> {
    const now = (await web.stack.provider.getBlock("latest"))?.timestamp ?? 0;
    const { page: sellerPage } = await as(seller);
    // One lot at `total`, zero-rated: the invoice's total with tax is `total`, what the step moves.
    await enterInvoice(sellerPage, {
      number,
      buyer: addressOf(buyer),
      purchaseOrder: `PO-${number}`,
      dueDate: cstDate(now, 60),
      lines: [{ item: goods, quantity: "1", unit: "lot", unitPrice: total, taxRate: 0 }],
    });
    const invoice = await signAndSave(sellerPage, "invoice-sign", path.join(workDir, `${number}-invoice.json`));

    const { page: carrier } = await as("carrier");
    await enterWaybill(carrier, {
      number: `WB-${number}`,
      reference: number,
      shipper: addressOf(seller),
      consignee: addressOf(buyer),
      goods,
      quantity: "400",
      pickUp: { place: "Shenzhen plant", time: now - 3 * 86_400, quantity: "400" },
      delivery: { place: "Buyer's warehouse", time: now - 86_400, quantity: "400" },
    });
    const waybill = await signAndSave(carrier, "waybill-sign", path.join(workDir, `${number}-waybill.json`));
    return { invoice, waybill };
  }

  /** The operator console's confirmation, then its Send: one transaction, its result shown. */
  async function operatorSends(page: Page): Promise<string> {
    await page.getByTestId("operator-confirm").waitFor();
    const shown = (await page.getByTestId("operator-confirm").textContent()) ?? "";
    await page.getByRole("button", { name: en("operator.send") }).click();
    await page.getByTestId("operator-result").waitFor();
    return shown;
  }

  /** Fills the holder's financing request for `value` of `tokenId` to the bank and signs it. */
  async function requestFinancing(page: Page, tokenId: bigint, value: string): Promise<void> {
    await open(page, "finance", "finance-page");
    await page.locator(`[data-testid=finance-piece] option[value="${tokenId}"]`).waitFor({ state: "attached" });
    await page.getByTestId("finance-piece").selectOption(tokenId.toString());
    await page.getByTestId("finance-value").fill(value);
    await page
      .getByTestId(`quote-${addressOf("bank")}`)
      .getByTestId("quote-pick")
      .check();
    await page.getByRole("button", { name: en("finance.sign") }).click();
    await page.getByTestId("finance-result").waitFor();
    await page.getByTestId(`request-${pieceName(tokenId)}`).waitFor();
  }

  async function claimable(page: Page, tokenId: bigint): Promise<string> {
    const cell = page.getByTestId(`claim-${pieceName(tokenId)}`).getByTestId("claimable");
    await cell.waitFor();
    return ((await cell.textContent()) ?? "").trim();
  }

  /** Opens the holder's claims afresh and collects everything claimable; answers what its cash grew by. */
  async function claimAll(key: CastKey, tokenId: bigint, expected: bigint): Promise<bigint> {
    const { page } = await as(key);
    const { settlementToken } = web.stack.contracts;
    await open(page, "portfolio", "portfolio-page");
    await open(page, "claims", "claims-table");
    expect(await claimable(page, tokenId), `${key} sees its share of ${pieceName(tokenId)}`).to.equal(formatCny(expected));
    const before = await settlementToken.balanceOf(addressOf(key));
    await page.getByRole("button", { name: en("claims.claimAll", { value: formatCny(expected) }) }).click();
    await page
      .getByTestId("claims-result")
      .getByText(en("claims.done", { value: formatCny(expected), count: 1 }))
      .waitFor();
    return (await settlementToken.balanceOf(addressOf(key))) - before;
  }

  it("the operator admits a company, suspends it, and raises the anchor's line", async function () {
    const { registry, receivableToken } = web.stack.contracts;
    const { page } = await as("operator");
    await open(page, "operator", "operator-members-table");

    const company = new Wallet(developmentKey(NEWCOMER)).address;
    const block = await web.stack.provider.getBlock("latest");
    await page.getByTestId("admit-code").fill("91440300MA5WLK0012");
    await page.getByTestId("admit-address").fill(company);
    await page.getByTestId("admit-role-SUPPLIER").check();
    await page.getByTestId("admit-kyc").fill(calendarDateCst(BigInt(block?.timestamp ?? 0) + 365n * DAY));
    await page.getByTestId("admit-submit").click();
    expect(await operatorSends(page)).to.contain(company);
    const memberId = Number(await registry.memberIdOf(company));
    expect(memberId).to.be.greaterThan(0);
    expect(await registry.isActiveMember(company)).to.equal(true);

    const row = page.getByTestId(`member-${memberId}`);
    await row.waitFor();
    await row.getByTestId("member-manage").click();
    await page.getByTestId("operator-member").waitFor();
    await page.getByTestId("member-suspend").click();
    expect(await operatorSends(page)).to.contain("Suspend");
    expect(await registry.isActiveMember(company)).to.equal(false);
    await row.getByTestId("member-status").getByText("suspended").waitFor();

    const anchorId = await registry.memberIdOf(addressOf("anchor"));
    await page.getByTestId(`member-${anchorId}`).getByTestId("member-manage").click();
    await page.getByTestId("member-line-limit").fill("3,500,000.00");
    await page.getByTestId("member-line-set").click();
    expect(await operatorSends(page)).to.contain("setCreditLine");
    expect((await receivableToken.creditLine(anchorId)).limit).to.equal(3_500_000_00n);
    await page.getByTestId("member-line-now").getByText("3,500,000.00 CNY").waitFor();

    await photograph("operator", page);
  });

  it("the factor publishes an offer for the anchor's receivables", async function () {
    const anchorId = await web.stack.contracts.registry.memberIdOf(addressOf("anchor"));
    const { page } = await as("bank");
    await open(page, "factor", "factor-offers");
    await page.getByTestId("offer-anchor").selectOption(String(anchorId));
    await page.getByTestId("offer-rate").fill("5.80");
    await page.getByTestId("offer-min").fill("1,000.00");
    await page.getByTestId("offer-max").fill("2,000,000.00");
    await page.getByTestId("offer-appetite").fill("20,000,000.00");
    await page.getByRole("button", { name: en("offers.publish") }).click();
    await page.getByTestId("offer-result").waitFor();
    expect(await text(page, `offer-${anchorId}`)).to.include("5.80% a year");
  });

  it("the anchor, in Chinese, confirms a receivable within its line and sees what it owes", async function () {
    const { receivableToken, registry } = web.stack.contracts;
    const anchorId = await registry.memberIdOf(addressOf("anchor"));
    const owedBefore = (await receivableToken.creditLine(anchorId)).outstanding;
    const files = await documents("tier1", "anchor", "BVD-INV-0103", "200,000.00", "OLED display modules");

    const { page } = await as("anchor");
    await page.getByTestId("language").click();
    await open(page, "anchor", "anchor-page");
    await page.getByTestId("invoice-file").setInputFiles(files.invoice);
    await page.getByTestId("waybill-file").setInputFiles(files.waybill);
    await page.getByTestId("waybill-summary").waitFor();
    await page.getByTestId("anchor-days").fill("30");
    await page.getByRole("button", { name: zh("anchor.confirm") }).click();
    await page.getByTestId("anchor-result").waitFor();
    expect(await receivableToken.ownerOf(ROOT)).to.equal(addressOf("tier1"));
    expect((await receivableToken.creditLine(anchorId)).outstanding).to.equal(owedBefore + FACE);
    // What it owes: the new receivable in its list and in its line, in Chinese.
    await page.getByTestId("repay-amount-3").waitFor();
    expect(await text(page, "anchor-page")).to.include("200,000.00");
    await page
      .getByTestId("credit-line")
      .getByTestId("line-used")
      .getByText(digits(owedBefore + FACE))
      .waitFor();
    expect(await text(page, "credit-line")).to.include("授信额度");
    await page.getByTestId("language").click();

    await photograph("anchor", page);
  });

  it("the supplier receives it, is refused a mismatched transfer, splits with documents across a reload, and asks for financing", async function () {
    const { receivableToken } = web.stack.contracts;
    const { page, wallet } = await as("tier1");
    await open(page, "portfolio", "portfolio-page");
    await page
      .getByTestId(`piece-${pieceName(ROOT)}`)
      .getByText("200,000.00")
      .first()
      .waitFor();

    // Clearwater's 50,000.00 invoice, but the clerk picks Golden Sands and types 80,000.00: refused before anything.
    const files = await documents("tier2", "tier1", "CWG-INV-0301", "50,000.00", "Cover glass");
    const pieceCount = async (): Promise<bigint> => receivableToken["balanceOf(address)"](addressOf("tier1"));
    const [valueBefore, piecesBefore, tier3Before] = [
      await receivableToken["balanceOf(uint256)"](ROOT),
      await pieceCount(),
      await receivableToken["balanceOf(address)"](addressOf("tier3")),
    ];
    const blockBefore = await web.stack.provider.getBlockNumber();
    await open(page, "transfer", "transfer-page");
    await page.locator(`[data-testid=transfer-piece] option[value="${ROOT}"]`).waitFor({ state: "attached" });
    await page.getByTestId("transfer-piece").selectOption(ROOT.toString());
    await page.getByTestId("transfer-amount").fill("80,000.00");
    await page.getByTestId("transfer-recipient").selectOption(addressOf("tier3"));
    await page.getByTestId("invoice-file").setInputFiles(files.invoice);
    await page.getByTestId("waybill-file").setInputFiles(files.waybill);
    await page.getByTestId("waybill-summary").waitFor();
    const requestsBefore = wallet.requests.length;
    await page.getByRole("button", { name: en("transfer.send") }).click();
    const refusal = page.getByTestId("transfer-page").getByRole("alert");
    await refusal.getByText(en("precheck.refused")).waitFor();
    expect(await refusal.textContent())
      .to.include("The invoice's seller is Clearwater Glass, but the piece would go to Golden Sands Silica")
      .and.include("The invoice is for 50,000.00 CNY, less than the 80,000.00 CNY you would send.");
    expect(await page.getByTestId("transfer-confirmation").count()).to.equal(0);
    expect(asked(wallet, requestsBefore), "nothing asked of the wallet").to.deep.equal([]);
    expect(await web.stack.provider.getBlockNumber(), "no transaction").to.equal(blockBefore);
    expect([
      await receivableToken["balanceOf(uint256)"](ROOT),
      await pieceCount(),
      await receivableToken["balanceOf(address)"](addressOf("tier3")),
    ]).to.deep.equal([valueBefore, piecesBefore, tier3Before]);
    await web.screenshot(page, "supplier-refused");

    // The same documents, the right recipient and amount: confirmed, then the page is reloaded while it waits.
    await page.getByTestId("transfer-amount").fill("50,000.00");
    await page.getByTestId("transfer-recipient").selectOption(addressOf("tier2"));
    await page.getByRole("button", { name: en("transfer.send") }).click();
    expect(await text(page, "transfer-summary"))
      .to.include("Clearwater Glass")
      .and.include("CWG-INV-0301");
    const held = wallet.holdAnswer("eth_sendTransaction");
    await page.getByRole("button", { name: en("precheck.confirm") }).click();
    await held.reached;
    await page.reload();
    held.release();
    // Still signed in, on the page it was on; the transfer went through, and the portfolio shows it.
    await page.getByTestId("transfer-page").waitFor();
    expect(await text(page, "signed-in-as")).to.include("Brightview Displays");
    expect(await receivableToken["balanceOf(uint256)"](ROOT)).to.equal(FACE - SPLIT);
    await web.stack.indexer.waitForBlock(await web.stack.provider.getBlockNumber());
    await open(page, "portfolio", "portfolio-page");
    await page
      .getByTestId(`piece-${pieceName(ROOT)}`)
      .getByText("150,000.00")
      .first()
      .waitFor();

    // Three requests to the bank: the one it will fund, one it will decline, one withdrawn here.
    await requestFinancing(page, ROOT, "100,000.00");
    const two = firstPieceOf(2n);
    const one = firstPieceOf(1n);
    await requestFinancing(page, two, "10,000.00");
    await requestFinancing(page, one, "5,000.00");
    const sentBefore = wallet.requests.filter((method) => method === "eth_sendTransaction").length;
    await page
      .getByTestId(`request-${pieceName(one)}`)
      .getByRole("button", { name: en("life.withdraw") })
      .click();
    await page.getByTestId("withdraw-confirmation").waitFor();
    await page.getByRole("button", { name: en("life.withdrawConfirm") }).click();
    await page.getByTestId("withdraw-result").waitFor();
    expect(wallet.requests.filter((method) => method === "eth_sendTransaction").length).to.equal(sentBefore + 1);
    await page
      .getByTestId(`request-${pieceName(one)}`)
      .getByText(en("state.withdrawn"))
      .waitFor();
    await web.screenshot(page, "supplier-requests");
  });

  it("the factor sees the requests, declines one with a reason, funds another and sees its book", async function () {
    const { financing, receivableToken } = web.stack.contracts;
    const { page } = await as("bank");
    await open(page, "factor", "factor-page");
    const declined = page.getByTestId(`request-${pieceName(firstPieceOf(2n))}`);
    await declined.waitFor();
    // The bank's page has stayed on its inbox since it published the offer, asking again every few seconds: the
    // withdrawn request leaves it at the next ask (it may have been listed by one made just before the withdrawal).
    await page.getByTestId(`request-${pieceName(firstPieceOf(1n))}`).waitFor({ state: "detached", timeout: 3 * POLL_MS });
    await declined.getByRole("button", { name: en("life.decline") }).click();
    await page.getByTestId("decline-reason").fill("Receivable 2 is beyond this quarter's limit");
    await page.getByRole("button", { name: en("life.declineSend"), exact: true }).click();
    await page.getByTestId("decline-result").waitFor();
    await page.getByTestId(`closed-${pieceName(firstPieceOf(2n))}`).waitFor();

    await page
      .getByTestId(`request-${pieceName(ROOT)}`)
      .getByRole("button", { name: en("factor.check") })
      .click();
    await page.getByTestId("check-passed").waitFor();
    await page.getByTestId("fund").click();
    expect(await text(page, "fund-summary"))
      .to.include("Brightview Displays")
      .and.include("BVD-INV-0103");
    await page.getByTestId("fund-confirm").click();
    await page.getByTestId("fund-result").waitFor();
    const funded = await financing.queryFilter(financing.filters.Funded(undefined, ROOT));
    expect(funded).to.have.length(1);
    bankPiece = funded[0].args.fundedTokenId;
    expect(await receivableToken.ownerOf(bankPiece)).to.equal(addressOf("bank"));
    expect(await receivableToken["balanceOf(uint256)"](bankPiece)).to.equal(SOLD);
    // Its book lists the piece it bought.
    await page.getByTestId("factor-book").getByText(pieceName(bankPiece)).waitFor();

    // The holder's open page shows the refusal and its reason.
    const holder = await as("tier1");
    await holder.page.getByTestId("request-declined-reason").getByText("beyond this quarter's limit").waitFor();
  });

  it("the auditor traces the receivable and every step passes; the verifier sees what it signed", async function () {
    const { page } = await as("auditor");
    await open(page, "auditor", "auditor-page");
    await page.getByTestId("auditor-query").fill(RECEIVABLE.toString());
    await page.getByRole("button", { name: en("auditor.trace") }).click();
    expect(await text(page, "audit-status")).to.match(/^\d+ steps pass their checks\.$/u);
    await page.locator(".node button.link").first().click();
    await page.getByTestId("document-summary").waitFor();
    expect(await text(page, "document-viewer")).to.include("Invoice BVD-INV-0103");
    await photograph("auditor", page);

    const verifier = await as("verifier");
    await open(verifier.page, "verifier", "verifier-page");
    await verifier.page.getByTestId("verifier-attestations").getByText(pieceName(ROOT)).first().waitFor();
    await photograph("verifier", verifier.page);
    await photograph("carrier", (await as("carrier")).page);
  });

  it("the anchor repays part; at maturity the supplier and the factor collect their shares", async function () {
    const { settlement, receivableToken } = web.stack.contracts;
    const { page } = await as("anchor");
    await open(page, "anchor", "anchor-page");
    await page.getByTestId("repay-amount-3").fill("80,000.00");
    await page.getByTestId("repay-3").click();
    expect(await text(page, "repay-summary"))
      .to.include("80,000.00")
      .and.include("BVD-INV-0103");
    await page.getByTestId("repay-confirm").click();
    await page
      .getByTestId("anchor-result")
      .getByText(en("anchor.repaid", { value: formatCny(PARTIAL), slot: "3" }))
      .waitFor();
    expect((await settlement.account(RECEIVABLE)).repaid).to.equal(PARTIAL);

    // Time passes to the receivable's maturity (not the clerk's job).
    const maturity = (await receivableToken.receivable(RECEIVABLE)).maturity;
    await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(maturity)] });
    await hre.network.provider.request({ method: "evm_mine" });

    const share = (value: bigint): bigint => (value * PARTIAL) / FACE;
    const supplierKept = FACE - SPLIT - SOLD;
    expect(await claimAll("tier1", ROOT, share(supplierKept))).to.equal(share(supplierKept));
    expect(await claimAll("bank", bankPiece, share(SOLD))).to.equal(share(SOLD));
    await photograph("supplier", (await as("tier1")).page);
  });

  it("the anchor repays the rest; the supplier and the factor collect the remainder and the pieces are gone", async function () {
    const { receivableToken } = web.stack.contracts;
    const { page } = await as("anchor");
    await open(page, "anchor", "anchor-page");
    const rest = FACE - PARTIAL;
    await page.getByTestId("repay-amount-3").fill("120,000.00");
    await page.getByTestId("repay-3").click();
    await page.getByTestId("repay-confirm").click();
    await page
      .getByTestId("anchor-result")
      .getByText(en("anchor.repaid", { value: formatCny(rest), slot: "3" }))
      .waitFor();
    expect(await page.getByTestId("repay-3").isDisabled(), "nothing more to repay").to.equal(true);

    const remainder = (value: bigint): bigint => value - (value * PARTIAL) / FACE;
    expect(await claimAll("tier1", ROOT, remainder(FACE - SPLIT - SOLD))).to.equal(remainder(FACE - SPLIT - SOLD));
    expect(await claimAll("bank", bankPiece, remainder(SOLD))).to.equal(remainder(SOLD));
    expect(await receivableToken.exists(ROOT)).to.equal(false);
    expect(await receivableToken.exists(bankPiece)).to.equal(false);
    // The factor's book still reads, the redeemed piece owing nothing.
    const { page: desk } = await as("bank");
    await open(desk, "factor", "factor-book");
    await desk.getByTestId("factor-book").locator("table").waitFor();
    expect(await desk.getByTestId("factor-book").getByRole("alert").count(), "the book answers").to.equal(0);
    await photograph("factor", (await as("bank")).page);
  });
});
