import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { invoiceFingerprint } from "../../src/proofs/fingerprint";
import { invoiceHash } from "../../src/proofs/invoice";
import { issueInvoiceProof, randomSalt } from "../../src/proofs/issue";
import { nextInvoiceNumber, sellerConsentFor } from "./consortium";
import type { Consortium } from "./consortium";
import { chainId, tradeProofOf } from "./trades";
import type { Trade } from "./trades";

/**
 * A second invoice of an earlier trade's seller and buyer, under the same purchase order, bound on chain to the
 * earlier trade's waybill (the very same document) by another transfer: the waybill's goods claimed twice.
 */
export async function bindWaybillAgain(
  c: Consortium,
  earlier: Trade,
  options: { fromTokenId: bigint; from: HardhatEthersSigner; to: HardhatEthersSigner; value: bigint },
): Promise<{ tokenId: bigint; trade: Trade }> {
  const id = await chainId();
  const invoice = { ...earlier.invoice.invoice, number: nextInvoiceNumber(), salt: randomSalt() };
  const signed = await issueInvoiceProof(id, invoice, options.to, options.from);
  const sellerLeiHash = c.leiHashes.get(options.to.address);
  if (sellerLeiHash === undefined) throw new Error("the seller has no legal-entity hash");
  const trade: Trade = {
    invoice: signed,
    logistics: earlier.logistics,
    invoiceHash: invoiceHash(id, invoice),
    logisticsHash: earlier.logisticsHash,
    fingerprint: invoiceFingerprint(sellerLeiHash, invoice.number),
    sellerConsent: await sellerConsentFor(c, options.to, options.from, invoice.number, invoiceHash(id, invoice)),
  };
  const token = c.receivableToken.connect(options.from);
  const tokenId = await token.transferWithProof.staticCall(options.fromTokenId, options.to.address, options.value, tradeProofOf(trade));
  await (await token.transferWithProof(options.fromTokenId, options.to.address, options.value, tradeProofOf(trade))).wait();
  return { tokenId, trade };
}
