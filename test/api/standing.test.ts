import { expect } from "chai";
import hre from "hardhat";
import { MaxUint256 } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { financingDomain, signFundingAttestationBy, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import type { FactorBookJson, ObligationsJson, PortfolioJson } from "../../src/api/wire/schemas";
import { DAY, latestTimestamp, randomHash } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import { issueTo } from "../helpers/settlement";
import { call, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/**
 * Issue 18 item 3 over HTTP: the portfolio, the factor's book and the anchor's obligations carry each piece's true
 * status (src/finance/pieceStatus.ts) as of the answer's block, through a partial repayment, overdue, a claim and the
 * full repayment; a fully repaid piece has nothing still due (the book said "still due 200,000.00"), and what the
 * API calls claimable is what Settlement.claimable answers.
 */

const GRACE = 5n * DAY;

describe("API: true statuses of pieces and debts (issue 18 item 3)", () => {
  let api: ApiHarness;
  let supplier: string;
  let factor: string;
  let anchor: string;
  let slot: bigint;
  let kept: bigint;
  let sold: bigint;
  let maturity: bigint;

  const read = async <T>(token: string, route: string): Promise<T> => {
    const head = await hre.ethers.provider.getBlockNumber();
    const answer = await call(api.url, "GET", `${route}${route.includes("?") ? "&" : "?"}minBlock=${head}`, { token });
    expect(answer.status, route).to.equal(200);
    const body = answer.body as T & { asOfBlock: number };
    expect(body.asOfBlock, `${route} is as of the head`).to.equal(head);
    return body;
  };
  const keptRow = async () => (await read<PortfolioJson>(supplier, "/v1/portfolio")).pieces.find((piece) => piece.tokenId === kept.toString());
  const bookRow = async () => (await read<FactorBookJson>(factor, `/v1/factors/${api.c.factor.address}/book`)).fundings[0];
  const debtRow = async () => (await read<ObligationsJson>(anchor, `/v1/anchors/${api.c.anchor.address}/obligations`)).receivables[0];
  const repay = async (amount: bigint): Promise<void> => {
    await (await api.c.settlement.connect(api.c.anchor).repay(slot, amount)).wait();
  };

  before(async () => {
    api = await startApi({ index: true });
    const { c } = api;
    await (await c.settlement.setGracePeriod(GRACE)).wait();
    // 500,000.00 to tier 1, which pays tier 2 200,000.00; tier 2 sells that piece to the factor.
    const first = await confirmDocumented(c, { supplier: c.tier1, faceValue: 50_000_000n, maturityInDays: 30n });
    slot = first.slot;
    kept = first.tokenId;
    sold = (await transferDocumented(c, { fromTokenId: kept, from: c.tier1, to: c.tier2, value: 20_000_000n })).tokenId;
    maturity = (await c.receivableToken.receivable(slot)).maturity;

    const financing = await c.financing.getAddress();
    await issueTo(c, c.factor, 30_000_000n);
    await (await c.settlementToken.connect(c.factor).approve(financing, MaxUint256)).wait();
    const domain = financingDomain(api.chainId, financing);
    const deadline = (await latestTimestamp()) + DAY;
    const request: FundingRequest = {
      tokenId: sold,
      value: 20_000_000n,
      minPrice: 19_000_000n,
      factor: c.factor.address,
      withRecourse: false,
      deadline,
      nonce: 1n,
    };
    const attestation: FundingAttestation = {
      tokenId: sold,
      holder: c.tier2.address,
      factor: c.factor.address,
      value: 20_000_000n,
      price: 19_500_000n,
      invoiceHash: randomHash(),
      logisticsHash: randomHash(),
      tradeProofHash: randomHash(),
      withRecourse: false,
      deadline,
      nonce: 1n,
    };
    const signatures = await signFundingAttestationBy([c.verifier], domain, attestation);
    await (await c.financing.connect(c.factor).fund(request, await signFundingRequest(c.tier2, domain, request), attestation, signatures)).wait();
    await issueTo(c, c.anchor, 50_000_000n);
    await (await c.settlementToken.connect(c.anchor).approve(await c.settlement.getAddress(), MaxUint256)).wait();

    supplier = await signIn(api.url, c.tier1);
    factor = await signIn(api.url, c.factor);
    anchor = await signIn(api.url, c.anchor);
  });
  after(async () => {
    await api?.close();
  });

  it("before any repayment: the whole value still due, the anchor's debt payable", async () => {
    expect((await keptRow())?.standing).to.deep.equal({
      state: "current",
      repaidShare: "0",
      claimed: "0",
      claimable: "0",
      awaitingMaturity: "0",
      stillDue: "30000000",
      overdueSince: null,
    });
    const book = await bookRow();
    expect(book.due).to.equal("20000000");
    expect(book.standing).to.include({ state: "current", stillDue: "20000000", claimable: "0" });
    expect(await debtRow()).to.include({ state: "current", outstanding: "50000000", overdueSince: null });
  });

  it("a partial repayment before maturity: the share repaid waits for maturity, nothing claimable yet", async () => {
    await repay(30_000_000n);
    expect((await keptRow())?.standing).to.include({
      state: "current",
      repaidShare: "18000000",
      awaitingMaturity: "18000000",
      claimable: "0",
      stillDue: "12000000",
    });
    expect((await bookRow()).standing).to.include({ repaidShare: "12000000", claimable: "0", stillDue: "8000000" });
    expect((await bookRow()).due).to.equal("8000000");
    expect(await api.c.settlement.claimable(sold)).to.equal(0n);
  });

  it("past maturity and grace: overdue since the second after grace, the share claimable as the contract says", async () => {
    await time.increaseTo(maturity + GRACE + 2n * DAY);
    const overdueSince = (maturity + GRACE + 1n).toString();
    expect((await keptRow())?.standing).to.include({
      state: "overdue",
      claimable: "18000000",
      awaitingMaturity: "0",
      stillDue: "12000000",
      overdueSince,
    });
    const book = await bookRow();
    expect(book.standing).to.include({ state: "overdue", claimable: "12000000", overdueSince });
    expect(BigInt(book.standing.claimable)).to.equal(await api.c.settlement.claimable(sold));
    expect(await debtRow()).to.include({ state: "overdue", outstanding: "20000000", overdueSince });
    const exposure = await read<{ total: { due: string; overdue: string } }>(factor, `/v1/factors/${api.c.factor.address}/exposure`);
    expect(exposure.total).to.include({ due: "8000000", overdue: "8000000" });

    await (await api.c.settlement.connect(api.c.factor).claim(sold)).wait();
    expect((await bookRow()).standing).to.include({ claimed: "12000000", claimable: "0", stillDue: "8000000" });
  });

  it("fully repaid: nothing still due on any piece (not 'still due 200,000.00'), the rest claimable, then collected", async () => {
    await repay(20_000_000n);
    const book = await bookRow();
    expect(book.status).to.equal("repaid");
    expect(book.due).to.equal("0");
    expect(book.standing).to.deep.equal({
      state: "repaid",
      repaidShare: "20000000",
      claimed: "12000000",
      claimable: "8000000",
      awaitingMaturity: "0",
      stillDue: "0",
      overdueSince: null,
    });
    expect(BigInt(book.standing.claimable)).to.equal(await api.c.settlement.claimable(sold));
    expect((await keptRow())?.standing).to.include({ state: "repaid", claimable: "30000000", stillDue: "0" });
    expect(await debtRow()).to.include({ state: "repaid", outstanding: "0", overdueSince: null });
    // The factor's exposure says the same: nothing still due on a fully repaid receivable (it said 8,000,000).
    const exposure = await read<{ total: { due: string; overdue: string } }>(factor, `/v1/factors/${api.c.factor.address}/exposure`);
    expect(exposure.total).to.include({ due: "0", overdue: "0" });

    await (await api.c.settlement.connect(api.c.factor).claim(sold)).wait();
    const collected = await bookRow();
    expect(collected.due).to.equal("0");
    expect(collected.standing).to.include({ state: "collected", repaidShare: "20000000", claimed: "20000000", claimable: "0", stillDue: "0" });
  });
});
