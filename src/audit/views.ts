import { AbiCoder, keccak256, toQuantity } from "ethers";
// Each factory from its own file: the typechain-types index loads every contract's (~140 files), a second of start-up.
import { ReceivableToken__factory } from "../../typechain-types/factories/contracts/token/ReceivableToken__factory";
import { SettlementToken__factory } from "../../typechain-types/factories/contracts/finance/SettlementToken__factory";
import { Settlement__factory } from "../../typechain-types/factories/contracts/finance/Settlement__factory";
import type { ChainbillAddresses } from "../chain/system";
import { sendAll } from "./chain";
import type { Progress, RpcSender } from "./chain";
import { pieceName } from "../chain/tokenId";
import { FindingLog } from "./findings";
import { readViews } from "./viewReader";
import { tokenMirror } from "./tokenMirror";
import type { ChainPosition } from "./findings";
import type { AuditReplay } from "./replay";

/**
 * The replay against the contracts' own views at the audited block: owner and value of every piece (and that
 * burned ones are gone), every receivable's terms, piece count and document commitment, every slot's repayment
 * account, and the settlement currency's supply and every balance the replay knows. Tens of thousands of reads at
 * scale: those of one view with one argument go through viewReader.ts (a few hundred reads per `eth_call`, the
 * calls in JSON-RPC batches; the token's pieces and receivables through its mirror, tokenMirror.ts, when its code is
 * the compiled ReceivableToken's), the rest as plain calls; their words are read directly.
 */

const coder = AbiCoder.defaultAbiCoder();
const token = ReceivableToken__factory.createInterface();
const settlement = Settlement__factory.createInterface();
const currency = SettlementToken__factory.createInterface();

const SELECTORS = {
  pieceOf: token.getFunction("pieceOf").selector,
  exists: token.getFunction("exists").selector,
  receivable: token.getFunction("receivable").selector,
  slotCount: token.getFunction("slotCount").selector,
  account: settlement.getFunction("account").selector,
  claimedBy: settlement.getFunction("claimedBy").selector,
  balanceOf: currency.getFunction("balanceOf").selector,
  totalSupply: currency.getFunction("totalSupply").selector,
  totalIssued: currency.getFunction("totalIssued").selector,
  totalRedeemed: currency.getFunction("totalRedeemed").selector,
} as const;

/** Words of each one-argument view's answer that the checks read. */
const ANSWER_WORDS = new Map<string, number>([
  [SELECTORS.pieceOf, 2],
  [SELECTORS.exists, 1],
  [SELECTORS.receivable, 7],
  [SELECTORS.claimedBy, 1],
  [SELECTORS.account, 4],
  [SELECTORS.balanceOf, 1],
]);

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function argument(value: bigint | string): string {
  return typeof value === "bigint" ? value.toString(16).padStart(64, "0") : value.toLowerCase().replace(/^0x/u, "").padStart(64, "0");
}

/** The answer's 32-byte words, or the Error the call failed with (a revert, or a short answer). */
function words(answer: unknown, count: number): bigint[] | Error {
  if (answer instanceof Error) return answer;
  if (typeof answer !== "string" || answer.length < 2 + 64 * count) return new Error(`unexpected answer ${String(answer).slice(0, 80)}`);
  return Array.from({ length: count }, (_, index) => BigInt(`0x${answer.slice(2 + 64 * index, 66 + 64 * index)}`));
}

function addressOf(value: bigint): string {
  return `0x${value.toString(16).padStart(40, "0")}`;
}

interface Call {
  to: string;
  selector: string;
  args: Array<bigint | string>;
  /** Reads the answer and adds any finding. */
  check(answer: unknown): void;
}

/** Identifies a read: the same view of the same contract with the same arguments answers the same at one block. */
function readKey(to: string, selector: string, args: ReadonlyArray<bigint | string>): string {
  return `${to.toLowerCase()}|${selector}|${args.map(argument).join("")}`;
}

/**
 * Every view read the comparison makes for `replay`'s state, each with its check (which adds any finding to
 * `findings`).
 */
function viewCalls(contracts: ChainbillAddresses, replay: AuditReplay, block: number, findings: FindingLog): Call[] {
  const fallback: ChainPosition = replay.lastPosition ?? { block, transactionHash: "", logIndex: -1 };
  const calls: Call[] = [];
  const w = replay.words;
  const cny = (amount: bigint): string => w.cny(amount);
  const at = (to: string, selector: string, args: Array<bigint | string>, check: (answer: unknown) => void): void => {
    calls.push({ to, selector, args, check });
  };
  at(contracts.receivableToken, SELECTORS.slotCount, [], (answer) => {
    const [count] = words(answer, 1) as bigint[];
    if (answer instanceof Error || count !== BigInt(replay.slots.size))
      findings.add(
        "VIEW_MISMATCH",
        fallback,
        `the token counts ${answer instanceof Error ? reason(answer) : count} receivables, the replay ${replay.slots.size}`,
      );
  });
  for (const [selector, replayed, label] of [
    [SELECTORS.totalSupply, replay.supply, "supply"],
    [SELECTORS.totalIssued, replay.issued, "issued"],
    [SELECTORS.totalRedeemed, replay.redeemed, "redeemed"],
  ] as const) {
    at(contracts.settlementToken, selector, [], (answer) => {
      const read = words(answer, 1);
      if (read instanceof Error || read[0] !== replayed) {
        findings.add(
          "VIEW_MISMATCH",
          fallback,
          `settlement currency ${label}: the contract says ${read instanceof Error ? reason(read) : cny(read[0])}, the replay ${cny(replayed)}`,
        );
      }
    });
  }

  for (const piece of replay.pieces.values()) {
    const subject = { tokenId: piece.tokenId, slot: piece.slot };
    if (piece.status === "live") {
      at(contracts.receivableToken, SELECTORS.pieceOf, [piece.tokenId], (answer) => {
        const read = words(answer, 2);
        if (read instanceof Error) {
          findings.add(
            "VIEW_MISMATCH",
            piece.lastAt,
            `piece ${pieceName(piece.tokenId)} is live in the replay (${w.account(piece.owner)}, ${cny(piece.value)}) but the contract does not answer for it: ${reason(read)}`,
            subject,
          );
        } else if (addressOf(read[0]) !== piece.owner || read[1] !== piece.value) {
          findings.add(
            "VIEW_MISMATCH",
            piece.lastAt,
            `piece ${pieceName(piece.tokenId)}: the contract has ${w.account(addressOf(read[0]))} holding ${cny(read[1])}, the replay ${w.account(piece.owner)} holding ${cny(piece.value)}`,
            subject,
          );
        }
      });
      if (piece.claimed > 0n) {
        at(contracts.settlement, SELECTORS.claimedBy, [piece.tokenId], (answer) => {
          const read = words(answer, 1);
          if (read instanceof Error || read[0] !== piece.claimed) {
            findings.add(
              "VIEW_MISMATCH",
              piece.lastAt,
              `piece ${pieceName(piece.tokenId)}: settlement has paid ${read instanceof Error ? reason(read) : cny(read[0])}, the replay ${cny(piece.claimed)}`,
              subject,
            );
          }
        });
      }
    } else {
      at(contracts.receivableToken, SELECTORS.exists, [piece.tokenId], (answer) => {
        const read = words(answer, 1);
        if (read instanceof Error || read[0] !== 0n) {
          findings.add(
            "VIEW_MISMATCH",
            piece.lastAt,
            `piece ${pieceName(piece.tokenId)} is ${piece.status} in the replay but ${read instanceof Error ? `the contract does not say so: ${reason(read)}` : "still exists on the contract"}`,
            subject,
          );
        }
      });
    }
  }

  for (const slot of replay.slots.values()) {
    const subject = { slot: slot.slot };
    at(contracts.receivableToken, SELECTORS.receivable, [slot.slot], (answer) => {
      const read = words(answer, 7);
      if (read instanceof Error) {
        findings.add(
          "VIEW_MISMATCH",
          slot.lastAt,
          `receivable ${slot.slot} is in the replay but the token does not answer for it: ${reason(read)}`,
          subject,
        );
        return;
      }
      const [anchorId, supplierId, faceValue, maturity, , pieceCount, documentsHash] = read;
      const documents = BigInt(keccak256(coder.encode(["bytes32", "bytes32"], [slot.invoiceHash, slot.logisticsHash])));
      const differences: string[] = [];
      if (anchorId !== BigInt(slot.anchorId)) differences.push(`anchor ${w.member(Number(anchorId))} vs ${w.member(slot.anchorId)}`);
      if (supplierId !== BigInt(slot.supplierId)) differences.push(`supplier ${w.member(Number(supplierId))} vs ${w.member(slot.supplierId)}`);
      if (faceValue !== slot.faceValue) differences.push(`face value ${cny(faceValue)} vs ${cny(slot.faceValue)}`);
      if (maturity !== slot.maturity) differences.push(`maturity ${w.date(maturity)} vs ${w.date(slot.maturity)}`);
      if (pieceCount !== BigInt(slot.pieceCount)) differences.push(`pieces ${pieceCount} vs ${slot.pieceCount}`);
      if (documentsHash !== documents) differences.push("document commitment");
      if (differences.length > 0)
        findings.add("VIEW_MISMATCH", slot.lastAt, `receivable ${slot.slot} (contract vs replay): ${differences.join("; ")}`, subject);
    });
    at(contracts.settlement, SELECTORS.account, [slot.slot], (answer) => {
      const read = words(answer, 4);
      if (read instanceof Error) {
        findings.add("VIEW_MISMATCH", slot.lastAt, `receivable ${slot.slot}: settlement does not answer for its account: ${reason(read)}`, subject);
        return;
      }
      const [repaid, redeemedValue, claimed, overdueFlagged] = read;
      const differences: string[] = [];
      if (repaid !== slot.repaid) differences.push(`repaid ${cny(repaid)} vs ${cny(slot.repaid)}`);
      if (claimed !== slot.claimed) differences.push(`claimed ${cny(claimed)} vs ${cny(slot.claimed)}`);
      if (redeemedValue !== slot.redeemedValue) differences.push(`redeemed ${cny(redeemedValue)} vs ${cny(slot.redeemedValue)}`);
      if ((overdueFlagged !== 0n) !== slot.overdueFlagged) differences.push(`overdue flag ${overdueFlagged !== 0n} vs ${slot.overdueFlagged}`);
      if (differences.length > 0)
        findings.add("VIEW_MISMATCH", slot.lastAt, `receivable ${slot.slot} (settlement vs replay): ${differences.join("; ")}`, subject);
    });
  }

  for (const [account, replayed] of replay.balances) {
    at(contracts.settlementToken, SELECTORS.balanceOf, [account], (answer) => {
      const read = words(answer, 1);
      if (read instanceof Error || read[0] !== replayed) {
        findings.add(
          "VIEW_MISMATCH",
          replay.balanceLastAt.get(account) ?? fallback,
          `settlement currency: the contract says ${w.account(account)} holds ${read instanceof Error ? reason(read) : cny(read[0])}, the replay ${cny(replayed)}`,
        );
      }
    });
  }

  return calls;
}

/**
 * The answers to `calls` at block `tag`, by {@link readKey}: one-argument views through viewReader.ts, the rest as
 * plain calls. With `probe`, one call first: a node that keeps no state at this block (geth keeps the last 128 by
 * default) cannot be compared with, and that is no finding about the chain.
 */
async function readAnswers(
  rpc: RpcSender,
  contracts: ChainbillAddresses,
  calls: readonly Call[],
  block: number,
  probe: boolean,
  progress?: Progress,
): Promise<Map<string, unknown>> {
  const tag = toQuantity(block);
  if (probe) {
    const answer = await rpc
      .send("eth_call", [{ to: contracts.settlementToken, data: SELECTORS.totalSupply }, tag])
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    if (answer instanceof Error)
      throw new Error(`the node cannot answer calls at block ${block} (${reason(answer)}); audit a recent block or use an archive node`);
  }
  const batched = calls.filter((call) => call.args.length === 1 && ANSWER_WORDS.has(call.selector));
  const plain = calls.filter((call) => !(call.args.length === 1 && ANSWER_WORDS.has(call.selector)));
  const plainAnswers = await sendAll(
    rpc,
    plain.map((call) => ["eth_call", [{ to: call.to, data: call.selector + call.args.map(argument).join("") }, tag]] as const),
  );
  const answers = await readViews(
    rpc,
    batched.map((call) => ({ to: call.to, selector: call.selector, argument: call.args[0], answerWords: ANSWER_WORDS.get(call.selector) ?? 1 })),
    tag,
    progress,
    await tokenMirror(rpc, contracts.receivableToken, tag),
  );
  const byKey = new Map<string, unknown>();
  plain.forEach((call, index) => byKey.set(readKey(call.to, call.selector, call.args), plainAnswers[index]));
  batched.forEach((call, index) => byKey.set(readKey(call.to, call.selector, call.args), answers[index]));
  return byKey;
}

/**
 * The views read ahead, while the audit does other work: started from a replay whose pieces, slots and balances
 * are those the comparison will read (the audit's first pass over the decoded events, before the funding
 * transactions and their signatures are in), so that the node executes them while the audit fetches transactions,
 * recovers signatures and replays. {@link compareWithViews} takes the answers of the reads it makes and reads the
 * others itself; an answer is used only for the very read it answers, so the findings are those of reading after
 * the replay.
 */
export class ViewPrefetch {
  private readonly answers: Promise<Map<string, unknown>>;

  constructor(rpc: RpcSender, contracts: ChainbillAddresses, planned: AuditReplay, block: number) {
    this.answers = readAnswers(rpc, contracts, viewCalls(contracts, planned, block, new FindingLog()), block, true);
    // Awaited in the views phase, which rethrows a failure there; until then it must not count as unhandled.
    this.answers.catch(() => undefined);
  }

  /** The answers by read; rejects as the reads did (the node cannot answer at the block, or the transport failed). */
  read(): Promise<Map<string, unknown>> {
    return this.answers;
  }
}

export async function compareWithViews(
  rpc: RpcSender,
  contracts: ChainbillAddresses,
  replay: AuditReplay,
  block: number,
  findings: FindingLog,
  progress?: Progress,
  prefetch?: ViewPrefetch,
): Promise<number> {
  const calls = viewCalls(contracts, replay, block, findings);
  const known = prefetch === undefined ? new Map<string, unknown>() : await prefetch.read();
  const missing = calls.filter((call) => !known.has(readKey(call.to, call.selector, call.args)));
  const ahead = calls.length - missing.length;
  progress?.(ahead, calls.length);
  if (missing.length > 0) {
    const more = await readAnswers(
      rpc,
      contracts,
      missing,
      block,
      prefetch === undefined,
      progress === undefined ? undefined : (done, total) => progress(ahead + done, ahead + total),
    );
    for (const [key, answer] of more) known.set(key, answer);
  }
  for (const call of calls) call.check(known.get(readKey(call.to, call.selector, call.args)));
  return calls.length;
}
