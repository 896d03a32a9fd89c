import { getAddress } from "ethers";
import type { ChainPosition, Finding } from "../findings";
import type { AuditResult } from "../run";
import type { CashKind, PieceOrigin } from "../replay";

/**
 * The figures every form of the report shows (JSON for programs, HTML for people, CSV for accountants), computed
 * once from the audit's result. Amounts stay bigint minor units here; each writer formats them.
 */

export interface ExposureRow {
  /** "member 2" for an anchor, "2026-03" for a maturity month. */
  key: string;
  /** The key for people: the anchor's name when the audit knows it ("member #2 (0x…)" otherwise), the month. */
  label: string;
  receivables: number;
  faceValue: bigint;
  repaid: bigint;
  /** Face value not yet repaid. */
  outstanding: bigint;
  /** Value factors bought. */
  funded: bigint;
  /** Receivables past maturity with something unpaid. */
  pastDueUnpaid: number;
}

export interface DepthRow {
  /** 0: the first piece (tier 1); 1: split once (tier 2); ... */
  depth: number;
  pieces: number;
  /** Value passed into pieces at this depth when they were created. */
  valuePassed: bigint;
  /** Value still held at this depth at the audited block. */
  valueLive: bigint;
}

export interface MemberPosition {
  memberId: number;
  /** The member for people: its name when the audit knows it, "member #2 (0x…)" otherwise; "" for an account of no member. */
  name: string;
  account: string;
  /** Settlement-currency balance at the audited block. */
  cash: bigint;
  /** Value of live receivable pieces held. */
  receivables: bigint;
  pieces: number;
}

export interface HoldingRow {
  memberId: number;
  account: string;
  tokenId: bigint;
  slot: bigint;
  anchorId: number;
  maturity: bigint;
  value: bigint;
  claimed: bigint;
}

export interface CashRow {
  kind: CashKind;
  at: ChainPosition;
  /** Unix seconds, when known. */
  time?: bigint;
  from: string;
  fromMember: number;
  to: string;
  toMember: number;
  amount: bigint;
  slot: bigint;
  tokenId?: bigint;
}

export interface LineageStep {
  tokenId: bigint;
  origin: PieceOrigin;
  from: string;
  fromMember: number;
  to: string;
  toMember: number;
  /** Who passed the value and who received it, for people (names when the audit knows them). */
  fromName: string;
  toName: string;
  value: bigint;
  at: ChainPosition;
  status: string;
  invoiceHash?: string;
  logisticsHash?: string;
  /** The invoice's and the waybill's numbers, when the document check read them. */
  invoiceNumber?: string;
  waybillNumber?: string;
}

export interface FlaggedLineage {
  tokenId: bigint;
  /** Root first. */
  steps: LineageStep[];
}

export interface ReportFigures {
  totals: {
    events: number;
    logs: number;
    members: number;
    receivables: number;
    pieces: { live: number; redeemed: number; burned: number };
    faceValue: bigint;
    repaid: bigint;
    claimed: bigint;
    fundings: number;
    fundedValue: bigint;
    fundingPrice: bigint;
    currencySupply: bigint;
    currencyIssued: bigint;
    currencyRedeemed: bigint;
  };
  findingsByCode: Array<{ code: string; count: number }>;
  exposureByAnchor: ExposureRow[];
  exposureByMaturityMonth: ExposureRow[];
  depth: DepthRow[];
  positions: MemberPosition[];
  holdings: HoldingRow[];
  cash: CashRow[];
  lineages: FlaggedLineage[];
}

/** "2026-03" for a unix time. */
export function monthOf(time: bigint): string {
  return new Date(Number(time) * 1000).toISOString().slice(0, 7);
}

function emptyExposure(key: string, label: string = key): ExposureRow {
  return { key, label, receivables: 0, faceValue: 0n, repaid: 0n, outstanding: 0n, funded: 0n, pastDueUnpaid: 0 };
}

/** Addresses for people: checksummed (the replay keeps them lower case), each computed once. */
function checksummer(): (address: string) => string {
  const cache = new Map<string, string>();
  return (address) => {
    let shown = cache.get(address);
    if (shown === undefined) {
      shown = getAddress(address);
      cache.set(address, shown);
    }
    return shown;
  };
}

export function figuresOf(result: AuditResult): ReportFigures {
  const { replay } = result;
  const show = checksummer();
  const memberOf = (account: string): number => replay.members.memberIdOf(account);
  const nameOf = (account: string): string => (memberOf(account) === 0 ? "" : replay.words.account(account));

  const byAnchor = new Map<number, ExposureRow>();
  const byMonth = new Map<string, ExposureRow>();
  let faceValue = 0n;
  let repaid = 0n;
  let claimed = 0n;
  for (const slot of replay.slots.values()) {
    faceValue += slot.faceValue;
    repaid += slot.repaid;
    claimed += slot.claimed;
    const pastDue = slot.maturity <= result.blockTime && slot.repaid < slot.faceValue;
    const add = (row: ExposureRow): ExposureRow => {
      row.receivables += 1;
      row.faceValue += slot.faceValue;
      row.repaid += slot.repaid;
      row.outstanding += slot.faceValue - slot.repaid;
      row.funded += slot.fundedValue;
      if (pastDue) row.pastDueUnpaid += 1;
      return row;
    };
    byAnchor.set(slot.anchorId, add(byAnchor.get(slot.anchorId) ?? emptyExposure(`member ${slot.anchorId}`, replay.words.member(slot.anchorId))));
    const month = monthOf(slot.maturity);
    byMonth.set(month, add(byMonth.get(month) ?? emptyExposure(month)));
  }

  const depth = new Map<number, DepthRow>();
  const positions = new Map<string, MemberPosition>();
  const holdings: HoldingRow[] = [];
  const pieceCounts = { live: 0, redeemed: 0, burned: 0 };
  for (const piece of replay.pieces.values()) {
    pieceCounts[piece.status] += 1;
    const row = depth.get(piece.depth) ?? { depth: piece.depth, pieces: 0, valuePassed: 0n, valueLive: 0n };
    row.pieces += 1;
    row.valuePassed += piece.initialValue;
    if (piece.status === "live") row.valueLive += piece.value;
    depth.set(piece.depth, row);
    if (piece.status !== "live") continue;
    const slot = replay.slots.get(piece.slot);
    const memberId = memberOf(piece.owner);
    holdings.push({
      memberId,
      account: show(piece.owner),
      tokenId: piece.tokenId,
      slot: piece.slot,
      anchorId: slot?.anchorId ?? 0,
      maturity: slot?.maturity ?? 0n,
      value: piece.value,
      claimed: piece.claimed,
    });
    const position = positions.get(piece.owner) ?? {
      memberId,
      name: nameOf(piece.owner),
      account: show(piece.owner),
      cash: 0n,
      receivables: 0n,
      pieces: 0,
    };
    position.receivables += piece.value;
    position.pieces += 1;
    positions.set(piece.owner, position);
  }
  for (const [account, balance] of replay.balances) {
    const position = positions.get(account) ?? {
      memberId: memberOf(account),
      name: nameOf(account),
      account: show(account),
      cash: 0n,
      receivables: 0n,
      pieces: 0,
    };
    position.cash = balance;
    positions.set(account, position);
  }

  const cash: CashRow[] = replay.cash.map((movement) => {
    const time = result.blockTimes.get(movement.at.block);
    return {
      kind: movement.kind,
      at: movement.at,
      ...(time === undefined ? {} : { time }),
      from: show(movement.from),
      fromMember: memberOf(movement.from),
      to: show(movement.to),
      toMember: memberOf(movement.to),
      amount: movement.amount,
      slot: movement.slot,
      ...(movement.tokenId === undefined ? {} : { tokenId: movement.tokenId }),
    };
  });

  const codes = new Map<string, number>();
  for (const finding of result.findings) codes.set(finding.code, (codes.get(finding.code) ?? 0) + 1);

  return {
    totals: {
      events: replay.eventsReplayed,
      logs: result.logCount,
      members: replay.members.members.size,
      receivables: replay.slots.size,
      pieces: pieceCounts,
      faceValue,
      repaid,
      claimed,
      fundings: replay.fundings.length,
      fundedValue: replay.fundings.reduce((sum, funding) => sum + funding.value, 0n),
      fundingPrice: replay.fundings.reduce((sum, funding) => sum + funding.price, 0n),
      currencySupply: replay.supply,
      currencyIssued: replay.issued,
      currencyRedeemed: replay.redeemed,
    },
    findingsByCode: [...codes].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    exposureByAnchor: [...byAnchor.entries()].sort(([a], [b]) => a - b).map(([, row]) => row),
    exposureByMaturityMonth: [...byMonth.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, row]) => row),
    depth: [...depth.values()].sort((a, b) => a.depth - b.depth),
    positions: [...positions.values()].sort((a, b) => a.memberId - b.memberId || a.account.localeCompare(b.account)),
    holdings: holdings.sort((a, b) => a.memberId - b.memberId || (a.tokenId < b.tokenId ? -1 : a.tokenId > b.tokenId ? 1 : 0)),
    cash,
    lineages: lineagesOf(result, result.findings, show),
  };
}

/** The lineage of every piece a finding names, root first. */
function lineagesOf(result: AuditResult, findings: readonly Finding[], show: (address: string) => string): FlaggedLineage[] {
  const { replay } = result;
  const words = replay.words;
  const numberOf = (hash: string): string | undefined => result.documentNumbers.get(hash.toLowerCase())?.number;
  // A transfer's documents are its own; the first piece's are its receivable's (the confirmation's).
  const documentsOf = (piece: { tokenId: bigint; slot: bigint; proof?: { invoiceHash: string; logisticsHash: string } }) => {
    const slot = replay.slots.get(piece.slot);
    const proof = piece.proof ?? (slot !== undefined && slot.rootTokenId === piece.tokenId ? slot : undefined);
    if (proof === undefined) return {};
    const invoiceNumber = numberOf(proof.invoiceHash);
    const waybillNumber = numberOf(proof.logisticsHash);
    return {
      invoiceHash: proof.invoiceHash,
      logisticsHash: proof.logisticsHash,
      ...(invoiceNumber === undefined ? {} : { invoiceNumber }),
      ...(waybillNumber === undefined ? {} : { waybillNumber }),
    };
  };
  const flagged = [...new Set(findings.flatMap((finding) => (finding.tokenId === undefined ? [] : [finding.tokenId])))];
  return flagged.map((tokenId) => {
    const steps: LineageStep[] = [];
    for (let current = tokenId; current !== 0n && steps.length < 10_000;) {
      const piece = replay.pieces.get(current);
      if (piece === undefined) break;
      steps.unshift({
        tokenId: piece.tokenId,
        origin: piece.origin,
        from: show(piece.createdFrom),
        fromMember: replay.members.memberIdOf(piece.createdFrom),
        to: show(piece.firstOwner),
        toMember: replay.members.memberIdOf(piece.firstOwner),
        fromName: words.account(piece.createdFrom),
        toName: words.account(piece.firstOwner),
        value: piece.initialValue,
        at: piece.createdAt,
        status:
          piece.status === "live"
            ? `live, held by ${words.account(piece.owner)} with ${words.cny(piece.value)}`
            : piece.status === "redeemed"
              ? "paid and retired"
              : "emptied by a split or merge",
        ...documentsOf(piece),
      });
      current = piece.parent;
    }
    return { tokenId, steps };
  });
}
