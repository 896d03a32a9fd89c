import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connectChainbill } from "../../../src/chain/system";
import type { ChainbillAddresses } from "../../../src/chain/system";
import { startIndexer } from "../../../src/indexer/indexer";
import type { IndexerOptions, RunningIndexer } from "../../../src/indexer/indexer";
import { codecs } from "../../../src/indexer/schema";
import { createIndexReader } from "../../../src/indexer/queries";
import { openIndexDb } from "../../../src/indexer/store";
import type { HoldingTotals, MemberRecord, SlotRecord, SystemRecord, TokenRecord } from "../../../src/indexer/schema";

/** A fresh directory for an index, removed by `removeDir`. */
export function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `chainbill-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Waits until the indexer has applied exactly the chain's current head block (same number and hash). */
export async function waitForHead(indexer: RunningIndexer, timeoutMs = 60_000): Promise<{ number: number; hash: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await hre.ethers.provider.getBlock("latest");
    if (head === null || head.hash === null) throw new Error("no latest block");
    const cursor = indexer.cursor();
    if (cursor !== undefined && cursor.number === head.number && cursor.hash === head.hash.toLowerCase())
      return { number: head.number, hash: head.hash };
    if (Date.now() > deadline)
      throw new Error(`indexer at ${cursor?.number ?? "none"} (${cursor?.hash ?? ""}) did not reach head ${head.number} ${head.hash}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A from-scratch index of the chain as it is now, in a new directory; returns its derived records. */
export async function replayFromScratch(options: Omit<IndexerOptions, "dbPath" | "exitAtHead">): Promise<Map<string, string>> {
  const dir = tempDir("replay");
  try {
    const replay = await startIndexer({ ...options, dbPath: dir, exitAtHead: true, pollIntervalMs: 10 });
    await replay.done;
    const db = await openIndexDb(dir);
    try {
      return await createIndexReader(db, { confirmations: 0 }).derivedRecords();
    } finally {
      await db.close();
    }
  } finally {
    removeDir(dir);
  }
}

/** Compares two sets of derived records and names the first differences. */
export function expectSameRecords(actual: Map<string, string>, expected: Map<string, string>, context: string): void {
  const differences: string[] = [];
  for (const [key, value] of expected) {
    const other = actual.get(key);
    if (other !== value) differences.push(`${key}: index ${other ?? "(none)"} / replay ${value}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) differences.push(`${key}: only in the index`);
  expect(differences.slice(0, 10), `${context}: ${differences.length} differences`).to.deep.equal([]);
  expect(actual.size).to.be.greaterThan(0);
}

function recordsUnder<T>(records: Map<string, string>, prefix: string, decode: (text: string) => T): Array<[string, T]> {
  return [...records.entries()].filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key, decode(value)]);
}

/**
 * The index's records against the contracts' own views at block `blockTag`: every piece (owner, value, parent,
 * what it received, existence), every slot (terms, piece count, repayment account, overdue), every holder's piece
 * count, every member, every currency balance and the system parameters. Returns how many values were compared.
 */
export async function expectIndexMatchesContracts(
  records: Map<string, string>,
  addresses: ChainbillAddresses,
  blockTag: number,
  blockTimestamp: number,
): Promise<number> {
  const c = connectChainbill(addresses, hre.ethers.provider);
  const at = { blockTag };
  const checks: Array<Promise<void>> = [];
  let compared = 0;
  const same = (actual: unknown, expected: unknown, what: string): void => {
    compared += 1;
    expect(actual, `${what} at block ${blockTag}`).to.equal(expected);
  };

  const tokens = recordsUnder<TokenRecord>(records, "t/", (text) => codecs.token.decode(text));
  for (const [, token] of tokens) {
    const id = token.tokenId;
    checks.push(
      (async () => {
        same(await c.receivableToken.exists(id, at), token.status === "live", `exists(${id})`);
        same(await c.receivableToken.parentOf(id, at), token.parent, `parentOf(${id})`);
        if (token.status === "live") {
          same((await c.receivableToken.ownerOf(id, at)).toLowerCase(), token.owner, `ownerOf(${id})`);
          same(await c.receivableToken["balanceOf(uint256)"](id, at), token.value, `balanceOf(${id})`);
          same(await c.settlement.claimedBy(id, at), token.received, `claimedBy(${id})`);
        } else {
          same(token.value, 0n, `value of gone piece ${id}`);
        }
      })(),
    );
  }
  const slots = recordsUnder<SlotRecord>(records, "s/", (text) => codecs.slot.decode(text));
  const systemText = records.get("meta/system");
  const system: SystemRecord | undefined = systemText === undefined ? undefined : codecs.system.decode(systemText);
  checks.push(
    (async () => {
      same(await c.receivableToken.slotCount(at), BigInt(slots.length), "slotCount");
    })(),
  );
  for (const [, slot] of slots) {
    checks.push(
      (async () => {
        const [terms, account, overdue] = await Promise.all([
          c.receivableToken.receivable(slot.slot, at),
          c.settlement.account(slot.slot, at),
          c.settlement.isOverdue(slot.slot, at),
        ]);
        same(terms.anchorId, BigInt(slot.anchorId), `anchorId of slot ${slot.slot}`);
        same(terms.supplierId, BigInt(slot.supplierId), `supplierId of slot ${slot.slot}`);
        same(terms.faceValue, slot.faceValue, `faceValue of slot ${slot.slot}`);
        same(terms.maturity, slot.maturity, `maturity of slot ${slot.slot}`);
        same(terms.pieceCount, BigInt(slot.pieceCount), `pieceCount of slot ${slot.slot}`);
        same(account.repaid, slot.repaid, `repaid of slot ${slot.slot}`);
        same(account.claimed, slot.claimed, `claimed of slot ${slot.slot}`);
        same(account.redeemedValue, slot.redeemedValue, `redeemedValue of slot ${slot.slot}`);
        same(account.overdueFlagged, slot.overdueFlagged, `overdueFlagged of slot ${slot.slot}`);
        const grace = system?.gracePeriod ?? 0n;
        same(overdue, BigInt(blockTimestamp) > slot.maturity + grace && slot.repaid < slot.faceValue, `isOverdue(${slot.slot})`);
      })(),
    );
  }
  // Holders: every address that holds or ever held a piece.
  const holders = new Set(tokens.map(([, token]) => token.owner));
  const totals = new Map(
    recordsUnder<HoldingTotals>(records, "ht/", (text) => codecs.holdingTotals.decode(text)).map(([key, value]) => [key.slice(3), value]),
  );
  for (const holder of holders) {
    checks.push(
      (async () => {
        same(await c.receivableToken["balanceOf(address)"](holder, at), BigInt(totals.get(holder)?.count ?? 0), `balanceOf(${holder})`);
      })(),
    );
  }
  const members = recordsUnder<MemberRecord>(records, "m/", (text) => codecs.member.decode(text));
  checks.push(
    (async () => {
      same(await c.registry.memberCount(at), BigInt(members.length), "memberCount");
    })(),
  );
  for (const [, member] of members) {
    checks.push(
      (async () => {
        const onChain = await c.registry.member(member.memberId, at);
        same(onChain.leiHash, member.leiHash, `leiHash of member ${member.memberId}`);
        same(onChain.roles, BigInt(member.roles), `roles of member ${member.memberId}`);
        same(onChain.status, member.status === "ACTIVE" ? 1n : 2n, `status of member ${member.memberId}`);
        same(onChain.kycValidUntil, member.kycValidUntil, `kyc of member ${member.memberId}`);
        same(onChain.accounts.map((account) => account.toLowerCase()).join(), member.accounts.join(), `accounts of member ${member.memberId}`);
      })(),
    );
  }
  for (const [key, balance] of recordsUnder(records, "cb/", (text) => BigInt(text))) {
    checks.push(
      (async () => {
        same(await c.settlementToken.balanceOf(key.slice(3), at), balance, `currency balance of ${key.slice(3)}`);
      })(),
    );
  }
  if (system !== undefined) {
    checks.push(
      (async () => {
        same(await c.settlementToken.totalSupply(at), system.currencySupply, "currency totalSupply");
        same(await c.settlementToken.totalIssued(at), system.currencyIssued, "currency totalIssued");
        same(await c.settlementToken.totalRedeemed(at), system.currencyRedeemed, "currency totalRedeemed");
        same(await c.receivableToken.paused(at), system.paused, "paused");
        same(await c.settlement.gracePeriod(at), system.gracePeriod, "gracePeriod");
        same(await c.financing.requiredVerifiers(at), system.requiredVerifiers, "requiredVerifiers");
      })(),
    );
  }
  await Promise.all(checks);
  return compared;
}
