import type { ReceivableToken } from "../../typechain-types";

/**
 * Which document hashes back a piece on chain: the hashes a ReceivableConfirmed or TradeProofRecorded event of the
 * ReceivableToken names. A factor may read a document once it backs a piece it could be asked to fund.
 *
 * The set only grows, scanned forward from the last block seen. A hash seen in a block that a reorganisation
 * later drops stays readable to factors; the indexer issue moves this question onto the reorg-aware index.
 */
export class DocumentUseTracker {
  private readonly usedHashes = new Set<string>();
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
    const key = hash.toLowerCase();
    if (this.usedHashes.has(key)) return true;
    await this.catchUp();
    return this.usedHashes.has(key);
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
      this.usedHashes.add(event.args.confirmation.invoiceHash.toLowerCase());
      this.usedHashes.add(event.args.confirmation.logisticsHash.toLowerCase());
    }
    for (const event of recorded) {
      this.usedHashes.add(event.args.invoiceHash.toLowerCase());
      this.usedHashes.add(event.args.logisticsHash.toLowerCase());
    }
    this.nextBlock = latest + 1;
  }
}
