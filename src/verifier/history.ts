import type { Log, Provider } from "ethers";
import { decodeEvent, eventTopics } from "../chain/events";
import type { RawLog, RegistryEvent } from "../chain/events";
import type { ChainbillContracts } from "../chain/system";
import { inlineRecovery } from "../chain/signaturePool";
import type { SignatureRecovery } from "../chain/signaturePool";
import { AlteredDocumentError, recoverDocumentSignaturesWith } from "../proofs/documents";
import type { ParsedDocument } from "../proofs/documents";
import { allocateWaybillClaims, waybillClaimOf } from "../proofs/waybill";
import type { WaybillClaim, WaybillOveruse } from "../proofs/waybill";
import { MemberHistory } from "./memberHistory";
import type { ChainPoint } from "./memberHistory";
import type { DocumentSource } from "../proofs/documents";

/**
 * What a funding check needs from the whole chain, not just the piece's lineage: the member registry's history
 * (standings at each step's time, DESIGN I10) and every binding of a waybill to an invoice, across every step of
 * every receivable (one waybill backs at most the goods it delivered). Followed incrementally: each new block costs
 * one `eth_getLogs` per filter for the blocks since the last, plus the documents of new steps; a reorganisation
 * below the last block read starts the follower afresh. Answers are kept per block hash.
 */

/** A waybill binding refused because earlier bindings already claim its goods (or it names another invoice). */
export interface WaybillOveruseFinding {
  waybillNumber: string;
  overuse: WaybillOveruse;
}

/** The chain-wide facts at one block. */
export interface ChainFacts {
  members: MemberHistory;
  /** Steps (by the piece they created) whose waybill binding is refused. */
  waybillOveruses: ReadonlyMap<bigint, WaybillOveruseFinding>;
}

function rawLog(log: Log): RawLog {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    transactionHash: log.transactionHash,
    transactionIndex: log.transactionIndex,
    logIndex: log.index,
  };
}

/** The chain reorganised while logs were read: the follower starts afresh at the next read. */
export class ReorganisedError extends Error {
  constructor(readonly blockNumber: number) {
    super(`the chain reorganised while the verifier read its logs up to block ${blockNumber}; ask again`);
    this.name = "ReorganisedError";
  }
}

/** Keeps the logs of one filter up to the newest block asked about. */
export class LogFollower {
  private logs: Log[] = [];
  private synced: { blockNumber: number; blockHash: string } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly provider: Provider,
    private readonly address: string,
    private readonly topics: Array<string | string[] | null>,
  ) {}

  /** The filter's logs up to and including block `blockNumber` (whose hash is `blockHash`), in chain order. */
  upTo(blockNumber: number, blockHash: string): Promise<readonly Log[]> {
    const next = this.queue.then(() => this.sync(blockNumber, blockHash));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async hashOf(blockNumber: number): Promise<string | null> {
    return (await this.provider.getBlock(blockNumber))?.hash ?? null;
  }

  private async sync(blockNumber: number, blockHash: string): Promise<readonly Log[]> {
    const synced = this.synced;
    if (synced !== undefined && synced.blockHash === blockHash) return this.logs;
    // An earlier block of the branch already read (a lagging reader such as the indexer's view): no new reads.
    if (synced !== undefined && blockNumber < synced.blockNumber) {
      const [asked, built] = await Promise.all([this.hashOf(blockNumber), this.hashOf(synced.blockNumber)]);
      if (asked === blockHash && built === synced.blockHash) return this.logs.filter((log) => log.blockNumber <= blockNumber);
    }
    let from = 0;
    let kept: Log[] = [];
    if (synced !== undefined && synced.blockNumber < blockNumber && (await this.hashOf(synced.blockNumber)) === synced.blockHash) {
      from = synced.blockNumber + 1;
      kept = this.logs;
    }
    const fetched = await this.provider.getLogs({ address: this.address, topics: this.topics, fromBlock: from, toBlock: blockNumber });
    // A reorganisation while reading: the block we built on, or the block asked about, is no longer what we read.
    const moved =
      (from > 0 && synced !== undefined && (await this.hashOf(synced.blockNumber)) !== synced.blockHash) ||
      fetched.some((log) => log.blockNumber === blockNumber && log.blockHash !== blockHash);
    if (moved) {
      this.synced = undefined;
      this.logs = [];
      throw new ReorganisedError(blockNumber);
    }
    const ordered = [...fetched].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    this.logs = from === 0 ? ordered : [...kept, ...ordered];
    this.synced = { blockNumber, blockHash };
    return this.logs;
  }
}

/** A step that recorded a pair of document hashes: the confirmation or a transfer with proof. */
interface DocumentedStep {
  /** The log's block hash and index: a reorganisation gives the step another key. */
  key: string;
  tokenId: bigint;
  at: ChainPoint;
  invoiceHash: string;
  logisticsHash: string;
}

/** What a step's documents claim of their waybill, once both were found (null: they claim nothing). */
type ResolvedClaim = { waybillNumber: string; claim: WaybillClaim } | null;

const RECENT_BLOCKS = 4;

/** Steps whose documents are read and whose signatures are recovered together (one batch for the signature pool). */
const RESOLVE_CHUNK = 512;

/** At most this many steps' claims are remembered (oldest forgotten first; a forgotten one is read again). */
const RESOLVED_LIMIT = 200_000;

export class ChainHistory {
  private readonly registryLogs: LogFollower;
  private readonly proofLogs: LogFollower;
  /**
   * Each step's claim once both its documents were found. It never changes: the documents are content-addressed
   * and the standings it depends on are those before the step. Only the claims are kept, not the documents.
   */
  private readonly resolved = new Map<string, ResolvedClaim>();
  /** Facts of the last few blocks asked about (a verifier at the newest block, a lagging index view). */
  private readonly recent = new Map<string, Promise<ChainFacts>>();

  constructor(
    provider: Provider,
    registryAddress: string,
    tokenAddress: string,
    /** topic0 of ReceivableConfirmed and TradeProofRecorded. */
    proofTopics: string[],
    private readonly documents: DocumentSource,
    private readonly chainId: bigint,
  ) {
    this.registryLogs = new LogFollower(provider, registryAddress, [eventTopics("registry")]);
    this.proofLogs = new LogFollower(provider, tokenAddress, [proofTopics]);
  }

  /** The facts at the block `blockNumber` / `blockHash`. */
  at(blockNumber: number, blockHash: string, recovery: SignatureRecovery = inlineRecovery): Promise<ChainFacts> {
    const known = this.recent.get(blockHash);
    if (known !== undefined) return known;
    const facts = this.read(blockNumber, blockHash, recovery);
    if (this.recent.size >= RECENT_BLOCKS) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(blockHash, facts);
    facts.catch(() => {
      if (this.recent.get(blockHash) === facts) this.recent.delete(blockHash);
    });
    return facts;
  }

  private async logsUpTo(blockNumber: number, blockHash: string): Promise<[readonly Log[], readonly Log[]]> {
    const both = (): Promise<[readonly Log[], readonly Log[]]> =>
      Promise.all([this.registryLogs.upTo(blockNumber, blockHash), this.proofLogs.upTo(blockNumber, blockHash)]);
    try {
      return await both();
    } catch (error) {
      // A reorganisation met while reading: the followers started afresh, read once more before giving up.
      if (!(error instanceof ReorganisedError)) throw error;
      return both();
    }
  }

  private async read(blockNumber: number, blockHash: string, recovery: SignatureRecovery): Promise<ChainFacts> {
    const [registryLogs, proofLogs] = await this.logsUpTo(blockNumber, blockHash);
    const members = new MemberHistory(
      registryLogs.map((log) => ({
        at: { blockNumber: log.blockNumber, logIndex: log.index },
        event: decodeEvent("registry", rawLog(log)) as RegistryEvent,
      })),
    );
    const steps: DocumentedStep[] = [];
    for (const log of proofLogs) {
      const event = decodeEvent("token", rawLog(log));
      const common = { key: `${log.blockHash}:${log.index}`, at: { blockNumber: log.blockNumber, logIndex: log.index } };
      if (event.name === "ReceivableConfirmed") {
        steps.push({
          ...common,
          tokenId: event.tokenId,
          invoiceHash: event.confirmation.invoiceHash,
          logisticsHash: event.confirmation.logisticsHash,
        });
      } else if (event.name === "TradeProofRecorded") {
        steps.push({ ...common, tokenId: event.tokenId, invoiceHash: event.invoiceHash, logisticsHash: event.logisticsHash });
      }
    }
    await this.resolve(
      steps.filter((step) => !this.resolved.has(step.key)),
      members,
      recovery,
    );
    return { members, waybillOveruses: this.allocate(steps) };
  }

  /**
   * Reads the documents of steps not yet resolved (a few at a time, a chunk of steps at a time so that only the
   * claims stay in memory), recovers each chunk's signatures as one batch through `recovery`, and remembers the
   * steps' claims.
   */
  private async resolve(steps: DocumentedStep[], members: MemberHistory, recovery: SignatureRecovery): Promise<void> {
    for (let start = 0; start < steps.length; start += RESOLVE_CHUNK) {
      const pending = steps.slice(start, start + RESOLVE_CHUNK);
      const found: Array<{ step: DocumentedStep; invoice: ParsedDocument; logistics: ParsedDocument }> = [];
      const readers = Array.from({ length: Math.min(16, pending.length) }, async () => {
        for (let step = pending.pop(); step !== undefined; step = pending.pop()) {
          const [invoice, logistics] = await Promise.all([this.document(step.invoiceHash), this.document(step.logisticsHash)]);
          // A document not (yet) in the store: asked again at the next block.
          if (invoice !== undefined && logistics !== undefined) found.push({ step, invoice, logistics });
        }
      });
      await Promise.all(readers);
      await recoverDocumentSignaturesWith(
        found.flatMap((entry) => [entry.invoice, entry.logistics]),
        this.chainId,
        recovery,
      );
      for (const { step, invoice, logistics } of found) {
        // Membership as it was when the documents were bound.
        const at = step.at;
        const claim = waybillClaimOf(invoice, logistics, this.chainId, {
          memberIdOf: (account) => members.memberIdAt(account, at),
          leiHashOf: (memberId) => members.leiHashOf(memberId),
        });
        if (this.resolved.size >= RESOLVED_LIMIT) this.resolved.delete(this.resolved.keys().next().value as string);
        this.resolved.set(
          step.key,
          claim === undefined || logistics.kind !== "logistics" ? null : { waybillNumber: logistics.proof.waybill.number, claim },
        );
      }
    }
  }

  private async document(hash: string): Promise<ParsedDocument | undefined> {
    try {
      const document = await this.documents.get(hash.toLowerCase());
      return document !== undefined && document.hash.toLowerCase() === hash.toLowerCase() ? document : undefined;
    } catch (error) {
      // An altered stored copy backs nothing; the check of its own step reports it.
      if (error instanceof AlteredDocumentError) return undefined;
      throw error;
    }
  }

  /** The claims on each waybill, earliest on chain first. */
  private allocate(steps: readonly DocumentedStep[]): Map<bigint, WaybillOveruseFinding> {
    const claims: Array<{ tokenId: bigint; waybillNumber: string; claim: WaybillClaim }> = [];
    for (const step of steps) {
      const resolved = this.resolved.get(step.key);
      if (resolved !== undefined && resolved !== null) claims.push({ tokenId: step.tokenId, ...resolved });
    }
    const verdicts = allocateWaybillClaims(claims.map((entry) => entry.claim));
    const overuses = new Map<bigint, WaybillOveruseFinding>();
    claims.forEach((entry, index) => {
      const overuse = verdicts[index];
      if (overuse !== undefined) overuses.set(entry.tokenId, { waybillNumber: entry.waybillNumber, overuse });
    });
    return overuses;
  }
}

/** One history per document source and token contract: a verifier and the API's lineage view share it. */
const histories = new WeakMap<DocumentSource, Map<string, ChainHistory>>();

export async function chainHistoryFor(contracts: ChainbillContracts, documents: DocumentSource, chainId: bigint): Promise<ChainHistory> {
  const provider = contracts.receivableToken.runner?.provider;
  if (provider === undefined || provider === null) throw new Error("the verifier needs contracts connected to a provider");
  const [registryAddress, tokenAddress] = await Promise.all([contracts.registry.getAddress(), contracts.receivableToken.getAddress()]);
  const key = `${chainId}:${registryAddress}:${tokenAddress}`;
  let byContracts = histories.get(documents);
  if (byContracts === undefined) {
    byContracts = new Map();
    histories.set(documents, byContracts);
  }
  let history = byContracts.get(key);
  if (history === undefined) {
    const topic = (event: { getFragment(): { topicHash: string } }): string => event.getFragment().topicHash;
    const proofTopics = [
      topic(contracts.receivableToken.getEvent("ReceivableConfirmed")),
      topic(contracts.receivableToken.getEvent("TradeProofRecorded")),
    ];
    history = new ChainHistory(provider, registryAddress, tokenAddress, proofTopics, documents, chainId);
    byContracts.set(key, history);
  }
  return history;
}
