import { expect } from "chai";
import { cny, cnyFigure, cnyIn, parseCny, setMoneyLanguage } from "../../src/web/lib/money";
import { parsePieceName, pieceName } from "../../src/chain/tokenId";

describe("the dApp's amounts and piece names", function () {
  it("reads typed CNY into whole fen without floating point", function () {
    expect(parseCny("100,000.00")).to.equal(10_000_000n);
    expect(parseCny("100000")).to.equal(10_000_000n);
    expect(parseCny("0.5")).to.equal(50n);
    expect(parseCny(" 1,234,567.89 CNY ")).to.equal(123_456_789n);
    // 0.1 + 0.2 style traps do not exist here: every digit is kept.
    expect(parseCny("90071992547409.93")).to.equal(9_007_199_254_740_993n);
  });

  it("refuses text that is not an amount of CNY", function () {
    for (const text of ["", "-1", "1.234", "1,00", "12,3456", "abc", "1e5", "１００"]) expect(parseCny(text), text).to.equal(null);
  });

  it("shows fen as CNY with two decimals and names pieces #slot.sequence both ways", function () {
    expect(cny("10000000")).to.equal("100,000.00 CNY");
    expect(cny(1n)).to.equal("0.01 CNY");
    const tokenId = (3n << 32n) | 2n;
    expect(pieceName(tokenId)).to.equal("#3.2");
    expect(parsePieceName("#3.2")).to.equal(tokenId);
    expect(parsePieceName(tokenId.toString())).to.equal(tokenId);
    expect(parsePieceName("#3")).to.equal(null);
  });

  it("reads amounts in Chinese as …元, the same way everywhere, and takes them back typed either way", function () {
    expect(cnyIn("zh", 100_000_000n)).to.equal("1,000,000.00 元");
    expect(cnyIn("zh", "1")).to.equal("0.01 元");
    expect(cnyIn("en", 100_000_000n)).to.equal("1,000,000.00 CNY");
    expect(cnyFigure(100_000_000n)).to.equal("1,000,000.00");
    try {
      setMoneyLanguage("zh");
      expect(cny(15_000n)).to.equal("150.00 元");
      expect(cny(15_000n)).not.to.match(/CNY|¥/u);
    } finally {
      setMoneyLanguage("en");
    }
    expect(cny(15_000n)).to.equal("150.00 CNY");
    expect(parseCny("1,000,000.00 元")).to.equal(100_000_000n);
    expect(parseCny("¥1,000,000.00")).to.equal(100_000_000n);
    expect(parseCny("元")).to.equal(null);
  });
});
