import type { TransferFailureJson } from "../../api/wire/schemas";
import { pieceName } from "../../chain/tokenId";
import type { Translate } from "./i18n";
import { cny } from "./money";

/**
 * One failure of the API's transfer pre-check (POST /v1/transfer-checks) as a sentence in the page's language: the
 * code picks the sentence, the facts the failure carries fill it, members named by name, amounts in CNY.
 */
export function transferFailureSentence(
  failure: TransferFailureJson,
  t: Translate,
  memberName: (memberId: number | null) => string,
  nameOf: (address: string) => string,
): string {
  switch (failure.code) {
    case "SELLER_NOT_RECIPIENT":
      return t("precheck.sellerNotRecipient", { seller: memberName(failure.sellerMemberId), recipient: memberName(failure.recipientMemberId) });
    case "BUYER_NOT_SENDER":
      return t("precheck.buyerNotSender", { buyer: memberName(failure.buyerMemberId) });
    case "TOTAL_BELOW_AMOUNT":
      return t("precheck.totalBelowAmount", { total: cny(failure.total), amount: cny(failure.amount) });
    case "CURRENCY_MISMATCH":
      return t("precheck.currency", { invoice: failure.invoiceCurrency, piece: failure.pieceCurrency });
    case "SHIPPER_NOT_SELLER":
      return t("precheck.shipperNotSeller", { shipper: memberName(failure.shipperMemberId), seller: memberName(failure.sellerMemberId) });
    case "CONSIGNEE_NOT_BUYER":
      return t("precheck.consigneeNotBuyer", { consignee: memberName(failure.consigneeMemberId), buyer: memberName(failure.buyerMemberId) });
    case "CARRIER_NOT_INDEPENDENT":
      return t("precheck.carrierNotIndependent", { carrier: memberName(failure.carrierMemberId) });
    case "WAYBILL_FOR_OTHER_INVOICE":
      return t("precheck.waybillOtherInvoice", { reference: failure.reference, number: failure.invoiceNumber });
    case "INVOICE_ALREADY_USED":
      return t("precheck.invoiceUsed", { piece: pieceName(failure.usedByTokenId) });
    case "CREDIT_CODE_MISMATCH":
      return t(failure.party === "seller" ? "precheck.sellerCreditCode" : "precheck.buyerCreditCode", {
        name: memberName(failure.memberId),
        code: failure.creditCode,
      });
    case "SELLER_NOT_MEMBER":
      return t("precheck.sellerNotMember", { seller: nameOf(failure.sellerAccount) });
    case "PIECE_NOT_LIVE":
      return t("precheck.pieceNotLive", { piece: pieceName(failure.tokenId) });
    case "AMOUNT_ABOVE_PIECE":
      return t("transfer.tooMuch", { value: cny(failure.pieceValue) });
  }
}
