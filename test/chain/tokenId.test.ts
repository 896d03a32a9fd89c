import { expect } from "chai";
import { firstPieceOf, parsePieceName, pieceName, sequenceOf, slotOf, tokenIdOf } from "../../src/chain/tokenId";

describe("token ids: (slot << 32) | sequence", function () {
  it("splits and joins the slot and the sequence, at the edges of both", function () {
    for (const [slot, sequence] of [
      [1n, 1n],
      [7n, 0xffff_ffffn],
      [0xffff_ffff_ffffn, 2n],
      [2n ** 224n - 1n, 12_345n],
    ]) {
      const tokenId = tokenIdOf(slot, sequence);
      expect(tokenId).to.equal(slot * 2n ** 32n + sequence);
      expect(slotOf(tokenId)).to.equal(slot);
      expect(sequenceOf(tokenId)).to.equal(sequence);
    }
    expect(firstPieceOf(5n)).to.equal(5n * 2n ** 32n + 1n);
  });

  it("names a piece #slot.sequence and reads the name back", function () {
    const tokenId = tokenIdOf(12n, 3n);
    expect(pieceName(tokenId)).to.equal("#12.3");
    expect(pieceName(tokenId.toString())).to.equal("#12.3");
    expect(parsePieceName(" 12.3 ")).to.equal(tokenId);
    expect(parsePieceName("#12")).to.equal(null);
    expect(parsePieceName("piece 12.3")).to.equal(null);
  });
});
