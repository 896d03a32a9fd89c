import type { BlockRef } from "../chain/rpc";
import { eventTopics } from "../chain/events";
import type { ContractName, RawLog } from "../chain/events";
import { ZEROS, padNumber } from "./store";

/**
 * What the index stores: the derived records, their LevelDB keys and their JSON forms (bigint amounts as decimal
 * strings). Keys that are scanned by range are fixed-width so they sort numerically:
 *
 * | key | value |
 * | --- | --- |
 * | `meta/cursor` | {@link Cursor}: last applied block, its hash and time, the head seen |
 * | `meta/config` | {@link IndexConfig}: chain id, addresses and start block the index belongs to |
 * | `meta/system` | {@link SystemRecord} |
 * | `meta/integrity` | the digest of every other record, per family, as of the last commit (integrity.ts) |
 * | `bh/<block>` | {@link BlockRef} of blocks in the reorg window |
 * | `u/<block>` | undo record of `block`: each key it changed with its value before ({@link encodeUndo} in store.ts) |
 * | `t/<tokenId>` | {@link TokenRecord} |
 * | `tc/<parentId>/<childId>` | children of a piece (empty value) |
 * | `s/<slot>` | {@link SlotRecord} |
 * | `h/<owner>/<tokenId>` | {@link HoldingRow} of a live piece |
 * | `ht/<owner>` | {@link HoldingTotals} |
 * | `hA/<owner>/<anchorId>` , `hM/<owner>/<maturity>` | {@link HoldingBucket} by anchor / maturity |
 * | `fb/<factor>/<checkpoint>` | {@link FundingRow}; `fi/<fundingId>` its key; `ft/<factor>` {@link FactorTotals} |
 * | `tf/<tokenId>/<checkpoint>` | funding id of a funding that delivered the piece |
 * | `e/<tokenId>/<checkpoint>` | the logs of one transaction about the piece (history), compactly ({@link encodeHistoryRow}); the checkpoint is its first log's |
 * | `m/<memberId>` | {@link MemberRecord}; `ma/<address>` the member id owning an address |
 * | `cb/<address>` | settlement-currency balance (decimal) |
 * | `x/<checkpoint>` | {@link IndexFinding}: an event the index could not place, recorded instead of applied |
 * | `sa/<anchorId>/<slot>` | a receivable the anchor confirmed (empty value): its record behind a funding decision |
 * | `sc/<slot>` | the block of the repayment that completed the receivable (decimal) |
 * | `cl/<anchorId>` | {@link CreditLineRecord}: the anchor's credit line as last set |
 * | `ts/<seller>/<buyer>/<checkpoint>`, `tb/<buyer>/<seller>/<checkpoint>` | a verified trade (a confirmation or a transfer with proof) by the seller's and the buyer's address: its value (decimal) |
 * | `a/<address>/<checkpoint>` | {@link ActivityRow}: what happened to the address and its pieces (activity.ts), at the log that made it |
 * | `sr/<slot>/<checkpoint>` | {@link ActivityRow}: a repayment of the receivable or its overdue mark, which every holder of its pieces sees in its activity |
 * | `hc/<address>/<slot>/<checkpoint>` | a claim the address made from the receivable (empty value): it held a piece when the receivable was repaid, so its activity keeps the receivable's rows after its pieces are gone |
 * | `cm/<address>/<checkpoint>` | {@link CashRow}: a settlement-currency movement of the address, classified (activity.ts) |
 */

export function hex(value: bigint, width: number): string {
  const digits = value.toString(16);
  if (digits.length > width || value < 0n) throw new Error(`0x${digits} does not fit ${width} hex digits`);
  // A slice of zeros and the digits: a few times cheaper than padStart, which builds its filler each call.
  return ZEROS.slice(0, width - digits.length) + digits;
}

/** Fixed-width, sortable position of a log: block, transaction index, log index. */
export function checkpointOf(block: number, transactionIndex: number, logIndex: number): string {
  return `${padNumber(block, 12)}.${padNumber(transactionIndex, 6)}.${padNumber(logIndex, 6)}`;
}

/** Position of a log from its checkpoint. */
export function positionOf(checkpoint: string): { blockNumber: number; transactionIndex: number; logIndex: number } {
  const [block, transaction, log] = checkpoint.split(".").map(Number);
  return { blockNumber: block, transactionIndex: transaction, logIndex: log };
}

/** The contracts in the order of {@link IndexConfig.addresses}; a stored log names its contract by position. */
export const CONTRACT_ORDER: readonly ContractName[] = ["registry", "token", "currency", "settlement", "financing"];

/** Each contract's event topics, numbered (a stored log names its event by number instead of its 32-byte topic). */
const TOPIC_NUMBERS: ReadonlyArray<ReadonlyMap<string, number>> = CONTRACT_ORDER.map(
  (contract) => new Map(eventTopics(contract).map((topic, index) => [topic, index])),
);
const TOPICS_BY_NUMBER: ReadonlyArray<readonly string[]> = CONTRACT_ORDER.map((contract) => eventTopics(contract));

const ZERO_WORD = "0".repeat(64);

function padWord(stripped: string): string {
  return stripped.length === 64 ? stripped : ZERO_WORD.slice(stripped.length) + stripped;
}

/** `count:word,word,…` back to its words ("" is a zero word, so the count tells none from one). */
function wordsOf(text: string): string[] {
  const separator = text.indexOf(":");
  return Number(text.slice(0, separator)) === 0 ? [] : text.slice(separator + 1).split(",");
}

/**
 * One log of a history row, compactly: `logIndex|contract|event|n:topic,…|n:word,…` with hex digits only (no 0x),
 * the contract's position in {@link CONTRACT_ORDER}, the event's number among its contract's topics (or its topic in
 * full if unknown), and the other topics and the data's 32-byte words, each list with its length, each word
 * without leading zeros.
 */
export function encodeHistoryEntry(contract: ContractName, log: { logIndex: number; topics: readonly string[]; data: string }): string {
  const contractNumber = CONTRACT_ORDER.indexOf(contract);
  // The words as given: the chain client gives logs in lower-case hex.
  const topic0 = log.topics[0] ?? "";
  const eventNumber = TOPIC_NUMBERS[contractNumber].get(topic0);
  let topics = "";
  for (let index = 1; index < log.topics.length; index += 1) {
    const topic = log.topics[index];
    topics += (index > 1 ? "," : "") + strippedSlice(topic, 2, topic.length);
  }
  const data = log.data;
  const dataLength = data.length - 2;
  if (dataLength % 64 !== 0) throw new Error(`history log data of ${dataLength / 2} bytes is not whole 32-byte words`);
  let words = "";
  for (let start = 2; start < data.length; start += 64) words += (start > 2 ? "," : "") + strippedSlice(data, start, start + 64);
  const event = eventNumber === undefined ? (topic0 === "" ? "-" : `x${topic0.slice(2)}`) : String(eventNumber);
  return `${log.logIndex}|${contractNumber}|${event}|${Math.max(0, log.topics.length - 1)}:${topics}|${dataLength / 64}:${words}`;
}

/**
 * A piece's history row: the logs of one transaction about the piece, `txHash;entry;entry…` ({@link
 * encodeHistoryEntry} each, in log order), stored under the checkpoint of the first.
 */
export function encodeHistoryRow(transactionHash: string, entries: readonly string[]): string {
  // Lower-case already, as the chain client gives it.
  return `${transactionHash.slice(2)};${entries.join(";")}`;
}

/** `text[start..end)` without its leading zeros. */
function strippedSlice(text: string, start: number, end: number): string {
  let first = start;
  while (first < end && text.charCodeAt(first) === 48) first += 1;
  return text.slice(first, end);
}

/** The logs of the history row stored at `checkpoint`, with the address of each one's contract from `addresses`. */
export function decodeHistoryRow(checkpoint: string, text: string, addresses: readonly string[]): Array<RawLog & { contract: ContractName }> {
  const [transactionText, ...entries] = text.split(";");
  const { blockNumber, transactionIndex } = positionOf(checkpoint);
  if (entries.length === 0) throw new Error(`stored history row ${checkpoint} has no logs`);
  return entries.map((entry) => {
    const [logIndexText, contractText, event, topicText, dataText] = entry.split("|");
    const contract = CONTRACT_ORDER[Number(contractText)];
    const address = addresses[Number(contractText)];
    if (dataText === undefined || contract === undefined || address === undefined) throw new Error(`stored history row ${checkpoint} is malformed`);
    const topics: string[] = [];
    if (event !== "-") topics.push(event.startsWith("x") ? `0x${event.slice(1)}` : (TOPICS_BY_NUMBER[Number(contractText)][Number(event)] ?? ""));
    if (topics[0] === "") throw new Error(`stored history row ${checkpoint} names an unknown event ${event}`);
    for (const topic of wordsOf(topicText)) topics.push(`0x${padWord(topic)}`);
    const data = `0x${wordsOf(dataText).map(padWord).join("")}`;
    return {
      blockNumber,
      transactionIndex,
      logIndex: Number(logIndexText),
      blockHash: "",
      transactionHash: `0x${transactionText}`,
      address,
      topics,
      data,
      contract,
    };
  });
}

export const TOKEN_ID_HEX = 24;
const SLOT_HEX = 16;

/**
 * A piece's id as its keys write it. A piece's id is its slot shifted left 32 bits plus its sequence, so its first
 * {@link SLOT_HEX} digits are its slot's ({@link slotHexOfToken}).
 */
export function tokenHex(tokenId: bigint): string {
  return hex(tokenId, TOKEN_ID_HEX);
}

export function slotHexOfToken(tokenIdHex: string): string {
  return tokenIdHex.slice(0, SLOT_HEX);
}

/**
 * Version of the key layout and value forms; an index written in another is refused (index again). 3: every commit
 * writes the digest of the records (`meta/integrity`, integrity.ts). 4: the recourse payment events (RecoursePaid,
 * RecourseTaken, RecourseClaimRouted) and the credit-line events shift the stored event numbers. 5: the records behind
 * a funding decision (`sa/`, `sc/`, `cl/`, `ts/`, `tb/`; risk.ts). 6: Settlement's ReceivableWrittenOff (issue 19
 * part 4) is a new event, recorded only, which shifts the stored event numbers. 7: each address's activity and cash
 * movements (`a/`, `cm/`; activity.ts, issue 18 items 2 and 8). 8: each receivable's repayments and overdue mark
 * (`sr/`), which its holders' activity shows, and each address's claims by receivable (`hc/`).
 */
export const INDEX_FORMAT = 8;

export const keys = {
  cursor: "meta/cursor",
  config: "meta/config",
  system: "meta/system",
  blockHash: (block: number) => `bh/${padNumber(block, 12)}`,
  token: (tokenId: bigint) => `t/${hex(tokenId, TOKEN_ID_HEX)}`,
  tokenAt: (tokenIdHex: string) => `t/${tokenIdHex}`,
  child: (parentHex: string, childHex: string) => `tc/${parentHex}/${childHex}`,
  childrenPrefix: (parent: bigint) => `tc/${hex(parent, TOKEN_ID_HEX)}/`,
  slot: (slot: bigint) => `s/${hex(slot, SLOT_HEX)}`,
  slotAt: (slotHex: string) => `s/${slotHex}`,
  holding: (owner: string, tokenId: bigint) => `h/${owner}/${hex(tokenId, TOKEN_ID_HEX)}`,
  holdingAt: (owner: string, tokenIdHex: string) => `h/${owner}/${tokenIdHex}`,
  holdingsPrefix: (owner: string) => `h/${owner}/`,
  holdingTotals: (owner: string) => `ht/${owner}`,
  holdingByAnchor: (owner: string, anchorId: number) => `hA/${owner}/${padNumber(anchorId, 10)}`,
  holdingByAnchorPrefix: (owner: string) => `hA/${owner}/`,
  holdingByMaturity: (owner: string, maturity: bigint) => `hM/${owner}/${padNumber(maturity, 12)}`,
  holdingByMaturityPrefix: (owner: string) => `hM/${owner}/`,
  funding: (factor: string, checkpoint: string) => `fb/${factor}/${checkpoint}`,
  fundingsPrefix: (factor: string) => `fb/${factor}/`,
  fundingIndex: (fundingId: string) => `fi/${fundingId}`,
  factorTotals: (factor: string) => `ft/${factor}`,
  tokenFunding: (tokenId: bigint, checkpoint: string) => `tf/${hex(tokenId, TOKEN_ID_HEX)}/${checkpoint}`,
  tokenFundingsPrefix: (tokenId: bigint) => `tf/${hex(tokenId, TOKEN_ID_HEX)}/`,
  historyAt: (tokenIdHex: string, checkpoint: string) => `e/${tokenIdHex}/${checkpoint}`,
  historyPrefix: (tokenId: bigint) => `e/${hex(tokenId, TOKEN_ID_HEX)}/`,
  member: (memberId: number) => `m/${padNumber(memberId, 10)}`,
  membersPrefix: "m/",
  account: (address: string) => `ma/${address}`,
  balance: (address: string) => `cb/${address}`,
  finding: (checkpoint: string) => `x/${checkpoint}`,
  findingsPrefix: "x/",
  anchorSlot: (anchorId: number, slotHex: string) => `sa/${padNumber(anchorId, 10)}/${slotHex}`,
  anchorSlotsPrefix: (anchorId: number) => `sa/${padNumber(anchorId, 10)}/`,
  slotCompleted: (slot: bigint) => `sc/${hex(slot, SLOT_HEX)}`,
  creditLine: (anchorId: number) => `cl/${padNumber(anchorId, 10)}`,
  tradeAsSeller: (seller: string, buyer: string, checkpoint: string) => `ts/${seller}/${buyer}/${checkpoint}`,
  tradesAsSellerPrefix: (seller: string) => `ts/${seller}/`,
  tradeAsBuyer: (buyer: string, seller: string, checkpoint: string) => `tb/${buyer}/${seller}/${checkpoint}`,
  tradesAsBuyerPrefix: (buyer: string) => `tb/${buyer}/`,
  activity: (address: string, checkpoint: string) => `a/${address}/${checkpoint}`,
  slotActivity: (slot: bigint, checkpoint: string) => `sr/${hex(slot, SLOT_HEX)}/${checkpoint}`,
  slotActivityPrefix: (slot: bigint) => `sr/${hex(slot, SLOT_HEX)}/`,
  claimedFrom: (address: string, slot: bigint, checkpoint: string) => `hc/${address}/${hex(slot, SLOT_HEX)}/${checkpoint}`,
  claimedFromPrefix: (address: string) => `hc/${address}/`,
  activityPrefix: (address: string) => `a/${address}/`,
  cash: (address: string, checkpoint: string) => `cm/${address}/${checkpoint}`,
  cashPrefix: (address: string) => `cm/${address}/`,
} as const;

/** Key prefixes of bookkeeping, not derived state: left out when two indexes are compared. */
export const BOOKKEEPING_PREFIXES = ["meta/cursor", "meta/config", "meta/integrity", "bh/", "u/"] as const;

export type { BlockRef };

export interface Cursor extends BlockRef {
  /** The chain head the indexer had seen when it wrote this cursor. */
  head: number;
}

export interface IndexConfig {
  /** {@link INDEX_FORMAT} of the indexer that wrote it. */
  format: number;
  chainId: string;
  addresses: readonly string[];
  startBlock: number;
}

export type TokenStatus = "live" | "burned" | "redeemed";

export interface TradeProof {
  invoiceFingerprint: string;
  invoiceHash: string;
  logisticsHash: string;
}

export interface TokenRecord {
  tokenId: bigint;
  slot: bigint;
  /** The holder; for a burned or redeemed piece, its last holder. */
  owner: string;
  value: bigint;
  /** 0n for a slot's first piece; null only between a piece's creation and the value that creates it. */
  parent: bigint | null;
  status: TokenStatus;
  /** What settlement has paid out on the piece. */
  received: bigint;
  /** The trade proof recorded when a transfer with proof created the piece. */
  tradeProof: TradeProof | null;
  createdAtBlock: number;
  updatedAtBlock: number;
}

export interface SlotRecord {
  slot: bigint;
  anchorId: number;
  /** The address that confirmed. */
  anchor: string;
  supplierId: number;
  supplier: string;
  faceValue: bigint;
  maturity: bigint;
  currency: string;
  invoiceHash: string;
  logisticsHash: string;
  invoiceFingerprint: string;
  /** Pieces created so far (the highest sequence). */
  pieceCount: number;
  liveCount: number;
  repaid: bigint;
  claimed: bigint;
  redeemedValue: bigint;
  fundedValue: bigint;
  fundingCount: number;
  overdueFlagged: boolean;
  overdueCured: boolean;
  confirmedAtBlock: number;
  updatedAtBlock: number;
}

export interface HoldingRow {
  tokenId: bigint;
  slot: bigint;
  value: bigint;
  anchorId: number;
  maturity: bigint;
}

export interface HoldingTotals {
  count: number;
  value: bigint;
  updatedAtBlock: number;
}

export interface HoldingBucket {
  count: number;
  value: bigint;
}

export interface FundingRow {
  fundingId: string;
  tokenId: bigint;
  fundedTokenId: bigint;
  factor: string;
  holder: string;
  value: bigint;
  price: bigint;
  withRecourse: boolean;
  /** Set once the factor records recourse: the unpaid share claimed from the seller. */
  recourseAmount: bigint | null;
  block: number;
  transactionHash: string;
  updatedAtBlock: number;
}

export interface FactorTotals {
  fundings: number;
  value: bigint;
  price: bigint;
  recourse: bigint;
  updatedAtBlock: number;
}

/** Why an event could not be placed. */
export type IndexFindingCode =
  /** RecourseRecorded names a funding the index never saw funded. */
  | "RECOURSE_UNKNOWN_FUNDING"
  /** RecourseRecorded on a funding that was sold without recourse. */
  | "RECOURSE_NOT_AGREED"
  /** RecourseRecorded on a funding whose recourse is already recorded. */
  | "RECOURSE_RECORDED_TWICE";

/**
 * An event a watched contract emitted (so the chain accepted it) that names something the index cannot place,
 * such as recourse on a funding it never saw. It is kept instead of applied and indexing goes on: one such event
 * must not stop the indexer and every API that reads it. The status and the audit's index comparison show each.
 */
export interface IndexFinding {
  code: IndexFindingCode;
  contract: ContractName;
  event: string;
  block: number;
  transactionHash: string;
  logIndex: number;
  /** A sentence naming what could not be placed. */
  message: string;
}

/** An anchor's credit line as the operator last set it (what the anchor owes is summed from its receivables). */
export interface CreditLineRecord {
  limit: bigint;
  /** Unix seconds. */
  reviewDate: bigint;
  updatedAtBlock: number;
}

/** What happened to an address or its pieces (activity.ts). */
export type ActivityKind =
  /** The anchor confirmed a receivable (counterparty: the supplier). */
  | "confirmed"
  /** A piece (or part of one) arrived; at a confirmation, from the anchor. */
  | "received"
  /** Part of a piece, or a whole one, went to the counterparty. */
  | "sent"
  /** The holder approved a financing request on chain. */
  | "requested"
  /** The holder's piece was bought by the counterparty factor: `amount` the price received, `value` the piece's. */
  | "financed"
  /** The factor bought the counterparty's piece: `amount` the price paid, `value` the piece's. */
  | "funded"
  | "repaid"
  | "claimed"
  /** Someone flagged the receivable overdue: `amount` is what was unpaid. */
  | "overdue"
  /** A factor demanded recourse on a funding (both sides get the row). */
  | "recourseDemanded"
  /** The seller paid recourse to the piece's holder. */
  | "recoursePaid"
  | "recourseReceived"
  /** Of a claim on a piece under recourse, `amount` went to the seller that had paid recourse. */
  | "recourseRouted";

export interface ActivityRow {
  kind: ActivityKind;
  tokenId: bigint | null;
  slot: bigint | null;
  /** Minor units: a piece's value moved, or money paid or received. */
  amount: bigint;
  /** For a funding: the value of the piece bought. */
  value: bigint | null;
  counterparty: string | null;
  transactionHash: string;
  block: number;
}

/** Why settlement currency moved (activity.ts). */
export type CashKind =
  | "fundingReceived"
  | "fundingPaid"
  | "repayment"
  | "claim"
  | "recoursePaid"
  | "recourseReceived"
  | "recourseRouted"
  | "issued"
  | "redeemed"
  | "transfer";

export interface CashRow {
  kind: CashKind;
  direction: "in" | "out";
  amount: bigint;
  /** The other side (a member, or the settlement contract); null for issues and redemptions. */
  counterparty: string | null;
  tokenId: bigint | null;
  slot: bigint | null;
  transactionHash: string;
  block: number;
}

export type MemberStatus = "ACTIVE" | "SUSPENDED";

export interface MemberRecord {
  memberId: number;
  leiHash: string;
  roles: number;
  status: MemberStatus;
  kycValidUntil: bigint;
  /** In the registry's own order (removal moves the last address into the gap). */
  accounts: string[];
  updatedAtBlock: number;
}

export interface SystemRecord {
  paused: boolean;
  /** Settlement's grace period; 0 until the first GracePeriodSet (the contract's initial value). */
  gracePeriod: bigint;
  /** Financing's required verifiers; 1 until the first RequiredVerifiersSet (the contract's initial value). */
  requiredVerifiers: bigint;
  financing: string | null;
  settlement: string | null;
  issuers: string[];
  systemAccounts: string[];
  currencySupply: bigint;
  currencyIssued: bigint;
  currencyRedeemed: bigint;
}

export const INITIAL_SYSTEM: SystemRecord = {
  paused: false,
  gracePeriod: 0n,
  requiredVerifiers: 1n,
  financing: null,
  settlement: null,
  issuers: [],
  systemAccounts: [],
  currencySupply: 0n,
  currencyIssued: 0n,
  currencyRedeemed: 0n,
};

// ---------------------------------------------------------------------------------------------------------
// JSON forms. Every bigint field is written as a decimal string and read back by name.
// ---------------------------------------------------------------------------------------------------------

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function big(value: Json | undefined, field: string): bigint {
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) throw new Error(`stored field ${field} is not a decimal string`);
  return BigInt(value);
}

function bigOrNull(value: Json | undefined, field: string): bigint | null {
  return value === null ? null : big(value, field);
}

function objectOf(text: string): { [key: string]: Json } {
  const parsed: Json = JSON.parse(text) as Json;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("stored record is not an object");
  return parsed;
}

/** Encodes and decodes one record type; `bigints` names the fields stored as decimal strings. */
export interface Codec<T> {
  encode(value: T): string;
  decode(text: string): T;
}

function codec<T>(bigints: readonly string[], nullableBigints: readonly string[] = []): Codec<T> {
  const stringified = [...bigints, ...nullableBigints];
  return {
    // JSON with the named bigint fields as decimal strings, turned on a shallow copy (cheaper than a replacer
    // called for every property); a bigint anywhere else makes JSON.stringify throw.
    encode(value) {
      const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const field of stringified) {
        const item = copy[field];
        if (typeof item === "bigint") copy[field] = item.toString();
      }
      return JSON.stringify(copy);
    },
    decode(text) {
      const record = objectOf(text);
      for (const field of bigints) record[field] = big(record[field], field) as unknown as Json;
      for (const field of nullableBigints) record[field] = bigOrNull(record[field], field) as unknown as Json;
      return record as unknown as T;
    },
  };
}

/** A string as JSON writes it. */
const quoted = (text: string): string => JSON.stringify(text);

/**
 * {@link codec} with a hand-written encoder for the records a backfill writes by the thousand (pieces, holdings,
 * receivables): a template instead of a copied object and JSON.stringify. It writes the same JSON (same fields in
 * the same order, same forms), which a test checks against the generic encoder; decoding is the generic one.
 */
function templateCodec<T>(generic: Codec<T>, encode: (value: T) => string): Codec<T> {
  return { encode, decode: (text) => generic.decode(text) };
}

/** The generic codecs of the records that {@link codecs} encodes with templates, for the test comparing the two. */
export const genericCodecs = {
  token: codec<TokenRecord>(["tokenId", "slot", "value", "received"], ["parent"]),
  slot: codec<SlotRecord>(["slot", "faceValue", "maturity", "repaid", "claimed", "redeemedValue", "fundedValue"]),
  holding: codec<HoldingRow>(["tokenId", "slot", "value", "maturity"]),
  activity: codec<ActivityRow>(["amount"], ["tokenId", "slot", "value"]),
  cash: codec<CashRow>(["amount"], ["tokenId", "slot"]),
} as const;

/** A nullable bigint as the generic encoder writes it. */
const nullableBig = (value: bigint | null): string => (value === null ? "null" : `"${value}"`);

export const codecs = {
  cursor: codec<Cursor>([]),
  config: codec<IndexConfig>([]),
  blockRef: codec<BlockRef>([]),
  token: templateCodec(
    genericCodecs.token,
    (t) =>
      `{"tokenId":"${t.tokenId}","slot":"${t.slot}","owner":${quoted(t.owner)},"value":"${t.value}","parent":${t.parent === null ? "null" : `"${t.parent}"`},` +
      `"status":${quoted(t.status)},"received":"${t.received}","tradeProof":${t.tradeProof === null ? "null" : JSON.stringify(t.tradeProof)},` +
      `"createdAtBlock":${t.createdAtBlock},"updatedAtBlock":${t.updatedAtBlock}}`,
  ),
  slot: templateCodec(
    genericCodecs.slot,
    (s) =>
      `{"slot":"${s.slot}","anchorId":${s.anchorId},"anchor":${quoted(s.anchor)},"supplierId":${s.supplierId},"supplier":${quoted(s.supplier)},` +
      `"faceValue":"${s.faceValue}","maturity":"${s.maturity}","currency":${quoted(s.currency)},"invoiceHash":${quoted(s.invoiceHash)},` +
      `"logisticsHash":${quoted(s.logisticsHash)},"invoiceFingerprint":${quoted(s.invoiceFingerprint)},"pieceCount":${s.pieceCount},` +
      `"liveCount":${s.liveCount},"repaid":"${s.repaid}","claimed":"${s.claimed}","redeemedValue":"${s.redeemedValue}","fundedValue":"${s.fundedValue}",` +
      `"fundingCount":${s.fundingCount},"overdueFlagged":${s.overdueFlagged},"overdueCured":${s.overdueCured},"confirmedAtBlock":${s.confirmedAtBlock},` +
      `"updatedAtBlock":${s.updatedAtBlock}}`,
  ),
  holding: templateCodec(
    genericCodecs.holding,
    (h) => `{"tokenId":"${h.tokenId}","slot":"${h.slot}","value":"${h.value}","anchorId":${h.anchorId},"maturity":"${h.maturity}"}`,
  ),
  activity: templateCodec(
    genericCodecs.activity,
    (a) =>
      `{"kind":"${a.kind}","tokenId":${nullableBig(a.tokenId)},"slot":${nullableBig(a.slot)},"amount":"${a.amount}","value":${nullableBig(a.value)},` +
      `"counterparty":${a.counterparty === null ? "null" : quoted(a.counterparty)},"transactionHash":${quoted(a.transactionHash)},"block":${a.block}}`,
  ),
  cash: templateCodec(
    genericCodecs.cash,
    (c) =>
      `{"kind":"${c.kind}","direction":"${c.direction}","amount":"${c.amount}","counterparty":${c.counterparty === null ? "null" : quoted(c.counterparty)},` +
      `"tokenId":${nullableBig(c.tokenId)},"slot":${nullableBig(c.slot)},"transactionHash":${quoted(c.transactionHash)},"block":${c.block}}`,
  ),
  holdingTotals: codec<HoldingTotals>(["value"]),
  bucket: codec<HoldingBucket>(["value"]),
  funding: codec<FundingRow>(["tokenId", "fundedTokenId", "value", "price"], ["recourseAmount"]),
  factorTotals: codec<FactorTotals>(["value", "price", "recourse"]),
  member: codec<MemberRecord>(["kycValidUntil"]),
  finding: codec<IndexFinding>([]),
  creditLine: codec<CreditLineRecord>(["limit", "reviewDate"]),
  system: codec<SystemRecord>(["gracePeriod", "requiredVerifiers", "currencySupply", "currencyIssued", "currencyRedeemed"]),
} as const;
