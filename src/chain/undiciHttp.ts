import { Pool } from "undici";
import { HttpFailure } from "./http1";
import type { HttpAnswer, HttpPoster } from "./http1";

/**
 * The same POST-and-read-whole as {@link createHttp1Client}, through undici's `Pool.request` (kept-alive
 * connections, at most `maxSockets`). Measured against the hand-written client by `npm run bench:indexer`.
 */
export function createUndiciClient(target: URL, options: { maxSockets: number; maxBodyBytes: number }): HttpPoster {
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`${target.href} is not an http(s) URL`);
  const pool = new Pool(target.origin, { connections: options.maxSockets });
  const path = `${target.pathname}${target.search}`;
  const authorization = target.username === "" ? undefined : `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString("base64")}`;

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
