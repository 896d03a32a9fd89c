import { getAddress, ZeroAddress } from "ethers";
import type { BlockTag, Log, LogDescription } from "ethers";
import type { ChainbillContracts } from "./system";
import { abiTuple, abiUint } from "./abiValues";
import { sequenceOf, slotOf } from "./tokenId";

/**
 * A piece's lineage read from the chain's events: every step from the anchor's confirmation to the piece, with
 * who passed how much to whom and the proof recorded for it. Six `eth_getLogs` calls whatever the depth (one per
 * event kind and direction, each filtered on every piece of the path at once), so it costs the same for tier 1 and
 * tier 20.
 *
 * The lineage is the history that produced the piece (DESIGN I10): an ancestor's owner changes and merges are
 * those before the moment its child on the path was split off (block, then log index); what happened to the
 * ancestor afterwards did not produce this piece and is left out. The piece's own events all count.
 */

/** How a piece came to exist. */
export type StepKind =
  /** The anchor confirmed the receivable; the piece is its first. */
  | "confirmation"
  /** Split off its parent to another holder with a trade proof (`transferWithProof`). */
  | "transfer"
  /** Split off its parent to a factor by a funding. */
  | "funding"
  /** Split off its parent without a proof (a plain ERC-3525 value transfer). */
  | "split";

export interface TradeProofOnChain {
  invoiceFingerprint: string;
  invoiceHash: string;
  logisticsHash: string;
}

export interface FundingOnChain {
  fundingId: string;
  /** The piece sold from (the parent for a partial funding, the piece itself for a whole one). */
  soldTokenId: bigint;
  factor: string;
  holder: string;
  value: bigint;
  price: bigint;
  withRecourse: boolean;
  blockNumber: number;
  transactionHash: string;
}

/** A change of a piece's owner after it was created (an ERC-721 transfer of the whole piece). */
export interface OwnerChange {
  from: string;
  to: string;
  blockNumber: number;
  /** The Transfer log's index in its block. */
  logIndex: number;
  transactionHash: string;
  /** The funding that moved it, when a factor bought the whole piece. */
  funding?: FundingOnChain;
}

/** Value that reached a piece of the path from some other piece after its creation (a merge). */
export interface ValueMergedIn {
  fromTokenId: bigint;
  value: bigint;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

/** Value that left a piece of the path to another piece after its creation (a split, a partial funding, a merge
 * into another piece, or a redemption to token 0). */
export interface ValueMovedOut {
  toTokenId: bigint;
  value: bigint;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

export interface LineageStep {
  /** 0 for the confirmation, then one per generation. */
  index: number;
  kind: StepKind;
  tokenId: bigint;
  /** 0 for the root. */
  parentId: bigint;
  /** Who passed the value: the anchor for the confirmation, otherwise the parent's owner at that moment. */
  from: string;
  /** The piece's first owner. */
  to: string;
  /** The value the step passed (the face value for the confirmation). */
  value: bigint;
  blockNumber: number;
  /** The index of the piece's mint (Transfer) log in its block: with `blockNumber`, the step's place in the chain. */
  logIndex: number;
  transactionHash: string;
  /** The documents recorded for the step (confirmation and transfer). */
  proof?: TradeProofOnChain;
  /** The funding that created the piece (kind "funding"). */
  funding?: FundingOnChain;
  /** Owner changes of the piece: for an ancestor, only those before its child on the path was created. */
  ownerChanges: OwnerChange[];
  /** Value merged into the piece: for an ancestor, only before its child on the path was created. */
  mergedIn: ValueMergedIn[];
  /** Value that left the piece: for an ancestor, only before its child on the path was created (so not the child's). */
  valueOut: ValueMovedOut[];
  /** True when the piece has been burned (fully paid). */
  burned: boolean;
}

export interface Lineage {
  tokenId: bigint;
  slot: bigint;
  /** Root first, the piece last. */
  steps: LineageStep[];
  /** The block the lineage was read at. */
  asOfBlock: number;
}

/** Raised when the piece never existed. */
export class UnknownPieceError extends Error {
  constructor(readonly tokenId: bigint) {
    super(`piece ${tokenId} does not exist`);
    this.name = "UnknownPieceError";
  }
}

/** Raised when a piece's lineage has more steps (the root and the piece included) than the caller allowed (`maxDepth`). */
export class LineageTooDeepError extends Error {
  constructor(
    readonly tokenId: bigint,
    readonly maxDepth: number,
  ) {
    super(`the lineage of piece ${tokenId} has more than ${maxDepth} steps`);
    this.name = "LineageTooDeepError";
  }
}

/** Orders logs as the chain does: block, then position in the block. */
function position(log: Pick<Log, "blockNumber" | "index">): number {
  return log.blockNumber * 1_000_000 + log.index;
}

function topicOf(value: bigint): string {
  return `0x${value.toString(16).padStart(64, "0")}`;
}

/**
 * Reads the lineage of `tokenId` as of block `asOfBlock` (the latest block when omitted). Walking up costs one call
 * per generation: past `maxDepth` steps (root and piece included) it stops and throws LineageTooDeepError, having
 * made at most `maxDepth` such calls.
 */
export async function readLineage(contracts: ChainbillContracts, tokenId: bigint, asOfBlock?: number, maxDepth = 10_000): Promise<Lineage> {
  const { receivableToken, financing } = contracts;
  const provider = receivableToken.runner?.provider;
  if (provider === undefined || provider === null) throw new Error("readLineage needs contracts connected to a provider");
  const block = asOfBlock ?? (await provider.getBlockNumber());
  const blockTag: BlockTag = block;

  const slot = slotOf(tokenId);
  // A piece that never existed has no parent to ask for; a burned one still has its parent recorded.
  const pieceWasCreated = async (): Promise<boolean> => {
    const slotNumber = slotOf(tokenId);
    const sequence = sequenceOf(tokenId);
    if (slotNumber === 0n || slotNumber > (await receivableToken.slotCount({ blockTag })) || sequence === 0n) return false;
    return sequence <= (await receivableToken.slotState(slotNumber, { blockTag })).pieceCount;
  };
  const parentOf = async (piece: bigint): Promise<bigint> => {
    try {
      return await receivableToken.parentOf(piece, { blockTag });
    } catch (error) {
      if (piece === tokenId && !(await pieceWasCreated())) throw new UnknownPieceError(tokenId);
      throw error;
    }
  };
  const path: bigint[] = [];
  for (let piece = tokenId; piece !== 0n; piece = await parentOf(piece)) {
    path.unshift(piece);
    if (path.length > maxDepth) throw new LineageTooDeepError(tokenId, maxDepth);
  }
  const pathTopics = path.map(topicOf);

  const tokenAddress = await receivableToken.getAddress();
  const financingAddress = await financing.getAddress();
  const range = { fromBlock: 0, toBlock: block };
  const topic = (event: { getFragment(): { topicHash: string } }): string => event.getFragment().topicHash;
  const [transferLogs, valueLogs, valueOutLogs, proofLogs, confirmationLogs, fundingLogs] = await Promise.all([
    provider.getLogs({ ...range, address: tokenAddress, topics: [topic(receivableToken.getEvent("Transfer")), null, null, pathTopics] }),
    provider.getLogs({ ...range, address: tokenAddress, topics: [topic(receivableToken.getEvent("TransferValue")), null, pathTopics] }),
    provider.getLogs({ ...range, address: tokenAddress, topics: [topic(receivableToken.getEvent("TransferValue")), pathTopics] }),
    provider.getLogs({ ...range, address: tokenAddress, topics: [topic(receivableToken.getEvent("TradeProofRecorded")), pathTopics] }),
    provider.getLogs({ ...range, address: tokenAddress, topics: [topic(receivableToken.getEvent("ReceivableConfirmed")), topicOf(slot)] }),
    provider.getLogs({ ...range, address: financingAddress, topics: [topic(financing.getEvent("Funded")), null, pathTopics] }),
  ]);
  const decode = (log: Log, iface: typeof receivableToken.interface | typeof financing.interface): LogDescription => {
    const parsed = iface.parseLog(log);
    if (parsed === null) throw new Error(`undecodable log ${log.transactionHash}#${log.index}`);
    return parsed;
  };

  if (confirmationLogs.length === 0) throw new UnknownPieceError(tokenId);
  const confirmed = decode(confirmationLogs[0], receivableToken.interface);

  // A funding as logged: the record plus the piece the factor received (the sold piece or a new one split off it).
  const fundings = fundingLogs.map((log) => {
    const args = decode(log, financing.interface).args;
    const funding: FundingOnChain = {
      fundingId: String(args.fundingId),
      soldTokenId: abiUint(args.tokenId),
      factor: getAddress(String(args.factor)),
      holder: getAddress(String(args.holder)),
      value: abiUint(args.value),
      price: abiUint(args.price),
      withRecourse: Boolean(args.withRecourse),
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
    };
    return { funding, fundedTokenId: abiUint(args.fundedTokenId) };
  });

  const transfers = transferLogs
    .map((log) => ({ log, args: decode(log, receivableToken.interface).args }))
    .map(({ log, args }) => ({ log, from: getAddress(String(args[0])), to: getAddress(String(args[1])), tokenId: abiUint(args[2]) }))
    .sort((a, b) => position(a.log) - position(b.log));
  const decodeValues = (logs: Log[]): Array<{ log: Log; fromTokenId: bigint; toTokenId: bigint; value: bigint }> =>
    logs
      .map((log) => ({ log, args: decode(log, receivableToken.interface).args }))
      .map(({ log, args }) => ({ log, fromTokenId: abiUint(args[0]), toTokenId: abiUint(args[1]), value: abiUint(args[2]) }));
  const values = decodeValues(valueLogs);
  const outflows = decodeValues(valueOutLogs).sort((a, b) => position(a.log) - position(b.log));
  const proofs = new Map<bigint, TradeProofOnChain>();
  for (const log of proofLogs) {
    const args = decode(log, receivableToken.interface).args;
    proofs.set(abiUint(args.tokenId), {
      invoiceFingerprint: String(args.invoiceFingerprint),
      invoiceHash: String(args.invoiceHash),
      logisticsHash: String(args.logisticsHash),
    });
  }

  const ownerAt = (piece: bigint, before: number): string => {
    let owner = ZeroAddress;
    for (const transfer of transfers) {
      if (transfer.tokenId === piece && position(transfer.log) < before) owner = transfer.to;
    }
    return owner;
  };

  const mintOf = (piece: bigint): (typeof transfers)[number] => {
    const mint = transfers.find((transfer) => transfer.tokenId === piece && transfer.from === ZeroAddress);
    if (mint === undefined) throw new Error(`piece ${piece} has no mint event`);
    return mint;
  };

  const steps: LineageStep[] = path.map((piece, index) => {
    const own = transfers.filter((transfer) => transfer.tokenId === piece);
    const mint = mintOf(piece);
    // An ancestor's history ends where its child on the path begins: later events did not produce the piece.
    const cut = index + 1 < path.length ? position(mintOf(path[index + 1]).log) : Number.POSITIVE_INFINITY;
    const creation = values.find((entry) => entry.toTokenId === piece && entry.log.transactionHash === mint.log.transactionHash);
    const parentId = index === 0 ? 0n : path[index - 1];
    const createdBy = fundings.find((entry) => entry.fundedTokenId === piece && entry.funding.soldTokenId !== piece)?.funding;
    const ownerChanges: OwnerChange[] = own
      .filter((transfer) => transfer.from !== ZeroAddress && transfer.to !== ZeroAddress && position(transfer.log) < cut)
      .map((transfer) => {
        const funding = fundings.find(
          (entry) =>
            entry.fundedTokenId === piece && entry.funding.soldTokenId === piece && entry.funding.transactionHash === transfer.log.transactionHash,
        )?.funding;
        return {
          from: transfer.from,
          to: transfer.to,
          blockNumber: transfer.log.blockNumber,
          logIndex: transfer.log.index,
          transactionHash: transfer.log.transactionHash,
          ...(funding === undefined ? {} : { funding }),
        };
      });
    const mergedIn: ValueMergedIn[] = values
      .filter((entry) => entry.toTokenId === piece && entry.fromTokenId !== 0n && entry !== creation && position(entry.log) < cut)
      .map((entry) => ({
        fromTokenId: entry.fromTokenId,
        value: entry.value,
        blockNumber: entry.log.blockNumber,
        logIndex: entry.log.index,
        transactionHash: entry.log.transactionHash,
      }));
    const valueOut: ValueMovedOut[] = outflows
      .filter((entry) => entry.fromTokenId === piece && position(entry.log) < cut)
      .map((entry) => ({
        toTokenId: entry.toTokenId,
        value: entry.value,
        blockNumber: entry.log.blockNumber,
        logIndex: entry.log.index,
        transactionHash: entry.log.transactionHash,
      }));
    const common = {
      index,
      tokenId: piece,
      parentId,
      to: mint.to,
      value: creation?.value ?? 0n,
      blockNumber: mint.log.blockNumber,
      logIndex: mint.log.index,
      transactionHash: mint.log.transactionHash,
      ownerChanges,
      mergedIn,
      valueOut,
      burned: own.some((transfer) => transfer.to === ZeroAddress),
    };
    if (index === 0) {
      const confirmation = abiTuple(confirmed.args.confirmation);
      return {
        ...common,
        kind: "confirmation",
        from: getAddress(String(confirmed.args.anchor)),
        proof: {
          invoiceFingerprint: String(confirmation.invoiceFingerprint),
          invoiceHash: String(confirmation.invoiceHash),
          logisticsHash: String(confirmation.logisticsHash),
        },
      };
    }
    const from = ownerAt(parentId, position(mint.log));
    const proof = proofs.get(piece);
    if (proof !== undefined) return { ...common, kind: "transfer", from, proof };
    if (createdBy !== undefined) return { ...common, kind: "funding", from, funding: createdBy };
    return { ...common, kind: "split", from };
  });

  return { tokenId, slot, steps, asOfBlock: block };
}
