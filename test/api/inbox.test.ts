import { expect } from "chai";
import { invoiceProofToWire, invoiceToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { documentTrade } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/** The seller's half of a trade's invoice, as the seller files it (or would hand it over as a file). */
function sellerHalf(trade: Trade): Record<string, unknown> {
  return { invoice: invoiceToWire(trade.invoice.invoice), sellerSignature: trade.invoice.sellerSignature, sellerConsent: trade.sellerConsent };
}

/** The carrier's half of a trade's waybill: its events without the consignee's acknowledgment. */
function carrierHalf(trade: Trade): Record<string, unknown> {
  const wire = logisticsProofToWire(trade.logistics);
  return { waybill: wire.waybill, events: wire.events.map(({ consigneeSignature: _acknowledged, ...event }) => event) };
}

describe("API documents: the inbox (documents addressed to a member)", () => {
  let api: ApiHarness;
  let tokens: Record<"tier1" | "tier2" | "tier3" | "factor" | "auditor" | "carrier", string>;
  let trade: Trade;

  before(async () => {
    api = await startApi();
    const { c } = api;
    tokens = {
      tier1: await signIn(api.url, c.tier1),
      tier2: await signIn(api.url, c.tier2),
      tier3: await signIn(api.url, c.tier3),
      factor: await signIn(api.url, c.factor),
      auditor: await signIn(api.url, c.auditor),
      carrier: await signIn(api.url, c.carrier),
    };
    // tier2 sells to tier1; the consortium's carrier delivers.
    trade = await documentTrade(c, { seller: c.tier2, buyer: c.tier1, amount: 5_000_000n });
  });
  after(async () => {
    await api?.close();
  });

  const file = (kind: "invoices" | "logistics", json: unknown, token: string) =>
    call(api.url, "POST", `/v1/documents/issued/${kind}`, { json, token });
  const inbox = async (token: string) => {
    const answer = await call(api.url, "GET", "/v1/documents/inbox", { token });
    expect(answer.status).to.equal(200);
    return (answer.body as { documents: Array<Record<string, unknown>> }).documents;
  };

  it("the seller files its invoice and the buyer finds it in its inbox; nobody else's inbox shows it", async () => {
    const filed = await file("invoices", sellerHalf(trade), tokens.tier2);
    expect(filed.status).to.equal(201);
    expect(filed.body).to.deep.equal({ hash: trade.invoiceHash, kind: "invoice" });
    expect((await file("invoices", sellerHalf(trade), tokens.tier2)).status).to.equal(200);

    const buyers = await inbox(tokens.tier1);
    expect(buyers).to.have.length(1);
    expect(buyers[0]).to.include({
      hash: trade.invoiceHash,
      kind: "invoice",
      number: trade.invoice.invoice.number,
      total: "5000000",
      currency: "CNY",
      completed: false,
      issuerMemberId: api.c.memberIds.get(api.c.tier2.address),
    });
    expect(await inbox(tokens.tier3)).to.deep.equal([]);
    expect(await inbox(tokens.factor)).to.deep.equal([]);
  });

  it("the carrier files its waybill for the consignee and the shipper", async () => {
    const filed = await file("logistics", carrierHalf(trade), tokens.carrier);
    expect(filed.status).to.equal(201);
    expect(filed.body).to.deep.equal({ hash: trade.logisticsHash, kind: "logistics" });
    for (const token of [tokens.tier1, tokens.tier2]) {
      expect((await inbox(token)).map((entry) => entry.hash)).to.include(trade.logisticsHash);
    }
    expect((await inbox(tokens.tier3)).map((entry) => entry.hash)).to.not.include(trade.logisticsHash);
  });

  it("only the parties it names, auditors and operators read a filed document: a stranger and a factor get 403, an unknown hash 404", async () => {
    const read = (hash: string, token: string) => call(api.url, "GET", `/v1/documents/issued/${hash}`, { token });
    const buyer = await read(trade.invoiceHash, tokens.tier1);
    expect(buyer.status).to.equal(200);
    expect((buyer.body as { document: unknown }).document).to.deep.equal(sellerHalf(trade));
    expect((await read(trade.invoiceHash, tokens.auditor)).status).to.equal(200);
    for (const stranger of [tokens.tier3, tokens.factor]) {
      const refused = await read(trade.invoiceHash, stranger);
      expect(refused.status).to.equal(403);
      expect(codeOf(refused)).to.equal("NOT_A_READER");
    }
    // The carrier carried the goods but is no party of the invoice.
    expect((await read(trade.invoiceHash, tokens.carrier)).status).to.equal(403);
    expect((await read(`0x${"ab".repeat(32)}`, tokens.tier1)).status).to.equal(404);
    expect((await read("inbox-of-someone", tokens.tier1)).status).to.equal(400);
  });

  it("only the issuer files: the buyer filing the seller's invoice is refused 403 and nothing is filed", async () => {
    const other = await documentTrade(api.c, { seller: api.c.tier2, buyer: api.c.tier1, amount: 7_000n });
    const refused = await file("invoices", sellerHalf(other), tokens.tier1);
    expect(refused.status).to.equal(403);
    expect(codeOf(refused)).to.equal("NOT_THE_ISSUER");
    expect((await inbox(tokens.tier1)).map((entry) => entry.hash)).to.not.include(other.invoiceHash);
  });

  it("malformed input is 400 naming the field: a line's tax, a credit code's check character, an event's quantity", async () => {
    const half = sellerHalf(trade);
    const invoice = half.invoice as Record<string, unknown>;
    const lines = invoice.lines as Array<Record<string, unknown>>;
    const wrongTax = await file("invoices", { ...half, invoice: { ...invoice, lines: [{ ...lines[0], taxRate: 1300 }] } }, tokens.tier2);
    expect(wrongTax.status).to.equal(400);
    expect(fieldsOf(wrongTax)).to.include("invoice.lines.0.tax");
    const seller = invoice.seller as Record<string, unknown>;
    const code = seller.creditCode as string;
    const wrongCode = `${code.slice(0, 17)}${code[17] === "0" ? "1" : "0"}`;
    const badCode = await file("invoices", { ...half, invoice: { ...invoice, seller: { ...seller, creditCode: wrongCode } } }, tokens.tier2);
    expect(badCode.status).to.equal(400);
    expect(fieldsOf(badCode)).to.deep.equal(["invoice.seller.creditCode"]);
    const waybill = carrierHalf(trade);
    const events = waybill.events as Array<Record<string, unknown>>;
    const badEvent = await file("logistics", { ...waybill, events: [events[0], { ...events[1], quantity: "2.5" }] }, tokens.carrier);
    expect(badEvent.status).to.equal(400);
    expect(fieldsOf(badEvent)).to.deep.equal(["events.1.quantity"]);
  });

  it("a consent signed by someone else is 422 naming sellerConsent", async () => {
    const other = await documentTrade(api.c, { seller: api.c.tier2, buyer: api.c.tier1, amount: 9_000n });
    const forged = { ...sellerHalf(other), sellerConsent: trade.sellerConsent };
    const refused = await file("invoices", forged, tokens.tier2);
    expect(refused.status).to.equal(422);
    expect(fieldsOf(refused)).to.deep.equal(["sellerConsent"]);
  });

  it("once the buyer has acknowledged and uploaded the invoice, its inbox entry says completed", async () => {
    const uploaded = await call(api.url, "POST", "/v1/documents/invoices", { json: invoiceProofToWire(trade.invoice), token: tokens.tier1 });
    expect(uploaded.status).to.equal(201);
    const entry = (await inbox(tokens.tier1)).find((item) => item.hash === trade.invoiceHash);
    expect(entry?.completed).to.equal(true);
  });
});
