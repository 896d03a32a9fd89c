import { expect } from "chai";
import { cny, parseCny } from "../../src/web/lib/money";
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
});
