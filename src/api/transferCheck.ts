import { getAddress } from "ethers";
import type { z } from "zod";
import { pieceName } from "../chain/tokenId";
import { readDecision } from "../documents/readers";
import { formatCny } from "../finance/money";
import type { Invoice } from "../proofs/invoice";
import type { Waybill } from "../proofs/logistics";
import { tradeMismatches } from "../proofs/tradeCheck";
import type { TradeMismatch } from "../proofs/tradeCheck";
import { ApiError } from "./errors";
import type { Caller } from "./auth/middleware";
import type { ApiContext } from "./context";
import type { DocumentAccess } from "./documentAccess";
import { readToken } from "./tokens";
import type { transferCheckBody, TransferCheckJson, TransferFailureJson } from "./wire/schemas";

/**
 * The pre-check of a transfer with proof, for any client: the documents' own agreement with the step (the rules of
 * src/proofs/tradeCheck.ts, which the dApp runs too and the verifier applies later) plus the chain facts they need,
 * read now: the sender is the piece's owner, the invoice's use on chain, the piece's currency and value. Documents
 * may come inline or by hash from the store (then the caller must be allowed to read them). Nothing is written.
 */

type Body = z.output<typeof transferCheckBody>;

/** A mismatch as the wire carries it: its facts, and a sentence in English naming parties by name (`shown`). */
function failureOf(
  mismatch: TradeMismatch,
  invoice: Invoice,
  waybill: Waybill,
  recipient: string,
  sender: string,
  shown: (account: string) => string,
): TransferFailureJson {
  switch (mismatch.code) {
    case "SELLER_NOT_RECIPIENT":
      return {
        ...mismatch,
        message: `the invoice's seller is ${shown(invoice.seller.account)}, but the piece would go to ${shown(recipient)}: a piece pays the seller of the goods`,
      };
    case "BUYER_NOT_SENDER":
      return {
        ...mismatch,
        message: `the invoice's buyer is ${shown(invoice.buyer.account)}, not the piece's owner ${shown(sender)}: only the buyer pays with its piece`,
      };
    case "TOTAL_BELOW_AMOUNT":
      return {
        code: mismatch.code,
        total: mismatch.total.toString(),
        amount: mismatch.amount.toString(),
        message: `the invoice total ${formatCny(mismatch.total)} is below the amount ${formatCny(mismatch.amount)}`,
      };
    case "CURRENCY_MISMATCH":
      return { ...mismatch, message: `the invoice is in ${mismatch.invoiceCurrency}, the receivable in ${mismatch.pieceCurrency}` };
    case "SHIPPER_NOT_SELLER":
      return {
        ...mismatch,
        message: `the waybill's shipper is ${shown(waybill.shipper.account)}, not the invoice's seller ${shown(invoice.seller.account)}`,
      };
    case "CONSIGNEE_NOT_BUYER":
      return {
        ...mismatch,
        message: `the waybill delivers to ${shown(waybill.consignee.account)}, not to the invoice's buyer ${shown(invoice.buyer.account)}`,
      };
    case "CARRIER_NOT_INDEPENDENT":
      return {
        ...mismatch,
        message: `the waybill's carrier ${shown(waybill.carrier.account)} is a party to the trade: the carrier must be independent`,
      };
    case "WAYBILL_FOR_OTHER_INVOICE":
      return {
        ...mismatch,
        message: `the waybill ${waybill.number} is for ${mismatch.reference}, not for invoice ${mismatch.invoiceNumber} or its order ${mismatch.purchaseOrder}`,
      };
    case "INVOICE_ALREADY_USED":
      return {
        code: mismatch.code,
        usedByTokenId: mismatch.usedByTokenId.toString(),
        message: `invoice ${invoice.number} already backs piece ${pieceName(mismatch.usedByTokenId)}: an invoice backs one step, ever`,
      };
    case "CREDIT_CODE_MISMATCH":
      return {
        ...mismatch,
        message: `the invoice names its ${mismatch.party} with credit code ${mismatch.creditCode}, not the one member ${mismatch.memberId} registered`,
      };
  }
}

/** The document a hash names in the store, of `kind`, readable by the caller; else a 4xx naming `field`. */
async function storedDocument(
  context: ApiContext,
  access: DocumentAccess,
  caller: Caller,
  hash: string,
  kind: "invoice" | "logistics",
  field: string,
) {
  const document = await context.store.get(hash);
  if (document === undefined)
    throw new ApiError(404, "DOCUMENT_NOT_FOUND", `no document has hash ${hash}`, [
      { path: field, message: "no document in the store has this hash" },
    ]);
  if (document.kind !== kind)
    throw new ApiError(400, "WRONG_DOCUMENT_KIND", `document ${hash} is not a ${kind} document`, [
      { path: field, message: `the document under this hash is a ${document.kind} document` },
    ]);
  const decision = await readDecision(document, caller.standing, () => access.factorEvaluates(caller.address, caller.standing.memberId, document));
  if (!decision.allowed)
    throw new ApiError(403, "NOT_A_READER", `you may not read document ${hash}`, [
      { path: field, message: "only the trade's parties, auditors, operators and an evaluating factor may use this document" },
    ]);
  return document;
}

/** The legal-entity hash the registry holds for `memberId`, or undefined when it holds no such member. */
async function registeredLeiHash(context: ApiContext, memberId: number): Promise<string | undefined> {
  try {
    const member = await context.members.member(memberId);
    return member.status === "NONE" ? undefined : member.leiHash;
  } catch {
    return undefined;
  }
}

export async function checkTransfer(context: ApiContext, access: DocumentAccess, caller: Caller, body: Body): Promise<TransferCheckJson> {
  const { receivableToken } = context.contracts;
  let invoice: Invoice;
  if (body.invoice !== undefined) invoice = body.invoice;
  else {
    const document = await storedDocument(context, access, caller, body.invoiceHash ?? "", "invoice", "invoiceHash");
    if (document.kind !== "invoice") throw new Error("unreachable: the kind was checked");
    invoice = document.proof.invoice;
  }
  let waybill: Waybill;
  if (body.waybill !== undefined) waybill = body.waybill;
  else {
    const document = await storedDocument(context, access, caller, body.logisticsHash ?? "", "logistics", "logisticsHash");
    if (document.kind !== "logistics") throw new Error("unreachable: the kind was checked");
    waybill = document.proof.waybill;
  }

  const provider = receivableToken.runner?.provider;
  if (provider === null || provider === undefined) throw new Error("the token contract has no provider");
  const asOfBlock = await provider.getBlockNumber();
  const token = await readToken(receivableToken, body.tokenId);
  if (token === undefined)
    throw new ApiError(404, "TOKEN_NOT_FOUND", `no piece ${body.tokenId} was ever created`, [{ path: "tokenId", message: "no such piece" }]);
  if (!token.live || token.owner === null || token.value === null) {
    return {
      ok: false,
      failures: [
        { code: "PIECE_NOT_LIVE", tokenId: body.tokenId.toString(), message: `piece ${body.tokenId} is no longer live (paid out or merged away)` },
      ],
      asOfBlock,
    };
  }
  const sender = getAddress(token.owner);
  const recipient = getAddress(body.recipient);
  const failures: TransferFailureJson[] = [];
  if (body.amount > token.value) {
    failures.push({
      code: "AMOUNT_ABOVE_PIECE",
      pieceValue: token.value.toString(),
      amount: body.amount.toString(),
      message: `the amount ${formatCny(body.amount)} is above the piece's value ${formatCny(token.value)}`,
    });
  }
  let invoiceUsedBy = 0n;
  try {
    invoiceUsedBy = await receivableToken.invoiceUse(await receivableToken.invoiceFingerprintOf(invoice.seller.account, invoice.number));
  } catch {
    // The token cannot fingerprint an invoice whose seller is no member: that invoice backs nothing, and never will.
    failures.push({
      code: "SELLER_NOT_MEMBER",
      sellerAccount: getAddress(invoice.seller.account),
      message: `the invoice's seller ${invoice.seller.account} is no member of the network`,
    });
  }
  const [senderMemberId, recipientMemberId, sellerLeiHash, buyerLeiHash] = await Promise.all([
    context.members.memberIdOf(sender),
    context.members.memberIdOf(recipient),
    registeredLeiHash(context, invoice.seller.memberId),
    registeredLeiHash(context, invoice.buyer.memberId),
  ]);
  const mismatches = tradeMismatches({
    invoice,
    waybill,
    senderMemberId,
    recipientMemberId: recipientMemberId === 0 ? null : recipientMemberId,
    amount: body.amount,
    pieceCurrency: token.receivable.currency,
    invoiceUsedBy,
    sellerLeiHash,
    buyerLeiHash,
  });
  const shown =
    mismatches.length === 0
      ? (account: string): string => account
      : await context.names.accounts([
          invoice.seller.account,
          invoice.buyer.account,
          waybill.shipper.account,
          waybill.consignee.account,
          waybill.carrier.account,
          recipient,
          sender,
        ]);
  failures.push(...mismatches.map((mismatch) => failureOf(mismatch, invoice, waybill, recipient, sender, shown)));
  return { ok: failures.length === 0, failures, asOfBlock };
}
