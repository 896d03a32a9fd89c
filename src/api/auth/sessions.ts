import { randomBytes } from "node:crypto";

/**
 * Sessions held server-side: a random bearer token bound to the address that signed in, until it expires. The
 * token carries nothing; roles are read from the chain on each request, so a suspension takes effect at once.
 */

export interface Session {
  address: string;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session for `address`; undefined when the store is full of live sessions. */
  create(address: string): { token: string; session: Session } | undefined {
    if (this.sessions.size >= this.capacity) this.dropExpired();
    if (this.sessions.size >= this.capacity) return undefined;
    const token = randomBytes(32).toString("base64url");
    const session = { address, expiresAt: this.now() + this.ttlMs };
    this.sessions.set(token, session);
    return { token, session };
  }

  /** The live session of `token`, or undefined. */
  find(token: string): Session | undefined {
    const session = this.sessions.get(token);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return session;
  }

  end(token: string): void {
    this.sessions.delete(token);
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [token, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(token);
  }
}
