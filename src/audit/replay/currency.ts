import { ZeroAddress } from "ethers";
import type { ChainPosition } from "../findings";
import type { EventOf, ReplayModel, TxScratch } from "./model";

/**
 * The settlement currency replayed: every account's balance, the supply, what the issuers issued and redeemed, and
 * who may hold it (members and system accounts). When a transaction ends, every cash leg the other contracts'
 * events promised (a funding's price, a repayment, a claim, a recourse payment) must be one of its currency
 * transfers (`CASH_MISMATCH`); at the audited block, the supply must be what was issued less what was redeemed.
 */
export class CurrencyReplay {
  constructor(private readonly model: ReplayModel) {}

  apply(event: EventOf<"currency">, at: ChainPosition): void {
    const { model } = this;
    switch (event.name) {
      case "Transfer": {
        const { from, to, value } = event;
        if (from === ZeroAddress) model.supply += value;
        else {
          const balance = model.balances.get(from) ?? 0n;
          if (balance < value)
            model.flag(
              "EVENT_INCONSISTENT",
              at,
              `currency: ${model.words.cny(value)} moved out of ${model.words.account(from)}, which held only ${model.words.cny(balance)}`,
            );
          model.balances.set(from, balance - value);
          model.balanceLastAt.set(from, at);
        }
        if (to === ZeroAddress) model.supply -= value;
        else {
          model.balances.set(to, (model.balances.get(to) ?? 0n) + value);
          model.balanceLastAt.set(to, at);
          if (model.members.standingOf(to) === undefined && !model.systemAccounts.has(to)) {
            model.flag(
              "I3_INELIGIBLE_RECIPIENT",
              at,
              `currency: ${model.words.cny(value)} went to ${model.words.account(to)}, which is neither a member nor a system account`,
            );
          }
        }
        model.tx?.currencyMoves.push({ from, to, amount: value });
        return;
      }
      case "Issued":
        if (!model.issuers.has(event.issuer))
          model.flag(
            "EVENT_INCONSISTENT",
            at,
            `currency: ${model.words.account(event.issuer)} issued ${model.words.cny(event.amount)} without being named issuer`,
          );
        model.issued += event.amount;
        return;
      case "Redeemed":
        model.redeemed += event.amount;
        return;
      case "IssuerSet":
        if (event.allowed) model.issuers.add(event.issuer);
        else model.issuers.delete(event.issuer);
        return;
      case "SystemAccountSet":
        if (event.allowed) model.systemAccounts.add(event.account);
        else model.systemAccounts.delete(event.account);
        return;
      default:
        return;
    }
  }

  /** Each expected cash leg of the transaction against its currency transfers, each transfer used once. */
  endTransaction(tx: TxScratch): void {
    const moves = [...tx.currencyMoves];
    for (const expected of tx.expectedCash) {
      const index = moves.findIndex((move) => move.from === expected.from && move.to === expected.to && move.amount === expected.amount);
      if (index >= 0) moves.splice(index, 1);
      else {
        this.model.flag(
          "CASH_MISMATCH",
          expected.at,
          `the ${expected.why} (${this.model.words.cny(expected.amount)} from ${this.model.words.account(expected.from)} to ${this.model.words.account(expected.to)}) has no matching currency transfer in its transaction`,
          {
            ...(expected.slot === undefined ? {} : { slot: expected.slot }),
            ...(expected.tokenId === undefined ? {} : { tokenId: expected.tokenId }),
          },
        );
      }
    }
  }

  /** At the audited block: the supply by the transfers equals issued less redeemed. */
  finish(): void {
    const { model } = this;
    if (model.supply !== model.issued - model.redeemed && model.lastPosition !== undefined) {
      model.flag(
        "EVENT_INCONSISTENT",
        model.lastPosition,
        `currency: ${model.words.cny(model.supply)} in circulation by its transfers, but ${model.words.cny(model.issued)} issued - ${model.words.cny(model.redeemed)} redeemed = ${model.words.cny(model.issued - model.redeemed)}`,
      );
    }
  }
}
