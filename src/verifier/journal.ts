import type { DocumentStore } from "../documents/store";
import type { FundingCheckInput, FundingCheckOutcome } from "./types";

/**
 * The verifier's journal: every attestation it signed and every check it refused (with the reasons), kept in the
 * document store's database (its "verifier-journal" section) in order, so the verifier's page can show what its
 * key signed, recent first. Amounts and ids as decimal strings.
 */

export interface JournalEntry {
  /** Arrival order, unique per journal (unix ms, made strictly increasing). */
  sequence: number;
  at: number;
  tokenId: string;
  holder: string;
  factor: string;
  value: string;
  price: string;
  withRecourse: boolean;
  asOfBlock: number;
  outcome:
    | { signed: true; signer: string; fundingId: string; deadline: string }
    | { signed: false; failures: Array<{ code: string; message: string; step?: number }> };
}

interface Section {
  put(key: string, value: unknown): Promise<void>;
  values(range: { gte: string; lt: string; limit: number; reverse: boolean }): { all(): Promise<unknown[]> };
}

const pad = (sequence: number): string => sequence.toString().padStart(16, "0");

export class VerifierJournal {
  private readonly entries: Section;
  private last = 0;

  constructor(documents: DocumentStore) {
    this.entries = documents.section<unknown>("verifier-journal");
  }

  async record(input: FundingCheckInput, outcome: FundingCheckOutcome, now = Date.now()): Promise<void> {
    this.last = Math.max(now, this.last + 1);
    const entry: JournalEntry = {
      sequence: this.last,
      at: Math.floor(now / 1000),
      tokenId: input.request.tokenId.toString(),
      holder: outcome.ok ? outcome.attestation.holder : "",
      factor: input.request.factor,
      value: input.request.value.toString(),
      price: input.price.toString(),
      withRecourse: input.request.withRecourse,
      asOfBlock: outcome.asOfBlock,
      outcome: outcome.ok
        ? { signed: true, signer: outcome.signer, fundingId: outcome.fundingId, deadline: outcome.attestation.deadline.toString() }
        : {
            signed: false,
            failures: outcome.failures.map((failure) => ({
              code: failure.code,
              message: failure.message,
              ...(failure.step === undefined ? {} : { step: failure.step }),
            })),
          },
    };
    await this.entries.put(`${outcome.ok ? "a" : "r"}/${pad(this.last)}`, entry);
  }

  /** The attestations signed, newest first. */
  async attestations(limit = 50): Promise<JournalEntry[]> {
    return (await this.entries.values({ gte: "a/", lt: "a/~", limit, reverse: true }).all()) as JournalEntry[];
  }

  /** The checks refused, newest first. */
  async refusals(limit = 50): Promise<JournalEntry[]> {
    return (await this.entries.values({ gte: "r/", lt: "r/~", limit, reverse: true }).all()) as JournalEntry[];
  }
}
