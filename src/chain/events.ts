import { Interface } from "ethers";
import type { EventFragment, ParamType } from "ethers";
// Each factory from its own file: the typechain-types index loads every contract's (~140 files), a second of start-up.
import { Financing__factory } from "../../typechain-types/factories/contracts/finance/Financing__factory";
import { MemberRegistry__factory } from "../../typechain-types/factories/contracts/access/MemberRegistry__factory";
import { ReceivableToken__factory } from "../../typechain-types/factories/contracts/token/ReceivableToken__factory";
import { SettlementToken__factory } from "../../typechain-types/factories/contracts/finance/SettlementToken__factory";
import { Settlement__factory } from "../../typechain-types/factories/contracts/finance/Settlement__factory";
import type { ChainbillAddresses } from "./system";

/**
 * Typed decoding of every event the Chainbill contracts emit. Pure: it holds no state beyond the ABI tables, so
 * the indexer and the independent audit replay decode the same logs the same way.
 *
 * Every parameter of every Chainbill event is a static ABI type (uints, addresses, bytesN, bools and one tuple of
 * those), so decoding reads fixed 32-byte words: no ethers `Result` objects, which keeps decoding off the
 * indexer's hot path. Addresses come out lower-case (the index's keys are lower-case); amounts and ids are bigint;
 * member ids, role numbers and enum kinds (uint8/uint32) are numbers.
 */

export type ContractName = "registry" | "token" | "currency" | "settlement" | "financing";

/** A log as the node returns it, with the position that orders it. */
export interface RawLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly transactionHash: string;
  readonly transactionIndex: number;
  readonly logIndex: number;
}

export interface ConfirmationTerms {
  readonly supplier: string;
  readonly faceValue: bigint;
  readonly maturity: bigint;
  /** bytes3, e.g. 0x434e59 for "CNY". */
  readonly currency: string;
  readonly invoiceHash: string;
  readonly logisticsHash: string;
  readonly invoiceFingerprint: string;
}

export type RegistryEvent =
  | { contract: "registry"; name: "MemberAdmitted"; memberId: number; leiHash: string; account: string; roles: number; kycValidUntil: bigint }
  | { contract: "registry"; name: "RoleGranted"; memberId: number; role: number; roles: number }
  | { contract: "registry"; name: "RoleRevoked"; memberId: number; role: number; roles: number }
  | { contract: "registry"; name: "AccountAdded"; memberId: number; account: string }
  | { contract: "registry"; name: "AccountRemoved"; memberId: number; account: string }
  | { contract: "registry"; name: "MemberSuspended"; memberId: number }
  | { contract: "registry"; name: "MemberReinstated"; memberId: number }
  | { contract: "registry"; name: "KycRenewed"; memberId: number; kycValidUntil: bigint }
  /** kind 0 = RECEIVABLES, 1 = CURRENCY: the contracts whose holdings keep an address with its member. */
  | { contract: "registry"; name: "HoldingContractBound"; kind: number; holdings: string };

export type TokenEvent =
  | {
      contract: "token";
      name: "ReceivableConfirmed";
      slot: bigint;
      tokenId: bigint;
      anchorId: number;
      supplierId: number;
      anchor: string;
      confirmation: ConfirmationTerms;
    }
  | { contract: "token"; name: "TradeProofRecorded"; tokenId: bigint; invoiceFingerprint: string; invoiceHash: string; logisticsHash: string }
  /** kind 0 = FINANCING, 1 = SETTLEMENT. */
  | { contract: "token"; name: "SystemContractBound"; kind: number; account: string }
  /** From OpenZeppelin EIP712 (ERC-5267); never emitted, since the token's domain is fixed at deployment. */
  | { contract: "token"; name: "EIP712DomainChanged" }
  /** ERC-721: `from` zero for a new piece, `to` zero for a burned one. */
  | { contract: "token"; name: "Transfer"; from: string; to: string; tokenId: bigint }
  | { contract: "token"; name: "Approval"; owner: string; approved: string; tokenId: bigint }
  | { contract: "token"; name: "ApprovalForAll"; owner: string; operator: string; approved: boolean }
  /** ERC-3525: token 0 on the `from` side is a mint, on the `to` side a redemption. */
  | { contract: "token"; name: "TransferValue"; fromTokenId: bigint; toTokenId: bigint; value: bigint }
  | { contract: "token"; name: "ApprovalValue"; tokenId: bigint; operator: string; value: bigint }
  | { contract: "token"; name: "SlotChanged"; tokenId: bigint; oldSlot: bigint; newSlot: bigint }
  | { contract: "token"; name: "Paused"; account: string }
  | { contract: "token"; name: "Unpaused"; account: string }
  /** The operator set an anchor's credit line; `outstanding` is what the anchor owed at that moment. */
  | { contract: "token"; name: "CreditLineSet"; anchorId: number; limit: bigint; reviewDate: bigint; outstanding: bigint }
  /** A repayment of `slot` freed `amount` of its anchor's line; `outstanding` is what the anchor still owes. */
  | { contract: "token"; name: "CreditLineReleased"; anchorId: number; slot: bigint; amount: bigint; outstanding: bigint };

export type CurrencyEvent =
  | { contract: "currency"; name: "Transfer"; from: string; to: string; value: bigint }
  | { contract: "currency"; name: "Approval"; owner: string; spender: string; value: bigint }
  | { contract: "currency"; name: "IssuerSet"; issuer: string; allowed: boolean }
  | { contract: "currency"; name: "SystemAccountSet"; account: string; allowed: boolean }
  | { contract: "currency"; name: "Issued"; issuer: string; to: string; amount: bigint }
  | { contract: "currency"; name: "Redeemed"; issuer: string; amount: bigint };

export type SettlementEvent =
  | { contract: "settlement"; name: "Repaid"; slot: bigint; payer: string; amount: bigint; repaidTotal: bigint; fullyRepaid: boolean }
  | { contract: "settlement"; name: "Claimed"; tokenId: bigint; holder: string; amount: bigint; claimedTotal: bigint }
  | { contract: "settlement"; name: "SlotOverdue"; slot: bigint; repaid: bigint; faceValue: bigint }
  | { contract: "settlement"; name: "OverdueCured"; slot: bigint }
  | { contract: "settlement"; name: "GracePeriodSet"; gracePeriod: bigint }
  /** An operator wrote the receivable off, overdue with `outstanding` unpaid (issue 19 part 4); repayment stays possible. */
  | { contract: "settlement"; name: "ReceivableWrittenOff"; slot: bigint; outstanding: bigint; operator: string }
  /** The seller paid the piece's holder `amount` of its unpaid part (issue 19 recourse); `sellerOwed` is its share now. */
  | {
      contract: "settlement";
      name: "RecourseTaken";
      tokenId: bigint;
      seller: string;
      holder: string;
      amount: bigint;
      paidTotal: bigint;
      sellerOwed: bigint;
    }
  /** Of the Claimed just before, `amount` went to the seller of a piece under recourse, not to its holder. */
  | { contract: "settlement"; name: "RecourseClaimRouted"; tokenId: bigint; seller: string; amount: bigint; sellerOwed: bigint };

export type FinancingEvent =
  | {
      contract: "financing";
      name: "Funded";
      fundingId: string;
      tokenId: bigint;
      factor: string;
      holder: string;
      fundedTokenId: bigint;
      value: bigint;
      price: bigint;
      withRecourse: boolean;
    }
  | { contract: "financing"; name: "RequestApproved"; requestDigest: string; holder: string }
  | { contract: "financing"; name: "NonceInvalidated"; holder: string; nonce: bigint }
  | { contract: "financing"; name: "RequiredVerifiersSet"; required: bigint }
  | { contract: "financing"; name: "RecourseRecorded"; fundingId: string; factorId: number; sellerId: number; fundedTokenId: bigint; amount: bigint }
  | {
      contract: "financing";
      name: "RecoursePaid";
      fundingId: string;
      factorId: number;
      sellerId: number;
      fundedTokenId: bigint;
      amount: bigint;
      paidTotal: bigint;
    }
  | { contract: "financing"; name: "EIP712DomainChanged" };

export type ChainbillEvent = RegistryEvent | TokenEvent | CurrencyEvent | SettlementEvent | FinancingEvent;

/** A log of a Chainbill contract whose topic or data does not fit any event of that contract's ABI. */
export class EventDecodeError extends Error {
  readonly name = "EventDecodeError";
  constructor(
    message: string,
    readonly log: RawLog,
  ) {
    super(`${message} (block ${log.blockNumber}, tx ${log.transactionHash}, log ${log.logIndex})`);
  }
}

type AbiValue = bigint | string | boolean | AbiValue[];
/** A decoded log's arguments by ABI name. */
interface Args {
  get(name: string): AbiValue | undefined;
}

/** Arguments in ABI order, found by name through the event's own name table (no map built per log). */
class ArgumentList implements Args {
  constructor(
    private readonly positions: ReadonlyMap<string, number>,
    private readonly values: readonly AbiValue[],
  ) {}

  get(name: string): AbiValue | undefined {
    const position = this.positions.get(name);
    return position === undefined ? undefined : this.values[position];
  }
}

function uint(args: Args, key: string): bigint {
  const value = args.get(key);
  if (typeof value !== "bigint") throw new Error(`argument ${key} is not a uint`);
  return value;
}
function small(args: Args, key: string): number {
  return Number(uint(args, key));
}
function text(args: Args, key: string): string {
  const value = args.get(key);
  if (typeof value !== "string") throw new Error(`argument ${key} is not an address or bytes`);
  return value;
}
function flag(args: Args, key: string): boolean {
  const value = args.get(key);
  if (typeof value !== "boolean") throw new Error(`argument ${key} is not a bool`);
  return value;
}

function confirmationOf(args: Args): ConfirmationTerms {
  const value = args.get("confirmation");
  if (!Array.isArray(value) || value.length !== 7) throw new Error("argument confirmation is not the 7-field tuple");
  const [supplier, faceValue, maturity, currency, invoiceHash, logisticsHash, invoiceFingerprint] = value;
  if (
    typeof supplier !== "string" ||
    typeof faceValue !== "bigint" ||
    typeof maturity !== "bigint" ||
    typeof currency !== "string" ||
    typeof invoiceHash !== "string" ||
    typeof logisticsHash !== "string" ||
    typeof invoiceFingerprint !== "string"
  ) {
    throw new Error("argument confirmation has fields of the wrong types");
  }
  return { supplier, faceValue, maturity, currency, invoiceHash, logisticsHash, invoiceFingerprint };
}

/** One builder per event: from decoded arguments (by ABI name) to the typed event. */
const BUILDERS: { readonly [C in ContractName]: Readonly<Record<string, (args: Args) => Extract<ChainbillEvent, { contract: C }>>> } = {
  registry: {
    MemberAdmitted: (a) => ({
      contract: "registry",
      name: "MemberAdmitted",
      memberId: small(a, "memberId"),
      leiHash: text(a, "leiHash"),
      account: text(a, "account"),
      roles: small(a, "roles"),
      kycValidUntil: uint(a, "kycValidUntil"),
    }),
    RoleGranted: (a) => ({
      contract: "registry",
      name: "RoleGranted",
      memberId: small(a, "memberId"),
      role: small(a, "role"),
      roles: small(a, "roles"),
    }),
    RoleRevoked: (a) => ({
      contract: "registry",
      name: "RoleRevoked",
      memberId: small(a, "memberId"),
      role: small(a, "role"),
      roles: small(a, "roles"),
    }),
    AccountAdded: (a) => ({ contract: "registry", name: "AccountAdded", memberId: small(a, "memberId"), account: text(a, "account") }),
    AccountRemoved: (a) => ({ contract: "registry", name: "AccountRemoved", memberId: small(a, "memberId"), account: text(a, "account") }),
    MemberSuspended: (a) => ({ contract: "registry", name: "MemberSuspended", memberId: small(a, "memberId") }),
    MemberReinstated: (a) => ({ contract: "registry", name: "MemberReinstated", memberId: small(a, "memberId") }),
    KycRenewed: (a) => ({ contract: "registry", name: "KycRenewed", memberId: small(a, "memberId"), kycValidUntil: uint(a, "kycValidUntil") }),
    HoldingContractBound: (a) => ({ contract: "registry", name: "HoldingContractBound", kind: small(a, "kind"), holdings: text(a, "holdings") }),
  },
  token: {
    ReceivableConfirmed: (a) => ({
      contract: "token",
      name: "ReceivableConfirmed",
      slot: uint(a, "slot"),
      tokenId: uint(a, "tokenId"),
      anchorId: small(a, "anchorId"),
      supplierId: small(a, "supplierId"),
      anchor: text(a, "anchor"),
      confirmation: confirmationOf(a),
    }),
    TradeProofRecorded: (a) => ({
      contract: "token",
      name: "TradeProofRecorded",
      tokenId: uint(a, "tokenId"),
      invoiceFingerprint: text(a, "invoiceFingerprint"),
      invoiceHash: text(a, "invoiceHash"),
      logisticsHash: text(a, "logisticsHash"),
    }),
    SystemContractBound: (a) => ({ contract: "token", name: "SystemContractBound", kind: small(a, "kind"), account: text(a, "account") }),
    EIP712DomainChanged: () => ({ contract: "token", name: "EIP712DomainChanged" }),
    Transfer: (a) => ({ contract: "token", name: "Transfer", from: text(a, "from"), to: text(a, "to"), tokenId: uint(a, "tokenId") }),
    Approval: (a) => ({ contract: "token", name: "Approval", owner: text(a, "owner"), approved: text(a, "approved"), tokenId: uint(a, "tokenId") }),
    ApprovalForAll: (a) => ({
      contract: "token",
      name: "ApprovalForAll",
      owner: text(a, "owner"),
      operator: text(a, "operator"),
      approved: flag(a, "approved"),
    }),
    TransferValue: (a) => ({
      contract: "token",
      name: "TransferValue",
      fromTokenId: uint(a, "_fromTokenId"),
      toTokenId: uint(a, "_toTokenId"),
      value: uint(a, "_value"),
    }),
    ApprovalValue: (a) => ({
      contract: "token",
      name: "ApprovalValue",
      tokenId: uint(a, "_tokenId"),
      operator: text(a, "_operator"),
      value: uint(a, "_value"),
    }),
    SlotChanged: (a) => ({
      contract: "token",
      name: "SlotChanged",
      tokenId: uint(a, "_tokenId"),
      oldSlot: uint(a, "_oldSlot"),
      newSlot: uint(a, "_newSlot"),
    }),
    Paused: (a) => ({ contract: "token", name: "Paused", account: text(a, "account") }),
    Unpaused: (a) => ({ contract: "token", name: "Unpaused", account: text(a, "account") }),
    CreditLineSet: (a) => ({
      contract: "token",
      name: "CreditLineSet",
      anchorId: small(a, "anchorId"),
      limit: uint(a, "limit"),
      reviewDate: uint(a, "reviewDate"),
      outstanding: uint(a, "outstanding"),
    }),
    CreditLineReleased: (a) => ({
      contract: "token",
      name: "CreditLineReleased",
      anchorId: small(a, "anchorId"),
      slot: uint(a, "slot"),
      amount: uint(a, "amount"),
      outstanding: uint(a, "outstanding"),
    }),
  },
  currency: {
    Transfer: (a) => ({ contract: "currency", name: "Transfer", from: text(a, "from"), to: text(a, "to"), value: uint(a, "value") }),
    Approval: (a) => ({ contract: "currency", name: "Approval", owner: text(a, "owner"), spender: text(a, "spender"), value: uint(a, "value") }),
    IssuerSet: (a) => ({ contract: "currency", name: "IssuerSet", issuer: text(a, "issuer"), allowed: flag(a, "allowed") }),
    SystemAccountSet: (a) => ({ contract: "currency", name: "SystemAccountSet", account: text(a, "account"), allowed: flag(a, "allowed") }),
    Issued: (a) => ({ contract: "currency", name: "Issued", issuer: text(a, "issuer"), to: text(a, "to"), amount: uint(a, "amount") }),
    Redeemed: (a) => ({ contract: "currency", name: "Redeemed", issuer: text(a, "issuer"), amount: uint(a, "amount") }),
  },
  settlement: {
    Repaid: (a) => ({
      contract: "settlement",
      name: "Repaid",
      slot: uint(a, "slot"),
      payer: text(a, "payer"),
      amount: uint(a, "amount"),
      repaidTotal: uint(a, "repaidTotal"),
      fullyRepaid: flag(a, "fullyRepaid"),
    }),
    Claimed: (a) => ({
      contract: "settlement",
      name: "Claimed",
      tokenId: uint(a, "tokenId"),
      holder: text(a, "holder"),
      amount: uint(a, "amount"),
      claimedTotal: uint(a, "claimedTotal"),
    }),
    SlotOverdue: (a) => ({
      contract: "settlement",
      name: "SlotOverdue",
      slot: uint(a, "slot"),
      repaid: uint(a, "repaid"),
      faceValue: uint(a, "faceValue"),
    }),
    OverdueCured: (a) => ({ contract: "settlement", name: "OverdueCured", slot: uint(a, "slot") }),
    GracePeriodSet: (a) => ({ contract: "settlement", name: "GracePeriodSet", gracePeriod: uint(a, "gracePeriod") }),
    ReceivableWrittenOff: (a) => ({
      contract: "settlement",
      name: "ReceivableWrittenOff",
      slot: uint(a, "slot"),
      outstanding: uint(a, "outstanding"),
      operator: text(a, "operator"),
    }),
    RecourseTaken: (a) => ({
      contract: "settlement",
      name: "RecourseTaken",
      tokenId: uint(a, "tokenId"),
      seller: text(a, "seller"),
      holder: text(a, "holder"),
      amount: uint(a, "amount"),
      paidTotal: uint(a, "paidTotal"),
      sellerOwed: uint(a, "sellerOwed"),
    }),
    RecourseClaimRouted: (a) => ({
      contract: "settlement",
      name: "RecourseClaimRouted",
      tokenId: uint(a, "tokenId"),
      seller: text(a, "seller"),
      amount: uint(a, "amount"),
      sellerOwed: uint(a, "sellerOwed"),
    }),
  },
  financing: {
    Funded: (a) => ({
      contract: "financing",
      name: "Funded",
      fundingId: text(a, "fundingId"),
      tokenId: uint(a, "tokenId"),
      factor: text(a, "factor"),
      holder: text(a, "holder"),
      fundedTokenId: uint(a, "fundedTokenId"),
      value: uint(a, "value"),
      price: uint(a, "price"),
      withRecourse: flag(a, "withRecourse"),
    }),
    RequestApproved: (a) => ({ contract: "financing", name: "RequestApproved", requestDigest: text(a, "requestDigest"), holder: text(a, "holder") }),
    NonceInvalidated: (a) => ({ contract: "financing", name: "NonceInvalidated", holder: text(a, "holder"), nonce: uint(a, "nonce") }),
    RequiredVerifiersSet: (a) => ({ contract: "financing", name: "RequiredVerifiersSet", required: uint(a, "required") }),
    RecourseRecorded: (a) => ({
      contract: "financing",
      name: "RecourseRecorded",
      fundingId: text(a, "fundingId"),
      factorId: small(a, "factorId"),
      sellerId: small(a, "sellerId"),
      fundedTokenId: uint(a, "fundedTokenId"),
      amount: uint(a, "amount"),
    }),
    RecoursePaid: (a) => ({
      contract: "financing",
      name: "RecoursePaid",
      fundingId: text(a, "fundingId"),
      factorId: small(a, "factorId"),
      sellerId: small(a, "sellerId"),
      fundedTokenId: uint(a, "fundedTokenId"),
      amount: uint(a, "amount"),
      paidTotal: uint(a, "paidTotal"),
    }),
    EIP712DomainChanged: () => ({ contract: "financing", name: "EIP712DomainChanged" }),
  },
};

const ABIS: Readonly<Record<ContractName, Interface>> = {
  registry: new Interface(MemberRegistry__factory.abi),
  token: new Interface(ReceivableToken__factory.abi),
  currency: new Interface(SettlementToken__factory.abi),
  settlement: new Interface(Settlement__factory.abi),
  financing: new Interface(Financing__factory.abi),
};

const ZERO_WORD = "0".repeat(64);

/**
 * Reads one static value of a type from the ABI word at `start` of `source` (lower-case hex with its 0x prefix: a
 * topic, or the log's data). Chosen once per parameter, so decoding a log inspects no type names.
 */
type WordReader = (source: string, start: number) => AbiValue;

function wordReader(type: ParamType): WordReader {
  const base = type.baseType;
  if (base === "address") return (source, start) => `0x${source.slice(start + 24, start + 64)}`;
  if (base === "bool") return (source, start) => source.slice(start, start + 64) !== ZERO_WORD;
  // A topic is exactly one word: BigInt reads it as it is.
  if (base.startsWith("uint"))
    return (source, start) => (start === 2 && source.length === 66 ? BigInt(source) : BigInt(`0x${source.slice(start, start + 64)}`));
  if (base.startsWith("bytes") && base.length > 5) {
    const digits = 2 * Number(base.slice(5));
    return (source, start) => `0x${source.slice(start, start + digits)}`;
  }
  throw new Error(`unsupported static type ${type.type}`);
}

/** Reads a (possibly tuple) value whose first word is the `index`-th of `source`; advances `word`. */
type ValueReader = (source: string, word: { index: number }) => AbiValue;

function valueReader(type: ParamType): ValueReader {
  if (type.baseType === "tuple") {
    const components = (type.components ?? []).map(valueReader);
    return (source, word) => components.map((component) => component(source, word));
  }
  const read = wordReader(type);
  return (source, word) => {
    const start = 2 + word.index * 64;
    word.index += 1;
    return read(source, start);
  };
}

interface EventLayout {
  readonly contract: ContractName;
  readonly name: string;
  readonly indexed: ReadonlyArray<{ readonly name: string; readonly read: WordReader }>;
  readonly data: ReadonlyArray<{ readonly name: string; readonly read: ValueReader }>;
  readonly dataWords: number;
  /** Each argument's position in {@link ArgumentList}: the indexed ones first, then the data's. */
  readonly positions: ReadonlyMap<string, number>;
  readonly build: (args: Args) => ChainbillEvent;
}

function wordsOf(type: ParamType): number {
  if (type.baseType === "tuple") return (type.components ?? []).reduce((sum, component) => sum + wordsOf(component), 0);
  if (type.baseType === "array" || type.baseType === "string" || type.baseType === "bytes") {
    throw new Error(`dynamic type ${type.type} in a Chainbill event: the static decoder needs extending`);
  }
  return 1;
}

function layoutOf(contract: ContractName, fragment: EventFragment): EventLayout {
  const build = BUILDERS[contract][fragment.name];
  if (build === undefined) throw new Error(`no typed form for ${contract}.${fragment.name}: add it to BUILDERS`);
  const data = fragment.inputs.filter((input) => !input.indexed);
  const indexed = fragment.inputs.filter((input) => input.indexed);
  return {
    contract,
    name: fragment.name,
    positions: new Map([...indexed, ...data].map((input, position) => [input.name, position])),
    indexed: indexed.map((input) => ({ name: input.name, read: wordReader(input) })),
    data: data.map((input) => ({ name: input.name, read: valueReader(input) })),
    dataWords: data.reduce((sum, input) => sum + wordsOf(input), 0),
    build,
  };
}

/** Event layouts of one contract by topic 0. Building them checks that every ABI event has a typed form. */
const LAYOUTS: Readonly<Record<ContractName, ReadonlyMap<string, EventLayout>>> = (() => {
  const result = {} as Record<ContractName, Map<string, EventLayout>>;
  for (const contract of Object.keys(ABIS) as ContractName[]) {
    const layouts = new Map<string, EventLayout>();
    ABIS[contract].forEachEvent((fragment) => layouts.set(fragment.topicHash, layoutOf(contract, fragment)));
    result[contract] = layouts;
  }
  return result;
})();

/** topic0 of every event of `contract`, for log filters. */
export function eventTopics(contract: ContractName): string[] {
  return [...LAYOUTS[contract].keys()];
}

/** Decodes a log of the Chainbill contract `contract`; throws {@link EventDecodeError} if it fits no event. */
export function decodeEvent(contract: ContractName, log: RawLog): ChainbillEvent {
  const layout = log.topics.length === 0 ? undefined : LAYOUTS[contract].get(log.topics[0].toLowerCase());
  if (layout === undefined) throw new EventDecodeError(`unknown event topic ${log.topics[0] ?? "(none)"} from ${contract}`, log);
  if (log.topics.length !== layout.indexed.length + 1) {
    throw new EventDecodeError(`${contract}.${layout.name} with ${log.topics.length - 1} indexed arguments, expected ${layout.indexed.length}`, log);
  }
  const data = (log.data.startsWith("0x") ? log.data : `0x${log.data}`).toLowerCase();
  if (data.length - 2 !== layout.dataWords * 64) {
    throw new EventDecodeError(`${contract}.${layout.name} with ${(data.length - 2) / 2} bytes of data, expected ${layout.dataWords * 32}`, log);
  }
  const values: AbiValue[] = [];
  for (let index = 0; index < layout.indexed.length; index += 1) {
    const topic = log.topics[index + 1];
    if (topic.length !== 66) throw new EventDecodeError(`${contract}.${layout.name} topic ${index + 1} is not one 32-byte word`, log);
    values.push(layout.indexed[index].read(topic.toLowerCase(), 2));
  }
  const word = { index: 0 };
  for (const input of layout.data) values.push(input.read(data, word));
  try {
    return layout.build(new ArgumentList(layout.positions, values));
  } catch (error) {
    throw new EventDecodeError(`${contract}.${layout.name}: ${error instanceof Error ? error.message : String(error)}`, log);
  }
}

/** Decodes logs of one deployment: knows which address is which contract. */
export interface EventDecoder {
  /** Lower-case addresses of the five contracts, for `eth_getLogs` filters. */
  readonly addresses: readonly string[];
  /** Which contract an address is, or undefined for any other address. */
  contractAt(address: string): ContractName | undefined;
  /** The typed event, or undefined for a log of another contract; throws {@link EventDecodeError} on a log of ours that fits no event. */
  decode(log: RawLog): ChainbillEvent | undefined;
}

export function createEventDecoder(deployment: ChainbillAddresses): EventDecoder {
  const byAddress = new Map<string, ContractName>([
    [deployment.registry.toLowerCase(), "registry"],
    [deployment.receivableToken.toLowerCase(), "token"],
    [deployment.settlementToken.toLowerCase(), "currency"],
    [deployment.settlement.toLowerCase(), "settlement"],
    [deployment.financing.toLowerCase(), "financing"],
  ]);
  if (byAddress.size !== 5) throw new Error("the five Chainbill contracts must have five distinct addresses");
  return {
    addresses: [...byAddress.keys()],
    contractAt: (address) => byAddress.get(address.toLowerCase()),
    decode(log) {
      const contract = byAddress.get(log.address.toLowerCase());
      return contract === undefined ? undefined : decodeEvent(contract, log);
    },
  };
}

/** The token ids an event concerns (0 excluded), for a token's history. */
export function tokensOfEvent(event: ChainbillEvent): bigint[] {
  switch (event.name) {
    case "ReceivableConfirmed":
    case "TradeProofRecorded":
    case "Approval":
    case "ApprovalValue":
    case "SlotChanged":
    case "Claimed":
      // The currency's Approval has no token id.
      return "tokenId" in event ? pieces(event.tokenId) : [];
    case "Transfer":
      return event.contract === "token" ? pieces(event.tokenId) : [];
    case "TransferValue":
      return pieces(event.fromTokenId, event.toTokenId);
    case "Funded":
      return pieces(event.tokenId, event.fundedTokenId);
    case "RecourseRecorded":
    case "RecoursePaid":
      return pieces(event.fundedTokenId);
    case "RecourseTaken":
    case "RecourseClaimRouted":
      return pieces(event.tokenId);
    default:
      return [];
  }
}

/** The non-zero ids among one or two, each once (one of these runs per log: no Set, no intermediate arrays). */
function pieces(first: bigint, second = 0n): bigint[] {
  if (first === 0n) return second === 0n ? [] : [second];
  return second === 0n || second === first ? [first] : [first, second];
}
