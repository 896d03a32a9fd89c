import { expect } from "chai";
import hre from "hardhat";
import { MaxUint256 } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { financingDomain, signFundingAttestationBy, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { calendarDateCst } from "../../src/chain/membership";
import { signOffer } from "../../src/offers/offer";
import { DAY, STORY_CREDIT_LINE, latestTimestamp, randomHash } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { Answer, ApiHarness } from "./harness";

/**
 * The record behind a funding decision over HTTP (issue 19 part 2): an anchor that repaid one receivable at the very
 * second of maturity, one a second after maturity plus grace, and left one unpaid past grace; a supplier's verified
 * trades and a refused funding check; a factor's exposure by anchor and maturity month. Who may read which, and
 * malformed addresses answered 400 naming the field.
 */

const GRACE = 3n * DAY;

interface RecordBody {
  asOfBlock: number;
  asOfTimestamp: number;
  final: boolean;
  [key: string]: unknown;
}

describe("API: the record behind a funding decision (anchor, supplier, factor)", () => {
  let api: ApiHarness;
  let tokens: Record<"auditor" | "factor" | "otherFactor" | "tier1" | "tier2" | "tier3" | "anchor", string>;
  const maturities: bigint[] = [];
  const slots: bigint[] = [];
  let tier2Piece: bigint;
  let firstConfirmationTime: bigint;
  let transferTime: bigint;

  const read = async (token: string, route: string): Promise<Answer> => {
    const head = await hre.ethers.provider.getBlockNumber();
    return call(api.url, "GET", `${route}?minBlock=${head}`, { token });
  };
  const at = async (time: bigint): Promise<void> => {
    await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(time)] });
  };
  const blockTime = async (): Promise<bigint> => BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);

  async function fundDirectly(holder: HardhatEthersSigner, tokenId: bigint, value: bigint, nonce: bigint): Promise<void> {
    const { c } = api;
    const financing = await c.financing.getAddress();
    const domain = financingDomain(api.chainId, financing);
    const deadline = (await latestTimestamp()) + DAY;
    const request: FundingRequest = { tokenId, value, minPrice: value - 1_000n, factor: c.factor.address, withRecourse: false, deadline, nonce };
    const attestation: FundingAttestation = {
      tokenId,
      holder: holder.address,
      factor: c.factor.address,
      value,
      price: value - 1_000n,
      invoiceHash: randomHash(),
      logisticsHash: randomHash(),
      tradeProofHash: randomHash(),
      withRecourse: false,
      deadline,
      nonce,
    };
    const signatures = await signFundingAttestationBy([c.verifier], domain, attestation);
    await (await c.financing.connect(c.factor).fund(request, await signFundingRequest(holder, domain, request), attestation, signatures)).wait();
  }

  before(async () => {
    api = await startApi({ index: true, offers: true });
    const { c } = api;
    await (await c.settlement.connect(c.operator).setGracePeriod(GRACE)).wait();
    // Four receivables to tier 1: A and B due in 30 days, C in 60, D in 120.
    for (const [face, days] of [
      [1_000_000n, 30n],
      [500_000n, 30n],
      [200_000n, 60n],
      [300_000n, 120n],
    ] as const) {
      const confirmed = await confirmDocumented(c, { supplier: c.tier1, faceValue: face, maturityInDays: days });
      if (slots.length === 0) firstConfirmationTime = await blockTime();
      slots.push(confirmed.slot);
      maturities.push((await c.receivableToken.receivable(confirmed.slot)).maturity);
    }
    // Tier 1 pays tier 2 100,000.00 fen out of A: a verified trade, tier 2 the seller.
    tier2Piece = (await transferDocumented(c, { fromTokenId: (slots[0] << 32n) | 1n, from: c.tier1, to: c.tier2, value: 100_000n })).tokenId;
    transferTime = await blockTime();
    // The factor buys 50,000 of C and 100,000 of D from tier 1.
    await (await c.settlementToken.connect(c.issuer).issue(c.factor.address, 10_000_000n)).wait();
    await (await c.settlementToken.connect(c.factor).approve(await c.financing.getAddress(), MaxUint256)).wait();
    await fundDirectly(c.tier1, (slots[2] << 32n) | 1n, 50_000n, 1n);
    await fundDirectly(c.tier1, (slots[3] << 32n) | 1n, 100_000n, 2n);

    tokens = {
      auditor: await signIn(api.url, c.auditor),
      factor: await signIn(api.url, c.factor),
      otherFactor: await signIn(api.url, c.issuer),
      tier1: await signIn(api.url, c.tier1),
      tier2: await signIn(api.url, c.tier2),
      tier3: await signIn(api.url, c.tier3),
      anchor: await signIn(api.url, c.anchor),
    };
  });
  after(async () => {
    await api?.close();
  });

  it("keeps a refused funding check of a request the supplier signed, and lets the factor it waits for read the record", async () => {
    const { c } = api;
    const domain = financingDomain(api.chainId, await c.financing.getAddress());
    const request: FundingRequest = {
      tokenId: tier2Piece,
      value: 100_000n,
      minPrice: 95_000n,
      factor: c.factor.address,
      withRecourse: false,
      deadline: (await latestTimestamp()) + DAY,
      nonce: 77n,
    };
    const holderSignature = await signFundingRequest(c.tier2, domain, request);
    const wire = {
      ...request,
      tokenId: String(request.tokenId),
      value: String(request.value),
      minPrice: String(request.minPrice),
      deadline: String(request.deadline),
      nonce: String(request.nonce),
    };
    // Before the request waits for it, the factor may not read tier 2's record.
    expect((await read(tokens.factor, `/v1/suppliers/${c.tier2.address}/record`)).status).to.equal(403);
    expect((await call(api.url, "POST", "/v1/funding-requests", { token: tokens.tier2, json: { request: wire, holderSignature } })).status).to.equal(
      201,
    );

    // The documents were never uploaded: the check is refused (DOCUMENT_MISSING), and kept against tier 2.
    const refused = await call(api.url, "POST", `/v1/tokens/${tier2Piece}/funding-checks`, {
      token: tokens.factor,
      json: { request: wire, holderSignature, price: "95000" },
    });
    expect(refused.status).to.equal(422);
    // Checked again: still one entry for the request. A request tier 3 signed for tier 2's piece is not held against tier 2.
    await call(api.url, "POST", `/v1/tokens/${tier2Piece}/funding-checks`, {
      token: tokens.factor,
      json: { request: wire, holderSignature, price: "95000" },
    });
    const forged = await signFundingRequest(c.tier3, domain, { ...request, nonce: 78n });
    const forgedAnswer = await call(api.url, "POST", `/v1/tokens/${tier2Piece}/funding-checks`, {
      token: tokens.factor,
      json: { request: { ...wire, nonce: "78" }, holderSignature: forged, price: "95000" },
    });
    expect(forgedAnswer.status).to.equal(422);

    const asFactor = await read(tokens.factor, `/v1/suppliers/${c.tier2.address}/record`);
    expect(asFactor.status).to.equal(200);
    const body = asFactor.body as RecordBody & {
      refusals: {
        total: number;
        byCode: Array<{ code: string; count: number }>;
        recent: Array<{ tokenId: string; codes: string[]; factor: string | null }>;
      };
    };
    expect(body.refusals.total).to.equal(1);
    expect(body.refusals.recent[0].tokenId).to.equal(tier2Piece.toString());
    expect(body.refusals.recent[0].codes).to.include("DOCUMENT_MISSING");
    expect(body.refusals.recent[0].factor, "the factor sees its own refusal").to.equal(c.factor.address);
    expect(body.refusals.byCode.map((entry) => entry.code)).to.include("DOCUMENT_MISSING");
    // Another factor, with no request of tier 2 waiting for it, may not read it; tier 3 may not either.
    expect((await read(tokens.otherFactor, `/v1/suppliers/${c.tier2.address}/record`)).status).to.equal(403);
    expect(codeOf(await read(tokens.tier3, `/v1/suppliers/${c.tier2.address}/record`))).to.equal("NOT_ALLOWED");
  });

  it("counts an anchor's receivables: on time at the very second of maturity, late beyond grace, overdue past grace", async () => {
    const { c } = api;
    await (await c.settlementToken.connect(c.issuer).issue(c.anchor.address, 10_000_000n)).wait();
    await (await c.settlementToken.connect(c.anchor).approve(await c.settlement.getAddress(), MaxUint256)).wait();
    await at(maturities[0]);
    await (await c.settlement.connect(c.anchor).repay(slots[0], 1_000_000n)).wait();
    await at(maturities[1] + GRACE + 1n);
    await (await c.settlement.connect(c.anchor).repay(slots[1], 500_000n)).wait();
    // C is now one second past maturity plus grace, unpaid: overdue, 4 started days past due.
    await at(maturities[2] + GRACE + 1n);
    await hre.network.provider.request({ method: "evm_mine", params: [] });

    const answer = await read(tokens.otherFactor, `/v1/anchors/${c.anchor.address}/record`);
    expect(answer.status).to.equal(200);
    const body = answer.body as RecordBody;
    expect(body.asOfTimestamp).to.equal(Number(maturities[2] + GRACE + 1n));
    expect(body.final).to.equal(true);
    expect(body).to.deep.include({
      anchor: c.anchor.address,
      anchorId: c.memberIds.get(c.anchor.address),
      gracePeriod: GRACE.toString(),
      confirmed: { count: 4, value: "2000000" },
      matured: { count: 3, value: "1700000" },
      repaidOnTime: { count: 1, value: "1000000" },
      repaidLate: { count: 1, value: "500000", beyondGrace: 1, maxDaysLate: 4, totalDaysLate: 4, averageDaysLate: "4.0" },
      dueInGrace: { count: 0, value: "0", amount: "0" },
      overdue: { count: 1, value: "200000", amount: "200000", maxDaysPastDue: 4 },
      outstanding: "500000",
      truncated: false,
    });
    const line = await c.receivableToken.creditLine(c.memberIds.get(c.anchor.address) ?? 0);
    expect(line.outstanding).to.equal(500_000n, "the index's sum agrees with the chain's line");
    expect(body.line).to.deep.include({
      limit: STORY_CREDIT_LINE.toString(),
      used: "500000",
      free: (STORY_CREDIT_LINE - 500_000n).toString(),
      reviewDate: line.reviewDate.toString(),
    });

    // The anchor itself and the auditor read it; a supplier does not.
    expect((await read(tokens.anchor, `/v1/anchors/${c.anchor.address}/record`)).status).to.equal(200);
    expect((await read(tokens.auditor, `/v1/anchors/${c.anchor.address}/record`)).status).to.equal(200);
    expect((await read(tokens.tier1, `/v1/anchors/${c.anchor.address}/record`)).status).to.equal(403);
  });

  it("gives a supplier its verified trades as seller and buyer and how long each relationship has run", async () => {
    const { c } = api;
    const answer = await read(tokens.tier1, `/v1/suppliers/${c.tier1.address}/record`);
    expect(answer.status).to.equal(200);
    const body = answer.body as RecordBody & {
      asSeller: unknown;
      asBuyer: unknown;
      relationships: Array<{ memberId: number; asSeller: unknown; asBuyer: unknown; firstTradeAt: number; lastTradeAt: number; days: number }>;
      refusals: { total: number };
    };
    expect(body.asSeller).to.deep.equal({ count: 4, value: "2000000" });
    expect(body.asBuyer).to.deep.equal({ count: 1, value: "100000" });
    const [withAnchor, withTier2] = body.relationships;
    expect(withAnchor).to.deep.include({
      memberId: c.memberIds.get(c.anchor.address),
      asSeller: { count: 4, value: "2000000" },
      asBuyer: { count: 0, value: "0" },
      firstTradeAt: Number(firstConfirmationTime),
    });
    expect(withAnchor.days).to.equal(Math.floor((body.asOfTimestamp - Number(firstConfirmationTime)) / 86_400));
    expect(withTier2).to.deep.include({
      memberId: c.memberIds.get(c.tier2.address),
      asSeller: { count: 0, value: "0" },
      asBuyer: { count: 1, value: "100000" },
      firstTradeAt: Number(transferTime),
      lastTradeAt: Number(transferTime),
    });
    expect(body.refusals.total).to.equal(0);
    // The auditor reads anyone's; the refusal of tier 2's request shows its factor to the auditor.
    const audited = await read(tokens.auditor, `/v1/suppliers/${c.tier2.address}/record`);
    expect((audited.body as { refusals: { recent: Array<{ factor: string | null }> } }).refusals.recent[0].factor).to.equal(c.factor.address);
  });

  it("gives a factor its exposure by anchor and by maturity month, with what is overdue, against the appetite of its current offers", async () => {
    const { c } = api;
    const answer = await read(tokens.factor, `/v1/factors/${c.factor.address}/exposure`);
    expect(answer.status).to.equal(200);
    const body = answer.body as RecordBody & { total: unknown; byAnchor: unknown[]; byMonth: Array<{ month: string }>; appetite: unknown };
    expect(body.total).to.deep.equal({ count: 2, value: "150000", due: "150000", overdue: "50000" });
    expect(body.byAnchor).to.deep.equal([
      {
        anchorId: c.memberIds.get(c.anchor.address),
        anchor: c.anchor.address,
        count: 2,
        value: "150000",
        due: "150000",
        overdue: "50000",
        appetite: null,
      },
    ]);
    expect(body.byMonth).to.deep.equal([
      { month: calendarDateCst(maturities[2]).slice(0, 7), count: 1, value: "50000", due: "50000", overdue: "50000" },
      { month: calendarDateCst(maturities[3]).slice(0, 7), count: 1, value: "100000", due: "100000", overdue: "0" },
    ]);
    expect(body.appetite).to.equal(null);
    // Once the factor publishes an offer for the anchor, its appetite stands beside the exposure.
    const now = Number(await latestTimestamp());
    const anchorId = c.memberIds.get(c.anchor.address) ?? 0;
    const offer = {
      factor: c.factor.address,
      anchorId,
      rateBps: 600,
      maxTenorDays: 180,
      minValue: 1_000_00n,
      maxValue: 2_000_000_00n,
      appetite: 10_000_000_00n,
      validUntil: now + 30 * 86_400,
      issuedAt: now,
    };
    const published = await call(api.url, "POST", "/v1/offers", {
      token: tokens.factor,
      json: { offer, signature: await signOffer(c.factor, api.chainId, offer) },
    });
    expect(published.status).to.be.oneOf([200, 201]);
    const withOffer = (await read(tokens.factor, `/v1/factors/${c.factor.address}/exposure`)).body as {
      byAnchor: Array<{ appetite: unknown }>;
      appetite: unknown;
    };
    expect(withOffer.byAnchor.map((bucket) => bucket.appetite)).to.deep.equal(["1000000000"]);
    expect(withOffer.appetite).to.equal("1000000000");
    expect((await read(tokens.tier1, `/v1/factors/${c.factor.address}/exposure`)).status).to.equal(403);
    expect((await read(tokens.auditor, `/v1/factors/${c.factor.address}/exposure`)).status).to.equal(200);
  });

  it("answers a malformed address 400 naming the field, and a malformed minBlock 400", async () => {
    for (const route of [
      "/v1/anchors/0x123/record",
      "/v1/suppliers/not-an-address/record",
      "/v1/factors/0xZZ00000000000000000000000000000000000000/exposure",
    ]) {
      const answer = await call(api.url, "GET", route, { token: tokens.auditor });
      expect(answer.status, route).to.equal(400);
      expect(fieldsOf(answer), route).to.deep.equal(["address"]);
    }
    const badBlock = await call(api.url, "GET", `/v1/anchors/${api.c.anchor.address}/record?minBlock=-1`, { token: tokens.auditor });
    expect(badBlock.status).to.equal(400);
    expect(fieldsOf(badBlock)).to.deep.equal(["query.minBlock"]);
    expect((await call(api.url, "GET", `/v1/anchors/${api.c.anchor.address}/record`)).status).to.equal(401);
  });
});
