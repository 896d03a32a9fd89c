import { expect } from "chai";
import fc from "fast-check";
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { AnswerReader, HttpFailure, createHttp1Client } from "../../src/chain/http1";
import type { HttpAnswer } from "../../src/chain/http1";

/**
 * The indexer's HTTP/1.1 client: answers read whole from any split of the connection's bytes (fixed length,
 * chunked with extensions and trailers, until close); malformed or oversized answers refused by name; kept-alive
 * connections reused, a connection the server closed while idle replaced without the caller noticing, and a
 * connection that dies mid-answer or stays silent failing the request. Servers listen on 127.0.0.1 only.
 */

/** An answer's bytes in chunked encoding, one chunk per part (extensions on some size lines, a trailer at the end). */
function chunked(parts: readonly string[], status = "200 OK"): Buffer {
  const chunks = parts.map((part, index) => `${Buffer.byteLength(part).toString(16)}${index % 2 === 1 ? ";note=x" : ""}\r\n${part}\r\n`);
  return Buffer.from(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunks.join("")}0\r\nX-Trailer: yes\r\n\r\n`);
}

/** Feeds `bytes` to a new reader cut at `cuts` (sorted offsets); the answer once complete. */
function readCut(bytes: Buffer, cuts: readonly number[], maxBodyBytes = 1 << 20, sizeHint = 0): { reader: AnswerReader; answer: HttpAnswer } {
  const reader = new AnswerReader(maxBodyBytes, sizeHint);
  let start = 0;
  let done = false;
  for (const end of [...cuts, bytes.length]) {
    expect(done, "complete before its last byte").to.equal(false);
    done = reader.feed(bytes.subarray(start, end));
    start = end;
  }
  expect(done, "complete after its last byte").to.equal(true);
  return { reader, answer: reader.answer() };
}

function failureOf(action: () => unknown): HttpFailure {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(HttpFailure);
    return error as HttpFailure;
  }
  throw new Error("expected an HttpFailure");
}

describe("HTTP/1.1 client: answers read whole from any split of the bytes", function () {
  it("reads a chunked answer cut at every byte, with chunk extensions and a trailer", function () {
    const parts = ['{"jsonrpc":"2.0","id":1,', '"result":[{"a":"0x1"},', '{"b":"é€"}]}'];
    const bytes = chunked(parts);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const { reader, answer } = readCut(bytes, [cut]);
      expect(answer.status).to.equal(200);
      expect(answer.body.toString("utf8")).to.equal(parts.join(""));
      expect(reader.reusable).to.equal(true);
    }
    const byteByByte = readCut(bytes, Array.from({ length: bytes.length - 1 }, (_, index) => index + 1));
    expect(byteByByte.answer.body.toString("utf8")).to.equal(parts.join(""));
  });

  it("reads any body, chunked any way and delivered in any pieces, byte for byte", function () {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "binary", minLength: 1, maxLength: 300 }), { minLength: 0, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.nat({ max: 200_000 }),
        (parts, rawCuts, sizeHint) => {
          const bytes = chunked(parts);
          const cuts = [...new Set(rawCuts.map((cut) => 1 + (cut % (bytes.length - 1))))].sort((a, b) => a - b);
          expect(readCut(bytes, cuts, 1 << 20, sizeHint).answer.body.toString("utf8")).to.equal(parts.join(""));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads a fixed-length answer, an answer that runs until the connection closes, and one after an interim 100 Continue", function () {
    const body = '{"jsonrpc":"2.0","id":7,"result":"0x10"}';
    const fixed = Buffer.from(`HTTP/1.1 503 Service Unavailable\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const { answer } = readCut(fixed, [5, 40, 41]);
    expect(answer).to.deep.include({ status: 503 });
    expect(answer.body.toString()).to.equal(body);

    const untilClose = new AnswerReader(1 << 20);
    expect(untilClose.feed(Buffer.from(`HTTP/1.0 200 OK\r\n\r\n${body.slice(0, 10)}`))).to.equal(false);
    expect(untilClose.feed(Buffer.from(body.slice(10)))).to.equal(false);
    expect(untilClose.closed()).to.equal(true);
    expect(untilClose.answer().body.toString()).to.equal(body);
    expect(untilClose.reusable).to.equal(false);

    const close = readCut(Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"), []);
    expect(close.reader.reusable).to.equal(false);

    const continued = Buffer.from(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    for (const cut of [10, 25, 30, 60]) {
      const { answer: afterInterim } = readCut(continued, [cut]);
      expect(afterInterim.status).to.equal(200);
      expect(afterInterim.body.toString()).to.equal(body);
    }
  });

  it("refuses a malformed answer, naming what is wrong", function () {
    const feed = (text: string) => () => new AnswerReader(1 << 20).feed(Buffer.from(text));
    expect(failureOf(feed("SSH-2.0-OpenSSH\r\n\r\n")).message).to.match(/not an HTTP\/1\.x answer/);
    expect(failureOf(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).message).to.match(/bad chunk size line "zz/);
    expect(failureOf(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n")).message).to.match(/not followed by CRLF/);
    expect(failureOf(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")).message).to.match(/unsupported transfer encoding gzip/);
    expect(failureOf(feed("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n")).message).to.match(/bad content-length "12x"/);
  });

  it("reads a large answer in many small chunks whatever room it is first given, and one exactly as large as it takes", function () {
    const parts = Array.from({ length: 400 }, (_, index) => `{"log":${index},"data":"0x${"ab".repeat(250)}"},`);
    const bytes = chunked(parts);
    const cuts = Array.from({ length: Math.floor(bytes.length / 16_000) }, (_, index) => (index + 1) * 16_000);
    for (const sizeHint of [0, 1_000, 70_000, 1 << 20]) expect(readCut(bytes, cuts, 1 << 20, sizeHint).answer.body.toString()).to.equal(parts.join(""));
    const exact = chunked(["x".repeat(50), "y".repeat(50)]);
    expect(readCut(exact, [exact.length - 3], 100).answer.body.toString()).to.equal(`${"x".repeat(50)}${"y".repeat(50)}`);
  });

  it("refuses an answer larger than it takes as too large, whether its length is announced or not", function () {
    const announced = failureOf(() => new AnswerReader(100).feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n")));
    expect(announced.tooLarge).to.equal(true);
    const reader = new AnswerReader(100);
    const streamed = failureOf(() => reader.feed(chunked(["x".repeat(60), "y".repeat(60)])));
    expect(streamed.tooLarge).to.equal(true);
    expect(streamed.message).to.match(/exceeds 100 bytes/);
  });
});

describe("HTTP/1.1 client: connections", function () {
  const servers: Server[] = [];

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });

  async function listen(server: Server): Promise<URL> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc?key=1`);
  }

  /** An HTTP server answering each POST with its body echoed; counts connections, and what each request asked. */
  async function echoServer(answer?: (request: IncomingMessage, body: string, response: ServerResponse) => void): Promise<{ url: URL; connections: () => number; requests: Array<{ url: string; headers: IncomingMessage["headers"] }> }> {
    let connections = 0;
    const requests: Array<{ url: string; headers: IncomingMessage["headers"] }> = [];
    const server = createHttpServer((request, response) => {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (part: string) => (body += part));
      request.on("end", () => {
        requests.push({ url: request.url ?? "", headers: request.headers });
        if (answer !== undefined) return answer(request, body, response);
        // Written in several pieces: node:http sends them as chunks.
        for (const piece of body.match(/.{1,7}/gsu) ?? []) response.write(piece);
        response.end();
      });
    });
    server.on("connection", () => (connections += 1));
    server.keepAliveTimeout = 10_000;
    const url = await listen(server);
    return { url, connections: () => connections, requests };
  }

  it("posts to the URL's path with its credentials, and reuses one kept-alive connection for requests in turn", async function () {
    const { url, connections, requests } = await echoServer();
    url.username = "indexer";
    url.password = "s3cret";
    const client = createHttp1Client(url, { maxSockets: 4, maxBodyBytes: 1 << 20 });
    try {
      for (let index = 0; index < 5; index += 1) {
        const answer = await client.post(`{"call":${index},"text":"日本"}`, { "Content-Type": "application/json" }, 5_000);
        expect(answer.status).to.equal(200);
        expect(answer.body.toString("utf8")).to.equal(`{"call":${index},"text":"日本"}`);
      }
      expect(connections()).to.equal(1);
      expect(requests[0].url).to.equal("/rpc?key=1");
      expect(requests[0].headers.authorization).to.equal(`Basic ${Buffer.from("indexer:s3cret").toString("base64")}`);
      expect(requests[0].headers["content-type"]).to.equal("application/json");
    } finally {
      client.close();
    }
  });

  it("opens at most maxSockets connections for requests in flight; the others wait their turn", async function () {
    const { url, connections } = await echoServer((_request, body, response) => setTimeout(() => response.end(body), 30));
    const client = createHttp1Client(url, { maxSockets: 2, maxBodyBytes: 1 << 20 });
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => client.post(String(index), {}, 5_000)));
      expect(answers.map((answer) => answer.body.toString())).to.deep.equal(["0", "1", "2", "3", "4", "5"]);
      expect(connections()).to.equal(2);
    } finally {
      client.close();
    }
  });

  it("sends again on a fresh connection when the server drops a kept-alive one as the next request goes out", async function () {
    const sockets: Socket[] = [];
    let connections = 0;
    const server = createNetServer((socket) => {
      connections += 1;
      sockets.push(socket);
      let served = 0;
      socket.on("data", () => {
        served += 1;
        // Each connection answers one request, then drops the next unanswered (a keep-alive timeout racing it).
        if (served === 1) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        else socket.destroy();
      });
    });
    const url = await listen(server);
    const client = createHttp1Client(url, { maxSockets: 1, maxBodyBytes: 1 << 20 });
    try {
      expect((await client.post("{}", {}, 5_000)).body.toString()).to.equal("ok");
      expect((await client.post("{}", {}, 5_000)).body.toString()).to.equal("ok");
      expect(connections).to.equal(2);
    } finally {
      client.close();
      for (const socket of sockets) socket.destroy();
    }
  });

  it("fails a request a fresh connection drops unanswered, rather than sending it again and again", async function () {
    let connections = 0;
    const server = createNetServer((socket) => {
      connections += 1;
      socket.on("data", () => socket.destroy());
    });
    const url = await listen(server);
    const client = createHttp1Client(url, { maxSockets: 1, maxBodyBytes: 1 << 20 });
    try {
      const dropped = await client.post("{}", {}, 5_000).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(dropped).to.be.instanceOf(HttpFailure);
      expect((dropped as Error).message).to.match(/closed before the whole answer arrived/);
      expect(connections).to.equal(1);
    } finally {
      client.close();
    }
  });

  it("fails a request whose connection dies mid-answer, and one that gets no answer in time", async function () {
    const sockets: Socket[] = [];
    const server = createNetServer((socket) => {
      sockets.push(socket);
      socket.on("data", (data: Buffer) => {
        if (data.toString().includes("cut")) {
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
          setTimeout(() => socket.destroy(), 10);
        }
        // Anything else: silence.
      });
    });
    const url = await listen(server);
    const client = createHttp1Client(url, { maxSockets: 2, maxBodyBytes: 1 << 20 });
    try {
      const cut = await client.post("cut", {}, 5_000).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(cut).to.be.instanceOf(HttpFailure);
      expect((cut as Error).message).to.match(/before the whole answer arrived/);
      const started = Date.now();
      const silent = await client.post("wait", {}, 150).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((silent as Error).message).to.match(/no answer within 150 ms/);
      expect(Date.now() - started).to.be.below(2_000);
    } finally {
      client.close();
      for (const socket of sockets) socket.destroy();
    }
  });

  it("closes a connection the server answered with Connection: close, and opens a new one for the next request", async function () {
    const { url, connections } = await echoServer((_request, body, response) => {
      response.setHeader("Connection", "close");
      response.end(body);
    });
    const client = createHttp1Client(url, { maxSockets: 4, maxBodyBytes: 1 << 20 });
    try {
      expect((await client.post("a", {}, 5_000)).body.toString()).to.equal("a");
      expect((await client.post("b", {}, 5_000)).body.toString()).to.equal("b");
      expect(connections()).to.equal(2);
    } finally {
      client.close();
    }
  });
});
