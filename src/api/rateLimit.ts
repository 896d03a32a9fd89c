import { ApiError } from "./errors";

/**
 * Token buckets in memory, one per key (an IP, a signed-in address): `burst` requests at once, refilled at
 * `perSecond`. A refused request learns how long to wait. Full buckets are dropped now and then, so idle
 * clients cost nothing.
 */

export interface RateLimit {
  /** Requests allowed at once. */
  burst: number;
  /** Sustained requests per second. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const SWEEP_AT = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`, or throws a 429 saying how many seconds until one is free. */
  take(key: string, what: string): void {
    const now = this.now();
    if (this.buckets.size >= SWEEP_AT) this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, updatedAt: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limit.perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond));
      throw new ApiError(429, "RATE_LIMITED", `too many requests from this ${what}; retry in ${retryAfterSeconds} s`, [], retryAfterSeconds);
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(key);
    }
  }
}
