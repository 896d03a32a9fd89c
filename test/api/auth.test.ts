import { expect } from "chai";
import { Wallet } from "ethers";
import { Role } from "../../src/chain/roles";
import { call, codeOf, fieldsOf, signedSignIn, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

describe("API sign-in (EIP-4361) and sessions", () => {
  let api: ApiHarness;

  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api?.close();
  });

  it("a member signs in with its wallet and the session carries its roles from the registry", async () => {
    const nonce = await call(api.url, "GET", "/v1/auth/nonce");
    expect(nonce.status).to.equal(200);
    expect(nonce.body).to.include({ domain: "chainbill.test", chainId: api.chainId.toString() });
    const answer = await call(api.url, "POST", "/v1/auth/verify", { json: await signedSignIn(api.url, api.c.tier2) });
    expect(answer.status).to.equal(200);
    const { token, address } = answer.body as { token: string; address: string };
    expect(address).to.equal(api.c.tier2.address);
    const session = await call(api.url, "GET", "/v1/auth/session", { token });
    expect(session.status).to.equal(200);
    expect(session.body).to.include({ address: api.c.tier2.address, memberId: api.c.memberIds.get(api.c.tier2.address), active: true });
    expect((session.body as { roles: string[] }).roles).to.deep.equal(["SUPPLIER"]);
  });

  it("a replayed sign-in message is refused: its nonce was used", async () => {
    const signed = await signedSignIn(api.url, api.c.tier1);
    expect((await call(api.url, "POST", "/v1/auth/verify", { json: signed })).status).to.equal(200);
    const replay = await call(api.url, "POST", "/v1/auth/verify", { json: signed });
    expect(replay.status).to.equal(401);
    expect(fieldsOf(replay)).to.deep.equal(["message.nonce"]);
  });

  it("racing copies of one sign-in message yield one session", async () => {
    const signed = await signedSignIn(api.url, api.c.tier1);
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(api.url, "POST", "/v1/auth/verify", { json: signed })));
    expect(answers.map((answer) => answer.status).sort()).to.deep.equal([200, 401, 401, 401, 401]);
  });

  it("a nonce the server never issued is refused", async () => {
    const answer = await call(api.url, "POST", "/v1/auth/verify", { json: await signedSignIn(api.url, api.c.tier1, { nonce: "abcdef0123456789" }) });
    expect(answer.status).to.equal(401);
    expect(fieldsOf(answer)).to.deep.equal(["message.nonce"]);
  });

  it("a message for another chain id, domain or URI is refused naming each field", async () => {
    const answer = await call(api.url, "POST", "/v1/auth/verify", {
      json: await signedSignIn(api.url, api.c.tier1, { chainId: 1, domain: "evil.example", uri: "https://evil.example/login" }),
    });
    expect(answer.status).to.equal(401);
    expect(fieldsOf(answer)).to.have.members(["message.chainId", "message.domain", "message.uri"]);
  });

  it("an expired message, and one not valid yet, are refused", async () => {
    const expired = await call(api.url, "POST", "/v1/auth/verify", {
      json: await signedSignIn(api.url, api.c.tier1, { expirationTime: new Date(Date.now() - 1000).toISOString() }),
    });
    expect(fieldsOf(expired)).to.deep.equal(["message.expirationTime"]);
    const early = await call(api.url, "POST", "/v1/auth/verify", {
      json: await signedSignIn(api.url, api.c.tier1, { notBefore: new Date(Date.now() + 3_600_000).toISOString() }),
    });
    expect(fieldsOf(early)).to.deep.equal(["message.notBefore"]);
  });

  it("a message signed by another key is refused, and does not burn the nonce for the real owner", async () => {
    const genuine = await signedSignIn(api.url, api.c.tier3);
    const forged = { message: genuine.message, signature: await api.c.outsiders[0].signMessage(genuine.message) };
    const refused = await call(api.url, "POST", "/v1/auth/verify", { json: forged });
    expect(refused.status).to.equal(401);
    expect(fieldsOf(refused)).to.deep.equal(["signature"]);
    expect((await call(api.url, "POST", "/v1/auth/verify", { json: genuine })).status).to.equal(200);
  });

  it("malformed signatures and messages are named", async () => {
    const genuine = await signedSignIn(api.url, api.c.tier3);
    const badV = `${genuine.signature.slice(0, 130)}05`;
    const unrecoverable = await call(api.url, "POST", "/v1/auth/verify", { json: { message: genuine.message, signature: badV } });
    expect(unrecoverable.status).to.equal(401);
    expect(fieldsOf(unrecoverable)).to.deep.equal(["signature"]);
    const short = await call(api.url, "POST", "/v1/auth/verify", { json: { message: genuine.message, signature: "0x1234" } });
    expect(short.status).to.equal(400);
    expect(fieldsOf(short)).to.deep.equal(["signature"]);
    const notSiwe = await call(api.url, "POST", "/v1/auth/verify", { json: { message: "let me in", signature: genuine.signature } });
    expect(notSiwe.status).to.equal(400);
    expect(codeOf(notSiwe)).to.equal("MALFORMED_SIWE_MESSAGE");
    expect(fieldsOf(notSiwe)).to.deep.equal(["message"]);
  });

  it("unknown fields are named and refused", async () => {
    const genuine = await signedSignIn(api.url, api.c.tier3);
    const answer = await call(api.url, "POST", "/v1/auth/verify", { json: { ...genuine, roles: ["OPERATOR"] } });
    expect(answer.status).to.equal(400);
    expect(fieldsOf(answer)).to.deep.equal(["roles"]);
  });

  it("an address of no member cannot sign in", async () => {
    const stranger = Wallet.createRandom();
    const answer = await call(api.url, "POST", "/v1/auth/verify", { json: await signedSignIn(api.url, stranger) });
    expect(answer.status).to.equal(403);
    expect(codeOf(answer)).to.equal("NOT_A_MEMBER");
  });

  it("requests without a session, with an unknown token, or after logout are refused", async () => {
    expect(fieldsOf(await call(api.url, "GET", "/v1/auth/session"))).to.deep.equal(["headers.authorization"]);
    const unknown = await call(api.url, "GET", "/v1/members", { token: "A".repeat(43) });
    expect(unknown.status).to.equal(401);
    expect(codeOf(unknown)).to.equal("SESSION_INVALID");
    const token = await signIn(api.url, api.c.auditor);
    expect((await call(api.url, "GET", "/v1/members", { token })).status).to.equal(200);
    expect((await call(api.url, "POST", "/v1/auth/logout", { token })).status).to.equal(204);
    expect((await call(api.url, "GET", "/v1/members", { token })).status).to.equal(401);
  });

  it("roles are read from the chain on each request: a suspension ends the session at once", async () => {
    const token = await signIn(api.url, api.c.issuer);
    expect((await call(api.url, "GET", "/v1/auth/session", { token })).body).to.include({ active: true });
    const memberId = api.c.memberIds.get(api.c.issuer.address) ?? 0;
    await (await api.c.registry.suspend(memberId)).wait();
    try {
      const session = await call(api.url, "GET", "/v1/auth/session", { token });
      expect(session.status).to.equal(401);
      expect(codeOf(session)).to.equal("SESSION_ENDED");
      const check = await call(api.url, "POST", "/v1/tokens/4294967297/funding-checks", {
        token,
        json: {
          request: {
            tokenId: "4294967297",
            value: "1",
            minPrice: "1",
            factor: api.c.issuer.address,
            withRecourse: false,
            deadline: "9999999999",
            nonce: "1",
          },
          holderSignature: `0x${"11".repeat(65)}`,
          price: "1",
        },
      });
      expect(check.status).to.equal(401);
    } finally {
      await (await api.c.registry.reinstate(memberId)).wait();
    }
    const again = await signIn(api.url, api.c.issuer);
    const session = await call(api.url, "GET", "/v1/auth/session", { token: again });
    expect(session.body).to.include({ active: true });
    expect((session.body as { roles: string[] }).roles).to.deep.equal([Role[Role.FACTOR]]);
  });
});
