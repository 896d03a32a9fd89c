import { expect } from "chai";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import type { FundingRequest } from "../../src/chain/funding";
import { DECLINE_REASON_MAX } from "../../src/api/wire/schemas";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { DAY, latestTimestamp } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { Answer, ApiHarness } from "./harness";

/**
 * A funding request's life on both sides (issue 18 item 7): the addressed factor checks it (the holder sees the
 * outcome and what failed), declines it with a reason (only that factor, once), the holder withdraws it on chain,
 * it expires by chain time; the holder's list and the factor's inbox (and its recently closed) show each state. One
 * nonce sent to two factors (issue 17's offers) is two requests: each factor checks and declines only its own.
 */

interface Listed {
  holder: string;
  request: { nonce: string; tokenId: string; factor: string };
  state: string;
  check?: { passed: boolean; failures: Array<{ code: string; message: string }> };
  declined?: { reason: string };
}
interface Listing {
  requests: Listed[];
  nextCursor?: string | null;
  closed?: Listed[];
}

describe("API: a funding request's life (checked, declined, withdrawn, expired) seen by both sides", () => {
  let api: ApiHarness;
  let documented: bigint;
  let undocumented: bigint;
  let holder: string;
  let holder3: string;
  let factor: string;
  let otherFactor: string;

  const domain = async () => financingDomain(api.chainId, await api.c.financing.getAddress());
  const submit = async (signer: HardhatEthersSigner, token: string, request: FundingRequest): Promise<Answer> =>
    call(api.url, "POST", "/v1/funding-requests", {
      token,
      json: { request, holderSignature: await signFundingRequest(signer, await domain(), request) },
    });
  const requestOf = async (tokenId: bigint, nonce: bigint, deadlineIn = 3n * DAY): Promise<FundingRequest> => ({
    tokenId,
    value: 10_000n,
    minPrice: 9_000n,
    factor: api.c.factor.address,
    withRecourse: false,
    deadline: (await latestTimestamp()) + deadlineIn,
    nonce,
  });
  const mine = async (token: string): Promise<Listing> => (await call(api.url, "GET", "/v1/funding-requests", { token })).body as Listing;
  const inbox = async (): Promise<Listing> => (await call(api.url, "GET", "/v1/funding-requests?as=factor", { token: factor })).body as Listing;
  const find = (list: Listed[] | undefined, nonce: bigint): Listed | undefined => list?.find((entry) => entry.request.nonce === nonce.toString());
  const decline = (token: string, who: string, nonce: bigint | string, json: unknown): Promise<Answer> =>
    call(api.url, "POST", `/v1/funding-requests/${who}/${nonce}/decline`, { token, json });
  const upload = async (signer: HardhatEthersSigner, trade: Trade): Promise<void> => {
    const token = await signIn(api.url, signer);
    expect((await call(api.url, "POST", "/v1/documents/invoices", { token, json: invoiceProofToWire(trade.invoice) })).status).to.be.oneOf([
      200, 201,
    ]);
    expect((await call(api.url, "POST", "/v1/documents/logistics", { token, json: logisticsProofToWire(trade.logistics) })).status).to.be.oneOf([
      200, 201,
    ]);
  };

  before(async function () {
    this.timeout(120_000);
    api = await startApi({ index: true });
    const { c } = api;
    const root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 1_000_000n });
    const piece = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier2, value: 300_000n });
    await upload(c.tier1, root.trade);
    await upload(c.tier2, piece.trade);
    documented = piece.tokenId;
    // Tier 3's piece: its documents were never given to the API, so a check of it fails on its own step.
    undocumented = (await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier3, value: 100_000n })).tokenId;
    holder = await signIn(api.url, c.tier2);
    holder3 = await signIn(api.url, c.tier3);
    factor = await signIn(api.url, c.factor);
    otherFactor = await signIn(api.url, c.issuer);
  });
  after(async () => {
    await api?.close();
    expect(api?.mismatches ?? []).to.deep.equal([]);
  });

  it("a check is recorded for the holder: passed, or what failed", async function () {
    this.timeout(120_000);
    const { c } = api;
    expect((await submit(c.tier2, holder, await requestOf(documented, 1n))).status).to.equal(201);
    expect(find((await mine(holder)).requests, 1n)?.state).to.equal("waiting");
    const passed = await call(api.url, "POST", `/v1/funding-requests/${c.tier2.address}/1/checks`, { token: factor });
    expect(passed.status).to.equal(200);
    const seen = find((await mine(holder)).requests, 1n);
    expect(seen?.state).to.equal("checked");
    expect(seen?.check?.passed).to.equal(true);
    expect(find((await inbox()).requests, 1n)?.state).to.equal("checked");

    expect((await submit(c.tier3, holder3, await requestOf(undocumented, 7n))).status).to.equal(201);
    const failed = await call(api.url, "POST", `/v1/funding-requests/${c.tier3.address}/7/checks`, { token: factor });
    expect(failed.status).to.equal(422);
    const told = find((await mine(holder3)).requests, 7n);
    expect(told?.state).to.equal("checked");
    expect(told?.check?.passed).to.equal(false);
    const codes = (failed.body as { failures: Array<{ code: string }> }).failures.map((failure) => failure.code);
    expect(told?.check?.failures.map((failure) => failure.code)).to.deep.equal(codes);
    expect(codes.length).to.be.greaterThan(0);

    // Another factor, and the holder, cannot check it.
    expect(codeOf(await call(api.url, "POST", `/v1/funding-requests/${c.tier2.address}/1/checks`, { token: otherFactor }))).to.equal(
      "NOT_ADDRESSED_FACTOR",
    );
    expect((await call(api.url, "POST", `/v1/funding-requests/${c.tier2.address}/1/checks`, { token: holder })).status).to.equal(403);
  });

  it("attack: only the addressed factor declines, with a bounded reason, once; bad input names its field and changes nothing", async function () {
    this.timeout(120_000);
    const { c } = api;
    const who = c.tier2.address;
    for (const [json, field] of [
      [{}, "reason"],
      [{ reason: "" }, "reason"],
      [{ reason: "   " }, "reason"],
      [{ reason: "x".repeat(DECLINE_REASON_MAX + 1) }, "reason"],
      [{ reason: "no\u0007bell" }, "reason"],
      [{ reason: "fine", extra: 1 }, "extra"],
    ] as const) {
      const answer = await decline(factor, who, 1n, json);
      expect(answer.status, JSON.stringify(json)).to.equal(400);
      expect(fieldsOf(answer)).to.deep.equal([field]);
    }
    expect(fieldsOf(await decline(factor, who, "1x", { reason: "no" }))).to.deep.equal(["nonce"]);
    expect(fieldsOf(await decline(factor, "0x12", 1n, { reason: "no" }))).to.deep.equal(["holder"]);
    expect(codeOf(await decline(factor, who, 999n, { reason: "no" }))).to.equal("REQUEST_NOT_FOUND");
    expect(codeOf(await decline(otherFactor, who, 1n, { reason: "no" }))).to.equal("NOT_ADDRESSED_FACTOR");
    expect(codeOf(await decline(holder, who, 1n, { reason: "no" }))).to.equal("NOT_ADDRESSED_FACTOR");
    expect(find((await mine(holder)).requests, 1n)?.state).to.equal("checked");

    // A double click: two declines at once; one acts, the other is told it is closed.
    // Which of the two the store takes first is up to the scheduler; the stored reason is the one that got 200.
    const reasons = ["Outside our sector limit", "Outside our sector limit (again)"];
    const both = await Promise.all(reasons.map((reason) => decline(factor, who, 1n, { reason })));
    expect(both.map((answer) => answer.status).sort()).to.deep.equal([200, 409]);
    const seen = find((await mine(holder)).requests, 1n);
    expect(seen?.state).to.equal("declined");
    expect(seen?.declined?.reason).to.equal(reasons[both.findIndex((answer) => answer.status === 200)]);
    const listing = await inbox();
    expect(find(listing.requests, 1n)).to.equal(undefined);
    expect(find(listing.closed, 1n)?.state).to.equal("declined");
    expect(codeOf(await call(api.url, "POST", `/v1/funding-requests/${who}/1/checks`, { token: factor }))).to.equal("REQUEST_CLOSED");
  });

  it("the holder withdraws on chain: both sides see withdrawn, and the factor can no longer decline it", async function () {
    this.timeout(120_000);
    const { c } = api;
    expect((await submit(c.tier2, holder, await requestOf(documented, 2n))).status).to.equal(201);
    expect(find((await inbox()).requests, 2n)?.state).to.equal("waiting");
    await (await c.financing.connect(c.tier2).invalidateNonce(2n)).wait();
    expect(find((await mine(holder)).requests, 2n)?.state).to.equal("withdrawn");
    const listing = await inbox();
    expect(find(listing.requests, 2n)).to.equal(undefined);
    expect(find(listing.closed, 2n)?.state).to.equal("withdrawn");
    const late = await decline(factor, c.tier2.address, 2n, { reason: "no" });
    expect(late.status).to.equal(409);
    expect(codeOf(late)).to.equal("REQUEST_CLOSED");
  });

  it("a request expires by chain time: both sides see expired", async function () {
    this.timeout(120_000);
    const { c } = api;
    expect((await submit(c.tier2, holder, await requestOf(documented, 3n, 600n))).status).to.equal(201);
    expect(find((await inbox()).requests, 3n)?.state).to.equal("waiting");
    await hre.network.provider.send("evm_increaseTime", [1_200]);
    await hre.network.provider.send("evm_mine", []);
    expect(find((await mine(holder)).requests, 3n)?.state).to.equal("expired");
    expect(find((await inbox()).closed, 3n)?.state).to.equal("expired");
    // The declined one stays declined (its reason kept), the withdrawn one withdrawn.
    const all = (await mine(holder)).requests;
    expect(find(all, 1n)?.declined?.reason).to.match(/^Outside our sector limit/u);
    expect(find(all, 2n)?.state).to.equal("withdrawn");
  });

  it("one nonce to two factors: each checks and declines only its own request; the other's stays open", async function () {
    this.timeout(120_000);
    const { c } = api;
    const who = c.tier2.address;
    const toFactor = await requestOf(documented, 4n);
    const toIssuer = { ...toFactor, factor: c.issuer.address };
    expect((await submit(c.tier2, holder, toFactor)).status).to.equal(201);
    expect((await submit(c.tier2, holder, toIssuer)).status).to.equal(201);
    expect(codeOf(await submit(c.tier2, holder, toIssuer))).to.equal("NONCE_TAKEN");
    const ofNonce = async (): Promise<Record<string, Listed>> =>
      Object.fromEntries((await mine(holder)).requests.filter((entry) => entry.request.nonce === "4").map((entry) => [entry.request.factor, entry]));

    // The issuer declines its own; the factor's request under the same nonce is untouched and still in its inbox.
    expect((await decline(otherFactor, who, 4n, { reason: "Not this sector" })).status).to.equal(200);
    let both = await ofNonce();
    expect(Object.keys(both).sort()).to.deep.equal([c.factor.address, c.issuer.address].sort());
    expect(both[c.issuer.address].state).to.equal("declined");
    expect(both[c.factor.address].state).to.equal("waiting");
    expect(both[c.factor.address].declined).to.equal(undefined);
    expect(find((await inbox()).requests, 4n)?.state).to.equal("waiting");

    // The factor checks its own: recorded on its request only; the issuer's declined one cannot be checked again.
    const checked = await call(api.url, "POST", `/v1/funding-requests/${who}/4/checks`, { token: factor });
    expect(checked.status).to.be.oneOf([200, 422]);
    expect(codeOf(await call(api.url, "POST", `/v1/funding-requests/${who}/4/checks`, { token: otherFactor }))).to.equal("REQUEST_CLOSED");
    both = await ofNonce();
    expect(both[c.factor.address].state).to.equal("checked");
    expect(both[c.factor.address].check).to.not.equal(undefined);
    expect(both[c.issuer.address].check).to.equal(undefined);
    // A member the nonce was not sent to is refused, though requests under it exist.
    expect(codeOf(await decline(holder, who, 4n, { reason: "no" }))).to.equal("NOT_ADDRESSED_FACTOR");
  });
});
