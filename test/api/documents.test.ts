import { expect } from "chai";
import { invoiceProofToWire, signInvoice } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { DAY, latestTimestamp } from "../helpers/consortium";
import { documentTrade, tradeProofOf } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

describe("API documents: upload and read", () => {
  let api: ApiHarness;
  let tokens: Record<"tier1" | "tier2" | "tier3" | "factor" | "auditor" | "operator" | "carrier", string>;
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
      operator: await signIn(api.url, c.operator),
      carrier: await signIn(api.url, c.carrier),
    };
    // tier2 sells to tier1, the consortium's carrier delivers.
    trade = await documentTrade(c, { seller: c.tier2, buyer: c.tier1, amount: 5_000_000n });
  });
  after(async () => {
    await api?.close();
  });

  const upload = (kind: "invoices" | "logistics", json: unknown, token: string) => call(api.url, "POST", `/v1/documents/${kind}`, { json, token });

  it("a party uploads its invoice and waybill: 201 with the hash, then 200 for the same document again", async () => {
    const invoice = await upload("invoices", invoiceProofToWire(trade.invoice), tokens.tier2);
    expect(invoice.status).to.equal(201);
    expect(invoice.body).to.deep.equal({ hash: trade.invoiceHash, kind: "invoice" });
    expect(invoice.headers.get("location")).to.equal(`/v1/documents/${trade.invoiceHash}`);
    const logistics = await upload("logistics", logisticsProofToWire(trade.logistics), tokens.carrier);
    expect(logistics.status).to.equal(201);
    expect(logistics.body).to.deep.equal({ hash: trade.logisticsHash, kind: "logistics" });

    const again = await upload("invoices", invoiceProofToWire(trade.invoice), tokens.tier1);
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal({ hash: trade.invoiceHash, kind: "invoice" });
    expect(await api.store.hashes()).to.have.members([trade.invoiceHash, trade.logisticsHash]);
    expect((await api.store.record(trade.invoiceHash))?.uploadedBy).to.equal(api.c.tier2.address);
  });

  it("a forged signature is refused naming the signature, and nothing is stored", async () => {
    const other = await documentTrade(api.c, { seller: api.c.tier2, buyer: api.c.tier1, amount: 7n });
    const forged = { ...other.invoice, buyerSignature: await signInvoice(api.c.tier3, api.chainId, other.invoice.invoice) };
    const before = await api.store.hashes();
    const answer = await upload("invoices", invoiceProofToWire(forged), tokens.tier2);
    expect(answer.status).to.equal(422);
    expect(codeOf(answer)).to.equal("SIGNATURE_INVALID");
    expect(fieldsOf(answer)).to.deep.equal(["buyerSignature"]);
    expect(await api.store.hashes()).to.deep.equal(before);
  });

  it("a document signed for another chain id is refused naming every signature", async () => {
    const other = await documentTrade(api.c, { seller: api.c.tier2, buyer: api.c.tier1, amount: 9n });
    const elsewhere = {
      ...other.invoice,
      sellerSignature: await signInvoice(api.c.tier2, api.chainId + 1n, other.invoice.invoice),
      buyerSignature: await signInvoice(api.c.tier1, api.chainId + 1n, other.invoice.invoice),
    };
    const answer = await upload("invoices", invoiceProofToWire(elsewhere), tokens.tier2);
    expect(answer.status).to.equal(422);
    expect(fieldsOf(answer)).to.deep.equal(["sellerSignature", "buyerSignature"]);
  });

  it("a document naming a non-member, or the wrong member id, is refused naming the party", async () => {
    const outsider = api.c.outsiders[0];
    const withOutsider = await documentTrade(
      { ...api.c, memberIds: new Map([...api.c.memberIds, [outsider.address, 99]]) },
      { seller: api.c.tier2, buyer: outsider, amount: 11n },
    );
    const answer = await upload("invoices", invoiceProofToWire(withOutsider.invoice), tokens.tier2);
    expect(answer.status).to.equal(422);
    expect(codeOf(answer)).to.equal("PARTY_NOT_MEMBER");
    // The waybill's consignee is the outsider too.
    expect(fieldsOf(answer)).to.deep.equal(["invoice.buyer.account"]);
    const logistics = await upload("logistics", logisticsProofToWire(withOutsider.logistics), tokens.tier2);
    expect(fieldsOf(logistics)).to.deep.equal(["waybill.consignee.account"]);

    const tier3Id = api.c.memberIds.get(api.c.tier3.address) ?? 0;
    const wrongId = await documentTrade(
      { ...api.c, memberIds: new Map([...api.c.memberIds, [api.c.tier1.address, tier3Id]]) },
      { seller: api.c.tier2, buyer: api.c.tier1, amount: 12n },
    );
    const mismatch = await upload("invoices", invoiceProofToWire(wrongId.invoice), tokens.tier2);
    expect(mismatch.status).to.equal(422);
    expect(fieldsOf(mismatch)).to.deep.equal(["invoice.buyer.memberId"]);
  });

  it("only a party (or an operator) may upload", async () => {
    const other = await documentTrade(api.c, { seller: api.c.tier2, buyer: api.c.tier1, amount: 13n });
    const stranger = await upload("invoices", invoiceProofToWire(other.invoice), tokens.tier3);
    expect(stranger.status).to.equal(403);
    expect(codeOf(stranger)).to.equal("NOT_A_PARTY");
    expect(await api.store.record(other.invoiceHash)).to.equal(undefined);
    expect((await upload("invoices", invoiceProofToWire(other.invoice), tokens.operator)).status).to.equal(201);
  });

  it("a waybill 'signed' by a supplier posing as carrier uploads: roles are the verifier's question", async () => {
    const posing = await documentTrade(api.c, { seller: api.c.tier3, buyer: api.c.tier2, amount: 14n, carrier: api.c.tier3 });
    const answer = await upload("logistics", logisticsProofToWire(posing.logistics), tokens.tier3);
    expect(answer.status).to.equal(201);
  });

  it("wrong fields in a document are each named, and nothing is stored", async () => {
    const wire = invoiceProofToWire(trade.invoice);
    const broken = { ...wire, invoice: { ...wire.invoice, total: 5_000_000, currency: "yuan", extra: true } };
    const before = await api.store.hashes();
    const answer = await upload("invoices", broken, tokens.tier2);
    expect(answer.status).to.equal(400);
    expect(fieldsOf(answer)).to.have.members(["invoice.total", "invoice.currency", "invoice.extra"]);
    expect(await api.store.hashes()).to.deep.equal(before);
  });

  it("parties, auditors and operators read a document; another supplier may not", async () => {
    for (const reader of [tokens.tier1, tokens.tier2, tokens.auditor, tokens.operator]) {
      const answer = await call(api.url, "GET", `/v1/documents/${trade.invoiceHash}`, { token: reader });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.include({ hash: trade.invoiceHash, kind: "invoice", uploadedBy: api.c.tier2.address });
      expect((answer.body as { document: unknown }).document).to.deep.equal(JSON.parse(JSON.stringify(invoiceProofToWire(trade.invoice))));
    }
    const carrierReadsWaybill = await call(api.url, "GET", `/v1/documents/${trade.logisticsHash}`, { token: tokens.carrier });
    expect(carrierReadsWaybill.status).to.equal(200);
    const other = await call(api.url, "GET", `/v1/documents/${trade.invoiceHash}`, { token: tokens.tier3 });
    expect(other.status).to.equal(403);
    expect(codeOf(other)).to.equal("NOT_A_READER");
  });

  it("a factor reads a document only once it holds a piece the document backs, not when the hash is merely on chain", async () => {
    const future = await documentTrade(api.c, { seller: api.c.tier1, buyer: api.c.anchor, amount: 20_000_000n });
    expect((await upload("invoices", invoiceProofToWire(future.invoice), tokens.tier1)).status).to.equal(201);
    const early = await call(api.url, "GET", `/v1/documents/${future.invoiceHash}`, { token: tokens.factor });
    expect(early.status).to.equal(403);
    const anchorToken = api.c.receivableToken.connect(api.c.anchor);
    const confirmation = {
      supplier: api.c.tier1.address,
      faceValue: 20_000_000n,
      maturity: (await latestTimestamp()) + 90n * DAY,
      currency: "0x434e59",
      ...tradeProofOf(future),
    };
    const [, rootId] = await anchorToken.confirm.staticCall(confirmation);
    await (await anchorToken.confirm(confirmation)).wait();
    // Named on chain, but no piece of it is offered to or held by the factor.
    expect((await call(api.url, "GET", `/v1/documents/${future.invoiceHash}`, { token: tokens.factor })).status).to.equal(403);
    await (
      await api.c.receivableToken.connect(api.c.tier1)["transferFrom(address,address,uint256)"](api.c.tier1.address, api.c.factor.address, rootId)
    ).wait();
    const later = await call(api.url, "GET", `/v1/documents/${future.invoiceHash}`, { token: tokens.factor });
    expect(later.status).to.equal(200);
    expect(later.body).to.deep.include({ hash: future.invoiceHash, kind: "invoice" });
  });

  it("unknown and malformed hashes: 404 and 400; no session: 401", async () => {
    expect((await call(api.url, "GET", `/v1/documents/0x${"ab".repeat(32)}`, { token: tokens.tier1 })).status).to.equal(404);
    const malformed = await call(api.url, "GET", "/v1/documents/0x1234", { token: tokens.tier1 });
    expect(malformed.status).to.equal(400);
    expect(fieldsOf(malformed)).to.deep.equal(["hash"]);
    expect((await call(api.url, "GET", `/v1/documents/${trade.invoiceHash}`)).status).to.equal(401);
    expect((await upload("invoices", invoiceProofToWire(trade.invoice), "")).status).to.equal(401);
  });
});
