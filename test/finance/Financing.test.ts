import { expect } from "chai";
import hre from "hardhat";
import { id } from "ethers";
import type { BaseContract, ContractTransactionResponse } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Role, roleMask } from "../../src/chain/roles";
import { tokenIdOf } from "../../src/chain/tokenId";
import { daysBetween, price as discountedPrice } from "../../src/finance/discount";
import {
  FUNDING_ATTESTATION_TYPE_STRING,
  FUNDING_ATTESTATION_TYPES,
  FUNDING_REQUEST_TYPE_STRING,
  FUNDING_REQUEST_TYPES,
  financingDomain,
  fundingAttestationDigest,
  fundingRequestDigest,
  recoverFundingAttestationSigner,
  signFundingAttestation,
  signFundingAttestationBy,
  signFundingRequest,
  sortSignaturesBySigner,
} from "../../src/chain/funding";
import type { FinancingDomain, FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { DAY, YEAR, confirmReceivable, deployConsortium, latestTimestamp, randomHash } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";

const FACE = 100_000_000n; // 1,000,000.00 CNY in fen
const RATE_BPS = 600n; // 6% a year
const PRICE = 98_500_000n;
const FACTOR_CASH = 1_000_000_000n;
const PARTIAL = 30_000_000n;

/** `IFinancing.Recourse` */
const Recourse = { NONE: 0n, AVAILABLE: 1n, RECORDED: 2n } as const;

interface Fixture extends Consortium {
  slot: bigint;
  root: bigint;
  maturity: bigint;
  domain: FinancingDomain;
  financingAddress: string;
}

/** One receivable of FACE for tier1, maturing in 90 days; the factor holds currency and has approved Financing. */
async function fixture(): Promise<Fixture> {
  const c = await deployConsortium();
  const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 90n });
  const financingAddress = await c.financing.getAddress();
  const { chainId } = await hre.ethers.provider.getNetwork();
  await (await c.settlementToken.connect(c.issuer).issue(c.factor.address, FACTOR_CASH)).wait();
  await (await c.settlementToken.connect(c.factor).approve(financingAddress, FACTOR_CASH)).wait();
  const maturity = (await c.receivableToken.receivable(slot)).maturity;
  return { ...c, slot, root: tokenId, maturity, domain: financingDomain(chainId, financingAddress), financingAddress };
}

let nonceCounter = 0n;
function nextNonce(): bigint {
  nonceCounter += 1n;
  return nonceCounter;
}

interface DealOptions {
  tokenId?: bigint;
  value?: bigint;
  price?: bigint;
  minPrice?: bigint;
  holder?: HardhatEthersSigner;
  factor?: HardhatEthersSigner;
  withRecourse?: boolean;
  /** The recourse the holder signs for, when it differs from the attestation's `withRecourse`. */
  requestedRecourse?: boolean;
  requestDeadline?: bigint;
  attestationDeadline?: bigint;
  requestNonce?: bigint;
  attestationNonce?: bigint;
  verifiers?: HardhatEthersSigner[];
}

interface Deal {
  request: FundingRequest;
  attestation: FundingAttestation;
  holderSignature: string;
  verifierSignatures: string[];
  fundingId: string;
}

/** A request signed by the holder and an attestation signed by the verifier(s): by default, tier1 sells its whole root. */
async function deal(f: Fixture, options: DealOptions = {}): Promise<Deal> {
  const now = await latestTimestamp();
  const holder = options.holder ?? f.tier1;
  const factor = options.factor ?? f.factor;
  const tokenId = options.tokenId ?? f.root;
  const value = options.value ?? FACE;
  const price = options.price ?? PRICE;
  const request: FundingRequest = {
    tokenId,
    value,
    minPrice: options.minPrice ?? price,
    factor: factor.address,
    withRecourse: options.requestedRecourse ?? options.withRecourse ?? false,
    deadline: options.requestDeadline ?? now + 7n * DAY,
    nonce: options.requestNonce ?? nextNonce(),
  };
  const attestation: FundingAttestation = {
    tokenId,
    holder: holder.address,
    factor: factor.address,
    value,
    price,
    invoiceHash: randomHash(),
    logisticsHash: randomHash(),
    tradeProofHash: randomHash(),
    withRecourse: options.withRecourse ?? false,
    deadline: options.attestationDeadline ?? now + DAY,
    // The verifier repeats the holder's request nonce: the funding record is kept under it.
    nonce: options.attestationNonce ?? request.nonce,
  };
  return {
    request,
    attestation,
    holderSignature: await signFundingRequest(holder, f.domain, request),
    verifierSignatures: await signFundingAttestationBy(options.verifiers ?? [f.verifier], f.domain, attestation),
    fundingId: fundingAttestationDigest(f.domain, attestation),
  };
}

function fund(f: Fixture, d: Deal, caller: HardhatEthersSigner = f.factor): Promise<ContractTransactionResponse> {
  return f.financing.connect(caller).fund(d.request, d.holderSignature, d.attestation, d.verifierSignatures);
}

/** Everything a refused funding must leave as it was. */
interface Observed {
  cash: bigint[];
  owner: string;
  value: bigint;
  pieceCount: bigint;
  factorHoldings: bigint;
  nonceUsed: boolean;
  fundedAt: bigint;
}

async function observe(f: Fixture, d: Deal): Promise<Observed> {
  const accounts = [f.factor, f.issuer, f.tier1, f.tier2, f.tier3, f.verifier];
  return {
    cash: await Promise.all(accounts.map((account) => f.settlementToken.balanceOf(account.address))),
    owner: await f.receivableToken.ownerOf(d.attestation.tokenId),
    value: await f.receivableToken["balanceOf(uint256)"](d.attestation.tokenId),
    pieceCount: (await f.receivableToken.receivable(f.slot)).pieceCount,
    factorHoldings: await f.receivableToken["balanceOf(address)"](f.factor.address),
    nonceUsed: await f.financing.isNonceUsed(d.attestation.holder, d.request.nonce),
    fundedAt: (await f.financing.funding(d.attestation.holder, d.attestation.nonce)).fundedAt,
  };
}

/**
 * `send` reverts with exactly `error` (from `contract`, with `args` when given), and neither currency balances nor
 * the piece's owner and value, the slot's pieces, the holder's nonce or the funding record changed.
 */
async function expectRefused(
  f: Fixture,
  d: Deal,
  send: () => Promise<ContractTransactionResponse>,
  contract: BaseContract,
  error: string,
  args?: readonly unknown[],
): Promise<void> {
  const before = await observe(f, d);
  const refused = expect(send()).to.be.revertedWithCustomError(contract, error);
  await (args === undefined ? refused : refused.withArgs(...args));
  expect(await observe(f, d)).to.deep.equal(before);
}

/** Admits another organisation as a VERIFIER. */
async function admitVerifier(f: Fixture, account: HardhatEthersSigner, name: string): Promise<void> {
  const kycValidUntil = (await latestTimestamp()) + 2n * YEAR;
  await (await f.registry.admit(id(name), account.address, roleMask(Role.VERIFIER), kycValidUntil)).wait();
}

function memberId(f: Fixture, account: HardhatEthersSigner): number {
  const found = f.memberIds.get(account.address);
  if (found === undefined) throw new Error(`${account.address} is not a member of the fixture`);
  return found;
}

describe("Financing", function () {
  describe("EIP-712 messages (src/chain/funding.ts)", function () {
    it("types encode exactly as the contract's typehashes, and the digests equal the contract's", async function () {
      const f = await loadFixture(fixture);
      const { TypedDataEncoder } = hre.ethers;
      const requestTypes = { FundingRequest: [...FUNDING_REQUEST_TYPES.FundingRequest] };
      const attestationTypes = { FundingAttestation: [...FUNDING_ATTESTATION_TYPES.FundingAttestation] };
      expect(TypedDataEncoder.from(requestTypes).encodeType("FundingRequest")).to.equal(FUNDING_REQUEST_TYPE_STRING);
      expect(TypedDataEncoder.from(attestationTypes).encodeType("FundingAttestation")).to.equal(FUNDING_ATTESTATION_TYPE_STRING);

      const d = await deal(f, { withRecourse: true });
      expect(await f.financing.requestDigest(d.request)).to.equal(fundingRequestDigest(f.domain, d.request));
      expect(await f.financing.attestationDigest(d.attestation)).to.equal(d.fundingId);
      const [, name, version, chainId, verifyingContract] = await f.financing.eip712Domain();
      expect({ name, version, chainId, verifyingContract }).to.deep.equal(f.domain);
    });

    it("sortSignaturesBySigner orders by address as a number and refuses a signer twice", function () {
      const low = "0x00000000000000000000000000000000000000aa";
      const mid = "0x0000000000000000000000000000000000000B00";
      const high = "0xfF00000000000000000000000000000000000000";
      expect(
        sortSignaturesBySigner([
          { signer: high, signature: "0x03" },
          { signer: low, signature: "0x01" },
          { signer: mid.toLowerCase(), signature: "0x02" },
        ]),
      ).to.deep.equal(["0x01", "0x02", "0x03"]);
      expect(() =>
        sortSignaturesBySigner([
          { signer: low, signature: "0x01" },
          { signer: low.toUpperCase().replace("0X", "0x"), signature: "0x02" },
        ]),
      ).to.throw(/two signatures/);
    });
  });

  describe("user stories", function () {
    it("a factor funds a whole piece: price from factor to holder, piece from holder to factor, record stored and emitted", async function () {
      const f = await loadFixture(fixture);
      // The price the factor offers is the quote: ACT/360 discount until maturity, as src/finance/discount.ts computes it.
      const quoted = await f.financing.quote(FACE, RATE_BPS, f.maturity);
      expect(quoted).to.equal(discountedPrice(FACE, RATE_BPS, daysBetween(await latestTimestamp(), f.maturity)));
      expect(quoted).to.be.lessThan(FACE);

      const d = await deal(f, { price: quoted });
      const [fundingId, fundedTokenId] = await f.financing
        .connect(f.factor)
        .fund.staticCall(d.request, d.holderSignature, d.attestation, d.verifierSignatures);
      expect(fundingId).to.equal(d.fundingId);
      expect(fundedTokenId).to.equal(f.root);

      const tx = fund(f, d);
      await expect(tx).to.changeTokenBalances(f.settlementToken, [f.factor, f.tier1], [-quoted, quoted]);
      await expect(tx).to.emit(f.financing, "Funded").withArgs(d.fundingId, f.root, f.factor.address, f.tier1.address, f.root, FACE, quoted, false);
      await expect(tx).to.emit(f.receivableToken, "Transfer").withArgs(f.tier1.address, f.factor.address, f.root);
      const receipt = await (await tx).wait();
      const block = await hre.ethers.provider.getBlock(receipt?.blockNumber ?? "latest");

      expect(await f.receivableToken.ownerOf(f.root)).to.equal(f.factor.address);
      expect(await f.receivableToken["balanceOf(uint256)"](f.root)).to.equal(FACE);
      const record = await f.financing.funding(d.attestation.holder, d.attestation.nonce);
      expect(record.factorId).to.equal(memberId(f, f.factor));
      expect(record.sellerId).to.equal(memberId(f, f.tier1));
      expect(record.price).to.equal(quoted);
      expect(record.fundedAt).to.equal(block?.timestamp);
      expect(record.recourse).to.equal(Recourse.NONE);
      expect(record.fundedSeq).to.equal(1n);
      expect(await f.financing.isNonceUsed(f.tier1.address, d.request.nonce)).to.equal(true);
    });

    it("a factor funds part of a piece: the value is split off first, and the factor holds the new piece", async function () {
      const f = await loadFixture(fixture);
      const price = 29_600_000n;
      const d = await deal(f, { value: PARTIAL, price, withRecourse: true });
      const newPiece = tokenIdOf(f.slot, 2n);

      const tx = fund(f, d);
      await expect(tx).to.changeTokenBalances(f.settlementToken, [f.factor, f.tier1], [-price, price]);
      await expect(tx)
        .to.emit(f.financing, "Funded")
        .withArgs(d.fundingId, f.root, f.factor.address, f.tier1.address, newPiece, PARTIAL, price, true);
      await expect(tx).to.emit(f.receivableToken, "TransferValue").withArgs(f.root, newPiece, PARTIAL);

      expect(await f.receivableToken.ownerOf(newPiece)).to.equal(f.factor.address);
      expect(await f.receivableToken["balanceOf(uint256)"](newPiece)).to.equal(PARTIAL);
      expect(await f.receivableToken.parentOf(newPiece)).to.equal(f.root);
      expect(await f.receivableToken.ownerOf(f.root)).to.equal(f.tier1.address);
      expect(await f.receivableToken["balanceOf(uint256)"](f.root)).to.equal(FACE - PARTIAL);
      const record = await f.financing.funding(d.attestation.holder, d.attestation.nonce);
      expect(record.fundedSeq).to.equal(2n);
      expect(record.recourse).to.equal(Recourse.AVAILABLE);
      expect(record.price).to.equal(price);
    });

    it("the holder may approve the request on chain instead of signing it", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      const digest = fundingRequestDigest(f.domain, d.request);
      await expect(f.financing.connect(f.tier1).approveRequest(d.request)).to.emit(f.financing, "RequestApproved").withArgs(digest, f.tier1.address);

      const onChain: Deal = { ...d, holderSignature: "0x" };
      await expect(fund(f, onChain)).to.changeTokenBalances(f.settlementToken, [f.factor, f.tier1], [-PRICE, PRICE]);
      expect(await f.receivableToken.ownerOf(f.root)).to.equal(f.factor.address);
      expect(await f.financing.isNonceUsed(f.tier1.address, d.request.nonce)).to.equal(true);
    });

    it("approveRequest_revertsWhenTheCallerDoesNotHoldThePiece", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      await expect(f.financing.connect(f.tier2).approveRequest(d.request))
        .to.be.revertedWithCustomError(f.financing, "FinancingNotHolder")
        .withArgs(f.root, f.tier2.address);
    });

    it("an on-chain approval covers only the request approved", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      await (await f.financing.connect(f.tier1).approveRequest({ ...d.request, minPrice: d.request.minPrice - 1n })).wait();
      await expectRefused(f, d, () => fund(f, { ...d, holderSignature: "0x" }), f.financing, "FinancingMissingHolderConsent", [f.tier1.address]);
    });
  });

  describe("k of n verifiers", function () {
    interface KofN extends Fixture {
      second: HardhatEthersSigner;
      sameOrganisation: HardhatEthersSigner;
    }

    /** Operator requires 2; a second verifier organisation; a second key of the first verifier organisation. */
    async function kOfN(): Promise<KofN> {
      const f = await loadFixture(fixture);
      const [second, sameOrganisation] = f.outsiders;
      await admitVerifier(f, second, "VERIFIER-SECOND-SERVICE");
      await (await f.registry.addAccount(memberId(f, f.verifier), sameOrganisation.address)).wait();
      await expect(f.financing.setRequiredVerifiers(2n)).to.emit(f.financing, "RequiredVerifiersSet").withArgs(2n);
      return { ...f, second, sameOrganisation };
    }

    it("one verifier is required by default; only an operator sets the number, between 1 and 16", async function () {
      const f = await loadFixture(fixture);
      expect(await f.financing.requiredVerifiers()).to.equal(1n);
      await expect(f.financing.connect(f.verifier).setRequiredVerifiers(2n))
        .to.be.revertedWithCustomError(f.financing, "FinancingUnauthorizedOperator")
        .withArgs(f.verifier.address);
      await expect(f.financing.setRequiredVerifiers(0n)).to.be.revertedWithCustomError(f.financing, "FinancingInvalidRequiredVerifiers").withArgs(0n);
      await expect(f.financing.setRequiredVerifiers(17n))
        .to.be.revertedWithCustomError(f.financing, "FinancingInvalidRequiredVerifiers")
        .withArgs(17n);
      await (await f.financing.setRequiredVerifiers(16n)).wait();
      expect(await f.financing.requiredVerifiers()).to.equal(16n);
    });

    it("with 2 required, two distinct verifier organisations fund", async function () {
      const f = await kOfN();
      const d = await deal(f, { verifiers: [f.verifier, f.second] });
      await expect(fund(f, d)).to.changeTokenBalances(f.settlementToken, [f.factor, f.tier1], [-PRICE, PRICE]);
      expect(await f.receivableToken.ownerOf(f.root)).to.equal(f.factor.address);
    });

    it("fund_revertsWhenTooFewVerifiersSigned", async function () {
      const f = await kOfN();
      const d = await deal(f, { verifiers: [f.second] });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingTooFewVerifiers", [1n, 2n]);
    });

    it("fund_revertsWhenTheSameVerifierOrganisationSignsTwice", async function () {
      const f = await kOfN();
      const d = await deal(f, { verifiers: [f.verifier, f.sameOrganisation] });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingDuplicateVerifier", [memberId(f, f.verifier)]);
    });

    it("fund_revertsWhenVerifierSignaturesAreNotOrderedBySigner", async function () {
      const f = await kOfN();
      const d = await deal(f, { verifiers: [f.verifier, f.second] });
      const descending: Deal = { ...d, verifierSignatures: [...d.verifierSignatures].reverse() };
      const lower = BigInt(f.verifier.address) < BigInt(f.second.address) ? f.verifier.address : f.second.address;
      await expectRefused(f, descending, () => fund(f, descending), f.financing, "FinancingSignersNotAscending", [lower]);

      // The same signature twice is not two verifiers either.
      const twice: Deal = { ...d, verifierSignatures: [d.verifierSignatures[0], d.verifierSignatures[0]] };
      await expectRefused(f, twice, () => fund(f, twice), f.financing, "FinancingSignersNotAscending", [lower]);
    });
  });

  describe("refusals: nothing moves", function () {
    it("fund_revertsWhenTheAttestationHasExpired", async function () {
      const f = await loadFixture(fixture);
      const deadline = (await latestTimestamp()) + 3_600n;
      const d = await deal(f, { attestationDeadline: deadline });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingAttestationExpired", [deadline, deadline + 1n]);
    });

    it("fund_revertsWhenTheAttestationIsReplayed (a piece is funded at most once per attestation)", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f, { value: PARTIAL, price: 29_000_000n });
      await (await fund(f, d)).wait();
      // Even with a fresh holder consent, the used attestation is refused.
      const fresh = { ...d.request, nonce: nextNonce() };
      const again: Deal = { ...d, request: fresh, holderSignature: await signFundingRequest(f.tier1, f.domain, fresh) };
      await expectRefused(f, again, () => fund(f, again), f.financing, "FinancingAttestationReplayed", [d.fundingId]);
    });

    it("fund_revertsWhenTheAttestationWasSignedForAnotherChain", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      const otherChain: FinancingDomain = { ...f.domain, chainId: 1n };
      const signature = await signFundingAttestation(f.verifier, otherChain, d.attestation);
      // Under this chain's domain the signature recovers to an unrelated address (ethers.verifyTypedData).
      const recovered = recoverFundingAttestationSigner(f.domain, d.attestation, signature);
      expect(recovered).to.not.equal(f.verifier.address);
      const forged: Deal = { ...d, verifierSignatures: [signature] };
      await expectRefused(f, forged, () => fund(f, forged), f.financing, "FinancingSignerNotVerifier", [recovered]);
    });

    it("fund_revertsWhenTheAttestationWasSignedForAnotherContract", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      const otherContract: FinancingDomain = { ...f.domain, verifyingContract: await f.settlement.getAddress() };
      const signature = await signFundingAttestation(f.verifier, otherContract, d.attestation);
      const recovered = recoverFundingAttestationSigner(f.domain, d.attestation, signature);
      expect(recovered).to.not.equal(f.verifier.address);
      const forged: Deal = { ...d, verifierSignatures: [signature] };
      await expectRefused(f, forged, () => fund(f, forged), f.financing, "FinancingSignerNotVerifier", [recovered]);
    });

    it("fund_revertsWhenTheAttestationNamesAnotherHolder", async function () {
      const f = await loadFixture(fixture);
      // The verifier attested a trade of tier2's, but the piece is tier1's; tier2's own consent does not help.
      const d = await deal(f, { holder: f.tier2 });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingHolderMismatch", [f.root, f.tier2.address, f.tier1.address]);
    });

    it("fund_revertsWhenTheVerifierIsSuspended", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      await (await f.registry.suspend(memberId(f, f.verifier))).wait();
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingSignerNotVerifier", [f.verifier.address]);
    });

    it("fund_revertsWhenTheSignerIsAMemberWithoutTheVerifierRole", async function () {
      const f = await loadFixture(fixture);
      const byAuditor = await deal(f, { verifiers: [f.auditor] });
      await expectRefused(f, byAuditor, () => fund(f, byAuditor), f.financing, "FinancingSignerNotVerifier", [f.auditor.address]);
      const byOutsider = await deal(f, { verifiers: [f.outsiders[2]] });
      await expectRefused(f, byOutsider, () => fund(f, byOutsider), f.financing, "FinancingSignerNotVerifier", [f.outsiders[2].address]);
    });

    it("fund_revertsWhenThereIsNoVerifierSignatureAtAll", async function () {
      const f = await loadFixture(fixture);
      const d: Deal = { ...(await deal(f)), verifierSignatures: [] };
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingTooFewVerifiers", [0n, 1n]);
    });

    it("fund_revertsWhenTheReceivableHasMatured", async function () {
      const f = await loadFixture(fixture);
      const late = f.maturity + 30n * DAY;
      const d = await deal(f, { attestationDeadline: late, requestDeadline: late });
      await time.setNextBlockTimestamp(f.maturity);
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingTokenMatured", [f.root, f.maturity]);
    });

    it("fund_revertsWhenTheReceivableIsOverdue", async function () {
      const f = await loadFixture(fixture);
      const late = f.maturity + 30n * DAY;
      const d = await deal(f, { attestationDeadline: late, requestDeadline: late });
      await time.increaseTo(f.maturity + 2n * DAY);
      expect(await f.settlement.isOverdue(f.slot)).to.equal(true);
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingTokenMatured", [f.root, f.maturity]);
    });

    it("fund_revertsWhenThePriceIsAboveTheValue", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f, { price: FACE + 1n, minPrice: 0n });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingPriceAboveValue", [FACE + 1n, FACE]);
    });

    it("fund_revertsWhenThePriceIsBelowTheHoldersMinimum", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f, { price: PRICE, minPrice: PRICE + 1n });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingPriceBelowMinimum", [PRICE, PRICE + 1n]);
    });

    it("fund_revertsWhenTheValueIsZero", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f, { value: 0n, price: 0n });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingZeroValue", []);
    });

    it("fund_revertsWhenTheCallerIsNotAnActiveFactor", async function () {
      const f = await loadFixture(fixture);
      // A supplier, named by both request and attestation, with currency and allowance: still not a factor.
      await (await f.settlementToken.connect(f.issuer).issue(f.tier2.address, FACE)).wait();
      await (await f.settlementToken.connect(f.tier2).approve(f.financingAddress, FACE)).wait();
      const bySupplier = await deal(f, { factor: f.tier2 });
      await expectRefused(f, bySupplier, () => fund(f, bySupplier, f.tier2), f.financing, "FinancingNotFactor", [f.tier2.address]);

      // A suspended factor neither.
      const d = await deal(f);
      await (await f.registry.suspend(memberId(f, f.factor))).wait();
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingNotFactor", [f.factor.address]);
    });

    it("fund_revertsWhenTheCallerIsNotTheFactorNamed", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      // Another factor (the issuing bank) runs off with the deal.
      await expectRefused(f, d, () => fund(f, d, f.issuer), f.financing, "FinancingFactorMismatch", [
        f.issuer.address,
        f.factor.address,
        f.factor.address,
      ]);
      // The holder asked for another factor than the one attested.
      const request = { ...d.request, factor: f.issuer.address };
      const otherRequest: Deal = { ...d, request, holderSignature: await signFundingRequest(f.tier1, f.domain, request) };
      await expectRefused(f, otherRequest, () => fund(f, otherRequest), f.financing, "FinancingFactorMismatch", [
        f.factor.address,
        f.factor.address,
        f.issuer.address,
      ]);
    });

    it("fund_revertsWithoutTheHoldersConsent", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      const unsigned: Deal = { ...d, holderSignature: "0x" };
      await expectRefused(f, unsigned, () => fund(f, unsigned), f.financing, "FinancingMissingHolderConsent", [f.tier1.address]);
      const byAnother: Deal = { ...d, holderSignature: await signFundingRequest(f.tier2, f.domain, d.request) };
      await expectRefused(f, byAnother, () => fund(f, byAnother), f.financing, "FinancingMissingHolderConsent", [f.tier1.address]);
      const byFactor: Deal = { ...d, holderSignature: await signFundingRequest(f.factor, f.domain, d.request) };
      await expectRefused(f, byFactor, () => fund(f, byFactor), f.financing, "FinancingMissingHolderConsent", [f.tier1.address]);
    });

    it("fund_revertsWhenTheHoldersRequestHasExpired", async function () {
      const f = await loadFixture(fixture);
      const deadline = (await latestTimestamp()) + 3_600n;
      const d = await deal(f, { requestDeadline: deadline, attestationDeadline: deadline + DAY });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingRequestExpired", [deadline, deadline + 1n]);
    });

    it("fund_revertsWhenTheRequestNonceWasUsed", async function () {
      const f = await loadFixture(fixture);
      const nonce = nextNonce();
      await (await fund(f, await deal(f, { value: PARTIAL, price: 29_000_000n, requestNonce: nonce }))).wait();
      // A second request under the same nonce, for the rest, with a fresh attestation.
      const d = await deal(f, { value: FACE - PARTIAL, price: 69_000_000n, requestNonce: nonce });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingNonceUsed", [f.tier1.address, nonce]);
    });

    it("fund_revertsWhenTheHolderWithdrewTheNonce", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      await expect(f.financing.connect(f.tier1).invalidateNonce(d.request.nonce))
        .to.emit(f.financing, "NonceInvalidated")
        .withArgs(f.tier1.address, d.request.nonce);
      expect(await f.financing.isNonceUsed(f.tier1.address, d.request.nonce)).to.equal(true);
      // observe() reads the nonce as used already, so "unchanged" means it stays used and nothing else moved.
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingNonceUsed", [f.tier1.address, d.request.nonce]);
      await expect(f.financing.connect(f.tier1).invalidateNonce(d.request.nonce))
        .to.be.revertedWithCustomError(f.financing, "FinancingNonceUsed")
        .withArgs(f.tier1.address, d.request.nonce);
      // A nonce far from the first word is independent of it.
      const far = (1n << 200n) + 5n;
      expect(await f.financing.isNonceUsed(f.tier1.address, far)).to.equal(false);
    });

    it("fund_revertsWhenTheRequestAndTheAttestationDisagree", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      const request = { ...d.request, value: PARTIAL };
      const smaller: Deal = { ...d, request, holderSignature: await signFundingRequest(f.tier1, f.domain, request) };
      await expectRefused(f, smaller, () => fund(f, smaller), f.financing, "FinancingRequestMismatch", [f.root, f.root, PARTIAL, FACE]);

      const other = await confirmReceivable(f, { supplier: f.tier1, faceValue: FACE });
      const otherRequest = { ...d.request, tokenId: other.tokenId };
      const otherPiece: Deal = { ...d, request: otherRequest, holderSignature: await signFundingRequest(f.tier1, f.domain, otherRequest) };
      await expectRefused(f, otherPiece, () => fund(f, otherPiece), f.financing, "FinancingRequestMismatch", [other.tokenId, f.root, FACE, FACE]);
    });

    it("attack: a factor cannot fund with recourse a request the holder signed without recourse, nor the reverse", async function () {
      const f = await loadFixture(fixture);
      // The verifier signs what the factor asked for; the holder signed a plain sale.
      const plainSale = await deal(f, { requestedRecourse: false, withRecourse: true });
      await expectRefused(f, plainSale, () => fund(f, plainSale), f.financing, "FinancingRecourseMismatch", [false, true]);
      // The holder offered recourse; an attestation without it is not the sale the holder agreed to either.
      const offered = await deal(f, { requestedRecourse: true, withRecourse: false });
      await expectRefused(f, offered, () => fund(f, offered), f.financing, "FinancingRecourseMismatch", [true, false]);
      // The holder's choice, attested as signed, funds; the record keeps it.
      const agreed = await deal(f, { value: PARTIAL, price: 29_000_000n, withRecourse: true });
      await expect(fund(f, agreed)).to.emit(f.financing, "Funded");
      expect((await f.financing.funding(f.tier1.address, agreed.request.nonce)).recourse).to.equal(Recourse.AVAILABLE);
    });

    it("fund_revertsWhenTheAttestationDoesNotCarryTheRequestNonce", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f, { requestNonce: 41n, attestationNonce: 42n });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingNonceMismatch", [41n, 42n]);
    });

    it("a factor cannot buy a piece from its own organisation", async function () {
      const f = await loadFixture(fixture);
      const tier1Id = f.memberIds.get(f.tier1.address) ?? 0;
      await (await f.registry.grantRole(tier1Id, Role.FACTOR)).wait();
      await (await f.settlementToken.connect(f.issuer).issue(f.tier1.address, FACE)).wait();
      await (await f.settlementToken.connect(f.tier1).approve(await f.financing.getAddress(), FACE)).wait();
      const d = await deal(f, { factor: f.tier1 });
      await expectRefused(f, d, () => fund(f, d, f.tier1), f.financing, "FinancingSelfFunding", [tier1Id]);
    });

    it("a verifier cannot attest a funding its own organisation is party to", async function () {
      const f = await loadFixture(fixture);
      const tier1Id = f.memberIds.get(f.tier1.address) ?? 0;
      await (await f.registry.grantRole(tier1Id, Role.VERIFIER)).wait();
      const d = await deal(f, { verifiers: [f.tier1] });
      await expectRefused(f, d, () => fund(f, d), f.financing, "FinancingConflictedVerifier", [tier1Id]);
      const factorId = f.memberIds.get(f.factor.address) ?? 0;
      await (await f.registry.grantRole(factorId, Role.VERIFIER)).wait();
      const byFactor = await deal(f, { verifiers: [f.factor] });
      await expectRefused(f, byFactor, () => fund(f, byFactor), f.financing, "FinancingConflictedVerifier", [factorId]);
    });

    it("fund_revertsWhenTheFactorHasNotApprovedTheCurrency", async function () {
      const f = await loadFixture(fixture);
      await (await f.settlementToken.connect(f.factor).approve(f.financingAddress, 0n)).wait();
      const d = await deal(f);
      await expectRefused(f, d, () => fund(f, d), f.settlementToken, "ERC20InsufficientAllowance", [f.financingAddress, 0n, PRICE]);
    });

    it("fund_revertsWhenTheFactorHasNotEnoughCurrency", async function () {
      const f = await loadFixture(fixture);
      // The issuing bank is a FACTOR too; it approved but holds nothing.
      await (await f.settlementToken.connect(f.issuer).approve(f.financingAddress, FACE)).wait();
      const d = await deal(f, { factor: f.issuer });
      await expectRefused(f, d, () => fund(f, d, f.issuer), f.settlementToken, "ERC20InsufficientBalance", [f.issuer.address, 0n, PRICE]);
    });

    it("fund_revertsWhileTheTokenIsPaused", async function () {
      const f = await loadFixture(fixture);
      const d = await deal(f);
      await (await f.receivableToken.pause()).wait();
      await expectRefused(f, d, () => fund(f, d), f.receivableToken, "EnforcedPause", []);
    });
  });

  describe("recourse", function () {
    const GRACE = 10n * DAY;

    interface Funded extends Fixture {
      d: Deal;
      fundedTokenId: bigint;
    }

    /** The factor funds PARTIAL of tier1's piece with recourse; the anchor holds currency to repay; 10 days' grace. */
    async function fundedWithRecourse(withRecourse: boolean): Promise<Funded> {
      const f = await loadFixture(fixture);
      await (await f.settlement.setGracePeriod(GRACE)).wait();
      await (await f.settlementToken.connect(f.issuer).issue(f.anchor.address, FACE)).wait();
      await (await f.settlementToken.connect(f.anchor).approve(await f.settlement.getAddress(), FACE)).wait();
      const d = await deal(f, { value: PARTIAL, price: 29_000_000n, withRecourse });
      await (await fund(f, d)).wait();
      return { ...f, d, fundedTokenId: tokenIdOf(f.slot, 2n) };
    }

    it("the funding factor records recourse once the receivable is overdue, for the share not repaid", async function () {
      const f = await fundedWithRecourse(true);
      const repaid = 25_000_000n;
      await (await f.settlement.connect(f.anchor).repay(f.slot, repaid)).wait();

      // At maturity, and up to the last second of the grace period, the receivable is late but not overdue.
      await time.setNextBlockTimestamp(f.maturity + GRACE);
      await expect(f.financing.connect(f.factor).recordRecourse(f.d.attestation))
        .to.be.revertedWithCustomError(f.financing, "FinancingNotOverdue")
        .withArgs(f.slot);

      await time.increaseTo(f.maturity + GRACE + 1n);
      expect(await f.settlement.isOverdue(f.slot)).to.equal(true);
      await expect(f.financing.connect(f.tier1).recordRecourse(f.d.attestation))
        .to.be.revertedWithCustomError(f.financing, "FinancingNotFundingFactor")
        .withArgs(f.d.fundingId, f.tier1.address);

      const unpaid = PARTIAL - (PARTIAL * repaid) / FACE; // 22,500,000
      await expect(f.financing.connect(f.factor).recordRecourse(f.d.attestation))
        .to.emit(f.financing, "RecourseRecorded")
        .withArgs(f.d.fundingId, memberId(f, f.factor), memberId(f, f.tier1), f.fundedTokenId, unpaid);
      expect((await f.financing.funding(f.d.attestation.holder, f.d.attestation.nonce)).recourse).to.equal(Recourse.RECORDED);

      await expect(f.financing.connect(f.factor).recordRecourse(f.d.attestation))
        .to.be.revertedWithCustomError(f.financing, "FinancingRecourseUnavailable")
        .withArgs(f.d.fundingId);
    });

    it("recordRecourse_revertsWhenTheReceivableIsNotOverdue (before maturity, or fully repaid)", async function () {
      const f = await fundedWithRecourse(true);
      await expect(f.financing.connect(f.factor).recordRecourse(f.d.attestation))
        .to.be.revertedWithCustomError(f.financing, "FinancingNotOverdue")
        .withArgs(f.slot);
      await (await f.settlement.connect(f.anchor).repay(f.slot, FACE)).wait();
      await time.increaseTo(f.maturity + GRACE + DAY);
      await expect(f.financing.connect(f.factor).recordRecourse(f.d.attestation))
        .to.be.revertedWithCustomError(f.financing, "FinancingNotOverdue")
        .withArgs(f.slot);
      expect((await f.financing.funding(f.d.attestation.holder, f.d.attestation.nonce)).recourse).to.equal(Recourse.AVAILABLE);
    });

    it("recordRecourse_revertsForAFundingWithoutRecourse", async function () {
      const f = await fundedWithRecourse(false);
      await time.increaseTo(f.maturity + GRACE + 1n);
      expect(await f.settlement.isOverdue(f.slot)).to.equal(true);
      await expect(f.financing.connect(f.factor).recordRecourse(f.d.attestation))
        .to.be.revertedWithCustomError(f.financing, "FinancingRecourseUnavailable")
        .withArgs(f.d.fundingId);
      expect((await f.financing.funding(f.d.attestation.holder, f.d.attestation.nonce)).recourse).to.equal(Recourse.NONE);
    });

    /** The storage word of `_fundings[holder][nonce]`: found, not assumed, as the mapping slot whose word holds the record. */
    async function recordSlotOf(f: Funded, holder: string, nonce: bigint): Promise<{ slot: string; word: bigint }> {
      const coder = hre.ethers.AbiCoder.defaultAbiCoder();
      const record = await f.financing.funding(holder, nonce);
      for (let mappingSlot = 0n; mappingSlot < 32n; mappingSlot += 1n) {
        const inner = hre.ethers.keccak256(coder.encode(["address", "uint256"], [holder, mappingSlot]));
        const slot = hre.ethers.keccak256(coder.encode(["uint256", "bytes32"], [nonce, inner]));
        const word = BigInt(await hre.ethers.provider.getStorage(f.financingAddress, slot));
        if (word !== 0n && BigInt(record.attestationTag) === word >> 208n && (word & 0xffff_ffffn) === BigInt(record.factorId)) return { slot, word };
      }
      throw new Error("the funding record's storage word was not found");
    }

    it("attack: recordRecourse refuses an attestation whose digest shares the stored 6-byte tag but names another value", async function () {
      const f = await fundedWithRecourse(true);
      await time.increaseTo(f.maturity + GRACE + 1n);
      // The attacker keeps the funding's holder and nonce (they locate the record) and claims the whole receivable
      // instead of the PARTIAL it bought. Finding such an attestation whose digest starts with the stored 48-bit tag
      // takes a factor ~2^48 hashes; the test stands for that search by writing the forgery's tag into the record.
      const forged: FundingAttestation = { ...f.d.attestation, value: FACE, invoiceHash: randomHash() };
      const forgedId = fundingAttestationDigest(f.domain, forged);
      const { slot, word } = await recordSlotOf(f, forged.holder, forged.nonce);
      const forgedTag = BigInt(forgedId.slice(0, 14));
      const patched = (word & ((1n << 208n) - 1n)) | (forgedTag << 208n);
      await hre.network.provider.send("hardhat_setStorageAt", [f.financingAddress, slot, hre.ethers.toBeHex(patched, 32)]);
      expect((await f.financing.funding(forged.holder, forged.nonce)).attestationTag).to.equal(forgedId.slice(0, 14));

      await expect(f.financing.connect(f.factor).recordRecourse(forged))
        .to.be.revertedWithCustomError(f.financing, "FinancingUnknownFunding")
        .withArgs(forgedId);
      expect((await f.financing.funding(forged.holder, forged.nonce)).recourse).to.equal(Recourse.AVAILABLE);
      // So does another piece of the same receivable under the genuine funding's record.
      const otherPiece: FundingAttestation = { ...f.d.attestation, tokenId: tokenIdOf(f.slot, 2n) };
      await expect(f.financing.connect(f.factor).recordRecourse(otherPiece)).to.be.revertedWithCustomError(f.financing, "FinancingUnknownFunding");

      // The funded attestation itself still records recourse, for the value it bought.
      await hre.network.provider.send("hardhat_setStorageAt", [f.financingAddress, slot, hre.ethers.toBeHex(word, 32)]);
      await expect(f.financing.connect(f.factor).recordRecourse(f.d.attestation))
        .to.emit(f.financing, "RecourseRecorded")
        .withArgs(f.d.fundingId, memberId(f, f.factor), memberId(f, f.tier1), f.fundedTokenId, PARTIAL);
    });

    it("recordRecourse_revertsForAnUnknownFunding", async function () {
      const f = await fundedWithRecourse(true);
      const unknown = { ...f.d.attestation, nonce: f.d.attestation.nonce + 1_000n };
      await expect(f.financing.connect(f.factor).recordRecourse(unknown))
        .to.be.revertedWithCustomError(f.financing, "FinancingUnknownFunding")
        .withArgs(fundingAttestationDigest(f.domain, unknown));
    });
  });
});
