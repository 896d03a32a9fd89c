import type { Provider } from "ethers";

/**
 * Block times for the records behind a funding decision (src/indexer/risk.ts): logs carry no time, and the index
 * keeps block times only of its reorg window, so the API reads the header of each block a record names. A final
 * block's time never changes: it is kept (up to {@link MAX_KEPT} of them, then the cache starts over); a block
 * above the final one is read again each time, since a reorganisation may replace it.
 */

const MAX_KEPT = 200_000;
/** Header reads in flight at once. */
const IN_FLIGHT = 8;

export class BlockTimes {
  private readonly kept = new Map<number, bigint>();

  constructor(private readonly provider: Provider) {}

  /** The time of each of `blocks`; those at or below `finalizedBlock` are kept for later answers. */
  async of(blocks: readonly number[], finalizedBlock: number): Promise<Map<number, bigint>> {
    const times = new Map<number, bigint>();
    const missing: number[] = [];
    for (const block of blocks) {
      const known = this.kept.get(block);
      if (known === undefined) missing.push(block);
      else times.set(block, known);
    }
    for (let start = 0; start < missing.length; start += IN_FLIGHT) {
      const batch = missing.slice(start, start + IN_FLIGHT);
      const headers = await Promise.all(batch.map((block) => this.provider.getBlock(block)));
      headers.forEach((header, index) => {
        const block = batch[index];
        if (header === null) throw new Error(`the node has no block ${block}, which the index names`);
        const time = BigInt(header.timestamp);
        times.set(block, time);
        if (block <= finalizedBlock) {
          if (this.kept.size >= MAX_KEPT) this.kept.clear();
          this.kept.set(block, time);
        }
      });
    }
    return times;
  }
}
