import { expect } from "chai";
import hre from "hardhat";
import { MaxUint256 } from "ethers";
import { financingDomain, signFundingAttestationBy, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { DAY, latestTimestamp, randomHash } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { Answer, ApiHarness } from "./harness";

/**
 * The index read routes served by the API itself (createApp with an in-process indexer), over HTTP: a supplier's
 * holdings with totals by anchor and maturity, a piece with its ancestors and descendants, a receivable's summary,
 * a factor's book, a piece's history, an anchor's obligations. Every answer says the block it is as of and whether
 * it is final (two confirmations here).
 */

const CONFIRMATIONS = 2;

interface AsOf {
  asOfBlock: number;
  final: boolean;
}

describe("API index reads: holdings, trees, receivables, books and histories, each as of a block", () => {
  let api: ApiHarness;
  let auditor: string;
  let tier2: string;
  let factor: string;
  let anchor: string;
  let first: { slot: bigint; tokenId: bigint };
  let second: { slot: bigint; tokenId: bigint };
  let child: bigint;
  let grandchild: bigint;
  let secondChildren: bigint[];
  let head: number;

  /** A GET that waits until the index has the chain's current head. */
  const read = async (token: string | undefined, route: string): Promise<Answer> => {
    head = await hre.ethers.provider.getBlockNumber();
    return call(api.url, "GET", `${route}${route.includes("?") ? "&" : "?"}minBlock=${head}`, { token });
  };

  before(async () => {
    api = await startApi({ index: true, confirmations: CONFIRMATIONS });
    const { c } = api;
    // Two receivables of different maturities to tier 1; tier 1 pays tier 2 from both, tier 2 pays tier 3 from the
    // first, and the factor buys tier 3's piece.
    first = await confirmDocumented(c, { supplier: c.tier1, faceValue: 1_000_000n, maturityInDays: 90n });
    second = await confirmDocumented(c, { supplier: c.tier1, faceValue: 500_000n, maturityInDays: 120n });
    child = (await transferDocumented(c, { fromTokenId: first.tokenId, from: c.tier1, to: c.tier2, value: 300_000n })).tokenId;
    grandchild = (await transferDocumented(c, { fromTokenId: child, from: c.tier2, to: c.tier3, value: 100_000n })).tokenId;
    secondChildren = [
      (await transferDocumented(c, { fromTokenId: second.tokenId, from: c.tier1, to: c.tier2, value: 50_000n })).tokenId,
      (await transferDocumented(c, { fromTokenId: second.tokenId, from: c.tier1, to: c.tier2, value: 60_000n })).tokenId,
    ];

    const financing = await c.financing.getAddress();
    await (await c.settlementToken.connect(c.issuer).issue(c.factor.address, 10_000_000n)).wait();
    await (await c.settlementToken.connect(c.factor).approve(financing, MaxUint256)).wait();
    const domain = financingDomain(api.chainId, financing);
    const deadline = (await latestTimestamp()) + DAY;
    const request: FundingRequest = {
      tokenId: grandchild,
      value: 100_000n,
      minPrice: 98_000n,
      factor: c.factor.address,
      withRecourse: true,
      deadline,
      nonce: 1n,
    };
    const attestation: FundingAttestation = {
      tokenId: grandchild,
      holder: c.tier3.address,
      factor: c.factor.address,
      value: 100_000n,
      price: 98_500n,
      invoiceHash: randomHash(),
      logisticsHash: randomHash(),
      tradeProofHash: randomHash(),
      withRecourse: true,
      deadline,
      nonce: 1n,
    };
    const signatures = await signFundingAttestationBy([c.verifier], domain, attestation);
    await (await c.financing.connect(c.factor).fund(request, await signFundingRequest(c.tier3, domain, request), attestation, signatures)).wait();

    auditor = await signIn(api.url, c.auditor);
    tier2 = await signIn(api.url, c.tier2);
    factor = await signIn(api.url, c.factor);
    anchor = await signIn(api.url, c.anchor);
  });
  after(async () => {
    await api?.close();
  });

  it("gives a supplier's holdings with totals by anchor and by maturity, as of the head block", async () => {
    const answer = await read(tier2, "/v1/portfolio");
    expect(answer.status).to.equal(200);
    const body = answer.body as AsOf & {
      owner: string;
      pieces: Array<{ tokenId: string; value: string; status: string }>;
      totals: {
        count: number;
        value: string;
        byAnchor: Array<{ anchorId: number; count: number; value: string }>;
        byMaturity: Array<{ maturity: string; count: number; value: string }>;
      };
    };
    expect(body.owner).to.equal(api.c.tier2.address);
    expect(body.asOfBlock).to.equal(head);
    // Largest value first, then newest.
    expect(body.pieces.map((piece) => [piece.tokenId, piece.value])).to.deep.equal([
      [child.toString(), "200000"],
      [secondChildren[1].toString(), "60000"],
      [secondChildren[0].toString(), "50000"],
    ]);
    const [firstTerms, secondTerms] = await Promise.all([
      api.c.receivableToken.receivable(first.slot),
      api.c.receivableToken.receivable(second.slot),
    ]);
    expect(body.totals).to.deep.include({
      count: 3,
      value: "310000",
      byAnchor: [{ anchorId: api.c.memberIds.get(api.c.anchor.address), count: 3, value: "310000" }],
      byMaturity: [
        { maturity: firstTerms.maturity.toString(), count: 1, value: "200000" },
        { maturity: secondTerms.maturity.toString(), count: 2, value: "110000" },
      ],
    });
    expect(body.final).to.equal(true, "tier 2's holdings last changed more than two blocks before the head");
  });

  it("gives a piece with its ancestors and descendants, inside its receivable's whole tree", async () => {
    const leaf = await read(auditor, `/v1/pieces/${grandchild}/tree`);
    expect(leaf.status).to.equal(200);
    const body = leaf.body as AsOf & {
      focus: string;
      ancestors: string[];
      descendants: string[];
      nodes: Array<{ tokenId: string; parent: string; owner: string }>;
      fundings: Array<{ fundedTokenId: string }>;
    };
    expect(body.asOfBlock).to.equal(head);
    expect(body.ancestors).to.deep.equal([child.toString(), first.tokenId.toString()]);
    expect(body.descendants).to.deep.equal([]);
    expect(body.nodes.map((node) => node.tokenId)).to.deep.equal([first.tokenId, child, grandchild].map(String));
    expect(body.nodes[2]).to.include({ parent: child.toString(), owner: api.c.factor.address.toLowerCase() });
    expect(body.fundings.map((funding) => funding.fundedTokenId)).to.deep.equal([grandchild.toString()]);
    expect(body.final).to.equal(false, "the grandchild changed hands in the head block");

    const middle = (await read(auditor, `/v1/pieces/${child}/tree`)).body as AsOf & { ancestors: string[]; descendants: string[] };
    expect(middle.ancestors).to.deep.equal([first.tokenId.toString()]);
    expect(middle.descendants).to.deep.equal([grandchild.toString()]);
    const unknown = await read(auditor, `/v1/pieces/${grandchild + 99n}/tree`);
    expect(unknown.status).to.equal(404);
    expect(codeOf(unknown)).to.equal("TOKEN_NOT_FOUND");
  });

  it("attack: a piece's tree asked again at the same indexed block reads nothing more from the node (each request re-read the whole lineage)", async () => {
    const provider = hre.network.provider;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the originals, put back below; called with .call(provider)
    const { send, request } = provider;
    const methods: string[] = [];
    provider.send = (method: string, params?: unknown[]) => {
      methods.push(method);
      return send.call(provider, method, params);
    };
    provider.request = (args: { method: string; params?: unknown[] | object }) => {
      methods.push(args.method);
      return request.call(provider, args);
    };
    try {
      expect((await read(auditor, `/v1/pieces/${grandchild}/tree`)).status).to.equal(200);
      const first = methods.filter((method) => method === "eth_call").length;
      methods.length = 0;
      for (let k = 0; k < 3; k += 1) expect((await read(tier2, `/v1/pieces/${child}/tree`)).status).to.equal(200);
      expect(
        methods.filter((method) => method === "eth_call"),
        `the first tree read the chain ${first} times`,
      ).to.deep.equal([]);
    } finally {
      provider.send = send;
      provider.request = request;
    }
  });

  it("summarises a receivable: face value, outstanding, funded, overdue", async () => {
    const answer = await read(auditor, `/v1/slots/${first.slot}`);
    expect(answer.status).to.equal(200);
    const body = answer.body as AsOf & {
      slot: { faceValue: string; fundedValue: string; pieceCount: number; anchor: string };
      outstanding: string;
      liveValue: string;
      overdue: boolean;
      fullyRepaid: boolean;
    };
    expect(body.asOfBlock).to.equal(head);
    expect(body.slot).to.include({ faceValue: "1000000", fundedValue: "100000", pieceCount: 3, anchor: api.c.anchor.address.toLowerCase() });
    expect(body).to.include({ outstanding: "1000000", liveValue: "1000000", overdue: false, fullyRepaid: false, final: false });
    expect((await read(auditor, "/v1/slots/999")).status).to.equal(404);
    const malformed = await read(auditor, "/v1/slots/abc");
    expect(malformed.status).to.equal(400);
    expect(fieldsOf(malformed)).to.deep.equal(["id"]);
  });

  it("keeps the factor's book for the factor and auditors, not for other members", async () => {
    const own = await read(factor, `/v1/factors/${api.c.factor.address}/book`);
    expect(own.status).to.equal(200);
    const body = own.body as AsOf & {
      totals: Record<string, unknown>;
      fundings: Array<{ fundedTokenId: string; holder: string; price: string; withRecourse: boolean; due: string; status: string }>;
    };
    expect(body.asOfBlock).to.equal(head);
    expect(body.totals).to.deep.equal({ fundings: 1, value: "100000", price: "98500", recourse: "0" });
    expect(body.fundings).to.have.length(1);
    expect(body.fundings[0]).to.include({
      fundedTokenId: grandchild.toString(),
      holder: api.c.tier3.address.toLowerCase(),
      price: "98500",
      withRecourse: true,
      due: "100000",
      status: "funded",
    });
    expect(body.final).to.equal(false, "funded in the head block");
    expect((await read(auditor, `/v1/factors/${api.c.factor.address}/book`)).body).to.deep.equal(body);
    const someoneElse = await read(tier2, `/v1/factors/${api.c.factor.address}/book`);
    expect(someoneElse.status).to.equal(403);
    expect(codeOf(someoneElse)).to.equal("NOT_AN_AUDITOR");
  });

  it("gives a piece's history, decoded, in chain order", async () => {
    const answer = await read(auditor, `/v1/pieces/${grandchild}/history`);
    expect(answer.status).to.equal(200);
    const body = answer.body as AsOf & {
      tokenId: string;
      entries: Array<{ blockNumber: number; contract: string; event: { name: string; price?: string } }>;
    };
    expect(body.asOfBlock).to.equal(head);
    expect(body.tokenId).to.equal(grandchild.toString());
    const names = body.entries.map((entry) => `${entry.contract}.${entry.event.name}`);
    expect(names[0]).to.equal("token.Transfer");
    expect(names).to.include.members(["token.TransferValue", "token.TradeProofRecorded", "financing.Funded"]);
    expect(names.indexOf("financing.Funded")).to.be.greaterThan(names.indexOf("token.TransferValue"));
    expect(body.entries.find((entry) => entry.event.name === "Funded")?.event.price).to.equal("98500");
    const blocks = body.entries.map((entry) => entry.blockNumber);
    expect(blocks).to.deep.equal([...blocks].sort((a, b) => a - b));
    expect(body.final).to.equal(false);
  });

  it("gives an anchor what it owes, receivable by receivable, by maturity", async () => {
    const answer = await read(anchor, `/v1/anchors/${api.c.anchor.address}/obligations`);
    expect(answer.status).to.equal(200);
    const body = answer.body as AsOf & { receivables: Array<{ slot: string; outstanding: string }>; outstanding: string };
    expect(body.asOfBlock).to.equal(head);
    expect(body.receivables.map((row) => [row.slot, row.outstanding])).to.deep.equal([
      [first.slot.toString(), "1000000"],
      [second.slot.toString(), "500000"],
    ]);
    expect(body.outstanding).to.equal("1500000");
    expect(body.final).to.equal(false, "the first receivable's funded value changed in the head block");
  });

  it("calls every answer final once the head is two blocks further on", async () => {
    await hre.network.provider.send("hardhat_mine", [`0x${CONFIRMATIONS.toString(16)}`]);
    for (const route of [
      `/v1/pieces/${grandchild}/tree`,
      `/v1/slots/${first.slot}`,
      `/v1/factors/${api.c.factor.address}/book`,
      `/v1/pieces/${grandchild}/history`,
      `/v1/anchors/${api.c.anchor.address}/obligations`,
      "/v1/portfolio",
    ]) {
      const body = (await read(auditor, route)).body as AsOf;
      expect(body.asOfBlock, route).to.equal(head);
      expect(body.final, route).to.equal(true);
    }
    const status = (await call(api.url, "GET", "/v1/index/status")).body as AsOf & { finalizedBlock: number; head: number };
    expect(status).to.include({ asOfBlock: head, head, finalizedBlock: head - CONFIRMATIONS });
  });
});
