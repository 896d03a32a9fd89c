import { randomBytes } from "node:crypto";

/**
 * Sign-in nonces: issued by the server, used at most once, forgotten when they expire. A replayed sign-in message
 * names a nonce that is no longer here. Bounded, so a flood of nonce requests cannot grow memory without limit.
 */
export class NonceStore {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh nonce (alphanumeric, as EIP-4361 requires) and when it expires; undefined when full. */
  issue(): { nonce: string; expiresAt: number } | undefined {
    if (this.expiries.size >= this.capacity) this.dropExpired();
    if (this.expiries.size >= this.capacity) return undefined;
    const nonce = randomBytes(16).toString("hex");
    const expiresAt = this.now() + this.ttlMs;
    this.expiries.set(nonce, expiresAt);
    return { nonce, expiresAt };
  }

  /** Whether `nonce` was issued, is unused and has not expired (does not use it). */
  isLive(nonce: string): boolean {
    const expiresAt = this.expiries.get(nonce);
    return expiresAt !== undefined && expiresAt > this.now();
  }

  /** Uses `nonce` up: true once for a live nonce, false ever after. Synchronous, so two racing sign-ins cannot both win. */
  consume(nonce: string): boolean {
    const live = this.isLive(nonce);
    this.expiries.delete(nonce);
    return live;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [nonce, expiresAt] of this.expiries) if (expiresAt <= now) this.expiries.delete(nonce);
  }
}
