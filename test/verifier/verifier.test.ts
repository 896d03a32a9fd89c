import { expect } from "chai";
import { formatCny } from "../../src/finance/money";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import type { FundingRequest } from "../../src/chain/funding";
import type { ChainbillContracts } from "../../src/chain/system";
import { AlteredDocumentError, parseDocument } from "../../src/proofs/documents";
import type { ParsedDocument } from "../../src/proofs/documents";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { Role } from "../../src/chain/roles";
import { selectSignatureBackend } from "../../src/chain/signatures";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { createLineageChecker, createVerifier } from "../../src/verifier";
import type { FailureCode, FundingCheckOutcome, Verifier } from "../../src/verifier";
import { DAY, deployConsortium, latestTimestamp, nextInvoiceNumber, systemOf } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { chainId, confirmDocumented, documentTrade, tradeProofOf, transferDocumented } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { bindWaybillAgain } from "../helpers/waybills";

/** Documents by hash, as the store would hand them to the verifier. */
class MemoryDocuments {
  readonly byHash = new Map<string, ParsedDocument>();

  async add(trade: Trade): Promise<void> {
    const id = await chainId();
    for (const [kind, wire] of [
      ["invoice", invoiceProofToWire(trade.invoice)],
      ["logistics", logisticsProofToWire(trade.logistics)],
    ] as const) {
      const parsed = parseDocument(kind, wire, id);
      if (!parsed.ok) throw new Error(`test document does not parse: ${JSON.stringify(parsed.problems)}`);
      this.byHash.set(parsed.document.hash, parsed.document);
    }
  }

  clone(): MemoryDocuments {
    const copy = new MemoryDocuments();
    for (const [hash, document] of this.byHash) copy.byHash.set(hash, document);
    return copy;
  }

  get(hash: string): Promise<ParsedDocument | undefined> {
    return Promise.resolve(this.byHash.get(hash.toLowerCase()));
  }
}

const FACE = 100_000_000n;
const TO_TIER2 = 30_000_000n;
const TO_TIER3 = 10_000_000n;

interface Story {
  c: Consortium;
  documents: MemoryDocuments;
  root: bigint;
  tier2Piece: bigint;
  tier3Piece: bigint;
  trades: Trade[];
}

async function story(): Promise<Story> {
  const c = await deployConsortium();
  const documents = new MemoryDocuments();
  const confirmed = await confirmDocumented(c, { supplier: c.tier1, faceValue: FACE });
  const second = await transferDocumented(c, { fromTokenId: confirmed.tokenId, from: c.tier1, to: c.tier2, value: TO_TIER2 });
  const third = await transferDocumented(c, { fromTokenId: second.tokenId, from: c.tier2, to: c.tier3, value: TO_TIER3 });
  for (const trade of [confirmed.trade, second.trade, third.trade]) await documents.add(trade);
  return {
    c,
    documents,
    root: confirmed.tokenId,
    tier2Piece: second.tokenId,
    tier3Piece: third.tokenId,
    trades: [confirmed.trade, second.trade, third.trade],
  };
}

/** The story at its fixture block, with documents of its own (tests alter them) and a verifier reading them. */
async function setup(): Promise<Story & { verifier: Verifier }> {
  const s = await loadFixture(story);
  const documents = s.documents.clone();
  const { c } = s;
  const contracts: ChainbillContracts = systemOf(c);
  return { ...s, documents, verifier: createVerifier({ contracts, provider: hre.ethers.provider, documents, signer: c.verifier }) };
}

async function requestFor(
  s: Story,
  holder: HardhatEthersSigner,
  tokenId: bigint,
  value: bigint,
  nonce = 1n,
): Promise<{ request: FundingRequest; holderSignature: string }> {
  const request: FundingRequest = {
    tokenId,
    value,
    minPrice: value - value / 50n,
    factor: s.c.factor.address,
    withRecourse: false,
    deadline: (await latestTimestamp()) + DAY,
    nonce,
  };
  const domain = financingDomain(await chainId(), await s.c.financing.getAddress());
  return { request, holderSignature: await signFundingRequest(holder, domain, request) };
}

function codes(outcome: FundingCheckOutcome): FailureCode[] {
  return outcome.ok ? [] : outcome.failures.map((failure) => failure.code);
}

describe("verifier: funding checks over a piece's lineage", function () {
  it("check_passesForGenuineDocuments_andTheFactorFundsWithTheAttestation", async function () {
    const s = await setup();
    const { request, holderSignature } = await requestFor(s, s.c.tier3, s.tier3Piece, TO_TIER3);
    const price = request.minPrice;
    const outcome = await s.verifier.check({ request, holderSignature, price, requestedBy: s.c.factor.address });
    if (!outcome.ok) expect.fail(`expected a pass, got ${JSON.stringify(outcome.failures)}`);
    expect(outcome.steps.map((step) => step.kind)).to.deep.equal(["confirmation", "transfer", "transfer"]);
    expect(outcome.steps.every((step) => step.passed)).to.equal(true);
    expect(outcome.attestation.invoiceHash).to.equal(s.trades[2].invoiceHash);
    expect(outcome.attestation.holder).to.equal(s.c.tier3.address);

    await (await s.c.settlementToken.connect(s.c.issuer).issue(s.c.factor.address, price)).wait();
    await (await s.c.settlementToken.connect(s.c.factor).approve(await s.c.financing.getAddress(), price)).wait();
    const before = await s.c.settlementToken.balanceOf(s.c.tier3.address);
    await (await s.c.financing.connect(s.c.factor).fund(request, holderSignature, outcome.attestation, [outcome.signature])).wait();
    expect(await s.c.settlementToken.balanceOf(s.c.tier3.address)).to.equal(before + price);
    expect(await s.c.receivableToken.ownerOf(s.tier3Piece)).to.equal(s.c.factor.address);

    // The same piece a second time: the factor's own piece is already funded, and the nonce is spent.
    const again = await s.verifier.check({ request, holderSignature, price, requestedBy: s.c.factor.address });
    expect(codes(again)).to.include("ALREADY_FUNDED");
    expect(codes(again)).to.include("REQUEST_SIGNATURE");
  });

  it("check_failsWhenASupplierSignsTheWaybillAsCarrier", async function () {
    const s = await setup();
    const forged = await transferDocumented(s.c, {
      fromTokenId: s.tier2Piece,
      from: s.c.tier2,
      to: s.c.tier3,
      value: 5_000_000n,
      trade: { carrier: s.c.tier3 },
    });
    await s.documents.add(forged.trade);
    const { request, holderSignature } = await requestFor(s, s.c.tier3, forged.tokenId, 5_000_000n);
    const outcome = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    expect(outcome.ok).to.equal(false);
    if (outcome.ok) return;
    // Tier 3 is no carrier, and it is the seller of the trade its "waybill" proves.
    expect(outcome.failures.map((failure) => [failure.code, failure.step])).to.deep.equal([
      ["CARRIER_NOT_REGISTERED", 2],
      ["CARRIER_NOT_INDEPENDENT", 2],
    ]);
    expect(outcome.failures[0].message).to.match(/not an active registered carrier/);
    expect(outcome.steps.map((step) => step.passed)).to.deep.equal([true, true, false]);
  });

  it("check_reportsMissingAndAlteredDocuments", async function () {
    const s = await setup();
    s.documents.byHash.delete(s.trades[1].logisticsHash.toLowerCase());
    const altered = s.documents.byHash.get(s.trades[0].invoiceHash.toLowerCase());
    if (altered === undefined || altered.kind !== "invoice") throw new Error("fixture lost its invoice");
    s.documents.byHash.set(s.trades[0].invoiceHash.toLowerCase(), { ...altered, hash: "0x" + "ab".repeat(32) });
    const { request, holderSignature } = await requestFor(s, s.c.tier3, s.tier3Piece, TO_TIER3);
    const outcome = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    expect(codes(outcome)).to.have.members(["DOCUMENT_HASH_MISMATCH", "DOCUMENT_MISSING"]);
  });

  it("check_reportsAStoredCopyAlteredAfterUpload_asAHashMismatch", async function () {
    const s = await setup();
    const alteredHash = s.trades[1].invoiceHash.toLowerCase();
    const source = {
      get: async (hash: string): Promise<ParsedDocument | undefined> => {
        if (hash.toLowerCase() === alteredHash) throw new AlteredDocumentError(alteredHash);
        return s.documents.get(hash);
      },
    };
    const { c } = s;
    const contracts: ChainbillContracts = systemOf(c);
    const verifier = createVerifier({ contracts, provider: hre.ethers.provider, documents: source, signer: c.verifier });
    const { request, holderSignature } = await requestFor(s, s.c.tier3, s.tier3Piece, TO_TIER3);
    const outcome = await verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    expect(outcome.ok).to.equal(false);
    if (outcome.ok) return;
    expect(outcome.failures.map((failure) => [failure.code, failure.step])).to.deep.equal([["DOCUMENT_HASH_MISMATCH", 1]]);
    expect(outcome.failures[0].message).to.match(/altered after upload/);
  });

  it("check_reportsEveryWrongTermOfTheRequestAtOnce", async function () {
    const s = await setup();
    const { request, holderSignature } = await requestFor(s, s.c.tier2, s.tier3Piece, TO_TIER3);
    const outcome = await s.verifier.check({
      request: { ...request },
      holderSignature,
      price: TO_TIER3 + 1n,
      requestedBy: s.c.tier1.address,
    });
    expect(codes(outcome)).to.have.members(["REQUEST_INVALID", "REQUEST_SIGNATURE", "PRICE_OUT_OF_RANGE", "FACTOR_NOT_ELIGIBLE"]);
  });

  it("check_failsWhenTheInvoiceDoesNotMatchTheStep", async function () {
    const s = await setup();
    // Tier 2 pays tier 3 with an invoice for less than the value passed, delivered to someone else, not yet delivered.
    const cheap = await transferDocumented(s.c, {
      fromTokenId: s.tier2Piece,
      from: s.c.tier2,
      to: s.c.tier3,
      value: 2_000_000n,
      trade: { amount: 1_000_000n, deliveredAt: null },
    });
    await s.documents.add(cheap.trade);
    const { request, holderSignature } = await requestFor(s, s.c.tier3, cheap.tokenId, 2_000_000n);
    const outcome = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    expect(codes(outcome)).to.have.members(["INVOICE_TOTAL_TOO_LOW", "NOT_DELIVERED"]);

    const late = await transferDocumented(s.c, {
      fromTokenId: s.tier2Piece,
      from: s.c.tier2,
      to: s.c.tier3,
      value: 1_000_000n,
      trade: { deliveredAt: (await latestTimestamp()) + 5n * DAY, consignee: s.c.tier1 },
    });
    await s.documents.add(late.trade);
    const second = await requestFor(s, s.c.tier3, late.tokenId, 1_000_000n, 2n);
    const lateOutcome = await s.verifier.check({ ...second, price: second.request.minPrice, requestedBy: s.c.factor.address });
    expect(codes(lateOutcome)).to.have.members(["DELIVERED_AFTER_REQUEST", "CONSIGNEE_MISMATCH"]);
  });

  it("check_failsForAPieceThatChangedHandsWithoutProof", async function () {
    const s = await setup();
    const plain = s.c.receivableToken.connect(s.c.tier3)["transferFrom(uint256,address,uint256)"];
    const child = await plain.staticCall(s.tier3Piece, s.c.tier2.address, 1_000_000n);
    await (await plain(s.tier3Piece, s.c.tier2.address, 1_000_000n)).wait();
    const { request, holderSignature } = await requestFor(s, s.c.tier2, child, 1_000_000n);
    const outcome = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    expect(codes(outcome)).to.deep.equal(["STEP_WITHOUT_PROOF"]);
  });

  it("check_failsAfterMaturity_andForAPieceThatDoesNotExist", async function () {
    const s = await setup();
    const { request, holderSignature } = await requestFor(s, s.c.tier3, s.tier3Piece, TO_TIER3);
    await time.increase(91n * DAY);
    const outcome = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    expect(codes(outcome)).to.include.members(["TOKEN_MATURED", "REQUEST_EXPIRED"]);

    const missing = await s.verifier.check({
      request: { ...request, tokenId: (99n << 32n) | 1n },
      holderSignature,
      price: request.minPrice,
      requestedBy: s.c.factor.address,
    });
    expect(codes(missing)).to.deep.equal(["TOKEN_NOT_FOUND"]);
  });

  it("attack: the attestation's recourse is the holder's signed choice, not the factor's", async function () {
    const s = await setup();
    const domain = financingDomain((await hre.ethers.provider.getNetwork()).chainId, await s.c.financing.getAddress());
    for (const [nonce, withRecourse] of [
      [11n, true],
      [12n, false],
    ] as const) {
      const { request } = await requestFor(s, s.c.tier3, s.tier3Piece, TO_TIER3, nonce);
      const signed = { ...request, withRecourse };
      const holderSignature = await signFundingRequest(s.c.tier3, domain, signed);
      const outcome = await s.verifier.check({ request: signed, holderSignature, price: signed.minPrice, requestedBy: s.c.factor.address });
      if (!outcome.ok) expect.fail(`expected a pass, got ${JSON.stringify(outcome.failures)}`);
      expect(outcome.attestation.withRecourse).to.equal(withRecourse);
    }
  });
});

/** The holder's signature with its last byte (v, 27 or 28) written as ethers also accepts it: 0 or 1. */
function withZeroOneV(signature: string): string {
  const v = Number.parseInt(signature.slice(-2), 16);
  return `${signature.slice(0, -2)}${(v - 27).toString(16).padStart(2, "0")}`;
}

describe("verifier: signatures as Financing's OpenZeppelin ECDSA takes them (issue 20)", function () {
  afterEach(function () {
    selectSignatureBackend(undefined, () => undefined);
  });

  it("attack: a holder signature with v 0/1, which Financing refuses, fails the check instead of earning an attestation", async function () {
    const s = await setup();
    const { request, holderSignature } = await requestFor(s, s.c.tier3, s.tier3Piece, TO_TIER3, 21n);
    const outcome = await s.verifier.check({
      request,
      holderSignature: withZeroOneV(holderSignature),
      price: request.minPrice,
      requestedBy: s.c.factor.address,
    });
    expect(codes(outcome)).to.deep.equal(["REQUEST_SIGNATURE"]);
    const genuine = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    expect(codes(genuine)).to.deep.equal([]);
  });

  it("signatures: the verifier gives the same verdicts with libsecp256k1 and with the JavaScript fallback", async function () {
    const s = await setup();
    const cases = [
      await requestFor(s, s.c.tier3, s.tier3Piece, TO_TIER3, 31n),
      await requestFor(s, s.c.tier2, s.tier3Piece, TO_TIER3, 32n),
      await requestFor(s, s.c.tier2, s.tier2Piece, TO_TIER2 - TO_TIER3, 33n),
    ];
    const inputs = [
      ...cases.map(({ request, holderSignature }) => ({ request, holderSignature })),
      { request: cases[0].request, holderSignature: withZeroOneV(cases[0].holderSignature) },
      { request: cases[0].request, holderSignature: `0x${"00".repeat(65)}` },
      { request: cases[0].request, holderSignature: cases[0].holderSignature.slice(0, -2) },
      { request: { ...cases[0].request, value: cases[0].request.value - 1n }, holderSignature: cases[0].holderSignature },
    ];
    const verdicts = async (backend: "native" | "js"): Promise<string[]> => {
      selectSignatureBackend(backend, () => undefined);
      const outcomes: string[] = [];
      for (const { request, holderSignature } of inputs) {
        const outcome = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
        outcomes.push(outcome.ok ? `pass ${outcome.signature}` : codes(outcome).join(","));
      }
      return outcomes;
    };
    const native = await verdicts("native");
    expect(native.slice(0, 2).map((verdict) => verdict.startsWith("pass"))).to.deep.equal([true, false]);
    expect(native.slice(3)).to.deep.equal(["REQUEST_SIGNATURE", "REQUEST_SIGNATURE", "REQUEST_SIGNATURE", "REQUEST_SIGNATURE"]);
    expect(await verdicts("js")).to.deep.equal(native);
  });
});

/**
 * `by` merges `value` of its piece `from` into the piece `to` (ERC-3525 value transfer to a token). Where the
 * chain asks the receiving token's owner to agree to a merge, this is the one place a test's merge goes through.
 */
async function mergeValue(s: Story, by: HardhatEthersSigner, from: bigint, to: bigint, value: bigint): Promise<void> {
  // The chain lets value into another owner's piece only with that owner's approval (issue 14 item 3): these
  // tests give it, to show that even an agreed merge cannot poison anyone's funding check.
  const owner = await s.c.receivableToken.ownerOf(to);
  if (owner !== by.address) {
    const ownerSigner = (await hre.ethers.getSigners()).find((signer) => signer.address === owner);
    if (ownerSigner === undefined) throw new Error(`no signer for ${owner}`);
    await (await s.c.receivableToken.connect(ownerSigner)["approve(address,uint256)"](by.address, to)).wait();
  }
  await (await s.c.receivableToken.connect(by)["transferFrom(uint256,uint256,uint256)"](from, to, value)).wait();
}

/** Pays the holder and takes the piece (or the part asked) for the factor, with the verifier's attestation. */
async function fundChecked(
  s: Story & { verifier: Verifier },
  holder: HardhatEthersSigner,
  tokenId: bigint,
  value: bigint,
  nonce: bigint,
): Promise<void> {
  const { request, holderSignature } = await requestFor(s, holder, tokenId, value, nonce);
  const outcome = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
  if (!outcome.ok) expect.fail(`the funding's own check failed: ${JSON.stringify(outcome.failures)}`);
  await (await s.c.settlementToken.connect(s.c.issuer).issue(s.c.factor.address, request.minPrice)).wait();
  await (await s.c.settlementToken.connect(s.c.factor).approve(await s.c.financing.getAddress(), request.minPrice)).wait();
  await (await s.c.financing.connect(s.c.factor).fund(request, holderSignature, outcome.attestation, [outcome.signature])).wait();
}

async function checkOf(
  s: Story & { verifier: Verifier },
  holder: HardhatEthersSigner,
  tokenId: bigint,
  value: bigint,
  nonce = 7n,
): Promise<FundingCheckOutcome> {
  const { request, holderSignature } = await requestFor(s, holder, tokenId, value, nonce);
  return s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
}

function passed(outcome: FundingCheckOutcome): boolean {
  if (!outcome.ok)
    expect.fail(
      `expected a pass, got ${JSON.stringify(outcome.failures, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))}`,
    );
  return outcome.ok;
}

describe("verifier: no member can poison another's funding check (issue 14, DESIGN I10)", function () {
  it("attack: merge of 1 fen into the root does not poison other pieces' funding checks", async function () {
    const s = await setup();
    // Tier 3, holder of a piece of the same receivable, merges 1 fen of it into tier 1's root.
    await mergeValue(s, s.c.tier3, s.tier3Piece, s.root, 1n);
    expect(passed(await checkOf(s, s.c.tier2, s.tier2Piece, TO_TIER2 - TO_TIER3))).to.equal(true);
    expect(passed(await checkOf(s, s.c.tier3, s.tier3Piece, TO_TIER3 - 1n))).to.equal(true);
    // The root itself: its traded value is still financeable, the merged-in fen is not.
    expect(passed(await checkOf(s, s.c.tier1, s.root, FACE - TO_TIER2))).to.equal(true);
    expect(codes(await checkOf(s, s.c.tier1, s.root, FACE - TO_TIER2 + 1n))).to.deep.equal(["UNBACKED_TRANSFER"]);
  });

  it("attack: merge of 1 fen into the victim's own piece does not make its traded value unfinanceable", async function () {
    const s = await setup();
    await mergeValue(s, s.c.tier2, s.tier2Piece, s.tier3Piece, 1n);
    expect(passed(await checkOf(s, s.c.tier3, s.tier3Piece, TO_TIER3))).to.equal(true);
    const outcome = await checkOf(s, s.c.tier3, s.tier3Piece, TO_TIER3 + 1n);
    expect(outcome.ok).to.equal(false);
    if (outcome.ok) return;
    expect(outcome.failures.map((failure) => [failure.code, failure.step])).to.deep.equal([["UNBACKED_TRANSFER", 2]]);
    expect(outcome.failures[0].message).to.contain(`only ${formatCny(TO_TIER3)} of its value is backed`);
  });

  it("check_refusesMergedInValuePassedOnFromAnAncestor_beyondWhatItsTradeBacked", async function () {
    const s = await setup();
    // 1 fen merged into the root before tier 1 passes all of the root on: one fen of that step is unbacked.
    await mergeValue(s, s.c.tier3, s.tier3Piece, s.root, 1n);
    const all = await transferDocumented(s.c, { fromTokenId: s.root, from: s.c.tier1, to: s.c.tier2, value: FACE - TO_TIER2 + 1n });
    await s.documents.add(all.trade);
    const outcome = await checkOf(s, s.c.tier2, all.tokenId, 1_000_000n);
    expect(outcome.ok).to.equal(false);
    if (outcome.ok) return;
    expect(outcome.failures.map((failure) => [failure.code, failure.step])).to.deep.equal([["UNBACKED_TRANSFER", 0]]);
    expect(outcome.failures[0].message).to.match(
      /passed 700,000\.01 CNY on to piece #[0-9]+\.[0-9]+, but only 700,000\.00 CNY of its value was backed/u,
    );
  });

  it("attack: a middle tier merging value back into its own piece does not poison the piece it passed upstream", async function () {
    const s = await setup();
    // Tier 2 splits 1 fen of its piece to itself and merges it back: its piece, tier 3's parent, gets merged-in value.
    const split = s.c.receivableToken.connect(s.c.tier2)["transferFrom(uint256,address,uint256)"];
    const own = await split.staticCall(s.tier2Piece, s.c.tier2.address, 1n);
    await (await split(s.tier2Piece, s.c.tier2.address, 1n)).wait();
    await mergeValue(s, s.c.tier2, own, s.tier2Piece, 1n);
    expect(passed(await checkOf(s, s.c.tier3, s.tier3Piece, TO_TIER3))).to.equal(true);
  });

  it("attack: tier 1 selling its remaining root whole to a bank does not make earlier upstream pieces ALREADY_FUNDED", async function () {
    const s = await setup();
    await fundChecked(s, s.c.tier1, s.root, FACE - TO_TIER2, 3n);
    expect(await s.c.receivableToken.ownerOf(s.root)).to.equal(s.c.factor.address);
    expect(passed(await checkOf(s, s.c.tier3, s.tier3Piece, TO_TIER3))).to.equal(true);
    expect(passed(await checkOf(s, s.c.tier2, s.tier2Piece, TO_TIER2 - TO_TIER3))).to.equal(true);

    // What the bank bought stays bought: a piece the bank splits off the root afterwards carries funded value.
    const split = s.c.receivableToken.connect(s.c.factor)["transferFrom(uint256,address,uint256)"];
    const resold = await split.staticCall(s.root, s.c.tier1.address, 1_000_000n);
    await (await split(s.root, s.c.tier1.address, 1_000_000n)).wait();
    expect(codes(await checkOf(s, s.c.tier1, resold, 1_000_000n))).to.include("ALREADY_FUNDED");
  });

  it("attack: suspending tier 1 or letting its KYC lapse does not fail tier 3's piece, but a suspended holder fails", async function () {
    const s = await setup();
    const tier1Id = s.c.memberIds.get(s.c.tier1.address) ?? 0;
    await (await s.c.registry.connect(s.c.operator).suspend(tier1Id)).wait();
    await (await s.c.registry.connect(s.c.operator).suspend(s.c.memberIds.get(s.c.carrier.address) ?? 0)).wait();
    expect(passed(await checkOf(s, s.c.tier3, s.tier3Piece, TO_TIER3))).to.equal(true);

    await (await s.c.registry.connect(s.c.operator).reinstate(tier1Id)).wait();
    await (await s.c.registry.connect(s.c.operator).renewKyc(tier1Id, (await latestTimestamp()) + 2n * DAY)).wait();
    await time.increase(3n * DAY);
    expect(passed(await checkOf(s, s.c.tier3, s.tier3Piece, TO_TIER3))).to.equal(true);

    // The holder acts now: its standing now decides.
    await (await s.c.registry.connect(s.c.operator).suspend(s.c.memberIds.get(s.c.tier3.address) ?? 0)).wait();
    expect(codes(await checkOf(s, s.c.tier3, s.tier3Piece, TO_TIER3))).to.deep.equal(["HOLDER_NOT_ELIGIBLE"]);
  });

  it("check_judgesACarrierSuspendedAtTheStep_evenAfterItIsReinstated", async function () {
    const s = await setup();
    const carrierId = s.c.memberIds.get(s.c.carrier.address) ?? 0;
    await (await s.c.registry.connect(s.c.operator).suspend(carrierId)).wait();
    const step = await transferDocumented(s.c, { fromTokenId: s.tier2Piece, from: s.c.tier2, to: s.c.tier3, value: 2_000_000n });
    await s.documents.add(step.trade);
    await (await s.c.registry.connect(s.c.operator).reinstate(carrierId)).wait();
    const outcome = await checkOf(s, s.c.tier3, step.tokenId, 2_000_000n);
    expect(outcome.ok).to.equal(false);
    if (outcome.ok) return;
    // Its signatures of the pick-up and the delivery were made while it was suspended.
    expect(outcome.failures.map((failure) => [failure.code, failure.step])).to.deep.equal([
      ["SIGNER_NOT_ELIGIBLE", 2],
      ["SIGNER_NOT_ELIGIBLE", 2],
      ["CARRIER_NOT_REGISTERED", 2],
    ]);
  });

  it("attack: a seller whose organisation is also a CARRIER cannot sign its own waybill", async function () {
    const s = await setup();
    await (await s.c.registry.connect(s.c.operator).grantRole(s.c.memberIds.get(s.c.tier3.address) ?? 0, Role.CARRIER)).wait();
    const own = await transferDocumented(s.c, {
      fromTokenId: s.tier2Piece,
      from: s.c.tier2,
      to: s.c.tier3,
      value: 5_000_000n,
      trade: { carrier: s.c.tier3 },
    });
    await s.documents.add(own.trade);
    const outcome = await checkOf(s, s.c.tier3, own.tokenId, 5_000_000n);
    expect(outcome.ok).to.equal(false);
    if (outcome.ok) return;
    expect(outcome.failures.map((failure) => [failure.code, failure.step])).to.deep.equal([["CARRIER_NOT_INDEPENDENT", 2]]);
    expect(outcome.failures[0].message).to.match(/neither the seller nor the buyer/);
  });

  it("attack: a second invoice bound to an already-used waybill beyond its delivered quantity fails, the first still passes", async function () {
    const s = await setup();
    // Tier 2 buys goods from tier 3 under one purchase order; the carrier's waybill refers to the order.
    const number = nextInvoiceNumber();
    const first = await transferDocumented(s.c, {
      fromTokenId: s.tier2Piece,
      from: s.c.tier2,
      to: s.c.tier3,
      value: 2_000_000n,
      trade: { number, reference: `PO-${number}` },
    });
    await s.documents.add(first.trade);
    expect(passed(await checkOf(s, s.c.tier3, first.tokenId, 2_000_000n))).to.equal(true);

    // A second invoice of the same seller and buyer, same order, bound to the same waybill on another transfer.
    const rebound = await bindWaybillAgain(s.c, first.trade, { fromTokenId: s.tier2Piece, from: s.c.tier2, to: s.c.tier3, value: 2_000_000n });
    await s.documents.add(rebound.trade);
    const second = rebound.tokenId;

    const outcome = await checkOf(s, s.c.tier3, second, 2_000_000n);
    expect(outcome.ok).to.equal(false);
    if (outcome.ok) return;
    expect(outcome.failures.map((failure) => [failure.code, failure.step])).to.deep.equal([["WAYBILL_OVERUSED", 2]]);
    expect(outcome.failures[0].message).to.match(/delivered 1, invoices bound to it earlier already claim 1/);
    // The first use keeps its claim: its check still passes.
    expect(passed(await checkOf(s, s.c.tier3, first.tokenId, 2_000_000n, 8n))).to.equal(true);
  });

  it("check_doesNotLetAnotherMembersBindingOfAWaybillTakeItsGoods", async function () {
    const s = await setup();
    // Tier 3's genuine trade with tier 2 is documented first; before tier 2 pays with it, tier 1 cites the same
    // waybill for a trade of its own with tier 2 (a hash anyone can copy).
    const genuine = await documentTrade(s.c, { seller: s.c.tier3, buyer: s.c.tier2, amount: 2_000_000n });
    await s.documents.add(genuine);
    const squatter = await documentTrade(s.c, { seller: s.c.tier2, buyer: s.c.tier1, amount: 3_000_000n });
    const squat = { ...squatter, logistics: genuine.logistics, logisticsHash: genuine.logisticsHash };
    await s.documents.add(squat);
    const tier1Token = s.c.receivableToken.connect(s.c.tier1);
    const squatted = await tier1Token.transferWithProof.staticCall(s.root, s.c.tier2.address, 3_000_000n, tradeProofOf(squat));
    await (await tier1Token.transferWithProof(s.root, s.c.tier2.address, 3_000_000n, tradeProofOf(squat))).wait();
    const tier2Token = s.c.receivableToken.connect(s.c.tier2);
    const paid = await tier2Token.transferWithProof.staticCall(s.tier2Piece, s.c.tier3.address, 2_000_000n, tradeProofOf(genuine));
    await (await tier2Token.transferWithProof(s.tier2Piece, s.c.tier3.address, 2_000_000n, tradeProofOf(genuine))).wait();

    expect(passed(await checkOf(s, s.c.tier3, paid, 2_000_000n))).to.equal(true);
    // The squatter's own step fails on its own terms: the waybill is not between its seller and buyer.
    const refused = codes(await checkOf(s, s.c.tier2, squatted, 3_000_000n));
    expect(refused).to.include.members(["PARTY_MISMATCH", "CONSIGNEE_MISMATCH", "SHIPMENT_REFERENCE_MISMATCH"]);
    expect(refused).to.not.include("WAYBILL_OVERUSED");
  });
});

describe("verifier: the public lineage check (no funding request)", function () {
  async function atLatest(): Promise<{ blockNumber: number; blockHash: string; timestamp: number }> {
    const block = await hre.ethers.provider.getBlock("latest");
    if (block === null || block.hash === null) throw new Error("no latest block");
    return { blockNumber: block.number, blockHash: block.hash, timestamp: block.timestamp };
  }

  it("judges every step behind a piece as a funding check would, and names the step whose document is missing", async function () {
    const s = await setup();
    const lineage = createLineageChecker({ contracts: systemOf(s.c), documents: s.documents, chainId: await chainId() });
    const genuine = await lineage.check(s.tier3Piece, await atLatest());
    expect(genuine.failures).to.deep.equal([]);
    expect(genuine.steps.map((step) => [step.kind, step.passed])).to.deep.equal([
      ["confirmation", true],
      ["transfer", true],
      ["transfer", true],
    ]);

    s.documents.byHash.delete(s.trades[1].logisticsHash.toLowerCase());
    const missing = await createLineageChecker({ contracts: systemOf(s.c), documents: s.documents, chainId: await chainId() }).check(
      s.tier3Piece,
      await atLatest(),
    );
    expect(missing.steps.map((step) => step.passed)).to.deep.equal([true, false, true]);
    expect(missing.failures.map((failure) => [failure.code, failure.step])).to.deep.equal([["DOCUMENT_MISSING", missing.steps[1].step]]);
  });

  it("does not count a funding already made against the piece's steps", async function () {
    const s = await setup();
    const { request, holderSignature } = await requestFor(s, s.c.tier3, s.tier3Piece, TO_TIER3);
    const outcome = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    if (!outcome.ok) expect.fail(`expected a pass, got ${JSON.stringify(outcome.failures)}`);
    await (await s.c.settlementToken.connect(s.c.issuer).issue(s.c.factor.address, request.minPrice)).wait();
    await (await s.c.settlementToken.connect(s.c.factor).approve(await s.c.financing.getAddress(), request.minPrice)).wait();
    await (await s.c.financing.connect(s.c.factor).fund(request, holderSignature, outcome.attestation, [outcome.signature])).wait();

    const again = await s.verifier.check({ request, holderSignature, price: request.minPrice, requestedBy: s.c.factor.address });
    expect(codes(again), "a funding check still refuses it").to.include("ALREADY_FUNDED");
    const lineage = await createLineageChecker({ contracts: systemOf(s.c), documents: s.documents, chainId: await chainId() }).check(
      s.tier3Piece,
      await atLatest(),
    );
    expect(lineage.failures).to.deep.equal([]);
    expect(lineage.steps.every((step) => step.passed)).to.equal(true);
  });
});
