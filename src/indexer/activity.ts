import type { ChainbillEvent, RawLog } from "../chain/events";
import type { StateTx } from "./store";
import { checkpointOf, codecs, keys } from "./schema";
import type { ActivityKind, ActivityRow, CashKind, CashRow } from "./schema";
import { firstPieceOf } from "../chain/tokenId";

/**
 * Each member address's activity and cash movements (issue 18 items 2 and 8), derived per transaction: a
 * transaction's events are gathered as they are applied and, once the transaction ends, classified together (a
 * currency transfer is a funding's payment when the same transaction funded, a claim when settlement paid a claim,
 * …). Rows are append-only (`a/<address>/<checkpoint>`, `cm/<address>/<checkpoint>`, the checkpoint of the log that
 * made the row), written through the batch's {@link StateTx} so that a reorganisation undoes them like any record.
 */

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** The events the rows are made from; every other event is not gathered. */
type Gathered = Extract<
  ChainbillEvent,
  {
    name:
      | "ReceivableConfirmed"
      | "Transfer"
      | "TransferValue"
      | "Funded"
      | "Repaid"
      | "Claimed"
      | "SlotOverdue"
      | "RecourseRecorded"
      | "RecourseTaken"
      | "RecourseClaimRouted"
      | "RecoursePaid"
      | "RequestApproved";
  }
>;

const GATHERED = new Set<string>([
  "ReceivableConfirmed",
  "Transfer",
  "TransferValue",
  "Funded",
  "Repaid",
  "Claimed",
  "SlotOverdue",
  "RecourseRecorded",
  "RecourseTaken",
  "RecourseClaimRouted",
  "RecoursePaid",
  "RequestApproved",
]);

interface Noted {
  event: Gathered;
  log: RawLog;
}

function isGathered(event: ChainbillEvent): event is Gathered {
  return GATHERED.has(event.name);
}

/** What one transaction did, by the events that classify the others. */
interface TransactionFacts {
  funded: Array<Extract<Gathered, { name: "Funded" }>>;
  repaid: Array<Extract<Gathered, { name: "Repaid" }>>;
  claimed: Array<Extract<Gathered, { name: "Claimed" }>>;
  routed: Array<Extract<Gathered, { name: "RecourseClaimRouted" }>>;
  recoursePaid: Array<Extract<Gathered, { name: "RecoursePaid" }>>;
  taken: Array<Extract<Gathered, { name: "RecourseTaken" }>>;
  confirmed: boolean;
}

/** The rows one batch is gathering: the current transaction's events, and the rows of the batch so far by key. */
export class ActivityGatherer {
  private noted: Noted[] = [];
  private transaction = "";
  /** Keys written by this batch: a log that would make the same row twice (an address on both sides) makes it once. */
  private readonly written = new Set<string>();

  constructor(private readonly tx: StateTx) {}

  /**
   * Before an event is applied: a new transaction first turns the previous one's events into rows, while the
   * records are as that transaction left them.
   */
  begin(log: RawLog): void {
    if (log.transactionHash === this.transaction) return;
    this.flush();
    this.transaction = log.transactionHash;
  }

  /** Notes an applied event of the current transaction. */
  note(event: ChainbillEvent, log: RawLog): void {
    if (isGathered(event)) this.noted.push({ event, log });
  }

  /** Writes the rows of the transaction gathered so far. */
  flush(): void {
    if (this.noted.length === 0) return;
    const noted = this.noted;
    this.noted = [];
    const facts = factsOf(noted);
    for (const { event, log } of noted) this.rowsOf(event, log, facts);
  }

  private activity(address: string, log: RawLog, row: Omit<ActivityRow, "transactionHash" | "block">): void {
    if (address === ZERO_ADDRESS) return;
    const key = keys.activity(address.toLowerCase(), checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex));
    if (this.written.has(key)) return;
    this.written.add(key);
    this.tx.append(key, codecs.activity.encode({ ...row, transactionHash: log.transactionHash, block: log.blockNumber }));
  }

  /** A receivable's own row (a repayment, its overdue mark): its holders' activity reads it (queries.ts). */
  private slotActivity(slot: bigint, log: RawLog, row: Omit<ActivityRow, "transactionHash" | "block">): void {
    const key = keys.slotActivity(slot, checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex));
    if (this.written.has(key)) return;
    this.written.add(key);
    this.tx.append(key, codecs.activity.encode({ ...row, transactionHash: log.transactionHash, block: log.blockNumber }));
  }

  private cash(address: string, log: RawLog, row: Omit<CashRow, "transactionHash" | "block">): void {
    const key = keys.cash(address.toLowerCase(), checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex));
    if (this.written.has(key)) return;
    this.written.add(key);
    this.tx.append(key, codecs.cash.encode({ ...row, transactionHash: log.transactionHash, block: log.blockNumber }));
  }

  /** The owner of a piece as the batch holds it now (every piece an event names was loaded for its handler). */
  private ownerOf(tokenId: bigint): { owner: string; value: bigint } | undefined {
    const piece = this.tx.getRecord(keys.token(tokenId), codecs.token);
    return piece === undefined ? undefined : { owner: piece.owner, value: piece.value };
  }

  private rowsOf(event: Gathered, log: RawLog, facts: TransactionFacts): void {
    const piece = (kind: ActivityKind, tokenId: bigint | null, slot: bigint | null, amount: bigint, counterparty: string | null) => ({
      kind,
      tokenId,
      slot,
      amount,
      value: null,
      counterparty,
    });
    switch (event.name) {
      case "ReceivableConfirmed": {
        const first = firstPieceOf(event.slot);
        const face = event.confirmation.faceValue;
        this.activity(event.anchor, log, piece("confirmed", first, event.slot, face, event.confirmation.supplier));
        this.activity(event.confirmation.supplier, log, piece("received", first, event.slot, face, event.anchor));
        return;
      }
      case "TransferValue": {
        // A funding's own movement is the funding's row; a confirmation's mint is the confirmation's.
        if (facts.funded.length > 0 || event.fromTokenId === 0n || event.toTokenId === 0n || event.value === 0n) return;
        const from = this.ownerOf(event.fromTokenId);
        const to = this.ownerOf(event.toTokenId);
        if (from === undefined || to === undefined || from.owner === to.owner) return;
        const slot = event.fromTokenId >> 32n;
        this.activity(from.owner, log, piece("sent", event.fromTokenId, slot, event.value, to.owner));
        this.activity(to.owner, log, piece("received", event.toTokenId, slot, event.value, from.owner));
        return;
      }
      case "Transfer": {
        if (event.contract === "currency") return this.cashOf(event, log, facts);
        // A whole piece changing hands (mints and burns are the value transfers' rows, fundings the funding's).
        if (facts.funded.length > 0 || event.from === ZERO_ADDRESS || event.to === ZERO_ADDRESS || event.from === event.to) return;
        const moved = this.ownerOf(event.tokenId);
        const value = moved?.value ?? 0n;
        const slot = event.tokenId >> 32n;
        this.activity(event.from, log, piece("sent", event.tokenId, slot, value, event.to));
        this.activity(event.to, log, piece("received", event.tokenId, slot, value, event.from));
        return;
      }
      case "Funded": {
        const slot = event.tokenId >> 32n;
        this.activity(event.holder, log, { ...piece("financed", event.tokenId, slot, event.price, event.factor), value: event.value });
        this.activity(event.factor, log, { ...piece("funded", event.fundedTokenId, slot, event.price, event.holder), value: event.value });
        return;
      }
      case "Repaid": {
        const record = this.tx.getRecord(keys.slot(event.slot), codecs.slot);
        this.activity(event.payer, log, piece("repaid", null, event.slot, event.amount, null));
        if (record !== undefined && record.anchor !== event.payer)
          this.activity(record.anchor, log, piece("repaid", null, event.slot, event.amount, event.payer));
        this.slotActivity(event.slot, log, piece("repaid", null, event.slot, event.amount, record?.anchor ?? event.payer));
        return;
      }
      case "Claimed": {
        const slot = event.tokenId >> 32n;
        this.activity(event.holder, log, piece("claimed", event.tokenId, slot, event.amount, null));
        const key = keys.claimedFrom(event.holder.toLowerCase(), slot, checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex));
        if (!this.written.has(key)) {
          this.written.add(key);
          this.tx.append(key, "");
        }
        return;
      }
      case "SlotOverdue": {
        const record = this.tx.getRecord(keys.slot(event.slot), codecs.slot);
        if (record !== undefined) this.activity(record.anchor, log, piece("overdue", null, event.slot, event.faceValue - event.repaid, null));
        this.slotActivity(event.slot, log, piece("overdue", null, event.slot, event.faceValue - event.repaid, record?.anchor ?? null));
        return;
      }
      case "RecourseRecorded": {
        const funding = this.fundingOf(event.fundingId);
        if (funding === undefined) return;
        const slot = event.fundedTokenId >> 32n;
        this.activity(funding.factor, log, piece("recourseDemanded", event.fundedTokenId, slot, event.amount, funding.holder));
        this.activity(funding.holder, log, piece("recourseDemanded", event.fundedTokenId, slot, event.amount, funding.factor));
        return;
      }
      case "RecourseTaken": {
        const slot = event.tokenId >> 32n;
        this.activity(event.seller, log, piece("recoursePaid", event.tokenId, slot, event.amount, event.holder));
        this.activity(event.holder, log, piece("recourseReceived", event.tokenId, slot, event.amount, event.seller));
        return;
      }
      case "RecourseClaimRouted":
        this.activity(event.seller, log, piece("recourseRouted", event.tokenId, event.tokenId >> 32n, event.amount, null));
        return;
      case "RequestApproved":
        this.activity(event.holder, log, piece("requested", null, null, 0n, null));
        return;
      case "RecoursePaid":
        // Settlement's RecourseTaken in the same transaction names both sides.
        return;
    }
  }

  /** A recourse names its funding by id: the funding row, loaded by the recourse's handler. */
  private fundingOf(fundingId: string): { factor: string; holder: string } | undefined {
    const rowKey = this.tx.get(keys.fundingIndex(fundingId));
    if (rowKey === undefined) return undefined;
    const row = this.tx.getRecord(rowKey, codecs.funding);
    return row === undefined ? undefined : { factor: row.factor, holder: row.holder };
  }

  /** A currency transfer as each side's cash movement, classified by what else the transaction did. */
  private cashOf(event: Extract<Gathered, { contract: "currency"; name: "Transfer" }>, log: RawLog, facts: TransactionFacts): void {
    const { from, to, value } = event;
    const system = this.tx.getRecord(keys.system, codecs.system);
    const settlement = system?.settlement ?? null;
    const financing = system?.financing ?? null;
    const isSystem = (address: string) => address === settlement || address === financing;
    let outKind: CashKind = "transfer";
    let inKind: CashKind = "transfer";
    let tokenId: bigint | null = null;
    let slot: bigint | null = null;
    const funding = facts.funded.find((f) => f.factor === from && f.holder === to);
    const repayment = to === settlement ? facts.repaid.find((r) => r.payer === from) : undefined;
    const recourse = facts.taken.find((t) => t.seller === from && t.holder === to);
    if (from === ZERO_ADDRESS) inKind = "issued";
    else if (to === ZERO_ADDRESS) outKind = "redeemed";
    else if (funding !== undefined) {
      [outKind, inKind, tokenId] = ["fundingPaid", "fundingReceived", funding.fundedTokenId];
    } else if (repayment !== undefined) {
      [outKind, slot] = ["repayment", repayment.slot];
    } else if (recourse !== undefined || (facts.recoursePaid.length > 0 && !isSystem(from))) {
      [outKind, inKind, tokenId] = ["recoursePaid", "recourseReceived", recourse?.tokenId ?? facts.recoursePaid[0].fundedTokenId];
    } else if (from === settlement) {
      const routed = facts.routed.find((r) => r.seller === to);
      const claim = facts.claimed.find((c) => c.holder === to);
      if (routed !== undefined) [inKind, tokenId] = ["recourseRouted", routed.tokenId];
      else if (claim !== undefined) [inKind, tokenId] = ["claim", claim.tokenId];
    }
    if (tokenId !== null) slot = tokenId >> 32n;
    if (from !== ZERO_ADDRESS && !isSystem(from))
      this.cash(from, log, { kind: outKind, direction: "out", amount: value, counterparty: to === ZERO_ADDRESS ? null : to, tokenId, slot });
    if (to !== ZERO_ADDRESS && !isSystem(to))
      this.cash(to, log, { kind: inKind, direction: "in", amount: value, counterparty: from === ZERO_ADDRESS ? null : from, tokenId, slot });
  }
}

function factsOf(noted: readonly Noted[]): TransactionFacts {
  const facts: TransactionFacts = { funded: [], repaid: [], claimed: [], routed: [], recoursePaid: [], taken: [], confirmed: false };
  for (const { event } of noted) {
    switch (event.name) {
      case "Funded":
        facts.funded.push(event);
        break;
      case "Repaid":
        facts.repaid.push(event);
        break;
      case "Claimed":
        facts.claimed.push(event);
        break;
      case "RecourseClaimRouted":
        facts.routed.push(event);
        break;
      case "RecoursePaid":
        facts.recoursePaid.push(event);
        break;
      case "RecourseTaken":
        facts.taken.push(event);
        break;
      case "ReceivableConfirmed":
        facts.confirmed = true;
        break;
      default:
        break;
    }
  }
  return facts;
}
