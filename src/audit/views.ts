import { AbiCoder, keccak256 } from "ethers";
import type { Provider } from "ethers";
import { ReceivableToken__factory, SettlementToken__factory, Settlement__factory } from "../../typechain-types";
import type { ChainbillAddresses } from "../chain/system";
import { mapLimit } from "./chain";
import type { Progress } from "./chain";
import type { FindingLog, ChainPosition } from "./findings";
import type { AuditReplay } from "./replay";

/**
 * The replay against the contracts' own views at the audited block: owner and value of every piece (and that
 * burned ones are gone), every receivable's terms, piece count and document commitment, every slot's repayment
 * account, and the settlement currency's supply and every balance the replay knows.
 */

const coder = AbiCoder.defaultAbiCoder();
const CONCURRENCY = 64;

function tokenName(tokenId: bigint): string {
  return `#${tokenId >> 32n}.${tokenId & 0xffff_ffffn}`;
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

export async function compareWithViews(
  provider: Provider,
  contracts: ChainbillAddresses,
  replay: AuditReplay,
  block: number,
  findings: FindingLog,
  progress?: Progress,
): Promise<number> {
  const token = ReceivableToken__factory.connect(contracts.receivableToken, provider);
  const settlement = Settlement__factory.connect(contracts.settlement, provider);
  const currency = SettlementToken__factory.connect(contracts.settlementToken, provider);
  const overrides = { blockTag: block };
  const fallback: ChainPosition = replay.lastPosition ?? { block, transactionHash: "", logIndex: -1 };
  let compared = 0;

  const pieces = [...replay.pieces.values()];
  const slots = [...replay.slots.values()];
  const accounts = [...replay.balances.keys()];
  const total = pieces.length + slots.length + accounts.length + 1;
  let done = 0;
  const tick = (): void => {
    done += 1;
    compared += 1;
    if (done % 200 === 0 || done === total) progress?.(done, total);
  };

  // Supply first: one call, and a wrong total says most.
  const [slotCount, supply, issued, redeemed] = await Promise.all([
    token.slotCount(overrides),
    currency.totalSupply(overrides),
    currency.totalIssued(overrides),
    currency.totalRedeemed(overrides),
  ]);
  tick();
  if (slotCount !== BigInt(replay.slots.size)) findings.add("VIEW_MISMATCH", fallback, `the token counts ${slotCount} receivables, the replay ${replay.slots.size}`);
  if (supply !== replay.supply || issued !== replay.issued || redeemed !== replay.redeemed) {
    findings.add(
      "VIEW_MISMATCH",
      fallback,
      `settlement currency: the contract says supply ${supply}, issued ${issued}, redeemed ${redeemed}; the replay ${replay.supply}, ${replay.issued}, ${replay.redeemed}`,
    );
  }

  await mapLimit(pieces, CONCURRENCY, async (piece) => {
    const subject = { tokenId: piece.tokenId, slot: piece.slot };
    if (piece.status === "live") {
      try {
        const [owner, value] = await token.pieceOf(piece.tokenId, overrides);
        if (owner.toLowerCase() !== piece.owner || value !== piece.value) {
          findings.add("VIEW_MISMATCH", piece.lastAt, `piece ${tokenName(piece.tokenId)}: the contract has ${owner} holding ${value}, the replay ${piece.owner} holding ${piece.value}`, subject);
        }
        if (piece.claimed > 0n) {
          const claimed = await settlement.claimedBy(piece.tokenId, overrides);
          if (claimed !== piece.claimed) findings.add("VIEW_MISMATCH", piece.lastAt, `piece ${tokenName(piece.tokenId)}: settlement has paid ${claimed}, the replay ${piece.claimed}`, subject);
        }
      } catch (error) {
        findings.add("VIEW_MISMATCH", piece.lastAt, `piece ${tokenName(piece.tokenId)} is live in the replay (${piece.owner}, ${piece.value}) but the contract does not answer for it: ${reason(error)}`, subject);
      }
    } else if (await token.exists(piece.tokenId, overrides)) {
      findings.add("VIEW_MISMATCH", piece.lastAt, `piece ${tokenName(piece.tokenId)} is ${piece.status} in the replay but still exists on the contract`, subject);
    }
    tick();
  });

  await mapLimit(slots, CONCURRENCY, async (slot) => {
    const subject = { slot: slot.slot };
    try {
      const [terms, account] = await Promise.all([token.receivable(slot.slot, overrides), settlement.account(slot.slot, overrides)]);
      const documents = keccak256(coder.encode(["bytes32", "bytes32"], [slot.invoiceHash, slot.logisticsHash]));
      const differences: string[] = [];
      if (Number(terms.anchorId) !== slot.anchorId) differences.push(`anchor ${terms.anchorId} vs ${slot.anchorId}`);
      if (Number(terms.supplierId) !== slot.supplierId) differences.push(`supplier ${terms.supplierId} vs ${slot.supplierId}`);
      if (terms.faceValue !== slot.faceValue) differences.push(`face value ${terms.faceValue} vs ${slot.faceValue}`);
      if (terms.maturity !== slot.maturity) differences.push(`maturity ${terms.maturity} vs ${slot.maturity}`);
      if (Number(terms.pieceCount) !== slot.pieceCount) differences.push(`pieces ${terms.pieceCount} vs ${slot.pieceCount}`);
      if (terms.documentsHash.toLowerCase() !== documents) differences.push(`document commitment ${terms.documentsHash} vs ${documents}`);
      if (account.repaid !== slot.repaid) differences.push(`repaid ${account.repaid} vs ${slot.repaid}`);
      if (account.claimed !== slot.claimed) differences.push(`claimed ${account.claimed} vs ${slot.claimed}`);
      if (account.redeemedValue !== slot.redeemedValue) differences.push(`redeemed ${account.redeemedValue} vs ${slot.redeemedValue}`);
      if (account.overdueFlagged !== slot.overdueFlagged) differences.push(`overdue flag ${account.overdueFlagged} vs ${slot.overdueFlagged}`);
      if (differences.length > 0) findings.add("VIEW_MISMATCH", slot.lastAt, `receivable ${slot.slot} (contract vs replay): ${differences.join("; ")}`, subject);
    } catch (error) {
      findings.add("VIEW_MISMATCH", slot.lastAt, `receivable ${slot.slot} is in the replay but the contracts do not answer for it: ${reason(error)}`, subject);
    }
    tick();
  });

  await mapLimit(accounts, CONCURRENCY, async (account) => {
    const balance = await currency.balanceOf(account, overrides);
    const replayed = replay.balances.get(account) ?? 0n;
    if (balance !== replayed) {
      findings.add("VIEW_MISMATCH", replay.balanceLastAt.get(account) ?? fallback, `settlement currency: the contract says ${account} holds ${balance}, the replay ${replayed}`);
    }
    tick();
  });
  return compared;
}
