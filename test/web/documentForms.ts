import type { Page } from "playwright-core";

/**
 * Filling the Documents page as a seller and as a carrier would: the VAT invoice's lines, the waybill's pick-up and
 * delivery as the carrier counted them. Shared by the browser tests that make their documents in the dApp.
 */

export interface InvoiceLineInput {
  item: string;
  quantity: string;
  unit: string;
  /** CNY as typed, "500.00". */
  unitPrice: string;
  /** Basis points, one of the form's rates. */
  taxRate: number;
}

export interface EventInput {
  place: string;
  /** Unix seconds; typed as China Standard Time. */
  time: number;
  quantity: string;
}

/** Unix seconds as a datetime-local value in China Standard Time. */
export function cstInput(seconds: number): string {
  return new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 16);
}

/** A date input's value (YYYY-MM-DD in CST) `days` after `seconds`. */
export function cstDate(seconds: number, days: number): string {
  return cstInput(seconds + days * 86_400).slice(0, 10);
}

export async function enterInvoice(
  page: Page,
  invoice: { number: string; buyer: string; purchaseOrder: string; dueDate: string; lines: InvoiceLineInput[] },
): Promise<void> {
  await page.getByTestId("nav-documents").click();
  await page.getByTestId("documents-page").waitFor();
  await page.getByTestId("document-number").fill(invoice.number);
  await page.getByTestId("invoice-buyer").selectOption(invoice.buyer);
  await page.getByTestId("invoice-po").fill(invoice.purchaseOrder);
  await page.getByTestId("invoice-due").fill(invoice.dueDate);
  for (const [index, line] of invoice.lines.entries()) {
    if (index > 0) await page.getByTestId("line-add").click();
    await page.getByTestId(`line-${index}-item`).fill(line.item);
    await page.getByTestId(`line-${index}-quantity`).fill(line.quantity);
    await page.getByTestId(`line-${index}-unit`).fill(line.unit);
    await page.getByTestId(`line-${index}-price`).fill(line.unitPrice);
    await page.getByTestId(`line-${index}-rate`).selectOption(String(line.taxRate));
  }
}

export async function enterWaybill(
  page: Page,
  waybill: {
    number: string;
    reference: string;
    shipper: string;
    consignee: string;
    goods: string;
    quantity: string;
    pickUp: EventInput;
    delivery: EventInput;
  },
): Promise<void> {
  await page.getByTestId("nav-documents").click();
  await page.getByTestId("documents-page").waitFor();
  await page.getByTestId("waybill-number").fill(waybill.number);
  await page.getByTestId("waybill-reference").fill(waybill.reference);
  await page.getByTestId("waybill-shipper").selectOption(waybill.shipper);
  await page.getByTestId("waybill-consignee").selectOption(waybill.consignee);
  await page.getByTestId("document-goods").fill(waybill.goods);
  await page.getByTestId("waybill-quantity").fill(waybill.quantity);
  for (const [kind, event] of [
    ["pickup", waybill.pickUp],
    ["delivery", waybill.delivery],
  ] as const) {
    await page.getByTestId(`${kind}-place`).fill(event.place);
    await page.getByTestId(`${kind}-time`).fill(cstInput(event.time));
    await page.getByTestId(`${kind}-quantity`).fill(event.quantity);
  }
}

/**
 * Signs the document entered on the Documents page (`invoice-sign` or `waybill-sign`), waits until it is filed, then
 * saves it as a file at `file`, as a clerk would keep a copy.
 */
export async function signAndSave(page: Page, sign: "invoice-sign" | "waybill-sign", file: string): Promise<string> {
  await page.getByTestId(sign).click();
  await page.getByTestId("documents-done").waitFor();
  const download = page.waitForEvent("download");
  await page.getByTestId("documents-save").click();
  await (await download).saveAs(file);
  return file;
}
