import type { FailureCode } from "../../verifier/types";
import { HIDDEN_FAILURE_MESSAGE } from "../../api/wire/schemas";
import { pieceName } from "../../chain/tokenId";
import type { Language } from "./i18n";

/**
 * The verifier's reasons (its failure codes, `src/verifier/types.ts`) as sentences in both languages. The verifier
 * writes its own detailed sentence in English; a Chinese page reads this one instead, so nothing on it stays English.
 * `{piece}` is the piece the failure is about, when it says which.
 */

type Sentence = { en: string; zh: string };

export const VERIFIER_REASONS: Readonly<Record<FailureCode, Sentence>> = {
  TOKEN_NOT_FOUND: { en: "The piece{piece} is not live: never created, or already paid and retired.", zh: "凭证{piece}不存在或已兑付注销。" },
  TOKEN_MATURED: { en: "The piece{piece} has matured: after maturity only claims move.", zh: "凭证{piece}已到期：到期后只能兑付。" },
  TOKEN_OVERDUE: { en: "The receivable of the piece{piece} is overdue.", zh: "凭证{piece}所属的应收账款已逾期。" },
  ALREADY_FUNDED: { en: "The piece{piece} was already bought by a factor: its value is funded.", zh: "凭证{piece}已被保理方购买：其金额已融资。" },
  REQUEST_INVALID: {
    en: "The request does not fit the check: another piece, another factor, or a value the piece does not have.",
    zh: "申请与本次核验不符：凭证、保理方或金额与申请不一致。",
  },
  REQUEST_EXPIRED: { en: "The holder's request has expired.", zh: "持有人的申请已过期。" },
  REQUEST_SIGNATURE: { en: "The request is not signed by the piece's holder.", zh: "申请不是由凭证持有人签署的。" },
  REQUEST_NONCE_USED: { en: "The holder's request was already used or withdrawn.", zh: "持有人的申请已被使用或撤回。" },
  PRICE_OUT_OF_RANGE: {
    en: "The price is below the holder's minimum or above the value sold.",
    zh: "价格低于持有人的最低价或高于转让金额。",
  },
  HOLDER_NOT_ELIGIBLE: { en: "The holder is not an active supplier or factor.", zh: "持有人不是有效的供应商或保理方。" },
  FACTOR_NOT_ELIGIBLE: {
    en: "The factor is not an active factor, or would fund its own piece.",
    zh: "保理方不是有效的保理方，或将为自己的凭证融资。",
  },
  STEP_WITHOUT_PROOF: { en: "A step that made the piece{piece} carries no trade documents.", zh: "形成凭证{piece}的某一步骤没有贸易单据。" },
  CREDIT_CODE_MISMATCH: {
    en: "The unified social credit code of the invoice's seller or buyer is not the one the member registered.",
    zh: "发票买方或卖方的统一社会信用代码与该会员登记的不符。",
  },
  DOCUMENT_MISSING: { en: "A document recorded on chain is not in the document store.", zh: "链上记录的单据不在单据库中。" },
  DOCUMENT_KIND: { en: "A document is of another kind than the one recorded on chain.", zh: "单据类型与链上记录不符。" },
  DOCUMENT_HASH_MISMATCH: {
    en: "A stored document no longer matches the hash on chain: it was altered.",
    zh: "单据库中的单据与链上哈希不符：已被篡改。",
  },
  FINGERPRINT_MISMATCH: {
    en: "The invoice's seller and number do not give the fingerprint recorded on chain.",
    zh: "发票的卖方和号码与链上记录的发票指纹不符。",
  },
  INVOICE_REUSED: { en: "The invoice of the piece{piece} backs another piece on chain.", zh: "凭证{piece}的发票已在链上用于其他凭证。" },
  SIGNATURE_INVALID: { en: "A signature on the documents is not by the party it names.", zh: "单据上的签名不是其所称签署方的签名。" },
  SIGNER_NOT_ELIGIBLE: {
    en: "A document is signed by an address that is not an active member with the right role.",
    zh: "单据的签署地址不属于具有相应角色的有效成员。",
  },
  PARTY_MISMATCH: {
    en: "The invoice's seller and buyer are not the receiver and sender of the transfer.",
    zh: "发票的卖方和买方与流转的收款方和转出方不符。",
  },
  INVOICE_TOTAL_TOO_LOW: { en: "The invoice's total is less than the value it backs.", zh: "发票金额低于其支持的凭证金额。" },
  CURRENCY_MISMATCH: { en: "The invoice is in another currency than the receivable.", zh: "发票币种与应收账款币种不符。" },
  NOT_DELIVERED: { en: "The waybill has no delivery: the goods have not arrived.", zh: "运单没有送达记录：货物尚未送达。" },
  DELIVERED_AFTER_REQUEST: { en: "The goods were delivered after the check was asked for.", zh: "货物在申请核验之后才送达。" },
  CARRIER_NOT_REGISTERED: { en: "The waybill's carrier is not an active registered carrier.", zh: "运单的承运人不是有效的注册承运人。" },
  CONSIGNEE_MISMATCH: { en: "The waybill's consignee is not the invoice's buyer.", zh: "运单的收货人不是发票的买方。" },
  SHIPMENT_REFERENCE_MISMATCH: { en: "The waybill is for another invoice or order.", zh: "运单对应的是其他发票或订单。" },
  CARRIER_NOT_INDEPENDENT: {
    en: "The waybill's carrier is the seller's or the buyer's own organisation.",
    zh: "运单的承运人是卖方或买方本身的机构。",
  },
  WAYBILL_OVERUSED: {
    en: "The waybill's delivered goods already back other invoices.",
    zh: "运单送达的货物已被其他发票占用。",
  },
  UNBACKED_TRANSFER: { en: "The piece{piece} was handed on without trade documents.", zh: "凭证{piece}在没有贸易单据的情况下被转让。" },
};

/** A failure as the reader of `language` reads it: Chinese always from the code; English keeps the verifier's facts. */
export function verifierReason(failure: { code: string; message: string; tokenId?: string }, language: Language): string {
  const sentence = (VERIFIER_REASONS as Readonly<Record<string, Sentence>>)[failure.code];
  if (language === "en" && (sentence === undefined || failure.message !== HIDDEN_FAILURE_MESSAGE)) return failure.message;
  if (sentence === undefined) return language === "zh" ? `核验未通过（${failure.code}）` : failure.message;
  const piece = failure.tokenId === undefined ? "" : language === "zh" ? ` ${pieceName(failure.tokenId)} ` : ` ${pieceName(failure.tokenId)}`;
  return sentence[language].replace("{piece}", piece);
}
