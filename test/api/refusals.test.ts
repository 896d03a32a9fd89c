import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LevelRefusalLog, MemoryRefusalLog } from "../../src/requests/refusals";
import type { Refusal, RefusalLog } from "../../src/requests/refusals";

/**
 * The refusal log behind a supplier's record: one entry per request (a re-check replaces it), newest first across
 * a member's addresses, and in LevelDB it survives a restart.
 */

const HOLDER = "0x" + "A1".repeat(20);
const OTHER_ADDRESS = "0x" + "b2".repeat(20);
const FACTOR = "0x" + "C3".repeat(20);

function refusal(nonce: string, at: number, holder = HOLDER, codes = ["DOCUMENT_MISSING"]): Refusal {
  return { holder, factor: FACTOR, tokenId: "4294967298", nonce, codes, at, asOfBlock: 10 };
}

async function exercise(log: RefusalLog): Promise<void> {
  await log.record(refusal("1", 100));
  await log.record(refusal("2", 300, OTHER_ADDRESS));
  // The same request checked again: its entry is replaced, not added.
  await log.record(refusal("1", 200, HOLDER, ["NOT_DELIVERED", "NOT_DELIVERED"]));
  const { refusals, truncated } = await log.ofHolders([HOLDER, OTHER_ADDRESS], 10);
  expect(truncated).to.equal(false);
  expect(refusals.map((entry) => [entry.nonce, entry.at, entry.codes])).to.deep.equal([
    ["2", 300, ["DOCUMENT_MISSING"]],
    ["1", 200, ["NOT_DELIVERED"]],
  ]);
  expect(refusals[1].holder).to.equal(HOLDER.toLowerCase());
  expect((await log.ofHolders([HOLDER, OTHER_ADDRESS], 1)).truncated).to.equal(true);
  expect((await log.ofHolders(["0x" + "d4".repeat(20)], 10)).refusals).to.deep.equal([]);
}

describe("refusal log: one entry per request, newest first", () => {
  it("in memory", async () => {
    await exercise(new MemoryRefusalLog());
  });

  it("in LevelDB, and after a restart", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "chainbill-refusals-"));
    try {
      const log = await LevelRefusalLog.open(directory);
      try {
        await exercise(log);
      } finally {
        await log.close();
      }
      const reopened = await LevelRefusalLog.open(directory);
      try {
        expect((await reopened.ofHolders([HOLDER], 10)).refusals.map((entry) => entry.nonce)).to.deep.equal(["1"]);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
