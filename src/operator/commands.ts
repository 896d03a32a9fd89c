import { Interface } from "ethers";
import type { ContractTransactionResponse, Provider } from "ethers";
import { legalEntityHash } from "../chain/membership";
import { Financing__factory, MemberRegistry__factory, ReceivableToken__factory, Settlement__factory } from "../../typechain-types";
import type { Financing, MemberRegistry, ReceivableToken, Settlement } from "../../typechain-types";
import { Role, roleMask } from "../chain/roles";
import type { KycDate, MemberReference, OperatorCommand } from "./parse";
import { calendarDateCst } from "../chain/membership";
import { formatCny } from "../finance/money";

/**
 * Carries out one operator command on the chain: names the member, checks what can be checked first (the member
 * exists, the date is after the chain's clock), asks the chain whether it would accept the transaction
 * (`staticCall`, so a refusal costs nothing and is read from the contract's own custom error), sends it, waits for
 * it to be mined, and says what was done with the transaction's hash and block.
 */

export interface OperatorSystem {
  registry: MemberRegistry;
  receivableToken: ReceivableToken;
  financing: Financing;
  settlement: Settlement;
  provider: Provider;
}

export type OperatorOutcome = { kind: "sent"; summary: string; txHash: string; block: number } | { kind: "listed"; text: string };

/** The chain would refuse, or the command names what does not exist (exit status 1). */
export class OperatorRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OperatorRefusal";
  }
}

const STATUS_NAMES = ["NONE", "ACTIVE", "SUSPENDED"] as const;

export function roleNames(mask: bigint | number): string[] {
  const bits = BigInt(mask);
  return Object.keys(Role)
    .filter((key) => Number.isNaN(Number(key)))
    .filter((name) => (bits >> BigInt((Role as unknown as Record<string, number>)[name])) & 1n);
}

const cstDate = calendarDateCst;

/** A block time as people read it: the date and time in China Standard Time. */
function cstTime(unixSeconds: bigint): string {
  return `${new Date(Number(unixSeconds + 8n * 3600n) * 1000).toISOString().slice(0, 19).replace("T", " ")} CST`;
}

/** The legal-entity hash the registry keeps for a unified social credit code (keccak256 of its normalised text). */
export { legalEntityHash };

interface RevertLike {
  revert?: { name: string; args: readonly unknown[] } | null;
  shortMessage?: string;
  message?: string;
}

/** Every custom error the operator's transactions can meet, to read revert data a client left undecoded. */
const ERRORS = new Interface(
  [...MemberRegistry__factory.abi, ...ReceivableToken__factory.abi, ...Financing__factory.abi, ...Settlement__factory.abi].filter(
    (fragment) => fragment.type === "error",
  ),
);

/** The revert data somewhere in an error as nodes and clients nest it (ethers, Hardhat, geth differ). */
function revertDataOf(error: unknown, depth = 0): string | null {
  if (depth > 5 || typeof error !== "object" || error === null) return null;
  const record = error as { data?: unknown; error?: unknown; info?: unknown };
  if (typeof record.data === "string" && /^0x[0-9a-fA-F]{8}/u.test(record.data)) return record.data;
  if (typeof record.data === "object" && record.data !== null) {
    const nested = revertDataOf(record.data, depth + 1);
    if (nested !== null) return nested;
  }
  return revertDataOf(record.error, depth + 1) ?? revertDataOf(record.info, depth + 1);
}

function decodedRevert(error: unknown): { name: string; args: readonly unknown[] } | null {
  const revert = (error as RevertLike | null)?.revert;
  if (revert !== null && revert !== undefined) return revert;
  const data = revertDataOf(error);
  if (data === null) return null;
  try {
    const parsed = ERRORS.parseError(data);
    return parsed === null ? null : { name: parsed.name, args: [...parsed.args] };
  } catch {
    return null;
  }
}

/** A contract's refusal in words: the custom error's name and facts, or the node's message. */
export function refusalOf(error: unknown): string {
  const revert = decodedRevert(error);
  if (revert !== null && revert !== undefined) {
    const [first, second] = revert.args.map((value) => String(value));
    const sentences: Record<string, () => string> = {
      RegistryUnauthorizedOperator: () => `${first} is not an active operator of this network`,
      ReceivableUnauthorizedOperator: () => `${first} is not an active operator of this network`,
      FinancingUnauthorizedOperator: () => `${first} is not an active operator of this network`,
      SettlementUnauthorizedOperator: () => `${first} is not an active operator of this network`,
      SettlementWriteOffBeforeGrace: () =>
        `receivable ${first}'s grace period ends ${cstTime(BigInt(second))}; it is not overdue before then (chain time ${cstTime(BigInt(String(revert.args[2])))})`,
      SettlementWriteOffRepaid: () => `receivable ${first} is fully repaid: there is nothing to write off`,
      SettlementAlreadyWrittenOff: () => `receivable ${first} was already written off at ${cstTime(BigInt(second))}`,
      ReceivableNonexistentSlot: () => `there is no receivable ${first}`,
      RegistryUnknownMember: () => `there is no member #${first}`,
      RegistryAccountTaken: () => `${first} already belongs to member #${second}`,
      RegistryAccountNotOfMember: () => `${first} is not an address of member #${second}`,
      RegistryLeiTaken: () => `that legal entity is already member #${second}`,
      RegistryKycExpiryInPast: () => `the KYC date ${cstDate(BigInt(first))} is not after the chain's time ${cstDate(BigInt(second))}`,
      RegistryAccountLimitReached: () => `member #${first} already has the most addresses allowed (${second})`,
      RegistryLastAccount: () => `that is member #${first}'s last address: add another first`,
      RegistryRoleAlreadyGranted: () => `member #${first} already holds ${roleNames(1n << BigInt(second)).join("")}`,
      RegistryRoleNotGranted: () => `member #${first} does not hold ${roleNames(1n << BigInt(second)).join("")}`,
      RegistryUnexpectedStatus: () => `member #${first} is ${STATUS_NAMES[Number(second)] ?? second}, so this does not apply`,
      RegistrySelfLockout: () => `an operator cannot lock itself out (member #${first})`,
      RegistryInvalidRoles: () => `${first} is not a set of known roles`,
      ReceivableCreditLineNotAnchor: () => `member #${first} does not hold the ANCHOR role: only an anchor has a credit line`,
      ReceivableInvalidCreditLine: () =>
        `the line ${first} fen or the review date ${cstDate(BigInt(second))} is not accepted (the date must be after the chain's time)`,
      EnforcedPause: () => "the system is already paused",
      ExpectedPause: () => "the system is not paused",
    };
    const sentence = sentences[revert.name];
    return sentence === undefined ? `${revert.name}(${revert.args.map(String).join(", ")})` : `${sentence()} (${revert.name})`;
  }
  const record = error as RevertLike | null;
  return record?.shortMessage ?? record?.message ?? String(error);
}

/** Asks the chain first; a refusal becomes an OperatorRefusal naming the contract's reason. */
async function send(check: () => Promise<unknown>, submit: () => Promise<ContractTransactionResponse>): Promise<{ txHash: string; block: number }> {
  try {
    await check();
  } catch (error) {
    throw new OperatorRefusal(`refused: ${refusalOf(error)}`);
  }
  const sent = await submit();
  const receipt = await sent.wait();
  if (receipt === null || receipt.status !== 1) throw new OperatorRefusal(`transaction ${sent.hash} failed`);
  return { txHash: sent.hash, block: receipt.blockNumber };
}

async function memberIdOf(registry: MemberRegistry, reference: MemberReference): Promise<number> {
  if (reference.kind === "address") {
    const memberId = Number(await registry.memberIdOf(reference.address));
    if (memberId === 0) throw new OperatorRefusal(`refused: ${reference.address} is no member's address`);
    return memberId;
  }
  const count = Number(await registry.memberCount());
  if (reference.memberId > count) throw new OperatorRefusal(`refused: there is no member #${reference.memberId} (the network has ${count})`);
  return reference.memberId;
}

async function checkKycDate(provider: Provider, date: KycDate, what = "KYC date"): Promise<void> {
  const latest = await provider.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? 0);
  if (date.unixSeconds <= now) throw new OperatorRefusal(`refused: the ${what} ${date.text} is not after the chain's time ${cstDate(now)}`);
}

/** One line per member: id, status, roles, KYC date (China Standard Time), addresses, legal-entity hash. */
/** An anchor's line in the listing: absent for other members, "no credit line" for an anchor without one. */
function lineText(line: { line: string; outstanding: string; reviewDate: string } | null | undefined): string {
  if (line === undefined) return "";
  if (line === null) return "  no credit line";
  return `  line ${formatCny(BigInt(line.line))}, owes ${formatCny(BigInt(line.outstanding))}, review ${line.reviewDate}`;
}

async function listMembers(registry: MemberRegistry, token: ReceivableToken, json: boolean): Promise<string> {
  const count = Number(await registry.memberCount());
  const members = [];
  for (let memberId = 1; memberId <= count; memberId += 1) {
    const view = await registry.member(memberId);
    const roles = roleNames(view.roles);
    const line = roles.includes("ANCHOR") ? await token.creditLine(memberId) : null;
    members.push({
      memberId,
      status: STATUS_NAMES[Number(view.status)] ?? String(view.status),
      roles,
      kycValidUntil: cstDate(view.kycValidUntil),
      accounts: [...view.accounts],
      leiHash: view.leiHash,
      ...(line === null
        ? {}
        : {
            creditLine:
              line.reviewDate === 0n
                ? null
                : { line: line.limit.toString(), outstanding: line.outstanding.toString(), reviewDate: cstDate(line.reviewDate) },
          }),
    });
  }
  if (json) return JSON.stringify({ members }, null, 2);
  if (members.length === 0) return "no members";
  return members
    .map(
      (entry) =>
        `#${entry.memberId}  ${entry.status.padEnd(9)}  ${entry.roles.join(",").padEnd(16)}  KYC until ${entry.kycValidUntil}  ${entry.accounts.join(" ")}  lei ${entry.leiHash}${lineText(entry.creditLine)}`,
    )
    .join("\n");
}

export async function runOperatorCommand(command: OperatorCommand, system: OperatorSystem): Promise<OperatorOutcome> {
  const { registry, receivableToken, financing, settlement, provider } = system;
  const done = (summary: string, sent: { txHash: string; block: number }): OperatorOutcome => ({ kind: "sent", summary, ...sent });
  switch (command.name) {
    case "members":
      return { kind: "listed", text: await listMembers(registry, receivableToken, command.json) };
    case "set-credit-line": {
      const memberId = await memberIdOf(registry, command.member);
      await checkKycDate(provider, command.reviewDate, "review date");
      const args = [memberId, command.line, command.reviewDate.unixSeconds] as const;
      const sent = await send(
        () => receivableToken.setCreditLine.staticCall(...args),
        () => receivableToken.setCreditLine(...args),
      );
      const { outstanding } = await receivableToken.creditLine(memberId);
      const free = command.line > outstanding ? command.line - outstanding : 0n;
      const over = outstanding > command.line ? `; it owes more than the line, so it confirms nothing until repayments bring it under` : "";
      return done(
        `member #${memberId}'s credit line is ${formatCny(command.line)}, next review ${command.reviewDate.text} (owes ${formatCny(outstanding)}, free ${formatCny(free)}${over})`,
        sent,
      );
    }
    case "admit": {
      await checkKycDate(provider, command.kycValidUntil);
      const leiHash = "creditCode" in command.legalEntity ? legalEntityHash(command.legalEntity.creditCode) : command.legalEntity.leiHash;
      const mask = roleMask(...command.roles);
      const args = [leiHash, command.address, mask, command.kycValidUntil.unixSeconds] as const;
      let memberId = 0n;
      const sent = await send(
        async () => {
          memberId = await registry.admit.staticCall(...args);
        },
        () => registry.admit(...args),
      );
      return done(
        `admitted member #${memberId} (${roleNames(mask).join(", ")}; KYC valid until ${command.kycValidUntil.text}) with address ${command.address}`,
        sent,
      );
    }
    case "suspend":
    case "reinstate": {
      const memberId = await memberIdOf(registry, command.member);
      const call = command.name === "suspend" ? registry.suspend : registry.reinstate;
      return done(
        `${command.name === "suspend" ? "suspended" : "reinstated"} member #${memberId}`,
        await send(
          () => call.staticCall(memberId),
          () => call(memberId),
        ),
      );
    }
    case "renew-kyc": {
      const memberId = await memberIdOf(registry, command.member);
      await checkKycDate(provider, command.kycValidUntil);
      const until = command.kycValidUntil.unixSeconds;
      return done(
        `member #${memberId}'s KYC is valid until ${command.kycValidUntil.text}`,
        await send(
          () => registry.renewKyc.staticCall(memberId, until),
          () => registry.renewKyc(memberId, until),
        ),
      );
    }
    case "grant":
    case "revoke": {
      const memberId = await memberIdOf(registry, command.member);
      const call = command.name === "grant" ? registry.grantRole : registry.revokeRole;
      const role = roleNames(1n << BigInt(command.role)).join("");
      return done(
        `${command.name === "grant" ? "granted" : "revoked"} ${role} ${command.name === "grant" ? "to" : "from"} member #${memberId}`,
        await send(
          () => call.staticCall(memberId, command.role),
          () => call(memberId, command.role),
        ),
      );
    }
    case "add-address":
    case "remove-address": {
      const memberId = await memberIdOf(registry, command.member);
      const call = command.name === "add-address" ? registry.addAccount : registry.removeAccount;
      return done(
        `${command.name === "add-address" ? "added" : "removed"} ${command.address} ${command.name === "add-address" ? "to" : "from"} member #${memberId}`,
        await send(
          () => call.staticCall(memberId, command.address),
          () => call(memberId, command.address),
        ),
      );
    }
    case "set-verifiers":
      return done(
        `fundings now need ${command.required} verifier signature${command.required === 1 ? "" : "s"}`,
        await send(
          () => financing.setRequiredVerifiers.staticCall(command.required),
          () => financing.setRequiredVerifiers(command.required),
        ),
      );
    case "pause":
      return done(
        "paused: transfers, confirmations and funding stop; claims continue",
        await send(
          () => receivableToken.pause.staticCall(),
          () => receivableToken.pause(),
        ),
      );
    case "unpause":
      return done(
        "unpaused: transfers, confirmations and funding run again",
        await send(
          () => receivableToken.unpause.staticCall(),
          () => receivableToken.unpause(),
        ),
      );
    case "write-off": {
      const sent = await send(
        () => settlement.writeOff.staticCall(command.slot),
        () => settlement.writeOff(command.slot),
      );
      const { repaid } = await settlement.account(command.slot);
      const { faceValue } = await receivableToken.slotState(command.slot);
      return done(
        `wrote off receivable ${command.slot}: ${formatCny(faceValue - repaid)} of ${formatCny(faceValue)} unpaid (the anchor may still repay it)`,
        sent,
      );
    }
  }
}
