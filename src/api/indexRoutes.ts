import { getAddress } from "ethers";
import type { IRouter, Response } from "express";
import { Role } from "../chain/roles";
import type { IndexReader, SlotSummary } from "../indexer/queries";
import { QueryInputError } from "../indexer/queries";
import type { FundingRow, SlotRecord, TokenRecord } from "../indexer/schema";
import { createLineageChecker } from "../verifier";
import type { FundingCheckFailure, LineageChecker } from "../verifier";
import { documentParties as partiesOfDocument } from "../proofs/documents";
import type { ParsedDocument } from "../proofs/documents";
import { ApiError, badRequest, forbidden, notFound } from "./errors";
import { callerOf, requireSession } from "./auth/middleware";
import type { Caller } from "./auth/middleware";
import { DocumentAccess } from "./documentAccess";
import { holdsRole } from "./members";
import { parseInput } from "./validation";
import {
  anchorParams,
  factorParams,
  HIDDEN_FAILURE_MESSAGE,
  memberParams,
  minBlockQuery,
  PORTFOLIO_PAGE_DEFAULT,
  PORTFOLIO_PAGE_MAX,
  portfolioQuery,
  slotParams,
  tokenParams,
} from "./wire/schemas";
import type { ApiContext } from "./context";
import { firstPieceOf, slotOf } from "../chain/tokenId";
import { standingsAt } from "./standing";
import type { Standings } from "./standing";

/**
 * Read routes over the indexer, for the dApp's portfolio, piece, factor, anchor and auditor pages. Every answer says
 * the block it is as of. A client that has just sent a transaction passes `minBlock` and the answer waits (up to
 * ten seconds) until the index has applied that block, so a page never shows the state from before its own action.
 */

export interface IndexRouteOptions {
  reader: IndexReader;
  /** Resolves once the index has applied `block` (the running indexer's waitForBlock). */
  waitForBlock(block: number, timeoutMs: number): Promise<unknown>;
}

const WAIT_MS = 10_000;
/** A tree larger than this is cut (the answer says so); each node's checks read the chain. */
const MAX_TREE_NODES = 60;

export { HIDDEN_FAILURE_MESSAGE, PORTFOLIO_PAGE_DEFAULT, PORTFOLIO_PAGE_MAX };
/** Holdings are read from the index in batches of this many (the index's own maximum). */
const HOLDINGS_BATCH = 10_000;

/** Largest value first, then the newest piece (highest token id): negative when `a` comes first. */
function byValueThenNewest(a: { value: bigint; tokenId: bigint }, b: { value: bigint; tokenId: bigint }): number {
  if (a.value !== b.value) return a.value > b.value ? -1 : 1;
  if (a.tokenId !== b.tokenId) return a.tokenId > b.tokenId ? -1 : 1;
  return 0;
}

export type PieceStatus = "live" | "funded" | "repaid" | "overdue";

function statusOf(summary: SlotSummary | null, bought: boolean): PieceStatus {
  if (summary?.overdue === true) return "overdue";
  if (summary?.fullyRepaid === true) return "repaid";
  return bought ? "funded" : "live";
}

/** The caller, or an auditor or operator looking at someone else. */
function subjectOf(response: Response, requested: string | undefined): string {
  const caller = callerOf(response);
  if (requested === undefined || getAddress(requested) === caller.address) return caller.address;
  if (holdsRole(caller.standing, Role.AUDITOR) || holdsRole(caller.standing, Role.OPERATOR)) return getAddress(requested);
  throw forbidden("NOT_AN_AUDITOR", "only auditors and operators may look at another member's pieces");
}

/**
 * What every index route does around its read: waits (up to 10 s, else 503 INDEX_BEHIND) for a `minBlock` the
 * client has seen, and turns a query's refusal of its input into a 400.
 */
export function indexReads(options: IndexRouteOptions): {
  caughtUp: (query: unknown) => Promise<void>;
  read: <T>(what: () => Promise<T>) => Promise<T>;
} {
  const caughtUp = async (query: unknown): Promise<void> => {
    const { minBlock } = parseInput(minBlockQuery, query, "query");
    if (minBlock === undefined) return;
    try {
      await options.waitForBlock(Number(minBlock), WAIT_MS);
    } catch {
      throw new ApiError(503, "INDEX_BEHIND", `the index has not reached block ${minBlock} yet; retry shortly`, [], 2);
    }
  };
  const read = async <T>(what: () => Promise<T>): Promise<T> => {
    try {
      return await what();
    } catch (error) {
      if (error instanceof QueryInputError) throw badRequest(error.message);
      throw error;
    }
  };
  return { caughtUp, read };
}

export function registerIndexRoutes(router: IRouter, context: ApiContext, options: IndexRouteOptions): void {
  const { reader } = options;
  const session = requireSession(context);
  const access = new DocumentAccess(context, context.requests);

  const { caughtUp, read } = indexReads(options);
  const summaryOf = (slot: bigint): Promise<SlotSummary | null> => reader.slot(slot);
  /** Piece and receivable figures at an answer's block and its time, with the grace period in force then. */
  const standingsOf = async (answer: { asOfBlock: number; asOfTimestamp: number }): Promise<Standings> => {
    const { system } = await reader.system();
    return standingsAt({ block: answer.asOfBlock, at: BigInt(answer.asOfTimestamp), gracePeriod: system.gracePeriod }, reader, context.contracts);
  };
  const factorAddresses = async (): Promise<string[]> => {
    const { members } = await reader.members();
    return members.filter((member) => (member.roles & (1 << Role.FACTOR)) !== 0).flatMap((member) => member.accounts);
  };

  router.get("/v1/index/status", async (_request, response) => {
    response.json((await reader.status()) ?? { asOfBlock: -1, final: false });
  });

  /**
   * The portfolio: live pieces held, what was sold to factors, and totals. `?address=` for auditors. Pieces come a
   * page at a time (`limit`, default 100, at most PORTFOLIO_PAGE_MAX; `cursor` from the previous page's
   * `nextCursor`), largest value first, then newest (token id descending), so dust split into someone's portfolio
   * sorts last and never hides a real piece; the totals count every piece held.
   */
  router.get("/v1/portfolio", session, async (request, response) => {
    await caughtUp(request.query);
    const requested =
      typeof request.query.address === "string" ? parseInput(memberParams, { address: request.query.address }, "query").address : undefined;
    const owner = subjectOf(response, requested);
    const { limit, cursor } = parseInput(portfolioQuery, request.query, "query");
    const holdings = await read(() => reader.holdingsOf(owner, { limit: HOLDINGS_BATCH }));
    const rows = [...holdings.pieces];
    for (let after = holdings.nextAfter; after !== null;) {
      const next = await read(() => reader.holdingsOf(owner, { limit: HOLDINGS_BATCH, after: after ?? undefined }));
      rows.push(...next.pieces);
      after = next.nextAfter;
    }
    rows.sort(byValueThenNewest);
    const start = cursor === undefined ? 0 : rows.findIndex((row) => byValueThenNewest(row, cursor) > 0);
    const pageRows = start === -1 ? [] : rows.slice(start, start + (limit ?? PORTFOLIO_PAGE_DEFAULT));
    const lastRow = pageRows[pageRows.length - 1];
    const nextCursor = lastRow !== undefined && start + pageRows.length < rows.length ? `${lastRow.value}.${lastRow.tokenId}` : null;
    const book = await reader.factorBook(owner, { limit: 1000 });
    const bought = new Set(book.fundings.map((funding) => funding.fundedTokenId));
    const standings = await standingsOf(holdings);
    const pieces = [];
    for (const row of pageRows) {
      const summary = await summaryOf(row.slot);
      if (summary === null) throw new ApiError(503, "INDEX_BEHIND", `receivable ${row.slot} is not indexed yet; retry shortly`, [], 2);
      pieces.push({
        tokenId: row.tokenId,
        slot: row.slot,
        value: row.value,
        anchorId: row.anchorId,
        anchor: summary?.slot.anchor ?? null,
        maturity: row.maturity,
        status: statusOf(summary, bought.has(row.tokenId)),
        repaid: summary.slot.repaid,
        faceValue: summary.slot.faceValue,
        standing: await standings.piece(summary, row.tokenId, row.value),
      });
    }
    const sold: Array<FundingRow & { maturity: bigint | null; anchorId: number | null }> = [];
    for (const factor of await factorAddresses()) {
      const theirs = await reader.factorBook(factor, { limit: 1000 });
      for (const funding of theirs.fundings) {
        if (getAddress(funding.holder) !== owner) continue;
        const summary = await summaryOf(slotOf(funding.tokenId));
        const { piece: _piece, ...row } = funding;
        sold.push({ ...row, maturity: summary?.slot.maturity ?? null, anchorId: summary?.slot.anchorId ?? null });
      }
    }
    response.json({
      owner,
      asOfBlock: holdings.asOfBlock,
      asOfTimestamp: holdings.asOfTimestamp,
      final: holdings.final,
      pieces,
      nextCursor,
      sold,
      totals: {
        count: holdings.count,
        value: holdings.totalValue,
        soldValue: sold.reduce((sum, row) => sum + row.value, 0n),
        soldPrice: sold.reduce((sum, row) => sum + row.price, 0n),
        byAnchor: holdings.byAnchor,
        byMaturity: holdings.byMaturity,
      },
    });
  });

  /**
   * A receivable's whole tree, from the anchor's confirmation to every descendant, each node with its checks; and the
   * asked-for piece's own ancestors (parent first) and descendants (breadth first), by token id.
   */
  const lineage = createLineageChecker({
    contracts: context.contracts,
    documents: context.store,
    chainId: context.chainId,
    signatures: context.signatures,
  });
  router.get("/v1/pieces/:id/tree", session, async (request, response) => {
    await caughtUp(request.query);
    const { id } = parseInput(tokenParams, request.params);
    const piece = await read(() => reader.token(id, { maxDescendants: MAX_TREE_NODES - 1 }));
    if (piece === null) throw notFound("TOKEN_NOT_FOUND", `no piece ${id} was ever created`);
    const rootId = firstPieceOf(piece.slot.slot);
    const root = await read(() => reader.token(rootId, { maxDescendants: MAX_TREE_NODES - 1 }));
    if (root === null) throw notFound("TOKEN_NOT_FOUND", `the first piece of receivable ${piece.slot.slot} is not indexed`);
    const nodes: TokenRecord[] = [root.token, ...root.descendants];
    // The checks read the chain at the index's block (its hash and time are in the answer): one set of reads per
    // block, shared by every tree asked for while no new block is indexed (reads per request read the whole lineage
    // from the node again, about a hundred calls, and queued everything else behind them).
    const block = { blockNumber: root.asOfBlock, blockHash: root.asOfBlockHash, timestamp: root.asOfTimestamp };
    const checks = new Map<bigint, { passed: boolean; failures: FundingCheckFailure[] }>();
    for (const node of nodes) checks.set(node.tokenId, await stepChecks(lineage, node.tokenId, block));
    // Who owns each node, from the index at the tree's own block: the same answer the tree shows, and no chain
    // read per request (a tree asked again at the same block reads nothing more from the node).
    const memberIdOf = async (address: string): Promise<number> => (await reader.memberOf(address)).member?.memberId ?? 0;
    const visible = await detailsVisibleTo(context, access, callerOf(response), root.slot, nodes, memberIdOf);
    const fundings = [];
    for (const node of nodes) {
      const lineage = await reader.token(node.tokenId, { maxDescendants: 1 });
      fundings.push(...(lineage?.fundings ?? []));
    }
    // The documents' numbers, for the pieces whose details the caller may see: a tree names them, not their hashes.
    const documentNumbers: Record<string, string> = {};
    for (const node of nodes) {
      if (!visible.has(node.tokenId)) continue;
      const proof = node.tokenId === rootId ? root.slot : node.tradeProof;
      for (const hash of proof === null ? [] : [proof.invoiceHash, proof.logisticsHash]) {
        const document = await context.store.get(hash).catch(() => undefined);
        if (document !== undefined)
          documentNumbers[hash.toLowerCase()] = document.kind === "invoice" ? document.proof.invoice.number : document.proof.waybill.number;
      }
    }
    response.json({
      asOfBlock: root.asOfBlock,
      final: root.final,
      focus: id,
      ancestors: piece.ancestors.map((node) => node.tokenId),
      descendants: piece.descendants.map((node) => node.tokenId),
      slot: root.slot,
      truncated: root.descendantsTruncated,
      nodes: nodes.map((node) => ({ ...node, checks: shownChecks(checks.get(node.tokenId), visible.has(node.tokenId)) })),
      fundings,
      documentNumbers,
    });
  });

  /** What a factor bought and what is due to it. */
  router.get("/v1/factors/:address/book", session, async (request, response) => {
    await caughtUp(request.query);
    const { address: factor } = parseInput(factorParams, request.params);
    const owner = subjectOf(response, factor);
    const book = await read(() => reader.factorBook(owner, { limit: 1000 }));
    const standings = await standingsOf(book);
    const fundings = [];
    for (const funding of book.fundings) {
      const summary = await summaryOf(slotOf(funding.tokenId));
      if (summary === null) throw new ApiError(503, "INDEX_BEHIND", `receivable ${slotOf(funding.tokenId)} is not indexed yet; retry shortly`, [], 2);
      // The funded piece as it stands, by Settlement's rules: still due is its value less its share of what the
      // anchor repaid (0 once fully repaid, collected or not), never its value less what it already collected.
      const standing = await standings.piece(summary, funding.fundedTokenId, funding.piece?.value ?? 0n, funding.piece);
      fundings.push({
        ...funding,
        maturity: summary.slot.maturity,
        anchorId: summary.slot.anchorId,
        status: statusOf(summary, true),
        due: standing.stillDue,
        standing,
      });
    }
    response.json({ ...book, fundings });
  });

  /** What an anchor owes, receivable by receivable, by maturity. */
  router.get("/v1/anchors/:address/obligations", session, async (request, response) => {
    await caughtUp(request.query);
    const { address: anchor } = parseInput(anchorParams, request.params);
    const owner = subjectOf(response, anchor);
    const slotCount = await context.contracts.receivableToken.slotCount();
    const status = await reader.status();
    const standings = status === null ? null : await standingsOf(status);
    const rows = [];
    let final = true;
    for (let slot = 1n; slot <= slotCount && slot <= 10_000n; slot += 1n) {
      const summary = await reader.slot(slot);
      if (summary === null || standings === null || getAddress(summary.slot.anchor) !== owner) continue;
      final &&= summary.final;
      const debt = await standings.debt(summary);
      rows.push({
        ...summary.slot,
        outstanding: summary.outstanding,
        overdue: summary.overdue,
        fullyRepaid: summary.fullyRepaid,
        state: debt.state,
        overdueSince: debt.overdueSince,
      });
    }
    rows.sort((a, b) => (a.maturity < b.maturity ? -1 : a.maturity > b.maturity ? 1 : 0));
    response.json({
      anchor: owner,
      asOfBlock: status?.asOfBlock ?? -1,
      asOfTimestamp: status?.asOfTimestamp ?? 0,
      final: status !== null && final,
      receivables: rows,
      outstanding: rows.reduce((sum, row) => sum + row.outstanding, 0n),
    });
  });

  /** A receivable (slot) by number, for the auditor's search. */
  router.get("/v1/slots/:id", session, async (request, response) => {
    await caughtUp(request.query);
    const { id } = parseInput(slotParams, request.params);
    const summary = await read(() => reader.slot(id));
    if (summary === null) throw notFound("SLOT_NOT_FOUND", `no receivable ${id} was confirmed`);
    response.json(summary);
  });

  /** Every event that touched a piece, for the auditor. */
  router.get("/v1/pieces/:id/history", session, async (request, response) => {
    await caughtUp(request.query);
    const { id } = parseInput(tokenParams, request.params);
    const history = await read(() => reader.tokenHistory(id));
    response.json(history);
  });
}

function documentPartiesOf(document: ParsedDocument): number[] {
  return partiesOfDocument(document).map((party) => party.memberId);
}

type StepChecks = { passed: boolean; failures: FundingCheckFailure[]; detailsHidden?: true };

/** A node's checks as the caller may see them: whether they passed and the failure codes, the messages only when visible. */
function shownChecks(checks: StepChecks | undefined, visible: boolean): StepChecks | null {
  if (checks === undefined) return null;
  if (visible) return checks;
  return {
    passed: checks.passed,
    failures: checks.failures.map(({ code, step, tokenId }) => ({ code, step, tokenId, message: HIDDEN_FAILURE_MESSAGE })),
    detailsHidden: true,
  };
}

/**
 * The nodes whose failure details the caller may see: all for auditors and operators; for anyone else the nodes
 * whose trade it was a party to (the member the piece or its parent belongs to, a party of the step's stored
 * documents; for the first piece the anchor and the supplier), and for a factor the pieces it evaluates (live
 * request to it, held or holding) and their ancestors.
 */
async function detailsVisibleTo(
  context: ApiContext,
  access: DocumentAccess,
  caller: Caller,
  slot: SlotRecord,
  nodes: readonly TokenRecord[],
  memberIdOf: (address: string) => Promise<number>,
): Promise<Set<bigint>> {
  if (holdsRole(caller.standing, Role.AUDITOR) || holdsRole(caller.standing, Role.OPERATOR)) return new Set(nodes.map((node) => node.tokenId));
  const me = caller.standing.memberId;
  const visible = new Set<bigint>();
  const byId = new Map(nodes.map((node) => [node.tokenId, node]));
  const memberOf = memberIdOf;
  const partiesOf = async (hashes: readonly string[]): Promise<number[]> => {
    const ids: number[] = [];
    for (const hash of hashes) {
      try {
        const document = await context.store.get(hash);
        if (document !== undefined) ids.push(...documentPartiesOf(document));
      } catch {
        // An altered stored copy names nobody here; the document route reports it.
      }
    }
    return ids;
  };
  for (const node of nodes) {
    const parent = node.parent === null || node.parent === 0n ? undefined : byId.get(node.parent);
    const chainParties = [await memberOf(node.owner), ...(parent === undefined ? [] : [await memberOf(parent.owner)])];
    if (node.parent === 0n) chainParties.push(slot.anchorId, slot.supplierId);
    const proof = node.parent === 0n ? { invoiceHash: slot.invoiceHash, logisticsHash: slot.logisticsHash } : node.tradeProof;
    const documentParties = proof === null ? [] : await partiesOf([proof.invoiceHash, proof.logisticsHash]);
    if (chainParties.includes(me) || documentParties.includes(me)) visible.add(node.tokenId);
  }
  if (holdsRole(caller.standing, Role.FACTOR)) {
    for (const piece of await access.evaluatedPieces(caller.address, me, slot.slot)) {
      for (let at = byId.get(piece); at !== undefined; at = at.parent === null ? undefined : byId.get(at.parent)) visible.add(at.tokenId);
    }
  }
  return visible;
}

/** The checks of the step that created `tokenId` (the last of its lineage). */
async function stepChecks(
  lineage: LineageChecker,
  tokenId: bigint,
  block: { blockNumber: number; blockHash: string; timestamp: number },
): Promise<{ passed: boolean; failures: FundingCheckFailure[] }> {
  const result = await lineage.check(tokenId, block);
  const last = result.steps[result.steps.length - 1];
  const failures = result.failures.filter((failure) => failure.step !== undefined && failure.step === last?.step);
  return { passed: last !== undefined && last.passed, failures };
}
