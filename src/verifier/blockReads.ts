import { getAddress, toUtf8String } from "ethers";
import { readLineage } from "../chain/lineage";
import type { Lineage } from "../chain/lineage";
import type { ChainbillContracts } from "../chain/system";
import type { MemberStanding } from "./context";

/**
 * The chain reads of funding checks at one block, each made once: state at a block never changes, so while no new
 * block arrives, a hundred checks of the same piece cost one set of reads. A new block gets a new instance.
 */
export class BlockReads {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly contracts: ChainbillContracts,
    readonly blockNumber: number,
    readonly blockHash: string | null,
  ) {}

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.memo.get(key) as Promise<T> | undefined;
    if (pending === undefined) {
      pending = read();
      // A failed read is not remembered: the next check asks the node again.
      pending.catch(() => this.memo.delete(key));
      this.memo.set(key, pending);
    }
    return pending;
  }

  private get blockTag(): { blockTag: number } {
    return { blockTag: this.blockNumber };
  }

  lineage(tokenId: bigint): Promise<Lineage> {
    return this.once(`lineage:${tokenId}`, () => readLineage(this.contracts, tokenId, this.blockNumber));
  }

  receivable(slot: bigint): Promise<{ maturity: bigint; currency: string }> {
    return this.once(`receivable:${slot}`, async () => {
      const view = await this.contracts.receivableToken.receivable(slot, this.blockTag);
      return { maturity: view.maturity, currency: toUtf8String(view.currency) };
    });
  }

  isOverdue(slot: bigint): Promise<boolean> {
    return this.once(`overdue:${slot}`, () => this.contracts.settlement.isOverdue(slot, this.blockTag));
  }

  /** Owner and value of a live piece, or null when it is not live. */
  piece(tokenId: bigint): Promise<{ owner: string; value: bigint } | null> {
    return this.once(`piece:${tokenId}`, async () => {
      if (!(await this.contracts.receivableToken.exists(tokenId, this.blockTag))) return null;
      const [owner, value] = await Promise.all([
        this.contracts.receivableToken.ownerOf(tokenId, this.blockTag),
        this.contracts.receivableToken["balanceOf(uint256)"](tokenId, this.blockTag),
      ]);
      return { owner: getAddress(owner), value };
    });
  }

  isNonceUsed(holder: string, nonce: bigint): Promise<boolean> {
    return this.once(`nonce:${holder}:${nonce}`, () => this.contracts.financing.isNonceUsed(holder, nonce, this.blockTag));
  }

  standing(account: string): Promise<MemberStanding> {
    return this.once(`standing:${account}`, async () => {
      const authorization = await this.contracts.registry.authorizationOf(account, this.blockTag);
      return { account, memberId: Number(authorization.memberId), roles: Number(authorization.roles), active: authorization.active };
    });
  }

  /** The member's legal-entity-id hash, or undefined when there is no such member. */
  leiHash(memberId: number): Promise<string | undefined> {
    return this.once(`lei:${memberId}`, async () => {
      if (memberId > Number(await this.memberCount())) return undefined;
      return (await this.contracts.registry.member(memberId, this.blockTag)).leiHash;
    });
  }

  private memberCount(): Promise<bigint> {
    return this.once("memberCount", () => this.contracts.registry.memberCount(this.blockTag));
  }

  invoiceUse(fingerprint: string): Promise<bigint> {
    return this.once(`invoiceUse:${fingerprint}`, () => this.contracts.receivableToken.invoiceUse(fingerprint, this.blockTag));
  }

  /** The unix time of an earlier block (of the chain this block is on, as long as no reorganisation reached it). */
  blockTimestamp(blockNumber: number): Promise<bigint> {
    return this.once(`time:${blockNumber}`, async () => {
      const provider = this.contracts.receivableToken.runner?.provider;
      const block = await provider?.getBlock(blockNumber);
      if (block === null || block === undefined) throw new Error(`the node returned no block ${blockNumber}`);
      return BigInt(block.timestamp);
    });
  }

  financingAddress(): Promise<string> {
    return this.once("financing", () => this.contracts.financing.getAddress());
  }
}
