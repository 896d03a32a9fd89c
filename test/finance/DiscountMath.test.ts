import { expect } from "chai";
import hre from "hardhat";
import vectors from "../vectors/discount.json";
import { daysBetween, discount, price } from "../../src/finance/discount";
import type { DiscountMathHarness } from "../../typechain-types";

describe("Discount rule (ACT/360), Solidity and TypeScript against the same vectors", function () {
  let harness: DiscountMathHarness;

  before(async function () {
    harness = await hre.ethers.deployContract("DiscountMathHarness");
  });

  for (const vector of vectors.prices) {
    const face = BigInt(vector.faceValue);
    const rate = BigInt(vector.rateBps);
    const days = BigInt(vector.days);
    it(`face ${vector.faceValue} at ${vector.rateBps} bps for ${vector.days} days costs ${vector.price}`, async function () {
      expect(discount(face, rate, days)).to.equal(BigInt(vector.discount));
      expect(price(face, rate, days)).to.equal(BigInt(vector.price));
      expect(await harness.discount(face, rate, days)).to.equal(BigInt(vector.discount));
      expect(await harness.price(face, rate, days)).to.equal(BigInt(vector.price));
    });
  }

  for (const vector of vectors.daysBetween) {
    it(`counts ${vector.days} started days from ${vector.start} to ${vector.end}`, async function () {
      expect(daysBetween(BigInt(vector.start), BigInt(vector.end))).to.equal(BigInt(vector.days));
      expect(await harness.daysBetween(vector.start, vector.end)).to.equal(BigInt(vector.days));
    });
  }

  it("refuses a rate above 100% a year on both sides", async function () {
    expect(() => discount(100n, 10_001n, 1n)).to.throw(RangeError);
    await expect(harness.price(100n, 10_001n, 1n))
      .to.be.revertedWithCustomError(harness, "DiscountRateTooHigh")
      .withArgs(10_001n);
  });
});
