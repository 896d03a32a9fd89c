import type { Provider } from "ethers";
import { fetchBlockTimes, fetchLogs, fetchTransactionInputs } from "./chain";
import type { Progress, RpcSender } from "./chain";
import { AuditDecoder } from "./decode";
import type { PositionedEvent } from "./decode";
import { findDeploymentRecord, readDeploymentRecord } from "../chain/deployment";
import type { DeploymentRecord } from "../chain/deployment";
import type { DocumentNumbers, DocumentSource } from "./documents";
import type { MemberNames } from "./names";
import type { Finding } from "./findings";
import type { IndexSnapshot } from "./indexComparison";
import { AuditReplay } from "./replay";
import { FundingDigests, parseFundCall, recoverFundCallSigners } from "./fundings";
import type { FundCall } from "./fundings";
import { ViewPrefetch, compareWithViews } from "./views";
import { compareCreditLines } from "./creditLines";

/**
 * The audit from end to end: find the deployment, fetch every log of its contracts up to the audited block,
 * replay them, run the checks that need block times, compare with the contracts' views, and — when given — with
 * the documents and the indexer's state. Pure of files and terminals: scripts/audit.ts does those.
 */

export type AuditPhase = "logs" | "transactions" | "replay" | "times" | "views" | "documents" | "index";

/** A node: ethers' Provider for the views, raw JSON-RPC for the logs (JsonRpcProvider and Hardhat's provider are both). */
export type AuditProvider = Provider & RpcSender;

export interface AuditOptions {
  provider: AuditProvider;
  /** Raw JSON-RPC for the logs; `provider` itself when omitted (give `httpSender(url)` for a node over HTTP). */
  rpc?: RpcSender;
  /** The deployment; found from `contractsFile` or the chain's deployment record when omitted. */
  record?: DeploymentRecord;
  contractsFile?: string;
  deploymentsDir?: string;
  /** The audited block; the latest when omitted. */
  at?: number;
  documents?: DocumentSource;
  /** Path of the indexer's LevelDB, for the I7 comparison. */
  indexPath?: string;
  onProgress?: (phase: AuditPhase, done: number, total: number) => void;
}

export interface AuditTimings {
  /** Milliseconds per phase. */
  [phase: string]: number;
}

export interface AuditResult {
  chainId: bigint;
  block: number;
  blockTime: bigint;
  record: DeploymentRecord;
  replay: AuditReplay;
  /** Every finding, in chain order. */
  findings: Finding[];
  /** Block times the report uses (cash movements and timed checks). */
  blockTimes: Map<number, bigint>;
  logCount: number;
  documentsChecked: number;
  /** The invoice and waybill numbers of the documents the document check read, by hash (empty without --documents). */
  documentNumbers: DocumentNumbers;
  /** Whether the findings' sentences could name members (the document source had onboarding records). */
  membersNamed: boolean;
  indexCompared: boolean;
  timings: AuditTimings;
}

/** Raised when the audit cannot run at all (exit status 2), as opposed to running and finding something. */
export class AuditSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditSetupError";
  }
}

/** Times each phase and forwards its progress. */
interface PhaseClock {
  readonly timings: AuditTimings;
  readonly timed: <T>(phase: string, work: () => Promise<T> | T) => Promise<T>;
  readonly progressOf: (phase: AuditPhase) => Progress;
}

function phaseClock(onProgress: AuditOptions["onProgress"]): PhaseClock {
  const timings: AuditTimings = {};
  return {
    timings,
    async timed(phase, work) {
      const started = Date.now();
      try {
        return await work();
      } finally {
        timings[phase] = (timings[phase] ?? 0) + Date.now() - started;
      }
    },
    progressOf: (phase) => (done, total) => onProgress?.(phase, done, total),
  };
}

/**
 * The replay's first pass, over the decoded events without the funding transactions: what it names (pieces, slots,
 * balances, blocks) is what the views and block times are read for ahead. Undefined when it cannot run through (the
 * replay proper then meets the same event and says what it is, and nothing is read ahead).
 */
function plannedReplay(
  decoded: ReadonlyArray<PositionedEvent | { error: Error }>,
  input: ConstructorParameters<typeof AuditReplay>[0],
): AuditReplay | undefined {
  const planned = new AuditReplay(input);
  try {
    for (const entry of decoded) if (!("error" in entry)) planned.apply(entry);
    planned.finish();
  } catch {
    return undefined;
  }
  return planned;
}

export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const { provider } = options;
  const { chainId } = await provider.getNetwork();
  const record =
    options.record ??
    (options.contractsFile !== undefined
      ? readDeploymentRecord(options.contractsFile, chainId)
      : findDeploymentRecord(chainId, options.deploymentsDir));
  const head = await provider.getBlockNumber();
  let index: IndexSnapshot | undefined;
  if (options.indexPath !== undefined) {
    try {
      // Loaded only when asked for (LevelDB), like the document checks: a plain audit starts faster without them.
      const { openIndexSnapshot } = await import("./indexComparison");
      index = await openIndexSnapshot(options.indexPath);
    } catch (error) {
      throw new AuditSetupError(error instanceof Error ? error.message : String(error));
    }
  }
  try {
    return await audit(options, record, chainId, head, index, phaseClock(options.onProgress));
  } finally {
    await index?.close();
  }
}

async function audit(
  options: AuditOptions,
  record: DeploymentRecord,
  chainId: bigint,
  head: number,
  index: IndexSnapshot | undefined,
  clock: PhaseClock,
): Promise<AuditResult> {
  const { timed, progressOf, timings } = clock;
  const { provider } = options;
  // I7 compares at the block the index reached: audit there unless told otherwise, and refuse two different blocks.
  if (index !== undefined && options.at !== undefined && options.at !== index.cursorBlock) {
    throw new AuditSetupError(`the index is at block ${index.cursorBlock}, the audit was asked for block ${options.at}; I7 compares the same block`);
  }
  const block = options.at ?? index?.cursorBlock ?? head;
  if (!Number.isInteger(block) || block < 0 || block > head) throw new AuditSetupError(`block ${block} is not between 0 and the node's head ${head}`);
  if (block < record.deploymentBlock) throw new AuditSetupError(`block ${block} is before the deployment (block ${record.deploymentBlock})`);
  const audited = await provider.getBlock(block);
  if (audited === null) throw new AuditSetupError(`the node has no block ${block}`);
  const blockTime = BigInt(audited.timestamp);
  for (const [name, address] of Object.entries(record.contracts)) {
    if ((await provider.getCode(address, block)) === "0x")
      throw new AuditSetupError(`no contract at ${address} (${name}) at block ${block}; is the deployment record for this chain?`);
  }

  // Members' names for the sentences, read from the document source while the logs are fetched: cosmetic, so a
  // source that cannot give them leaves the sentences with "member #N (0x…)".
  const namesRead: Promise<MemberNames | undefined> = options.documents?.names?.().catch(() => undefined) ?? Promise.resolve(undefined);
  const decoder = new AuditDecoder(record.contracts);
  const logs = await timed("logs", () => fetchLogs(options.rpc ?? provider, decoder.addresses, record.deploymentBlock, block, progressOf("logs")));
  const decoded: Array<PositionedEvent | { error: Error; at: PositionedEvent["at"] }> = [];
  const fundingTransactions = new Set<string>();
  await timed("decode", () => {
    for (const log of logs) {
      const at = { block: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.logIndex };
      const event = decoder.decode(log);
      if (event instanceof Error) decoded.push({ error: event, at });
      else {
        decoded.push({ event, at });
        if (event.name === "Funded") fundingTransactions.add(at.transactionHash);
      }
    }
  });
  const rpc = options.rpc ?? provider;
  // The funding transactions are asked for first. While the node reads them, a first pass of the replay without
  // them (the pieces, slots, balances and the blocks whose time is wanted do not depend on them) names every view
  // the comparison will read. Once the transactions are in, the node reads those block times and views while the
  // audit recovers signatures and replays; the comparison uses the answers to the reads it makes and reads the rest.
  const inputs = fetchTransactionInputs(rpc, [...fundingTransactions], progressOf("transactions"));
  inputs.catch(() => undefined);
  const planned = await timed("plan", () =>
    plannedReplay(decoded, { chainId, contracts: record.contracts, auditedTime: blockTime, fundCalls: new Map() }),
  );
  const fundingInputs = await timed("transactions", () => inputs);
  const earlyTimes =
    planned === undefined ? undefined : fetchBlockTimes(rpc, [...planned.timedChecks.map((check) => check.block), ...planned.blocksWanted]);
  earlyTimes?.catch(() => undefined);
  const prefetch = planned === undefined ? undefined : new ViewPrefetch(rpc, record.contracts, planned, block);
  const fundCalls = await timed("signatures", async () => {
    const digests = new FundingDigests(chainId, record.contracts.financing);
    const calls = new Map<string, FundCall | Error>();
    for (const [hash, input] of fundingInputs) {
      try {
        calls.set(hash, parseFundCall(input, digests));
      } catch (error) {
        calls.set(hash, error instanceof Error ? error : new Error(String(error)));
      }
    }
    await recoverFundCallSigners([...calls.values()].filter((call): call is FundCall => !(call instanceof Error)));
    return calls;
  });

  const names = await namesRead;
  const replay = new AuditReplay({
    chainId,
    contracts: record.contracts,
    auditedTime: blockTime,
    fundCalls,
    ...(names === undefined ? {} : { names }),
  });
  await timed("replay", () => {
    const report = progressOf("replay");
    decoded.forEach((entry, index) => {
      if ("error" in entry) replay.undecodable(entry.at, entry.error.message);
      else replay.apply(entry);
      if (index % 5_000 === 0) report(index, decoded.length);
    });
    replay.finish();
    report(decoded.length, decoded.length);
  });

  const blockTimes = await timed("times", async () => {
    const wanted = [...replay.timedChecks.map((check) => check.block), ...replay.blocksWanted];
    // Read ahead when they were the same blocks; a failure there is met again by reading them here.
    const known = (await earlyTimes?.catch(() => undefined)) ?? new Map<number, bigint>();
    const fetched = await fetchBlockTimes(
      rpc,
      wanted.filter((wantedBlock) => !known.has(wantedBlock)),
      progressOf("times"),
    );
    const times = new Map<number, bigint>();
    for (const wantedBlock of [...new Set(wanted)].sort((a, b) => a - b)) {
      const time = known.get(wantedBlock) ?? fetched.get(wantedBlock);
      if (time !== undefined) times.set(wantedBlock, time);
    }
    for (const check of replay.timedChecks) {
      const time = times.get(check.block);
      if (time !== undefined) check.evaluate(time);
    }
    return times;
  });

  await timed("views", () => compareWithViews(rpc, record.contracts, replay, block, replay.findings, progressOf("views"), prefetch));
  await timed("views", () =>
    compareCreditLines(rpc, record.contracts.receivableToken, replay.creditLines, block, replay.findings, replay.lastPosition),
  );

  let documentsChecked = 0;
  const documentNumbers: DocumentNumbers = new Map();
  if (options.documents !== undefined) {
    const source = options.documents;
    const { checkDocuments } = await import("./documents");
    documentsChecked = await timed("documents", () => checkDocuments(replay, source, chainId, blockTimes, progressOf("documents"), documentNumbers));
  }
  if (index !== undefined) {
    const snapshot = index;
    await timed("index", () => snapshot.compare(replay, replay.findings));
  }

  const findings = [...replay.findings.findings].sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);
  return {
    chainId,
    block,
    blockTime,
    record,
    replay,
    findings,
    blockTimes,
    logCount: logs.length,
    documentsChecked,
    documentNumbers,
    membersNamed: names !== undefined && names.size > 0,
    indexCompared: index !== undefined,
    timings,
  };
}
