import hre from "hardhat";
import { id } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import { confirmationFor, deployConsortium, latestTimestamp, tradeProofFor, DAY } from "../../test/helpers/consortium";
import type { Consortium } from "../../test/helpers/consortium";
import { tokenIdOf } from "../../src/chain/roles";
import { compileReferenceToken } from "./reference";
import type { GasFigures } from "./snapshot";

export { GAS_KEYS, GAS_TARGETS, HOT_PATHS, REGRESSION_TOLERANCE_PERCENT, regressionLimit, regressions } from "./snapshot";
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

async function holdings(c: Consortium, account: string): Promise<bigint> {
  return c.token["balanceOf(address)"](account);
}

/** Our token's figures, on a fresh deployment; every input is fixed so that figures repeat exactly. */
async function measureReceivableToken(): Promise<Omit<GasFigures, "referenceSplit">> {
  const c = await deployConsortium();
  const { token, anchor, tier1, tier2, factor } = c;

  // confirm: the deployment's first receivable, for a supplier holding nothing yet. Being the first, it also
  // initialises the word that holds the receivable counter, the costliest confirmation there is.
  expectState((await token.slotCount()) === 0n && (await holdings(c, tier1.address)) === 0n, "tier1 holds nothing, no receivable yet");
  const confirmation = {
    ...(await confirmationFor(c, { supplier: tier1, faceValue: FACE_VALUE, invoiceNumber: "BENCH-CONFIRM-001" })),
    maturity: withoutZeroBytes((await latestTimestamp()) + 90n * DAY),
    invoiceHash: id("bench confirm invoice"),
    logisticsHash: id("bench confirm waybill"),
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

  // transferWithProof: tier1 passes part of the root to the factor, which holds nothing yet, with the trade proof.
  expectState((await holdings(c, factor.address)) === 0n, "the factor holds nothing");
  const proof = {
    ...tradeProofFor(c, factor, "BENCH-PROOF-001"),
    invoiceHash: id("bench transfer invoice"),
    logisticsHash: id("bench transfer waybill"),
  };
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
    const referenceSplit = await measureReferenceSplit();
    return { ...ours, referenceSplit };
  } finally {
    await hre.network.provider.send("evm_revert", [snapshotId]);
  }
}
