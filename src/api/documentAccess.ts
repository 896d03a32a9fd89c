import { getAddress } from "ethers";
import { LineageTooDeepError, readLineage } from "../chain/lineage";
import type { LineageStep } from "../chain/lineage";
import { documentParties } from "../proofs/documents";
import type { ParsedDocument } from "../proofs/documents";
import type { FundingRequestStore } from "../requests/store";
import type { ApiContext } from "./context";
import { keepLive } from "./requestState";
import { slotOf } from "../chain/tokenId";

/**
 * What a factor may see of a receivable: the pieces it evaluates. A factor evaluates a piece while a live funding
 * request to it names the piece, or when it (any address of its member) holds or held the piece; it then sees the
 * documents of that piece's lineage, and the verifier's failure details about those steps. A document counts for
 * a step only when the step joins the document's own parties (the step's giver and receiver are both members the
 * document names), so naming someone else's hash in one's own transfer reveals nothing.
 */

/** The most pieces of one receivable looked at per question (a factor's own pieces there, newest first). */
const MAX_CANDIDATES = 20;
/** The deepest lineage walked for a document read (as the lineage route). */
const MAX_DEPTH = 64;

export class DocumentAccess {
  constructor(
    private readonly context: ApiContext,
    private readonly requests: FundingRequestStore | undefined,
  ) {}

  /** Every address of the member `memberId` (just `address` when the member cannot be read). */
  private async accountsOf(memberId: number, address: string): Promise<string[]> {
    if (memberId === 0) return [address];
    const member = await this.context.members.member(memberId);
    return member.accounts.length > 0 ? member.accounts : [address];
  }

  /**
   * The pieces of receivable `slot` that the member of `address` evaluates: live requests to it naming them, and
   * pieces it holds or held. Newest first, at most MAX_CANDIDATES.
   */
  async evaluatedPieces(address: string, memberId: number, slot: bigint): Promise<bigint[]> {
    const { receivableToken } = this.context.contracts;
    const accounts = await this.accountsOf(memberId, address);
    const pieces = new Set<bigint>();
    for (const account of accounts) {
      const received = await receivableToken.queryFilter(receivableToken.filters.Transfer(undefined, account), this.context.fromBlock);
      for (const event of received) if (slotOf(event.args.tokenId) === slot) pieces.add(event.args.tokenId);
      if (this.requests !== undefined) {
        const live = await keepLive(this.context, this.requests, await this.requests.bySlot(account, slot));
        for (const stored of live) pieces.add(BigInt(stored.request.tokenId));
      }
    }
    return [...pieces].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, MAX_CANDIDATES);
  }

  /** Whether a step names `document` between the document's own parties. */
  private async stepJoinsParties(step: LineageStep, document: ParsedDocument): Promise<boolean> {
    if (step.proof === undefined) return false;
    const named = document.kind === "invoice" ? step.proof.invoiceHash : step.proof.logisticsHash;
    if (named.toLowerCase() !== document.hash.toLowerCase()) return false;
    const parties = new Set(documentParties(document).map((party) => party.memberId));
    const [from, to] = await Promise.all([
      this.context.members.memberIdOf(getAddress(step.from)),
      this.context.members.memberIdOf(getAddress(step.to)),
    ]);
    return from !== 0 && to !== 0 && parties.has(from) && parties.has(to);
  }

  /** Whether the factor at `address` (member `memberId`) evaluates a piece that `document` genuinely backs. */
  async factorEvaluates(address: string, memberId: number, document: ParsedDocument): Promise<boolean> {
    for (const slot of await this.context.documentUse.slotsNaming(document.hash)) {
      for (const piece of await this.evaluatedPieces(address, memberId, slot)) {
        let steps: LineageStep[];
        try {
          steps = (await readLineage(this.context.contracts, piece, undefined, MAX_DEPTH)).steps;
        } catch (error) {
          if (error instanceof LineageTooDeepError) continue;
          throw error;
        }
        for (const step of steps) if (await this.stepJoinsParties(step, document)) return true;
      }
    }
    return false;
  }
}
