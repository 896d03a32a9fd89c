import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { invoiceProofToWire, signInvoice } from "../../src/proofs/invoice";
import type { Invoice, InvoiceParty } from "../../src/proofs/invoice";
import { issueInvoiceConsent, randomSalt } from "../../src/proofs/issue";
import { sellerInvoiceToWire } from "../../src/proofs/issued";
import { MAX_PENDING_PER_SENDER } from "../../src/documents/issued";
import { DAY, latestTimestamp, nextInvoiceNumber } from "../helpers/consortium";
import { invoicePartyOf } from "../helpers/trades";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/**
 * An attacker's review of the documents' inbox (`POST /v1/documents/issued/invoices`, `GET /v1/documents/inbox`):
 * filing under someone else's identity, squatting an invoice number, flooding another member's inbox, bodies that
 * are no invoice at all.
 */

describe("review: the documents' inbox under attack", () => {
  let api: ApiHarness;
  let tokens: Record<"tier1" | "tier2" | "tier3", string>;

  before(async () => {
    api = await startApi();
    tokens = { tier1: await signIn(api.url, api.c.tier1), tier2: await signIn(api.url, api.c.tier2), tier3: await signIn(api.url, api.c.tier3) };
  });
  after(async () => {
    await api?.close();
  });

  /** An invoice `signer` signs (with its consent) naming `seller` and `buyer` as given: the attacker's own forgery. */
  const forged = async (signer: HardhatEthersSigner, seller: InvoiceParty, buyer: InvoiceParty, number = nextInvoiceNumber()) => {
    const now = await latestTimestamp();
    const invoice: Invoice = {
      number,
      issueDate: Number(now - DAY),
      seller,
      buyer,
      currency: "CNY",
      lines: [{ item: "goods", quantity: 1n, unit: "批", unitPrice: 1_000n, amount: 1_000n, taxRate: 0, tax: 0n }],
      totalBeforeTax: 1_000n,
      tax: 0n,
      total: 1_000n,
      purchaseOrder: `PO-${number}`,
      dueDate: Number(now + 30n * DAY),
      salt: randomSalt(),
    };
    const sellerSignature = await signInvoice(signer, api.chainId, invoice);
    const sellerConsent = await issueInvoiceConsent(api.chainId, await api.c.receivableToken.getAddress(), invoice, signer);
    return { invoice, sellerSignature, half: sellerInvoiceToWire({ invoice, sellerSignature, sellerConsent }) };
  };
  const file = (json: unknown, token: string) => call(api.url, "POST", "/v1/documents/issued/invoices", { json, token });
  const inboxHashes = async (token: string): Promise<string[]> =>
    ((await call(api.url, "GET", "/v1/documents/inbox", { token })).body as { documents: Array<{ hash: string }> }).documents.map((d) => d.hash);

  it("hole (fixed): a seller cannot file an invoice naming another member's credit code, for itself or its buyer", async () => {
    const { c } = api;
    const victimCode = invoicePartyOf(c, c.tier2).creditCode;
    const asVictim = await forged(c.tier3, { ...invoicePartyOf(c, c.tier3), creditCode: victimCode }, invoicePartyOf(c, c.tier1));
    const refused = await file(asVictim.half, tokens.tier3);
    expect(refused.status).to.equal(422);
    expect(codeOf(refused)).to.equal("CREDIT_CODE_MISMATCH");
    expect(fieldsOf(refused)).to.deep.equal(["invoice.seller.creditCode"]);
    const wrongBuyer = await forged(c.tier3, invoicePartyOf(c, c.tier3), { ...invoicePartyOf(c, c.tier1), creditCode: victimCode });
    expect(fieldsOf(await file(wrongBuyer.half, tokens.tier3))).to.deep.equal(["invoice.buyer.creditCode"]);
    expect(await inboxHashes(tokens.tier1)).to.deep.equal([]);
  });

  it("no hole: filing as someone else's seller is 422 or 403 naming the field, never a 500", async () => {
    const { c } = api;
    const buyer = invoicePartyOf(c, c.tier1);
    // The victim's whole identity, signed with the attacker's key.
    const signedByAttacker = await file((await forged(c.tier3, invoicePartyOf(c, c.tier2), buyer)).half, tokens.tier3);
    expect([signedByAttacker.status, fieldsOf(signedByAttacker)]).to.deep.equal([422, ["sellerSignature", "sellerConsent"]]);
    // The victim's member id beside the attacker's own account; a member id nobody has.
    for (const memberId of [c.memberIds.get(c.tier2.address) ?? 0, 999_999]) {
      const answer = await file((await forged(c.tier3, { ...invoicePartyOf(c, c.tier3), memberId }, buyer)).half, tokens.tier3);
      expect([answer.status, codeOf(answer), fieldsOf(answer)]).to.deep.equal([422, "PARTY_NOT_MEMBER", ["invoice.seller.memberId"]]);
    }
    // A half the real seller signed, filed by someone else.
    const real = await forged(c.tier2, invoicePartyOf(c, c.tier2), buyer);
    expect(codeOf(await file(real.half, tokens.tier3))).to.equal("NOT_THE_ISSUER");
    expect(await inboxHashes(tokens.tier1)).to.deep.equal([]);
  });

  it("no hole: another seller's invoice with the same number is a document of its own; the victim still files its own", async () => {
    const { c } = api;
    const number = nextInvoiceNumber();
    const squat = await file((await forged(c.tier3, invoicePartyOf(c, c.tier3), invoicePartyOf(c, c.tier1), number)).half, tokens.tier3);
    const own = await file((await forged(c.tier2, invoicePartyOf(c, c.tier2), invoicePartyOf(c, c.tier1), number)).half, tokens.tier2);
    expect([squat.status, own.status]).to.deep.equal([201, 201]);
    const ownHash = (own.body as { hash: string }).hash;
    expect(ownHash).to.not.equal((squat.body as { hash: string }).hash);
    const read = await call(api.url, "GET", `/v1/documents/issued/${ownHash}`, { token: tokens.tier1 });
    expect((read.body as { issuerMemberId: number }).issuerMemberId).to.equal(c.memberIds.get(c.tier2.address));
  });

  it("hole (fixed): one member cannot flood another's inbox: uncompleted filings per sender and addressee are capped", async () => {
    const { c } = api;
    const seller = invoicePartyOf(c, c.tier3);
    const buyer = invoicePartyOf(c, c.tier1);
    const filed: Array<Awaited<ReturnType<typeof forged>>> = [];
    // The squat above left one of tier 3's filings to tier 1 uncompleted.
    for (let index = 1; index < MAX_PENDING_PER_SENDER; index += 1) {
      const next = await forged(c.tier3, seller, buyer);
      expect((await file(next.half, tokens.tier3)).status).to.equal(201);
      filed.push(next);
    }
    const flood = await forged(c.tier3, seller, buyer);
    const refused = await file(flood.half, tokens.tier3);
    expect([refused.status, codeOf(refused)]).to.deep.equal([429, "TOO_MANY_PENDING"]);
    // Filing the same one again is no new filing; other senders and other addressees are untouched.
    expect((await file(filed[0].half, tokens.tier3)).status).to.equal(200);
    expect((await file((await forged(c.tier2, invoicePartyOf(c, c.tier2), buyer)).half, tokens.tier2)).status).to.equal(201);
    expect((await file((await forged(c.tier3, seller, invoicePartyOf(c, c.tier2))).half, tokens.tier3)).status).to.equal(201);
    // Once the buyer completes one, the seller may file another.
    const { invoice, sellerSignature } = filed[0];
    const buyerSignature = await signInvoice(c.tier1, api.chainId, invoice);
    const completed = await call(api.url, "POST", "/v1/documents/invoices", {
      json: invoiceProofToWire({ invoice, sellerSignature, buyerSignature }),
      token: tokens.tier1,
    });
    expect(completed.status).to.equal(201);
    expect((await file(flood.half, tokens.tier3)).status).to.equal(201);
  });

  it("no hole: a body that is no object is a 400 naming the body, never a 500", async () => {
    for (const raw of ["[]", "null", "42", '"invoice"', "{"]) {
      const answer = await call(api.url, "POST", "/v1/documents/issued/invoices", { raw, token: tokens.tier2 });
      expect(answer.status, raw).to.equal(400);
    }
    const extra = await file(
      { ...(await forged(api.c.tier2, invoicePartyOf(api.c, api.c.tier2), invoicePartyOf(api.c, api.c.tier1))).half, x: 1 },
      tokens.tier2,
    );
    expect(fieldsOf(extra)).to.deep.equal(["x"]);
  });
});
