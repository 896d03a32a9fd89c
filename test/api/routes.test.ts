import { expect } from "chai";
import hre from "hardhat";
import type { Express } from "express";
import { openApiDocument } from "../../src/api/wire/openapi";
import { ROUTES, routesFor } from "../../src/api/wire/routes";
import type { MountedRoutes, RouteSpec } from "../../src/api/wire/routes";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/** The routes express serves, as "METHOD /openapi/{style}" strings, read from its router. */
function servedRoutes(app: Express): string[] {
  const routes: string[] = [];
  for (const layer of app.router.stack as Array<{ route?: { path: unknown; methods: Record<string, boolean> } }>) {
    if (layer.route === undefined || typeof layer.route.path !== "string") continue;
    const path = layer.route.path.replace(/:([A-Za-z0-9_]+)/gu, "{$1}");
    for (const [method, served] of Object.entries(layer.route.methods))
      if (served && method !== "_all") routes.push(`${method.toUpperCase()} ${path}`);
  }
  return routes.sort();
}

function described(mounted: MountedRoutes): string[] {
  return routesFor(mounted)
    .map(([, spec]) => `${spec.method.toUpperCase()} ${spec.path}`)
    .sort();
}

/** The description checks, for an app serving `mounted`'s route groups. */
function describesExactlyWhatIsServed(harness: () => ApiHarness, sessionToken: () => string, mounted: MountedRoutes): void {
  it("the OpenAPI document lists exactly the routes express serves", () => {
    expect(servedRoutes(harness().server.app)).to.deep.equal(described(mounted));
    expect(described(mounted)).to.have.length.greaterThan(12);
  });

  it("every path parameter is declared, and every session route says it needs one", async () => {
    const api = harness();
    const document = (await call(api.url, "GET", "/openapi.json")).body as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { parameters?: Array<{ name: string; in: string }>; security?: unknown; responses: Record<string, unknown> }>
      >;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.openapi).to.equal("3.1.0");
    expect(document).to.deep.equal(JSON.parse(JSON.stringify(openApiDocument(mounted))));
    const specOf = (path: string, method: string): RouteSpec | undefined =>
      routesFor(mounted).find(([, spec]) => spec.path === path && spec.method === method)?.[1];
    for (const [path, pathOperations] of Object.entries(document.paths)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/gu)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(pathOperations)) {
        expect(
          (operation.parameters ?? []).filter((parameter) => parameter.in === "path").map((parameter) => parameter.name),
          `${method} ${path}`,
        ).to.deep.equal(inPath);
        expect(Object.keys(operation.responses), `${method} ${path}`).to.not.be.empty;
        if (specOf(path, method)?.session === true) expect(operation.responses, `${method} ${path}`).to.have.property("401");
      }
    }
    // Every schema an operation refers to is in the document.
    const refs = [
      ...JSON.stringify(document.paths).matchAll(/#\/components\/schemas\/([A-Za-z]+)/gu),
      ...JSON.stringify(document.components).matchAll(/#\/components\/schemas\/([A-Za-z]+)/gu),
    ];
    for (const [, name] of refs) expect(document.components.schemas, name).to.have.property(name);
  });

  it("every described operation is served (none answers 'no route')", async () => {
    const api = harness();
    const concrete = (path: string): string =>
      path
        .replace("{hash}", `0x${"ab".repeat(32)}`)
        .replace("{id}", "4294967297")
        .replace("{address}", api.c.tier1.address);
    for (const [, { path, method }] of routesFor(mounted)) {
      {
        const answer = await call(api.url, method.toUpperCase(), concrete(path), {
          token: path === "/v1/auth/logout" ? "x".repeat(20) : sessionToken(),
          json: method === "post" ? {} : undefined,
        });
        expect(codeOf(answer), `${method} ${path}`).to.not.equal("ROUTE_NOT_FOUND");
        expect(answer.status, `${method} ${path}`).to.be.lessThan(500);
      }
    }
  });
}

describe("API routes: reads, system endpoints, the OpenAPI description, bodies and limits", () => {
  let api: ApiHarness;
  let token: string;

  before(async () => {
    api = await startApi();
    token = await signIn(api.url, api.c.auditor);
  });
  after(async () => {
    await api?.close();
  });

  describesExactlyWhatIsServed(
    () => api,
    () => token,
    {},
  );

  it("without an index, the index and request routes are neither served nor described", async () => {
    const optional = Object.values(ROUTES).filter((spec: RouteSpec) => spec.group === "index" || spec.group === "requests");
    expect(optional).to.not.be.empty;
    for (const { path } of optional) {
      expect(
        described({}).some((served) => served.endsWith(` ${path}`)),
        path,
      ).to.equal(false);
      const answer = await call(api.url, "GET", path.replace("{id}", "4294967297").replace("{address}", api.c.tier1.address), { token });
      expect(codeOf(answer), path).to.equal("ROUTE_NOT_FOUND");
    }
  });

  it("health, metrics, the description and Swagger UI answer without a session", async () => {
    const health = await call(api.url, "GET", "/health");
    expect(health.status).to.equal(200);
    expect(health.body).to.include({ status: "ok", chainId: api.chainId.toString() });
    const metrics = await call(api.url, "GET", "/metrics");
    expect(metrics.status).to.equal(200);
    expect(metrics.headers.get("content-type")).to.match(/^text\/plain/u);
    expect(String(metrics.body)).to.match(/chainbill_api_requests_total\{method="GET",route="\/health",status="200"\} [1-9]/u);
    const docs = await call(api.url, "GET", "/docs/");
    expect(docs.status).to.equal(200);
    expect(String(docs.body)).to.contain("swagger-ui");
  });

  it("members are read from the registry, one or all", async () => {
    const all = await call(api.url, "GET", "/v1/members", { token });
    expect(all.status).to.equal(200);
    const members = (all.body as { members: Array<{ memberId: number; accounts: string[]; roles: string[]; status: string }> }).members;
    expect(members).to.have.length(Number(await api.c.registry.memberCount()));
    const tier1 = members.find((member) => member.accounts.includes(api.c.tier1.address));
    expect(tier1).to.deep.include({ memberId: api.c.memberIds.get(api.c.tier1.address), roles: ["SUPPLIER"], status: "ACTIVE" });

    const one = await call(api.url, "GET", `/v1/members/${api.c.carrier.address.toLowerCase()}`, { token });
    expect(one.status).to.equal(200);
    expect(one.body).to.deep.include({
      memberId: api.c.memberIds.get(api.c.carrier.address),
      roles: ["CARRIER"],
      leiHash: api.c.leiHashes.get(api.c.carrier.address),
    });
    expect((await call(api.url, "GET", `/v1/members/${api.c.outsiders[0].address}`, { token })).status).to.equal(404);
    const malformed = await call(api.url, "GET", "/v1/members/0xnope", { token });
    expect(malformed.status).to.equal(400);
    expect(fieldsOf(malformed)).to.deep.equal(["address"]);
  });

  it("pieces never created are 404; malformed ids are 400", async () => {
    for (const route of ["/v1/tokens/4294967297", "/v1/tokens/4294967297/lineage", "/v1/tokens/0", "/v1/tokens/1"]) {
      const answer = await call(api.url, "GET", route, { token });
      expect(answer.status, route).to.equal(404);
      expect(codeOf(answer)).to.equal("TOKEN_NOT_FOUND");
    }
    for (const id of ["abc", "-1", "01", "1.5", `1${"0".repeat(80)}`]) {
      const answer = await call(api.url, "GET", `/v1/tokens/${id}`, { token });
      expect(answer.status, id).to.equal(400);
      expect(fieldsOf(answer)).to.deep.equal(["id"]);
    }
  });

  it("a funding check names each wrong field, refuses a body for another piece, and refuses a non-factor", async () => {
    const wrong = await call(api.url, "POST", "/v1/tokens/4294967297/funding-checks", {
      token,
      json: {
        request: { tokenId: 4294967297, value: "-1", minPrice: "1", factor: "0x12", withRecourse: "no", deadline: "1", nonce: "1", extra: 1 },
        holderSignature: "0x00",
        price: "1",
      },
    });
    expect(wrong.status).to.equal(400);
    expect(fieldsOf(wrong)).to.have.members([
      "request.tokenId",
      "request.value",
      "request.factor",
      "request.withRecourse",
      "request.extra",
      "holderSignature",
    ]);
    const valid = {
      request: { tokenId: "4294967298", value: "1", minPrice: "1", factor: api.c.factor.address, withRecourse: false, deadline: "1", nonce: "1" },
      holderSignature: `0x${"11".repeat(65)}`,
      price: "1",
    };
    const otherPiece = await call(api.url, "POST", "/v1/tokens/4294967297/funding-checks", { token, json: valid });
    expect(fieldsOf(otherPiece)).to.deep.equal(["request.tokenId"]);
    const notFactor = await call(api.url, "POST", "/v1/tokens/4294967298/funding-checks", { token, json: valid });
    expect(notFactor.status).to.equal(403);
    expect(codeOf(notFactor)).to.equal("NOT_A_FACTOR");
  });

  it("attack: a factor cannot choose recourse in its funding check; only the holder's signed request carries it", async () => {
    const chosenByFactor = await call(api.url, "POST", "/v1/tokens/4294967298/funding-checks", {
      token,
      json: {
        request: { tokenId: "4294967298", value: "1", minPrice: "1", factor: api.c.factor.address, withRecourse: false, deadline: "1", nonce: "1" },
        holderSignature: `0x${"11".repeat(65)}`,
        price: "1",
        withRecourse: true,
      },
    });
    expect(chosenByFactor.status).to.equal(400);
    expect(fieldsOf(chosenByFactor)).to.deep.equal(["withRecourse"]);
  });

  it("malformed JSON, a body over 256 KB, a body that is not JSON, and unknown routes get JSON 4xx answers", async () => {
    const malformed = await call(api.url, "POST", "/v1/documents/invoices", { token, raw: '{"invoice": ' });
    expect(malformed.status).to.equal(400);
    expect(codeOf(malformed)).to.equal("MALFORMED_JSON");
    const huge = await call(api.url, "POST", "/v1/documents/invoices", { token, raw: JSON.stringify({ padding: "x".repeat(256 * 1024) }) });
    expect(huge.status).to.equal(413);
    expect(codeOf(huge)).to.equal("BODY_TOO_LARGE");
    const text = await call(api.url, "POST", "/v1/documents/invoices", { token, raw: "hello", contentType: "text/plain" });
    expect(text.status).to.equal(415);
    expect(fieldsOf(text)).to.deep.equal(["headers.content-type"]);
    const scalar = await call(api.url, "POST", "/v1/documents/invoices", { token, raw: "42" });
    expect(scalar.status).to.equal(400);
    const unknown = await call(api.url, "DELETE", "/v1/members", { token });
    expect(unknown.status).to.equal(404);
    expect(codeOf(unknown)).to.equal("ROUTE_NOT_FOUND");
  });
});

describe("API routes with the index and the funding-request inbox mounted", () => {
  let api: ApiHarness;
  let token: string;

  before(async () => {
    api = await startApi({ index: true });
    token = await signIn(api.url, api.c.auditor);
    await api.indexer?.waitForBlock(await hre.ethers.provider.getBlockNumber(), 30_000);
  });
  after(async () => {
    await api?.close();
  });

  describesExactlyWhatIsServed(
    () => api,
    () => token,
    { index: true, requests: true },
  );

  it("the index routes sit behind the API's session check, like its other reads", async () => {
    const answer = await call(api.url, "GET", "/v1/portfolio");
    expect(answer.status).to.equal(401);
    expect((await call(api.url, "GET", "/v1/index/status")).status).to.equal(200);
  });

  it("attack: a funding request without the holder's recourse choice is refused, naming the field", async () => {
    const unsaid = await call(api.url, "POST", "/v1/funding-requests", {
      token,
      json: {
        request: { tokenId: "4294967298", value: "1", minPrice: "1", factor: api.c.factor.address, deadline: "1", nonce: "1" },
        holderSignature: `0x${"11".repeat(65)}`,
      },
    });
    expect(unsaid.status).to.equal(400);
    expect(fieldsOf(unsaid)).to.deep.equal(["request.withRecourse"]);
  });
});

describe("API rate limits", () => {
  let api: ApiHarness;

  before(async () => {
    api = await startApi({ limits: { perIp: { burst: 40, perSecond: 0.001 }, perAddress: { burst: 3, perSecond: 0.001 } } });
  });
  after(async () => {
    await api?.close();
  });

  it("an address past its budget gets 429 with Retry-After; another address is unaffected; so is /health", async () => {
    const tier1 = await signIn(api.url, api.c.tier1);
    const tier2 = await signIn(api.url, api.c.tier2);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await call(api.url, "GET", "/v1/auth/session", { token: tier1 })).status);
    expect(statuses).to.deep.equal([200, 200, 200, 429]);
    const limited = await call(api.url, "GET", "/v1/auth/session", { token: tier1 });
    expect(codeOf(limited)).to.equal("RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).to.be.greaterThan(0);
    expect((await call(api.url, "GET", "/v1/auth/session", { token: tier2 })).status).to.equal(200);
  });

  it("an IP past its budget gets 429 on every route but /health and /metrics", async () => {
    let last = 0;
    for (let i = 0; i < 45 && last !== 429; i += 1) last = (await call(api.url, "GET", "/v1/auth/nonce")).status;
    expect(last).to.equal(429);
    expect((await call(api.url, "GET", "/openapi.json")).status).to.equal(429);
    expect((await call(api.url, "GET", "/health")).status).to.equal(200);
    expect((await call(api.url, "GET", "/metrics")).status).to.equal(200);
  });
});
