import { sendAll } from "./chain";
import type { Progress, RpcSender } from "./chain";
import type { MirrorFunction, TokenMirror } from "./tokenMirror";

/**
 * Many reads of one view in one `eth_call`: the runtime code of AuditViewReader.sol (this folder; never deployed)
 * is put at an unused address through the call's state override (geth, Hardhat/EDR, Besu, Nethermind and Erigon
 * take one), and that address is called with the view, its target and its arguments; it answers with every
 * answer. A node pays its per-call overhead once per few hundred reads instead of once per read, and the answers
 * come back as fixed-size records that cost nothing to decode. (Run as a constructor instead, the answer would be
 * taken for deployed code: capped at 24,576 bytes, and Hardhat's node slows down with every such "contract".)
 */

/** AuditViewReader's runtime code: solc 0.8.28, optimizer 200 runs, evmVersion paris, no metadata (a test recompiles it). */
export const AUDIT_VIEW_READER_CODE =
  "0x6080604052348015600f57600080fd5b5060003560203560403560051b60208101605f19360160051c6040518282028082016000600482015b85821015606e578883528160051b606001358152868202850188602082016024868e5afa3d8a1115169052600191909101906038565b5050508082f3";

/** Where the reader's code is put for the call: an address nobody holds a key or code for. */
export const AUDIT_VIEW_READER_ADDRESS = "0x00000000000000000000000000000000c4a1d17e";

/**
 * Reads per eth_call at most: a few million gas each, well inside any node's call gas cap (Hardhat's and a 30M
 * block's; geth's is 50M). Views that answer one or two words read one storage slot or so (about 3,000 gas a read):
 * 1,024 of them to a call; longer answers (a receivable's terms, a repayment account) read several: 256.
 */
export const READS_PER_CALL = 256;
export const SHORT_READS_PER_CALL = 1_024;

/**
 * Reads per call through the token's mirror (tokenMirror.ts). A piece's read is one cold storage word and ~100 EVM
 * steps: 2,048 a call, 5.7M gas (`eth_estimateGas`, 2,048 distinct pieces). A receivable's is two cold words, a 6-word
 * copy of its terms and an 8-word record, ~220 steps, and memory grows faster: 1,024 a call, 5.8M gas (1,024 distinct
 * receivables). Both stay well inside a 30M block's or geth's 50M call gas cap.
 */
export const MIRROR_READS_PER_CALL = 2_048;
export const MIRROR_LONG_READS_PER_CALL = 1_024;

/** Reads of one view to a call, by the words of its answer the audit keeps, through the reader or the token's mirror. */
export function readsPerCall(answerWords: number, throughMirror = false): number {
  if (throughMirror) return answerWords <= 2 ? MIRROR_READS_PER_CALL : MIRROR_LONG_READS_PER_CALL;
  return answerWords <= 2 ? SHORT_READS_PER_CALL : READS_PER_CALL;
}

/** Reader calls per JSON-RPC batch: each is a few hundred reads, and a node answers a batch's calls one by one. */
const CALLS_PER_BATCH = 4;

/** One view read: `selector(argument)` of `to`, keeping the first `answerWords` words of the answer. */
export interface ViewRead {
  to: string;
  selector: string;
  argument: bigint | string;
  answerWords: number;
}

function word(value: bigint | string): string {
  return typeof value === "bigint" ? value.toString(16).padStart(64, "0") : value.toLowerCase().replace(/^0x/u, "").padStart(64, "0");
}

/** The call data of one reader call: target, selector (left-aligned), answer words, then the arguments, a word each. */
export function readerCallData(to: string, selector: string, answerWords: number, args: ReadonlyArray<bigint | string>): string {
  return `0x${word(to)}${selector.replace(/^0x/u, "").padEnd(64, "0")}${word(BigInt(answerWords))}${args.map(word).join("")}`;
}

/** The call data of one mirror call: the batch function's selector and its `uint256[]` argument, ABI-encoded. */
export function mirrorCallData(selector: string, args: ReadonlyArray<bigint | string>): string {
  return `${selector}${word(32n)}${word(BigInt(args.length))}${args.map(word).join("")}`;
}

/**
 * The answer of every read at block `tag`, in order: a hex string of its first `answerWords` words, or the Error or
 * the raw answer the node gives a plain `eth_call` of it when the view reverted or answered short (so a finding
 * still carries the node's own words). Reads of the same view of the same contract share calls; with `mirror`,
 * those of the token views it answers (with the same answer words) go through it, the others through the reader.
 */
export async function readViews(
  rpc: RpcSender,
  reads: readonly ViewRead[],
  tag: string,
  progress?: Progress,
  mirror?: TokenMirror,
): Promise<unknown[]> {
  /** The mirror's function answering `read`, when the mirror answers it (same contract, view and answer words). */
  const mirrorFunctionOf = (read: ViewRead): MirrorFunction | undefined => {
    if (mirror === undefined || read.to.toLowerCase() !== mirror.token.toLowerCase()) return undefined;
    const through = mirror.functions.get(read.selector);
    return through?.answerWords === read.answerWords ? through : undefined;
  };
  const groups = new Map<string, number[]>();
  reads.forEach((read, index) => {
    const key = `${read.to.toLowerCase()}|${read.selector}|${read.answerWords}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [index]);
    else group.push(index);
  });
  const chunks: number[][] = [];
  for (const group of groups.values()) {
    const first = reads[group[0]];
    const size = readsPerCall(first.answerWords, mirrorFunctionOf(first) !== undefined);
    for (let start = 0; start < group.length; start += size) chunks.push(group.slice(start, start + size));
  }
  const calls = chunks.map((chunk) => {
    const first = reads[chunk[0]];
    const through = mirrorFunctionOf(first);
    if (mirror !== undefined && through !== undefined) {
      const params: unknown[] = [
        {
          to: mirror.token,
          data: mirrorCallData(
            through.selector,
            chunk.map((index) => reads[index].argument),
          ),
        },
        tag,
        { [mirror.token]: { code: mirror.code } },
      ];
      return ["eth_call", params] as const;
    }
    const params: unknown[] = [
      {
        to: AUDIT_VIEW_READER_ADDRESS,
        data: readerCallData(
          first.to,
          first.selector,
          first.answerWords,
          chunk.map((index) => reads[index].argument),
        ),
      },
      tag,
      { [AUDIT_VIEW_READER_ADDRESS]: { code: AUDIT_VIEW_READER_CODE } },
    ];
    return ["eth_call", params] as const;
  });
  const answers = await sendAll(
    rpc,
    calls,
    progress === undefined ? undefined : (done, total) => progress(Math.round((done / total) * reads.length), reads.length),
    CALLS_PER_BATCH,
  );
  const results = new Array<unknown>(reads.length);
  const retry: number[] = [];
  chunks.forEach((chunk, chunkIndex) => {
    const answer = answers[chunkIndex];
    const recordChars = (reads[chunk[0]].answerWords + 1) * 64;
    if (typeof answer !== "string" || answer.length !== 2 + recordChars * chunk.length) {
      retry.push(...chunk);
      return;
    }
    chunk.forEach((index, position) => {
      const start = 2 + position * recordChars;
      if (answer.slice(start, start + 64) === "0".repeat(63) + "1") results[index] = `0x${answer.slice(start + 64, start + recordChars)}`;
      else retry.push(index);
    });
  });
  if (retry.length > 0) {
    const plain = await sendAll(
      rpc,
      retry.map((index) => ["eth_call", [{ to: reads[index].to, data: reads[index].selector + word(reads[index].argument) }, tag]] as const),
    );
    retry.forEach((index, position) => {
      results[index] = plain[position];
    });
  }
  return results;
}
