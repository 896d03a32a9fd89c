import { expect } from "chai";
import { codecs } from "../../src/indexer/schema";
import type { TokenRecord } from "../../src/indexer/schema";
import { StateTx, UnloadedReadError, ValueCache, decodeUndo, encodeUndo, openIndexDb } from "../../src/indexer/store";
import type { IndexDb } from "../../src/indexer/store";
import { removeDir, tempDir } from "./helpers/compare";

/**
 * The write transaction the handlers work through: reads only of what was loaded, a record changed in place only
 * on the batch's own copy, writes straight into the native batch landing with the rest, and one undo record per
 * block that a rollback restores exactly.
 */

const piece = (value: bigint): TokenRecord => ({
  tokenId: (7n << 32n) | 1n,
  slot: 7n,
  owner: "0x00000000000000000000000000000000000000aa",
  value,
  parent: 0n,
  status: "live",
  received: 0n,
  tradeProof: null,
  createdAtBlock: 1,
  updatedAtBlock: 1,
});

describe("Indexer store: the write transaction", function () {
  let dir: string;
  let db: IndexDb;

  beforeEach(async function () {
    dir = tempDir("store");
    db = await openIndexDb(dir);
  });

  afterEach(async function () {
    await db.close();
    removeDir(dir);
  });

  it("reads only what was loaded: an unlisted read fails, naming the key, whatever is stored", async function () {
    await db.put("t/a", codecs.token.encode(piece(5n)));
    const tx = new StateTx(db, new ValueCache(100));
    expect(() => tx.getRecord("t/a", codecs.token)).to.throw(UnloadedReadError, /t\/a without loading it first/);
    await tx.load(["t/a", "t/missing"]);
    expect(tx.getRecord("t/a", codecs.token)?.value).to.equal(5n);
    expect(tx.getRecord("t/missing", codecs.token)).to.equal(undefined);
  });

  it("changes a record on a copy of its own: what was read before stays, later changes in the batch go to that copy", async function () {
    await db.put("t/a", codecs.token.encode(piece(5n)));
    const tx = new StateTx(db, new ValueCache(100));
    await tx.load(["t/a"]);
    const before = tx.getRecord("t/a", codecs.token);
    const first = tx.changeRecord("t/a", codecs.token, (token) => {
      token.value -= 2n;
    });
    const second = tx.changeRecord("t/a", codecs.token, (token) => {
      token.value -= 1n;
    });
    expect(before?.value).to.equal(5n);
    expect(second).to.equal(first);
    expect(second?.value).to.equal(2n);
    await tx.load(["t/none"]);
    expect(tx.changeRecord("t/none", codecs.token, () => undefined)).to.equal(undefined);
    await tx.commit();
    expect(codecs.token.decode((await db.get("t/a")) ?? "").value).to.equal(2n);
  });

  it("lands writes appended straight to the native batch together with the others, and none before the commit", async function () {
    const tx = new StateTx(db, new ValueCache(100));
    tx.append("e/x/1", "row");
    tx.put("ma/x", "3");
    expect(await db.get("e/x/1")).to.equal(undefined);
    await tx.commit();
    expect(await db.getMany(["e/x/1", "ma/x"])).to.deep.equal(["row", "3"]);
  });

  it("keeps one undo record per block, and a rollback restores every key as it was before the first undone block", async function () {
    await db.put("ma/kept", "1");
    await db.put("ma/changed", "1");
    const tx = new StateTx(db, new ValueCache(100));
    tx.recordUndoFor(10);
    tx.put("ma/changed", "2");
    tx.append("e/new/10", "row");
    tx.del("ma/kept");
    tx.recordUndoFor(11);
    tx.put("ma/changed", "3");
    tx.recordUndoFor(undefined);
    await tx.commit();
    expect(decodeUndo((await db.get("u/000000000010")) ?? "", "block 10")).to.deep.equal([
      ["ma/changed", "1"],
      ["e/new/10", null],
      ["ma/kept", "1"],
    ]);
    expect(decodeUndo((await db.get("u/000000000011")) ?? "", "block 11")).to.deep.equal([["ma/changed", "2"]]);

    const back = new StateTx(db, new ValueCache(100));
    expect(await back.rollBackTo(10)).to.equal(1);
    await back.commit();
    expect(await db.getMany(["ma/changed", "ma/kept", "e/new/10", "u/000000000011"])).to.deep.equal(["2", undefined, "row", undefined]);
    const further = new StateTx(db, new ValueCache(100));
    expect(await further.rollBackTo(9)).to.equal(3);
    await further.commit();
    expect(await db.getMany(["ma/changed", "ma/kept", "e/new/10", "u/000000000010"])).to.deep.equal(["1", "1", undefined, undefined]);
  });

  it("encodes undo records without escaping and refuses a malformed one, naming where", function () {
    const record: Array<[string, string | null]> = [
      ["t/a", '{"quote":"\\"","colon":":","dash":"-"}'],
      ["e/b", null],
      ["x", ""],
    ];
    expect(decodeUndo(encodeUndo(record), "test")).to.deep.equal(record);
    expect(() => decodeUndo("3:t/a?", "u/000000000012")).to.throw(/undo record u\/000000000012 is malformed at character 5/);
    expect(() => decodeUndo("99:t/a-", "u/000000000012")).to.throw(/malformed/);
  });
});
