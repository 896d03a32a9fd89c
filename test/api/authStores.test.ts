import { expect } from "chai";
import { NonceStore } from "../../src/api/auth/nonces";
import { SessionStore } from "../../src/api/auth/sessions";
import type { Session, SessionPersistence } from "../../src/api/auth/sessions";

/** The sign-in nonce and session stores on their own, with a clock the test moves. */

class MemoryPersistence implements SessionPersistence {
  readonly rows = new Map<string, Session>();
  constructor(readonly loaded: ReadonlyMap<string, Session> = new Map()) {
    for (const [digest, session] of loaded) this.rows.set(digest, session);
  }
  put(digest: string, session: Session): Promise<void> {
    this.rows.set(digest, session);
    return Promise.resolve();
  }
  delete(digests: readonly string[]): Promise<void> {
    for (const digest of digests) this.rows.delete(digest);
    return Promise.resolve();
  }
  async close(): Promise<void> {}
}

describe("sign-in nonces and sessions (stores)", () => {
  it("a nonce is live until it expires or is spent, once; another process's nonce is not live", () => {
    let now = 1_000_000;
    const nonces = new NonceStore(300_000, () => now);
    const { nonce, expiresAt } = nonces.issue();
    expect(nonce).to.match(/^[0-9a-f]{76}$/u);
    expect(expiresAt).to.equal(now + 300_000);
    expect(nonces.isLive(nonce)).to.equal(true);
    expect(nonces.consume(nonce)).to.equal(true);
    expect(nonces.consume(nonce)).to.equal(false);
    const later = nonces.issue().nonce;
    now += 300_000;
    expect(nonces.isLive(later)).to.equal(false);
    expect(new NonceStore(300_000, () => now).isLive(nonces.issue().nonce)).to.equal(false);
  });

  it("issuing nonces stores nothing; spent ones are forgotten once they would have expired", () => {
    let now = 0;
    const nonces = new NonceStore(100, () => now);
    for (let index = 0; index < 50_000; index += 1) nonces.issue();
    expect(nonces.spentCount).to.equal(0);
    for (let index = 0; index < 1_500; index += 1) {
      nonces.consume(nonces.issue().nonce);
      now += 1;
    }
    // Swept when 1,024 were spent (at 1,023 ms): the 924 that had expired were dropped, 476 spent since.
    expect(nonces.spentCount).to.equal(100 + 476);
  });

  it("a member's sessions are capped, its own oldest ending first; others are untouched; endMember ends them all", async () => {
    let now = 0;
    const persistence = new MemoryPersistence();
    const sessions = new SessionStore({ ttlMs: 3_600_000, capacity: 100, perMember: 2 }, persistence, () => now);
    const other = await sessions.create("0xB", 8);
    const tokens: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      now += 1;
      tokens.push((await sessions.create("0xA", 7))?.token ?? "");
    }
    expect(tokens.map((token) => sessions.find(token) !== undefined)).to.deep.equal([false, false, true, true]);
    expect(sessions.countOf(7)).to.equal(2);
    expect(sessions.find(other?.token ?? "")).to.include({ address: "0xB", memberId: 8 });
    expect(persistence.rows.size).to.equal(3);
    expect(await sessions.endMember(7)).to.equal(2);
    expect(tokens.every((token) => sessions.find(token) === undefined)).to.equal(true);
    expect(persistence.rows.size).to.equal(1);
  });

  it("sessions reload from persistence, expired ones dropped; the store refuses only when full of live sessions", async () => {
    let now = 0;
    const first = new MemoryPersistence();
    const before = new SessionStore({ ttlMs: 1_000, capacity: 2, perMember: 5 }, first, () => now);
    const kept = await before.create("0xA", 1);
    now += 600;
    const young = await before.create("0xB", 2);
    expect(await before.create("0xC", 3)).to.equal(undefined);
    now += 500;
    const after = new SessionStore({ ttlMs: 1_000, capacity: 2, perMember: 5 }, new MemoryPersistence(first.rows), () => now);
    expect(after.find(kept?.token ?? "")).to.equal(undefined);
    expect(after.find(young?.token ?? "")).to.include({ address: "0xB" });
    expect(await after.create("0xC", 3)).to.not.equal(undefined);
  });
});
