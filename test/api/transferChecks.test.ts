import { expect } from "chai";
import { invoiceProofToWire, invoiceToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import type { TransferCheckWire } from "../../src/api/wire/schemas";
import { ApiFailure } from "../../src/api/wire/client";
import { confirmDocumented, documentTrade, transferDocumented } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { call, clientOf, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";
import { ApplicationStore } from "../../src/onboarding/store";
import { signApplication } from "../../src/onboarding/application";
import type { Application } from "../../src/onboarding/application";
import { Role, roleMask } from "../../src/chain/roles";

/**
 * POST /v1/transfer-checks: before a transfer is signed, any client asks whether its documents back it as the
 * verifier will require. tier1 holds a piece confirmed by the anchor and pays tier2 for goods with a split of it.
 */
describe("API transfer pre-check", () => {
  let api: ApiHarness;
  let tier1: string;
  let tier3: string;
  let pieceId: bigint;
  let trade: Trade;

  before(async () => {
    api = await startApi();
    const { c } = api;
    tier1 = await signIn(api.url, c.tier1);
    tier3 = await signIn(api.url, c.tier3);
    pieceId = (await confirmDocumented(c, { supplier: c.tier1, faceValue: 10_000_000n })).tokenId;
    trade = await documentTrade(c, { seller: c.tier2, buyer: c.tier1, amount: 5_000_000n });
  });
  after(async () => {
    await api?.close();
  });

  const inline = (documents: Trade, over: Partial<TransferCheckWire> = {}): TransferCheckWire => ({
    tokenId: pieceId.toString(),
    recipient: documents.invoice.invoice.seller.account,
    amount: "5000000",
    invoice: invoiceToWire(documents.invoice.invoice),
    waybill: logisticsProofToWire(documents.logistics).waybill,
    ...over,
  });
  const codes = (answer: { failures: Array<{ code: string }> }) => answer.failures.map((failure) => failure.code);

  it("documents that back the transfer pass: ok, no failures", async () => {
    const verdict = await clientOf(api.url, tier1).call("transferCheck", { body: inline(trade) });
    expect(verdict.ok).to.equal(true);
    expect(verdict.failures).to.deep.equal([]);
    expect(verdict.asOfBlock).to.be.greaterThan(0);
  });

  it("a recipient other than the invoice's seller is refused, naming both", async () => {
    const verdict = await clientOf(api.url, tier1).call("transferCheck", { body: inline(trade, { recipient: api.c.tier3.address }) });
    expect(verdict.ok).to.equal(false);
    expect(codes(verdict)).to.deep.equal(["SELLER_NOT_RECIPIENT"]);
    const [failure] = verdict.failures;
    if (failure.code !== "SELLER_NOT_RECIPIENT") throw new Error("unreachable");
    expect(failure.sellerMemberId).to.equal(api.c.memberIds.get(api.c.tier2.address));
    expect(failure.recipientMemberId).to.equal(api.c.memberIds.get(api.c.tier3.address));
    expect(failure.message).to.contain(api.c.tier2.address).and.contain(api.c.tier3.address);
  });

  it("an amount above the invoice total is refused with both figures; above the piece's value too", async () => {
    const verdict = await clientOf(api.url, tier1).call("transferCheck", { body: inline(trade, { amount: "8000000" }) });
    expect(codes(verdict)).to.deep.equal(["TOTAL_BELOW_AMOUNT"]);
    expect(verdict.failures[0]).to.include({ total: "5000000", amount: "8000000" });
    // The raw fields stay for clients; the sentence gives CNY with two decimals, never fen.
    expect(verdict.failures[0].message).to.equal("the invoice total 50,000.00 CNY is below the amount 80,000.00 CNY");
    const tooMuch = await clientOf(api.url, tier1).call("transferCheck", { body: inline(trade, { amount: "20000000" }) });
    expect(codes(tooMuch)).to.deep.equal(["AMOUNT_ABOVE_PIECE", "TOTAL_BELOW_AMOUNT"]);
  });

  it("the sender is the piece's owner, whoever asks; an invoice to another buyer is refused", async () => {
    const verdict = await clientOf(api.url, tier3).call("transferCheck", { body: inline(trade) });
    expect(verdict.ok).to.equal(true);
    const otherBuyer = await documentTrade(api.c, { seller: api.c.tier2, buyer: api.c.tier3, amount: 5_000_000n });
    const refused = await clientOf(api.url, tier1).call("transferCheck", { body: inline(otherBuyer) });
    expect(codes(refused)).to.deep.equal(["BUYER_NOT_SENDER"]);
  });

  it("an invoice that already backs a piece is refused naming that piece, inline and by hash from the store", async () => {
    const used = await transferDocumented(api.c, { fromTokenId: pieceId, from: api.c.tier1, to: api.c.tier2, value: 1_000_000n });
    const verdict = await clientOf(api.url, tier1).call("transferCheck", { body: inline(used.trade, { amount: "1000000" }) });
    expect(codes(verdict)).to.deep.equal(["INVOICE_ALREADY_USED"]);
    expect(verdict.failures[0]).to.include({ usedByTokenId: used.tokenId.toString() });

    const uploaded = await call(api.url, "POST", "/v1/documents/invoices", { json: invoiceProofToWire(used.trade.invoice), token: tier1 });
    expect(uploaded.status).to.equal(201);
    const logistics = await call(api.url, "POST", "/v1/documents/logistics", { json: logisticsProofToWire(used.trade.logistics), token: tier1 });
    expect(logistics.status).to.equal(201);
    const byHash = await clientOf(api.url, tier1).call("transferCheck", {
      body: {
        tokenId: pieceId.toString(),
        recipient: api.c.tier2.address,
        amount: "1000000",
        invoiceHash: used.trade.invoiceHash,
        logisticsHash: used.trade.logisticsHash,
      },
    });
    expect(codes(byHash)).to.deep.equal(["INVOICE_ALREADY_USED"]);

    // A member that is no party of the stored documents may not use them by hash.
    const stranger = await call(api.url, "POST", "/v1/transfer-checks", {
      token: tier3,
      json: {
        tokenId: pieceId.toString(),
        recipient: api.c.tier2.address,
        amount: "1000000",
        invoiceHash: used.trade.invoiceHash,
        logisticsHash: used.trade.logisticsHash,
      },
    });
    expect(stranger.status).to.equal(403);
    expect(fieldsOf(stranger)).to.deep.equal(["invoiceHash"]);
  });

  it("malformed input is a 400 naming each wrong field, and an unknown hash or piece a 404 naming it", async () => {
    const post = (json: unknown) => call(api.url, "POST", "/v1/transfer-checks", { token: tier1, json });
    const badAmount = await post(inline(trade, { amount: "12.50" }));
    expect(badAmount.status).to.equal(400);
    expect(fieldsOf(badAmount)).to.deep.equal(["amount"]);
    const zero = await post(inline(trade, { amount: "0" }));
    expect(fieldsOf(zero)).to.deep.equal(["amount"]);
    const badRecipient = await post(inline(trade, { recipient: "0x1234" }));
    expect(fieldsOf(badRecipient)).to.deep.equal(["recipient"]);
    const { invoice: _invoice, ...noInvoice } = inline(trade);
    const missing = await post(noInvoice);
    expect(missing.status).to.equal(400);
    expect(fieldsOf(missing)).to.deep.equal(["invoice"]);
    const wrongTotal = await post(inline(trade, { invoice: { ...invoiceToWire(trade.invoice.invoice), total: "-5" } }));
    expect(wrongTotal.status).to.equal(400);
    expect(fieldsOf(wrongTotal)).to.deep.equal(["invoice.total"]);
    const unknownField = await post({ ...inline(trade), extra: 1 });
    expect(fieldsOf(unknownField)).to.deep.equal(["extra"]);

    const unknownHash = await post({ ...inline(trade), invoice: undefined, invoiceHash: `0x${"ab".repeat(32)}` });
    expect(unknownHash.status).to.equal(404);
    expect(codeOf(unknownHash)).to.equal("DOCUMENT_NOT_FOUND");
    expect(fieldsOf(unknownHash)).to.deep.equal(["invoiceHash"]);
    const unknownPiece = await post(inline(trade, { tokenId: (pieceId + 999n).toString() }));
    expect(unknownPiece.status).to.equal(404);
    expect(fieldsOf(unknownPiece)).to.deep.equal(["tokenId"]);
  });

  it("with the members' admitted applications stored, the sentence names them; the raw fields stay ids and addresses", async () => {
    const { c } = api;
    const applications = new ApplicationStore(api.store);
    for (const [signer, creditCode, nameEn] of [
      [c.tier2, c.creditCodes.get(c.tier2.address) ?? "", "Brightview Glass"],
      [c.tier3, c.creditCodes.get(c.tier3.address) ?? "", "Quartz Sand Co"],
    ] as const) {
      const application: Application = {
        applicant: signer.address,
        nameZh: "测试公司",
        nameEn,
        creditCode,
        roles: roleMask(Role.SUPPLIER),
        contacts: [{ name: "Li Wei", email: "finance@example.com", phone: "+86 755 1234 5678" }],
        addresses: [signer.address],
        filedAt: Math.floor(Date.now() / 1000),
      };
      await applications.add(application, await signApplication(signer, api.chainId, application));
    }
    const verdict = await clientOf(api.url, tier1).call("transferCheck", { body: inline(trade, { recipient: c.tier3.address }) });
    const [failure] = verdict.failures;
    if (failure?.code !== "SELLER_NOT_RECIPIENT") throw new Error(`expected SELLER_NOT_RECIPIENT, got ${JSON.stringify(verdict.failures)}`);
    const short = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;
    expect(failure.message).to.equal(
      `the invoice's seller is Brightview Glass (${short(c.tier2.address)}), but the piece would go to Quartz Sand Co (${short(c.tier3.address)}): a piece pays the seller of the goods`,
    );
    expect(failure.sellerMemberId).to.equal(c.memberIds.get(c.tier2.address));
    expect(failure.recipientMemberId).to.equal(c.memberIds.get(c.tier3.address));
  });

  it("an unsigned caller is refused with 401, and the typed client reports it", async () => {
    const answer = await call(api.url, "POST", "/v1/transfer-checks", { json: inline(trade) });
    expect(answer.status).to.equal(401);
    expect(codeOf(answer)).to.equal("SESSION_REQUIRED");
    try {
      await clientOf(api.url).call("transferCheck", { body: inline(trade) });
      expect.fail("an unsigned call went through");
    } catch (error) {
      expect(error).to.be.instanceOf(ApiFailure);
      expect((error as ApiFailure).status).to.equal(401);
    }
  });
});
