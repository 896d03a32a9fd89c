import type { Log, Provider } from "ethers";
import { decodeEvent, eventTopics } from "../chain/events";
import type { RawLog, RegistryEvent } from "../chain/events";
import type { ChainbillContracts } from "../chain/system";
import { AlteredDocumentError } from "../proofs/documents";
import type { ParsedDocument } from "../proofs/documents";
import { allocateWaybillClaims, waybillClaimOf } from "../proofs/waybill";
import type { WaybillClaim, WaybillOveruse } from "../proofs/waybill";
import { MemberHistory } from "./memberHistory";
import type { ChainPoint } from "./memberHistory";
import type { DocumentSource } from "./types";

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
      throw new Error(`the chain reorganised while the verifier read its logs up to block ${blockNumber}; ask again`);
    }
    const ordered = [...fetched].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    this.logs = from === 0 ? ordered : [...kept, ...ordered];
    this.synced = { blockNumber, blockHash };
    return this.logs;
  }
}

/** A step that recorded a pair of document hashes: the confirmation or a transfer with proof. */
interface DocumentedStep {
  tokenId: bigint;
  at: ChainPoint;
  invoiceHash: string;
  logisticsHash: string;
}

export class ChainHistory {
  private readonly registryLogs: LogFollower;
  private readonly proofLogs: LogFollower;
  /** Documents found in the store, by hash (lower case): content-addressed, so a found one never changes. */
  private readonly found = new Map<string, ParsedDocument>();
  private latest: { blockHash: string; facts: Promise<ChainFacts> } | undefined;

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
  at(blockNumber: number, blockHash: string): Promise<ChainFacts> {
    if (this.latest?.blockHash === blockHash) return this.latest.facts;
    const facts = this.read(blockNumber, blockHash);
    const entry = { blockHash, facts };
    this.latest = entry;
    facts.catch(() => {
      if (this.latest === entry) this.latest = undefined;
    });
    return facts;
  }

  private async read(blockNumber: number, blockHash: string): Promise<ChainFacts> {
    const [registryLogs, proofLogs] = await Promise.all([this.registryLogs.upTo(blockNumber, blockHash), this.proofLogs.upTo(blockNumber, blockHash)]);
    const members = new MemberHistory(
      registryLogs.map((log) => ({ at: { blockNumber: log.blockNumber, logIndex: log.index }, event: decodeEvent("registry", rawLog(log)) as RegistryEvent })),
    );
    const steps: DocumentedStep[] = [];
    for (const log of proofLogs) {
      const event = decodeEvent("token", rawLog(log));
      const at = { blockNumber: log.blockNumber, logIndex: log.index };
      if (event.name === "ReceivableConfirmed") {
        steps.push({ tokenId: event.tokenId, at, invoiceHash: event.confirmation.invoiceHash, logisticsHash: event.confirmation.logisticsHash });
      } else if (event.name === "TradeProofRecorded") {
        steps.push({ tokenId: event.tokenId, at, invoiceHash: event.invoiceHash, logisticsHash: event.logisticsHash });
      }
    }
    await this.fetchMissing(steps);
    return { members, waybillOveruses: this.allocate(steps, members) };
  }

  private async fetchMissing(steps: readonly DocumentedStep[]): Promise<void> {
    const missing = new Set<string>();
    for (const step of steps) {
      for (const hash of [step.invoiceHash.toLowerCase(), step.logisticsHash.toLowerCase()]) if (!this.found.has(hash)) missing.add(hash);
    }
    const pending = [...missing];
    // A few at a time: the store may be remote, and the first block after start reads every document once.
    const workers = Array.from({ length: Math.min(16, pending.length) }, async () => {
      for (let hash = pending.pop(); hash !== undefined; hash = pending.pop()) {
        try {
          const document = await this.documents.get(hash);
          if (document !== undefined && document.hash.toLowerCase() === hash) this.found.set(hash, document);
        } catch (error) {
          // An altered stored copy backs nothing; the check of its own step reports it.
          if (!(error instanceof AlteredDocumentError)) throw error;
        }
      }
    });
    await Promise.all(workers);
  }

  /** Each step's claim on its waybill, when its documents make it one, allocated earliest first. */
  private allocate(steps: readonly DocumentedStep[], members: MemberHistory): Map<bigint, WaybillOveruseFinding> {
    const claims: Array<{ tokenId: bigint; waybillNumber: string; claim: WaybillClaim }> = [];
    for (const step of steps) {
      const invoice = this.found.get(step.invoiceHash.toLowerCase());
      const logistics = this.found.get(step.logisticsHash.toLowerCase());
      if (invoice?.kind !== "invoice" || logistics?.kind !== "logistics") continue;
      // Membership as it was when the documents were bound.
      const claim = waybillClaimOf(invoice, logistics, this.chainId, {
        memberIdOf: (account) => members.memberIdAt(account, step.at),
        leiHashOf: (memberId) => members.leiHashOf(memberId),
      });
      if (claim !== undefined) claims.push({ tokenId: step.tokenId, waybillNumber: logistics.proof.waybill.number, claim });
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
  const provider = contracts.token.runner?.provider;
  if (provider === undefined || provider === null) throw new Error("the verifier needs contracts connected to a provider");
  const [registryAddress, tokenAddress] = await Promise.all([contracts.registry.getAddress(), contracts.token.getAddress()]);
  const key = `${chainId}:${registryAddress}:${tokenAddress}`;
  let byContracts = histories.get(documents);
  if (byContracts === undefined) {
    byContracts = new Map();
    histories.set(documents, byContracts);
  }
  let history = byContracts.get(key);
  if (history === undefined) {
    const topic = (event: { getFragment(): { topicHash: string } }): string => event.getFragment().topicHash;
    const proofTopics = [topic(contracts.token.getEvent("ReceivableConfirmed")), topic(contracts.token.getEvent("TradeProofRecorded"))];
    history = new ChainHistory(provider, registryAddress, tokenAddress, proofTopics, documents, chainId);
    byContracts.set(key, history);
  }
  return history;
}
