import { expect } from "chai";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import type { FundingRequest } from "../../src/chain/funding";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { DAY, latestTimestamp } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { call, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/** What the funding-check route answers, as JSON (bigints as decimal strings). */
interface Attested {
  attestation: Record<string, string | boolean>;
  signature: string;
  signer: string;
  fundingId: string;
  asOfBlock: number;
  steps: Array<{ step: number; kind: string; tokenId: string; passed: boolean }>;
}
interface Refused {
  failures: Array<{ code: string; message: string; step?: number; tokenId?: string }>;
  asOfBlock: number;
  steps: unknown[];
}

describe("API story: documents in, a forged waybill caught, an attestation out, the factor funds on chain", () => {
  let api: ApiHarness;

  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api?.close();
  });

  it("tier 3 is paid twice by tier 2; the piece with the forged carrier signature is refused, the genuine one is funded", async () => {
    const { c } = api;
    // The anchor confirms 1,000,000.00 CNY to tier 1; tier 1 pays tier 2; tier 2 pays tier 3 twice: once backed by a
    // waybill the consortium's carrier signed, once by a waybill tier 3 "signed" itself as carrier.
    const root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 100_000_000n });
    const toTier2 = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier2, value: 40_000_000n });
    const genuine = await transferDocumented(c, { fromTokenId: toTier2.tokenId, from: c.tier2, to: c.tier3, value: 10_000_000n });
    const forged = await transferDocumented(c, {
      fromTokenId: toTier2.tokenId,
      from: c.tier2,
      to: c.tier3,
      value: 5_000_000n,
      trade: { carrier: c.tier3 },
    });

    const tier1 = await signIn(api.url, c.tier1);
    const tier2 = await signIn(api.url, c.tier2);
    const tier3 = await signIn(api.url, c.tier3);
    const factor = await signIn(api.url, c.factor);

    const domain = financingDomain(api.chainId, await c.financing.getAddress());
    const requestFor = async (tokenId: bigint, value: bigint, nonce: bigint): Promise<{ request: FundingRequest; holderSignature: string }> => {
      const request: FundingRequest = {
        tokenId,
        value,
        minPrice: (value * 97n) / 100n,
        factor: c.factor.address,
        withRecourse: false,
        deadline: (await latestTimestamp()) + DAY,
        nonce,
      };
      return { request, holderSignature: await signFundingRequest(c.tier3, domain, request) };
    };
    const check = async (tokenId: bigint, value: bigint, nonce: bigint) => {
      const { request, holderSignature } = await requestFor(tokenId, value, nonce);
      const body = { request, holderSignature, price: (value * 98n) / 100n };
      return { request, holderSignature, answer: await call(api.url, "POST", `/v1/tokens/${tokenId}/funding-checks`, { token: factor, json: body }) };
    };

    // Before the documents are uploaded the verifier has nothing to check.
    const early = await check(genuine.tokenId, 10_000_000n, 1n);
    expect(early.answer.status).to.equal(422);
    expect((early.answer.body as Refused).failures.map((failure) => failure.code)).to.include("DOCUMENT_MISSING");

    // Each seller uploads its trade's documents.
    const uploads: Array<[string, Trade]> = [
      [tier1, root.trade],
      [tier2, toTier2.trade],
      [tier3, genuine.trade],
      [tier3, forged.trade],
    ];
    for (const [token, trade] of uploads) {
      expect((await call(api.url, "POST", "/v1/documents/invoices", { token, json: invoiceProofToWire(trade.invoice) })).status).to.equal(201);
      expect((await call(api.url, "POST", "/v1/documents/logistics", { token, json: logisticsProofToWire(trade.logistics) })).status).to.equal(201);
    }

    // The forged carrier signature: refused, with the reason, on the step it belongs to.
    const refused = await check(forged.tokenId, 5_000_000n, 2n);
    expect(refused.answer.status).to.equal(422);
    const failures = (refused.answer.body as Refused).failures;
    expect(failures.map((failure) => failure.code)).to.deep.equal(["CARRIER_NOT_REGISTERED", "CARRIER_NOT_INDEPENDENT"]);
    expect(failures[0]).to.include({ step: 2, tokenId: forged.tokenId.toString() });
    expect(failures[0].message).to.contain(c.tier3.address);

    // The genuine one: attested by the verifier's key over every step from the confirmation.
    const passed = await check(genuine.tokenId, 10_000_000n, 3n);
    expect(passed.answer.status, JSON.stringify(passed.answer.body)).to.equal(200);
    const attested = passed.answer.body as Attested;
    expect(attested.signer).to.equal(c.verifier.address);
    expect(attested.attestation).to.include({
      tokenId: genuine.tokenId.toString(),
      holder: c.tier3.address,
      factor: c.factor.address,
      value: "10000000",
      price: "9800000",
      invoiceHash: genuine.trade.invoiceHash,
      logisticsHash: genuine.trade.logisticsHash,
      nonce: "3",
    });
    expect(attested.steps.map((step) => [step.kind, step.passed])).to.deep.equal([
      ["confirmation", true],
      ["transfer", true],
      ["transfer", true],
    ]);

    // The factor funds on chain with exactly what the API returned.
    const price = BigInt(attested.attestation.price);
    await (await c.settlementToken.connect(c.issuer).issue(c.factor.address, price)).wait();
    await (await c.settlementToken.connect(c.factor).approve(await c.financing.getAddress(), price)).wait();
    const financing = c.financing.connect(c.factor);
    const [fundingId] = await financing.fund.staticCall(passed.request, passed.holderSignature, attested.attestation as never, [attested.signature]);
    expect(fundingId).to.equal(attested.fundingId);
    await expect(financing.fund(passed.request, passed.holderSignature, attested.attestation as never, [attested.signature]))
      .to.emit(c.financing, "Funded")
      .withArgs(attested.fundingId, genuine.tokenId, c.factor.address, c.tier3.address, genuine.tokenId, 10_000_000n, price, false);
    expect(await c.settlementToken.balanceOf(c.tier3.address)).to.equal(price);

    // The API's reads now show the factor holding the piece, and the funding in its lineage.
    const piece = await call(api.url, "GET", `/v1/tokens/${genuine.tokenId}`, { token: factor });
    expect(piece.status).to.equal(200);
    expect(piece.body).to.deep.include({
      tokenId: genuine.tokenId.toString(),
      owner: c.factor.address,
      value: "10000000",
      live: true,
      parentId: toTier2.tokenId.toString(),
    });
    expect((piece.body as { proof: unknown }).proof).to.deep.equal({
      kind: "transfer",
      invoiceFingerprint: genuine.trade.fingerprint,
      invoiceHash: genuine.trade.invoiceHash,
      logisticsHash: genuine.trade.logisticsHash,
    });
    const lineage = await call(api.url, "GET", `/v1/tokens/${genuine.tokenId}/lineage`, { token: factor });
    expect(lineage.status).to.equal(200);
    const steps = (
      lineage.body as { steps: Array<{ kind: string; tokenId: string; ownerChanges: Array<{ to: string; funding?: { fundingId: string } }> }> }
    ).steps;
    expect(steps.map((step) => [step.kind, step.tokenId])).to.deep.equal([
      ["confirmation", root.tokenId.toString()],
      ["transfer", toTier2.tokenId.toString()],
      ["transfer", genuine.tokenId.toString()],
    ]);
    expect(steps[2].ownerChanges.map((change) => [change.to, change.funding?.fundingId])).to.deep.equal([[c.factor.address, attested.fundingId]]);

    // The same request again: the piece is the factor's now, bought whole.
    const replay = await call(api.url, "POST", `/v1/tokens/${genuine.tokenId}/funding-checks`, {
      token: factor,
      json: { request: passed.request, holderSignature: passed.holderSignature, price: price.toString() },
    });
    expect(replay.status).to.equal(422);
    expect(
      (replay.body as Refused).failures.map((failure) => failure.code),
      JSON.stringify(replay.body),
    ).to.include("ALREADY_FUNDED");
  });
});
