import { getAddress } from "ethers";
import { SiweMessage } from "siwe";
import type { z } from "zod";
import { errorBody } from "./schemas";
import type { FieldProblemJson, SignedInJson } from "./schemas";
import { ROUTES } from "./routes";
import type { RouteName, Routes, RouteSpec } from "./routes";

/**
 * The one client of the API, typed by the route table: `call("portfolio", { query: { limit: "50" } })` sends what
 * the route's schemas take and answers what its schemas describe, checked as it arrives. Used by the dApp (in the
 * browser), the audit's document source, ChainbillClient, the demo and the tests. An answer the route does not
 * describe as an answer (an error, or anything unexpected) is thrown as an ApiFailure with the API's code, its
 * sentence and the wrong fields.
 */

/** An answer other than the ones the caller asked for: the API's stable code, its sentence, and the wrong fields. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblemJson[],
    /** The body: an error's, or a described answer that is not a success (a refused funding check's failures). */
    readonly body: unknown,
    /** Seconds the API asked to wait before retrying (Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = "ApiFailure";
  }
}

type InputOf<T> = T extends z.ZodType ? z.input<T> : never;
type Field<R, K extends string, Optional extends boolean> = R extends { [P in K]: z.ZodType }
  ? Optional extends true
    ? { [P in K]?: InputOf<R[K]> }
    : { [P in K]: InputOf<R[K]> }
  : { [P in K]?: undefined };

/** What a call sends: path parameters, query and body, as the route's schemas take them (amounts as decimal strings). */
export type CallInput<N extends RouteName> = Field<Routes[N], "params", false> & Field<Routes[N], "query", true> & Field<Routes[N], "body", false>;

/** Every answer a route describes as one (not an error), by status. */
export type AnswerOf<N extends RouteName> = {
  [S in keyof Routes[N]["responses"]]: Routes[N]["responses"][S] extends { kind: "answer"; schema: infer Z extends z.ZodType }
    ? { status: S; body: z.output<Z> }
    : Routes[N]["responses"][S] extends { kind: "empty" }
      ? { status: S; body: null }
      : Routes[N]["responses"][S] extends { kind: "text" }
        ? { status: S; body: string }
        : never;
}[keyof Routes[N]["responses"]];

type Success = 200 | 201 | 204;
/** The body of a route's success. */
export type ResultOf<N extends RouteName> = Extract<AnswerOf<N>, { status: Success }>["body"];

/** A path parameter or query value as the URL carries it (a number or bigint in decimal); nothing is empty. */
function partText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return toJson(value);
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
}

function failureOf(status: number, parsed: unknown, fallback: string, retryAfter: string | null): ApiFailure {
  const retryAfterSeconds = retryAfter === null || Number.isNaN(Number(retryAfter)) ? undefined : Number(retryAfter);
  const described = errorBody.safeParse(parsed);
  if (described.success)
    return new ApiFailure(status, described.data.error.code, described.data.error.message, described.data.error.fields, parsed, retryAfterSeconds);
  return new ApiFailure(status, `HTTP_${status}`, fallback, [], parsed, retryAfterSeconds);
}

export type Fetch = (input: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;

export class ApiClient {
  /** The session's bearer token, once signed in. */
  token: string | null = null;

  constructor(
    /** The API's origin ("" for the page's own in the browser). */
    readonly baseUrl = "",
    private readonly fetcher: Fetch = (input, init) => fetch(input, init),
  ) {}

  /** The URL of `name` with `input`'s path parameters and query. */
  url<N extends RouteName>(name: N, input: CallInput<N> = {} as CallInput<N>): string {
    const spec: RouteSpec = ROUTES[name];
    const { params, query } = input as { params?: Record<string, unknown>; query?: Record<string, unknown> };
    const path = spec.path.replace(/\{([A-Za-z0-9_]+)\}/gu, (_match, key: string) => encodeURIComponent(partText(params?.[key])));
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null) search.append(key, partText(value));
    const text = search.toString();
    return `${this.baseUrl.replace(/\/+$/u, "")}${path}${text === "" ? "" : `?${text}`}`;
  }

  /**
   * Calls `name` and answers whichever answer the route describes (a refused funding check's 422 among them), checked
   * against its schema; an error answer, or one the route does not describe, throws an ApiFailure.
   */
  async request<N extends RouteName>(name: N, ...args: object extends CallInput<N> ? [CallInput<N>?] : [CallInput<N>]): Promise<AnswerOf<N>> {
    const input = (args[0] ?? {}) as CallInput<N>;
    const spec: RouteSpec = ROUTES[name];
    const headers: Record<string, string> = {};
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    const body = (input as { body?: unknown }).body;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await this.fetcher(this.url(name, input), {
        method: spec.method.toUpperCase(),
        headers,
        body: body === undefined ? undefined : toJson(body),
      });
    } catch (error) {
      throw new ApiFailure(0, "UNREACHABLE", error instanceof Error ? error.message : String(error), [], null);
    }
    const text = await response.text();
    const described = spec.responses[response.status];
    if (described?.kind === "text") return { status: response.status, body: text } as AnswerOf<N>;
    if (described?.kind === "empty") return { status: response.status, body: null } as AnswerOf<N>;
    let parsed: unknown = null;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (described?.kind !== "answer")
      throw failureOf(response.status, parsed, response.statusText || `the API answered ${response.status}`, response.headers.get("retry-after"));
    const checked = described.schema.safeParse(parsed);
    if (!checked.success) {
      const problems = checked.error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(body)", message: issue.message }));
      throw new ApiFailure(
        response.status,
        "ANSWER_NOT_DESCRIBED",
        `${spec.method.toUpperCase()} ${spec.path} answered ${response.status} with a shape its schema does not describe`,
        problems,
        parsed,
      );
    }
    return { status: response.status, body: checked.data } as AnswerOf<N>;
  }

  /** Calls `name` and answers its success's body; any other answer throws an ApiFailure (its body kept). */
  async call<N extends RouteName>(name: N, ...args: object extends CallInput<N> ? [CallInput<N>?] : [CallInput<N>]): Promise<ResultOf<N>> {
    const answer = (await this.request(name, ...args)) as { status: number; body: unknown };
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    const body = answer.body as { failures?: Array<{ message: string }> } | null;
    throw new ApiFailure(
      answer.status,
      `HTTP_${answer.status}`,
      body?.failures?.[0]?.message ?? `the API answered ${answer.status}`,
      [],
      answer.body,
    );
  }

  /** Signs in (EIP-4361) as `signer` and keeps the session's token; answers the token, the address and its expiry. */
  async signIn(signer: SignInSigner, options: SignInOptions = {}): Promise<SignedInJson> {
    const issued = await this.call("nonce");
    const message = signInMessage({ ...issued, address: await signer.getAddress() }, options);
    options.onSigning?.();
    const signature = await signer.signMessage(message);
    options.onVerifying?.();
    const signedIn = await this.call("signIn", { body: { message, signature } });
    this.token = signedIn.token;
    return signedIn;
  }

  /** Ends the session (best effort: a failure to reach the API leaves it to expire). */
  async signOut(): Promise<void> {
    if (this.token === null) return;
    await this.call("logout").catch(() => undefined);
    this.token = null;
  }
}

export interface SignInSigner {
  getAddress(): Promise<string>;
  signMessage(message: string): Promise<string>;
}

export interface SignInOptions {
  /** The message's statement (default: "Sign in to Chainbill, the supply-chain receivables network."). */
  statement?: string;
  /** How long the message is valid, in milliseconds (default one hour). */
  validForMs?: number;
  /** The time the message is issued (default now). */
  now?: Date;
  onSigning?: () => void;
  onVerifying?: () => void;
}

/** The EIP-4361 message (written by `siwe`) for the nonce the API issued, which names its domain, URI and chain. */
export function signInMessage(
  issued: { nonce: string; domain: string; uri: string; chainId: string; address: string },
  options: SignInOptions = {},
): string {
  const now = options.now ?? new Date();
  return new SiweMessage({
    domain: issued.domain,
    address: getAddress(issued.address),
    statement: options.statement ?? "Sign in to Chainbill, the supply-chain receivables network.",
    uri: issued.uri,
    version: "1",
    chainId: Number(issued.chainId),
    nonce: issued.nonce,
    issuedAt: now.toISOString(),
    expirationTime: new Date(now.getTime() + (options.validForMs ?? 3_600_000)).toISOString(),
  }).prepareMessage();
}
