import { expect } from "chai";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import type { FundingRequest } from "../../src/chain/funding";
import { HIDDEN_FAILURE_MESSAGE, PORTFOLIO_PAGE_MAX } from "../../src/api/indexRoutes";
import { MAX_LIVE_REQUESTS_PER_PIECE } from "../../src/api/requestState";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { DAY, latestTimestamp, nextInvoiceNumber, sellerConsentFor } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { Answer, ApiHarness } from "./harness";

/**
 * Abuse of what the index and the inbox serve (issue 15 items 3-4, issue 14 item 3's view): a holder burying the
 * factor's inbox, a factor reading documents of pieces nobody offered it, a holder laundering someone else's document
 * hash through its own transfer, failure details shown to strangers, dust hiding a member's real pieces.
 */

interface TreeNode {
  tokenId: string;
  checks: { passed: boolean; failures: Array<{ code: string; message: string }>; detailsHidden?: boolean } | null;
}

interface InboxPage {
  requests: Array<{ holder: string; request: { nonce: string; tokenId: string }; state: string }>;
  nextCursor: string | null;
}

describe("API abuse through the index and the inbox: documents, failure details, inbox flooding, dust", () => {
  let api: ApiHarness;
  let root: { slot: bigint; tokenId: bigint; trade: Trade };
  let piece: { tokenId: bigint; trade: Trade };
  let laundered: bigint;

  /** A GET that waits until the index has the chain's current head. */
  const read = async (token: string, route: string): Promise<Answer> => {
    const head = await hre.ethers.provider.getBlockNumber();
    return call(api.url, "GET", `${route}${route.includes("?") ? "&" : "?"}minBlock=${head}`, { token });
  };
  const upload = async (signer: HardhatEthersSigner, trade: Trade): Promise<void> => {
    const token = await signIn(api.url, signer);
    expect((await call(api.url, "POST", "/v1/documents/invoices", { token, json: invoiceProofToWire(trade.invoice) })).status).to.be.oneOf([
      200, 201,
    ]);
    expect((await call(api.url, "POST", "/v1/documents/logistics", { token, json: logisticsProofToWire(trade.logistics) })).status).to.be.oneOf([
      200, 201,
    ]);
  };
  const domain = async () => financingDomain(api.chainId, await api.c.financing.getAddress());
  const submit = async (holder: HardhatEthersSigner, token: string, request: FundingRequest): Promise<Answer> =>
    call(api.url, "POST", "/v1/funding-requests", {
      token,
      json: { request, holderSignature: await signFundingRequest(holder, await domain(), request) },
    });

  before(async function () {
    this.timeout(120_000);
    api = await startApi({ index: true });
    const { c } = api;
    root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 1_000_000n });
    piece = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier2, value: 300_000n });
    await upload(c.tier1, root.trade);
    await upload(c.tier2, piece.trade);
    // The issuer (a factor) is paid by tier 1 with a piece, then names tier 1 and tier 2's documents in its own
    // transfer to tier 3: a fresh fingerprint, someone else's hashes.
    const paid = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.issuer, value: 50_000n });
    // Tier 3, the seller of this transfer, consents to the issuer naming tier 2's documents: the two collude.
    const invoiceNumber = nextInvoiceNumber();
    const proof = {
      invoiceNumber,
      invoiceHash: piece.trade.invoiceHash,
      logisticsHash: piece.trade.logisticsHash,
      sellerConsent: await sellerConsentFor(c, c.tier3, c.issuer, invoiceNumber, piece.trade.invoiceHash),
    };
    const issuerToken = c.receivableToken.connect(c.issuer);
    laundered = await issuerToken.transferWithProof.staticCall(paid.tokenId, c.tier3.address, 1_000n, proof);
    await (await issuerToken.transferWithProof(paid.tokenId, c.tier3.address, 1_000n, proof)).wait();
  });
  after(async () => {
    await api?.close();
  });

  describe("document confidentiality", () => {
    it("attack: a factor not offered a piece cannot read its documents; a live request opens them, withdrawing it closes them", async () => {
      const { c } = api;
      const factor = await signIn(api.url, c.factor);
      const documents = [piece.trade.invoiceHash, piece.trade.logisticsHash, root.trade.invoiceHash];
      for (const hash of documents) {
        const refused = await call(api.url, "GET", `/v1/documents/${hash}`, { token: factor });
        expect(refused.status, hash).to.equal(403);
        expect(codeOf(refused)).to.equal("NOT_A_READER");
      }
      const tier2 = await signIn(api.url, c.tier2);
      const request: FundingRequest = {
        tokenId: piece.tokenId,
        value: 300_000n,
        minPrice: 290_000n,
        factor: c.factor.address,
        withRecourse: false,
        deadline: (await latestTimestamp()) + DAY,
        nonce: 9_001n,
      };
      expect((await submit(c.tier2, tier2, request)).status).to.equal(201);
      // The piece's documents and its ancestors' (the anchor's confirmation) are what the factor evaluates.
      for (const hash of documents) expect((await call(api.url, "GET", `/v1/documents/${hash}`, { token: factor })).status, hash).to.equal(200);
      await (await c.financing.connect(c.tier2).invalidateNonce(request.nonce)).wait();
      for (const hash of documents) expect((await call(api.url, "GET", `/v1/documents/${hash}`, { token: factor })).status, hash).to.equal(403);
    });

    it("attack: a holder naming someone else's document hash in its own transfer cannot read it", async () => {
      const issuer = await signIn(api.url, api.c.issuer);
      // The issuer held the piece whose transfer names the hashes, and is an active factor.
      for (const hash of [piece.trade.invoiceHash, piece.trade.logisticsHash]) {
        const answer = await call(api.url, "GET", `/v1/documents/${hash}`, { token: issuer });
        expect(answer.status, hash).to.equal(403);
      }
      // What backs the piece it was really paid with (the anchor's confirmation above it) it does read.
      expect((await call(api.url, "GET", `/v1/documents/${root.trade.invoiceHash}`, { token: issuer })).status).to.equal(200);
    });

    it("attack: the tree's failure details are hidden from an unrelated member, shown to the parties and auditors", async () => {
      const { c } = api;
      const nodeOf = (answer: Answer): TreeNode | undefined =>
        (answer.body as { nodes: TreeNode[] }).nodes.find((node) => node.tokenId === laundered.toString());
      const auditorTree = await read(await signIn(api.url, c.auditor), `/v1/pieces/${laundered}/tree`);
      const auditorView = nodeOf(auditorTree);
      // The auditor reads the step's documents by number; the stranger below does not.
      expect(Object.values((auditorTree.body as { documentNumbers: Record<string, string> }).documentNumbers)).to.include.members([
        piece.trade.invoice.invoice.number,
        piece.trade.logistics.waybill.number,
      ]);
      expect(auditorView?.checks?.passed).to.equal(false);
      const messages = auditorView?.checks?.failures.map((failure) => failure.message) ?? [];
      expect(messages.length).to.be.greaterThan(0);
      expect(messages.every((message) => message !== HIDDEN_FAILURE_MESSAGE)).to.equal(true);
      // tier 3 received the laundered piece: a party of that step.
      const partyView = nodeOf(await read(await signIn(api.url, c.tier3), `/v1/pieces/${laundered}/tree`));
      expect(partyView?.checks?.failures.map((failure) => failure.message)).to.deep.equal(messages);
      // The anchor is a party of the confirmation, not of this step.
      const stranger = await read(await signIn(api.url, c.anchor), `/v1/pieces/${laundered}/tree`);
      expect(stranger.status).to.equal(200);
      const hidden = nodeOf(stranger);
      expect(hidden?.checks).to.include({ passed: false, detailsHidden: true });
      expect(hidden?.checks?.failures.map((failure) => failure.code)).to.deep.equal(auditorView?.checks?.failures.map((failure) => failure.code));
      expect(hidden?.checks?.failures.every((failure) => failure.message === HIDDEN_FAILURE_MESSAGE)).to.equal(true);
      const text = JSON.stringify(stranger.body);
      for (const secret of [piece.trade.invoice.invoice.number, piece.trade.logistics.waybill.number]) expect(text).to.not.include(secret);
    });
  });

  describe("the factor's inbox", () => {
    it("attack: 500 requests from a low address do not hide another holder's request (capped, newest first, paginated, pruned)", async function () {
      this.timeout(300_000);
      const { c } = api;
      // tier 2 holds `piece`, tier 3 the laundered piece; the lower address floods.
      const [attacker, attackerPiece, victim, victimPiece] =
        c.tier2.address.toLowerCase() < c.tier3.address.toLowerCase()
          ? [c.tier2, piece.tokenId, c.tier3, laundered]
          : [c.tier3, laundered, c.tier2, piece.tokenId];
      const attackerSession = await signIn(api.url, attacker);
      const victimSession = await signIn(api.url, victim);
      const soon = (await latestTimestamp()) + 3_600n;
      const statuses = new Map<number, number>();
      for (let nonce = 1n; nonce <= 500n; nonce += 1n) {
        const answer = await submit(attacker, attackerSession, {
          tokenId: attackerPiece,
          value: 1n,
          minPrice: 0n,
          factor: c.factor.address,
          withRecourse: false,
          deadline: soon,
          nonce: 10_000n + nonce,
        });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 429) expect(fieldsOf(answer)).to.deep.equal(["request.tokenId"]);
      }
      expect(statuses.get(201)).to.equal(MAX_LIVE_REQUESTS_PER_PIECE);
      expect(statuses.get(429)).to.equal(500 - MAX_LIVE_REQUESTS_PER_PIECE);
      const victimRequest: FundingRequest = {
        tokenId: victimPiece,
        value: 1n,
        minPrice: 0n,
        factor: c.factor.address,
        withRecourse: false,
        deadline: (await latestTimestamp()) + 30n * DAY,
        nonce: 42n,
      };
      expect((await submit(victim, victimSession, victimRequest)).status).to.equal(201);

      const factor = await signIn(api.url, c.factor);
      const first = (await call(api.url, "GET", "/v1/funding-requests?as=factor", { token: factor })).body as InboxPage;
      expect(first.requests[0]).to.deep.include({ holder: victim.address, state: "waiting" });
      // Page by page, two at a time: every live request once, newest first.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const route: string = `/v1/funding-requests?as=factor&limit=2${cursor === null ? "" : `&cursor=${cursor}`}`;
        const page = (await call(api.url, "GET", route, { token: factor })).body as InboxPage;
        expect(page.requests.length).to.be.at.most(2);
        seen.push(...page.requests.map((entry) => `${entry.holder}/${entry.request.nonce}`));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).to.have.length(MAX_LIVE_REQUESTS_PER_PIECE + 1);
      expect(seen[0]).to.equal(`${victim.address}/42`);
      expect(new Set(seen).size).to.equal(seen.length);

      // An hour later the attacker's requests have expired: the inbox prunes them, the victim's stays.
      await hre.network.provider.send("evm_increaseTime", [7_200]);
      await hre.network.provider.send("evm_mine", []);
      const later = (await call(api.url, "GET", "/v1/funding-requests?as=factor", { token: factor })).body as InboxPage;
      expect(later.requests.map((entry) => entry.holder)).to.deep.equal([victim.address]);
      // Closed, out of the inbox, kept for the holder to see as expired (a bounded number per holder).
      expect((await api.requests?.get(attacker.address, 10_001n))?.closed?.state).to.equal("expired");
      expect(await api.requests?.get(victim.address, 42n)).to.not.equal(undefined);
      const bad = await call(api.url, "GET", "/v1/funding-requests?as=factor&limit=1000", { token: factor });
      expect(bad.status).to.equal(400);
      expect(fieldsOf(bad)).to.deep.equal(["query.limit"]);
    });
  });

  describe("holdings", () => {
    it("attack: 1,001 dust pieces split into a member's portfolio do not hide its real pieces (value first, paginated, totals over all)", async function () {
      this.timeout(300_000);
      const { c } = api;
      // tier 1 pushes 1-fen splits of its root piece to tier 3, then pays tier 3 a real piece.
      const token = c.receivableToken.connect(c.tier1);
      const dust = 1_001;
      for (let index = 0; index < dust; index += 1) await token["transferFrom(uint256,address,uint256)"](root.tokenId, c.tier3.address, 1n);
      const real = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier3, value: 7_000n });
      const session = await signIn(api.url, c.tier3);
      const firstPage = await read(session, "/v1/portfolio");
      expect(firstPage.status).to.equal(200);
      const body = firstPage.body as {
        pieces: Array<{ tokenId: string; value: string }>;
        nextCursor: string | null;
        totals: { count: number; value: string };
      };
      expect(body.pieces[0]).to.deep.include({ tokenId: real.tokenId.toString(), value: "7000" });
      expect(body.totals.count).to.equal(dust + 2);
      expect(body.totals.value).to.equal((7_000n + 1_000n + BigInt(dust)).toString());
      expect(body.pieces.length).to.equal(100);
      expect(body.nextCursor).to.not.equal(null);
      // Every piece once across pages of the largest size.
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const route: string = `/v1/portfolio?limit=${PORTFOLIO_PAGE_MAX}${cursor === null ? "" : `&cursor=${cursor}`}`;
        const page = (await read(session, route)).body as { pieces: Array<{ tokenId: string }>; nextCursor: string | null };
        all.push(...page.pieces.map((entry) => entry.tokenId));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(all).to.have.length(dust + 2);
      expect(new Set(all).size).to.equal(all.length);
      expect(all.slice(0, 2)).to.deep.equal([real.tokenId.toString(), laundered.toString()]);
      const tooMany = await read(session, `/v1/portfolio?limit=${PORTFOLIO_PAGE_MAX + 1}`);
      expect(tooMany.status).to.equal(400);
      expect(fieldsOf(tooMany)).to.deep.equal(["query.limit"]);
    });
  });
});
