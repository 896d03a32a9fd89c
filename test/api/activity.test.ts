import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { confirmReceivable } from "../helpers/consortium";
import { fundAndRepay, issueTo, splitTo } from "../helpers/settlement";
import { fundPiece } from "../helpers/recourse";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { Answer, ApiHarness } from "./harness";
import type { ActivityPageJson, CashPageJson } from "../../src/api/wire/schemas";

/**
 * `GET /v1/activity` and `GET /v1/cash` over HTTP (issue 18 items 2 and 8): a member sees its own history and cash
 * movements, newest first, each with its transaction, block and block time; auditors may ask for any address, others
 * are refused; malformed paging is a 400 naming the field.
 */

const FACE = 100_000_000n;
const PIECE = 20_000_000n;
const PRICE = 19_000_000n;

describe("API activity and cash: each member's history and money, newest first", () => {
  let api: ApiHarness;
  let tier2: string;
  let factor: string;
  let anchor: string;
  let auditor: string;
  let fundedTokenId: bigint;

  const read = async (token: string | undefined, route: string): Promise<Answer> => {
    const head = await hre.ethers.provider.getBlockNumber();
    return call(api.url, "GET", `${route}${route.includes("?") ? "&" : "?"}minBlock=${head}`, { token });
  };

  before(async () => {
    api = await startApi({ index: true });
    const { c } = api;
    const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 30n });
    const moved = await splitTo(c, c.tier1, tokenId, c.tier2, PIECE);
    await issueTo(c, c.factor, PRICE);
    await (await c.settlementToken.connect(c.factor).approve(await c.financing.getAddress(), PRICE)).wait();
    ({ fundedTokenId } = await fundPiece(c, { holder: c.tier2, tokenId: moved, value: PIECE, price: PRICE, withRecourse: false }));
    await time.increaseTo((await c.receivableToken.receivable(slot)).maturity);
    await fundAndRepay(c, slot, FACE);
    await (await c.settlement.connect(c.factor).claim(fundedTokenId)).wait();
    tier2 = await signIn(api.url, c.tier2);
    factor = await signIn(api.url, c.factor);
    anchor = await signIn(api.url, c.anchor);
    auditor = await signIn(api.url, c.auditor);
  });
  after(async () => {
    await api?.close();
  });

  it("gives a member its own activity, newest first, with transaction, block and time", async () => {
    const answer = await read(tier2, "/v1/activity");
    expect(answer.status).to.equal(200);
    const body = answer.body as ActivityPageJson;
    expect(body.address).to.equal(api.c.tier2.address);
    expect(body.rows.map((row) => row.kind)).to.deep.equal(["financed", "received"]);
    expect(body.rows[0]).to.include({ amount: PRICE.toString(), value: PIECE.toString(), counterparty: api.c.factor.address });
    const block = await hre.ethers.provider.getBlock(body.rows[0].block);
    expect(body.rows[0].blockTime).to.equal(block?.timestamp);
    expect((await hre.ethers.provider.getTransactionReceipt(body.rows[0].transactionHash))?.blockNumber).to.equal(body.rows[0].block);

    const theFactor = (await read(factor, "/v1/activity")).body as ActivityPageJson;
    // The repayment it claimed from shows too, naming the anchor, though its claim emptied its piece.
    expect(theFactor.rows.map((row) => row.kind)).to.deep.equal(["claimed", "repaid", "funded"]);
    expect(theFactor.rows[0]).to.include({ tokenId: fundedTokenId.toString(), amount: PIECE.toString() });
    expect(theFactor.rows[1]).to.include({ counterparty: api.c.anchor.address });
  });

  it("gives the balance and each movement, classified, with the settlement contract named", async () => {
    const answer = await read(factor, "/v1/cash");
    expect(answer.status).to.equal(200);
    const body = answer.body as CashPageJson;
    expect(body.balance).to.equal(PIECE.toString());
    expect(body.movements.map((m) => [m.kind, m.direction, m.amount])).to.deep.equal([
      ["claim", "in", PIECE.toString()],
      ["fundingPaid", "out", PRICE.toString()],
      ["issued", "in", PRICE.toString()],
    ]);
    expect(body.movements[0].counterpartySystem).to.equal("settlement");
    expect(body.movements[1]).to.include({ counterparty: api.c.tier2.address, counterpartySystem: null });

    const holder = (await read(tier2, "/v1/cash")).body as CashPageJson;
    expect(holder.balance).to.equal(PRICE.toString());
    expect(holder.movements.map((m) => m.kind)).to.deep.equal(["fundingReceived"]);
    const debtor = (await read(anchor, "/v1/cash")).body as CashPageJson;
    expect(debtor.movements.map((m) => [m.kind, m.direction])).to.deep.equal([
      ["repayment", "out"],
      ["issued", "in"],
    ]);
  });

  it("lets auditors read any member's, and refuses another member's to others", async () => {
    const audited = await read(auditor, `/v1/cash?address=${api.c.tier2.address}`);
    expect(audited.status).to.equal(200);
    expect((audited.body as CashPageJson).address).to.equal(api.c.tier2.address);
    const refused = await read(tier2, `/v1/activity?address=${api.c.factor.address}`);
    expect(refused.status).to.equal(403);
    expect(codeOf(refused)).to.equal("NOT_AN_AUDITOR");
    expect((await call(api.url, "GET", "/v1/activity")).status).to.equal(401);
  });

  it("pages with before, and refuses malformed paging naming the field", async () => {
    const whole = (await read(factor, "/v1/activity")).body as ActivityPageJson;
    const first = (await read(factor, "/v1/activity?limit=1")).body as ActivityPageJson;
    expect(first.rows.map((row) => row.checkpoint)).to.deep.equal([whole.rows[0].checkpoint]);
    expect(first.nextBefore).to.equal(whole.rows[0].checkpoint);
    const next = (await read(factor, `/v1/activity?limit=1&before=${first.nextBefore ?? ""}`)).body as ActivityPageJson;
    expect(next.rows.map((row) => row.checkpoint)).to.deep.equal([whole.rows[1].checkpoint]);

    for (const [query, field] of [
      ["limit=0", "query.limit"],
      ["limit=201", "query.limit"],
      ["limit=ten", "query.limit"],
      ["before=yesterday", "query.before"],
      ["address=0x12", "query.address"],
      ["page=2", "query.page"],
    ] as const) {
      for (const route of ["/v1/activity", "/v1/cash"]) {
        const answer = await call(api.url, "GET", `${route}?${query}`, { token: factor });
        expect(answer.status, `${route}?${query}`).to.equal(400);
        expect(fieldsOf(answer), `${route}?${query}`).to.deep.equal([field]);
      }
    }
  });
});
