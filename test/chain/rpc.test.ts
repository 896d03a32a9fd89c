import { expect } from "chai";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { httpSender } from "../../src/audit/chain";
import { RpcError, createChainClient, httpTransport } from "../../src/chain/rpc";
import type { RetryPolicy } from "../../src/chain/rpc";

/**
 * The one JSON-RPC client (src/chain/rpc.ts) with several endpoints: when the first cannot be reached or answers
 * HTTP 503, the second serves, and keeps serving; when none can, the error names each endpoint and its reason.
 * Small JSON-RPC servers on 127.0.0.1 stand for the nodes; a port that was open and is closed stands for a node that
 * is down. Both HTTP clients (the hand-written one and undici's Pool) behave the same.
 */

const FAST_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 1, maxDelayMs: 2 };

interface FakeNode {
  url: string;
  /** JSON-RPC methods asked, in order (a batch's calls one by one). */
  calls: string[];
  server: Server;
}

/** A node that answers eth_chainId 0x7a69 and eth_blockNumber 0x10, or `status` (without a JSON-RPC body) to every request. */
async function fakeNode(status = 200): Promise<FakeNode> {
  const calls: string[] = [];
  const answer = (body: { id?: unknown; method?: unknown }): object => {
    calls.push(String(body.method));
    return { jsonrpc: "2.0", id: body.id, result: body.method === "eth_chainId" ? "0x7a69" : "0x10" };
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on("end", () => {
      if (status !== 200) {
        calls.push("refused");
        response.writeHead(status).end("unavailable");
        return;
      }
      const body = JSON.parse(text) as { id?: unknown; method?: unknown } | Array<{ id?: unknown; method?: unknown }>;
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

async function stopNode(node: FakeNode): Promise<void> {
  node.server.closeAllConnections();
  await new Promise<void>((resolve) => node.server.close(() => resolve()));
}

/** A URL nothing listens on: a port just opened and closed again. */
async function downUrl(): Promise<string> {
  const node = await fakeNode();
  await stopNode(node);
  return node.url;
}

{
  describe("JSON-RPC client over several endpoints", function () {
    const started: FakeNode[] = [];
    const start = async (status?: number): Promise<FakeNode> => {
      const node = await fakeNode(status);
      started.push(node);
      return node;
    };
    afterEach(async function () {
      await Promise.all(
        started
          .splice(0)
          .filter((node) => node.server.listening)
          .map((node) => stopNode(node)),
      );
    });

    it("is served by the second endpoint when the first refuses connections, and stays with it", async function () {
      const down = await downUrl();
      const up = await start();
      const chain = createChainClient(httpTransport([down, up.url]), FAST_RETRY);
      expect(await chain.chainId()).to.equal(31337n);
      expect(await chain.headNumber()).to.equal(16);
      expect(up.calls).to.deep.equal(["eth_chainId", "eth_blockNumber"]);
    });

    it("is served by the second endpoint when the first answers HTTP 503, and asks the first no more", async function () {
      const busy = await start(503);
      const up = await start();
      const chain = createChainClient(httpTransport([busy.url, up.url]), FAST_RETRY);
      expect(await chain.chainId()).to.equal(31337n);
      expect(await chain.headNumber()).to.equal(16);
      expect(busy.calls).to.deep.equal(["refused"]);
      expect(up.calls).to.deep.equal(["eth_chainId", "eth_blockNumber"]);
    });

    it("moves to the next endpoint when the one in use goes down mid-run", async function () {
      const first = await start();
      const second = await start();
      const transport = httpTransport([first.url, second.url]);
      expect(await transport.request("eth_chainId", [])).to.equal("0x7a69");
      await stopNode(first);
      expect(await transport.request("eth_blockNumber", [])).to.equal("0x10");
      expect(await transport.request("eth_chainId", [])).to.equal("0x7a69");
      expect(first.calls).to.deep.equal(["eth_chainId"]);
      expect(second.calls).to.deep.equal(["eth_blockNumber", "eth_chainId"]);
    });

    it("fails with a retryable RpcError naming every endpoint and its reason when all are down, after its retries", async function () {
      const [a, b] = [await downUrl(), await downUrl()];
      const busy = await start(503);
      const chain = createChainClient(httpTransport([a, b, busy.url]), FAST_RETRY);
      const error = await chain.chainId().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(RpcError);
      const rpcError = error as RpcError;
      expect(rpcError.kind).to.equal("retryable");
      expect(rpcError.message).to.include("all 3 endpoints failed");
      expect(rpcError.message).to.include(a).and.to.include(b).and.to.include(`${busy.url}: HTTP 503`);
      // One try and two retries, each asking every endpoint once.
      expect(busy.calls).to.deep.equal(["refused", "refused", "refused"]);
    });
  });
}

describe("The audit's sender on the shared JSON-RPC client", function () {
  it("fails over to the second endpoint for single calls and batches", async function () {
    const down = await downUrl();
    const up = await fakeNode();
    try {
      const sender = httpSender([down, up.url]);
      expect(await sender.send("eth_chainId", [])).to.equal("0x7a69");
      expect(
        await sender.sendBatch?.([
          ["eth_blockNumber", []],
          ["eth_chainId", []],
        ]),
      ).to.deep.equal(["0x10", "0x7a69"]);
    } finally {
      await stopNode(up);
    }
  });

  it("retries a node that answers HTTP 503, then names it when it keeps failing", async function () {
    const busy = await fakeNode(503);
    try {
      const sender = httpSender(busy.url, 5_000, FAST_RETRY);
      const error = await sender.send("eth_chainId", []).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(RpcError);
      expect((error as Error).message).to.include(`HTTP 503 from ${busy.url}`);
      expect(busy.calls).to.have.length(3);
    } finally {
      await stopNode(busy);
    }
  });
});
