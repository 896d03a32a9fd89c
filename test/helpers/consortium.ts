import hre from "hardhat";
import { creditCodeFor } from "./creditCodes";
import { hexlify, id, randomBytes } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployChainbill } from "../../deploy/system";
import type { ChainbillContracts } from "../../src/chain/system";
import type { Financing, MemberRegistry, ReceivableToken, Settlement, SettlementToken } from "../../typechain-types";
import type { IReceivableToken } from "../../typechain-types/contracts/token/ReceivableToken";
import { Role, roleMask } from "../../src/chain/roles";
import { normaliseInvoiceNumber } from "../../src/proofs/fingerprint";
import { signInvoiceUse } from "../../src/proofs/invoiceUse";

export const DAY = 86_400n;
export const YEAR = 365n * DAY;
/** The anchor's credit line in every story that does not test lines: 10,000,000,000.00 CNY, in fen. */
export const STORY_CREDIT_LINE = 1_000_000_000_000n;

/** The cast of every story: one operator, an anchor, three tiers of suppliers and the other roles. */
export interface Consortium {
  registry: MemberRegistry;
  receivableToken: ReceivableToken;
  settlementToken: SettlementToken;
  settlement: Settlement;
  financing: Financing;
  /** The bank that issues the settlement currency (an active member named issuer). */
  issuer: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  anchor: HardhatEthersSigner;
  tier1: HardhatEthersSigner;
  tier2: HardhatEthersSigner;
  tier3: HardhatEthersSigner;
  factor: HardhatEthersSigner;
  carrier: HardhatEthersSigner;
  verifier: HardhatEthersSigner;
  auditor: HardhatEthersSigner;
  /** Accounts that belong to no member. */
  outsiders: HardhatEthersSigner[];
  /** Member id of each admitted signer, by address. */
  memberIds: Map<string, number>;
  /** Legal-entity-id hash of each admitted signer, by address. */
  leiHashes: Map<string, string>;
  /** Each member's unified social credit code, by address; its leiHash is keccak256 of it. */
  creditCodes: Map<string, string>;
}

/** The consortium's contracts alone (src/chain/system.ts): the fixture names them as the product does. */
export function systemOf(c: Pick<Consortium, keyof ChainbillContracts>): ChainbillContracts {
  return {
    registry: c.registry,
    receivableToken: c.receivableToken,
    settlementToken: c.settlementToken,
    settlement: c.settlement,
    financing: c.financing,
  };
}

export async function latestTimestamp(): Promise<bigint> {
  const block = await hre.ethers.provider.getBlock("latest");
  if (block === null) throw new Error("no latest block");
  return BigInt(block.timestamp);
}

export function randomHash(): string {
  return hexlify(randomBytes(32));
}

/** Deploys the system with the Ignition module and admits the cast. */
export async function deployConsortium(): Promise<Consortium> {
  const signers = await hre.ethers.getSigners();
  const [operator, anchor, tier1, tier2, tier3, factor, carrier, verifier, auditor, issuer, ...outsiders] = signers;
  const { registry, receivableToken: token, settlementToken: currency, settlement, financing } = await deployChainbill(operator);

  const memberIds = new Map<string, number>([[operator.address, 1]]);
  const leiHashes = new Map<string, string>([[operator.address, id("CHAINBILL-CONSORTIUM-OPERATOR")]]);
  const kycValidUntil = (await latestTimestamp()) + 2n * YEAR;
  const cast: Array<[HardhatEthersSigner, string, Role[]]> = [
    [anchor, "ANCHOR-PHONEMAKER", [Role.ANCHOR]],
    [tier1, "TIER1-DISPLAYS", [Role.SUPPLIER]],
    [tier2, "TIER2-GLASS", [Role.SUPPLIER]],
    [tier3, "TIER3-SAND", [Role.SUPPLIER]],
    [factor, "FACTOR-BANK", [Role.FACTOR]],
    [carrier, "CARRIER-FREIGHT", [Role.CARRIER]],
    [verifier, "VERIFIER-SERVICE", [Role.VERIFIER]],
    [auditor, "AUDITOR-FIRM", [Role.AUDITOR]],
    [issuer, "ISSUER-BANK", [Role.FACTOR]],
  ];
  const creditCodes = new Map<string, string>();
  for (const [signer, name, roles] of cast) {
    const creditCode = creditCodeFor(name);
    const leiHash = id(creditCode);
    creditCodes.set(signer.address, creditCode);
    await (await registry.admit(leiHash, signer.address, roleMask(...roles), kycValidUntil)).wait();
    memberIds.set(signer.address, Number(await registry.memberIdOf(signer.address)));
    leiHashes.set(signer.address, leiHash);
  }
  await (await currency.setIssuer(issuer.address, true)).wait();
  // No anchor confirms without a credit line; the operator gives this one a line no story reaches, reviewed in a year.
  const anchorId = memberIds.get(anchor.address) ?? 0;
  await (await token.setCreditLine(anchorId, STORY_CREDIT_LINE, (await latestTimestamp()) + YEAR)).wait();
  return {
    registry,
    receivableToken: token,
    settlementToken: currency,
    settlement,
    financing,
    issuer,
    operator,
    anchor,
    tier1,
    tier2,
    tier3,
    factor,
    carrier,
    verifier,
    auditor,
    outsiders,
    memberIds,
    leiHashes,
    creditCodes,
  };
}

export interface ConfirmOptions {
  supplier?: HardhatEthersSigner;
  faceValue?: bigint;
  maturityInDays?: bigint;
  invoiceNumber?: string;
  invoiceHash?: string;
  logisticsHash?: string;
}

let invoiceCounter = 0;

/** A fresh invoice number, unique within a test run. */
export function nextInvoiceNumber(): string {
  invoiceCounter += 1;
  return `INV-${invoiceCounter.toString().padStart(6, "0")}`;
}

/** The seller's signed consent that `buyer` registers its invoice `invoiceNumber` backed by `invoiceHash`. */
export async function sellerConsentFor(
  c: Consortium,
  seller: HardhatEthersSigner,
  buyer: HardhatEthersSigner,
  invoiceNumber: string,
  invoiceHash: string,
): Promise<string> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  return signInvoiceUse(seller, chainId, await c.receivableToken.getAddress(), { invoiceNumber, invoiceHash, buyer: buyer.address });
}

/** The confirmation the anchor would send for an invoice of `supplier`, with the supplier's consent. */
export async function confirmationFor(c: Consortium, options: ConfirmOptions = {}): Promise<IReceivableToken.ConfirmationStruct> {
  const supplier = options.supplier ?? c.tier1;
  const invoiceNumber = normaliseInvoiceNumber(options.invoiceNumber ?? nextInvoiceNumber());
  const invoiceHash = options.invoiceHash ?? randomHash();
  return {
    supplier: supplier.address,
    faceValue: options.faceValue ?? 100_000_000n,
    maturity: (await latestTimestamp()) + (options.maturityInDays ?? 90n) * DAY,
    currency: "0x434e59", // "CNY"
    invoiceHash,
    logisticsHash: options.logisticsHash ?? randomHash(),
    invoiceNumber,
    sellerConsent: await sellerConsentFor(c, supplier, c.anchor, invoiceNumber, invoiceHash),
  };
}

/** The anchor confirms a receivable; returns its slot and first piece. */
export async function confirmReceivable(c: Consortium, options: ConfirmOptions = {}): Promise<{ slot: bigint; tokenId: bigint }> {
  const confirmation = await confirmationFor(c, options);
  const [slot, tokenId] = await c.receivableToken.connect(c.anchor).confirm.staticCall(confirmation);
  await (await c.receivableToken.connect(c.anchor).confirm(confirmation)).wait();
  return { slot, tokenId };
}

export interface TradeProofOptions {
  /** Who sends the transfer, named in the seller's consent; tier1 unless said. */
  buyer?: HardhatEthersSigner;
  invoiceHash?: string;
  logisticsHash?: string;
}

/** A trade proof for a transfer whose seller (the recipient) is `seller`, with the seller's consent. */
export async function tradeProofFor(
  c: Consortium,
  seller: HardhatEthersSigner,
  invoiceNumber: string = nextInvoiceNumber(),
  options: TradeProofOptions = {},
): Promise<IReceivableToken.TradeProofStruct> {
  const normalised = normaliseInvoiceNumber(invoiceNumber);
  const invoiceHash = options.invoiceHash ?? randomHash();
  const sellerConsent = await sellerConsentFor(c, seller, options.buyer ?? c.tier1, normalised, invoiceHash);
  return { invoiceNumber: normalised, invoiceHash, logisticsHash: options.logisticsHash ?? randomHash(), sellerConsent };
}
