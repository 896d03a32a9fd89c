import { getAddress, Wallet } from "ethers";
import { ApiClient, ApiFailure } from "../api/wire/client";
import { Role } from "../chain/roles";
import { documentSignatures, parseDocument } from "../proofs/documents";
import type { DocumentKind, ParsedDocument } from "../proofs/documents";
import { invoiceFingerprint, normaliseInvoiceNumber } from "../proofs/fingerprint";
import type { InvoiceProof } from "../proofs/invoice";
import type { LogisticsProof } from "../proofs/logistics";
import type { StepProof } from "../proofs/tradeProof";
import { allocateWaybillClaims, describeWaybillOveruse, waybillClaimOf } from "../proofs/waybill";
import type { WaybillClaim } from "../proofs/waybill";
import { mapLimit } from "./chain";
import type { Progress } from "./chain";
import { pieceName } from "../chain/tokenId";
import type { ChainPosition } from "./findings";
import { holdsRole } from "./members";
import { MemberNames } from "./names";
import type { NamedEntity } from "./names";
import type { AuditReplay } from "./replay";

/**
 * Every document hash on chain against its document: present, re-hashing (through src/proofs, the one place
 * that hashes) to the recorded value, its signatures by the parties it names, and its contents agreeing with the
 * chain — seller and buyer are the step's receiver and payer, the invoice covers the value passed, its fingerprint
 * is the one recorded, the goods were shipped by the seller to the buyer, and delivered before any funding that
 * relied on them — and no waybill backs more goods than it delivered, across every step of every receivable.
 */

/** A stored document as it comes back — its kind and its JSON, not yet trusted — or why the source could not
 * serve that one document (the API answers 500 for a stored copy that no longer hashes to its key). */
export type FetchedDocument = { kind: string; document: unknown } | { unreadable: string } | { altered: string };

/** Where the auditor reads documents from: the store's LevelDB, or the API as a signed-in auditor. */
export interface DocumentSource {
  readonly description: string;
  /** The document under `hash`; undefined when there is none. Throws only when the source itself fails. */
  fetch(hash: string): Promise<FetchedDocument | undefined>;
  /** Members' names from the onboarding records the source has (for the findings' sentences); none when it has none. */
  names?(): Promise<MemberNames>;
  close(): Promise<void>;
}

/** The documents a check read, by hash: each one's kind and number (an invoice's or a waybill's), for the report's sentences. */
export type DocumentNumbers = Map<string, { kind: DocumentKind; number: string }>;

/** Reads the document store's LevelDB directly (the store must not be open in another process). */
export async function openStoreSource(location: string, chainId: bigint): Promise<DocumentSource> {
  // Loaded only for --documents <db path>: LevelDB and the store are start-up time every other audit would pay.
  const { DocumentStore } = await import("../documents/store");
  const { ApplicationStore } = await import("../onboarding/store");
  const { legalEntityHash } = await import("../chain/membership");
  const store = await DocumentStore.open(location, chainId);
  return {
    description: `document store ${location}`,
    async fetch(hash) {
      const record = await store.record(hash);
      return record === undefined ? undefined : { kind: record.kind, document: record.document };
    },
    async names() {
      // The membership applications kept beside the documents (src/onboarding/store.ts), newest first; refused ones
      // name nobody. A stored application that no longer verifies leaves the sentences without names.
      const applications = new ApplicationStore(store);
      try {
        const records = await applications.list(Math.max(1, await applications.count()));
        return new MemberNames(
          records
            .filter((record) => record.refusal === undefined)
            .map((record) => ({
              leiHash: legalEntityHash(record.application.creditCode),
              accounts: [record.application.applicant],
              nameEn: record.application.nameEn,
              nameZh: record.application.nameZh,
            })),
        );
      } catch {
        return new MemberNames([]);
      }
    },
    close: () => store.close(),
  };
}

/** Signs in to the API with the auditor's key (EIP-4361) and reads documents with the session, through the API's typed client. */
export async function openApiSource(baseUrl: string, auditorKey: string): Promise<DocumentSource> {
  const client = new ApiClient(baseUrl);
  const wallet = new Wallet(auditorKey);
  try {
    await client.signIn(wallet, { statement: "Chainbill audit: read the documents behind the chain." });
  } catch (error) {
    throw new Error(`signing in to ${client.baseUrl} as ${wallet.address} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return {
    description: `API ${client.baseUrl} (signed in as ${wallet.address})`,
    async fetch(hash) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const body = await client.call("document", { params: { hash } });
          return { kind: body.kind, document: body.document };
        } catch (error) {
          if (!(error instanceof ApiFailure)) throw error;
          if (error.status === 404) return undefined;
          if (error.status === 429 && attempt < 6) {
            // Rate-limited: wait as told (at most 10 s), then ask again.
            const seconds = Math.min(10, Math.max(1, error.retryAfterSeconds ?? 1));
            await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
            continue;
          }
          const text = JSON.stringify(error.body).slice(0, 200);
          // The API's own integrity check: its stored copy no longer hashes to the key it is stored under.
          if (error.code === "DOCUMENT_ALTERED") return { altered: `the API reports its stored copy altered: ${text}` };
          if (error.status >= 500) return { unreadable: `the API answered ${error.status}: ${text}` };
          throw new Error(`${client.url("document", { params: { hash } })} answered ${error.status}: ${text}`, { cause: error });
        }
      }
    },
    async names() {
      // The API's member directory: each member with the names of its admitted application.
      const body = await client.call("directory", {});
      const entities: NamedEntity[] = [];
      for (const entry of body.members) {
        if (entry.nameEn === null && entry.nameZh === null) continue;
        entities.push({ leiHash: entry.leiHash, accounts: entry.accounts, nameEn: entry.nameEn ?? "", nameZh: entry.nameZh ?? "" });
      }
      return new MemberNames(entities);
    },
    close: () => client.signOut(),
  };
}

/** One place the chain records a pair of document hashes: a confirmation or a transfer with proof. */
interface DocumentedStep {
  proof: StepProof;
  tokenId: bigint;
  slot: bigint;
  /** The seller: who received the value. */
  sellerAccount: string;
  /** The buyer: who passed it (the anchor for a confirmation). */
  buyerAccount: string;
  value: bigint;
  currency: string;
  at: ChainPosition;
  what: string;
}

/** "0x434e59" -> "CNY". */
function currencyCode(bytes3: string): string {
  const hex = bytes3.replace(/^0x/u, "");
  let code = "";
  for (let i = 0; i < hex.length; i += 2) code += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return code.replace(/\0+$/u, "");
}

function stepsOf(replay: AuditReplay): Map<bigint, DocumentedStep> {
  const steps = new Map<bigint, DocumentedStep>();
  for (const slot of replay.slots.values()) {
    const code = currencyCode(slot.currency);
    steps.set(slot.rootTokenId, {
      proof: { invoiceFingerprint: slot.invoiceFingerprint, invoiceHash: slot.invoiceHash, logisticsHash: slot.logisticsHash },
      tokenId: slot.rootTokenId,
      slot: slot.slot,
      sellerAccount: slot.supplier,
      buyerAccount: slot.anchor,
      value: slot.faceValue,
      currency: code,
      at: slot.confirmedAt,
      what: `the confirmation of receivable ${slot.slot}`,
    });
  }
  for (const piece of replay.pieces.values()) {
    if (piece.proof === undefined) continue;
    const slot = replay.slots.get(piece.slot);
    steps.set(piece.tokenId, {
      proof: piece.proof,
      tokenId: piece.tokenId,
      slot: piece.slot,
      sellerAccount: piece.firstOwner,
      buyerAccount: piece.createdFrom,
      value: piece.initialValue,
      currency: slot === undefined ? "" : currencyCode(slot.currency),
      at: piece.createdAt,
      what: `the transfer that created piece ${pieceName(piece.tokenId)}`,
    });
  }
  return steps;
}

type Loaded = { ok: true; document: ParsedDocument } | { ok: false };

export async function checkDocuments(
  replay: AuditReplay,
  source: DocumentSource,
  chainId: bigint,
  blockTimes: ReadonlyMap<number, bigint>,
  progress?: Progress,
  numbers: DocumentNumbers = new Map(),
): Promise<number> {
  const findings = replay.findings;
  const words = replay.words;
  const kindWord = (kind: DocumentKind): string => (kind === "invoice" ? "invoice" : "waybill");
  const steps = stepsOf(replay);
  const wanted = new Map<string, { kind: DocumentKind; step: DocumentedStep }>();
  for (const step of steps.values()) {
    wanted.set(step.proof.invoiceHash, { kind: "invoice", step });
    wanted.set(step.proof.logisticsHash, { kind: "logistics", step });
  }
  const hashes = [...wanted.keys()];
  const loaded = new Map<string, Loaded>();
  let done = 0;
  await mapLimit(hashes, 16, async (hash) => {
    const { kind, step } = wanted.get(hash) ?? { kind: "invoice" as const, step: undefined };
    if (step === undefined) return;
    const subject = { tokenId: step.tokenId, slot: step.slot };
    const fetched = await source.fetch(hash);
    done += 1;
    if (done % 100 === 0 || done === hashes.length) progress?.(done, hashes.length);
    if (fetched === undefined) {
      findings.add(
        "DOCUMENT_MISSING",
        step.at,
        `the ${kindWord(kind)} ${hash} recorded by ${step.what} is not in the ${source.description}`,
        subject,
      );
      loaded.set(hash, { ok: false });
      return;
    }
    if ("altered" in fetched) {
      findings.add(
        "DOCUMENT_ALTERED",
        step.at,
        `the ${kindWord(kind)} ${hash} recorded by ${step.what} was altered after upload (${fetched.altered})`,
        subject,
      );
      loaded.set(hash, { ok: false });
      return;
    }
    if ("unreadable" in fetched) {
      findings.add(
        "DOCUMENT_INVALID",
        step.at,
        `the ${kindWord(kind)} ${hash} recorded by ${step.what} could not be read from the ${source.description}: ${fetched.unreadable}`,
        subject,
      );
      loaded.set(hash, { ok: false });
      return;
    }
    if (fetched.kind !== kind) {
      findings.add(
        "DOCUMENT_INVALID",
        step.at,
        `document ${hash} recorded by ${step.what} as its ${kindWord(kind)} is stored as a ${fetched.kind === "logistics" ? "waybill" : fetched.kind}`,
        subject,
      );
      loaded.set(hash, { ok: false });
      return;
    }
    const parsed = parseDocument(kind, fetched.document, chainId);
    if (!parsed.ok) {
      findings.add(
        "DOCUMENT_INVALID",
        step.at,
        `the ${kindWord(kind)} ${hash} recorded by ${step.what} no longer parses: ${parsed.problems.map((problem) => `${problem.path}: ${problem.message}`).join("; ")}`,
        subject,
      );
      loaded.set(hash, { ok: false });
      return;
    }
    if (parsed.document.hash.toLowerCase() !== hash) {
      findings.add(
        "DOCUMENT_ALTERED",
        step.at,
        `the ${kindWord(kind)} stored under ${hash} (recorded by ${step.what}) now hashes to ${parsed.document.hash}: it was altered after upload`,
        subject,
      );
      loaded.set(hash, { ok: false });
      return;
    }
    loaded.set(hash, { ok: true, document: parsed.document });
    numbers.set(hash, {
      kind,
      number: parsed.document.kind === "invoice" ? parsed.document.proof.invoice.number : parsed.document.proof.waybill.number,
    });
  });

  const deliveries = new Map<bigint, bigint | null>();
  for (const step of steps.values()) {
    const invoice = loaded.get(step.proof.invoiceHash);
    const logistics = loaded.get(step.proof.logisticsHash);
    const invoiceProof = invoice?.ok === true && invoice.document.kind === "invoice" ? invoice.document.proof : undefined;
    const logisticsProof = logistics?.ok === true && logistics.document.kind === "logistics" ? logistics.document.proof : undefined;
    for (const entry of [invoice, logistics]) {
      if (entry?.ok !== true) continue;
      for (const signature of documentSignatures(entry.document, chainId)) {
        if (signature.recovered === null || getAddress(signature.recovered) !== signature.party.account) {
          findings.add(
            "DOCUMENT_INVALID",
            step.at,
            `the ${signature.role}'s signature (${signature.path}) of ${entry.document.kind === "invoice" ? `invoice ${entry.document.proof.invoice.number}` : `waybill ${entry.document.proof.waybill.number}`} is not by ${words.account(signature.party.account)}`,
            { tokenId: step.tokenId, slot: step.slot },
          );
        }
      }
    }
    const disagreements = contentDisagreements(replay, step, invoiceProof, logisticsProof);
    for (const disagreement of disagreements)
      findings.add("DOCUMENT_DISAGREES", step.at, `${step.what}: ${disagreement}`, { tokenId: step.tokenId, slot: step.slot });
    if (logisticsProof !== undefined) {
      const delivered = logisticsProof.events.find((event) => event.kind === "delivered");
      deliveries.set(step.tokenId, delivered === undefined ? null : BigInt(delivered.time));
    }
  }

  checkWaybillUses(replay, steps, loaded, chainId);

  // Delivery before funding: every documented step of the sold piece's lineage.
  for (const funding of replay.fundings) {
    const fundedAt = blockTimes.get(funding.at.block);
    if (fundedAt === undefined) continue;
    for (let tokenId = funding.tokenId; tokenId !== 0n; tokenId = replay.pieces.get(tokenId)?.parent ?? 0n) {
      if (!deliveries.has(tokenId)) continue;
      const delivered = deliveries.get(tokenId) ?? null;
      if (delivered === null || delivered > fundedAt) {
        findings.add(
          "DELIVERED_AFTER_FUNDING",
          funding.at,
          `funding ${funding.fundingId} at ${words.date(fundedAt)} relied on the trade behind piece ${pieceName(tokenId)}, whose goods were ${delivered === null ? "never delivered" : `delivered only at ${words.date(delivered)}`}`,
          { tokenId: funding.fundedTokenId },
        );
      }
    }
  }
  return hashes.length;
}

/**
 * One waybill backs at most the goods it delivered (DESIGN I10): the invoices bound to it, earliest on chain first,
 * keep their claim while the goods last; a later binding that claims more (or binds another invoice than the one
 * the waybill names) is reported where it was made. The same rule, from the same code, as the verifier's.
 */
function checkWaybillUses(
  replay: AuditReplay,
  steps: ReadonlyMap<bigint, DocumentedStep>,
  loaded: ReadonlyMap<string, Loaded>,
  chainId: bigint,
): void {
  const ordered = [...steps.values()].sort((a, b) => a.at.block - b.at.block || a.at.logIndex - b.at.logIndex);
  const members = {
    memberIdOf: (account: string) => replay.members.memberIdOf(account.toLowerCase()),
    leiHashOf: (memberId: number) => replay.members.members.get(memberId)?.leiHash,
  };
  const claims: Array<{ step: DocumentedStep; waybillNumber: string; claim: WaybillClaim }> = [];
  for (const step of ordered) {
    const invoice = loaded.get(step.proof.invoiceHash);
    const logistics = loaded.get(step.proof.logisticsHash);
    if (invoice?.ok !== true || logistics?.ok !== true || logistics.document.kind !== "logistics") continue;
    const claim = waybillClaimOf(invoice.document, logistics.document, chainId, members);
    if (claim !== undefined) claims.push({ step, waybillNumber: logistics.document.proof.waybill.number, claim });
  }
  allocateWaybillClaims(claims.map((entry) => entry.claim)).forEach((overuse, index) => {
    if (overuse === undefined) return;
    const { step, waybillNumber } = claims[index];
    replay.findings.add(
      "WAYBILL_OVERUSED",
      step.at,
      `${step.what} binds waybill ${waybillNumber}, which cannot back it: ${describeWaybillOveruse(overuse)}`,
      {
        tokenId: step.tokenId,
        slot: step.slot,
      },
    );
  });
}

function contentDisagreements(
  replay: AuditReplay,
  step: DocumentedStep,
  invoice: InvoiceProof | undefined,
  logistics: LogisticsProof | undefined,
): string[] {
  const problems: string[] = [];
  const words = replay.words;
  const sellerId = replay.members.memberIdOf(step.sellerAccount);
  const buyerId = replay.members.memberIdOf(step.buyerAccount);
  if (invoice !== undefined) {
    const { seller, buyer, total, currency, number } = invoice.invoice;
    if (seller.memberId !== sellerId)
      problems.push(
        `invoice ${number}'s seller is ${words.member(seller.memberId)}, on chain the value went to ${words.account(step.sellerAccount)}`,
      );
    if (buyer.memberId !== buyerId)
      problems.push(`invoice ${number}'s buyer is ${words.member(buyer.memberId)}, on chain the value came from ${words.account(step.buyerAccount)}`);
    if (total < step.value) problems.push(`invoice ${number} totals ${words.cny(total)}, less than the ${words.cny(step.value)} passed on chain`);
    if (step.currency !== "" && currency !== step.currency) problems.push(`invoice ${number} is in ${currency}, the receivable in ${step.currency}`);
    const leiHash = replay.members.members.get(seller.memberId)?.leiHash;
    if (leiHash === undefined || invoiceFingerprint(leiHash, number).toLowerCase() !== step.proof.invoiceFingerprint) {
      problems.push(`invoice ${number}'s fingerprint is not the one recorded on chain`);
    }
  }
  if (logistics !== undefined) {
    const { waybill } = logistics;
    if (waybill.shipper.memberId !== sellerId)
      problems.push(
        `waybill ${waybill.number} ships from ${words.member(waybill.shipper.memberId)}, not the seller ${words.account(step.sellerAccount)}`,
      );
    if (waybill.consignee.memberId !== buyerId)
      problems.push(
        `waybill ${waybill.number} delivers to ${words.member(waybill.consignee.memberId)}, not the buyer ${words.account(step.buyerAccount)}`,
      );
    const carrier = replay.members.standingOf(waybill.carrier.account.toLowerCase());
    if (carrier === undefined || carrier.memberId !== waybill.carrier.memberId || !holdsRole(carrier, Role.CARRIER)) {
      problems.push(`waybill ${waybill.number} is carried by ${words.account(waybill.carrier.account)}, not a registered carrier`);
    }
    if (waybill.carrier.memberId === sellerId || waybill.carrier.memberId === buyerId) {
      problems.push(`waybill ${waybill.number} is carried by ${words.member(waybill.carrier.memberId)}, a party to the trade it proves`);
    }
    if (invoice !== undefined) {
      const reference = normaliseInvoiceNumber(waybill.reference);
      if (reference !== normaliseInvoiceNumber(invoice.invoice.number) && reference !== normaliseInvoiceNumber(invoice.invoice.purchaseOrder)) {
        problems.push(`waybill ${waybill.number} refers to ${waybill.reference}, neither invoice ${invoice.invoice.number} nor its order`);
      }
    }
  }
  return problems;
}
