import { ReceivableToken__factory } from "../../typechain-types";
import { abiTuple, abiUint } from "../chain/abiValues";
import type { RpcSender } from "./chain";
import type { AuditEvent } from "./decode";
import type { ChainPosition, FindingCode, FindingLog } from "./findings";
import type { AuditWording } from "./names";

/**
 * I8, replayed: every anchor's credit line (授信额度) as the operator set it, and what the anchor owes (confirmed
 * less repaid), rebuilt from the token's and settlement's events alone. Each confirmation is checked against the
 * line in force when it was made (`I8_CREDIT_LINE_EXCEEDED`, also for an anchor with no line at all); each
 * `CreditLineSet` and `CreditLineReleased` must report the outstanding the replay has (`EVENT_INCONSISTENT`); and at
 * the audited block the token's `creditLine` view must equal the replay (`VIEW_MISMATCH`). Lowering a line below what
 * is owed is legitimate and is not a finding: only a confirmation can break I8.
 */

export interface CreditLineRecord {
  anchorId: number;
  /** 0 with `reviewDate` 0: never set. */
  limit: bigint;
  reviewDate: bigint;
  /** Confirmed less repaid, by the replay. */
  outstanding: bigint;
  /** Highest outstanding the anchor reached. */
  peak: bigint;
  setAt?: ChainPosition;
  lastAt: ChainPosition;
}

type Flag = (code: FindingCode, at: ChainPosition, message: string, subject?: { slot?: bigint }) => void;

export class CreditLineReplay {
  readonly lines = new Map<number, CreditLineRecord>();
  /** Each confirmed receivable's anchor. */
  private readonly anchors = new Map<bigint, number>();

  constructor(
    private readonly flag: Flag,
    /** How sentences name members and amounts. */
    readonly words: AuditWording,
  ) {}

  private lineOf(anchorId: number, at: ChainPosition): CreditLineRecord {
    let line = this.lines.get(anchorId);
    if (line === undefined) {
      line = { anchorId, limit: 0n, reviewDate: 0n, outstanding: 0n, peak: 0n, lastAt: at };
      this.lines.set(anchorId, line);
    }
    return line;
  }

  /** Applies one event (in chain order); events that do not concern credit lines are ignored. */
  apply(event: AuditEvent, at: ChainPosition): void {
    if (event.contract === "token" && event.name === "CreditLineSet") {
      const line = this.lineOf(event.anchorId, at);
      if (event.outstanding !== line.outstanding) {
        this.flag(
          "EVENT_INCONSISTENT",
          at,
          `the anchor ${this.words.member(event.anchorId)}'s credit line was set reporting ${this.words.cny(event.outstanding)} owed; the replay has ${this.words.cny(line.outstanding)}`,
        );
      }
      line.limit = event.limit;
      line.reviewDate = event.reviewDate;
      line.setAt = at;
      line.lastAt = at;
      return;
    }
    if (event.contract === "token" && event.name === "ReceivableConfirmed") {
      const { anchorId, slot } = event;
      const amount = event.confirmation.faceValue;
      this.anchors.set(slot, anchorId);
      const line = this.lineOf(anchorId, at);
      const before = line.outstanding;
      line.outstanding += amount;
      if (line.outstanding > line.peak) line.peak = line.outstanding;
      line.lastAt = at;
      if (line.reviewDate === 0n) {
        this.flag(
          "I8_CREDIT_LINE_EXCEEDED",
          at,
          `receivable ${slot} (${this.words.cny(amount)}) was confirmed by the anchor ${this.words.member(anchorId)}, which had no credit line`,
          { slot },
        );
      } else if (line.outstanding > line.limit) {
        this.flag(
          "I8_CREDIT_LINE_EXCEEDED",
          at,
          `receivable ${slot} took the anchor ${this.words.member(anchorId)}'s outstanding from ${this.words.cny(before)} to ${this.words.cny(line.outstanding)}, above its credit line of ${this.words.cny(line.limit)} (amount ${this.words.cny(amount)})`,
          { slot },
        );
      }
      return;
    }
    if (event.contract === "settlement" && event.name === "Repaid") {
      const anchorId = this.anchors.get(event.slot);
      if (anchorId === undefined) return; // the main replay reports a repayment of an unknown receivable
      const line = this.lineOf(anchorId, at);
      line.outstanding -= event.amount;
      line.lastAt = at;
      return;
    }
    if (event.contract === "token" && event.name === "CreditLineReleased") {
      const anchorId = this.anchors.get(event.slot);
      const line = this.lineOf(event.anchorId, at);
      if (anchorId !== event.anchorId || event.outstanding !== line.outstanding) {
        this.flag(
          "EVENT_INCONSISTENT",
          at,
          `a repayment of receivable ${event.slot} freed ${this.words.cny(event.amount)} of the anchor ${this.words.member(event.anchorId)}'s line leaving ${this.words.cny(event.outstanding)} owed; the replay has ${anchorId === undefined ? "no anchor" : `the anchor ${this.words.member(anchorId)}`} owing ${this.words.cny(line.outstanding)}`,
          { slot: event.slot },
        );
      }
    }
  }
}

const token = ReceivableToken__factory.createInterface();

/** The token's `creditLine` view of every anchor the replay knows, at the audited block, against the replay. */
export async function compareCreditLines(
  rpc: RpcSender,
  tokenAddress: string,
  replay: CreditLineReplay,
  block: number,
  findings: FindingLog,
  lastAt: ChainPosition | undefined,
): Promise<void> {
  for (const line of replay.lines.values()) {
    const data = token.encodeFunctionData("creditLine", [line.anchorId]);
    let answer: unknown;
    try {
      answer = await rpc.send("eth_call", [{ to: tokenAddress, data }, `0x${block.toString(16)}`]);
    } catch (error) {
      findings.add(
        "VIEW_MISMATCH",
        line.lastAt,
        `the anchor ${replay.words.member(line.anchorId)}'s credit line (creditLine(${line.anchorId})) could not be read: ${error instanceof Error ? error.message : String(error)}`,
      );
      continue;
    }
    if (typeof answer !== "string") continue;
    const view = abiTuple(token.decodeFunctionResult("creditLine", answer)[0]);
    const chain = { limit: abiUint(view.limit), outstanding: abiUint(view.outstanding), reviewDate: abiUint(view.reviewDate) };
    if (chain.limit !== line.limit || chain.outstanding !== line.outstanding || chain.reviewDate !== line.reviewDate) {
      findings.add(
        "VIEW_MISMATCH",
        lastAt ?? line.lastAt,
        `the anchor ${replay.words.member(line.anchorId)}'s credit line: the token says line ${replay.words.cny(chain.limit)}, owed ${replay.words.cny(chain.outstanding)}, review ${replay.words.date(chain.reviewDate)}; the replay has line ${replay.words.cny(line.limit)}, owed ${replay.words.cny(line.outstanding)}, review ${replay.words.date(line.reviewDate)}`,
      );
    }
  }
}
