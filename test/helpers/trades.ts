import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { invoiceFingerprint, normaliseInvoiceNumber } from "../../src/proofs/fingerprint";
import { invoiceHash } from "../../src/proofs/invoice";
import type { Invoice, InvoiceParty, InvoiceProof } from "../../src/proofs/invoice";
import { issueInvoiceProof, issueLogisticsProof, randomSalt } from "../../src/proofs/issue";
import { logisticsHash } from "../../src/proofs/logistics";
import type { LogisticsProof, Waybill } from "../../src/proofs/logistics";
import { creditCodeFor } from "./creditCodes";
import { DAY, latestTimestamp, nextInvoiceNumber, sellerConsentFor } from "./consortium";
import type { Consortium } from "./consortium";

/**
 * Trades with real documents: an invoice signed by the seller and acknowledged by the buyer, a waybill with the
 * carrier's signed pick-up and delivery acknowledged by the consignee, and their hashes recorded on chain by a
 * confirmation or a transfer. What the verifier, the API and the dApp tests build their stories from.
 */

export interface TradeOptions {
  seller: HardhatEthersSigner;
  buyer: HardhatEthersSigner;
  /** The invoice total, in fen (one line plus no tax). */
  amount: bigint;
  number?: string;
  /** Who signs the waybill as carrier (default: the consortium's registered carrier). */
  carrier?: HardhatEthersSigner;
  /** Who acknowledges the delivery (default: the buyer). */
  consignee?: HardhatEthersSigner;
  /** Delivery time; `null` for goods picked up but not yet delivered. Default: a day before now. */
  deliveredAt?: bigint | null;
  /** The waybill's reference (default: the invoice number). */
  reference?: string;
}

export interface Trade {
  invoice: InvoiceProof;
  logistics: LogisticsProof;
  invoiceHash: string;
  logisticsHash: string;
  fingerprint: string;
  /** The seller's consent that the buyer registers this invoice on chain, signed with the invoice. */
  sellerConsent: string;
}

export async function chainId(): Promise<bigint> {
  return (await hre.ethers.provider.getNetwork()).chainId;
}

function memberOf(c: Consortium, signer: HardhatEthersSigner): number {
  const memberId = c.memberIds.get(signer.address);
  if (memberId === undefined) throw new Error(`${signer.address} is not a member of the test consortium`);
  return memberId;
}

/** A member as an invoice names it: its member id, address, a name and its registered credit code. */
export function invoicePartyOf(c: Consortium, signer: HardhatEthersSigner): InvoiceParty {
  // One admitted elsewhere (or no member at all) gets a valid code of its own, which is no member's registered one.
  const creditCode = c.creditCodes.get(signer.address) ?? creditCodeFor(signer.address);
  return { memberId: memberOf(c, signer), account: signer.address, name: `Member ${memberOf(c, signer)}`, creditCode };
}

/** Makes and signs the two documents of a trade. */
export async function documentTrade(c: Consortium, options: TradeOptions): Promise<Trade> {
  const id = await chainId();
  const now = await latestTimestamp();
  const number = options.number ?? nextInvoiceNumber();
  const carrier = options.carrier ?? c.carrier;
  const consignee = options.consignee ?? options.buyer;
  const invoice: Invoice = {
    number,
    issueDate: Number(now - 2n * DAY),
    seller: invoicePartyOf(c, options.seller),
    buyer: invoicePartyOf(c, options.buyer),
    currency: "CNY",
    // One line, zero-rated, so the invoice's total is exactly the amount the stories pass.
    lines: [{ item: "goods as ordered", quantity: 1n, unit: "批", unitPrice: options.amount, amount: options.amount, taxRate: 0, tax: 0n }],
    totalBeforeTax: options.amount,
    tax: 0n,
    total: options.amount,
    purchaseOrder: `PO-${number}`,
    dueDate: Number(now + 90n * DAY),
    salt: randomSalt(),
  };
  const waybill: Waybill = {
    number: `WB-${number}`,
    carrier: { memberId: c.memberIds.get(carrier.address) ?? 0, account: carrier.address },
    shipper: { memberId: invoice.seller.memberId, account: invoice.seller.account },
    consignee: { memberId: c.memberIds.get(consignee.address) ?? 0, account: consignee.address },
    goods: [{ description: "goods as ordered", quantity: 1n }],
    reference: options.reference ?? number,
    salt: randomSalt(),
  };
  const deliveredAt = options.deliveredAt === undefined ? now - DAY : options.deliveredAt;
  const pickedUp = { time: Number(now - 3n * DAY), place: "Shenzhen warehouse", quantity: 1n };
  const logistics = await issueLogisticsProof(
    id,
    waybill,
    pickedUp,
    carrier,
    deliveredAt === null ? undefined : { delivered: { time: Number(deliveredAt), place: "Dongguan plant", quantity: 1n }, consignee },
  );
  const proof = await issueInvoiceProof(id, invoice, options.seller, options.buyer);
  const sellerLeiHash = c.leiHashes.get(options.seller.address);
  if (sellerLeiHash === undefined) throw new Error("the seller has no legal-entity hash");
  return {
    invoice: proof,
    logistics,
    invoiceHash: invoiceHash(id, invoice),
    logisticsHash: logisticsHash(id, logistics),
    fingerprint: invoiceFingerprint(sellerLeiHash, number),
    sellerConsent: await sellerConsentFor(c, options.seller, options.buyer, number, invoiceHash(id, invoice)),
  };
}

/** The on-chain trade proof of a documented trade. */
export function tradeProofOf(trade: Trade): { invoiceNumber: string; invoiceHash: string; logisticsHash: string; sellerConsent: string } {
  return {
    invoiceNumber: normaliseInvoiceNumber(trade.invoice.invoice.number),
    invoiceHash: trade.invoiceHash,
    logisticsHash: trade.logisticsHash,
    sellerConsent: trade.sellerConsent,
  };
}

/** The anchor confirms a receivable for `supplier` backed by a documented trade (anchor the buyer). */
export async function confirmDocumented(
  c: Consortium,
  options: { supplier: HardhatEthersSigner; faceValue: bigint; maturityInDays?: bigint; trade?: Partial<TradeOptions> },
): Promise<{ slot: bigint; tokenId: bigint; trade: Trade }> {
  const trade = await documentTrade(c, { seller: options.supplier, buyer: c.anchor, amount: options.faceValue, ...options.trade });
  const confirmation = {
    supplier: options.supplier.address,
    faceValue: options.faceValue,
    maturity: (await latestTimestamp()) + (options.maturityInDays ?? 90n) * DAY,
    currency: "0x434e59",
    invoiceHash: trade.invoiceHash,
    logisticsHash: trade.logisticsHash,
    invoiceNumber: normaliseInvoiceNumber(trade.invoice.invoice.number),
    sellerConsent: trade.sellerConsent,
  };
  const anchorToken = c.receivableToken.connect(c.anchor);
  const [slot, tokenId] = await anchorToken.confirm.staticCall(confirmation);
  await (await anchorToken.confirm(confirmation)).wait();
  return { slot, tokenId, trade };
}

/** `from` pays `to` with `value` split off `fromTokenId`, backed by a documented trade (`to` the seller). */
export async function transferDocumented(
  c: Consortium,
  options: { fromTokenId: bigint; from: HardhatEthersSigner; to: HardhatEthersSigner; value: bigint; trade?: Partial<TradeOptions> },
): Promise<{ tokenId: bigint; trade: Trade }> {
  const trade = await documentTrade(c, { seller: options.to, buyer: options.from, amount: options.value, ...options.trade });
  const token = c.receivableToken.connect(options.from);
  const tokenId = await token.transferWithProof.staticCall(options.fromTokenId, options.to.address, options.value, tradeProofOf(trade));
  await (await token.transferWithProof(options.fromTokenId, options.to.address, options.value, tradeProofOf(trade))).wait();
  return { tokenId, trade };
}
