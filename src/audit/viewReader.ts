import { sendAll } from "./chain";
import type { Progress, RpcSender } from "./chain";

/**
 * Many reads of one view in one `eth_call`: the creation code of AuditViewReader.sol (this folder; never deployed)
 * with its constructor arguments is sent as the data of a call without `to`, and its constructor returns every
 * answer. A node pays its per-call overhead once per few hundred reads instead of once per read, and the answers
 * come back as fixed-size records that cost nothing to decode.
 */

/** AuditViewReader's creation code: solc 0.8.28, optimizer 200 runs, evmVersion paris, no metadata (a test recompiles it). */
export const AUDIT_VIEW_READER_BYTECODE =
  "0x60806040526040516101a53803806101a58339810160408190526100229161008e565b80516020830260208101604051818402810160005b8581101561007057888252602081026020880101516004830152838102830185602082016024858e5afa3d871115169052600101610037565b505081840281f35b634e487b7160e01b600052604160045260246000fd5b600080600080608085870312156100a457600080fd5b84516001600160a01b03811681146100bb57600080fd5b60208601519094506001600160e01b0319811681146100d957600080fd5b6040860151606087015191945092506001600160401b038111156100fc57600080fd5b8501601f8101871361010d57600080fd5b80516001600160401b0381111561012657610126610078565b604051600582901b90603f8201601f191681016001600160401b038111828210171561015457610154610078565b60405291825260208184018101929081018a84111561017257600080fd5b6020850194505b8385101561019557845180825260209586019590935001610179565b5096999598509396505050505056fe";

/** Reads per eth_call at most: a few million gas each, well inside any node's call gas cap. */
export const READS_PER_CALL = 256;

/**
 * What a constructor returns is the code of the contract it would deploy, which EIP-170 caps at 24,576 bytes (the
 * node refuses the whole call beyond it): so fewer reads per call for views with long answers.
 */
const MAX_ANSWER_BYTES = 24_576;

/** Reads of a view answering `answerWords` words that fit one reader call. */
export function readsPerCall(answerWords: number): number {
  return Math.max(1, Math.min(READS_PER_CALL, Math.floor(MAX_ANSWER_BYTES / ((answerWords + 1) * 32))));
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

/** The call data of one reader call: creation code, then ABI-encoded (target, selector, answerWords, args). */
export function readerCallData(to: string, selector: string, answerWords: number, args: ReadonlyArray<bigint | string>): string {
  const head = word(to) + selector.replace(/^0x/u, "").padEnd(64, "0") + word(BigInt(answerWords)) + word(128n);
  return AUDIT_VIEW_READER_BYTECODE + head + word(BigInt(args.length)) + args.map(word).join("");
}

/**
 * The answer of every read at block `tag`, in order: a hex string of its first `answerWords` words, or the Error or
 * the raw answer the node gives a plain `eth_call` of it when the view reverted or answered short (so a finding
 * still carries the node's own words). Reads of the same view of the same contract share calls.
 */
export async function readViews(rpc: RpcSender, reads: readonly ViewRead[], tag: string, progress?: Progress): Promise<unknown[]> {
  const groups = new Map<string, number[]>();
  reads.forEach((read, index) => {
    const key = `${read.to.toLowerCase()}|${read.selector}|${read.answerWords}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [index]);
    else group.push(index);
  });
  const chunks: number[][] = [];
  for (const group of groups.values()) {
    const size = readsPerCall(reads[group[0]].answerWords);
    for (let start = 0; start < group.length; start += size) chunks.push(group.slice(start, start + size));
  }
  const calls = chunks.map((chunk) => {
    const first = reads[chunk[0]];
    const params: unknown[] = [{ data: readerCallData(first.to, first.selector, first.answerWords, chunk.map((index) => reads[index].argument)) }, tag];
    return ["eth_call", params] as const;
  });
  const answers = await sendAll(rpc, calls, progress === undefined ? undefined : (done, total) => progress(Math.round((done / total) * reads.length), reads.length), CALLS_PER_BATCH);
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
    const plain = await sendAll(rpc, retry.map((index) => ["eth_call", [{ to: reads[index].to, data: reads[index].selector + word(reads[index].argument) }, tag]] as const));
    retry.forEach((index, position) => {
      results[index] = plain[position];
    });
  }
  return results;
}
