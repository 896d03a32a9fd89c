import net from "node:net";
import tls from "node:tls";

/**
 * A small HTTP/1.1 client for JSON-RPC POSTs: kept-alive connections (plain or TLS), each answer read from the
 * socket's own reads and returned whole as one buffer.
 *
 * Why not node:http: nodes commonly send a large answer in chunked encoding, one chunk per log (Hardhat's server
 * does), and node:http turns every chunk into a stream event: for a backfill's tens of thousands of logs that was
 * a quarter of the indexing process's CPU, spent before the first log was looked at. Here a chunk costs one
 * `indexOf` and one slice of the socket's buffer.
 */

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

/** The connection failed or closed before a whole answer arrived, or the answer broke HTTP/1.1. */
export class HttpFailure extends Error {
  readonly name = "HttpFailure";
  constructor(
    message: string,
    /** The answer is larger than the client takes (for logs: ask for a smaller range). */
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

const CRLF = Buffer.from("\r\n");
const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from("\r\n\r\n");
/** Status line and headers larger than this are refused (a node's are a few hundred bytes). */
const MAX_HEAD_BYTES = 64 * 1024;

type BodyFraming = { kind: "length"; remaining: number } | { kind: "chunked" } | { kind: "untilClose" };

/** The value of a hex digit's byte, or -1. */
function hexDigit(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * Reads one answer from the bytes of a connection, fed as they arrive. Each read is copied once, whole, into one
 * buffer that grows as needed; a chunked answer's framing is then squeezed out in place (one `copyWithin` per
 * chunk), so the buffer ends up holding the body alone.
 */
export class AnswerReader {
  private head: Buffer | undefined;
  private status = 0;
  private keepAlive = true;
  private framing: BodyFraming | undefined;
  /** `[0, bodyBytes)`: the body so far; `[rawAt, rawEnd)`: bytes read but not yet looked at (chunked framing). */
  private buffer: Buffer = EMPTY;
  private bodyBytes = 0;
  private rawAt = 0;
  private rawEnd = 0;
  /** Chunked: "size" (a chunk-size line next), "data" (`chunkLeft` bytes of data), "dataEnd" (its CRLF), "trailer". */
  private chunkState: "size" | "data" | "dataEnd" | "trailer" = "size";
  private chunkLeft = 0;
  private finished = false;
  /** Whether any byte of the answer has arrived. */
  started = false;

  /**
   * @param sizeHint bytes the body will likely need (a chunked answer's length is unknown until its end): once an
   * answer outgrows its first 64 KB, room for that many is made at once, so a large answer is not copied each time
   * its buffer doubles.
   */
  constructor(
    private readonly maxBodyBytes: number,
    private readonly sizeHint = 0,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  /** Whether the connection may carry another request after this answer. */
  get reusable(): boolean {
    return this.finished && this.keepAlive && this.framing?.kind !== "untilClose";
  }

  answer(): HttpAnswer {
    return { status: this.status, body: this.buffer.subarray(0, this.bodyBytes) };
  }

  /** Takes the next bytes of the connection; true once the answer is complete. Throws HttpFailure on a malformed answer. */
  feed(data: Buffer): boolean {
    if (data.length > 0) this.started = true;
    let bytes = data;
    while (this.framing === undefined) {
      this.head = this.head === undefined ? bytes : Buffer.concat([this.head, bytes]);
      const end = this.head.indexOf(HEAD_END);
      if (end < 0) {
        if (this.head.length > MAX_HEAD_BYTES) throw new HttpFailure(`the answer's headers exceed ${MAX_HEAD_BYTES} bytes`);
        return false;
      }
      const interim = this.readHead(this.head.toString("latin1", 0, end));
      bytes = this.head.subarray(end + HEAD_END.length);
      this.head = undefined;
      // An interim answer (100 Continue and the like) comes before the real one: read on.
      if (interim) continue;
      if (this.finished) return true;
    }
    const framing = this.framing;
    if (framing.kind === "chunked") {
      this.append(bytes, bytes.length);
      this.readChunked();
    } else {
      const take = framing.kind === "length" ? Math.min(framing.remaining, bytes.length) : bytes.length;
      this.append(bytes, take);
      this.bodyBytes = this.rawEnd;
      this.rawAt = this.rawEnd;
      if (this.bodyBytes > this.maxBodyBytes) throw new HttpFailure(`the answer exceeds ${this.maxBodyBytes} bytes`, true);
      if (framing.kind === "length") {
        framing.remaining -= take;
        if (framing.remaining === 0) this.finished = true;
      }
    }
    return this.finished;
  }

  /** The connection closed: complete for an answer read until close, else a failure. */
  closed(): boolean {
    if (this.framing?.kind === "untilClose") {
      this.finished = true;
      return true;
    }
    return false;
  }

  /** Copies `bytes[0..length)` after the bytes not yet looked at, growing the buffer if needed. */
  private append(bytes: Buffer, length: number): void {
    if (length === 0) return;
    if (this.rawAt === this.rawEnd) this.rawAt = this.rawEnd = this.bodyBytes;
    const needed = this.rawEnd + length;
    if (needed > this.buffer.length) {
      const pending = this.rawEnd - this.rawAt;
      // 64 KB first (most answers are small), then at once the hint's size, then doubling.
      const room = this.buffer.length === 0 ? 64 * 1024 : Math.max(2 * this.buffer.length, this.sizeHint);
      const grown = Buffer.allocUnsafe(Math.max(this.bodyBytes + pending + length, room));
      this.buffer.copy(grown, 0, 0, this.bodyBytes);
      this.buffer.copy(grown, this.bodyBytes, this.rawAt, this.rawEnd);
      this.buffer = grown;
      this.rawAt = this.bodyBytes;
      this.rawEnd = this.bodyBytes + pending;
    }
    bytes.copy(this.buffer, this.rawEnd, 0, length);
    this.rawEnd += length;
  }

  /** Reads the status line and headers; true for an interim (1xx) answer, whose real answer follows. */
  private readHead(text: string): boolean {
    const lines = text.split("\r\n");
    const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
    if (statusLine === null) throw new HttpFailure(`not an HTTP/1.x answer: ${JSON.stringify(lines[0].slice(0, 80))}`);
    this.status = Number(statusLine[2]);
    if (this.status === 101) throw new HttpFailure("the server switched protocols");
    if (this.status >= 100 && this.status < 200) return true;
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const connection = headers.get("connection")?.toLowerCase();
    this.keepAlive = statusLine[1] === "1" ? connection !== "close" : connection === "keep-alive";
    const encoding = headers.get("transfer-encoding")?.toLowerCase();
    const length = headers.get("content-length");
    if (encoding !== undefined && encoding !== "identity") {
      if (!encoding.split(",").map((part) => part.trim()).includes("chunked")) throw new HttpFailure(`unsupported transfer encoding ${encoding}`);
      this.framing = { kind: "chunked" };
    } else if (length !== undefined) {
      const bytes = /^\d+$/.test(length) ? Number(length) : NaN;
      if (!Number.isSafeInteger(bytes)) throw new HttpFailure(`bad content-length ${JSON.stringify(length)}`);
      if (bytes > this.maxBodyBytes) throw new HttpFailure(`the answer's ${bytes} bytes exceed ${this.maxBodyBytes}`, true);
      this.framing = { kind: "length", remaining: bytes };
      this.buffer = Buffer.allocUnsafe(bytes);
      if (bytes === 0) this.finished = true;
    } else if (this.status === 204 || this.status === 304) {
      this.framing = { kind: "length", remaining: 0 };
      this.finished = true;
    } else {
      this.framing = { kind: "untilClose" };
    }
    return false;
  }

  /**
   * Chunked framing over the bytes not yet looked at: a chunk's size line read byte by byte (no string made), its
   * data moved down over the framing before it. A line cut off by the end of a read waits for the next.
   */
  private readChunked(): void {
    const buffer = this.buffer;
    let at = this.rawAt;
    while (at < this.rawEnd && !this.finished) {
      if (this.chunkState === "data") {
        const take = Math.min(this.chunkLeft, this.rawEnd - at);
        if (this.bodyBytes + take > this.maxBodyBytes) throw new HttpFailure(`the answer exceeds ${this.maxBodyBytes} bytes`, true);
        if (at !== this.bodyBytes) buffer.copyWithin(this.bodyBytes, at, at + take);
        this.bodyBytes += take;
        at += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.chunkState = "dataEnd";
        continue;
      }
      const lineEnd = this.chunkState === "size" ? this.sizeLineEnd(at) : buffer.indexOf(CRLF, at);
      if (lineEnd < 0 || lineEnd + CRLF.length > this.rawEnd) {
        if (this.rawEnd - at > 4096) throw new HttpFailure("a chunk-size or trailer line exceeds 4096 bytes");
        break;
      }
      if (this.chunkState === "dataEnd") {
        if (lineEnd !== at) throw new HttpFailure("chunk data is not followed by CRLF");
        this.chunkState = "size";
      } else if (this.chunkState === "size") {
        this.chunkState = this.chunkLeft === 0 ? "trailer" : "data";
      } else if (lineEnd === at) {
        // The empty line after the last chunk's trailers.
        this.finished = true;
      }
      at = lineEnd + CRLF.length;
    }
    this.rawAt = at;
  }

  /** Reads the chunk size at `at` into `chunkLeft`; where its line's CRLF starts, or -1 if the line is cut off. */
  private sizeLineEnd(at: number): number {
    const buffer = this.buffer;
    const end = this.rawEnd;
    let size = 0;
    let position = at;
    for (; position < end; position += 1) {
      const digit = hexDigit(buffer[position]);
      if (digit < 0) break;
      size = size * 16 + digit;
    }
    const digits = position - at;
    if (digits > 12 || (digits === 0 && position < end)) throw new HttpFailure(`bad chunk size line ${JSON.stringify(buffer.toString("latin1", at, Math.min(end, at + 40)))}`);
    // Anything after the digits (chunk extensions) runs to the line's end.
    const lineEnd = position + 1 < end && buffer[position] === 13 && buffer[position + 1] === 10 ? position : buffer.indexOf(CRLF, position);
    if (lineEnd >= 0 && lineEnd + CRLF.length <= end) this.chunkLeft = size;
    return lineEnd;
  }
}

interface Pending {
  request: Buffer;
  resolve: (answer: HttpAnswer) => void;
  reject: (error: Error) => void;
  timeoutMs: number;
  /** Sent once already on a connection that turned out stale. */
  resent: boolean;
}

interface Connection {
  socket: net.Socket;
  /** Requests this connection has completed. */
  served: number;
  /** Still counted among the open connections. */
  counted: boolean;
  current: { pending: Pending; reader: AnswerReader; timer: NodeJS.Timeout } | undefined;
}

export interface Http1ClientOptions {
  /** Connections open at most at once; further requests wait for one. */
  maxSockets: number;
  /** An answer larger than this is refused. */
  maxBodyBytes: number;
}

/** What the JSON-RPC transport needs of an HTTP client: POST a body, read the whole answer. */
export interface HttpPoster {
  /** POSTs `body` to the client's URL with these extra headers and reads the whole answer. */
  post(body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<HttpAnswer>;
  /** Closes every connection. */
  close(): void;
}

export type Http1Client = HttpPoster;

export function createHttp1Client(target: URL, options: Http1ClientOptions): Http1Client {
  const secure = target.protocol === "https:";
  if (!secure && target.protocol !== "http:") throw new Error(`${target.href} is not an http(s) URL`);
  const host = target.hostname.startsWith("[") ? target.hostname.slice(1, -1) : target.hostname;
  const port = target.port === "" ? (secure ? 443 : 80) : Number(target.port);
  const path = `${target.pathname}${target.search}`;
  const hostHeader = target.host;
  const authorization = target.username === "" ? undefined : `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString("base64")}`;

  const idle: Connection[] = [];
  /** The largest body answered so far: what the next answer's buffer starts with (an eighth more). */
  let largestAnswer = 0;
  const waiting: Pending[] = [];
  let open = 0;

  function connect(): Connection {
    const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined }) : net.connect({ host, port });
    socket.setNoDelay(true);
    const connection: Connection = { socket, served: 0, counted: true, current: undefined };
    open += 1;
    socket.on("data", (data: Buffer) => onData(connection, data));
    socket.on("error", (error: Error) => onGone(connection, error.message));
    socket.on("close", () => onGone(connection, "the connection closed"));
    return connection;
  }

  function send(connection: Connection, pending: Pending): void {
    const timer = setTimeout(() => {
      connection.socket.destroy();
      finish(connection, new HttpFailure(`no answer within ${pending.timeoutMs} ms`));
    }, pending.timeoutMs);
    connection.current = { pending, reader: new AnswerReader(options.maxBodyBytes, Math.min(options.maxBodyBytes, largestAnswer + (largestAnswer >> 3))), timer };
    connection.socket.ref();
    connection.socket.write(pending.request);
  }

  function dispatch(pending: Pending): void {
    for (let connection = idle.pop(); connection !== undefined; connection = idle.pop()) {
      if (!connection.socket.destroyed) return send(connection, pending);
    }
    if (open < options.maxSockets) return send(connect(), pending);
    waiting.push(pending);
  }

  /** Ends the connection's current request with an answer or a failure; the connection then serves the next. */
  function finish(connection: Connection, outcome: HttpAnswer | Error): void {
    const current = connection.current;
    if (current === undefined) return;
    connection.current = undefined;
    clearTimeout(current.timer);
    if (outcome instanceof Error) current.pending.reject(outcome);
    else current.pending.resolve(outcome);
    if (connection.socket.destroyed) return;
    connection.served += 1;
    const next = waiting.shift();
    if (next !== undefined) return send(connection, next);
    connection.socket.unref();
    idle.push(connection);
  }

  function onData(connection: Connection, data: Buffer): void {
    const current = connection.current;
    if (current === undefined) {
      // Bytes nobody asked for: the connection is out of step; drop it.
      connection.socket.destroy();
      return;
    }
    try {
      if (!current.reader.feed(data)) return;
    } catch (error) {
      connection.socket.destroy();
      finish(connection, error instanceof Error ? error : new HttpFailure(String(error)));
      return;
    }
    const reusable = current.reader.reusable;
    if (!reusable) connection.socket.destroy();
    const answer = current.reader.answer();
    largestAnswer = Math.max(largestAnswer, answer.body.length);
    finish(connection, answer);
  }

  function onGone(connection: Connection, reason: string): void {
    const index = idle.indexOf(connection);
    if (index >= 0) idle.splice(index, 1);
    if (!connection.socket.destroyed) connection.socket.destroy();
    const current = connection.current;
    if (connection.counted) {
      connection.counted = false;
      open -= 1;
    }
    if (current !== undefined) {
      if (current.reader.closed()) {
        finish(connection, current.reader.answer());
      } else if (!current.reader.started && connection.served > 0 && !current.pending.resent) {
        // A kept-alive connection the server had closed while idle: send again on a fresh one.
        connection.current = undefined;
        clearTimeout(current.timer);
        current.pending.resent = true;
        dispatch(current.pending);
      } else {
        finish(connection, new HttpFailure(`${reason} before the whole answer arrived`));
      }
    }
    const next = waiting.shift();
    if (next !== undefined) dispatch(next);
  }

  return {
    post(body, headers, timeoutMs) {
      const lines = [`POST ${path} HTTP/1.1`, `Host: ${hostHeader}`, "Connection: keep-alive", `Content-Length: ${Buffer.byteLength(body)}`];
      if (authorization !== undefined) lines.push(`Authorization: ${authorization}`);
      for (const [name, value] of Object.entries(headers)) {
        if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${name} holds a line break`);
        lines.push(`${name}: ${value}`);
      }
      const request = Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`);
      return new Promise((resolve, reject) => dispatch({ request, resolve, reject, timeoutMs, resent: false }));
    },
    close() {
      for (const connection of idle.splice(0)) connection.socket.destroy();
    },
  };
}
