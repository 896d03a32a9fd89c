import { Level } from "level";
import { pieceName } from "../chain/tokenId";
import type { ChainPosition, FindingLog } from "./findings";
import type { AuditReplay, PieceStatus } from "./replay";

/**
 * I7: the indexer's state equals the replay at the same block. The only place the audit reads the indexer's
 * database, and it reads it as data: the documented key layout (src/indexer/schema.ts) — `meta/cursor`,
 * `t/<tokenId>` pieces, `s/<slot>` receivables, `h/<owner>/<tokenId>` holdings, `cb/<address>` balances,
 * `x/<checkpoint>` events the index kept as findings — with JSON values whose amounts are decimal strings. Open
 * it while the indexer is stopped (LevelDB allows one process), or on a copy.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface IndexSnapshot {
  /** The last block the index applied. */
  cursorBlock: number;
  compare(replay: AuditReplay, findings: FindingLog): Promise<number>;
  close(): Promise<void>;
}

const TOKEN_HEX = 24;
const SLOT_HEX = 16;
const END = "\uffff";

function hexKey(value: bigint, width: number): string {
  return value.toString(16).padStart(width, "0");
}

function objectOf(text: string | undefined): { [key: string]: Json } | undefined {
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as Json;
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : undefined;
}

function bigOf(value: Json | undefined): bigint | undefined {
  if (typeof value === "string" && /^-?\d+$/u.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

/** An index field in a message: a JSON object or array as JSON, anything else as itself. */
function shown(value: Json | undefined): string {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
}

function sameAddress(a: Json | undefined, b: string): boolean {
  return typeof a === "string" && a.toLowerCase() === b.toLowerCase();
}

export async function openIndexSnapshot(path: string): Promise<IndexSnapshot> {
  const db = new Level<string, string>(path, { keyEncoding: "utf8", valueEncoding: "utf8", createIfMissing: false });
  try {
    await db.open();
  } catch (error) {
    throw new Error(`cannot open the index at ${path} (is the indexer still running?): ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const cursor = objectOf(await db.get("meta/cursor"));
  if (cursor === undefined || typeof cursor.number !== "number") {
    await db.close();
    throw new Error(`${path} has no index cursor (meta/cursor): not an index, or never synced`);
  }
  const cursorBlock = cursor.number;

  const compare = async (replay: AuditReplay, findings: FindingLog): Promise<number> => {
    let compared = 0;
    const fallback: ChainPosition = replay.lastPosition ?? { block: cursorBlock, transactionHash: "", logIndex: -1 };
    const words = replay.words;
    // An amount the index holds, in CNY when it is one (as stored otherwise), and a holder by its member.
    const money = (value: Json | undefined): string => {
      const amount = bigOf(value);
      return amount === undefined ? shown(value) : words.cny(amount);
    };
    const holder = (value: Json | undefined): string => (typeof value === "string" ? words.account(value) : shown(value));
    const mismatch = (at: ChainPosition, message: string, subject: { tokenId?: bigint; slot?: bigint } = {}): void =>
      findings.add("I7_INDEX_MISMATCH", at, message, subject);

    // Pieces: every replayed piece, then anything the index has that the replay does not.
    for (const piece of replay.pieces.values()) {
      compared += 1;
      const record = objectOf(await db.get(`t/${hexKey(piece.tokenId, TOKEN_HEX)}`));
      const subject = { tokenId: piece.tokenId, slot: piece.slot };
      if (record === undefined) {
        mismatch(piece.lastAt, `the index has no piece ${pieceName(piece.tokenId)}`, subject);
        continue;
      }
      const differences: string[] = [];
      const status = record.status as PieceStatus | undefined;
      if (status !== piece.status) differences.push(`status ${String(status)} vs ${piece.status}`);
      if (piece.status === "live") {
        if (!sameAddress(record.owner, piece.owner)) differences.push(`holder ${holder(record.owner)} vs ${words.account(piece.owner)}`);
        if (bigOf(record.value) !== piece.value) differences.push(`value ${money(record.value)} vs ${words.cny(piece.value)}`);
      }
      if (bigOf(record.parent) !== piece.parent)
        differences.push(
          `parent ${bigOf(record.parent) === undefined ? shown(record.parent) : pieceName(bigOf(record.parent) ?? 0n)} vs ${pieceName(piece.parent)}`,
        );
      if (bigOf(record.received) !== piece.claimed) differences.push(`received ${money(record.received)} vs ${words.cny(piece.claimed)}`);
      if (differences.length > 0) mismatch(piece.lastAt, `piece ${pieceName(piece.tokenId)} (index vs replay): ${differences.join("; ")}`, subject);
    }
    for await (const key of db.keys({ gte: "t/", lt: `t/${END}` })) {
      const tokenId = BigInt(`0x${key.slice(2)}`);
      if (!replay.pieces.has(tokenId)) mismatch(fallback, `the index has piece ${pieceName(tokenId)}, which the chain never created`, { tokenId });
    }

    // Holdings: exactly the live pieces, each under its holder with its value.
    const live = new Map<string, bigint>();
    for (const piece of replay.pieces.values())
      if (piece.status === "live") live.set(`${piece.owner.toLowerCase()}/${hexKey(piece.tokenId, TOKEN_HEX)}`, piece.tokenId);
    const seenHoldings = new Set<string>();
    for await (const [key, value] of db.iterator({ gte: "h/", lt: `h/${END}` })) {
      compared += 1;
      const rest = key.slice(2).toLowerCase();
      seenHoldings.add(rest);
      const tokenId = live.get(rest);
      if (tokenId === undefined) {
        mismatch(fallback, `the index lists holding ${key}, which is not a live piece of that holder on chain`);
        continue;
      }
      const piece = replay.pieces.get(tokenId);
      const row = objectOf(value);
      if (piece !== undefined && bigOf(row?.value) !== piece.value) {
        mismatch(
          piece.lastAt,
          `holding of piece ${pieceName(tokenId)} by ${words.account(piece.owner)}: the index says ${money(row?.value)}, the replay ${words.cny(piece.value)}`,
          { tokenId, slot: piece.slot },
        );
      }
    }
    for (const [rest, tokenId] of live) {
      if (seenHoldings.has(rest)) continue;
      const piece = replay.pieces.get(tokenId);
      mismatch(
        piece?.lastAt ?? fallback,
        `the index does not list piece ${pieceName(tokenId)} among the holdings of ${piece === undefined ? "?" : words.account(piece.owner)}`,
        {
          tokenId,
        },
      );
    }

    // Receivables.
    for (const slot of replay.slots.values()) {
      compared += 1;
      const record = objectOf(await db.get(`s/${hexKey(slot.slot, SLOT_HEX)}`));
      if (record === undefined) {
        mismatch(slot.lastAt, `the index has no receivable ${slot.slot}`, { slot: slot.slot });
        continue;
      }
      const differences: string[] = [];
      for (const [field, replayed] of [
        ["faceValue", slot.faceValue],
        ["repaid", slot.repaid],
        ["claimed", slot.claimed],
        ["redeemedValue", slot.redeemedValue],
      ] as const) {
        if (bigOf(record[field]) !== replayed) differences.push(`${field} ${money(record[field])} vs ${words.cny(replayed)}`);
      }
      if (record.pieceCount !== slot.pieceCount) differences.push(`pieceCount ${shown(record.pieceCount)} vs ${slot.pieceCount}`);
      if (record.anchorId !== slot.anchorId)
        differences.push(
          `anchor ${typeof record.anchorId === "number" ? words.member(record.anchorId) : shown(record.anchorId)} vs ${words.member(slot.anchorId)}`,
        );
      if (differences.length > 0) mismatch(slot.lastAt, `receivable ${slot.slot} (index vs replay): ${differences.join("; ")}`, { slot: slot.slot });
    }

    // Currency balances.
    for await (const [key, value] of db.iterator({ gte: "cb/", lt: `cb/${END}` })) {
      compared += 1;
      const account = key.slice(3).toLowerCase();
      const indexed = bigOf(value);
      const replayed = replay.balances.get(account) ?? 0n;
      if (indexed !== replayed)
        mismatch(
          replay.balanceLastAt.get(account) ?? fallback,
          `settlement currency: the index says ${words.account(account)} holds ${money(value)}, the replay ${words.cny(replayed)}`,
        );
    }
    for (const [account, balance] of replay.balances) {
      if (balance === 0n) continue;
      if ((await db.get(`cb/${account.toLowerCase()}`)) === undefined)
        mismatch(
          replay.balanceLastAt.get(account) ?? fallback,
          `the index has no currency balance for ${words.account(account)}, which holds ${words.cny(balance)}`,
        );
    }

    // Events the indexer kept as findings instead of applying them (`x/<checkpoint>`): each is reported where it
    // happened, so an auditor sees what the index left out and why.
    for await (const [key, value] of db.iterator({ gte: "x/", lt: `x/${END}` })) {
      compared += 1;
      const finding = objectOf(value);
      const at: ChainPosition =
        finding !== undefined &&
        typeof finding.block === "number" &&
        typeof finding.transactionHash === "string" &&
        typeof finding.logIndex === "number"
          ? { block: finding.block, transactionHash: finding.transactionHash, logIndex: finding.logIndex }
          : fallback;
      findings.add(
        "I7_INDEX_FINDING",
        at,
        `the index did not apply ${shown(finding?.event ?? "an event")} (${shown(finding?.code ?? key)}): ${shown(finding?.message ?? value)}`,
      );
    }
    return compared;
  };

  return { cursorBlock, compare, close: () => db.close() };
}
