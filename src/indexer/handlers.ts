import type { ChainbillEvent, RawLog } from "../chain/events";
import { tokensOfEvent } from "../chain/events";
import type { StateTx } from "./store";
import { INITIAL_SYSTEM, checkpointOf, codecs, encodeHistoryLog, keys } from "./schema";
import type { Codec, FundingRow, HoldingRow, MemberRecord, SlotRecord, SystemRecord, TokenRecord } from "./schema";

/**
 * The handlers: from one decoded event to the derived records (pieces, receivables, holdings, the factors' books,
 * members, currency balances, histories). They read and write only through the batch's {@link StateTx} and never
 * call a contract: each event carries what its change needs. Records are replaced, never mutated in place, so the
 * undo log sees every value as it was.
 */

/** The event contradicts what the index holds: a bug, or logs missed or applied twice. Not retryable. */
export class IndexInconsistencyError extends Error {
  readonly name = "IndexInconsistencyError";
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

class Records {
  constructor(
    readonly tx: StateTx,
    readonly block: number,
    readonly buckets: BucketChanges,
  ) {}

  read<T>(key: string, codec: Codec<T>): T | undefined | Promise<T | undefined> {
    return this.tx.getRecord(key, codec);
  }

  async need<T>(key: string, codec: Codec<T>, what: string): Promise<T> {
    const value = await this.read(key, codec);
    if (value === undefined) throw new IndexInconsistencyError(`${what} is not in the index (block ${this.block})`);
    return value;
  }

  write<T>(key: string, codec: Codec<T>, value: T): void | Promise<void> {
    return this.tx.putRecord(key, codec, value);
  }

  async system(): Promise<SystemRecord> {
    return (await this.read(keys.system, codecs.system)) ?? INITIAL_SYSTEM;
  }
}

/**
 * Changes to an owner's holding totals and buckets, summed per key over the events of one {@link applyEvents} call
 * and written once at its end: the same records as writing after each event (the last change's block stamps the
 * totals; a bucket back at zero is deleted), with a read and a write per key instead of per event.
 */
interface BucketChange {
  count: number;
  value: bigint;
  stamped: boolean;
  block: number;
}

type BucketChanges = Map<string, BucketChange>;

function addToBucket(changes: BucketChanges, block: number, key: string, count: number, value: bigint, stamped: boolean): void {
  const change = changes.get(key);
  if (change === undefined) changes.set(key, { count, value, stamped, block });
  else {
    change.count += count;
    change.value += value;
    change.block = block;
  }
}

async function writeBuckets(tx: StateTx, changes: BucketChanges): Promise<void> {
  for (const [key, change] of changes) {
    const codec = change.stamped ? codecs.holdingTotals : codecs.bucket;
    const before = (await tx.getRecord(key, codec)) ?? { count: 0, value: 0n };
    const after = { count: before.count + change.count, value: before.value + change.value };
    if (after.count < 0 || after.value < 0n) throw new IndexInconsistencyError(`holding bucket ${key} would go negative (block ${change.block})`);
    if (after.count === 0 && after.value === 0n) await tx.del(key);
    else if (change.stamped) await tx.putRecord(key, codecs.holdingTotals, { ...after, updatedAtBlock: change.block });
    else await tx.putRecord(key, codecs.bucket, after);
  }
  changes.clear();
}

/** Changes an owner's totals (all, by anchor, by maturity) by `count` pieces and `value`. */
async function countHolding(r: Records, owner: string, slot: SlotRecord, count: number, value: bigint): Promise<void> {
  if (count === 0 && value === 0n) return;
  addToBucket(r.buckets, r.block, keys.holdingTotals(owner), count, value, true);
  addToBucket(r.buckets, r.block, keys.holdingByAnchor(owner, slot.anchorId), count, value, false);
  addToBucket(r.buckets, r.block, keys.holdingByMaturity(owner, slot.maturity), count, value, false);
}

/** Replaces a piece's record and keeps its holder's holdings in step. */
async function saveToken(r: Records, before: TokenRecord | undefined, after: TokenRecord): Promise<void> {
  const slot = await r.need(keys.slot(after.slot), codecs.slot, `slot ${after.slot}`);
  const wasLive = before !== undefined && before.status === "live";
  const isLive = after.status === "live";
  if (wasLive && isLive && before.owner === after.owner) {
    await countHolding(r, after.owner, slot, 0, after.value - before.value);
  } else {
    if (wasLive) await countHolding(r, before.owner, slot, -1, -before.value);
    if (isLive) await countHolding(r, after.owner, slot, 1, after.value);
  }
  if (wasLive && (!isLive || before.owner !== after.owner)) await r.tx.del(keys.holding(before.owner, before.tokenId));
  if (isLive) {
    const row: HoldingRow = { tokenId: after.tokenId, slot: after.slot, value: after.value, anchorId: slot.anchorId, maturity: slot.maturity };
    // A new piece (minted: token ids are never reused) has no records yet: no read needed for their undo.
    if (before === undefined) r.tx.insertRecord(keys.holding(after.owner, after.tokenId), codecs.holding, row);
    else await r.write(keys.holding(after.owner, after.tokenId), codecs.holding, row);
  }
  if (before === undefined) r.tx.insertRecord(keys.token(after.tokenId), codecs.token, { ...after, updatedAtBlock: r.block });
  else await r.write(keys.token(after.tokenId), codecs.token, { ...after, updatedAtBlock: r.block });
}

async function updateSlot(r: Records, slotId: bigint, change: (slot: SlotRecord) => Partial<SlotRecord>): Promise<void> {
  const slot = await r.need(keys.slot(slotId), codecs.slot, `slot ${slotId}`);
  await r.write(keys.slot(slotId), codecs.slot, { ...slot, ...change(slot), updatedAtBlock: r.block });
}

async function updateMember(r: Records, memberId: number, change: (member: MemberRecord) => Partial<MemberRecord>): Promise<void> {
  const member = await r.need(keys.member(memberId), codecs.member, `member ${memberId}`);
  await r.write(keys.member(memberId), codecs.member, { ...member, ...change(member), updatedAtBlock: r.block });
}

async function updateSystem(r: Records, change: (system: SystemRecord) => Partial<SystemRecord>): Promise<void> {
  const system = await r.system();
  await r.write(keys.system, codecs.system, { ...system, ...change(system) });
}

async function addBalance(r: Records, address: string, delta: bigint): Promise<void> {
  if (address === ZERO_ADDRESS) return;
  const before = BigInt((await r.tx.get(keys.balance(address))) ?? "0");
  const after = before + delta;
  if (after < 0n) throw new IndexInconsistencyError(`currency balance of ${address} would go negative`);
  if (after === 0n) await r.tx.del(keys.balance(address));
  else await r.tx.put(keys.balance(address), after.toString());
}

function withOrWithout(list: readonly string[], item: string, present: boolean): string[] {
  const others = list.filter((entry) => entry !== item);
  return present ? [...others, item] : others;
}

async function onTokenTransfer(r: Records, from: string, to: string, tokenId: bigint): Promise<void> {
  if (from === ZERO_ADDRESS) {
    const slotId = tokenId >> 32n;
    const created: TokenRecord = {
      tokenId,
      slot: slotId,
      owner: to,
      value: 0n,
      parent: null,
      status: "live",
      received: 0n,
      tradeProof: null,
      createdAtBlock: r.block,
      updatedAtBlock: r.block,
    };
    await updateSlot(r, slotId, (slot) => ({ pieceCount: Math.max(slot.pieceCount, Number(tokenId & 0xffffffffn)), liveCount: slot.liveCount + 1 }));
    await saveToken(r, undefined, created);
    return;
  }
  const before = await r.need(keys.token(tokenId), codecs.token, `piece ${tokenId}`);
  if (to === ZERO_ADDRESS && before.status === "redeemed" && before.owner === from) return;
  if (before.status !== "live" || before.owner !== from) throw new IndexInconsistencyError(`piece ${tokenId} moved from ${from}, which does not hold it`);
  if (to === ZERO_ADDRESS) {
    // Emptied by a split or merge. (A redemption has already marked the piece redeemed and is not live.)
    await updateSlot(r, before.slot, (slot) => ({ liveCount: slot.liveCount - 1 }));
    await saveToken(r, before, { ...before, status: "burned" });
    return;
  }
  await saveToken(r, before, { ...before, owner: to });
}

async function onTransferValue(r: Records, fromTokenId: bigint, toTokenId: bigint, value: bigint): Promise<void> {
  if (fromTokenId !== 0n) {
    const source = await r.need(keys.token(fromTokenId), codecs.token, `piece ${fromTokenId}`);
    if (source.status !== "live" || source.value < value) throw new IndexInconsistencyError(`piece ${fromTokenId} has ${source.value}, cannot give ${value}`);
    if (toTokenId === 0n) {
      // Settlement redeemed the piece (paid in full); its Transfer to the zero address follows.
      await updateSlot(r, source.slot, (slot) => ({ redeemedValue: slot.redeemedValue + value, liveCount: slot.liveCount - 1 }));
      await saveToken(r, source, { ...source, value: source.value - value, status: "redeemed" });
      return;
    }
    await saveToken(r, source, { ...source, value: source.value - value });
  }
  const target = await r.need(keys.token(toTokenId), codecs.token, `piece ${toTokenId}`);
  const created = target.parent === null;
  if (created && fromTokenId !== 0n) r.tx.insert(keys.child(fromTokenId, toTokenId), "");
  await saveToken(r, target, { ...target, value: target.value + value, parent: created ? fromTokenId : target.parent });
}

/**
 * Applies events in chain order (`log` positions each; histories keep the log itself). Everything they change is
 * in `tx` when it resolves; with undo recording, call it once per block.
 */
export async function applyEvents(tx: StateTx, events: ReadonlyArray<{ event: ChainbillEvent; log: RawLog }>): Promise<void> {
  const buckets: BucketChanges = new Map();
  for (const { event, log } of events) await applyEvent(tx, event, log, buckets);
  await writeBuckets(tx, buckets);
}

async function applyEvent(tx: StateTx, event: ChainbillEvent, log: RawLog, buckets: BucketChanges): Promise<void> {
  const r = new Records(tx, log.blockNumber, buckets);
  const checkpoint = checkpointOf(log.blockNumber, log.transactionIndex, log.logIndex);
  const tokens = tokensOfEvent(event);
  if (tokens.length > 0) {
    const stored = encodeHistoryLog(event.contract, log);
    for (const tokenId of tokens) tx.insert(keys.history(tokenId, checkpoint), stored);
  }

  switch (event.contract) {
    case "registry":
      switch (event.name) {
        case "MemberAdmitted":
          await r.write(keys.member(event.memberId), codecs.member, {
            memberId: event.memberId,
            leiHash: event.leiHash,
            roles: event.roles,
            status: "ACTIVE",
            kycValidUntil: event.kycValidUntil,
            accounts: [event.account],
            updatedAtBlock: r.block,
          });
          await tx.put(keys.account(event.account), String(event.memberId));
          return;
        case "RoleGranted":
        case "RoleRevoked":
          return updateMember(r, event.memberId, () => ({ roles: event.roles }));
        case "AccountAdded":
          await updateMember(r, event.memberId, (member) => ({ accounts: [...member.accounts, event.account] }));
          await tx.put(keys.account(event.account), String(event.memberId));
          return;
        case "AccountRemoved":
          await updateMember(r, event.memberId, (member) => {
            // The registry moves its last address into the removed one's place.
            const accounts = [...member.accounts];
            const index = accounts.indexOf(event.account);
            if (index < 0) throw new IndexInconsistencyError(`member ${event.memberId} has no address ${event.account}`);
            accounts[index] = accounts[accounts.length - 1];
            accounts.pop();
            return { accounts };
          });
          await tx.del(keys.account(event.account));
          return;
        case "MemberSuspended":
          return updateMember(r, event.memberId, () => ({ status: "SUSPENDED" }));
        case "MemberReinstated":
          return updateMember(r, event.memberId, () => ({ status: "ACTIVE" }));
        case "KycRenewed":
          return updateMember(r, event.memberId, () => ({ kycValidUntil: event.kycValidUntil }));
      }
      return;
    case "token":
      switch (event.name) {
        case "ReceivableConfirmed": {
          const c = event.confirmation;
          const slot: SlotRecord = {
            slot: event.slot,
            anchorId: event.anchorId,
            anchor: event.anchor,
            supplierId: event.supplierId,
            supplier: c.supplier,
            faceValue: c.faceValue,
            maturity: c.maturity,
            currency: c.currency,
            invoiceHash: c.invoiceHash,
            logisticsHash: c.logisticsHash,
            invoiceFingerprint: c.invoiceFingerprint,
            pieceCount: 0,
            liveCount: 0,
            repaid: 0n,
            claimed: 0n,
            redeemedValue: 0n,
            fundedValue: 0n,
            fundingCount: 0,
            overdueFlagged: false,
            overdueCured: false,
            confirmedAtBlock: r.block,
            updatedAtBlock: r.block,
          };
          tx.insertRecord(keys.slot(event.slot), codecs.slot, slot);
          return;
        }
        case "Transfer":
          return onTokenTransfer(r, event.from, event.to, event.tokenId);
        case "TransferValue":
          return onTransferValue(r, event.fromTokenId, event.toTokenId, event.value);
        case "TradeProofRecorded": {
          const token = await r.need(keys.token(event.tokenId), codecs.token, `piece ${event.tokenId}`);
          const tradeProof = { invoiceFingerprint: event.invoiceFingerprint, invoiceHash: event.invoiceHash, logisticsHash: event.logisticsHash };
          await r.write(keys.token(event.tokenId), codecs.token, { ...token, tradeProof, updatedAtBlock: r.block });
          return;
        }
        case "SystemContractBound":
          return updateSystem(r, () => (event.kind === 0 ? { financing: event.account } : { settlement: event.account }));
        case "Paused":
        case "Unpaused":
          return updateSystem(r, () => ({ paused: event.name === "Paused" }));
        case "SlotChanged":
        case "Approval":
        case "ApprovalForAll":
        case "ApprovalValue":
          // Approvals and the slot (read off the id) change no derived record; the piece's history keeps them.
          return;
      }
      return;
    case "settlement":
      switch (event.name) {
        case "Repaid":
          return updateSlot(r, event.slot, () => ({ repaid: event.repaidTotal }));
        case "Claimed": {
          const token = await r.need(keys.token(event.tokenId), codecs.token, `piece ${event.tokenId}`);
          await r.write(keys.token(event.tokenId), codecs.token, { ...token, received: event.claimedTotal, updatedAtBlock: r.block });
          return updateSlot(r, event.tokenId >> 32n, (slot) => ({ claimed: slot.claimed + event.amount }));
        }
        case "SlotOverdue":
          return updateSlot(r, event.slot, () => ({ overdueFlagged: true }));
        case "OverdueCured":
          return updateSlot(r, event.slot, () => ({ overdueCured: true }));
        case "GracePeriodSet":
          return updateSystem(r, () => ({ gracePeriod: event.gracePeriod }));
      }
      return;
    case "financing":
      switch (event.name) {
        case "Funded": {
          const row: FundingRow = {
            fundingId: event.fundingId,
            tokenId: event.tokenId,
            fundedTokenId: event.fundedTokenId,
            factor: event.factor,
            holder: event.holder,
            value: event.value,
            price: event.price,
            withRecourse: event.withRecourse,
            recourseAmount: null,
            block: r.block,
            transactionHash: log.transactionHash,
            updatedAtBlock: r.block,
          };
          const key = keys.funding(event.factor, checkpoint);
          tx.insert(key, codecs.funding.encode(row));
          tx.insert(keys.fundingIndex(event.fundingId), key);
          tx.insert(keys.tokenFunding(event.fundedTokenId, checkpoint), event.fundingId);
          const totals = (await r.read(keys.factorTotals(event.factor), codecs.factorTotals)) ?? { fundings: 0, value: 0n, price: 0n, recourse: 0n, updatedAtBlock: r.block };
          await r.write(keys.factorTotals(event.factor), codecs.factorTotals, {
            fundings: totals.fundings + 1,
            value: totals.value + event.value,
            price: totals.price + event.price,
            recourse: totals.recourse,
            updatedAtBlock: r.block,
          });
          return updateSlot(r, event.tokenId >> 32n, (slot) => ({ fundedValue: slot.fundedValue + event.value, fundingCount: slot.fundingCount + 1 }));
        }
        case "RecourseRecorded": {
          const key = await tx.get(keys.fundingIndex(event.fundingId));
          if (key === undefined) throw new IndexInconsistencyError(`recourse on unknown funding ${event.fundingId}`);
          const row = await r.need(key, codecs.funding, `funding ${event.fundingId}`);
          await r.write(key, codecs.funding, { ...row, recourseAmount: event.amount, updatedAtBlock: r.block });
          const totals = await r.need(keys.factorTotals(row.factor), codecs.factorTotals, `book of ${row.factor}`);
          await r.write(keys.factorTotals(row.factor), codecs.factorTotals, { ...totals, recourse: totals.recourse + event.amount, updatedAtBlock: r.block });
          return;
        }
        case "RequiredVerifiersSet":
          return updateSystem(r, () => ({ requiredVerifiers: event.required }));
        case "RequestApproved":
        case "NonceInvalidated":
        case "EIP712DomainChanged":
          return;
      }
      return;
    case "currency":
      switch (event.name) {
        case "Transfer":
          await addBalance(r, event.from, -event.value);
          await addBalance(r, event.to, event.value);
          if (event.from === ZERO_ADDRESS) await updateSystem(r, (s) => ({ currencySupply: s.currencySupply + event.value }));
          if (event.to === ZERO_ADDRESS) await updateSystem(r, (s) => ({ currencySupply: s.currencySupply - event.value }));
          return;
        case "Issued":
          return updateSystem(r, (s) => ({ currencyIssued: s.currencyIssued + event.amount }));
        case "Redeemed":
          return updateSystem(r, (s) => ({ currencyRedeemed: s.currencyRedeemed + event.amount }));
        case "IssuerSet":
          return updateSystem(r, (s) => ({ issuers: withOrWithout(s.issuers, event.issuer, event.allowed) }));
        case "SystemAccountSet":
          return updateSystem(r, (s) => ({ systemAccounts: withOrWithout(s.systemAccounts, event.account, event.allowed) }));
        case "Approval":
          return;
      }
      return;
  }
}
