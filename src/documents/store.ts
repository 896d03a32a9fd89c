import { Level } from "level";
import { invoiceProofToWire } from "../proofs/invoice";
import { logisticsProofToWire } from "../proofs/logistics";
import { AlteredDocumentError, parseDocument } from "../proofs/documents";
import type { DocumentKind, DocumentSource, ParsedDocument } from "../proofs/documents";

/**
 * The document store: trade documents kept in LevelDB under their document hash (content addressing). The hash
 * excludes the signatures, so storing "the same document" twice is one document: the first copy is kept. Every
 * write is synchronous (fsync) before `put` resolves, so an API that answered "stored" cannot lose the document
 * to a crash.
 */

/** What is kept under a hash: the document as JSON (amounts as decimal strings), who uploaded it and when. */
export interface StoredDocument {
  hash: string;
  kind: DocumentKind;
  /** The wire (JSON) form; re-parsed on every read so a read is checked as strictly as an upload. */
  document: unknown;
  /** The checksummed address that uploaded the first copy. */
  uploadedBy: string;
  /** Unix seconds. */
  uploadedAt: number;
}

export interface PutOutcome {
  /** False when a document with this hash was already stored (the stored copy is kept). */
  created: boolean;
  record: StoredDocument;
}

/** LevelDB keys are the lower-case hash; nothing else lives in this database. */
function keyOf(hash: string): string {
  return hash.toLowerCase();
}

/** How many parsed documents stay in memory. A stored document never changes, so a parsed copy never goes stale. */
const PARSED_CACHE_LIMIT = 5_000;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

function wireOf(document: ParsedDocument): unknown {
  return document.kind === "invoice" ? invoiceProofToWire(document.proof) : logisticsProofToWire(document.proof);
}

export class DocumentStore implements DocumentSource {
  // Writers of one hash queue behind each other so "already there?" and "store it" cannot interleave.
  private readonly pendingWrites = new Map<string, Promise<PutOutcome>>();
  // Parsing re-hashes the document (EIP-712, several keccaks): a funding check reads eight documents, so keep the
  // parsed, re-hashed copies (frozen: every reader shares them), oldest dropped first.
  private readonly parsed = new Map<string, ParsedDocument>();

  private constructor(
    private readonly db: Level<string, StoredDocument>,
    /** The chain documents are hashed for (the hash is an EIP-712 digest naming the chain). */
    readonly chainId: bigint,
  ) {}

  /** Opens (creating if needed) the store at `location` for documents of chain `chainId`. */
  static async open(location: string, chainId: bigint | number): Promise<DocumentStore> {
    const db = new Level<string, StoredDocument>(location, { valueEncoding: "json" });
    await db.open();
    return new DocumentStore(db, BigInt(chainId));
  }

  /** Stores a parsed document unless its hash is already stored; durable on disk before it resolves. */
  async put(document: ParsedDocument, uploadedBy: string, uploadedAt: number = Math.floor(Date.now() / 1000)): Promise<PutOutcome> {
    const key = keyOf(document.hash);
    const previous = this.pendingWrites.get(key);
    const write = (async (): Promise<PutOutcome> => {
      if (previous !== undefined) await previous.catch(() => undefined);
      const existing = await this.db.get(key);
      if (existing !== undefined) return { created: false, record: existing };
      const record: StoredDocument = { hash: key, kind: document.kind, document: wireOf(document), uploadedBy, uploadedAt };
      await this.db.put(key, record, { sync: true });
      return { created: true, record };
    })();
    this.pendingWrites.set(key, write);
    try {
      return await write;
    } finally {
      if (this.pendingWrites.get(key) === write) this.pendingWrites.delete(key);
    }
  }

  /** The stored record under `hash`, or undefined. */
  async record(hash: string): Promise<StoredDocument | undefined> {
    return this.db.get(keyOf(hash));
  }

  /** The document under `hash`, parsed and re-hashed; a stored copy that no longer hashes to its key is an error. */
  async get(hash: string): Promise<ParsedDocument | undefined> {
    const key = keyOf(hash);
    const cached = this.parsed.get(key);
    if (cached !== undefined) return cached;
    const record = await this.record(key);
    if (record === undefined) return undefined;
    const parsed = parseDocument(record.kind, record.document, this.chainId);
    if (!parsed.ok || parsed.document.hash !== key) {
      throw new AlteredDocumentError(key);
    }
    if (this.parsed.size >= PARSED_CACHE_LIMIT) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(key, deepFreeze(parsed.document));
    return parsed.document;
  }

  /** Every stored trade document's hash, in key order (for audits and tests); other sections' keys are not hashes. */
  async hashes(): Promise<string[]> {
    return this.db.keys({ gte: "0x", lt: "0y" }).all();
  }

  /**
   * A section of the same database for other signed records (membership applications, src/onboarding/), kept
   * under its own key prefix so it never mixes with the trade documents.
   */
  section<V>(name: string) {
    return this.db.sublevel<string, V>(name, { valueEncoding: "json" });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.pendingWrites.values());
    await this.db.close();
  }
}
