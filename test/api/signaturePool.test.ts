import { expect } from "chai";
import hre from "hardhat";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import type { FundingRequest } from "../../src/chain/funding";
import { selectSignatureBackend } from "../../src/chain/signatures";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { createVerifier } from "../../src/verifier";
import { DAY, latestTimestamp } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import { call, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/**
 * Issue 20 item 2: the API recovers signatures through its signature pool, off the event loop. With every batch sent
 * to the threads, uploads and funding checks give exactly the answers of the inline verifier, with libsecp256k1 and
 * with the JavaScript fallback; the pool's threads end when the server closes.
 */

function wireRequest(request: FundingRequest): Record<string, string | boolean> {
  return Object.fromEntries(Object.entries(request).map(([key, value]) => [key, typeof value === "boolean" ? value : String(value)]));
}

function withZeroOneV(signature: string): string {
  return `${signature.slice(0, -2)}${(Number.parseInt(signature.slice(-2), 16) - 27).toString(16).padStart(2, "0")}`;
}

/** The answers of an API whose pool takes every batch, beside the inline verifier's, for a set of funding checks. */
interface Verdict {
  status: number;
  body: unknown;
}

async function verdicts(
  backend: "native" | "js",
): Promise<{ pooled: Verdict[]; inline: Verdict[]; closedThreads: number; pooledSignatures: number }> {
  selectSignatureBackend(backend, () => undefined);
  let api: ApiHarness | undefined = await startApi({ signaturePool: { threads: 2, poolFrom: 1 } });
  try {
    const { c } = api;
    const pool = api.server.context.signatures;
    expect(pool.backendName).to.equal(backend);
    await pool.start();
    expect(pool.stats().threads).to.equal(2);

    const root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 100_000_000n });
    const first = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier2, value: 60_000_000n });
    const second = await transferDocumented(c, { fromTokenId: first.tokenId, from: c.tier2, to: c.tier3, value: 30_000_000n });
    for (const [seller, trade] of [
      [c.tier1, root.trade],
      [c.tier2, first.trade],
      [c.tier3, second.trade],
    ] as const) {
      const token = await signIn(api.url, seller);
      expect((await call(api.url, "POST", "/v1/documents/invoices", { token, json: invoiceProofToWire(trade.invoice) })).status).to.equal(201);
      expect((await call(api.url, "POST", "/v1/documents/logistics", { token, json: logisticsProofToWire(trade.logistics) })).status).to.equal(201);
    }
    // Every document's signatures went through the threads (a forged upload is refused as before).
    const afterUploads = pool.stats().pooledSignatures;
    expect(afterUploads).to.be.at.least(6 * 2);
    const forged = { ...invoiceProofToWire(root.trade.invoice), buyerSignature: root.trade.invoice.sellerSignature };
    const refused = await call(api.url, "POST", "/v1/documents/invoices", { token: await signIn(api.url, c.tier1), json: forged });
    expect(refused.status).to.equal(422);

    const domain = financingDomain(api.chainId, await c.financing.getAddress());
    const deadline = (await latestTimestamp()) + 30n * DAY;
    const request: FundingRequest = {
      tokenId: second.tokenId,
      value: 30_000_000n,
      minPrice: 29_000_000n,
      factor: c.factor.address,
      withRecourse: false,
      deadline,
      nonce: 7n,
    };
    const genuine = await signFundingRequest(c.tier3, domain, request);
    const cases: Array<{ request: FundingRequest; holderSignature: string }> = [
      { request, holderSignature: genuine },
      { request, holderSignature: await signFundingRequest(c.tier2, domain, request) },
      { request, holderSignature: withZeroOneV(genuine) },
      { request, holderSignature: `0x${"00".repeat(65)}` },
      { request: { ...request, value: request.value - 1n }, holderSignature: genuine },
      {
        request: { ...request, tokenId: first.tokenId },
        holderSignature: await signFundingRequest(c.tier2, domain, { ...request, tokenId: first.tokenId }),
      },
    ];
    const factorToken = await signIn(api.url, c.factor);
    // The same checks by a verifier of its own that recovers everything inline, at the same block.
    const inlineVerifier = createVerifier({ contracts: api.contracts, provider: hre.ethers.provider, documents: api.store, signer: c.verifier });
    const pooled: Verdict[] = [];
    const inline: Verdict[] = [];
    const render = (value: unknown): string => JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
    for (const { request: asked, holderSignature } of cases) {
      const answer = await call(api.url, "POST", `/v1/tokens/${asked.tokenId}/funding-checks`, {
        token: factorToken,
        json: { request: wireRequest(asked), holderSignature, price: String(asked.minPrice) },
      });
      pooled.push({ status: answer.status, body: answer.body });
      const outcome = await inlineVerifier.check({ request: asked, holderSignature, price: asked.minPrice, requestedBy: c.factor.address });
      const { ok, ...rest } = outcome;
      inline.push({ status: ok ? 200 : 422, body: JSON.parse(render(rest)) as unknown });
    }
    const pooledSignatures = pool.stats().pooledSignatures;
    // Each check recovered the holder's signature in the pool (a malformed one never reaches a thread).
    expect(pooledSignatures - afterUploads).to.be.at.least(cases.length - 2);
    await api.close();
    api = undefined;
    return { pooled, inline, closedThreads: pool.stats().threads, pooledSignatures };
  } finally {
    await api?.close();
  }
}

describe("API: signature recovery through the signature pool (issue 20)", function () {
  afterEach(function () {
    selectSignatureBackend(undefined, () => undefined);
  });

  it("signatures: checks through the pool give the inline verdicts with either implementation, and the pool ends with the server", async function () {
    const native = await verdicts("native");
    expect(native.pooled).to.deep.equal(native.inline);
    const codes = (answers: Verdict[]): string[] =>
      answers.map(
        ({ status, body }) =>
          `${status} ${((body as { failures?: Array<{ code: string }> }).failures ?? []).map((failure) => failure.code).join(",")}`,
      );
    expect(codes(native.pooled)).to.deep.equal([
      "200 ",
      "422 REQUEST_SIGNATURE",
      "422 REQUEST_SIGNATURE",
      "422 REQUEST_SIGNATURE",
      "422 REQUEST_SIGNATURE",
      "200 ",
    ]);
    expect(native.closedThreads).to.equal(0);

    const js = await verdicts("js");
    expect(js.pooled).to.deep.equal(js.inline);
    expect(js.closedThreads).to.equal(0);
    // The same verdicts (another chain each time, so codes rather than signatures are compared).
    expect(codes(js.pooled)).to.deep.equal(codes(native.pooled));
  });
});
