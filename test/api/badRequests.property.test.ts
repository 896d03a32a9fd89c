import { expect } from "chai";
import fc from "fast-check";
import hre from "hardhat";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import { invoiceProofToWire, signInvoice } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { DAY, latestTimestamp } from "../helpers/consortium";
import { confirmDocumented, documentTrade, transferDocumented } from "../helpers/trades";
import { call, signIn, startApi } from "./harness";
import type { ApiHarness, CallOptions } from "./harness";

/**
 * Generated bad requests over every route: malformed JSON, wrong types, unknown fields, mutated and forged
 * documents, documents naming non-members, bad ids, hashes and addresses, malformed percent-encodings in paths,
 * lone surrogates, empty arrays, negative, fractional and string-typed numbers, bodies compressed (or claiming to
 * be) with gzip, deflate and brotli, missing or forged sessions, wrong media types. None may get a 5xx or crash the
 * server, and none may change the store or the chain. CHAINBILL_API_PROPERTY_RUNS sets the count (default 5,000).
 */

const RUNS = Number(process.env.CHAINBILL_API_PROPERTY_RUNS ?? 5000);

/** Values that broke validation before: negative and string-typed numbers, lone surrogates, empty arrays. */
const NASTY_VALUES: Json[] = [
  "-1",
  -1,
  "1.5",
  1.5,
  "1e3",
  "0x10",
  "",
  " ",
  "\ud800",
  "INV-\udc00",
  "a\ud83d",
  [],
  {},
  null,
  true,
  2 ** 53,
  "99999999999999999999999",
];
/** Path segments that are not valid percent-encoding. */
const BAD_ENCODINGS = ["%E0%A4%A", "%ZZ", "%", "%C0%AF", "%ED%A0%80", "abc%2", "%%30", "%u0041"];
const ENCODERS: Record<string, (bytes: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to an object key or a leaf of `value`. */
function pathsOf(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((item, index) => pathsOf(item, [...prefix, index]));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...pathsOf(item, [...prefix, key])]);
  return [prefix];
}

type Mutation = { kind: "replace" | "delete" | "add"; pick: number; value: Json; key: string };

/** `document` with one object key replaced, deleted, or a new key added beside it (array lengths never change). */
function mutate(document: Json, mutation: Mutation): Json {
  const copy = JSON.parse(JSON.stringify(document)) as Json;
  const paths = pathsOf(copy).filter((path) => path.length > 0);
  const path = paths[mutation.pick % paths.length];
  let parent = copy as Record<string | number, Json>;
  for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (mutation.kind === "replace") parent[last] = mutation.value;
  else if (mutation.kind === "delete" && !Array.isArray(parent)) delete parent[last];
  else if (!Array.isArray(parent)) parent[`x${mutation.key}`] = mutation.value;
  else parent[last] = mutation.value;
  return copy;
}

describe("API bad requests (property): no 5xx, no crash, nothing stored", () => {
  let api: ApiHarness;

  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api?.close();
  });

  it(`${RUNS} generated bad requests over every route`, async () => {
    const { c } = api;
    const root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 50_000_000n });
    const piece = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier2, value: 10_000_000n });
    const sessions = {
      tier1: await signIn(api.url, c.tier1),
      tier2: await signIn(api.url, c.tier2),
      tier3: await signIn(api.url, c.tier3),
      factor: await signIn(api.url, c.factor),
    };
    const invoices = [invoiceProofToWire(root.trade.invoice), invoiceProofToWire(piece.trade.invoice)] as unknown as Json[];
    const waybills = [logisticsProofToWire(root.trade.logistics), logisticsProofToWire(piece.trade.logistics)] as unknown as Json[];
    for (const [token, invoice, waybill] of [
      [sessions.tier1, invoices[0], waybills[0]],
      [sessions.tier2, invoices[1], waybills[1]],
    ] as const) {
      expect((await call(api.url, "POST", "/v1/documents/invoices", { token, json: invoice })).status).to.equal(201);
      expect((await call(api.url, "POST", "/v1/documents/logistics", { token, json: waybill })).status).to.equal(201);
    }
    // Bad documents that parse: a forged buyer signature, one signed for another chain, one naming a non-member.
    const forged = { ...piece.trade.invoice, buyerSignature: await signInvoice(c.tier3, api.chainId, piece.trade.invoice.invoice) };
    const otherChain = { ...piece.trade.invoice, sellerSignature: await signInvoice(c.tier2, api.chainId + 1n, piece.trade.invoice.invoice) };
    const outsider = c.outsiders[1];
    const withOutsider = await documentTrade(
      { ...c, memberIds: new Map([...c.memberIds, [outsider.address, 77]]) },
      { seller: c.tier2, buyer: outsider, amount: 5n },
    );
    invoices.push(...([forged, otherChain, withOutsider.invoice].map(invoiceProofToWire) as unknown as Json[]));
    waybills.push(logisticsProofToWire(withOutsider.logistics));

    const domain = financingDomain(api.chainId, await c.financing.getAddress());
    const request = {
      tokenId: piece.tokenId,
      value: 10_000_000n,
      minPrice: 9_000_000n,
      factor: c.factor.address,
      withRecourse: false,
      deadline: (await latestTimestamp()) + DAY,
      nonce: 7n,
    };
    const fundingBody = JSON.parse(
      JSON.stringify({ request, holderSignature: await signFundingRequest(c.tier2, domain, request), price: 9_500_000n }, (_key, value: unknown) =>
        typeof value === "bigint" ? value.toString() : value,
      ),
    ) as Json;

    const storeBefore = await Promise.all((await api.store.hashes()).map(async (hash) => api.store.record(hash)));
    const blockBefore = await hre.ethers.provider.getBlockNumber();

    const garbageSegment = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map(String),
      fc.constantFrom(
        "0",
        "0x",
        `0x${"ab".repeat(32)}`,
        `0x${"ab".repeat(33)}`,
        "..",
        "%00",
        "4294967297",
        piece.tokenId.toString(),
        c.tier1.address,
        root.trade.invoiceHash,
        "null",
      ),
    );
    const token = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(sessions.tier1, sessions.tier3, sessions.factor),
      fc.string({ maxLength: 60 }),
      fc.constant("A".repeat(43)),
    );
    const mutationValue = fc.oneof(
      { arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, weight: 2 },
      { arbitrary: fc.constantFrom(...NASTY_VALUES), weight: 2 },
    );
    const mutation = fc.record({
      kind: fc.constantFrom("replace" as const, "delete" as const, "add" as const),
      pick: fc.nat(),
      value: mutationValue,
      key: fc.string({ maxLength: 8 }),
    });
    // A body that says it is compressed: truly compressed JSON (a document, mutated or not), or bytes that are not.
    const compressed: fc.Arbitrary<Pick<CallOptions, "raw" | "headers">> = fc
      .tuple(
        fc.constantFrom(...Object.keys(ENCODERS)),
        fc.oneof(
          fc
            .tuple(fc.constantFrom(...invoices, ...waybills), mutation)
            .map(([document, change]) => ({ text: JSON.stringify(mutate(document, change)), compress: true })),
          fc.string({ maxLength: 100 }).map((text) => ({ text, compress: false })),
          fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ text: Buffer.from(bytes).toString("latin1"), compress: false })),
          fc.jsonValue({ maxDepth: 2 }).map((json) => ({ text: JSON.stringify(json), compress: true })),
        ),
        fc.boolean(),
      )
      .map(([encoding, { text, compress }, truncate]) => {
        const bytes = compress ? ENCODERS[encoding](Buffer.from(text, "utf8")) : Buffer.from(text, "latin1");
        return {
          raw: new Uint8Array(truncate && bytes.length > 4 ? bytes.subarray(0, bytes.length - 3) : bytes),
          headers: { "content-encoding": encoding },
        };
      });
    const body: fc.Arbitrary<Pick<CallOptions, "json" | "raw" | "contentType">> = fc.oneof(
      fc.constant({}),
      fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })),
      fc.string({ maxLength: 200 }).map((raw) => ({ raw })),
      fc.string({ maxLength: 200 }).map((raw) => ({ raw, contentType: "text/plain" })),
      fc.tuple(fc.constantFrom(...invoices, ...waybills), mutation).map(([document, change]) => ({ json: mutate(document, change) })),
      // Unchanged documents: the stored ones (200 for a party, 403 for anyone else) and the bad ones that parse.
      fc.constantFrom(...invoices, ...waybills).map((json) => ({ json })),
      mutation.map((change) => ({ json: mutate(fundingBody, change) })),
      fc.constant({ raw: JSON.stringify({ padding: "x".repeat(300_000) }) }),
      compressed,
    );
    const badEncoding = fc.constantFrom(...BAD_ENCODINGS);
    const route = fc.oneof(
      fc.constantFrom(
        "POST /v1/documents/invoices",
        "POST /v1/documents/logistics",
        "POST /v1/auth/verify",
        "POST /v1/auth/logout",
        "GET /v1/auth/session",
        "GET /v1/members",
      ),
      garbageSegment.map((segment) => `GET /v1/documents/${encodeURIComponent(segment)}`),
      garbageSegment.map((segment) => `GET /v1/tokens/${encodeURIComponent(segment)}`),
      garbageSegment.map((segment) => `GET /v1/tokens/${encodeURIComponent(segment)}/lineage`),
      garbageSegment.map((segment) => `POST /v1/tokens/${encodeURIComponent(segment)}/funding-checks`),
      garbageSegment.map((segment) => `GET /v1/members/${encodeURIComponent(segment)}`),
      fc.constantFrom(
        `POST /v1/tokens/${piece.tokenId}/funding-checks`,
        `POST /v1/tokens/${root.tokenId}/funding-checks`,
        "POST /v1/tokens/4294967299/funding-checks",
      ),
      garbageSegment.map((segment) => `PUT /v1/${encodeURIComponent(segment)}`),
      // Raw, malformed percent-encodings where an id, a hash or an address goes, and elsewhere.
      fc
        .tuple(
          fc.constantFrom(
            "GET /v1/tokens/{}",
            "GET /v1/tokens/{}/lineage",
            "POST /v1/tokens/{}/funding-checks",
            "GET /v1/documents/{}",
            "GET /v1/members/{}",
            "GET /v1/{}",
            "POST /v1/auth/{}",
          ),
          badEncoding,
        )
        .map(([template, segment]) => template.replace("{}", segment)),
    );

    type Case = { method: string; path: string; options: CallOptions };
    // Anything at any route, with any session or none.
    const anything: fc.Arbitrary<Case> = fc.tuple(route, token, body).map(([target, session, payload]) => {
      const [method, path] = target.split(" ");
      // fetch sends no body with a GET.
      return { method, path, options: method === "GET" ? { token: session } : { token: session, ...payload } };
    });
    // A whole document of the right kind, by any member: the stored ones (200 for a party, 403 for anyone else)
    // and the bad ones that parse (forged, another chain, a non-member).
    const uploads: fc.Arbitrary<Case> = fc
      .tuple(
        fc.oneof(
          fc.constantFrom(...invoices).map((json) => ["invoices", json] as const),
          fc.constantFrom(...waybills).map((json) => ["logistics", json] as const),
        ),
        fc.constantFrom(...Object.values(sessions)),
      )
      .map(([[kind, json], session]) => ({ method: "POST", path: `/v1/documents/${kind}`, options: { token: session, json } }));
    // Reading a stored document as anyone.
    const reads: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(root.trade.invoiceHash, piece.trade.logisticsHash), token).map(([hash, session]) => ({
      method: "GET",
      path: `/v1/documents/${hash}`,
      options: { token: session },
    }));

    // A party's own document with one value made nasty (a negative quantity, a lone surrogate, an empty list...),
    // plain or compressed: these reach the document schemas, where the 500s were.
    const nastyUploads: fc.Arbitrary<Case> = fc
      .tuple(
        fc.oneof(
          fc.constantFrom(...invoices.slice(0, 2)).map((json) => ["invoices", json] as const),
          fc.constantFrom(...waybills.slice(0, 2)).map((json) => ["logistics", json] as const),
        ),
        fc.record({ kind: fc.constant("replace" as const), pick: fc.nat(), value: fc.constantFrom(...NASTY_VALUES), key: fc.constant("") }),
        fc.constantFrom(undefined, ...Object.keys(ENCODERS)),
      )
      .map(([[kind, json], change, encoding]) => {
        const text = JSON.stringify(mutate(json, change));
        const options: CallOptions =
          encoding === undefined
            ? { token: sessions.tier1, raw: text }
            : {
                token: sessions.tier1,
                raw: new Uint8Array(ENCODERS[encoding](Buffer.from(text, "utf8"))),
                headers: { "content-encoding": encoding },
              };
        return { method: "POST", path: `/v1/documents/${kind}`, options };
      });

    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: anything, weight: 8 },
          { arbitrary: uploads, weight: 1 },
          { arbitrary: reads, weight: 1 },
          { arbitrary: nastyUploads, weight: 3 },
        ),
        async ({ method, path, options }) => {
          const answer = await call(api.url, method, path, options);
          seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
          expect(answer.status, `${method} ${path} -> ${JSON.stringify(answer.body).slice(0, 300)}`).to.be.lessThan(500);
          expect(answer.status, `${method} ${path}`).to.not.equal(201);
        },
      ),
      { numRuns: RUNS },
    );

    expect((await call(api.url, "GET", "/health")).status).to.equal(200);
    const storeAfter = await Promise.all((await api.store.hashes()).map(async (hash) => api.store.record(hash)));
    expect(storeAfter).to.deep.equal(storeBefore);
    expect(await hre.ethers.provider.getBlockNumber()).to.equal(blockBefore);
    // The generator reached the checks behind the parsers, not only the parsers.
    for (const status of [400, 401, 403, 404, 413, 415, 422]) expect(seen.get(status) ?? 0, `status ${status} seen`).to.be.greaterThan(0);
    expect([...seen.values()].reduce((sum, count) => sum + count, 0)).to.equal(RUNS);
  });
});
