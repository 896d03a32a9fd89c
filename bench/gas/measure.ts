import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { getBytes, id } from "ethers";
import type { BytesLike, ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { confirmationFor, confirmReceivable, deployConsortium, latestTimestamp, tradeProofFor, DAY } from "../../test/helpers/consortium";
import type { Consortium } from "../../test/helpers/consortium";
import { tokenIdOf } from "../../src/chain/tokenId";
import { financingDomain, signFundingAttestation, signFundingRequest } from "../../src/chain/funding";
import type { FinancingDomain, FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { compileReferenceToken } from "./reference";
import type { GasFigures } from "./snapshot";

export { GAS_KEYS, GAS_TARGETS, HOT_PATHS, TARGETS_NOT_YET_MET, REGRESSION_TOLERANCE_PERCENT, regressionLimit, regressions } from "./snapshot";
export type { GasFigures, GasKey } from "./snapshot";

const FACE_VALUE = 100_000_000n;
const SPLIT_VALUE = 10_000_000n;
const MERGE_VALUE = 1_000_000n;

/** Gas used by a mined, successful transaction. */
async function gasUsed(sent: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await sent).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("benchmark transaction was not mined successfully");
  return Number(receipt.gasUsed);
}

function expectState(condition: boolean, what: string): void {
  if (!condition) throw new Error(`gas benchmark precondition failed: ${what}`);
}

/**
 * Calldata costs 4 gas per zero byte and 16 per other byte; raising each zero byte of a timestamp to 1 (adding at
 * most ~196 days) keeps `confirm`'s figure independent of the clock the network started at.
 */
function withoutZeroBytes(value: bigint): bigint {
  let result = value;
  for (let shift = 0n; result >> shift !== 0n; shift += 8n) {
    if (((result >> shift) & 0xffn) === 0n) result += 1n << shift;
  }
  return result;
}

/**
 * The seller's consent is signed over the token's address (its EIP-712 domain), so its bytes, and the calldata's
 * cost (4 gas per zero byte, 16 per other), change with the deployment: take the first invoice number, prefix-001 to
 * prefix-255, whose consent has no zero byte.
 */
async function withoutZeroConsentBytes<T extends { sellerConsent: BytesLike }>(
  prefix: string,
  make: (invoiceNumber: string) => Promise<T>,
): Promise<T> {
  for (let index = 1; index < 256; index += 1) {
    const made = await make(`${prefix}-${index.toString().padStart(3, "0")}`);
    if (getBytes(made.sellerConsent).every((byte) => byte !== 0)) return made;
  }
  throw new Error(`no ${prefix} invoice number below 256 gives a consent without zero bytes`);
}

async function holdings(c: Consortium, account: string): Promise<bigint> {
  return c.receivableToken["balanceOf(address)"](account);
}

/** Our token's figures, on a fresh deployment; every input is fixed so that figures repeat exactly. */
async function measureReceivableToken(): Promise<Omit<GasFigures, "referenceSplit" | "fund" | "redeem" | "recoursePayment">> {
  const c = await deployConsortium();
  const { receivableToken: token, anchor, tier1, tier2, factor } = c;

  // confirm: the deployment's first receivable, for a supplier holding nothing yet. The word that holds the receivable
  // counter is not new even so: it also holds the Financing address, bound at deployment, so the counter's first write
  // changes a non-zero word (2,900 gas, not 20,000), as every later confirmation does. The anchor's credit-line word is
  // non-zero too (the operator set the line at deployment, deployConsortium), so confirm's line check reads and rewrites
  // a non-zero word: 2,100 + 2,900 gas.
  expectState((await token.slotCount()) === 0n && (await holdings(c, tier1.address)) === 0n, "tier1 holds nothing, no receivable yet");
  const confirmation = {
    ...(await withoutZeroConsentBytes("BENCH-CONFIRM", (invoiceNumber) =>
      confirmationFor(c, {
        supplier: tier1,
        faceValue: FACE_VALUE,
        invoiceNumber,
        invoiceHash: id("bench confirm invoice"),
        logisticsHash: id("bench confirm waybill"),
      }),
    )),
    maturity: withoutZeroBytes((await latestTimestamp()) + 90n * DAY),
  };
  const confirm = await gasUsed(token.connect(anchor).confirm(confirmation));
  const root = tokenIdOf(1n, 1n); // tier1's

  // splitNewHolder: tier1 splits part of the root off to tier2, which holds nothing yet.
  expectState((await holdings(c, tier2.address)) === 0n, "tier2 holds nothing");
  const split = token.connect(tier1).getFunction("transferFrom(uint256,address,uint256)");
  const firstPiece = await split.staticCall(root, tier2.address, SPLIT_VALUE);
  const splitNewHolder = await gasUsed(split.send(root, tier2.address, SPLIT_VALUE));

  // splitExistingHolder: the same again, tier2 now holding a token.
  expectState((await holdings(c, tier2.address)) === 1n, "tier2 holds one token");
  const secondPiece = await split.staticCall(root, tier2.address, SPLIT_VALUE);
  const splitExistingHolder = await gasUsed(split.send(root, tier2.address, SPLIT_VALUE));

  // transferWithProof: tier1 passes part of the root to the factor, which holds nothing yet, with the trade proof
  // and the factor's consent as seller (signatures are deterministic, RFC 6979, so the calldata repeats).
  expectState((await holdings(c, factor.address)) === 0n, "the factor holds nothing");
  const proof = await withoutZeroConsentBytes("BENCH-PROOF", (invoiceNumber) =>
    tradeProofFor(c, factor, invoiceNumber, { buyer: tier1, invoiceHash: id("bench transfer invoice"), logisticsHash: id("bench transfer waybill") }),
  );
  const transferWithProof = await gasUsed(token.connect(tier1).transferWithProof(root, factor.address, SPLIT_VALUE, proof));

  // merge: tier2 moves part of one of its pieces into its other piece of the same receivable (consolidation; into
  // another member's piece it costs some 4,500 more, for the second registry look-up and the recipient's cold
  // account touched by the receiver-hook check).
  const mergeValue = token.connect(tier2).getFunction("transferFrom(uint256,uint256,uint256)");
  const merge = await gasUsed(mergeValue.send(secondPiece, firstPiece, MERGE_VALUE));
  expectState((await token["balanceOf(uint256)"](secondPiece)) === SPLIT_VALUE - MERGE_VALUE, "the merge was partial");

  // transferWhole: tier2 hands a whole piece to tier1, which holds the root; tier2 keeps its other piece, so
  // neither holding count passes through zero.
  expectState((await holdings(c, tier1.address)) >= 1n && (await holdings(c, tier2.address)) === 2n, "both sides hold tokens");
  const transferNft = token.connect(tier2).getFunction("transferFrom(address,address,uint256)");
  const transferWhole = await gasUsed(transferNft.send(tier2.address, tier1.address, secondPiece));

  return { confirm, splitNewHolder, splitExistingHolder, transferWithProof, merge, transferWhole };
}

/** 2100-01-01T00:00:00Z: a fixed deadline, so that the signed messages (and their calldata) never depend on the clock. */
const FIXED_DEADLINE = 4_102_444_800n;
const FUNDING_PRICE = 98_500_000n;
const CASH = 10_000_000_000n;

/** Whether a 65-byte signature's r and s have no zero byte (v never has one). */
function withoutZeroSignatureBytes(signature: string): boolean {
  return getBytes(signature).every((byte) => byte !== 0);
}

/**
 * The first nonce from 1 to 255 for which every signature built with it has no zero byte: calldata costs 4 gas per
 * zero byte and 16 per other, so without this the figure would move by 12 gas whenever a signature happened to contain
 * a zero byte, which depends on the deployment's address (part of the EIP-712 domain). The request and the attestation
 * share the nonce (the attestation repeats the holder's request nonce).
 */
async function signedWithoutZeroBytes(sign: (nonce: bigint) => Promise<string[]>): Promise<{ nonce: bigint; signatures: string[] }> {
  for (let nonce = 1n; nonce < 256n; nonce += 1n) {
    const signatures = await sign(nonce);
    if (signatures.every(withoutZeroSignatureBytes)) return { nonce, signatures };
  }
  throw new Error("no nonce below 256 gives signatures without zero bytes");
}

async function fundingDomainOf(c: Consortium): Promise<FinancingDomain> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  return financingDomain(chainId, await c.financing.getAddress());
}

async function issue(c: Consortium, to: HardhatEthersSigner, amount: bigint): Promise<void> {
  await (await c.settlementToken.connect(c.issuer).issue(to.address, amount)).wait();
}

/**
 * `fund` and `redeem` on a fresh deployment, with every input fixed so that the figures repeat exactly.
 *
 * fund: the factor buys tier1's whole piece (no split) with one holder signature and one verifier signature, the
 * default k = 1. Conditions: the factor already holds a piece (of another receivable) and currency, and has approved
 * Financing for more than the price (a finite allowance, which is decremented); the holder, tier1, already holds
 * currency and keeps another piece after the sale (its piece count does not fall to zero, so no refund); the request
 * is the holder's first; the funding record, kept under the holder's request nonce, is always a new word (it is also
 * the spent consent and the used attestation). Funding without recourse.
 *
 * redeem: Settlement.claim of the factor's piece of the other receivable (a piece split off the root, so its word keeps
 * the parent link and is not cleared) after the anchor has repaid that receivable in full, at maturity; it pays the
 * piece's whole value and burns it. Conditions: the holder (the factor) already holds currency and still holds another
 * piece afterwards; the receivable's root piece is still unclaimed (the escrow balance stays non-zero); no earlier
 * claim on that piece, and no partial claim by any piece of that receivable (with one outstanding, Settlement also
 * reads the piece's own claimed record, a cold read).
 */
async function measureFinance(): Promise<Pick<GasFigures, "fund" | "redeem">> {
  const c = await deployConsortium();
  const { receivableToken: token, financing, settlement, anchor, tier1, tier2, factor, verifier } = c;
  const financingAddress = await financing.getAddress();
  const domain = await fundingDomainOf(c);

  // Receivable 1: tier1's, which tier1 sells whole; tier1 also holds a piece of receivable 3. Receivable 2: tier2's,
  // which splits a piece off to the factor (so the factor holds a piece before it funds, and that piece is redeemed).
  const funded = await confirmReceivable(c, { supplier: tier1, faceValue: FACE_VALUE, invoiceNumber: "BENCH-FUND-001" });
  const redeemed = await confirmReceivable(c, { supplier: tier2, faceValue: FACE_VALUE, invoiceNumber: "BENCH-REDEEM-001" });
  await confirmReceivable(c, { supplier: tier1, faceValue: FACE_VALUE, invoiceNumber: "BENCH-KEEP-001" });
  const split = token.connect(tier2).getFunction("transferFrom(uint256,address,uint256)");
  const factorsPiece = await split.staticCall(redeemed.tokenId, factor.address, SPLIT_VALUE);
  await (await split.send(redeemed.tokenId, factor.address, SPLIT_VALUE)).wait();
  await issue(c, factor, CASH);
  await issue(c, tier1, MERGE_VALUE);
  await (await c.settlementToken.connect(factor).approve(financingAddress, CASH)).wait();

  const piecesOf = async (account: HardhatEthersSigner): Promise<bigint> => holdings(c, account.address);
  expectState((await piecesOf(factor)) === 1n && (await piecesOf(tier1)) === 2n, "the factor holds one piece, tier1 two");
  expectState((await c.settlementToken.balanceOf(tier1.address)) > 0n, "tier1 holds currency");
  expectState((await token["balanceOf(uint256)"](funded.tokenId)) === FACE_VALUE, "the funded piece is whole");

  const requestWith = (nonce: bigint): FundingRequest => ({
    tokenId: funded.tokenId,
    value: FACE_VALUE,
    minPrice: FUNDING_PRICE,
    factor: factor.address,
    withRecourse: false,
    deadline: FIXED_DEADLINE,
    nonce,
  });
  const attestationWith = (nonce: bigint): FundingAttestation => ({
    tokenId: funded.tokenId,
    holder: tier1.address,
    factor: factor.address,
    value: FACE_VALUE,
    price: FUNDING_PRICE,
    invoiceHash: id("bench funding invoice"),
    logisticsHash: id("bench funding waybill"),
    tradeProofHash: id("bench funding trade proof"),
    withRecourse: false,
    deadline: FIXED_DEADLINE,
    nonce,
  });
  const { nonce, signatures } = await signedWithoutZeroBytes(async (candidate) => [
    await signFundingRequest(tier1, domain, requestWith(candidate)),
    await signFundingAttestation(verifier, domain, attestationWith(candidate)),
  ]);
  const request = requestWith(nonce);
  const attestation = attestationWith(nonce);
  const [holderSignature, verifierSignature] = signatures;
  expectState(!(await financing.isNonceUsed(tier1.address, request.nonce)) && true, "the holder's request nonce is unused");
  const fund = await gasUsed(financing.connect(factor).fund(request, holderSignature, attestation, [verifierSignature]));
  expectState((await token.ownerOf(funded.tokenId)) === factor.address, "the factor bought the piece");

  // redeem: the anchor repays receivable 2 in full; at maturity the factor claims its piece.
  const settlementAddress = await settlement.getAddress();
  await issue(c, anchor, FACE_VALUE);
  await (await c.settlementToken.connect(anchor).approve(settlementAddress, FACE_VALUE)).wait();
  await (await settlement.connect(anchor).repay(redeemed.slot, FACE_VALUE)).wait();
  await time.increaseTo((await token.receivable(redeemed.slot)).maturity);
  expectState((await settlement.claimable(factorsPiece)) === SPLIT_VALUE, "the piece is claimable in full");
  expectState(
    (await c.settlementToken.balanceOf(factor.address)) > 0n && (await piecesOf(factor)) === 2n,
    "the factor holds currency and two pieces",
  );
  const redeem = await gasUsed(settlement.connect(factor).claim(factorsPiece));
  expectState(!(await token.exists(factorsPiece)), "the piece was burned");

  return { fund, redeem };
}

const RECOURSE_VALUE = 30_000_000n;
const RECOURSE_PRICE = 29_000_000n;
const RECOURSE_REPAID = 25_000_000n;
const RECOURSE_PAYMENT = 10_000_000n;

/**
 * recoursePayment: Financing.payRecourse, the seller's first, partial payment on a piece it sold with recourse, on a
 * fresh deployment with every input fixed. Conditions: the factor bought RECOURSE_VALUE of tier1's receivable with
 * recourse; the anchor repaid 25% before maturity and nothing since; past maturity (no grace) the factor claimed its
 * 25% on the piece (so the payment has no pending claim to pay out first) and demanded recourse; tier1 pays
 * 10,000,000 of the 22,500,000 unpaid, having approved Financing for more (a finite allowance); both parties already
 * hold currency. The payment writes the piece's recourse share (two new storage words) and sets the slot's flag.
 */
async function measureRecourse(): Promise<Pick<GasFigures, "recoursePayment">> {
  const c = await deployConsortium();
  const { receivableToken: token, financing, settlement, anchor, tier1, factor, verifier } = c;
  const financingAddress = await financing.getAddress();
  const domain = await fundingDomainOf(c);
  const sold = await confirmReceivable(c, { supplier: tier1, faceValue: FACE_VALUE, invoiceNumber: "BENCH-RECOURSE-001" });
  await issue(c, factor, CASH);
  await issue(c, tier1, CASH);
  await (await c.settlementToken.connect(factor).approve(financingAddress, CASH)).wait();

  const requestWith = (nonce: bigint): FundingRequest => ({
    tokenId: sold.tokenId,
    value: RECOURSE_VALUE,
    minPrice: RECOURSE_PRICE,
    factor: factor.address,
    withRecourse: true,
    deadline: FIXED_DEADLINE,
    nonce,
  });
  const attestationWith = (nonce: bigint): FundingAttestation => ({
    tokenId: sold.tokenId,
    holder: tier1.address,
    factor: factor.address,
    value: RECOURSE_VALUE,
    price: RECOURSE_PRICE,
    invoiceHash: id("bench recourse invoice"),
    logisticsHash: id("bench recourse waybill"),
    tradeProofHash: id("bench recourse trade proof"),
    withRecourse: true,
    deadline: FIXED_DEADLINE,
    nonce,
  });
  const { nonce, signatures } = await signedWithoutZeroBytes(async (candidate) => [
    await signFundingRequest(tier1, domain, requestWith(candidate)),
    await signFundingAttestation(verifier, domain, attestationWith(candidate)),
  ]);
  const attestation = attestationWith(nonce);
  const [holderSignature, verifierSignature] = signatures;
  const fundedTokenId = tokenIdOf(sold.slot, 2n);
  await (await financing.connect(factor).fund(requestWith(nonce), holderSignature, attestation, [verifierSignature])).wait();
  expectState((await token.ownerOf(fundedTokenId)) === factor.address, "the factor bought the piece");

  await issue(c, anchor, RECOURSE_REPAID);
  await (await c.settlementToken.connect(anchor).approve(await settlement.getAddress(), RECOURSE_REPAID)).wait();
  await (await settlement.connect(anchor).repay(sold.slot, RECOURSE_REPAID)).wait();
  await time.increaseTo((await token.receivable(sold.slot)).maturity + 1n);
  await (await settlement.connect(factor).claim(fundedTokenId)).wait();
  await (await financing.connect(factor).recordRecourse(attestation)).wait();
  await (await c.settlementToken.connect(tier1).approve(financingAddress, CASH)).wait();
  expectState(
    (await settlement.recourseDue(fundedTokenId)) === RECOURSE_VALUE - (RECOURSE_VALUE * RECOURSE_REPAID) / FACE_VALUE,
    "the unpaid part is due",
  );
  const recoursePayment = await gasUsed(financing.connect(tier1).payRecourse(attestation, RECOURSE_PAYMENT));
  expectState((await settlement.recourseOf(fundedTokenId)).paid === RECOURSE_PAYMENT, "the payment was applied");
  return { recoursePayment };
}

/** The reference implementation's split to a new holder, on its own fresh deployment. */
async function measureReferenceSplit(): Promise<number> {
  const { abi, bytecode } = compileReferenceToken(hre.config.paths.root, hre.config.paths.cache);
  const [, , holder, recipient] = await hre.ethers.getSigners();
  const factory = new hre.ethers.ContractFactory(abi, bytecode, holder);
  const reference = await factory.deploy();
  await reference.waitForDeployment();

  const tokenId: unknown = await reference.getFunction("mint").staticCall(holder.address, 1n, FACE_VALUE);
  if (typeof tokenId !== "bigint") throw new Error("the reference mint returned no token id");
  await gasUsed(reference.getFunction("mint").send(holder.address, 1n, FACE_VALUE));

  const recipientHoldings: unknown = await reference.getFunction("balanceOf(address)").staticCall(recipient.address);
  expectState(recipientHoldings === 0n, "the reference recipient holds nothing");
  const split = reference.getFunction("transferFrom(uint256,address,uint256)");
  return gasUsed(split.send(tokenId, recipient.address, SPLIT_VALUE));
}

/**
 * Measures every benchmark figure on the current Hardhat network, from receipts of real transactions, and leaves
 * the network as it found it (the work runs between an evm_snapshot and its evm_revert).
 */
export async function measureGas(): Promise<GasFigures> {
  const snapshotId = (await hre.network.provider.send("evm_snapshot", [])) as string;
  try {
    const ours = await measureReceivableToken();
    const finance = await measureFinance();
    const recourse = await measureRecourse();
    const referenceSplit = await measureReferenceSplit();
    return { ...ours, ...finance, ...recourse, referenceSplit };
  } finally {
    await hre.network.provider.send("evm_revert", [snapshotId]);
  }
}
