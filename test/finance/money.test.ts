import { expect } from "chai";
import { CNY_MINOR_UNITS, formatCny } from "../../src/finance/money";

describe("formatCny", function () {
  it("formats whole amounts with thousands separators and two decimals", function () {
    expect(formatCny(100_000_000n)).to.equal("1,000,000.00 CNY");
    expect(formatCny(30_000_000n)).to.equal("300,000.00 CNY");
    expect(formatCny(100_000n)).to.equal("1,000.00 CNY");
    expect(formatCny(99_900n)).to.equal("999.00 CNY");
  });

  it("keeps the fen exactly", function () {
    expect(formatCny(0n)).to.equal("0.00 CNY");
    expect(formatCny(1n)).to.equal("0.01 CNY");
    expect(formatCny(10n)).to.equal("0.10 CNY");
    expect(formatCny(99n)).to.equal("0.99 CNY");
    expect(formatCny(33_333_333n)).to.equal("333,333.33 CNY");
    expect(formatCny(9_883_334n)).to.equal("98,833.34 CNY");
  });

  it("formats negative amounts with a leading minus and the same grouping", function () {
    expect(formatCny(-1n)).to.equal("-0.01 CNY");
    expect(formatCny(-150n)).to.equal("-1.50 CNY");
    expect(formatCny(-100_000_000n)).to.equal("-1,000,000.00 CNY");
  });

  it("is exact far beyond the range of a floating-point number", function () {
    // 2^64 - 1 fen: a double would already have lost the last digits.
    expect(formatCny(18_446_744_073_709_551_615n)).to.equal("184,467,440,737,095,516.15 CNY");
    expect(formatCny(-(10n ** 30n) - 1n)).to.equal("-10,000,000,000,000,000,000,000,000,000.01 CNY");
  });

  it("round-trips: the printed digits are the minor units", function () {
    for (const amount of [0n, 1n, 12n, 123n, 1_234n, 12_345n, 123_456_789n, 2n ** 63n]) {
      const printed = formatCny(amount).replace(" CNY", "").replace(/,/gu, "").replace(".", "");
      expect(BigInt(printed)).to.equal(amount);
      expect(amount / CNY_MINOR_UNITS).to.equal(BigInt(formatCny(amount).split(".")[0].replace(/,/gu, "")));
    }
  });
});
