import { expect } from "chai";
import { anchorBlocksToTime, anchorRecordOf, averageOf, relationshipsOf } from "../../src/indexer/risk";
import type { AnchorFacts, AnchorSlotFacts, SupplierFacts } from "../../src/indexer/risk";
import { codesToRecord } from "../../src/api/refusalRecording";

/**
 * The figures of the record behind a funding decision, from facts (no chain): each receivable's status at the exact
 * boundaries (maturity; maturity plus grace), days late and past due, line use, relationship durations, and which
 * refused checks count against a supplier.
 */

const DAY = 86_400n;
const MATURITY = 1_800_000_000n;
const GRACE = 3n * DAY;

function facts(slots: AnchorSlotFacts[], line: AnchorFacts["line"] = null): AnchorFacts {
  return { anchor: "0x" + "a".repeat(40), anchorId: 7, line, gracePeriod: GRACE, slots, truncated: false };
}

/** A receivable of `face` due at MATURITY + `offset`, repaid `repaid`, completed in `block` (time in `times`). */
function slot(id: bigint, face: bigint, repaid: bigint, completedAtBlock: number | null, offset = 0n): AnchorSlotFacts {
  return { slot: id, faceValue: face, maturity: MATURITY + offset, repaid, completedAtBlock };
}

describe("risk: the record behind a funding decision, from facts", () => {
  it("a receivable completed at the very second of maturity is on time; one second later it is late by one day", () => {
    const record = anchorRecordOf(
      facts([slot(1n, 100n, 100n, 10), slot(2n, 200n, 200n, 11)]),
      MATURITY + 10n * DAY,
      new Map([
        [10, MATURITY],
        [11, MATURITY + 1n],
      ]),
    );
    expect(record.repaidOnTime).to.deep.equal({ count: 1, value: 100n });
    expect(record.repaidLate).to.deep.include({ count: 1, value: 200n, maxDaysLate: 1, totalDaysLate: 1, averageDaysLate: "1.0", beyondGrace: 0 });
  });

  it("a late repayment at maturity plus grace is within grace; one second later it is counted beyond grace", () => {
    const times = new Map([
      [20, MATURITY + GRACE],
      [21, MATURITY + GRACE + 1n],
    ]);
    const record = anchorRecordOf(facts([slot(1n, 100n, 100n, 20), slot(2n, 100n, 100n, 21)]), MATURITY + 30n * DAY, times);
    expect(record.repaidLate).to.deep.include({ count: 2, beyondGrace: 1, maxDaysLate: 4, totalDaysLate: 7, averageDaysLate: "3.5" });
  });

  it("unpaid at maturity plus grace is due in grace; one second later it is overdue with its unpaid amount and days", () => {
    const unpaid = [slot(1n, 1_000n, 400n, null)];
    const atEnd = anchorRecordOf(facts(unpaid), MATURITY + GRACE, new Map());
    expect(atEnd.dueInGrace).to.deep.equal({ count: 1, value: 1_000n, amount: 600n });
    expect(atEnd.overdue.count).to.equal(0);
    const after = anchorRecordOf(facts(unpaid), MATURITY + GRACE + 1n, new Map());
    expect(after.overdue).to.deep.equal({ count: 1, value: 1_000n, amount: 600n, maxDaysPastDue: 4 });
    expect(after.dueInGrace.count).to.equal(0);
  });

  it("counts confirmed, matured (maturity at or before now) and outstanding, and the line's use", () => {
    const slots = [slot(1n, 500n, 0n, null, -1n), slot(2n, 300n, 100n, null, 0n), slot(3n, 200n, 0n, null, 1n)];
    const record = anchorRecordOf(facts(slots, { limit: 2_000n, reviewDate: MATURITY + 365n * DAY }), MATURITY, new Map());
    expect(record.confirmed).to.deep.equal({ count: 3, value: 1_000n });
    expect(record.matured).to.deep.equal({ count: 2, value: 800n });
    expect(record.outstanding).to.equal(900n);
    expect(record.line).to.deep.equal({ limit: 2_000n, reviewDate: MATURITY + 365n * DAY, used: 900n, free: 1_100n, percentUsed: 45 });
    // Nothing late: no average.
    expect(record.repaidLate.averageDaysLate).to.equal(null);
  });

  it("a line lowered below what is owed has nothing free; a zero line has no percentage", () => {
    expect(anchorRecordOf(facts([slot(1n, 500n, 0n, null)], { limit: 100n, reviewDate: 1n }), 0n, new Map()).line).to.deep.include({
      used: 500n,
      free: 0n,
      percentUsed: 500,
    });
    expect(anchorRecordOf(facts([], { limit: 0n, reviewDate: 1n }), 0n, new Map()).line?.percentUsed).to.equal(null);
  });

  it("needs the time of every completing repayment, and says so when one is missing", () => {
    const withCompletion = facts([slot(1n, 100n, 100n, 42), slot(2n, 100n, 100n, 42), slot(3n, 100n, 0n, null)]);
    expect(anchorBlocksToTime(withCompletion)).to.deep.equal([42]);
    expect(() => anchorRecordOf(withCompletion, MATURITY, new Map())).to.throw(/no time for block 42/u);
  });

  it("averages days with integers, one decimal rounded half up", () => {
    expect([averageOf(7, 2), averageOf(1, 3), averageOf(2, 3), averageOf(0, 1), averageOf(0, 0)]).to.deep.equal(["3.5", "0.3", "0.7", "0.0", null]);
  });

  it("gives each relationship its first and latest trade time and whole days to now", () => {
    const supplier: SupplierFacts = {
      supplier: "0x" + "b".repeat(40),
      memberId: 3,
      accounts: [],
      asSeller: { count: 2, value: 300n },
      asBuyer: { count: 0, value: 0n },
      counterparties: [
        { memberId: 4, addresses: [], asSeller: { count: 2, value: 300n }, asBuyer: { count: 0, value: 0n }, firstBlock: 5, lastBlock: 9 },
      ],
      truncated: false,
    };
    const [relationship] = relationshipsOf(
      supplier,
      MATURITY + 10n * DAY - 1n,
      new Map([
        [5, MATURITY],
        [9, MATURITY + DAY],
      ]),
    );
    expect(relationship).to.deep.include({ firstTradeAt: MATURITY, lastTradeAt: MATURITY + DAY, days: 9 });
  });

  it("records a refusal against a supplier only for a request it signed, without the factor's own causes", () => {
    expect(codesToRecord(["INVOICE_REUSED", "PRICE_OUT_OF_RANGE"])).to.deep.equal(["INVOICE_REUSED"]);
    expect(codesToRecord(["PRICE_OUT_OF_RANGE", "REQUEST_EXPIRED"])).to.deep.equal([]);
    expect(codesToRecord(["REQUEST_SIGNATURE", "INVOICE_REUSED"])).to.deep.equal([]);
    expect(codesToRecord(["NOT_DELIVERED", "NOT_DELIVERED", "PARTY_MISMATCH"])).to.deep.equal(["NOT_DELIVERED", "PARTY_MISMATCH"]);
  });
});
