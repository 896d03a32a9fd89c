import { expect } from "chai";
import hre from "hardhat";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { RpcError, createChainClient, httpTransport, providerTransport } from "../../src/chain/rpc";
import type { BlockHeader, ChainClient, RetryPolicy } from "../../src/chain/rpc";
import { DEFAULT_SIZING, RangeSizer, fetchRecent } from "../../src/indexer/sync";

/**
 * Block headers in batches: over HTTP a run of headers is one JSON-RPC batch per 100 blocks and equals what
 * one call per block gives, nulls past the head included; answers are matched by id whatever their order and
 * checked field by field; a node that refuses batches is asked call by call from then on. Hardhat's network is
 * served over HTTP on 127.0.0.1, with small local proxies in front of it that count, reorder, refuse or corrupt.
 */

const FAST_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 1, maxDelayMs: 2 };
const BLOCKS_MINED = 150;

interface JsonAnswer {
  status?: number;
  body: unknown;
}

/** What a proxy does with a request body, given a way to pass a body on to the real node. */
type ProxyHandler = (body: unknown, forward: (body: unknown) => Promise<unknown>) => Promise<JsonAnswer>;

interface Proxy {
  url: string;
  /** Every request body received, parsed. */
  received: unknown[];
  close(): Promise<void>;
}

/** The RpcError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
async function rpcFailureOf(promise: Promise<unknown>): Promise<RpcError> {
  let failure: unknown;
  await promise.catch((error: unknown) => {
    failure = error;
  });
  expect(failure).to.be.instanceOf(RpcError);
  return failure as RpcError;
}

const isBatch = (body: unknown): body is Array<Record<string, unknown>> => Array.isArray(body);

describe("Chain client: block headers in JSON-RPC batches", function () {
  let server: JsonRpcServer | undefined;
  let nodeUrl: string;
  let head: number;
  let baseline: string;
  const proxies: Proxy[] = [];

  async function forwardTo(body: unknown): Promise<unknown> {
    const response = await fetch(nodeUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return response.json();
  }

  async function startProxy(handler: ProxyHandler): Promise<Proxy> {
    const received: unknown[] = [];
    const http = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        received.push(body);
        handler(body, forwardTo)
          .then((answer) => {
            response.writeHead(answer.status ?? 200, { "content-type": "application/json" });
            response.end(JSON.stringify(answer.body));
          })
          .catch((error: unknown) => {
            response.writeHead(500);
            response.end(String(error));
          });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as AddressInfo;
    const proxy: Proxy = {
      url: `http://127.0.0.1:${port}`,
      received,
      close: () => new Promise<void>((resolve) => http.close(() => resolve())),
    };
    proxies.push(proxy);
    return proxy;
  }

  const passThrough: ProxyHandler = async (body, forward) => ({ body: await forward(body) });

  /** One eth_getBlockByNumber call per block, the way the client asked before batches. */
  function oneByOne(client: ChainClient, from: number, to: number): Promise<Array<BlockHeader | null>> {
    return Promise.all(Array.from({ length: to - from + 1 }, (_, index) => client.header(from + index)));
  }

  const batchesIn = (received: unknown[]): Array<Array<Record<string, unknown>>> => received.filter(isBatch);

  before(async function () {
    baseline = (await hre.network.provider.send("evm_snapshot", [])) as string;
    for (let block = 0; block < BLOCKS_MINED; block += 1) await hre.network.provider.send("evm_mine", []);
    head = Number(await hre.network.provider.send("eth_blockNumber", []));
    server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
    const { port } = await server.listen();
    nodeUrl = `http://127.0.0.1:${port}`;
  });

  after(async function () {
    for (const proxy of proxies) await proxy.close();
    await server?.close();
    await hre.network.provider.send("evm_revert", [baseline]);
  });

  it("gives the same headers as one call per block, in order and linked, with nulls past the head", async function () {
    const client = createChainClient(httpTransport(nodeUrl), FAST_RETRY);
    const from = head - 129;
    const batched = await client.headers(from, head + 3);
    expect(batched).to.deep.equal(await oneByOne(client, from, head + 3));
    expect(batched.map((header) => header?.number ?? null)).to.deep.equal([
      ...Array.from({ length: 130 }, (_, index) => from + index),
      null,
      null,
      null,
    ]);
    for (let index = 1; index < 130; index += 1) expect(batched[index]?.parentHash).to.equal(batched[index - 1]?.hash);
    // Without batches (Hardhat's in-process provider) the answer is the same.
    expect(await createChainClient(providerTransport(hre.network.provider), FAST_RETRY).headers(from, head + 3)).to.deep.equal(batched);
    expect(await client.headers(head + 1, head + 2)).to.deep.equal([null, null]);
    expect(await client.headers(head, head - 1)).to.deep.equal([]);
  });

  it("sends one HTTP request for 64 headers, and one request per 100 beyond that", async function () {
    const proxy = await startProxy(passThrough);
    const client = createChainClient(httpTransport(proxy.url), FAST_RETRY);
    const headers = await client.headers(head - 63, head);
    expect(headers.every((header) => header !== null)).to.equal(true);
    expect(proxy.received).to.have.length(1);
    expect(batchesIn(proxy.received)[0]).to.have.length(64);

    proxy.received.length = 0;
    await client.headers(head - 149, head);
    expect(batchesIn(proxy.received).map((batch) => batch.length)).to.deep.equal([100, 50]);
    expect(proxy.received).to.have.length(2);
  });

  it("fetches a recent range near the head with one request for its headers and one for its logs", async function () {
    const proxy = await startProxy(passThrough);
    const client = createChainClient(httpTransport(proxy.url), FAST_RETRY);
    const recent = await fetchRecent(
      client,
      ["0x000000000000000000000000000000000000dead"],
      head - 63,
      head,
      new RangeSizer({ ...DEFAULT_SIZING, initialBlocks: 64 }),
    );
    expect(recent.headers.map((header) => header.number)).to.deep.equal(Array.from({ length: 64 }, (_, index) => head - 63 + index));
    expect(proxy.received).to.have.length(2);
    expect(batchesIn(proxy.received)).to.have.length(1);
  });

  it("matches answers that come back in any order to their calls by id", async function () {
    const proxy = await startProxy(async (body, forward) => {
      const answer: unknown = await forward(body);
      return { body: Array.isArray(answer) ? [...(answer as unknown[])].reverse() : answer };
    });
    const client = createChainClient(httpTransport(proxy.url), FAST_RETRY);
    expect(await client.headers(head - 20, head + 1)).to.deep.equal(await oneByOne(createChainClient(httpTransport(nodeUrl)), head - 20, head + 1));
  });

  for (const refusal of [
    {
      how: "a single error object",
      answer: { body: { jsonrpc: "2.0", id: null, error: { code: -32600, message: "batch requests are not supported" } } },
    },
    { how: "HTTP 400", answer: { status: 400, body: { message: "bad request" } } },
  ]) {
    it(`falls back to single calls for good when the node answers a batch with ${refusal.how}`, async function () {
      const proxy = await startProxy(async (body, forward) => (isBatch(body) ? refusal.answer : { body: await forward(body) }));
      const client = createChainClient(httpTransport(proxy.url), FAST_RETRY);
      const expected = await oneByOne(createChainClient(httpTransport(nodeUrl)), head - 9, head + 1);
      expect(await client.headers(head - 9, head + 1)).to.deep.equal(expected);
      // One refused batch (not retried), then one call per block.
      expect(batchesIn(proxy.received)).to.have.length(1);
      expect(proxy.received).to.have.length(1 + 11);
      expect(await client.headers(head - 9, head + 1)).to.deep.equal(expected);
      expect(batchesIn(proxy.received)).to.have.length(1);
    });
  }

  it("rejects a batch with a malformed header with an RpcError naming the field, after retrying", async function () {
    const proxy = await startProxy(async (body, forward) => {
      const answer = await forward(body);
      if (!Array.isArray(answer)) return { body: answer };
      return {
        body: answer.map((call: { id: number; result: Record<string, unknown> }, index) =>
          index === 5 ? { ...call, result: { ...call.result, parentHash: 42 } } : call,
        ),
      };
    });
    const client = createChainClient(httpTransport(proxy.url), FAST_RETRY);
    const failure = await rpcFailureOf(client.headers(head - 63, head));
    expect(failure.message).to.match(/block\.parentHash = 42/);
    expect(failure.kind).to.equal("retryable");
    expect(batchesIn(proxy.received)).to.have.length(1 + FAST_RETRY.retries);
  });

  it("rejects a header answered for another block than the one asked for", async function () {
    const proxy = await startProxy(async (body, forward) => {
      const answer = await forward(body);
      if (!Array.isArray(answer)) return { body: answer };
      const [first, second, ...rest] = answer as Array<{ id: number }>;
      return { body: [{ ...first, id: second.id }, { ...second, id: first.id }, ...rest] };
    });
    const failure = await rpcFailureOf(createChainClient(httpTransport(proxy.url), FAST_RETRY).headers(head - 5, head));
    expect(failure.message).to.match(new RegExp(`asked for block ${head - 5}, the node answered block\\.number = ${head - 4}`));
  });

  it("classifies an error of one call in a batch as that call's error: a fatal one is not retried", async function () {
    const proxy = await startProxy(async (body, forward) => {
      const answer = await forward(body);
      if (!Array.isArray(answer)) return { body: answer };
      const [first, ...rest] = answer as Array<{ id: number }>;
      return { body: [...rest, { jsonrpc: "2.0", id: first.id, error: { code: -32602, message: "invalid argument 0: hex number > 64 bits" } }] };
    });
    const failure = await rpcFailureOf(createChainClient(httpTransport(proxy.url), FAST_RETRY).headers(head - 5, head));
    expect(failure.kind).to.equal("fatal");
    expect(failure.code).to.equal(-32602);
    expect(failure.message).to.match(/^eth_getBlockByNumber: invalid argument 0/);
    expect(proxy.received).to.have.length(1);
  });

  it("retries a batch the node fails as a whole with HTTP 503, then gives its headers", async function () {
    let failures = 0;
    const proxy = await startProxy(async (body, forward) => {
      if (isBatch(body) && failures < FAST_RETRY.retries) {
        failures += 1;
        return { status: 503, body: { message: "unavailable" } };
      }
      return { body: await forward(body) };
    });
    const headers = await createChainClient(httpTransport(proxy.url), FAST_RETRY).headers(head - 9, head);
    expect(headers).to.deep.equal(await oneByOne(createChainClient(httpTransport(nodeUrl)), head - 9, head));
    expect(batchesIn(proxy.received)).to.have.length(FAST_RETRY.retries + 1);
  });
});
