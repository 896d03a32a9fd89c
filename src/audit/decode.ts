import { Interface, getAddress } from "ethers";
import type { EventFragment, Log, Result } from "ethers";
import {
  Financing__factory,
  MemberRegistry__factory,
  ReceivableToken__factory,
  SettlementToken__factory,
  Settlement__factory,
} from "../../typechain-types";
import type { ChainbillAddresses } from "../chain/system";
import type { ChainPosition } from "./findings";

/**
 * The audit's own reading of the contracts' logs, straight from the ABIs the contracts were compiled with. The
 * indexer has its own decoder; keeping a second, independent one means a decoding bug cannot hide the same way in
 * both. Addresses come out checksummed, amounts and ids as bigint.
 */

export type AuditedContract = "registry" | "token" | "currency" | "settlement" | "financing";

export interface Confirmation {
  supplier: string;
  faceValue: bigint;
  maturity: bigint;
  currency: string;
  invoiceHash: string;
  logisticsHash: string;
  invoiceFingerprint: string;
}

/** Only the events the replay derives state from; the others decode to `Other`. */
export type AuditEvent =
  | { contract: "registry"; name: "MemberAdmitted"; memberId: number; leiHash: string; account: string; roles: number; kycValidUntil: bigint }
  | { contract: "registry"; name: "RoleGranted" | "RoleRevoked"; memberId: number; role: number; roles: number }
  | { contract: "registry"; name: "AccountAdded" | "AccountRemoved"; memberId: number; account: string }
  | { contract: "registry"; name: "MemberSuspended" | "MemberReinstated"; memberId: number }
  | { contract: "registry"; name: "KycRenewed"; memberId: number; kycValidUntil: bigint }
  | { contract: "token"; name: "ReceivableConfirmed"; slot: bigint; tokenId: bigint; anchorId: number; supplierId: number; anchor: string; confirmation: Confirmation }
  | { contract: "token"; name: "TradeProofRecorded"; tokenId: bigint; invoiceFingerprint: string; invoiceHash: string; logisticsHash: string }
  | { contract: "token"; name: "Transfer"; from: string; to: string; tokenId: bigint }
  | { contract: "token"; name: "TransferValue"; fromTokenId: bigint; toTokenId: bigint; value: bigint }
  | { contract: "currency"; name: "Transfer"; from: string; to: string; value: bigint }
  | { contract: "currency"; name: "Issued"; issuer: string; to: string; amount: bigint }
  | { contract: "currency"; name: "Redeemed"; issuer: string; amount: bigint }
  | { contract: "currency"; name: "IssuerSet"; issuer: string; allowed: boolean }
  | { contract: "currency"; name: "SystemAccountSet"; account: string; allowed: boolean }
  | { contract: "settlement"; name: "Repaid"; slot: bigint; payer: string; amount: bigint; repaidTotal: bigint; fullyRepaid: boolean }
  | { contract: "settlement"; name: "Claimed"; tokenId: bigint; holder: string; amount: bigint; claimedTotal: bigint }
  | { contract: "settlement"; name: "SlotOverdue" | "OverdueCured"; slot: bigint }
  | { contract: "financing"; name: "Funded"; fundingId: string; tokenId: bigint; factor: string; holder: string; fundedTokenId: bigint; value: bigint; price: bigint; withRecourse: boolean }
  | { contract: "financing"; name: "RequestApproved"; requestDigest: string; holder: string }
  | { contract: "financing"; name: "RequiredVerifiersSet"; required: bigint }
  | { [C in AuditedContract]: { contract: C; name: "Other"; event: string } }[AuditedContract];

/** A decoded log with its place in the chain. */
export interface PositionedEvent {
  event: AuditEvent;
  at: ChainPosition;
  transactionIndex: number;
}

export const INTERFACES: Readonly<Record<AuditedContract, Interface>> = {
  registry: new Interface(MemberRegistry__factory.abi),
  token: new Interface(ReceivableToken__factory.abi),
  currency: new Interface(SettlementToken__factory.abi),
  settlement: new Interface(Settlement__factory.abi),
  financing: new Interface(Financing__factory.abi),
};

const FRAGMENTS: ReadonlyMap<AuditedContract, ReadonlyMap<string, EventFragment>> = new Map(
  (Object.keys(INTERFACES) as AuditedContract[]).map((contract) => {
    const byTopic = new Map<string, EventFragment>();
    INTERFACES[contract].forEachEvent((fragment) => byTopic.set(fragment.topicHash, fragment));
    return [contract, byTopic];
  }),
);

function big(result: Result, key: string): bigint {
  const value: unknown = result.getValue(key);
  if (typeof value !== "bigint") throw new Error(`${key} is not an integer`);
  return value;
}
function num(result: Result, key: string): number {
  return Number(big(result, key));
}
function addr(result: Result, key: string): string {
  const value: unknown = result.getValue(key);
  if (typeof value !== "string") throw new Error(`${key} is not an address`);
  return getAddress(value);
}
function hex(result: Result, key: string): string {
  const value: unknown = result.getValue(key);
  if (typeof value !== "string") throw new Error(`${key} is not bytes`);
  return value.toLowerCase();
}
function bool(result: Result, key: string): boolean {
  const value: unknown = result.getValue(key);
  if (typeof value !== "boolean") throw new Error(`${key} is not a bool`);
  return value;
}

function confirmationOf(result: Result): Confirmation {
  const tuple: unknown = result.getValue("confirmation");
  if (!(tuple instanceof Array)) throw new Error("confirmation is not a tuple");
  const terms = tuple as Result;
  return {
    supplier: addr(terms, "supplier"),
    faceValue: big(terms, "faceValue"),
    maturity: big(terms, "maturity"),
    currency: hex(terms, "currency"),
    invoiceHash: hex(terms, "invoiceHash"),
    logisticsHash: hex(terms, "logisticsHash"),
    invoiceFingerprint: hex(terms, "invoiceFingerprint"),
  };
}

function typed(contract: AuditedContract, name: string, a: Result): AuditEvent {
  switch (`${contract}.${name}`) {
    case "registry.MemberAdmitted":
      return { contract: "registry", name: "MemberAdmitted", memberId: num(a, "memberId"), leiHash: hex(a, "leiHash"), account: addr(a, "account"), roles: num(a, "roles"), kycValidUntil: big(a, "kycValidUntil") };
    case "registry.RoleGranted":
    case "registry.RoleRevoked":
      return { contract: "registry", name: name as "RoleGranted", memberId: num(a, "memberId"), role: num(a, "role"), roles: num(a, "roles") };
    case "registry.AccountAdded":
    case "registry.AccountRemoved":
      return { contract: "registry", name: name as "AccountAdded", memberId: num(a, "memberId"), account: addr(a, "account") };
    case "registry.MemberSuspended":
    case "registry.MemberReinstated":
      return { contract: "registry", name: name as "MemberSuspended", memberId: num(a, "memberId") };
    case "registry.KycRenewed":
      return { contract: "registry", name: "KycRenewed", memberId: num(a, "memberId"), kycValidUntil: big(a, "kycValidUntil") };
    case "token.ReceivableConfirmed":
      return { contract: "token", name: "ReceivableConfirmed", slot: big(a, "slot"), tokenId: big(a, "tokenId"), anchorId: num(a, "anchorId"), supplierId: num(a, "supplierId"), anchor: addr(a, "anchor"), confirmation: confirmationOf(a) };
    case "token.TradeProofRecorded":
      return { contract: "token", name: "TradeProofRecorded", tokenId: big(a, "tokenId"), invoiceFingerprint: hex(a, "invoiceFingerprint"), invoiceHash: hex(a, "invoiceHash"), logisticsHash: hex(a, "logisticsHash") };
    case "token.Transfer":
      return { contract: "token", name: "Transfer", from: addr(a, "from"), to: addr(a, "to"), tokenId: big(a, "tokenId") };
    case "token.TransferValue":
      return { contract: "token", name: "TransferValue", fromTokenId: big(a, "_fromTokenId"), toTokenId: big(a, "_toTokenId"), value: big(a, "_value") };
    case "currency.Transfer":
      return { contract: "currency", name: "Transfer", from: addr(a, "from"), to: addr(a, "to"), value: big(a, "value") };
    case "currency.Issued":
      return { contract: "currency", name: "Issued", issuer: addr(a, "issuer"), to: addr(a, "to"), amount: big(a, "amount") };
    case "currency.Redeemed":
      return { contract: "currency", name: "Redeemed", issuer: addr(a, "issuer"), amount: big(a, "amount") };
    case "currency.IssuerSet":
      return { contract: "currency", name: "IssuerSet", issuer: addr(a, "issuer"), allowed: bool(a, "allowed") };
    case "currency.SystemAccountSet":
      return { contract: "currency", name: "SystemAccountSet", account: addr(a, "account"), allowed: bool(a, "allowed") };
    case "settlement.Repaid":
      return { contract: "settlement", name: "Repaid", slot: big(a, "slot"), payer: addr(a, "payer"), amount: big(a, "amount"), repaidTotal: big(a, "repaidTotal"), fullyRepaid: bool(a, "fullyRepaid") };
    case "settlement.Claimed":
      return { contract: "settlement", name: "Claimed", tokenId: big(a, "tokenId"), holder: addr(a, "holder"), amount: big(a, "amount"), claimedTotal: big(a, "claimedTotal") };
    case "settlement.SlotOverdue":
    case "settlement.OverdueCured":
      return { contract: "settlement", name: name as "SlotOverdue", slot: big(a, "slot") };
    case "financing.Funded":
      return {
        contract: "financing",
        name: "Funded",
        fundingId: hex(a, "fundingId"),
        tokenId: big(a, "tokenId"),
        factor: addr(a, "factor"),
        holder: addr(a, "holder"),
        fundedTokenId: big(a, "fundedTokenId"),
        value: big(a, "value"),
        price: big(a, "price"),
        withRecourse: bool(a, "withRecourse"),
      };
    case "financing.RequestApproved":
      return { contract: "financing", name: "RequestApproved", requestDigest: hex(a, "requestDigest"), holder: addr(a, "holder") };
    case "financing.RequiredVerifiersSet":
      return { contract: "financing", name: "RequiredVerifiersSet", required: big(a, "required") };
    default:
      return { contract, name: "Other", event: name } as AuditEvent;
  }
}

/** Knows which address is which contract and decodes their logs. */
export class AuditDecoder {
  private readonly byAddress: ReadonlyMap<string, AuditedContract>;

  constructor(readonly contracts: ChainbillAddresses) {
    this.byAddress = new Map<string, AuditedContract>([
      [contracts.registry.toLowerCase(), "registry"],
      [contracts.receivableToken.toLowerCase(), "token"],
      [contracts.settlementToken.toLowerCase(), "currency"],
      [contracts.settlement.toLowerCase(), "settlement"],
      [contracts.financing.toLowerCase(), "financing"],
    ]);
    if (this.byAddress.size !== 5) throw new Error("the five contracts of a deployment must have five distinct addresses");
  }

  get addresses(): string[] {
    return [...this.byAddress.keys()];
  }

  /** The typed event, or an Error saying why the log fits no event of its contract. */
  decode(log: Pick<Log, "address" | "topics" | "data">): AuditEvent | Error {
    const contract = this.byAddress.get(log.address.toLowerCase());
    if (contract === undefined) return new Error(`log of ${log.address}, not an audited contract`);
    const fragment = log.topics.length === 0 ? undefined : FRAGMENTS.get(contract)?.get(log.topics[0].toLowerCase());
    if (fragment === undefined) return new Error(`the ${contract} contract emitted a log with unknown topic ${log.topics[0] ?? "(none)"}`);
    try {
      return typed(contract, fragment.name, INTERFACES[contract].decodeEventLog(fragment, log.data, log.topics));
    } catch (error) {
      return new Error(`the ${contract} contract's ${fragment.name} log does not decode: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
