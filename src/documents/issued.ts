import type { DocumentStore } from "./store";
import { carrierWaybillHash, carrierWaybillSchema, sellerInvoiceHash, sellerInvoiceSchema } from "../proofs/issued";
import type { CarrierWaybill, SellerInvoice } from "../proofs/issued";

/**
 * The documents' inbox: issuers' halves (the seller's signed invoice, the carrier's signed waybill) filed in the
 * document store for the members they are addressed to, who find them there instead of receiving a file by hand.
 * Kept in the store's database (its "issued" section) under the document hash the completed document will have,
 * indexed per addressee by filing order. Every read re-parses and re-hashes, so a record altered on disk is an
 * error, never served. Who may file and read is the API's question (src/api/routes/documents.ts).
 */

export type IssuedKind = "invoice" | "logistics";

export type IssuedDocument = { kind: "invoice"; hash: string; half: SellerInvoice } | { kind: "logistics"; hash: string; half: CarrierWaybill };

export interface IssuedRecord {
  hash: string;
  kind: IssuedKind;
  /** The half as filed (wire form). */
  document: unknown;
  /** Member ids it is addressed to: an invoice's buyer; a waybill's consignee and shipper. */
  addressedTo: number[];
  /** The member that filed it (the seller, the carrier) and the address that signed in. */
  issuerMemberId: number;
  filedBy: string;
  /** Unix seconds. */
  filedAt: number;
}

/** A filed record that no longer parses to its own hash. */
export class AlteredIssuedDocumentError extends Error {
  constructor(readonly hash: string) {
    super(`the filed copy of document ${hash} was altered: it no longer parses to its own hash`);
    this.name = "AlteredIssuedDocumentError";
  }
}

interface Section {
  get(key: string): Promise<unknown>;
  batch(operations: Array<{ type: "put"; key: string; value: unknown }>, options: { sync: boolean }): Promise<void>;
  values(range: { gte: string; lt: string; limit?: number; reverse?: boolean }): { all(): Promise<unknown[]> };
}

const pad = (value: number): string => value.toString().padStart(16, "0");

/** The most inbox entries one read answers. */
export const INBOX_LIMIT = 100;
/** The most filings from one member to one addressee not yet completed: no issuer can bury another's inbox. */
export const MAX_PENDING_PER_SENDER = 20;

/** A filing refused because its issuer already has MAX_PENDING_PER_SENDER uncompleted ones for an addressee. */
export class TooManyPendingError extends Error {
  constructor(readonly addressee: number) {
    super(`member ${addressee} already has ${MAX_PENDING_PER_SENDER} uncompleted documents from this issuer`);
    this.name = "TooManyPendingError";
  }
}

export class IssuedDocuments {
  private readonly records: Section;
  private sequence = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: DocumentStore) {
    this.records = store.section<unknown>("issued");
  }

  /** Parses a filed half of `kind` and computes its hash; undefined when it does not parse. */
  parse(kind: IssuedKind, json: unknown): IssuedDocument | undefined {
    if (kind === "invoice") {
      const parsed = sellerInvoiceSchema.safeParse(json);
      return parsed.success ? { kind, hash: sellerInvoiceHash(this.store.chainId, parsed.data), half: parsed.data } : undefined;
    }
    const parsed = carrierWaybillSchema.safeParse(json);
    return parsed.success ? { kind, hash: carrierWaybillHash(this.store.chainId, parsed.data), half: parsed.data } : undefined;
  }

  /**
   * Files a half (already checked by the caller); a half with the same hash already filed is kept (created false).
   * A new one is refused (TooManyPendingError) while its issuer has MAX_PENDING_PER_SENDER filings to one of its
   * addressees that `completed` does not know as completed.
   */
  async file(
    record: Omit<IssuedRecord, "filedAt">,
    completed: (hash: string) => Promise<boolean>,
    now = Date.now(),
  ): Promise<{ created: boolean; record: IssuedRecord }> {
    const addressees = [...new Set(record.addressedTo)];
    const run = this.queue.then(async () => {
      const existing = await this.record(record.hash);
      if (existing !== undefined) return { created: false, record: existing };
      for (const memberId of addressees) {
        const prefix = `from/${pad(record.issuerMemberId)}/${pad(memberId)}/`;
        // The newest thousand: what an issuer left uncompleted longer ago than that does not hold its new filings back.
        const filed = (await this.records.values({ gte: prefix, lt: `${prefix}~`, reverse: true, limit: 1_000 }).all()) as string[];
        let pending = 0;
        for (const hash of filed) if (!(await completed(hash)) && ++pending >= MAX_PENDING_PER_SENDER) throw new TooManyPendingError(memberId);
      }
      this.sequence = Math.max(now, this.sequence + 1);
      const stored: IssuedRecord = { ...record, hash: record.hash.toLowerCase(), filedAt: Math.floor(now / 1000) };
      const order = pad(this.sequence);
      await this.records.batch(
        [
          { type: "put", key: `d/${stored.hash}`, value: stored },
          ...addressees.map((memberId) => ({ type: "put" as const, key: `to/${pad(memberId)}/${order}`, value: stored.hash })),
          ...addressees.map((memberId) => ({
            type: "put" as const,
            key: `from/${pad(stored.issuerMemberId)}/${pad(memberId)}/${order}`,
            value: stored.hash,
          })),
        ],
        { sync: true },
      );
      return { created: true, record: stored };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The record under `hash`, checked against its hash; undefined when none. */
  async record(hash: string): Promise<IssuedRecord | undefined> {
    const record = (await this.records.get(`d/${hash.toLowerCase()}`)) as IssuedRecord | undefined;
    if (record === undefined) return undefined;
    const parsed = this.parse(record.kind, record.document);
    if (parsed === undefined || parsed.hash !== record.hash) throw new AlteredIssuedDocumentError(record.hash);
    return record;
  }

  /** The parsed half under `hash`. */
  async get(hash: string): Promise<{ record: IssuedRecord; document: IssuedDocument } | undefined> {
    const record = await this.record(hash);
    if (record === undefined) return undefined;
    const document = this.parse(record.kind, record.document);
    if (document === undefined) throw new AlteredIssuedDocumentError(record.hash);
    return { record, document };
  }

  /** What is addressed to member `memberId`, newest first (at most INBOX_LIMIT). */
  async addressedTo(memberId: number, limit = INBOX_LIMIT): Promise<IssuedRecord[]> {
    const prefix = `to/${pad(memberId)}/`;
    const hashes = (await this.records
      .values({ gte: prefix, lt: `${prefix}~`, reverse: true, limit: Math.min(limit, INBOX_LIMIT) })
      .all()) as string[];
    const records: IssuedRecord[] = [];
    for (const hash of hashes) {
      const record = await this.record(hash);
      if (record !== undefined) records.push(record);
    }
    return records;
  }
}
