import { Pool } from "undici";

/** An HTTP answer read whole. */
export interface HttpAnswer {
  status: number;
  body: Buffer;
}

/** The connection failed or closed before a whole answer arrived. */
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

export interface HttpPoster {
  /** POSTs `body` to the client's URL with these extra headers and reads the whole answer. */
  post(body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<HttpAnswer>;
  /** Closes every connection. */
  close(): void;
}

/**
 * POST-and-read-whole through undici's `Pool.request` (kept-alive connections, at most `maxSockets`), refusing an
 * answer larger than `maxBodyBytes`. It replaced a hand-written HTTP/1.1 client that `npm run bench:indexer` measured
 * against it: undici cost 7.6% more CPU while indexing, under the 10% that would have kept the hand-written one
 * (figures in src/indexer/README.md).
 */
export function createHttpClient(target: URL, options: { maxSockets: number; maxBodyBytes: number }): HttpPoster {
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`${target.href} is not an http(s) URL`);
  const pool = new Pool(target.origin, { connections: options.maxSockets });
  const path = `${target.pathname}${target.search}`;
  const authorization =
    target.username === ""
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString("base64")}`;

  async function post(body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<HttpAnswer> {
    let answer;
    try {
      answer = await pool.request({
        path,
        method: "POST",
        headers: authorization === undefined ? headers : { ...headers, authorization },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (error) {
      throw new HttpFailure(error instanceof Error ? error.message : String(error));
    }
    const stream = answer.body;
    const status = answer.statusCode;
    const declared = Number(answer.headers["content-length"] ?? Number.NaN);
    if (declared > options.maxBodyBytes) {
      stream.destroy();
      throw new HttpFailure(`the answer is ${declared} bytes, more than ${options.maxBodyBytes}`, true);
    }
    return new Promise<HttpAnswer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBodyBytes) {
          stream.destroy();
          reject(new HttpFailure(`the answer is more than ${options.maxBodyBytes} bytes`, true));
          return;
        }
        chunks.push(chunk);
      });
      stream.on("end", () => resolve({ status, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) }));
      stream.on("error", (error: Error) => reject(new HttpFailure(`${error.message} before the whole answer arrived`)));
    });
  }

  return {
    post,
    close() {
      void pool.close().catch(() => undefined);
    },
  };
}
