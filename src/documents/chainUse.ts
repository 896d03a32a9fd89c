import type { ReceivableToken } from "../../typechain-types";
import { slotOf } from "../chain/tokenId";

/**
 * Which document hashes back a piece on chain, and in which receivables (slots): the hashes a ReceivableConfirmed or
 * TradeProofRecorded event of the ReceivableToken names. Naming a hash on chain proves nothing (anyone can name any
 * hash in its own transfer): who may read the document is decided elsewhere (src/api/documentAccess.ts) from the
 * steps that name it and the parties they join.
 *
 * The set only grows, scanned forward from the last block seen. A hash seen in a block that a reorganisation
 * later drops stays readable to factors; the indexer issue moves this question onto the reorg-aware index.
 */
export class DocumentUseTracker {
  /** Hash → the slots whose pieces name it. */
  private readonly usedHashes = new Map<string, Set<bigint>>();
  private nextBlock: number;
  private scanning: Promise<void> | undefined;

  constructor(
    private readonly token: ReceivableToken,
    /** The first block worth scanning (the token's deployment block, or 0). */
    fromBlock = 0,
  ) {
    this.nextBlock = fromBlock;
  }

  /** Whether `hash` is named by a confirmation or a recorded trade proof up to the latest block. */
  async backsPiece(hash: string): Promise<boolean> {
    return (await this.slotsNaming(hash)).length > 0;
  }

  /** The receivables (slots) with a piece whose confirmation or transfer names `hash`, up to the latest block. */
  async slotsNaming(hash: string): Promise<bigint[]> {
    await this.catchUp();
    return [...(this.usedHashes.get(hash.toLowerCase()) ?? [])];
  }

  private note(hash: string, slot: bigint): void {
    const key = hash.toLowerCase();
    let slots = this.usedHashes.get(key);
    if (slots === undefined) {
      slots = new Set();
      this.usedHashes.set(key, slots);
    }
    slots.add(slot);
  }

  /** Scans the blocks not yet seen; concurrent callers share one scan. */
  private async catchUp(): Promise<void> {
    if (this.scanning === undefined) {
      this.scanning = this.scan().finally(() => {
        this.scanning = undefined;
      });
    }
    return this.scanning;
  }

  private async scan(): Promise<void> {
    const runner = this.token.runner;
    const provider = runner?.provider;
    if (provider === null || provider === undefined) throw new Error("the receivable token is not connected to a provider");
    const latest = await provider.getBlockNumber();
    if (latest < this.nextBlock) return;
    const [confirmed, recorded] = await Promise.all([
      this.token.queryFilter(this.token.filters.ReceivableConfirmed(), this.nextBlock, latest),
      this.token.queryFilter(this.token.filters.TradeProofRecorded(), this.nextBlock, latest),
    ]);
    for (const event of confirmed) {
      this.note(event.args.confirmation.invoiceHash, event.args.slot);
      this.note(event.args.confirmation.logisticsHash, event.args.slot);
    }
    for (const event of recorded) {
      this.note(event.args.invoiceHash, slotOf(event.args.tokenId));
      this.note(event.args.logisticsHash, slotOf(event.args.tokenId));
    }
    this.nextBlock = latest + 1;
  }
}
