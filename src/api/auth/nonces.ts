import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Sign-in nonces that need no server-side store until they are spent. A nonce is a random value, its expiry and an
 * HMAC of both under a key that lives only in this process: the server recognises its own nonces by the MAC, so
 * issuing one costs no memory, and no flood of nonce requests can fill anything or crowd out a member's sign-in.
 * Only a spent nonce is remembered, until it expires, so it cannot be used twice; spending one needs a sign-in
 * that passed every other check (a member's signature), so that set grows only with real sign-ins.
 *
 * Format (hex, so alphanumeric as EIP-4361 requires): 32 digits of random, 12 of expiry (unix ms), 32 of MAC.
 */

const RANDOM_HEX = 32;
const EXPIRY_HEX = 12;
const MAC_HEX = 32;
const NONCE = new RegExp(`^[0-9a-f]{${RANDOM_HEX + EXPIRY_HEX + MAC_HEX}}$`, "u");
/** Spent nonces are swept once their count doubles since the last sweep (and at least this many). */
const SWEEP_FLOOR = 1024;

export class NonceStore {
  private readonly key: Buffer;
  /** Spent nonces and when they would have expired anyway. */
  private readonly spent = new Map<string, number>();
  private sweepAt = SWEEP_FLOOR;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    key: Buffer = randomBytes(32),
  ) {
    this.key = Buffer.from(key);
  }

  /** A fresh nonce and when it expires. Never refused: nothing is stored. */
  issue(): { nonce: string; expiresAt: number } {
    const expiresAt = this.now() + this.ttlMs;
    const body = `${randomBytes(RANDOM_HEX / 2).toString("hex")}${expiresAt.toString(16).padStart(EXPIRY_HEX, "0")}`;
    return { nonce: `${body}${this.mac(body)}`, expiresAt };
  }

  /** Whether `nonce` was issued here, has not expired and was not spent (does not spend it). */
  isLive(nonce: string): boolean {
    const expiresAt = this.expiryOf(nonce);
    return expiresAt !== undefined && expiresAt > this.now() && !this.spent.has(nonce);
  }

  /** Spends `nonce`: true once for a live nonce, false ever after. Synchronous, so two racing sign-ins cannot both win. */
  consume(nonce: string): boolean {
    if (!this.isLive(nonce)) return false;
    this.spent.set(nonce, this.expiryOf(nonce) ?? 0);
    if (this.spent.size >= this.sweepAt) this.sweep();
    return true;
  }

  /** How many spent nonces are remembered (for tests and metrics). */
  get spentCount(): number {
    return this.spent.size;
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("hex").slice(0, MAC_HEX);
  }

  /** The expiry a genuine nonce carries; undefined for anything this process did not issue. */
  private expiryOf(nonce: string): number | undefined {
    if (!NONCE.test(nonce)) return undefined;
    const body = nonce.slice(0, RANDOM_HEX + EXPIRY_HEX);
    const given = Buffer.from(nonce.slice(RANDOM_HEX + EXPIRY_HEX), "hex");
    if (!timingSafeEqual(given, Buffer.from(this.mac(body), "hex"))) return undefined;
    return Number.parseInt(nonce.slice(RANDOM_HEX, RANDOM_HEX + EXPIRY_HEX), 16);
  }

  private sweep(): void {
    const now = this.now();
    for (const [nonce, expiresAt] of this.spent) if (expiresAt <= now) this.spent.delete(nonce);
    this.sweepAt = Math.max(SWEEP_FLOOR, this.spent.size * 2);
  }
}
