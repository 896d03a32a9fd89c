import { expect } from "chai";
import type { Page } from "playwright-core";
import { pieceName } from "../../src/chain/tokenId";
import type { CastKey } from "../../src/demo/cast";
import { PHONE, useBrowserStack } from "./browserStack";
import { cstDate, enterInvoice, enterWaybill } from "./documentForms";

/**
 * Documents of a real trade, in the browser: Golden Sands Silica (tier 3) issues a VAT invoice of two lines to
 * Clearwater Glass (tier 2), Swift Freight enters the pick-up and the delivery it counted, and Clearwater finds both
 * in its inbox and pays Golden Sands with a piece backed by them, without a file changing hands. Screenshots in
 * both languages and at phone width go to test-artifacts/web/ (documents-*).
 */
describe("documents in the dApp: a VAT invoice and a carrier's events, exchanged through the inbox", function () {
  this.timeout(600_000);
  const web = useBrowserStack({ prefix: "documents", restoreChain: true, clearScreenshots: true });

  const member = (key: CastKey) => {
    const found = web.stack.seeded?.members.find((entry) => entry.key === key);
    if (found === undefined) throw new Error(`${key} was not seeded`);
    return found;
  };
  const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";
  const overflow = (page: Page): Promise<number> => page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));

  it("the supplier enters a two-line VAT invoice, the carrier its events; the buyer picks both from its inbox and pays with a piece", async function () {
    if (web.stack.seeded === null) throw new Error("not seeded");
    const { tier2Glass } = web.stack.seeded.pieces;
    const now = (await web.stack.provider.getBlock("latest"))?.timestamp ?? 0;
    const number = "GSS-INV-2026-0301";

    // The seller: two lines, 13% on the sand and 9% on the freight; the page computes amounts, tax and totals.
    const seller = await web.signIn("tier3");
    await enterInvoice(seller.page, {
      number,
      buyer: member("tier2").address,
      purchaseOrder: "CWG-PO-2026-118",
      dueDate: cstDate(now, 60),
      lines: [
        { item: "Silica sand, grade A", quantity: "200", unit: "t", unitPrice: "400.00", taxRate: 1300 },
        { item: "Freight and handling", quantity: "1", unit: "次", unitPrice: "2,000.00", taxRate: 900 },
      ],
    });
    expect(await text(seller.page, "line-0-figures")).to.equal("Amount 80,000.00 CNY, tax 10,400.00 CNY");
    expect(await text(seller.page, "line-1-figures")).to.equal("Amount 2,000.00 CNY, tax 180.00 CNY");
    expect(await text(seller.page, "invoice-totals")).to.equal("Total before tax 82,000.00 CNY, tax 10,580.00 CNY, total 92,580.00 CNY");
    await web.screenshot(seller.page, "01-invoice-entered");
    await seller.page.getByTestId("invoice-sign").click();
    expect(await text(seller.page, "documents-done")).to.include("Signed and filed for Clearwater Glass");
    await web.screenshot(seller.page, "02-invoice-filed");

    // The same form in Chinese at phone width: nothing wider than the screen.
    const phone = await web.signIn("tier3", PHONE);
    await phone.page.getByTestId("language").click();
    await enterInvoice(phone.page, {
      number: "GSS-INV-DRAFT",
      buyer: member("tier2").address,
      purchaseOrder: "CWG-PO-2026-118",
      dueDate: cstDate(now, 60),
      lines: [
        { item: "硅砂 A 级", quantity: "200", unit: "吨", unitPrice: "400.00", taxRate: 1300 },
        { item: "运杂费", quantity: "1", unit: "次", unitPrice: "2,000.00", taxRate: 900 },
      ],
    });
    expect(await text(phone.page, "invoice-totals")).to.include("价税合计");
    expect(await overflow(phone.page)).to.equal(0);
    await web.screenshot(phone.page, "03-invoice-zh-phone");

    // The carrier enters what it counted at the pick-up and at the delivery.
    const carrier = await web.signIn("carrier");
    await enterWaybill(carrier.page, {
      number: "XJH-WB-2026-0042",
      reference: number,
      shipper: member("tier3").address,
      consignee: member("tier2").address,
      goods: "Silica sand, grade A",
      quantity: "200",
      pickUp: { place: "Beihai quarry, bay 4", time: now - 3 * 86_400, quantity: "200" },
      delivery: { place: "Ningbo plant, gate 2", time: now - 86_400, quantity: "200" },
    });
    await web.screenshot(carrier.page, "04-waybill-entered");
    await carrier.page.getByTestId("waybill-sign").click();
    expect(await text(carrier.page, "documents-done")).to.include("Signed and filed for Clearwater Glass");
    // A delivery the carrier says came before the pick-up is refused at its field, before anything is signed.
    await enterWaybill(carrier.page, {
      number: "XJH-WB-2026-0043",
      reference: number,
      shipper: member("tier3").address,
      consignee: member("tier2").address,
      goods: "Silica sand, grade A",
      quantity: "200",
      pickUp: { place: "Beihai quarry", time: now - 86_400, quantity: "200" },
      delivery: { place: "Ningbo plant", time: now - 3 * 86_400, quantity: "200" },
    });
    const requestsBefore = carrier.wallet.requests.length;
    await carrier.page.getByTestId("waybill-sign").click();
    expect(await carrier.page.locator(".error, [role=alert]").first().textContent()).to.include("The delivery must come after the pick-up");
    expect(carrier.wallet.requests.length).to.equal(requestsBefore);

    // The buyer: both documents are in its inbox; it pays Golden Sands with them, no file chosen.
    const buyer = await web.signIn("tier2");
    await buyer.page.getByTestId("nav-transfer").click();
    await buyer.page.getByTestId("transfer-page").waitFor();
    await buyer.page.locator(`[data-testid=transfer-piece] option[value="${tier2Glass}"]`).waitFor({ state: "attached" });
    await buyer.page.getByTestId("transfer-piece").selectOption(tier2Glass.toString());
    await buyer.page.getByTestId("transfer-amount").fill("90,000.00");
    await buyer.page.getByTestId("transfer-recipient").selectOption(member("tier3").address);
    const invoiceOption = buyer.page.locator("[data-testid=inbox-invoice] option", { hasText: number });
    await invoiceOption.waitFor({ state: "attached" });
    expect(await invoiceOption.textContent()).to.equal(`${number} · 92,580.00 CNY · from Golden Sands Silica`);
    await buyer.page.getByTestId("inbox-invoice").selectOption({ label: (await invoiceOption.textContent()) ?? "" });
    const waybillOption = buyer.page.locator("[data-testid=inbox-waybill] option", { hasText: "XJH-WB-2026-0042" });
    await buyer.page.getByTestId("inbox-waybill").selectOption({ label: (await waybillOption.textContent()) ?? "" });
    await buyer.page.getByTestId("waybill-summary").waitFor();
    expect(await text(buyer.page, "invoice-summary")).to.include("Before tax 82,000.00 CNY, tax 10,580.00 CNY");
    await web.screenshot(buyer.page, "05-transfer-from-inbox");
    await buyer.page.getByTestId("transfer-send").click();
    const summary = await text(buyer.page, "transfer-summary");
    expect(summary).to.include(`Send 90,000.00 CNY of piece ${pieceName(tier2Glass)}`);
    expect(summary).to.include(`invoice ${number} for 92,580.00 CNY and waybill XJH-WB-2026-0042`);
    await buyer.page.getByTestId("transfer-confirm").click();
    const sent = await text(buyer.page, "transfer-result");
    expect(sent).to.match(/Sent 90,000\.00 CNY to Golden Sands Silica as piece #1\.\d+/u);
    await web.screenshot(buyer.page, "06-transfer-done");
    const newPiece = BigInt(/#1\.(\d+)/u.exec(sent)?.[1] ?? "0") | (1n << 32n);
    expect(await web.stack.contracts.receivableToken.ownerOf(newPiece)).to.equal(member("tier3").address);
    // Completed and uploaded: the inbox no longer offers them.
    await buyer.page.reload();
    await buyer.page.getByTestId("nav-transfer").click();
    await buyer.page.getByTestId("transfer-page").waitFor();
    expect(await buyer.page.locator("[data-testid=inbox-invoice] option", { hasText: number }).count()).to.equal(0);
  });
});
