import { Wallet } from "ethers";
import type { HDNodeWallet } from "ethers";
import { invoiceHash, invoiceLineOf, invoiceTotalsOf } from "../../src/proofs/invoice";
import type { Invoice } from "../../src/proofs/invoice";
import { issueInvoiceProof, issueLogisticsProof, randomSalt } from "../../src/proofs/issue";
import { logisticsHash } from "../../src/proofs/logistics";
import type { Waybill } from "../../src/proofs/logistics";
import type { ParsedDocument } from "../../src/proofs/documents";

/** Signed documents between wallets that need no chain: for the store's own tests. */

export const CHAIN_ID = 31337n;

/** Valid GB 32100-2015 codes (check characters computed by src/proofs/creditCode.ts). */
export const SELLER_CREDIT_CODE = "91450100MA5GLD004Q";
export const BUYER_CREDIT_CODE = "91330200MA2CWG003J";

export interface Parties {
  seller: HDNodeWallet;
  buyer: HDNodeWallet;
  carrier: HDNodeWallet;
}

export function randomParties(): Parties {
  return { seller: Wallet.createRandom(), buyer: Wallet.createRandom(), carrier: Wallet.createRandom() };
}

/** An invoice of `amount` fen from member 2 (seller) to member 3 (buyer). */
export async function signedInvoice(parties: Parties, amount = 1_000_000n, number = "INV-0001"): Promise<ParsedDocument> {
  // Zero-rated lines, so the total is exactly `amount`: four units, and what does not divide by four as packing.
  const lines = [invoiceLineOf({ item: "cover glass", quantity: 4n, unit: "件", unitPrice: amount / 4n, taxRate: 0 })];
  if (amount % 4n !== 0n) lines.push(invoiceLineOf({ item: "packing", quantity: 1n, unit: "批", unitPrice: amount % 4n, taxRate: 0 }));
  const invoice: Invoice = {
    number,
    issueDate: 1_760_000_000,
    seller: { memberId: 2, account: parties.seller.address, name: "Golden Sands Silica", creditCode: SELLER_CREDIT_CODE },
    buyer: { memberId: 3, account: parties.buyer.address, name: "Clearwater Glass", creditCode: BUYER_CREDIT_CODE },
    currency: "CNY",
    lines,
    ...invoiceTotalsOf(lines),
    purchaseOrder: "PO-77",
    dueDate: 1_767_000_000,
    salt: randomSalt(),
  };
  const proof = await issueInvoiceProof(CHAIN_ID, invoice, parties.seller, parties.buyer);
  return { kind: "invoice", hash: invoiceHash(CHAIN_ID, invoice), proof };
}

/** A delivered waybill: member 4 carries from member 2 to member 3. */
export async function signedWaybill(parties: Parties): Promise<ParsedDocument> {
  const waybill: Waybill = {
    number: "WB-0001",
    carrier: { memberId: 4, account: parties.carrier.address },
    shipper: { memberId: 2, account: parties.seller.address },
    consignee: { memberId: 3, account: parties.buyer.address },
    goods: [{ description: "cover glass", quantity: 4n }],
    reference: "INV-0001",
    salt: randomSalt(),
  };
  const proof = await issueLogisticsProof(CHAIN_ID, waybill, { time: 1_760_000_000, place: "Shenzhen", quantity: 4n }, parties.carrier, {
    delivered: { time: 1_760_100_000, place: "Dongguan", quantity: 4n },
    consignee: parties.buyer,
  });
  return { kind: "logistics", hash: logisticsHash(CHAIN_ID, proof), proof };
}
