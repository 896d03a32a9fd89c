import { isError } from "ethers";
import type { ErrorDescription } from "ethers";
import { ApiFailure } from "./api";
import { NoWalletError, WrongNetworkError, decodeCustomError } from "./chain";
import type { Language, Translate } from "./i18n";
import { cny, dateOf } from "./money";
import { pieceName } from "../../chain/tokenId";

/**
 * Every error the dApp meets, as a sentence a person understands: the wallet's refusal, a wrong network, not a
 * member, a contract's custom error decoded from the revert data into what it means, and the API's reasons.
 */

export interface Explained {
  message: string;
  reasons: string[];
}

/** A custom error's decoded arguments (ethers' `Result`, read as values of unknown type). */
type Args = readonly unknown[];
type Sentence = (args: Args) => { en: string; zh: string };

const arg = (args: Args, index: number): string => String(args[index]);
const memberNo = (args: Args, index: number): string => `#${String(args[index])}`;
/** A `uint` argument: ethers decodes it as a bigint. */
const uint = (args: Args, index: number): bigint => {
  const value = args[index];
  return typeof value === "bigint" ? value : BigInt(String(value));
};
const ROLE_WORDS: ReadonlyArray<{ en: string; zh: string }> = [
  { en: "operator", zh: "运营方" },
  { en: "anchor", zh: "核心企业" },
  { en: "supplier", zh: "供应商" },
  { en: "factor", zh: "保理方" },
  { en: "carrier", zh: "承运人" },
  { en: "verifier", zh: "核验方" },
  { en: "auditor", zh: "审计方" },
];
const STATUS_WORDS: ReadonlyArray<{ en: string; zh: string }> = [
  { en: "not a member", zh: "非成员" },
  { en: "active", zh: "正常" },
  { en: "suspended", zh: "已暂停" },
];
const wordOf = (words: ReadonlyArray<{ en: string; zh: string }>, value: unknown): { en: string; zh: string } =>
  words[Number(value)] ?? { en: String(value), zh: String(value) };
const fen = (args: Args, index: number): string => cny(uint(args, index));

const CONTRACT_SENTENCES: Readonly<Record<string, Sentence>> = {
  ERC3525InsufficientValue: (a) => ({
    en: `piece ${pieceName(uint(a, 0))} holds ${fen(a, 1)}, less than the ${fen(a, 2)} asked for`,
    zh: `凭证 ${pieceName(uint(a, 0))} 仅有 ${fen(a, 1)}，不足所需的 ${fen(a, 2)}`,
  }),
  ERC3525ZeroValue: () => ({ en: "the amount must be more than zero", zh: "金额必须大于零" }),
  ReceivableUnauthorizedAnchor: (a) => ({ en: `${arg(a, 0)} is not an active anchor`, zh: `${arg(a, 0)} 不是有效的核心企业` }),
  ReceivableIneligibleSupplier: (a) => ({ en: `${arg(a, 0)} is not an active supplier`, zh: `${arg(a, 0)} 不是有效的供应商` }),
  ReceivableIneligibleSender: (a) => ({
    en: `${arg(a, 0)} may not send pieces now (suspended, KYC expired, or no member)`,
    zh: `${arg(a, 0)} 当前不能转出凭证（已暂停、KYC 过期或非成员）`,
  }),
  ReceivableIneligibleRecipient: (a) => ({
    en: `${arg(a, 0)} may not receive pieces (not an active member with valid KYC)`,
    zh: `${arg(a, 0)} 不能接收凭证（不是 KYC 有效的在册成员）`,
  }),
  ReceivableInvoiceAlreadyUsed: (a) => ({
    en: `this invoice already backs piece ${pieceName(uint(a, 1))}: an invoice backs one confirmation or transfer, ever`,
    zh: `该发票已用于凭证 ${pieceName(uint(a, 1))}：一张发票只能用于一次确权或流转`,
  }),
  ReceivableMatured: (a) => ({
    en: `the receivable matured on ${dateOf(uint(a, 1))}; after maturity only claims move`,
    zh: `该应收账款已于 ${dateOf(uint(a, 1))} 到期；到期后只能兑付`,
  }),
  ReceivableInvalidMaturity: (a) => ({ en: `the maturity ${dateOf(uint(a, 0))} is not in the future`, zh: `到期日 ${dateOf(uint(a, 0))} 不在未来` }),
  ReceivableMissingDocumentHash: () => ({ en: "the invoice and waybill hashes are missing", zh: "缺少发票和运单哈希" }),
  ReceivableSelfConfirmation: () => ({ en: "an anchor cannot confirm a receivable to itself", zh: "核心企业不能向自己确权" }),
  ReceivableCreditLineExceeded: (a) => ({
    en: `this confirmation of ${fen(a, 3)} would take what the anchor owes from ${fen(a, 2)} above its credit line of ${fen(a, 1)}`,
    zh: `本次确权 ${fen(a, 3)} 将使核心企业的已用额度从 ${fen(a, 2)} 超过其授信额度 ${fen(a, 1)}`,
  }),
  ReceivableNoCreditLine: (a) => ({
    en: `anchor ${memberNo(a, 0)} has no credit line: the operator sets one before it can confirm`,
    zh: `核心企业 ${memberNo(a, 0)} 尚无授信额度：需运营方设定后方可确权`,
  }),
  ReceivableCreditLineNotAnchor: (a) => ({
    en: `member ${memberNo(a, 0)} does not hold the anchor role: only an anchor has a credit line`,
    zh: `成员 ${memberNo(a, 0)} 不是核心企业：只有核心企业有授信额度`,
  }),
  ReceivableInvalidCreditLine: (a) => ({
    en: `the review date ${dateOf(uint(a, 1))} must be after the chain's time (${dateOf(uint(a, 2))})`,
    zh: `复核日 ${dateOf(uint(a, 1))} 必须晚于链上当前时间（${dateOf(uint(a, 2))}）`,
  }),
  FinancingAttestationExpired: (a) => ({
    en: `the verifier's attestation expired at ${dateOf(uint(a, 0))}; run the check again`,
    zh: `核验证明已于 ${dateOf(uint(a, 0))} 过期，请重新核验`,
  }),
  FinancingAttestationReplayed: () => ({ en: "this attestation was already used: the piece is funded", zh: "该核验证明已被使用：凭证已融资" }),
  FinancingNotFactor: (a) => ({ en: `${arg(a, 0)} is not an active factor`, zh: `${arg(a, 0)} 不是有效的保理方` }),
  FinancingHolderMismatch: (a) => ({
    en: `piece ${pieceName(uint(a, 0))} now belongs to ${arg(a, 2)}, not to the holder who asked`,
    zh: `凭证 ${pieceName(uint(a, 0))} 现属于 ${arg(a, 2)}，而非申请人`,
  }),
  FinancingRequestExpired: (a) => ({
    en: `the holder's request expired on ${dateOf(uint(a, 0))}`,
    zh: `持有人的申请已于 ${dateOf(uint(a, 0))} 过期`,
  }),
  FinancingNonceUsed: () => ({ en: "this request was already used or withdrawn", zh: "该申请已被使用或撤回" }),
  FinancingTokenMatured: (a) => ({
    en: `piece ${pieceName(uint(a, 0))} has matured and can no longer be financed`,
    zh: `凭证 ${pieceName(uint(a, 0))} 已到期，不能再融资`,
  }),
  FinancingPriceBelowMinimum: (a) => ({
    en: `the price ${fen(a, 0)} is below the holder's minimum ${fen(a, 1)}`,
    zh: `价格 ${fen(a, 0)} 低于持有人的最低价 ${fen(a, 1)}`,
  }),
  FinancingSelfFunding: () => ({ en: "a member cannot fund its own piece", zh: "成员不能为自己的凭证融资" }),
  SettlementNotAnchor: (a) => ({ en: `only the anchor of receivable ${arg(a, 0)} repays it`, zh: `只有应收账款 ${arg(a, 0)} 的核心企业可以还款` }),
  SettlementOverpayment: (a) => ({
    en: `receivable ${arg(a, 0)} has only ${fen(a, 2)} outstanding, less than ${fen(a, 1)}`,
    zh: `应收账款 ${arg(a, 0)} 仅剩 ${fen(a, 2)} 未还，少于 ${fen(a, 1)}`,
  }),
  SettlementZeroAmount: () => ({ en: "the amount must be more than zero", zh: "金额必须大于零" }),
  RegistryUnauthorizedOperator: (a) => ({ en: `${arg(a, 0)} is not an active operator`, zh: `${arg(a, 0)} 不是有效的运营方` }),
  RegistryUnknownMember: (a) => ({ en: `there is no member ${memberNo(a, 0)}`, zh: `不存在成员 ${memberNo(a, 0)}` }),
  RegistryZeroAccount: () => ({ en: "the zero address cannot belong to a member", zh: "零地址不能属于成员" }),
  RegistryAccountTaken: (a) => ({
    en: `the address ${arg(a, 0)} already belongs to member ${memberNo(a, 1)}`,
    zh: `地址 ${arg(a, 0)} 已属于成员 ${memberNo(a, 1)}`,
  }),
  RegistryAccountNotOfMember: (a) => ({
    en: `the address ${arg(a, 0)} does not belong to member ${memberNo(a, 1)}`,
    zh: `地址 ${arg(a, 0)} 不属于成员 ${memberNo(a, 1)}`,
  }),
  RegistryZeroLeiHash: () => ({ en: "the unified social credit code is missing", zh: "缺少统一社会信用代码" }),
  RegistryLeiTaken: (a) => ({
    en: `member ${memberNo(a, 1)} already has this unified social credit code`,
    zh: `成员 ${memberNo(a, 1)} 已使用该统一社会信用代码`,
  }),
  RegistryKycExpiryInPast: (a) => ({
    en: `the KYC date ${dateOf(uint(a, 0))} is not after the chain's time (${dateOf(uint(a, 1))})`,
    zh: `KYC 有效期 ${dateOf(uint(a, 0))} 不晚于链上当前时间（${dateOf(uint(a, 1))}）`,
  }),
  RegistryAccountLimitReached: (a) => ({
    en: `member ${memberNo(a, 0)} already has the most addresses allowed (${arg(a, 1)})`,
    zh: `成员 ${memberNo(a, 0)} 的地址数已达上限（${arg(a, 1)} 个）`,
  }),
  RegistryLastAccount: (a) => ({ en: `member ${memberNo(a, 0)} must keep at least one address`, zh: `成员 ${memberNo(a, 0)} 必须至少保留一个地址` }),
  RegistryRoleAlreadyGranted: (a) => ({
    en: `member ${memberNo(a, 0)} already holds the ${wordOf(ROLE_WORDS, a[1]).en} role`,
    zh: `成员 ${memberNo(a, 0)} 已拥有${wordOf(ROLE_WORDS, a[1]).zh}角色`,
  }),
  RegistryRoleNotGranted: (a) => ({
    en: `member ${memberNo(a, 0)} does not hold the ${wordOf(ROLE_WORDS, a[1]).en} role`,
    zh: `成员 ${memberNo(a, 0)} 没有${wordOf(ROLE_WORDS, a[1]).zh}角色`,
  }),
  RegistryUnexpectedStatus: (a) => ({
    en: `member ${memberNo(a, 0)} is ${wordOf(STATUS_WORDS, a[1]).en}, so this cannot be done`,
    zh: `成员 ${memberNo(a, 0)} 当前状态为“${wordOf(STATUS_WORDS, a[1]).zh}”，不能执行此操作`,
  }),
  RegistrySelfLockout: (a) => ({
    en: `an operator may not lock itself out: member ${memberNo(a, 0)} cannot suspend itself or give up its own operator role`,
    zh: `运营方不能把自己锁在外面：成员 ${memberNo(a, 0)} 不能暂停自己或撤销自己的运营方角色`,
  }),
  RegistryInvalidRoles: () => ({ en: "choose at least one role (and only known roles)", zh: "请至少选择一个角色（且只能是已知角色）" }),
  ReceivableUnauthorizedOperator: (a) => ({ en: `${arg(a, 0)} is not an active operator`, zh: `${arg(a, 0)} 不是有效的运营方` }),
  FinancingUnauthorizedOperator: (a) => ({ en: `${arg(a, 0)} is not an active operator`, zh: `${arg(a, 0)} 不是有效的运营方` }),
  FinancingInvalidRequiredVerifiers: (a) => ({
    en: `the number of verifier signatures must be from 1 to 16, not ${arg(a, 0)}`,
    zh: `核验签名数必须在 1 到 16 之间，不能是 ${arg(a, 0)}`,
  }),
  EnforcedPause: () => ({
    en: "the network is paused: transfers, confirmations and funding wait until the operator resumes it",
    zh: "网络已暂停：流转、确权和融资需等待运营方恢复",
  }),
  ExpectedPause: () => ({ en: "the network is not paused", zh: "网络未处于暂停状态" }),
  ERC20InsufficientBalance: (a) => ({
    en: `the account holds ${fen(a, 1)} of CNY deposits, less than the ${fen(a, 2)} needed`,
    zh: `账户仅有 ${fen(a, 1)} 存款代币，不足所需的 ${fen(a, 2)}`,
  }),
  ERC20InsufficientAllowance: (a) => ({
    en: `the allowance is ${fen(a, 1)}, less than the ${fen(a, 2)} needed`,
    zh: `授权额度 ${fen(a, 1)} 不足所需的 ${fen(a, 2)}`,
  }),
};

/** A custom error as a sentence in `language`, or its name and arguments when no sentence is written for it. */
export function contractErrorSentence(error: ErrorDescription, language: Language): string {
  const sentence = CONTRACT_SENTENCES[error.name];
  if (sentence !== undefined) return sentence(error.args)[language];
  return `${error.name}(${error.args.map(String).join(", ")})`;
}

function revertDataOf(error: unknown, depth = 0): string | null {
  if (depth > 5 || typeof error !== "object" || error === null) return null;
  const record = error as { data?: unknown; error?: unknown; info?: unknown; revert?: unknown };
  if (typeof record.data === "string" && /^0x[0-9a-fA-F]{8}/u.test(record.data)) return record.data;
  return revertDataOf(record.error, depth + 1) ?? revertDataOf(record.info, depth + 1);
}

function refusedByUser(error: unknown): boolean {
  if (isError(error, "ACTION_REJECTED")) return true;
  for (let current: unknown = error, depth = 0; typeof current === "object" && current !== null && depth < 5; depth += 1) {
    if ((current as { code?: unknown }).code === 4001) return true;
    current = (current as { error?: unknown; info?: { error?: unknown } }).error ?? (current as { info?: { error?: unknown } }).info?.error;
  }
  return false;
}

export function explain(error: unknown, t: Translate, language: Language): Explained {
  if (refusedByUser(error)) return { message: t("err.refused"), reasons: [] };
  if (error instanceof WrongNetworkError) return { message: t("err.wrongNetwork", { expected: error.expected, actual: error.actual }), reasons: [] };
  if (error instanceof NoWalletError) return { message: t("err.noWallet"), reasons: [] };
  if (error instanceof ApiFailure) {
    if (error.code === "NOT_A_MEMBER") return { message: t("err.notMember"), reasons: [] };
    if (error.code === "SESSION_INVALID" || error.code === "SESSION_REQUIRED") return { message: t("err.session"), reasons: [] };
    if (error.code === "UNREACHABLE") return { message: t("err.unreachable"), reasons: [] };
    return { message: error.message, reasons: error.fields.map((field) => t("doc.problem", { path: field.path, message: field.message })) };
  }
  const data = revertDataOf(error);
  const decoded = data === null ? null : decodeCustomError(data);
  if (decoded !== null) return { message: t("err.contract", { sentence: contractErrorSentence(decoded, language) }), reasons: [] };
  if (isError(error, "CALL_EXCEPTION") && error.revert !== null && error.revert !== undefined) {
    return { message: t("err.contract", { sentence: `${error.revert.name}(${error.revert.args.map(String).join(", ")})` }), reasons: [] };
  }
  const short = (error as { shortMessage?: unknown }).shortMessage;
  return { message: typeof short === "string" ? short : error instanceof Error ? error.message : String(error), reasons: [] };
}

/**
 * A sentence from the API or the verifier, made readable: addresses become the member's name (with the address
 * shortened beside it) and raw token ids become piece names (#slot.sequence).
 */
export function humanize(message: string, nameOf: (address: string) => string): string {
  return message
    .replace(/0x[0-9a-fA-F]{40}\b/gu, (address) => {
      const name = nameOf(address);
      const short = `${address.slice(0, 6)}…${address.slice(-4)}`;
      return name === short || name.endsWith(short) ? name : `${name} (${short})`;
    })
    .replace(/\b(piece|pieces) ([0-9]{10,})\b/gu, (_whole, word: string, id: string) => `${word} ${pieceName(id)}`);
}

/** A short title for each of the verifier's failure codes, in both languages; the verifier's sentence gives the facts. */
export const FAILURE_TITLES: Readonly<Record<string, { en: string; zh: string }>> = {
  TOKEN_NOT_FOUND: { en: "piece not live", zh: "凭证不存在或已兑付" },
  TOKEN_MATURED: { en: "matured", zh: "已到期" },
  TOKEN_OVERDUE: { en: "overdue", zh: "已逾期" },
  ALREADY_FUNDED: { en: "already funded", zh: "已融资" },
  REQUEST_INVALID: { en: "request invalid", zh: "申请无效" },
  REQUEST_EXPIRED: { en: "request expired", zh: "申请已过期" },
  REQUEST_SIGNATURE: { en: "not the holder's signature", zh: "非持有人签名" },
  REQUEST_NONCE_USED: { en: "request already used", zh: "申请已被使用" },
  PRICE_OUT_OF_RANGE: { en: "price out of range", zh: "价格超出范围" },
  HOLDER_NOT_ELIGIBLE: { en: "holder not eligible", zh: "持有人不符合资格" },
  FACTOR_NOT_ELIGIBLE: { en: "factor not eligible", zh: "保理方不符合资格" },
  STEP_WITHOUT_PROOF: { en: "step without documents", zh: "该步骤没有单据" },
  DOCUMENT_MISSING: { en: "document missing", zh: "单据缺失" },
  DOCUMENT_KIND: { en: "wrong kind of document", zh: "单据类型错误" },
  DOCUMENT_HASH_MISMATCH: { en: "document does not match the chain", zh: "单据与链上哈希不符" },
  FINGERPRINT_MISMATCH: { en: "invoice fingerprint does not match", zh: "发票指纹不符" },
  CREDIT_CODE_MISMATCH: { en: "credit code is not the member's", zh: "统一社会信用代码与会员登记不符" },
  INVOICE_REUSED: { en: "invoice used twice", zh: "发票重复使用" },
  SIGNATURE_INVALID: { en: "signature invalid", zh: "签名无效" },
  SIGNER_NOT_ELIGIBLE: { en: "signer not eligible", zh: "签署方不符合资格" },
  PARTY_MISMATCH: { en: "parties do not match the transfer", zh: "交易方与流转不符" },
  INVOICE_TOTAL_TOO_LOW: { en: "invoice below the value", zh: "发票金额低于凭证金额" },
  CURRENCY_MISMATCH: { en: "currency differs", zh: "币种不符" },
  NOT_DELIVERED: { en: "goods not delivered", zh: "货物未送达" },
  DELIVERED_AFTER_REQUEST: { en: "delivered after the request", zh: "申请后才送达" },
  CARRIER_NOT_REGISTERED: { en: "carrier not registered", zh: "承运人未注册" },
  CONSIGNEE_MISMATCH: { en: "consignee is not the buyer", zh: "收货人不是买方" },
  SHIPMENT_REFERENCE_MISMATCH: { en: "waybill is for another invoice", zh: "运单对应的不是该发票" },
  CARRIER_NOT_INDEPENDENT: { en: "carrier is a party to the trade", zh: "承运人是交易一方" },
  WAYBILL_OVERUSED: { en: "waybill already used for these goods", zh: "运单货物已被其他发票占用" },
  UNBACKED_TRANSFER: { en: "transfer without documents", zh: "无单据的转让" },
};
