import { expect } from "chai";
import hre from "hardhat";
import net from "node:net";
import { DEFAULT_LIMITS } from "../../src/api/context";
import { MAX_LINEAGE_DEPTH } from "../../src/api/routes/tokens";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { documentTrade, confirmDocumented } from "../helpers/trades";
import { call, codeOf, fieldsOf, signedSignIn, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/**
 * The API under abuse (issue 15): sign-in exhaustion, sessions that outlive their member or fill the store, bad
 * input that used to be a 500, slow bodies, deep lineages. Each test is an attack that worked on the old code.
 */

/** Runs `count` calls of `task`, `width` at a time. */
async function inParallel(count: number, width: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await task(index);
      }
    }),
  );
}

/** A raw socket declares a large body, sends two bytes, and waits: the server must answer or close within the timeout. */
async function dropsSlowBodies(url: string): Promise<void> {
  const { port, hostname } = new URL(url);
  for (const length of [50 * 1024 * 1024, 200_000]) {
    const started = Date.now();
    const outcome = await new Promise<{ closedAfterMs: number; firstLine: string }>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(
          `POST /v1/documents/invoices HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{"`,
        );
      });
      let firstLine = "";
      socket.on("data", (data) => {
        if (firstLine === "") firstLine = data.toString("latin1").split("\r\n")[0];
      });
      socket.on("error", () => undefined);
      socket.on("close", () => resolve({ closedAfterMs: Date.now() - started, firstLine }));
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`a ${length}-byte declared body still held the connection open after 5 s`));
      }, 5_000).unref();
    });
    // The timeout is 800 ms here; Node checks for late requests every 200 ms.
    expect(outcome.closedAfterMs, `${length} bytes declared`).to.be.lessThan(2_000);
    expect(outcome.firstLine, `${length} bytes declared`).to.match(/^HTTP\/1\.1 (413|408) /u);
  }
  expect((await call(url, "GET", "/health")).status).to.equal(200);
}

describe("API abuse: sign-in, sessions, bad input, slow bodies, deep lineages", () => {
  let api: ApiHarness;

  before(async () => {
    api = await startApi({ limits: { maxSessionsPerMember: 3 } });
  });
  after(async () => {
    await api?.close();
  });

  describe("sign-in exhaustion", () => {
    it("attack: one client floods nonces at the full allowed rate for a whole nonce lifetime, and a member still signs in", async function () {
      this.timeout(180_000);
      // What the per-IP limit lets one client take within one nonce's lifetime: 60/s for 300 s (time compressed here).
      const allowed = DEFAULT_LIMITS.perIp.perSecond * DEFAULT_LIMITS.nonceTtlSeconds;
      expect(allowed).to.equal(18_000);
      const refused = new Map<number, number>();
      await inParallel(allowed, 32, async () => {
        const answer = await fetch(`${api.url}/v1/auth/nonce`);
        await answer.arrayBuffer();
        if (answer.status !== 200) refused.set(answer.status, (refused.get(answer.status) ?? 0) + 1);
      });
      expect(Object.fromEntries(refused), "nonce requests refused during the flood, by status").to.deep.equal({});
      const token = await signIn(api.url, api.c.tier1);
      expect((await call(api.url, "GET", "/v1/auth/session", { token })).status).to.equal(200);
    });

    it("a nonce forged from a real one (its expiry pushed out) is refused", async () => {
      const { nonce } = (await call(api.url, "GET", "/v1/auth/nonce")).body as { nonce: string };
      const later = `${nonce.slice(0, 32)}${(Date.now() + 3_600_000).toString(16).padStart(12, "0")}${nonce.slice(44)}`;
      const answer = await call(api.url, "POST", "/v1/auth/verify", { json: await signedSignIn(api.url, api.c.tier1, { nonce: later }) });
      expect(answer.status).to.equal(401);
      expect(fieldsOf(answer)).to.deep.equal(["message.nonce"]);
    });
  });

  describe("sessions", () => {
    it("attack: a suspended member's session stops working at once, and it cannot sign in again until reinstated", async () => {
      const { c } = api;
      const token = await signIn(api.url, c.tier3);
      expect((await call(api.url, "GET", "/v1/members", { token })).status).to.equal(200);
      const memberId = c.memberIds.get(c.tier3.address) ?? 0;
      await (await c.registry.suspend(memberId)).wait();
      try {
        const refused = await call(api.url, "GET", "/v1/members", { token });
        expect(refused.status).to.equal(401);
        expect(codeOf(refused)).to.equal("SESSION_ENDED");
        const again = await call(api.url, "POST", "/v1/auth/verify", { json: await signedSignIn(api.url, c.tier3) });
        expect(again.status).to.equal(403);
        expect(codeOf(again)).to.equal("MEMBER_INACTIVE");
      } finally {
        await (await c.registry.reinstate(memberId)).wait();
      }
      // Reinstated, it signs in afresh; the old session stays ended.
      expect((await call(api.url, "GET", "/v1/members", { token })).status).to.equal(401);
      expect((await call(api.url, "GET", "/v1/members", { token: await signIn(api.url, c.tier3) })).status).to.equal(200);
    });

    it("attack: an address the operator removed from its member stops reading at once", async () => {
      const { c } = api;
      const extra = c.outsiders[5];
      const memberId = c.memberIds.get(c.tier2.address) ?? 0;
      await (await c.registry.addAccount(memberId, extra.address)).wait();
      const token = await signIn(api.url, extra);
      const main = await signIn(api.url, c.tier2);
      expect((await call(api.url, "GET", "/v1/members", { token })).status).to.equal(200);
      await (await c.registry.removeAccount(memberId, extra.address)).wait();
      const refused = await call(api.url, "GET", "/v1/members", { token });
      expect(refused.status).to.equal(401);
      expect(codeOf(refused)).to.equal("SESSION_ENDED");
      // The member's own address is still its member's: its session goes on.
      expect((await call(api.url, "GET", "/v1/members", { token: main })).status).to.equal(200);
    });

    it("attack: a member cannot exceed its session cap; its own oldest session ends, others' do not", async () => {
      const { c } = api;
      const other = await signIn(api.url, c.auditor);
      const tokens: string[] = [];
      for (let index = 0; index < 5; index += 1) tokens.push(await signIn(api.url, c.anchor));
      const statuses = await Promise.all(tokens.map(async (token) => (await call(api.url, "GET", "/v1/auth/session", { token })).status));
      // The cap is 3 here: the two oldest ended, the newest three live.
      expect(statuses).to.deep.equal([401, 401, 200, 200, 200]);
      expect(api.server.context.sessions.countOf(c.memberIds.get(c.anchor.address) ?? 0)).to.equal(3);
      expect((await call(api.url, "GET", "/v1/auth/session", { token: other })).status).to.equal(200);
    });

    it("attack: a session survives an API restart (sessions are on disk, the token is not)", async () => {
      const token = await signIn(api.url, api.c.carrier);
      await api.restart();
      const answer = await call(api.url, "GET", "/v1/auth/session", { token });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.include({ address: api.c.carrier.address });
      expect((await call(api.url, "POST", "/v1/auth/logout", { token })).status).to.equal(204);
      await api.restart();
      expect((await call(api.url, "GET", "/v1/auth/session", { token })).status).to.equal(401);
    });
  });

  describe("bad input is a 4xx naming the field, never a 500", () => {
    let tier1: string;
    before(async () => {
      tier1 = await signIn(api.url, api.c.tier1);
    });

    it("attack: a malformed percent-encoding in a path id is a 400 naming the id (no session needed)", async () => {
      for (const [route, field] of [
        ["/v1/tokens/%E0%A4%A", "id"],
        ["/v1/tokens/%E0%A4%A/lineage", "id"],
        ["/v1/documents/%ZZ", "hash"],
        ["/v1/members/%C0", "address"],
        ["/v1/%E0%A4%A", "(path)"],
      ] as const) {
        const answer = await call(api.url, "GET", route);
        expect(answer.status, route).to.equal(400);
        expect(codeOf(answer), route).to.equal("MALFORMED_PATH");
        expect(fieldsOf(answer), route).to.deep.equal([field]);
      }
    });

    it("attack: a body whose content-encoding does not decompress is a 400 naming the header", async () => {
      for (const encoding of ["gzip", "deflate", "br"]) {
        const answer = await call(api.url, "POST", "/v1/documents/invoices", {
          token: tier1,
          raw: '{"not":"compressed"}',
          headers: { "content-encoding": encoding },
        });
        expect(answer.status, encoding).to.equal(400);
        expect(fieldsOf(answer), encoding).to.deep.equal(["headers.content-encoding"]);
      }
    });

    it("attack: an invoice line with a negative or string-typed quantity is a 400 naming the line, not a BigInt crash", async () => {
      const trade = await documentTrade(api.c, { seller: api.c.tier1, buyer: api.c.anchor, amount: 1_000n });
      const wire = invoiceProofToWire(trade.invoice) as unknown as { invoice: { lines: Array<Record<string, unknown>> } };
      for (const quantity of ["-1", -1, "1.5", null]) {
        const json = structuredClone(wire);
        json.invoice.lines[0].quantity = quantity;
        const answer = await call(api.url, "POST", "/v1/documents/invoices", { token: tier1, json });
        expect(answer.status, String(quantity)).to.equal(400);
        expect(fieldsOf(answer), String(quantity)).to.deep.equal(["invoice.lines.0.quantity"]);
      }
    });

    it("attack: a lone surrogate in an invoice number or a goods description is a 400 naming the field", async () => {
      const trade = await documentTrade(api.c, { seller: api.c.tier1, buyer: api.c.anchor, amount: 1_000n });
      const invoice = invoiceProofToWire(trade.invoice) as unknown as { invoice: { number: string } };
      invoice.invoice.number = "INV-\ud800";
      const refusedInvoice = await call(api.url, "POST", "/v1/documents/invoices", { token: tier1, json: invoice });
      expect(refusedInvoice.status).to.equal(400);
      expect(fieldsOf(refusedInvoice)).to.deep.equal(["invoice.number"]);
      const waybill = logisticsProofToWire(trade.logistics) as unknown as { waybill: { goods: Array<{ description: string }> } };
      waybill.waybill.goods[0].description = "glass \udc00 panels";
      const refusedWaybill = await call(api.url, "POST", "/v1/documents/logistics", { token: tier1, json: waybill });
      expect(refusedWaybill.status).to.equal(400);
      expect(fieldsOf(refusedWaybill)).to.deep.equal(["waybill.goods.0.description"]);
    });

    it("attack: a waybill with no events is a 400 naming the events", async () => {
      const trade = await documentTrade(api.c, { seller: api.c.tier1, buyer: api.c.anchor, amount: 1_000n });
      const waybill = { ...(logisticsProofToWire(trade.logistics) as unknown as Record<string, unknown>), events: [] };
      const answer = await call(api.url, "POST", "/v1/documents/logistics", { token: tier1, json: waybill });
      expect(answer.status).to.equal(400);
      expect(fieldsOf(answer)).to.deep.equal(["events"]);
    });

    it("attack: a request declaring a 50 MB body and sending 2 bytes is answered and dropped within the request timeout", async function () {
      this.timeout(20_000);
      // A server of its own with a short request timeout, so the test is quick and deterministic.
      const slow = await startApi({ consortium: api.c, limits: { requestTimeoutMs: 800, headersTimeoutMs: 800 } });
      try {
        await dropsSlowBodies(slow.url);
      } finally {
        await slow.close();
      }
    });
  });

  describe("deep lineage", () => {
    it(`attack: a lineage deeper than ${MAX_LINEAGE_DEPTH} steps is a 422 naming the id, within a bounded number of RPC calls`, async function () {
      this.timeout(120_000);
      const { c } = api;
      const root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 1_000_000n });
      // Split the piece off itself, each new piece from the last: a lineage one step deeper than the bound.
      const token = c.receivableToken.connect(c.tier1);
      let piece = root.tokenId;
      for (let depth = 1; depth <= MAX_LINEAGE_DEPTH; depth += 1) {
        const next = await token["transferFrom(uint256,address,uint256)"].staticCall(piece, c.tier1.address, 1n);
        await (await token["transferFrom(uint256,address,uint256)"](piece, c.tier1.address, 1n)).wait();
        piece = next;
      }
      const session = await signIn(api.url, c.tier2);
      const provider = hre.network.provider;
      const original = provider.request.bind(provider);
      let calls = 0;
      provider.request = async (args) => {
        calls += 1;
        return original(args);
      };
      let answer;
      try {
        answer = await call(api.url, "GET", `/v1/tokens/${piece}/lineage`, { token: session });
      } finally {
        provider.request = original;
      }
      expect(answer.status).to.equal(422);
      expect(codeOf(answer)).to.equal("LINEAGE_TOO_DEEP");
      expect(fieldsOf(answer)).to.deep.equal(["id"]);
      expect(calls, "RPC calls for one lineage request").to.be.lessThan(MAX_LINEAGE_DEPTH + 30);
      // One step less is answered in full.
      const parent = await c.receivableToken.parentOf(piece);
      const full = await call(api.url, "GET", `/v1/tokens/${parent}/lineage`, { token: session });
      expect(full.status).to.equal(200);
      expect((full.body as { steps: unknown[] }).steps).to.have.length(MAX_LINEAGE_DEPTH);
    });
  });
});
