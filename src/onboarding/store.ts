import { getAddress } from "ethers";
import type { DocumentStore } from "../documents/store";
import { applicationHash, applicationSchema, refusalHash, refusalSchema, signerOf } from "./application";
import type { Application, Refusal } from "./application";

/**
 * Membership applications and their refusals, kept in the document store's database (its "onboarding" section,
 * src/documents/store.ts) under the application's EIP-712 hash, with three indexes: arrival order (the operator's
 * list, newest first), applicant (an applicant's own history; at most one pending at a time, the API's rule) and
 * credit code (the duplicates the operator must see). Writes are synchronous (fsync). Every read re-hashes the
 * stored application and recovers both signatures: a record altered on disk is an error, never served.
 */

export interface RefusalRecord {
  refusal: Refusal;
  signature: string;
  /** The operator address the refusal's signature recovers to. */
  operator: string;
  /** Unix seconds (the API's clock). */
  receivedAt: number;
}

export interface ApplicationRecord {
  hash: string;
  application: Application;
  signature: string;
  /** Unix seconds (the API's clock). */
  receivedAt: number;
  /** Arrival order, unique per store. */
  sequence: number;
  refusal?: RefusalRecord;
}

/** A stored record that no longer hashes to its key or whose signatures no longer recover to their signers. */
export class AlteredApplicationError extends Error {
  constructor(readonly hash: string) {
    super(`the stored application ${hash} was altered: it no longer hashes to its key or its signatures do not recover`);
    this.name = "AlteredApplicationError";
  }
}

const SEQUENCE_WIDTH = 16;
const pad = (sequence: number): string => sequence.toString().padStart(SEQUENCE_WIDTH, "0");

/** The part of a LevelDB section used here (a sublevel of the document store's database, JSON values). */
interface Section {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown, options: { sync: boolean }): Promise<void>;
  batch(operations: Array<{ type: "put"; key: string; value: unknown }>, options: { sync: boolean }): Promise<void>;
  values(range: { gte: string; lt: string; limit?: number; reverse?: boolean }): { all(): Promise<unknown[]> };
  keys(range: { gte: string; lt: string }): { all(): Promise<string[]> };
}

export class ApplicationStore {
  private readonly records: Section;
  private lastSequence = 0;
  private readonly chainId: bigint;
  // One writer at a time: "is one pending?" and "store it" must not interleave between two filings.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(documents: DocumentStore) {
    this.records = documents.section<unknown>("onboarding");
    this.chainId = documents.chainId;
  }

  /** Runs `task` after every earlier task of this store (filings and refusals are serialised). */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stores a signed application (already checked by the caller); false when this very application is stored. */
  async add(application: Application, signature: string, now = Date.now()): Promise<{ created: boolean; record: ApplicationRecord }> {
    const parsed = applicationSchema.safeParse(application);
    if (!parsed.success)
      throw new Error(`not a valid application: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
    const hash = applicationHash(this.chainId, application);
    if (signerOf(hash, signature) !== application.applicant) throw new Error("the application is not signed by its applicant");
    const existing = await this.get(hash);
    if (existing !== undefined) return { created: false, record: existing };
    this.lastSequence = Math.max(now, this.lastSequence + 1);
    const record: ApplicationRecord = {
      hash,
      application,
      signature: signature.toLowerCase(),
      receivedAt: Math.floor(now / 1000),
      sequence: this.lastSequence,
    };
    const sequence = pad(this.lastSequence);
    await this.records.batch(
      [
        { type: "put", key: `a/${hash}`, value: record },
        { type: "put", key: `s/${sequence}`, value: hash },
        { type: "put", key: `by/${application.applicant.toLowerCase()}/${sequence}`, value: hash },
        { type: "put", key: `code/${application.creditCode}/${sequence}`, value: hash },
      ],
      { sync: true },
    );
    return { created: true, record };
  }

  /** Records an operator's signed refusal of a stored application. */
  async refuse(hash: string, refusal: RefusalRecord): Promise<ApplicationRecord> {
    const record = await this.get(hash);
    if (record === undefined) throw new Error(`no application ${hash}`);
    const refused: ApplicationRecord = { ...record, refusal };
    await this.records.put(`a/${hash}`, refused, { sync: true });
    return refused;
  }

  /** The record under `hash`, checked; undefined when none. */
  async get(hash: string): Promise<ApplicationRecord | undefined> {
    const key = hash.toLowerCase();
    const stored = (await this.records.get(`a/${key}`)) as ApplicationRecord | undefined;
    if (stored === undefined) return undefined;
    return this.checked(key, stored);
  }

  private checked(key: string, stored: ApplicationRecord): ApplicationRecord {
    const parsed = applicationSchema.safeParse(stored.application);
    if (!parsed.success || applicationHash(this.chainId, parsed.data) !== key || signerOf(key, stored.signature) !== parsed.data.applicant)
      throw new AlteredApplicationError(key);
    if (stored.refusal !== undefined) {
      const refusal = refusalSchema.safeParse(stored.refusal.refusal);
      if (
        !refusal.success ||
        refusal.data.application !== key ||
        signerOf(refusalHash(this.chainId, refusal.data), stored.refusal.signature) !== getAddress(stored.refusal.operator)
      ) {
        throw new AlteredApplicationError(key);
      }
    }
    return { ...stored, application: parsed.data };
  }

  private async follow(prefix: string, options: { limit: number; reverse: boolean }): Promise<ApplicationRecord[]> {
    const hashes = (await this.records.values({ gte: prefix, lt: `${prefix}~`, limit: options.limit, reverse: options.reverse }).all()) as string[];
    const found: ApplicationRecord[] = [];
    for (const hash of hashes) {
      const record = await this.get(hash);
      if (record !== undefined) found.push(record);
    }
    return found;
  }

  /** Applications in order of arrival, newest first. */
  async list(limit = 500): Promise<ApplicationRecord[]> {
    return this.follow("s/", { limit, reverse: true });
  }

  /** How many applications are stored. */
  async count(): Promise<number> {
    return (await this.records.keys({ gte: "s/", lt: "s/~" }).all()).length;
  }

  /** An applicant's applications, newest first. */
  async byApplicant(applicant: string, limit = 50): Promise<ApplicationRecord[]> {
    return this.follow(`by/${applicant.toLowerCase()}/`, { limit, reverse: true });
  }

  /** Every application naming this (normalised) credit code, newest first. */
  async byCreditCode(creditCode: string, limit = 50): Promise<ApplicationRecord[]> {
    return this.follow(`code/${creditCode}/`, { limit, reverse: true });
  }
}
