import { readFileSync } from "node:fs";
import path from "node:path";
import { getBytes } from "ethers";
// Each factory from its own file: the typechain-types index loads every contract's (~140 files), a second of start-up.
import { AuditTokenMirror__factory } from "../../typechain-types/factories/contracts/audit/AuditTokenMirror__factory";
import { ReceivableToken__factory } from "../../typechain-types/factories/contracts/token/ReceivableToken__factory";
import type { RpcSender } from "./chain";

/**
 * The receivable token's views read over its own storage (contracts/audit/AuditTokenMirror.sol), for a token whose
 * deployed code is ReceivableToken's as this build compiled it.
 *
 * Hardhat's node records every EVM step of an `eth_call`, and a read through AuditViewReader costs ~275 steps (a call
 * frame, the token's dispatch, ABI in and out) where the mirror's loop costs ~100 (546 and ~220 for a receivable). The mirror's code is put at the
 * token's address by the call's state override, so it reads the token's storage. That is sound only when the storage
 * is laid out as the mirror (which inherits ReceivableToken) expects and the token's views compute what the mirror
 * computes: exactly when the deployed code is the compiled ReceivableToken, so {@link tokenMirror} compares them
 * first, and any other code (an older build, another contract, a test's inconsistent token) is read view by view.
 */

/** The mirror's three batch functions, by the selector of the token view each one answers. */
export interface TokenMirror {
  /** The token's address, where the mirror's code is put. */
  token: string;
  /** The mirror's runtime code. */
  code: string;
  /** The mirror's function answering each view (`pieceOf`, `exists`, `receivable`), by the view's selector. */
  functions: ReadonlyMap<string, MirrorFunction>;
}

/** One of the mirror's batch functions: its selector, and the view's answer words in each of its records. */
export interface MirrorFunction {
  selector: string;
  answerWords: number;
}

const ARTIFACTS = path.resolve(__dirname, "../../artifacts/contracts");

/** A contract's runtime code as this build compiled it (the typechain factories carry only the creation code). */
function deployedBytecode(file: string, name: string): string {
  return (JSON.parse(readFileSync(path.join(ARTIFACTS, file, `${name}.json`), "utf8")) as { deployedBytecode: string }).deployedBytecode;
}

const token = ReceivableToken__factory.createInterface();
const mirror = AuditTokenMirror__factory.createInterface();

/** The mirror's function for each view, with the answer words of its records as AuditTokenMirror.sol writes them. */
const MIRROR_FUNCTIONS: ReadonlyMap<string, MirrorFunction> = new Map([
  [token.getFunction("pieceOf").selector, { selector: mirror.getFunction("auditPieces").selector, answerWords: 2 }],
  [token.getFunction("exists").selector, { selector: mirror.getFunction("auditExists").selector, answerWords: 1 }],
  [token.getFunction("receivable").selector, { selector: mirror.getFunction("auditReceivables").selector, answerWords: 7 }],
]);

/** The code solc generated, without the CBOR metadata it appends (its length is the code's last two bytes). */
export function withoutMetadata(code: Uint8Array): Uint8Array | undefined {
  if (code.length < 2) return undefined;
  const metadataLength = (code[code.length - 2] << 8) | code[code.length - 1];
  if (metadataLength + 2 > code.length) return undefined;
  return code.subarray(0, code.length - metadataLength - 2);
}

const PUSH1 = 0x60;
const PUSH32 = 0x7f;

/**
 * Whether `deployed` is `compiled` with only its immutables set: the same instructions, byte for byte, except the
 * argument of every PUSH32 that is all zeros in the compiled code (solc's placeholder for an immutable, which it fills
 * at deployment: the token's registry, its value decimals, EIP-712's cached domain). The metadata is ignored: it is
 * never executed, and differs when only comments do.
 */
export function sameCodeOutsideImmutables(deployed: Uint8Array, compiled: Uint8Array): boolean {
  const a = withoutMetadata(deployed);
  const b = withoutMetadata(compiled);
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let pc = 0; pc < b.length;) {
    const opcode = b[pc];
    if (a[pc] !== opcode) return false;
    const pushed = opcode >= PUSH1 && opcode <= PUSH32 ? opcode - PUSH1 + 1 : 0;
    const start = pc + 1;
    const end = Math.min(start + pushed, b.length);
    const immutable = opcode === PUSH32 && b.subarray(start, end).every((byte) => byte === 0);
    if (!immutable) {
      for (let at = start; at < end; at += 1) if (a[at] !== b[at]) return false;
    }
    pc = end;
  }
  return true;
}

/** The compiled runtime code of ReceivableToken and of its mirror. */
interface CompiledCode {
  token: Uint8Array;
  mirror: string;
}

/** Read once. */
let compiled: CompiledCode | undefined;

function compiledCode(): CompiledCode {
  compiled ??= {
    token: getBytes(deployedBytecode("token/ReceivableToken.sol", "ReceivableToken")),
    mirror: deployedBytecode("audit/AuditTokenMirror.sol", "AuditTokenMirror"),
  };
  return compiled;
}

/**
 * The mirror for the token at `tokenAddress`, when its code at block `tag` is the compiled ReceivableToken's; undefined
 * otherwise (its views are then read one by one), or when this checkout has no compiled mirror.
 */
export async function tokenMirror(rpc: RpcSender, tokenAddress: string, tag: string): Promise<TokenMirror | undefined> {
  let code: CompiledCode;
  try {
    code = compiledCode();
  } catch {
    // A checkout without a usable compiled mirror (none yet, or a build being rewritten) reads the views one by one:
    // the same answers, slower.
    return undefined;
  }
  const deployed = await rpc.send("eth_getCode", [tokenAddress, tag]);
  if (typeof deployed !== "string" || !sameCodeOutsideImmutables(getBytes(deployed), code.token)) return undefined;
  return { token: tokenAddress, code: code.mirror, functions: MIRROR_FUNCTIONS };
}
