import type { Logger } from "pino";
import { SignaturePool } from "../chain/signaturePool";
import type { SignaturePoolOptions, SignatureRecovery } from "../chain/signaturePool";
import type { AnswerMismatch } from "./conformance";
import type { ChainbillContracts } from "../chain/system";
import { DocumentUseTracker } from "../documents/chainUse";
import type { DocumentStore } from "../documents/store";
import type { FundingRequestStore } from "../requests/store";
import type { OfferStore } from "../offers/store";
import { MemoryRefusalLog } from "../requests/refusals";
import type { RefusalLog } from "../requests/refusals";
import type { FundingCheckInput, FundingCheckOutcome } from "../verifier/types";
import { NonceStore } from "./auth/nonces";
import type { IndexRouteOptions } from "./indexRoutes";
import { SessionStore } from "./auth/sessions";
import type { SessionPersistence } from "./auth/sessions";
import type { SignInPolicy } from "./auth/signIn";
import { MemberDirectory } from "./members";
import { MemberNaming } from "./memberNames";
import { ApplicationStore } from "../onboarding/store";
import { ApiMetrics } from "./metrics";
import { RateLimiter } from "./rateLimit";
import type { RateLimit } from "./rateLimit";

/** What answers a funding check (the verifier; its key stays inside it). */
export interface FundingChecker {
  /** `signatures`: where the check recovers its signatures (the API's pool). */
  check(input: FundingCheckInput, options?: { signatures?: SignatureRecovery }): Promise<FundingCheckOutcome>;
}

export interface ApiLimits {
  /** Per client IP, every route except /health and /metrics. */
  perIp: RateLimit;
  /** Per signed-in address, every route that needs a session. */
  perAddress: RateLimit;
  sessionTtlSeconds: number;
  nonceTtlSeconds: number;
  /** Live sessions in all. */
  maxSessions: number;
  /** Live sessions per member: a new sign-in beyond it ends the member's own oldest session. */
  maxSessionsPerMember: number;
  /** Milliseconds to receive a whole request (headers and body); a slower client is dropped. */
  requestTimeoutMs: number;
  /** Milliseconds to receive a request's headers. */
  headersTimeoutMs: number;
  /** Membership applications filed per client IP (src/api/routes/applications.ts). */
  filings: RateLimit;
}

export const DEFAULT_LIMITS: ApiLimits = {
  perIp: { burst: 120, perSecond: 60 },
  perAddress: { burst: 60, perSecond: 30 },
  sessionTtlSeconds: 3600,
  nonceTtlSeconds: 300,
  maxSessions: 100_000,
  maxSessionsPerMember: 20,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  filings: { burst: 10, perSecond: 1 / 60 },
};

/** The request body limit (the wire contract states it). */
export { BODY_LIMIT_BYTES } from "./wire/schemas";

export interface ApiOptions {
  /** The system, connected to a provider (the API only reads the chain). */
  contracts: ChainbillContracts;
  chainId: bigint;
  store: DocumentStore;
  verifier: FundingChecker;
  /** What sign-in messages must be addressed to. */
  signIn: { domain: string; uri: string };
  logger: Logger;
  limits?: Partial<ApiLimits>;
  /** The first block worth scanning for document hashes (the token's deployment block). */
  fromBlock?: number;
  /** Process metrics (CPU, memory, event loop) in /metrics; off in tests that build many apps. */
  processMetrics?: boolean;
  /** A running indexer's reader: given, the index read routes (portfolio, trees, books, slots, histories) are served. */
  index?: IndexRouteOptions;
  /** Given, the funding-request inbox (`/v1/funding-requests`) is served. */
  requests?: FundingRequestStore;
  /** Given, factors' offers (`/v1/offers`) are served. */
  offers?: OfferStore;
  /** Where sessions outlive the process (LevelSessionPersistence); without it they end with the process. */
  sessions?: SessionPersistence;
  /** Where refused funding checks are kept for suppliers' records (LevelRefusalLog); in memory without it. */
  refusals?: RefusalLog;
  /** The signature pool's settings (threads, the batch size from which it is used); its defaults otherwise. */
  signaturePool?: SignaturePoolOptions;
  /**
   * Check every JSON answer against its route's schema (src/api/wire) before it leaves; an answer the schema does
   * not describe becomes 500 ANSWER_NOT_DESCRIBED. On in tests; off in production (it costs a serialisation).
   */
  checkAnswers?: boolean;
  /** Told of each answer the check refused (tests collect them). */
  onAnswerMismatch?: (mismatch: AnswerMismatch) => void;
}

/** Everything the routes share. */
export interface ApiContext {
  contracts: ChainbillContracts;
  chainId: bigint;
  store: DocumentStore;
  verifier: FundingChecker;
  documentUse: DocumentUseTracker;
  members: MemberDirectory;
  /** Members by name in error sentences (src/api/memberNames.ts). */
  names: MemberNaming;
  nonces: NonceStore;
  sessions: SessionStore;
  signInPolicy: SignInPolicy;
  ipLimiter: RateLimiter;
  addressLimiter: RateLimiter;
  metrics: ApiMetrics;
  logger: Logger;
  limits: ApiLimits;
  /** The first block worth scanning for the token's events. */
  fromBlock: number;
  /** The funding-request inbox, when served. */
  requests?: FundingRequestStore;
  /** Refused funding checks, for suppliers' records (src/api/refusalRecording.ts). */
  refusals: RefusalLog;
  /**
   * Signature recovery off the event loop for batches large enough (src/chain/signaturePool.ts); its threads start
   * on the first such batch and end when the server closes (whoever serves `createApp` without `startServer` closes it).
   */
  signatures: SignaturePool;
}

export function createContext(options: ApiOptions): ApiContext {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const members = new MemberDirectory(options.contracts.registry);
  return {
    contracts: options.contracts,
    chainId: options.chainId,
    store: options.store,
    verifier: options.verifier,
    documentUse: new DocumentUseTracker(options.contracts.receivableToken, options.fromBlock ?? 0),
    members,
    // Reads only: the applications routes keep their own store for filings (same database section).
    names: new MemberNaming(members, new ApplicationStore(options.store)),
    nonces: new NonceStore(limits.nonceTtlSeconds * 1000),
    sessions: new SessionStore(
      { ttlMs: limits.sessionTtlSeconds * 1000, capacity: limits.maxSessions, perMember: limits.maxSessionsPerMember },
      options.sessions,
    ),
    signInPolicy: { domain: options.signIn.domain, uri: options.signIn.uri, chainId: options.chainId },
    ipLimiter: new RateLimiter(limits.perIp),
    addressLimiter: new RateLimiter(limits.perAddress),
    metrics: new ApiMetrics(options.processMetrics ?? true),
    logger: options.logger,
    limits,
    fromBlock: options.fromBlock ?? 0,
    requests: options.requests,
    refusals: options.refusals ?? new MemoryRefusalLog(),
    signatures: new SignaturePool(options.signaturePool),
  };
}
