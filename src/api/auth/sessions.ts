import { createHash, randomBytes } from "node:crypto";
import { Level } from "level";

/**
 * Sessions held server-side: a random bearer token bound to the address that signed in and the member it belonged
 * to then, until it expires. The token carries nothing; roles are read from the chain on each request, and a
 * session whose member is no longer active (suspended, KYC lapsed, address removed) is ended on its next use.
 *
 * Bounded twice: at most `perMember` live sessions per member (a new sign-in ends that member's own oldest, so one
 * member cannot fill the store) and `capacity` in all. Kept in memory for the per-request lookup and written
 * through to LevelDB (under the SHA-256 of the token, never the token itself), so sessions survive a restart.
 */

export interface Session {
  address: string;
  /** The member the address belonged to at sign-in; a session is valid only while the address still belongs to it. */
  memberId: number;
  /** Unix ms. */
  createdAt: number;
  /** Unix ms. */
  expiresAt: number;
}

export interface SessionLimits {
  ttlMs: number;
  /** Live sessions in all. */
  capacity: number;
  /** Live sessions per member. */
  perMember: number;
}

/** Where sessions outlive the process: loaded once at open, then written through. */
export interface SessionPersistence {
  /** The sessions found at open, by token digest. */
  readonly loaded: ReadonlyMap<string, Session>;
  put(digest: string, session: Session): Promise<void>;
  delete(digests: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Sessions in a LevelDB directory of their own. */
export class LevelSessionPersistence implements SessionPersistence {
  private constructor(
    private readonly db: Level<string, Session>,
    readonly loaded: ReadonlyMap<string, Session>,
  ) {}

  static async open(location: string): Promise<LevelSessionPersistence> {
    const db = new Level<string, Session>(location, { valueEncoding: "json" });
    await db.open();
    const loaded = new Map<string, Session>();
    for await (const [digest, session] of db.iterator()) loaded.set(digest, session);
    return new LevelSessionPersistence(db, loaded);
  }

  async put(digest: string, session: Session): Promise<void> {
    await this.db.put(digest, session);
  }

  async delete(digests: readonly string[]): Promise<void> {
    if (digests.length > 0) await this.db.batch(digests.map((digest) => ({ type: "del" as const, key: digest })));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** No persistence: sessions end with the process (tests, and an API run without `--sessions-db`). */
export const NO_PERSISTENCE: SessionPersistence = {
  loaded: new Map(),
  put: () => Promise.resolve(),
  delete: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

function digestOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Each member's live session digests, oldest first. */
  private readonly byMember = new Map<number, Set<string>>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly persistence: SessionPersistence = NO_PERSISTENCE,
    private readonly now: () => number = Date.now,
  ) {
    const expired: string[] = [];
    const loaded = [...persistence.loaded].sort(([, a], [, b]) => a.createdAt - b.createdAt);
    for (const [digest, session] of loaded) {
      if (session.expiresAt <= this.now()) expired.push(digest);
      else this.remember(digest, session);
    }
    void persistence.delete(expired).catch(() => undefined);
  }

  /**
   * A new session for `address` of member `memberId`. At the member's cap its own oldest session ends; undefined
   * only when the whole store is full of other members' live sessions.
   */
  async create(address: string, memberId: number): Promise<{ token: string; session: Session } | undefined> {
    const ended: string[] = [];
    const own = this.byMember.get(memberId);
    if (own !== undefined) {
      for (const digest of own) if (!this.isLive(digest)) ended.push(...this.forget(digest));
      while (own.size >= this.limits.perMember) ended.push(...this.forget(own.values().next().value as string));
    }
    if (this.sessions.size >= this.limits.capacity) ended.push(...this.dropExpired());
    if (this.sessions.size >= this.limits.capacity) {
      await this.persistence.delete(ended);
      return undefined;
    }
    const token = randomBytes(32).toString("base64url");
    const now = this.now();
    const session: Session = { address, memberId, createdAt: now, expiresAt: now + this.limits.ttlMs };
    const digest = digestOf(token);
    this.remember(digest, session);
    await this.persistence.delete(ended);
    await this.persistence.put(digest, session);
    return { token, session };
  }

  /** The live session of `token`, or undefined. */
  find(token: string): Session | undefined {
    const digest = digestOf(token);
    const session = this.sessions.get(digest);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now()) {
      void this.persistence.delete(this.forget(digest)).catch(() => undefined);
      return undefined;
    }
    return session;
  }

  async end(token: string): Promise<void> {
    await this.persistence.delete(this.forget(digestOf(token)));
  }

  /** Ends every session of `memberId` (the member was suspended, lost its KYC, or lost the address). */
  async endMember(memberId: number): Promise<number> {
    const own = [...(this.byMember.get(memberId) ?? [])];
    const ended = own.flatMap((digest) => this.forget(digest));
    await this.persistence.delete(ended);
    return ended.length;
  }

  /** Live sessions of a member (for tests). */
  countOf(memberId: number): number {
    return [...(this.byMember.get(memberId) ?? [])].filter((digest) => this.isLive(digest)).length;
  }

  get size(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    await this.persistence.close();
  }

  private isLive(digest: string): boolean {
    const session = this.sessions.get(digest);
    return session !== undefined && session.expiresAt > this.now();
  }

  private remember(digest: string, session: Session): void {
    this.sessions.set(digest, session);
    let own = this.byMember.get(session.memberId);
    if (own === undefined) {
      own = new Set();
      this.byMember.set(session.memberId, own);
    }
    own.add(digest);
  }

  /** Drops one session from memory; answers the digests to delete from disk. */
  private forget(digest: string): string[] {
    const session = this.sessions.get(digest);
    if (session === undefined) return [];
    this.sessions.delete(digest);
    const own = this.byMember.get(session.memberId);
    own?.delete(digest);
    if (own?.size === 0) this.byMember.delete(session.memberId);
    return [digest];
  }

  private dropExpired(): string[] {
    const now = this.now();
    const expired: string[] = [];
    for (const [digest, session] of this.sessions) if (session.expiresAt <= now) expired.push(...this.forget(digest));
    return expired;
  }
}
