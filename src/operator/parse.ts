import type { parseArgs } from "node:util";
import { getAddress, isAddress, isHexString } from "ethers";
import { endOfDayCst, normalisedCreditCode } from "../chain/membership";
import { parseCny } from "../finance/money";
import { HELP_OPTION, UsageError, parseCommandLine as parseStrictly } from "../chain/commandLine";
import { Role } from "../chain/roles";

/**
 * The operator's command line, parsed into one typed command (node:util `parseArgs`). Everything that can be
 * judged without the chain is judged here, with a sentence naming the flag at fault.
 */

/** A member named by its id (`12`, `#12`) or by any of its addresses. */
export type MemberReference = { kind: "id"; memberId: number } | { kind: "address"; address: string };

export type OperatorCommand =
  | { name: "admit"; legalEntity: { creditCode: string } | { leiHash: string }; address: string; roles: Role[]; kycValidUntil: KycDate }
  | { name: "suspend" | "reinstate"; member: MemberReference }
  | { name: "renew-kyc"; member: MemberReference; kycValidUntil: KycDate }
  | { name: "grant" | "revoke"; member: MemberReference; role: Role }
  | { name: "add-address" | "remove-address"; member: MemberReference; address: string }
  | { name: "set-verifiers"; required: number }
  | { name: "pause" | "unpause" }
  | { name: "members"; json: boolean }
  | { name: "set-credit-line"; member: MemberReference; line: bigint; reviewDate: KycDate }
  | { name: "write-off"; slot: bigint };

/** A KYC validity date: the last second of that calendar day in China Standard Time. */
export interface KycDate {
  text: string;
  unixSeconds: bigint;
}

/** Options every command shares: where the chain is and where its deployment record is. */
export interface ConnectionOptions {
  rpc: string;
  contracts?: string;
}

export interface ParsedCommandLine {
  help: boolean;
  command: OperatorCommand | null;
  connection: ConnectionOptions | null;
}

export const COMMANDS: Readonly<Record<OperatorCommand["name"], { usage: string; summary: string }>> = {
  admit: {
    usage: "admit (--credit-code <code> | --lei-hash <0x…32 bytes>) --address <0x…> --roles <ROLE[,ROLE…]> --kyc-until <YYYY-MM-DD>",
    summary: "admit an organisation as a member with its first address, roles and KYC validity date",
  },
  suspend: { usage: "suspend --member <id|address>", summary: "suspend a member: it keeps what it holds but can move nothing" },
  reinstate: { usage: "reinstate --member <id|address>", summary: "reinstate a suspended member" },
  "renew-kyc": { usage: "renew-kyc --member <id|address> --kyc-until <YYYY-MM-DD>", summary: "set a member's KYC validity date" },
  grant: { usage: "grant --member <id|address> --role <ROLE>", summary: "grant a member a role" },
  revoke: { usage: "revoke --member <id|address> --role <ROLE>", summary: "revoke a role from a member" },
  "add-address": { usage: "add-address --member <id|address> --address <0x…>", summary: "add an address to a member" },
  "remove-address": { usage: "remove-address --member <id|address> --address <0x…>", summary: "remove an address from a member" },
  "set-verifiers": { usage: "set-verifiers --required <n>", summary: "set how many verifier signatures a funding needs" },
  pause: { usage: "pause", summary: "stop transfers, confirmations and funding (claims continue)" },
  unpause: { usage: "unpause", summary: "let transfers, confirmations and funding run again" },
  members: { usage: "members [--json]", summary: "list every member: roles, status, KYC date, addresses; an anchor's credit line" },
  "set-credit-line": {
    usage: "set-credit-line --member <id|address> --line <CNY, e.g. 5,000,000.00> --review <YYYY-MM-DD>",
    summary: "set an anchor's credit line and next review date (no anchor confirms without one; a lower line keeps what is confirmed)",
  },
  "write-off": {
    usage: "write-off --slot <n>",
    summary: "write off a receivable overdue past its grace period and not fully repaid (once; the anchor may still repay)",
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    "usage: npm run operator -- <command> [options] [--rpc <url>] [--contracts <file>]",
    "",
    "The operator's actions on the member registry and the system, each one transaction, signed with the key in",
    "CHAINBILL_OPERATOR_KEY (an active OPERATOR's). The chain is --rpc or CHAINBILL_RPC_URL; the contracts come from",
    "the deployment record of the chain's id (deploy/deployments/chain-<id>/, written by npm run deploy and npm start)",
    "or --contracts <file>. Exit status: 0 done, 1 refused (by the chain or for an unknown member), 2 usage error.",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(
      ([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}\n  ${" ".repeat(width)}  npm run operator -- ${entry.usage}`,
    ),
    "",
    `roles: ${ROLE_NAMES.join(", ")}`,
  ].join("\n");
}

const ROLE_NAMES = Object.keys(Role).filter((key) => Number.isNaN(Number(key)));

function roleOf(text: string, flag: string): Role {
  const name = text.trim().toUpperCase();
  const role = (Role as unknown as Record<string, number | undefined>)[name];
  if (role === undefined || !ROLE_NAMES.includes(name)) throw new UsageError(`${flag}: "${text}" is not a role (roles: ${ROLE_NAMES.join(", ")})`);
  return role;
}

function addressOf(text: string | undefined, flag: string): string {
  if (text === undefined) throw new UsageError(`${flag} <0x…> is required`);
  if (!isAddress(text)) throw new UsageError(`${flag}: "${String(text)}" is not an address (0x and 40 hex digits)`);
  return getAddress(text);
}

function memberOf(text: string | undefined): MemberReference {
  if (text === undefined) throw new UsageError("--member <id|address> is required");
  const id = /^#?([0-9]{1,10})$/u.exec(text.trim());
  if (id !== null) {
    const memberId = Number(id[1]);
    if (memberId === 0 || memberId > 0xffff_ffff) throw new UsageError(`--member: member ids run from 1 to 4294967295, not ${memberId}`);
    return { kind: "id", memberId };
  }
  if (isAddress(text)) return { kind: "address", address: getAddress(text) };
  throw new UsageError(`--member: "${String(text)}" is neither a member id nor an address`);
}

/** "2027-12-31" as the last second of that day in China Standard Time; refuses impossible dates (2027-02-30). */
export function kycDateOf(text: string | undefined, flag = "--kyc-until"): KycDate {
  if (text === undefined) throw new UsageError(`${flag} <YYYY-MM-DD> is required`);
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/u.test(text.trim())) throw new UsageError(`${flag}: "${text}" is not a date of the form YYYY-MM-DD`);
  const endOfDay = endOfDayCst(text);
  if (endOfDay === null) throw new UsageError(`${flag}: ${text} is not a day of the calendar`);
  return { text: text.trim(), unixSeconds: endOfDay };
}

/** The largest line the chain keeps (64 bits of fen). */
const MAX_LINE = (1n << 64n) - 1n;

/** "5,000,000.00" (CNY) as fen, within 64 bits. */
export function creditLineOf(text: string | undefined): bigint {
  if (text === undefined) throw new UsageError("--line <CNY, e.g. 5,000,000.00> is required");
  const fen = parseCny(text);
  if (fen === null) throw new UsageError(`--line: "${text}" is not an amount of CNY (e.g. 5,000,000.00: at most two decimals)`);
  if (fen > MAX_LINE) throw new UsageError(`--line: ${text} is above the largest line the chain keeps (184,467,440,737,095,516.15 CNY)`);
  return fen;
}

/** The code as the registry hashes it: trimmed, upper-case, inner spaces removed; 1–64 of A–Z, 0–9 and "-". */
export function normaliseCreditCode(text: string): string {
  const code = normalisedCreditCode(text);
  if (code === null) throw new UsageError(`--credit-code: "${text}" is not a credit code (letters, digits and "-", at most 64)`);
  return code;
}

const OPTIONS = {
  ...HELP_OPTION,
  rpc: { type: "string" },
  contracts: { type: "string" },
  "credit-code": { type: "string" },
  "lei-hash": { type: "string" },
  address: { type: "string" },
  roles: { type: "string" },
  role: { type: "string" },
  "kyc-until": { type: "string" },
  member: { type: "string" },
  required: { type: "string" },
  json: { type: "boolean" },
  line: { type: "string" },
  review: { type: "string" },
  slot: { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

/** Which flags each command takes besides --rpc, --contracts and --help. */
const FLAGS: Readonly<Record<OperatorCommand["name"], readonly (keyof typeof OPTIONS)[]>> = {
  admit: ["credit-code", "lei-hash", "address", "roles", "kyc-until"],
  suspend: ["member"],
  reinstate: ["member"],
  "renew-kyc": ["member", "kyc-until"],
  grant: ["member", "role"],
  revoke: ["member", "role"],
  "add-address": ["member", "address"],
  "remove-address": ["member", "address"],
  "set-verifiers": ["required"],
  pause: [],
  unpause: [],
  members: ["json"],
  "set-credit-line": ["member", "line", "review"],
  "write-off": ["slot"],
};

/** A receivable's slot: a whole number from 1, within the 64 bits slots are numbered in. */
function slotOf(text: string | undefined): bigint {
  if (text === undefined) throw new UsageError("--slot <n> is required");
  if (!/^[0-9]{1,20}$/u.test(text.trim())) throw new UsageError(`--slot: "${text}" is not a receivable's number (a whole number from 1)`);
  const slot = BigInt(text.trim());
  if (slot === 0n || slot >= 1n << 64n) throw new UsageError(`--slot: receivables are numbered from 1 to 18446744073709551615, not ${slot}`);
  return slot;
}

function commandFrom(name: OperatorCommand["name"], values: Values): OperatorCommand {
  for (const flag of Object.keys(values) as (keyof typeof OPTIONS)[]) {
    if (flag === "help" || flag === "rpc" || flag === "contracts") continue;
    if (!FLAGS[name].includes(flag)) throw new UsageError(`${name} does not take --${flag} (usage: npm run operator -- ${COMMANDS[name].usage})`);
  }
  switch (name) {
    case "admit": {
      const creditCode = values["credit-code"];
      const leiHash = values["lei-hash"];
      if ((creditCode === undefined) === (leiHash === undefined))
        throw new UsageError("admit needs exactly one of --credit-code <code> or --lei-hash <0x…>");
      if (leiHash !== undefined && !isHexString(leiHash, 32)) throw new UsageError(`--lei-hash: "${leiHash}" is not 32 bytes of hex`);
      const rolesText = values.roles;
      if (rolesText === undefined || rolesText.trim() === "") throw new UsageError("--roles <ROLE[,ROLE…]> is required");
      const roles = [...new Set(rolesText.split(",").map((text) => roleOf(text, "--roles")))];
      return {
        name,
        legalEntity: creditCode !== undefined ? { creditCode: normaliseCreditCode(creditCode) } : { leiHash: (leiHash as string).toLowerCase() },
        address: addressOf(values.address, "--address"),
        roles,
        kycValidUntil: kycDateOf(values["kyc-until"]),
      };
    }
    case "suspend":
    case "reinstate":
      return { name, member: memberOf(values.member) };
    case "renew-kyc":
      return { name, member: memberOf(values.member), kycValidUntil: kycDateOf(values["kyc-until"]) };
    case "grant":
    case "revoke":
      if (values.role === undefined) throw new UsageError("--role <ROLE> is required");
      return { name, member: memberOf(values.member), role: roleOf(values.role, "--role") };
    case "add-address":
    case "remove-address":
      return { name, member: memberOf(values.member), address: addressOf(values.address, "--address") };
    case "set-verifiers": {
      const text = values.required;
      if (text === undefined || !/^[0-9]{1,3}$/u.test(text) || Number(text) === 0)
        throw new UsageError(`--required: "${text ?? ""}" is not a number of signatures from 1 to 999`);
      return { name, required: Number(text) };
    }
    case "pause":
    case "unpause":
      return { name };
    case "members":
      return { name, json: values.json === true };
    case "set-credit-line":
      return { name, member: memberOf(values.member), line: creditLineOf(values.line), reviewDate: kycDateOf(values.review, "--review") };
    case "write-off":
      return { name, slot: slotOf(values.slot) };
  }
}

/** Parses `argv` (without node and the script); `env` supplies CHAINBILL_RPC_URL. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommandLine {
  const { values, positionals } = parseStrictly(argv, OPTIONS, true);
  if (values.help === true || positionals.length === 0) return { help: true, command: null, connection: null };
  if (positionals.length > 1) throw new UsageError(`one command at a time, not "${positionals.join(" ")}"`);
  const name = positionals[0];
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")})`);
  const command = commandFrom(name as OperatorCommand["name"], values);
  const rpc = values.rpc ?? env.CHAINBILL_RPC_URL;
  if (rpc === undefined) throw new UsageError("--rpc <url> is required (or set CHAINBILL_RPC_URL)");
  if (!/^https?:\/\//u.test(rpc)) throw new UsageError(`--rpc must be an http(s) URL, not "${rpc}"`);
  return { help: false, command, connection: { rpc, ...(values.contracts === undefined ? {} : { contracts: values.contracts }) } };
}
