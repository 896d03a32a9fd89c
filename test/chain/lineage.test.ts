import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { readLineage } from "../../src/chain/lineage";
import type { ChainbillContracts } from "../../src/chain/system";
import { confirmReceivable, deployConsortium, tradeProofFor, systemOf } from "../helpers/consortium";

/** The lineage is the history that produced the piece (DESIGN I10): ancestors up to each split, the piece's own events after. */
describe("lineage (src/chain/lineage.ts)", function () {
  async function story() {
    const c = await deployConsortium();
    const contracts: ChainbillContracts = systemOf(c);
    const { tokenId: root } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 100_000_000n });
    const tier1Token = c.receivableToken.connect(c.tier1);
    // Before the split: tier 1 splits 1,000,000 to itself and merges 1 fen of it back into the root.
    const own = await tier1Token["transferFrom(uint256,address,uint256)"].staticCall(root, c.tier1.address, 1_000_000n);
    await (await tier1Token["transferFrom(uint256,address,uint256)"](root, c.tier1.address, 1_000_000n)).wait();
    await (await tier1Token["transferFrom(uint256,uint256,uint256)"](own, root, 1n)).wait();
    const proof = await tradeProofFor(c, c.tier2);
    const child = await tier1Token.transferWithProof.staticCall(root, c.tier2.address, 30_000_000n, proof);
    await (await tier1Token.transferWithProof(root, c.tier2.address, 30_000_000n, proof)).wait();
    // After the split: another merge into the root, and tier 1 hands the whole root to tier 3.
    await (await tier1Token["transferFrom(uint256,uint256,uint256)"](own, root, 2n)).wait();
    await (await tier1Token["transferFrom(address,address,uint256)"](c.tier1.address, c.tier3.address, root)).wait();
    return { c, contracts, root, own, child };
  }

  it("cuts_anAncestorsHistoryWhereItsChildOnThePathSplitOff_andKeepsThePiecesOwn", async function () {
    const { c, contracts, root, own, child } = await loadFixture(story);
    const ofChild = await readLineage(contracts, child);
    expect(ofChild.steps.map((step) => step.tokenId)).to.deep.equal([root, child]);
    const [rootStep, childStep] = ofChild.steps;
    expect(rootStep.mergedIn.map((merge) => [merge.fromTokenId, merge.value])).to.deep.equal([[own, 1n]]);
    expect(rootStep.valueOut.map((out) => [out.toTokenId, out.value])).to.deep.equal([[own, 1_000_000n]]);
    expect(rootStep.ownerChanges).to.deep.equal([]);
    expect(childStep.value).to.equal(30_000_000n);
    expect(childStep.logIndex).to.be.a("number");

    // The root's own lineage keeps everything that happened to it.
    const [whole] = (await readLineage(contracts, root)).steps;
    expect(whole.mergedIn.map((merge) => merge.value)).to.deep.equal([1n, 2n]);
    expect(whole.valueOut.map((out) => out.value)).to.deep.equal([1_000_000n, 30_000_000n]);
    expect(whole.ownerChanges.map((change) => change.to)).to.deep.equal([c.tier3.address]);
  });
});
