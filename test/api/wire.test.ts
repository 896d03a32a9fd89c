import { expect } from "chai";
import { z } from "zod";
import { ApiClient, ApiFailure, signInMessage } from "../../src/api/wire/client";
import { openApiDocument } from "../../src/api/wire/openapi";
import { ROUTES } from "../../src/api/wire/routes";
import * as schemas from "../../src/api/wire/schemas";
import type { IndexReader } from "../../src/indexer/queries";
import hre from "hardhat";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import { call, clientOf, codeOf, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/**
 * The wire contract holds both ways: the API answers only what its schemas describe (the harness checks every answer
 * of every API test; here a route is made to answer something else, and fails), the typed client refuses an answer
 * its schema does not describe, and the OpenAPI document is the schemas' own JSON Schema.
 */

describe("API wire contract: schemas, the answer check, the typed client", () => {
  let api: ApiHarness;
  let token: string;

  before(async () => {
    api = await startApi({ index: true });
    token = await signIn(api.url, api.c.auditor);
    const { c } = api;
    const first = await confirmDocumented(c, { supplier: c.tier1, faceValue: 1_000_000n, maturityInDays: 90n });
    await transferDocumented(c, { fromTokenId: first.tokenId, from: c.tier1, to: c.tier2, value: 300_000n });
  });
  after(async () => {
    await api?.close();
  });

  it("a route that answers a field its schema does not describe answers 500 ANSWER_NOT_DESCRIBED naming the field", async () => {
    const reader = api.indexer?.reader as IndexReader;
    const original = reader.status.bind(reader);
    try {
      reader.status = async () => {
        const status = await original();
        return status === null ? null : { ...status, gossip: "not in the schema" };
      };
      const answer = await call(api.url, "GET", "/v1/index/status");
      expect(answer.status).to.equal(500);
      expect(codeOf(answer)).to.equal("ANSWER_NOT_DESCRIBED");
      expect(api.mismatches.map((mismatch) => mismatch.route)).to.deep.equal(["/v1/index/status"]);
      expect(api.mismatches[0].problems).to.deep.equal([{ path: "gossip", message: "unknown field" }]);
    } finally {
      reader.status = original;
      // These mismatches were the point; any other fails the harness's close().
      api.mismatches.length = 0;
    }
    expect((await call(api.url, "GET", "/v1/index/status")).status).to.equal(200);
  });

  it("a route that leaves out a field its schema requires is refused, naming the field", async () => {
    const reader = api.indexer?.reader as IndexReader;
    const original = reader.tokenHistory.bind(reader);
    try {
      reader.tokenHistory = async (tokenId) => {
        const { tokenId: _tokenId, ...rest } = await original(tokenId);
        return rest as Awaited<ReturnType<IndexReader["tokenHistory"]>>;
      };
      const answer = await call(api.url, "GET", "/v1/pieces/4294967297/history", { token });
      expect(answer.status).to.equal(500);
      expect(api.mismatches[0].problems.map((problem) => problem.path)).to.deep.equal(["tokenId"]);
    } finally {
      reader.tokenHistory = original;
      api.mismatches.length = 0;
    }
  });

  it("an error status a route does not describe is refused too", async () => {
    const reader = api.indexer?.reader as IndexReader;
    const original = reader.tokenHistory.bind(reader);
    try {
      reader.tokenHistory = () => Promise.reject(Object.assign(new Error("a teapot"), { status: 418 }));
      const answer = await call(api.url, "GET", "/v1/pieces/4294967297/history", { token });
      expect(answer.status).to.equal(500);
      expect(api.mismatches[0].problems[0].message).to.contain("does not describe status 418");
    } finally {
      reader.tokenHistory = original;
      api.mismatches.length = 0;
    }
  });

  it("the typed client reads every index route as its schema describes it", async () => {
    const client = clientOf(api.url, token);
    const minBlock = String(await hre.ethers.provider.getBlockNumber());
    const piece = (await client.call("portfolio", { query: { address: api.c.tier1.address, minBlock } })).pieces[0];
    expect(piece, "tier 1 holds a piece").to.not.equal(undefined);
    const tree = await client.call("pieceTree", { params: { id: piece.tokenId } });
    expect(tree.focus).to.equal(piece.tokenId);
    const history = await client.call("pieceHistory", { params: { id: piece.tokenId } });
    expect(history.entries.length).to.be.greaterThan(0);
    expect((await client.call("slot", { params: { id: piece.slot } })).slot.slot).to.equal(piece.slot);
    expect((await client.call("indexStatus")).asOfBlock).to.be.at.least(0);
    expect((await client.call("token", { params: { id: piece.tokenId } })).tokenId).to.equal(piece.tokenId);
    expect((await client.call("lineage", { params: { id: piece.tokenId } })).steps.at(-1)?.tokenId).to.equal(piece.tokenId);
    expect((await client.call("members")).members.length).to.be.greaterThan(3);
  });

  it("the typed client refuses an answer its schema does not describe, and throws the API's errors with their fields", async () => {
    const lying = new ApiClient("http://127.0.0.1:9", () =>
      Promise.resolve(new Response(JSON.stringify({ nonce: "n", expiresAt: "x", domain: "d", uri: "u", chainId: 31337 }), { status: 200 })),
    );
    const refused = await lying.call("nonce").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(ApiFailure);
    expect((refused as ApiFailure).code).to.equal("ANSWER_NOT_DESCRIBED");
    expect((refused as ApiFailure).fields.map((field) => field.path)).to.deep.equal(["chainId"]);

    const client = clientOf(api.url, token);
    const wrong = await client.call("token", { params: { id: "x" } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((wrong as ApiFailure).status).to.equal(400);
    expect((wrong as ApiFailure).fields.map((field) => field.path)).to.deep.equal(["id"]);
  });

  it("the sign-in message siwe writes is the one the server accepts, and it names the server's domain, URI and chain", async () => {
    const issued = await new ApiClient(api.url).call("nonce");
    const message = signInMessage({ ...issued, address: api.c.tier1.address.toLowerCase() });
    expect(message).to.match(/^chainbill\.test wants you to sign in with your Ethereum account:\n0x[0-9a-fA-F]{40}\n/u);
    expect(message).to.contain(`Chain ID: ${api.chainId}`);
    const answer = await call(api.url, "POST", "/v1/auth/verify", { json: { message, signature: await api.c.tier1.signMessage(message) } });
    expect(answer.status).to.equal(200);
  });

  it("the OpenAPI document's shapes are the schemas' own JSON Schema", () => {
    const document = openApiDocument({ index: true, requests: true }) as {
      components: { schemas: Record<string, Record<string, unknown>> };
      paths: Record<string, Record<string, { requestBody?: { content: { "application/json": { schema: unknown } } } }>>;
    };
    const generated = z.toJSONSchema(schemas.nonce, { io: "output" }) as Record<string, unknown>;
    delete generated.$schema;
    expect(document.components.schemas.Nonce).to.deep.equal(generated);
    const body = z.toJSONSchema(schemas.signInBody, { io: "input" }) as Record<string, unknown>;
    delete body.$schema;
    expect(document.paths[ROUTES.signIn.path].post.requestBody?.content["application/json"].schema).to.deep.equal(body);
  });
});
