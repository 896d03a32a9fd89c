import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { confirmReceivable } from "../helpers/consortium";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { Answer, ApiHarness } from "./harness";
import type { ActivityPageJson } from "../../src/api/wire/schemas";

/**
 * An attacker's review of the index reads added today: `GET /v1/activity` and `/v1/cash` (whose, paging) and the
 * `standing` figures of a written-off receivable (no 500 on the rare states).
 */

describe("review: activity, cash and standing under attack", () => {
  let api: ApiHarness;
  let tier1: string;
  let tier3: string;
  let anchor: string;
  let slot: bigint;

  const read = async (token: string, route: string): Promise<Answer> => {
    const head = await hre.ethers.provider.getBlockNumber();
    return call(api.url, "GET", `${route}${route.includes("?") ? "&" : "?"}minBlock=${head}`, { token });
  };

  before(async () => {
    api = await startApi({ index: true });
    const { c } = api;
    ({ slot } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 10_000_000n, maturityInDays: 30n }));
    tier1 = await signIn(api.url, c.tier1);
    tier3 = await signIn(api.url, c.tier3);
    anchor = await signIn(api.url, c.anchor);
  });
  after(async () => {
    await api?.close();
  });

  it("no hole: a member's own address in any spelling is its own; another member's is 403 on both routes", async () => {
    const own = await read(tier1, `/v1/activity?address=${api.c.tier1.address.toLowerCase()}`);
    expect(own.status).to.equal(200);
    expect((own.body as ActivityPageJson).rows.length).to.be.greaterThan(0);
    for (const route of ["/v1/activity", "/v1/cash"]) {
      const answer = await read(tier3, `${route}?address=${api.c.tier1.address}`);
      expect([answer.status, codeOf(answer)], route).to.deep.equal([403, "NOT_AN_AUDITOR"]);
    }
  });

  it("no hole: repeated, nested and oversized paging parameters are 400 naming the field", async () => {
    for (const [query, field] of [
      ["limit=1&limit=2", "query.limit"],
      // The query parser is the simple one: a bracketed name is an unknown field of its own.
      ["limit[x]=1", "query.limit[x]"],
      ["limit=10001", "query.limit"],
      ["limit=-1", "query.limit"],
      ["before=1&before=2", "query.before"],
      ["address=a&address=b", "query.address"],
      ["minBlock=99999999999999", "query.minBlock"],
    ] as const) {
      for (const route of ["/v1/activity", "/v1/cash"]) {
        const answer = await call(api.url, "GET", `${route}?${query}`, { token: tier1 });
        expect([answer.status, fieldsOf(answer)], `${route}?${query}`).to.deep.equal([400, [field]]);
      }
    }
    // A well-formed cursor past every row is an empty last page, not an error.
    const past = await read(tier1, "/v1/activity?before=000000000000.000000.000000");
    expect([past.status, (past.body as ActivityPageJson).rows, (past.body as ActivityPageJson).nextBefore]).to.deep.equal([200, [], null]);
  });

  it("no hole: a suspended member's session reads nothing", async () => {
    const memberId = api.c.memberIds.get(api.c.tier3.address) ?? 0;
    await (await api.c.registry.suspend(memberId)).wait();
    try {
      const answer = await read(tier3, "/v1/activity");
      expect([answer.status, codeOf(answer)]).to.deep.equal([401, "SESSION_ENDED"]);
    } finally {
      await (await api.c.registry.reinstate(memberId)).wait();
    }
  });

  it("no hole: a written-off receivable's standing is served (no 500); an unknown slot is 404", async () => {
    const { c } = api;
    const maturity = (await c.receivableToken.receivable(slot)).maturity;
    await time.increaseTo(maturity + (await c.settlement.gracePeriod()) + 10n);
    await (await c.settlement.writeOff(slot)).wait();
    const portfolio = await read(tier1, "/v1/portfolio");
    expect(portfolio.status).to.equal(200);
    const piece = (portfolio.body as { pieces: Array<{ slot: string; standing: { state: string } }> }).pieces.find((p) => p.slot === slot.toString());
    expect(piece?.standing.state).to.equal("writtenOff");
    const debts = await read(anchor, `/v1/anchors/${c.anchor.address}/obligations`);
    expect(debts.status).to.equal(200);
    const unknown = await read(anchor, "/v1/slots/999999");
    expect([unknown.status, codeOf(unknown)]).to.deep.equal([404, "SLOT_NOT_FOUND"]);
  });
});
