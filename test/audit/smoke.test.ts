import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { confirmReceivable, DAY } from "../helpers/consortium";
import { fundAndRepay, splitTo } from "../helpers/settlement";
import { audit, deployAuditedConsortium, describeFindings, fundPiece } from "./helpers";

describe("audit smoke", function () {
  it("a small clean story audits clean", async function () {
    const c = await deployAuditedConsortium();
    const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 100_000_000n, maturityInDays: 30n });
    const piece2 = await splitTo(c, c.tier1, tokenId, c.tier2, 30_000_000n);
    await fundPiece(c, { holder: c.tier2, tokenId: piece2, value: 10_000_000n, price: 9_900_000n });
    await time.increase(31n * DAY);
    await fundAndRepay(c, slot, 100_000_000n);
    await (await c.settlement.claim(tokenId)).wait();
    const result = await audit(c.record);
    console.log(result.timings, result.logCount);
    expect(describeFindings(result)).to.equal("");
  });
});
