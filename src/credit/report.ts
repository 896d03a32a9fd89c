import { getAddress, hexlify } from "ethers";
import type { Provider } from "ethers";
import type { Financing, ReceivableToken, Settlement } from "../../typechain-types";
import { statusAt } from "./status";
import type { CreditStatus, Repayment, WriteOff } from "./status";
import { slotOf } from "../chain/tokenId";

/**
 * The credit report (征信报送) at one block, derived only from the chain's events up to and including that block and
 * that block's time: for every receivable its amounts, dates and bureau status, and for every funded piece the
 * funding and the status of the receivable behind it. Nothing is read from the indexer, the API or the clock of
 * this computer, so two people building the report at the same block get the same lines.
 */

/** 2: the write-off (status WRITTEN_OFF; `writtenOffAt`, `writtenOffBlock` on every line). */
export const CREDIT_REPORT_FORMAT = "chainbill-credit-report/2";

export interface ReceivableLine {
  line: string;
  slot: string;
  anchorId: number;
  anchor: string;
  supplierId: number;
  supplier: string;
  currency: string;
  faceValue: string;
  maturity: string;
  confirmedBlock: number;
  repaid: string;
  outstanding: string;
  status: CreditStatus;
  daysPastDue: number;
  daysLate: number;
  repaidAt: string;
  /** The block time and block of the operator's write-off at or before the report's block; "" when none. */
  writtenOffAt: string;
  writtenOffBlock: string;
}

export interface FundingLine {
  line: string;
  fundingId: string;
  slot: string;
  fundedTokenId: string;
  factor: string;
  seller: string;
  value: string;
  price: string;
  withRecourse: boolean;
  fundedBlock: number;
  receivableStatus: CreditStatus;
  daysPastDue: number;
  recourseRecorded: string;
  /** The receivable's write-off, as on its line; "" when none. */
  writtenOffAt: string;
  writtenOffBlock: string;
}

export interface CreditReportBody {
  format: typeof CREDIT_REPORT_FORMAT;
  chainId: string;
  block: number;
  blockHash: string;
  blockTime: string;
  contracts: { receivableToken: string; settlement: string; financing: string };
  gracePeriod: string;
  receivables: ReceivableLine[];
  fundings: FundingLine[];
}

export interface CreditChain {
  provider: Provider;
  receivableToken: ReceivableToken;
  settlement: Settlement;
  financing: Financing;
  /** The first block of the deployment: events are read from here. */
  fromBlock: number;
}

/** The last block whose time is at or before `unixSeconds` (binary search over block times). */
export async function blockAtOrBefore(provider: Provider, unixSeconds: bigint, fromBlock: number): Promise<number> {
  let low = fromBlock;
  let high = await provider.getBlockNumber();
  const timeOf = async (number: number): Promise<bigint> => BigInt((await provider.getBlock(number))?.timestamp ?? 0);
  if ((await timeOf(low)) > unixSeconds) throw new Error(`the deployment's first block ${low} is after that time`);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((await timeOf(middle)) <= unixSeconds) low = middle;
    else high = middle - 1;
  }
  return low;
}

function currencyText(code: string): string {
  const bytes = Buffer.from(code.slice(2), "hex");
  return /^[A-Z]{3}$/u.test(bytes.toString("latin1")) ? bytes.toString("latin1") : code;
}

export async function buildCreditReport(chain: CreditChain, atBlock: number): Promise<CreditReportBody> {
  const { provider, receivableToken, settlement, financing, fromBlock } = chain;
  const block = await provider.getBlock(atBlock);
  if (block === null || block.hash === null) throw new Error(`the node has no block ${atBlock}`);
  if (atBlock < fromBlock) throw new Error(`block ${atBlock} is before the deployment (block ${fromBlock})`);
  const at = BigInt(block.timestamp);
  const chainId = (await provider.getNetwork()).chainId;

  const [confirmations, repaidEvents, graceEvents, fundedEvents, recourseEvents, writeOffEvents] = await Promise.all([
    receivableToken.queryFilter(receivableToken.filters.ReceivableConfirmed(), fromBlock, atBlock),
    settlement.queryFilter(settlement.filters.Repaid(), fromBlock, atBlock),
    settlement.queryFilter(settlement.filters.GracePeriodSet(), fromBlock, atBlock),
    financing.queryFilter(financing.filters.Funded(), fromBlock, atBlock),
    financing.queryFilter(financing.filters.RecourseRecorded(), fromBlock, atBlock),
    settlement.queryFilter(settlement.filters.ReceivableWrittenOff(), fromBlock, atBlock),
  ]);
  const byChainOrder = <T extends { blockNumber: number; index: number }>(events: T[]): T[] =>
    [...events].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const lastGrace = byChainOrder(graceEvents).at(-1);
  const gracePeriod = lastGrace === undefined ? 0n : lastGrace.args.gracePeriod;

  const blockTimes = new Map<number, bigint>();
  const timeOf = async (number: number): Promise<bigint> => {
    const known = blockTimes.get(number);
    if (known !== undefined) return known;
    const time = BigInt((await provider.getBlock(number))?.timestamp ?? 0);
    blockTimes.set(number, time);
    return time;
  };
  const repaymentsBySlot = new Map<bigint, Repayment[]>();
  for (const event of byChainOrder(repaidEvents)) {
    const list = repaymentsBySlot.get(event.args.slot) ?? [];
    list.push({ amount: event.args.amount, repaidTotal: event.args.repaidTotal, time: await timeOf(event.blockNumber), block: event.blockNumber });
    repaymentsBySlot.set(event.args.slot, list);
  }

  // The contract refuses a second write-off of a slot: at most one each.
  const writeOffBySlot = new Map<bigint, WriteOff>();
  for (const event of byChainOrder(writeOffEvents)) {
    if (!writeOffBySlot.has(event.args.slot))
      writeOffBySlot.set(event.args.slot, { time: await timeOf(event.blockNumber), block: event.blockNumber });
  }
  const writeOffText = (writeOff: WriteOff | null): { writtenOffAt: string; writtenOffBlock: string } =>
    writeOff === null
      ? { writtenOffAt: "", writtenOffBlock: "" }
      : { writtenOffAt: writeOff.time.toString(), writtenOffBlock: String(writeOff.block) };

  const statusBySlot = new Map<bigint, { status: CreditStatus; daysPastDue: number; writtenOff: WriteOff | null }>();
  const receivables: ReceivableLine[] = [];
  for (const event of byChainOrder(confirmations)) {
    const { slot, anchorId, supplierId, anchor, confirmation } = event.args;
    const faceValue = confirmation.faceValue;
    const maturity = confirmation.maturity;
    const state = statusAt({
      faceValue,
      maturity,
      gracePeriod,
      repayments: repaymentsBySlot.get(slot) ?? [],
      at,
      writeOff: writeOffBySlot.get(slot) ?? null,
    });
    statusBySlot.set(slot, { status: state.status, daysPastDue: state.daysPastDue, writtenOff: state.writtenOff });
    receivables.push({
      line: `receivable/${slot}`,
      slot: slot.toString(),
      anchorId: Number(anchorId),
      anchor: getAddress(anchor),
      supplierId: Number(supplierId),
      supplier: getAddress(confirmation.supplier),
      currency: currencyText(hexlify(confirmation.currency)),
      faceValue: faceValue.toString(),
      maturity: maturity.toString(),
      confirmedBlock: event.blockNumber,
      repaid: state.repaid.toString(),
      outstanding: state.outstanding.toString(),
      status: state.status,
      daysPastDue: state.daysPastDue,
      daysLate: state.daysLate,
      repaidAt: state.repaidAt === null ? "" : state.repaidAt.toString(),
      ...writeOffText(state.writtenOff),
    });
  }

  const recourseByFunding = new Map<string, bigint>();
  for (const event of recourseEvents)
    recourseByFunding.set(event.args.fundingId, (recourseByFunding.get(event.args.fundingId) ?? 0n) + event.args.amount);
  const fundings: FundingLine[] = byChainOrder(fundedEvents).map((event) => {
    const { fundingId, factor, holder, fundedTokenId, value, price, withRecourse } = event.args;
    const slot = slotOf(fundedTokenId);
    const receivable = statusBySlot.get(slot);
    if (receivable === undefined)
      throw new Error(`funding ${fundingId} names piece ${fundedTokenId} of receivable ${slot}, which was never confirmed`);
    const recourse = recourseByFunding.get(fundingId);
    return {
      line: `funding/${fundingId}`,
      fundingId,
      slot: slot.toString(),
      fundedTokenId: fundedTokenId.toString(),
      factor: getAddress(factor),
      seller: getAddress(holder),
      value: value.toString(),
      price: price.toString(),
      withRecourse,
      fundedBlock: event.blockNumber,
      receivableStatus: receivable.status,
      daysPastDue: receivable.daysPastDue,
      recourseRecorded: recourse === undefined ? "" : recourse.toString(),
      ...writeOffText(receivable.writtenOff),
    };
  });

  return {
    format: CREDIT_REPORT_FORMAT,
    chainId: chainId.toString(),
    block: atBlock,
    blockHash: block.hash,
    blockTime: at.toString(),
    contracts: {
      receivableToken: await receivableToken.getAddress(),
      settlement: await settlement.getAddress(),
      financing: await financing.getAddress(),
    },
    gracePeriod: gracePeriod.toString(),
    receivables,
    fundings,
  };
}
