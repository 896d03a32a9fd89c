import { expect } from "chai";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import type { FundingRequest } from "../../src/chain/funding";
import { daysBetween, price } from "../../src/finance/discount";
import { signOffer } from "../../src/offers/offer";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import type { Offer } from "../../src/offers/offer";
import { DAY, latestTimestamp } from "../helpers/consortium";
import { confirmDocumented } from "../helpers/trades";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/**
 * Factors' offers over HTTP: a factor publishes, replaces and withdraws its own signed offers; a holder sees the
 * current offers that fit its piece, priced to maturity, best first, and may send one request (one nonce) to two
 * factors at once — the first to fund wins and the other's request lapses on chain. And the attacks: an offer in
 * another factor's name, signed by someone else, by a non-factor, for a non-anchor, expired, or older than the one
 * it would replace.
 */

interface Quote {
  offer: { factor: string; rateBps: number };
  price: string;
}

describe("API offers: publish, compare, request several factors at once", () => {
  let api: ApiHarness;
  let anchorId: number;
  const tokens = new Map<string, string>();
  const token = (signer: HardhatEthersSigner): string => tokens.get(signer.address) ?? "";

  before(async () => {
    api = await startApi({ index: true, offers: true });
    anchorId = api.c.memberIds.get(api.c.anchor.address) ?? 0;
    for (const signer of [api.c.factor, api.c.issuer, api.c.tier1, api.c.auditor]) tokens.set(signer.address, await signIn(api.url, signer));
  });
  after(async () => {
    await api?.close();
  });

  async function offerOf(factor: HardhatEthersSigner, overrides: Partial<Offer> = {}): Promise<Offer> {
    const now = Number(await latestTimestamp());
    return {
      factor: factor.address,
      anchorId,
      rateBps: 600,
      maxTenorDays: 180,
      minValue: 1_000_00n,
      maxValue: 2_000_000_00n,
      appetite: 10_000_000_00n,
      validUntil: now + 30 * 86_400,
      issuedAt: now,
      ...overrides,
    };
  }
  const publish = async (caller: HardhatEthersSigner, offer: Offer, signer: HardhatEthersSigner = caller) =>
    call(api.url, "POST", "/v1/offers", { token: token(caller), json: { offer, signature: await signOffer(signer, api.chainId, offer) } });

  it("attack: nobody publishes in another factor's name, with another's signature, without the FACTOR role, for a non-anchor, expired or stale", async () => {
    const inOthersName = await publish(api.c.issuer, await offerOf(api.c.factor), api.c.issuer);
    expect(inOthersName.status).to.equal(422);
    expect(fieldsOf(inOthersName)).to.deep.equal(["offer.factor"]);
    const signedByOther = await publish(api.c.factor, await offerOf(api.c.factor), api.c.issuer);
    expect(fieldsOf(signedByOther)).to.deep.equal(["signature"]);
    const notFactor = await publish(api.c.tier1, await offerOf(api.c.tier1));
    expect(notFactor.status).to.equal(403);
    expect(codeOf(notFactor)).to.equal("NOT_A_FACTOR");
    const notAnchor = await publish(api.c.factor, await offerOf(api.c.factor, { anchorId: api.c.memberIds.get(api.c.tier1.address) }));
    expect(fieldsOf(notAnchor)).to.deep.equal(["offer.anchorId"]);
    const expired = await publish(
      api.c.factor,
      await offerOf(api.c.factor, { validUntil: Number(await latestTimestamp()) - 1, issuedAt: Number(await latestTimestamp()) - 100 }),
    );
    expect(fieldsOf(expired)).to.deep.equal(["offer.validUntil"]);
    const malformed = await call(api.url, "POST", "/v1/offers", {
      token: token(api.c.factor),
      json: {
        offer: { ...(await offerOf(api.c.factor)), rateBps: 20_000, minValue: "5", maxValue: "4", appetite: "-1", extra: true },
        signature: "0x1",
      },
    });
    expect(malformed.status).to.equal(400);
    expect(fieldsOf(malformed)).to.have.members(["offer.rateBps", "offer.appetite", "offer.extra", "signature"]);
    const inverted = await call(api.url, "POST", "/v1/offers", {
      token: token(api.c.factor),
      json: { offer: { ...(await offerOf(api.c.factor)), minValue: "500", maxValue: "400", appetite: "1000" }, signature: `0x${"11".repeat(65)}` },
    });
    expect(fieldsOf(inverted)).to.deep.equal(["offer.maxValue"]);
    expect(((await call(api.url, "GET", "/v1/offers", { token: token(api.c.tier1) })).body as { offers: unknown[] }).offers).to.be.empty;

    const first = await offerOf(api.c.factor);
    expect((await publish(api.c.factor, first)).status).to.equal(201);
    const older = await publish(api.c.factor, { ...first, rateBps: 100, issuedAt: first.issuedAt - 1 });
    expect(older.status).to.equal(409);
    expect(fieldsOf(older)).to.deep.equal(["offer.issuedAt"]);
  });

  it("a holder sees the offers that fit, priced to maturity and best first; sends one nonce to both factors; the first to fund wins and the other's request lapses", async () => {
    const { c } = api;
    const now = await latestTimestamp();
    // The bank replaces its offer (a later issue); the issuer offers cheaper money; a third offer is too small.
    const bank = await offerOf(c.factor, { rateBps: 550, issuedAt: Number(now) + 1 });
    expect((await publish(c.factor, bank)).status).to.equal(201);
    const issuer = await offerOf(c.issuer, { rateBps: 480, maxValue: 600_000_00n });
    expect((await publish(c.issuer, issuer)).status).to.equal(201);

    const root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 1_000_000_00n, maturityInDays: 90n });
    expect(
      (await call(api.url, "POST", "/v1/documents/invoices", { token: token(c.tier1), json: invoiceProofToWire(root.trade.invoice) })).status,
    ).to.equal(201);
    expect(
      (await call(api.url, "POST", "/v1/documents/logistics", { token: token(c.tier1), json: logisticsProofToWire(root.trade.logistics) })).status,
    ).to.equal(201);
    const big = await call(api.url, "GET", `/v1/offers/quotes?tokenId=${root.tokenId}`, { token: token(c.tier1) });
    expect(big.status, JSON.stringify(big.body)).to.equal(200);
    const bigQuotes = big.body as { quotes: Quote[]; unfit: Array<{ factor: string; reason: string }> };
    expect(bigQuotes.quotes.map((quote) => quote.offer.factor)).to.deep.equal([c.factor.address]);
    expect(bigQuotes.unfit).to.deep.equal([{ factor: c.issuer.address, reason: "above the largest value" }]);

    const value = 500_000_00n;
    const answer = await call(api.url, "GET", `/v1/offers/quotes?tokenId=${root.tokenId}&value=${value}`, { token: token(c.tier1) });
    const { quotes, piece } = answer.body as { quotes: Quote[]; piece: { maturity: string } };
    const chainNow = await latestTimestamp();
    const days = daysBetween(chainNow, BigInt(piece.maturity));
    expect(quotes.map((quote) => [quote.offer.factor, quote.price])).to.deep.equal([
      [c.issuer.address, price(value, 480n, days).toString()],
      [c.factor.address, price(value, 550n, days).toString()],
    ]);
    // Only the holder asks about its piece; malformed queries name the field.
    expect((await call(api.url, "GET", `/v1/offers/quotes?tokenId=${root.tokenId}`, { token: token(c.auditor) })).status).to.equal(403);
    expect(fieldsOf(await call(api.url, "GET", `/v1/offers/quotes?tokenId=${root.tokenId}&value=0`, { token: token(c.tier1) }))).to.deep.equal([
      "query.value",
    ]);
    expect(fieldsOf(await call(api.url, "GET", "/v1/offers/quotes?tokenId=x", { token: token(c.tier1) }))).to.deep.equal(["query.tokenId"]);

    // One consent (one nonce) to both factors.
    const domain = financingDomain(api.chainId, await c.financing.getAddress());
    const nonce = 77n;
    const requestTo = async (factor: HardhatEthersSigner, rate: bigint): Promise<{ request: FundingRequest; holderSignature: string }> => {
      const request: FundingRequest = {
        tokenId: root.tokenId,
        value,
        minPrice: price(value, rate, days + 1n),
        factor: factor.address,
        withRecourse: false,
        deadline: chainNow + 2n * DAY,
        nonce,
      };
      return { request, holderSignature: await signFundingRequest(c.tier1, domain, request) };
    };
    const toIssuer = await requestTo(c.issuer, 480n);
    const toBank = await requestTo(c.factor, 550n);
    for (const body of [toIssuer, toBank]) {
      const sent = await call(api.url, "POST", "/v1/funding-requests", { token: token(c.tier1), json: body });
      expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    }
    const desk = (await call(api.url, "GET", "/v1/offers/own", { token: token(c.factor) })).body as {
      offers: Array<{ offer: { anchorId: number }; requests: Array<{ holder: string }> }>;
    };
    expect(desk.offers).to.have.length(1);
    expect(desk.offers[0].requests.map((entry) => entry.holder)).to.deep.equal([c.tier1.address]);

    // The issuer funds first, with the verifier's attestation.
    const check = await call(api.url, "POST", `/v1/tokens/${root.tokenId}/funding-checks`, {
      token: token(c.issuer),
      json: { ...toIssuer, price: toIssuer.request.minPrice },
    });
    expect(check.status, JSON.stringify(check.body)).to.equal(200);
    const passed = check.body as { attestation: Parameters<typeof c.financing.fund>[2]; signature: string };
    await (await c.settlementToken.connect(c.issuer).issue(c.issuer.address, value)).wait();
    await (await c.settlementToken.connect(c.issuer).approve(await c.financing.getAddress(), value)).wait();
    await (await c.financing.connect(c.issuer).fund(toIssuer.request, toIssuer.holderSignature, passed.attestation, [passed.signature])).wait();

    const mine = (await call(api.url, "GET", "/v1/funding-requests", { token: token(c.tier1) })).body as {
      requests: Array<{ request: { factor: string }; state: string }>;
    };
    const states = Object.fromEntries(mine.requests.map((entry) => [entry.request.factor, entry.state]));
    expect(states).to.deep.equal({ [c.issuer.address]: "funded", [c.factor.address]: "lapsed" });
    expect(await hre.ethers.provider.getBlockNumber()).to.be.greaterThan(0);
  });

  it("a factor withdraws its own offer; an expired offer is not offered", async () => {
    const { c } = api;
    const withdrawn = await call(api.url, "DELETE", `/v1/offers/${anchorId}`, { token: token(c.issuer) });
    expect(withdrawn.status).to.equal(204);
    expect((await call(api.url, "DELETE", `/v1/offers/${anchorId}`, { token: token(c.issuer) })).status).to.equal(404);
    expect(fieldsOf(await call(api.url, "DELETE", "/v1/offers/0", { token: token(c.issuer) }))).to.deep.equal(["id"]);
    const current = (await call(api.url, "GET", "/v1/offers", { token: token(c.tier1) })).body as { offers: Array<{ offer: { factor: string } }> };
    expect(current.offers.map((entry) => entry.offer.factor)).to.deep.equal([c.factor.address]);

    await hre.network.provider.request({ method: "evm_increaseTime", params: [31 * 86_400] });
    await hre.network.provider.request({ method: "evm_mine", params: [] });
    expect(((await call(api.url, "GET", "/v1/offers", { token: token(c.tier1) })).body as { offers: unknown[] }).offers).to.be.empty;
    const own = (await call(api.url, "GET", "/v1/offers/own", { token: token(c.factor) })).body as { offers: Array<{ current: boolean }> };
    expect(own.offers.map((entry) => entry.current)).to.deep.equal([false]);
    // A factor's own offers have their own route: the public list takes no query, and names what it refuses.
    expect(fieldsOf(await call(api.url, "GET", "/v1/offers?as=factor", { token: token(c.factor) }))).to.deep.equal(["query.as"]);
    expect((await call(api.url, "GET", "/v1/offers/own", { token: token(c.tier1) })).status).to.equal(403);
  });
});
