import { isError } from "ethers";
import type { ErrorDescription } from "ethers";
import { ApiFailure } from "./api";
import { NoWalletError, WrongNetworkError, decodeCustomError } from "./chain";
import type { Language, Translate } from "./i18n";
import { cnyIn, dateOf } from "./money";
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
type Sentence = (args: Args, names: Names) => { en: string; zh: string };

/**
 * How a sentence names the members it speaks of: by the member's name from the directory, never by a bare address or
 * member number. Without a directory (before sign-in), an address is shortened and a member is "#id".
 */
export interface Names {
  account: (address: string) => string;
  member: (memberId: number) => string;
}

export const PLAIN_NAMES: Names = {
  account: (address) => (/^0x[0-9a-fA-F]{40}$/u.test(address) ? `${address.slice(0, 6)}…${address.slice(-4)}` : address),
  member: (memberId) => `#${memberId}`,
};

const arg = (args: Args, index: number): string => String(args[index]);
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
const cnyEn = (args: Args, index: number): string => cnyIn("en", uint(args, index));
const cnyZh = (args: Args, index: number): string => cnyIn("zh", uint(args, index));
/** Basis points as a percentage with two decimals: 12345 is "123.45%". */
const percent = (args: Args, index: number): string => {
  const bps = uint(args, index);
  return `${(bps / 100n).toString()}.${(bps % 100n).toString().padStart(2, "0")}%`;
};
const days = (args: Args, index: number): string => (uint(args, index) / 86_400n).toString();
const HOLDING_WORDS: ReadonlyArray<{ en: string; zh: string }> = [
  { en: "receivable token", zh: "应收账款凭证合约" },
  { en: "settlement currency", zh: "结算币合约" },
];
const SYSTEM_WORDS: ReadonlyArray<{ en: string; zh: string }> = [
  { en: "financing", zh: "融资合约" },
  { en: "settlement", zh: "兑付合约" },
];

const CONTRACT_SENTENCES: Readonly<Record<string, Sentence>> = {
  ERC3525InsufficientValue: (a) => ({
    en: `piece ${pieceName(uint(a, 0))} holds ${cnyEn(a, 1)}, less than the ${cnyEn(a, 2)} asked for`,
    zh: `凭证 ${pieceName(uint(a, 0))} 仅有 ${cnyZh(a, 1)}，不足所需的 ${cnyZh(a, 2)}`,
  }),
  ERC3525ZeroValue: () => ({ en: "the amount must be more than zero", zh: "金额必须大于零" }),
  ReceivableUnauthorizedAnchor: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an active anchor`,
    zh: `${n.account(arg(a, 0))} 不是有效的核心企业`,
  }),
  ReceivableIneligibleSupplier: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an active supplier`,
    zh: `${n.account(arg(a, 0))} 不是有效的供应商`,
  }),
  ReceivableIneligibleSender: (a, n) => ({
    en: `${n.account(arg(a, 0))} may not send pieces now (suspended, KYC expired, or no member)`,
    zh: `${n.account(arg(a, 0))} 当前不能转出凭证（已暂停、KYC 过期或非成员）`,
  }),
  ReceivableIneligibleRecipient: (a, n) => ({
    en: `${n.account(arg(a, 0))} may not receive pieces (not an active member with valid KYC)`,
    zh: `${n.account(arg(a, 0))} 不能接收凭证（不是 KYC 有效的在册成员）`,
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
    en: `this confirmation of ${cnyEn(a, 3)} would take what the anchor owes from ${cnyEn(a, 2)} above its credit line of ${cnyEn(a, 1)}`,
    zh: `本次确权 ${cnyZh(a, 3)} 将使核心企业的已用额度从 ${cnyZh(a, 2)} 超过其授信额度 ${cnyZh(a, 1)}`,
  }),
  ReceivableNoCreditLine: (a, n) => ({
    en: `anchor ${n.member(Number(a[0]))} has no credit line: the operator sets one before it can confirm`,
    zh: `核心企业 ${n.member(Number(a[0]))} 尚无授信额度：需运营方设定后方可确权`,
  }),
  ReceivableCreditLineNotAnchor: (a, n) => ({
    en: `member ${n.member(Number(a[0]))} does not hold the anchor role: only an anchor has a credit line`,
    zh: `成员 ${n.member(Number(a[0]))} 不是核心企业：只有核心企业有授信额度`,
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
  FinancingNotFactor: (a, n) => ({ en: `${n.account(arg(a, 0))} is not an active factor`, zh: `${n.account(arg(a, 0))} 不是有效的保理方` }),
  FinancingHolderMismatch: (a, n) => ({
    en: `piece ${pieceName(uint(a, 0))} now belongs to ${n.account(arg(a, 2))}, not to the holder who asked`,
    zh: `凭证 ${pieceName(uint(a, 0))} 现属于 ${n.account(arg(a, 2))}，而非申请人`,
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
    en: `the price ${cnyEn(a, 0)} is below the holder's minimum ${cnyEn(a, 1)}`,
    zh: `价格 ${cnyZh(a, 0)} 低于持有人的最低价 ${cnyZh(a, 1)}`,
  }),
  FinancingSelfFunding: () => ({ en: "a member cannot fund its own piece", zh: "成员不能为自己的凭证融资" }),
  SettlementNotAnchor: (a) => ({ en: `only the anchor of receivable ${arg(a, 0)} repays it`, zh: `只有应收账款 ${arg(a, 0)} 的核心企业可以还款` }),
  SettlementOverpayment: (a) => ({
    en: `receivable ${arg(a, 0)} has only ${cnyEn(a, 2)} outstanding, less than ${cnyEn(a, 1)}`,
    zh: `应收账款 ${arg(a, 0)} 仅剩 ${cnyZh(a, 2)} 未还，少于 ${cnyZh(a, 1)}`,
  }),
  SettlementZeroAmount: () => ({ en: "the amount must be more than zero", zh: "金额必须大于零" }),
  RegistryUnauthorizedOperator: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an active operator`,
    zh: `${n.account(arg(a, 0))} 不是有效的运营方`,
  }),
  RegistryUnknownMember: (a, n) => ({ en: `there is no member ${n.member(Number(a[0]))}`, zh: `不存在成员 ${n.member(Number(a[0]))}` }),
  RegistryZeroAccount: () => ({ en: "the zero address cannot belong to a member", zh: "零地址不能属于成员" }),
  RegistryAccountTaken: (a, n) => ({
    en: `the address ${n.account(arg(a, 0))} already belongs to member ${n.member(Number(a[1]))}`,
    zh: `地址 ${n.account(arg(a, 0))} 已属于成员 ${n.member(Number(a[1]))}`,
  }),
  RegistryAccountNotOfMember: (a, n) => ({
    en: `the address ${n.account(arg(a, 0))} does not belong to member ${n.member(Number(a[1]))}`,
    zh: `地址 ${n.account(arg(a, 0))} 不属于成员 ${n.member(Number(a[1]))}`,
  }),
  RegistryZeroLeiHash: () => ({ en: "the unified social credit code is missing", zh: "缺少统一社会信用代码" }),
  RegistryLeiTaken: (a, n) => ({
    en: `member ${n.member(Number(a[1]))} already has this unified social credit code`,
    zh: `成员 ${n.member(Number(a[1]))} 已使用该统一社会信用代码`,
  }),
  RegistryKycExpiryInPast: (a) => ({
    en: `the KYC date ${dateOf(uint(a, 0))} is not after the chain's time (${dateOf(uint(a, 1))})`,
    zh: `KYC 有效期 ${dateOf(uint(a, 0))} 不晚于链上当前时间（${dateOf(uint(a, 1))}）`,
  }),
  RegistryAccountLimitReached: (a, n) => ({
    en: `member ${n.member(Number(a[0]))} already has the most addresses allowed (${arg(a, 1)})`,
    zh: `成员 ${n.member(Number(a[0]))} 的地址数已达上限（${arg(a, 1)} 个）`,
  }),
  RegistryLastAccount: (a, n) => ({
    en: `member ${n.member(Number(a[0]))} must keep at least one address`,
    zh: `成员 ${n.member(Number(a[0]))} 必须至少保留一个地址`,
  }),
  RegistryRoleAlreadyGranted: (a, n) => ({
    en: `member ${n.member(Number(a[0]))} already holds the ${wordOf(ROLE_WORDS, a[1]).en} role`,
    zh: `成员 ${n.member(Number(a[0]))} 已拥有${wordOf(ROLE_WORDS, a[1]).zh}角色`,
  }),
  RegistryRoleNotGranted: (a, n) => ({
    en: `member ${n.member(Number(a[0]))} does not hold the ${wordOf(ROLE_WORDS, a[1]).en} role`,
    zh: `成员 ${n.member(Number(a[0]))} 没有${wordOf(ROLE_WORDS, a[1]).zh}角色`,
  }),
  RegistryUnexpectedStatus: (a, n) => ({
    en: `member ${n.member(Number(a[0]))} is ${wordOf(STATUS_WORDS, a[1]).en}, so this cannot be done`,
    zh: `成员 ${n.member(Number(a[0]))} 当前状态为“${wordOf(STATUS_WORDS, a[1]).zh}”，不能执行此操作`,
  }),
  RegistrySelfLockout: (a, n) => ({
    en: `an operator may not lock itself out: member ${n.member(Number(a[0]))} cannot suspend itself or give up its own operator role`,
    zh: `运营方不能把自己锁在外面：成员 ${n.member(Number(a[0]))} 不能暂停自己或撤销自己的运营方角色`,
  }),
  RegistryInvalidRoles: () => ({ en: "choose at least one role (and only known roles)", zh: "请至少选择一个角色（且只能是已知角色）" }),
  ReceivableUnauthorizedOperator: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an active operator`,
    zh: `${n.account(arg(a, 0))} 不是有效的运营方`,
  }),
  FinancingUnauthorizedOperator: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an active operator`,
    zh: `${n.account(arg(a, 0))} 不是有效的运营方`,
  }),
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
    en: `the account holds ${cnyEn(a, 1)} of CNY deposits, less than the ${cnyEn(a, 2)} needed`,
    zh: `账户仅有 ${cnyZh(a, 1)} 存款代币，不足所需的 ${cnyZh(a, 2)}`,
  }),
  ERC20InsufficientAllowance: (a) => ({
    en: `the allowance is ${cnyEn(a, 1)}, less than the ${cnyEn(a, 2)} needed`,
    zh: `授权额度 ${cnyZh(a, 1)} 不足所需的 ${cnyZh(a, 2)}`,
  }),
  // --- Every other refusal of the network's contracts (issue 18, item 15): the contract-errors test fails when a
  // --- custom error of contracts/ has no sentence here in both languages.
  RegistryAccountHoldsAssets: (a, n) => ({
    en: `the address ${n.account(arg(a, 0))} still holds pieces or CNY deposits: it stays with its member until it holds nothing`,
    zh: `地址 ${n.account(arg(a, 0))} 仍持有凭证或存款代币：清空前不能移出其成员`,
  }),
  RegistryHoldingContractNotBindable: (a) => ({
    en: `the ${wordOf(HOLDING_WORDS, a[0]).en} contract is already bound, or the address is zero`,
    zh: `${wordOf(HOLDING_WORDS, a[0]).zh}已绑定，或地址为零`,
  }),
  DiscountRateTooHigh: (a) => ({
    en: `the discount rate ${percent(a, 0)} is above 100% a year`,
    zh: `贴现率 ${percent(a, 0)} 超过年化 100%`,
  }),
  ECDSAInvalidSignature: () => ({ en: "a signature is not valid", zh: "签名无效" }),
  ECDSAInvalidSignatureLength: (a) => ({ en: `a signature has the wrong length (${arg(a, 0)} bytes)`, zh: `签名长度错误（${arg(a, 0)} 字节）` }),
  ECDSAInvalidSignatureS: () => ({ en: "a signature is malformed", zh: "签名格式错误" }),
  FinancingConflictedVerifier: (a, n) => ({
    en: `the verifier ${n.member(Number(a[0]))} is party to this funding and may not attest it`,
    zh: `核验方 ${n.member(Number(a[0]))} 是本次融资的一方，不能为其出具核验证明`,
  }),
  FinancingDuplicateVerifier: (a, n) => ({
    en: `two signatures come from the same verifier, ${n.member(Number(a[0]))}`,
    zh: `两个签名来自同一核验方 ${n.member(Number(a[0]))}`,
  }),
  FinancingFactorMismatch: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not the factor the attestation (${n.account(arg(a, 1))}) and the request (${n.account(arg(a, 2))}) name`,
    zh: `${n.account(arg(a, 0))} 不是核验证明（${n.account(arg(a, 1))}）和申请（${n.account(arg(a, 2))}）所指定的保理方`,
  }),
  FinancingMissingHolderConsent: (a, n) => ({
    en: `the holder ${n.account(arg(a, 0))} neither signed nor approved this request`,
    zh: `持有人 ${n.account(arg(a, 0))} 既未签署也未批准该申请`,
  }),
  FinancingNonceMismatch: () => ({
    en: "the attestation is for another request of the holder; run the check again",
    zh: "核验证明对应的是持有人的另一份申请，请重新核验",
  }),
  FinancingNotFundingFactor: (a, n) => ({
    en: `${n.account(arg(a, 1))} is not the factor that funded this piece`,
    zh: `${n.account(arg(a, 1))} 不是为该凭证融资的保理方`,
  }),
  FinancingNotHolder: (a, n) => ({
    en: `${n.account(arg(a, 1))} does not hold piece ${pieceName(uint(a, 0))}`,
    zh: `${n.account(arg(a, 1))} 未持有凭证 ${pieceName(uint(a, 0))}`,
  }),
  FinancingNotOverdue: (a) => ({
    en: `receivable ${arg(a, 0)} is not overdue past its grace period, so recourse cannot be demanded yet`,
    zh: `应收账款 ${arg(a, 0)} 尚未超过宽限期逾期，暂不能追索`,
  }),
  FinancingNotSeller: (a, n) => ({
    en: `${n.account(arg(a, 1))} is not the seller who owes this recourse`,
    zh: `${n.account(arg(a, 1))} 不是承担该追索的卖方`,
  }),
  FinancingPriceAboveValue: (a) => ({
    en: `the price ${cnyEn(a, 0)} is above the value bought, ${cnyEn(a, 1)}`,
    zh: `价格 ${cnyZh(a, 0)} 高于所购金额 ${cnyZh(a, 1)}`,
  }),
  FinancingRecourseMismatch: (a) => ({
    en: `the holder asked ${a[0] === true ? "with" : "without"} recourse, but the attestation says ${a[1] === true ? "with" : "without"}`,
    zh: `持有人申请的是${a[0] === true ? "有" : "无"}追索，而核验证明为${a[1] === true ? "有" : "无"}追索`,
  }),
  FinancingRecourseNotDemanded: () => ({
    en: "the factor has not demanded recourse on this funding (or it was sold without recourse)",
    zh: "保理方尚未就该笔融资发起追索（或该笔融资为无追索）",
  }),
  FinancingRecoursePieceChanged: (a, n) => ({
    en: `piece ${pieceName(uint(a, 0))} no longer stands as bought: it is held by ${n.account(arg(a, 1))} and worth ${cnyEn(a, 2)}`,
    zh: `凭证 ${pieceName(uint(a, 0))} 已不是购入时的状态：现由 ${n.account(arg(a, 1))} 持有，金额 ${cnyZh(a, 2)}`,
  }),
  FinancingRecourseUnavailable: () => ({
    en: "this funding was without recourse, or recourse was already recorded",
    zh: "该笔融资为无追索，或已记录追索",
  }),
  FinancingRequestMismatch: (a) => ({
    en: `the request (${cnyEn(a, 2)} of piece ${pieceName(uint(a, 0))}) and the attestation (${cnyEn(a, 3)} of piece ${pieceName(uint(a, 1))}) differ`,
    zh: `申请（凭证 ${pieceName(uint(a, 0))} 的 ${cnyZh(a, 2)}）与核验证明（凭证 ${pieceName(uint(a, 1))} 的 ${cnyZh(a, 3)}）不一致`,
  }),
  FinancingSignerNotVerifier: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an active verifier (or signed for another network)`,
    zh: `${n.account(arg(a, 0))} 不是有效的核验方（或为其他网络签名）`,
  }),
  FinancingSignersNotAscending: () => ({
    en: "the verifiers' signatures are out of order or repeated",
    zh: "核验方签名顺序错误或重复",
  }),
  FinancingTooFewVerifiers: (a) => ({
    en: `${arg(a, 0)} of the ${arg(a, 1)} required verifiers signed`,
    zh: `仅 ${arg(a, 0)} 个核验方签名，需要 ${arg(a, 1)} 个`,
  }),
  FinancingUnexpectedPiece: (a) => ({
    en: `the token delivered piece ${pieceName(uint(a, 1))} instead of ${pieceName(uint(a, 0))}`,
    zh: `凭证合约交付了凭证 ${pieceName(uint(a, 1))}，而非 ${pieceName(uint(a, 0))}`,
  }),
  FinancingUnknownFunding: () => ({ en: "there is no such funding", zh: "不存在该笔融资" }),
  FinancingZeroValue: () => ({ en: "the value to sell must be more than zero", zh: "转让金额必须大于零" }),
  InvalidShortString: () => ({ en: "a contract name is malformed", zh: "合约名称格式错误" }),
  StringTooLong: () => ({ en: "a text is too long", zh: "文字过长" }),
  ReentrancyGuardReentrantCall: () => ({ en: "another call is still in progress; try again", zh: "另一笔调用仍在进行，请重试" }),
  SafeERC20FailedOperation: () => ({ en: "the settlement currency refused the payment", zh: "结算币拒绝了该笔支付" }),
  SettlementAlreadyFlagged: (a) => ({ en: `receivable ${arg(a, 0)} is already marked overdue`, zh: `应收账款 ${arg(a, 0)} 已标记为逾期` }),
  SettlementAlreadyWrittenOff: (a) => ({
    en: `receivable ${arg(a, 0)} was already written off on ${dateOf(uint(a, 1))}`,
    zh: `应收账款 ${arg(a, 0)} 已于 ${dateOf(uint(a, 1))} 核销`,
  }),
  SettlementGracePeriodTooLong: (a) => ({
    en: `a grace period of ${days(a, 0)} days is longer than the ${days(a, 1)} days allowed`,
    zh: `宽限期 ${days(a, 0)} 天超过允许的 ${days(a, 1)} 天`,
  }),
  SettlementNotClaimable: (a) => ({
    en: `receivable ${arg(a, 0)} pays out from ${dateOf(uint(a, 1))} (or once fully repaid; repaid so far ${cnyEn(a, 2)} of ${cnyEn(a, 3)})`,
    zh: `应收账款 ${arg(a, 0)} 自 ${dateOf(uint(a, 1))} 起兑付（或全额还款后；目前已还 ${cnyZh(a, 2)} / ${cnyZh(a, 3)}）`,
  }),
  SettlementNotOverdue: (a) => ({ en: `receivable ${arg(a, 0)} is not overdue`, zh: `应收账款 ${arg(a, 0)} 未逾期` }),
  SettlementNothingToClaim: (a) => ({
    en: `piece ${pieceName(uint(a, 0))} has nothing to collect now`,
    zh: `凭证 ${pieceName(uint(a, 0))} 当前没有可领取的款项`,
  }),
  SettlementOnlyFinancing: () => ({ en: "only the financing contract may apply recourse", zh: "只有融资合约可以执行追索" }),
  SettlementRecourseAboveDue: (a) => ({
    en: `a recourse payment of ${cnyEn(a, 1)} is more than the ${cnyEn(a, 2)} still unpaid on piece ${pieceName(uint(a, 0))}`,
    zh: `追索金额 ${cnyZh(a, 1)} 超过凭证 ${pieceName(uint(a, 0))} 尚未兑付的 ${cnyZh(a, 2)}`,
  }),
  SettlementReentrantCall: (a) => ({
    en: `a repayment or claim of receivable ${arg(a, 0)} is still in progress; try again`,
    zh: `应收账款 ${arg(a, 0)} 的还款或兑付仍在进行，请重试`,
  }),
  SettlementUnauthorizedOperator: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an active operator`,
    zh: `${n.account(arg(a, 0))} 不是有效的运营方`,
  }),
  SettlementWriteOffBeforeGrace: (a) => ({
    en: `receivable ${arg(a, 0)} can be written off only after its grace period ends on ${dateOf(uint(a, 1))}`,
    zh: `应收账款 ${arg(a, 0)} 须在宽限期于 ${dateOf(uint(a, 1))} 结束后方可核销`,
  }),
  SettlementWriteOffRepaid: (a) => ({
    en: `receivable ${arg(a, 0)} is fully repaid: nothing is left to write off`,
    zh: `应收账款 ${arg(a, 0)} 已全额还款，无可核销`,
  }),
  ERC20InvalidApprover: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot approve payments`, zh: `${n.account(arg(a, 0))} 不能授权付款` }),
  ERC20InvalidReceiver: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot receive CNY deposits`, zh: `${n.account(arg(a, 0))} 不能接收存款代币` }),
  ERC20InvalidSender: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot send CNY deposits`, zh: `${n.account(arg(a, 0))} 不能转出存款代币` }),
  ERC20InvalidSpender: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot be allowed to spend`, zh: `不能授权 ${n.account(arg(a, 0))} 支出` }),
  SettlementTokenIneligibleRecipient: (a, n) => ({
    en: `${n.account(arg(a, 0))} may not receive CNY deposits (not an active member with valid KYC)`,
    zh: `${n.account(arg(a, 0))} 不能接收存款代币（不是 KYC 有效的在册成员）`,
  }),
  SettlementTokenIneligibleSender: (a, n) => ({
    en: `${n.account(arg(a, 0))} may not send CNY deposits now (suspended, KYC expired, or no member)`,
    zh: `${n.account(arg(a, 0))} 当前不能转出存款代币（已暂停、KYC 过期或非成员）`,
  }),
  SettlementTokenNotIssuer: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an authorized issuer of CNY deposits`,
    zh: `${n.account(arg(a, 0))} 不是经授权的存款代币发行方`,
  }),
  SettlementTokenUnauthorizedOperator: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not an active operator`,
    zh: `${n.account(arg(a, 0))} 不是有效的运营方`,
  }),
  ERC3525InsufficientAllowance: (a, n) => ({
    en: `${n.account(arg(a, 1))} may move only ${cnyEn(a, 2)} of piece ${pieceName(uint(a, 0))}, less than ${cnyEn(a, 3)}`,
    zh: `${n.account(arg(a, 1))} 仅获授权转出凭证 ${pieceName(uint(a, 0))} 的 ${cnyZh(a, 2)}，不足 ${cnyZh(a, 3)}`,
  }),
  ERC3525RejectedByReceiver: (a, n) => ({ en: `${n.account(arg(a, 0))} refused to receive the piece`, zh: `${n.account(arg(a, 0))} 拒绝接收该凭证` }),
  ERC3525SameToken: (a) => ({
    en: `piece ${pieceName(uint(a, 0))} cannot send value to itself`,
    zh: `凭证 ${pieceName(uint(a, 0))} 不能向自身转出金额`,
  }),
  ERC3525SlotMismatch: (a) => ({
    en: `pieces ${pieceName(uint(a, 0))} and ${pieceName(uint(a, 1))} belong to different receivables`,
    zh: `凭证 ${pieceName(uint(a, 0))} 与 ${pieceName(uint(a, 1))} 属于不同的应收账款`,
  }),
  ERC3525UnapprovedTarget: (a, n) => ({
    en: `piece ${pieceName(uint(a, 0))} belongs to ${n.account(arg(a, 1))}, who has not allowed ${n.account(arg(a, 2))} to add to it`,
    zh: `凭证 ${pieceName(uint(a, 0))} 属于 ${n.account(arg(a, 1))}，其未允许 ${n.account(arg(a, 2))} 向其转入`,
  }),
  ERC721IncorrectOwner: (a, n) => ({
    en: `piece ${pieceName(uint(a, 1))} belongs to ${n.account(arg(a, 2))}, not to ${n.account(arg(a, 0))}`,
    zh: `凭证 ${pieceName(uint(a, 1))} 属于 ${n.account(arg(a, 2))}，而非 ${n.account(arg(a, 0))}`,
  }),
  ERC721InsufficientApproval: (a, n) => ({
    en: `${n.account(arg(a, 0))} is not allowed to move piece ${pieceName(uint(a, 1))}`,
    zh: `${n.account(arg(a, 0))} 无权转移凭证 ${pieceName(uint(a, 1))}`,
  }),
  ERC721InvalidApprover: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot give approvals`, zh: `${n.account(arg(a, 0))} 不能授予授权` }),
  ERC721InvalidOperator: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot be an operator`, zh: `${n.account(arg(a, 0))} 不能作为操作方` }),
  ERC721InvalidOwner: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot own pieces`, zh: `${n.account(arg(a, 0))} 不能持有凭证` }),
  ERC721InvalidReceiver: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot receive pieces`, zh: `${n.account(arg(a, 0))} 不能接收凭证` }),
  ERC721InvalidSender: (a, n) => ({ en: `${n.account(arg(a, 0))} cannot send pieces`, zh: `${n.account(arg(a, 0))} 不能转出凭证` }),
  ERC721NonexistentToken: (a) => ({
    en: `piece ${pieceName(uint(a, 0))} does not exist (or was paid out)`,
    zh: `凭证 ${pieceName(uint(a, 0))} 不存在（或已兑付）`,
  }),
  ReceivableFaceValueTooLarge: (a) => ({
    en: `a face value of ${cnyEn(a, 0)} is above the largest allowed, ${cnyEn(a, 1)}`,
    zh: `面值 ${cnyZh(a, 0)} 超过允许的最大值 ${cnyZh(a, 1)}`,
  }),
  ReceivableIneligibleCaller: (a, n) => ({
    en: `${n.account(arg(a, 0))} may not move another member's piece`,
    zh: `${n.account(arg(a, 0))} 不能转移其他成员的凭证`,
  }),
  ReceivableInvoiceConsentInvalid: (a, n) => ({
    en: `the invoice's seller ${n.account(arg(a, 0))} did not consent to its registration (signed by ${n.account(arg(a, 1))})`,
    zh: `发票卖方 ${n.account(arg(a, 0))} 未同意登记该发票（签名者为 ${n.account(arg(a, 1))}）`,
  }),
  ReceivableInvoiceNumberNotNormalised: (a) => ({
    en: `the invoice number "${arg(a, 0)}" must be trimmed, upper-case and without spaces`,
    zh: `发票号码“${arg(a, 0)}”须去除首尾空格、大写且不含空格`,
  }),
  ReceivableNonexistentSlot: (a) => ({ en: `there is no receivable ${arg(a, 0)}`, zh: `不存在应收账款 ${arg(a, 0)}` }),
  ReceivableOnlySettlement: () => ({ en: "only the settlement contract may do this", zh: "只有兑付合约可以执行此操作" }),
  ReceivablePieceLimitReached: (a) => ({
    en: `receivable ${arg(a, 0)} already has as many pieces as it can number`,
    zh: `应收账款 ${arg(a, 0)} 的凭证数量已达上限`,
  }),
  ReceivableSystemContractNotBindable: (a) => ({
    en: `the ${wordOf(SYSTEM_WORDS, a[0]).en} contract is already bound, or the address is zero`,
    zh: `${wordOf(SYSTEM_WORDS, a[0]).zh}已绑定，或地址为零`,
  }),
  ReceivableZeroCurrency: () => ({ en: "the receivable's currency is missing", zh: "缺少应收账款的币种" }),
};

/** The custom errors that have a sentence in both languages (the contract-errors test checks every ABI against it). */
export const CONTRACT_ERRORS_EXPLAINED: ReadonlySet<string> = new Set(Object.keys(CONTRACT_SENTENCES));

/**
 * A custom error as a sentence in `language`, members named through `names`, or its name and arguments when no
 * sentence is written for it.
 */
export function contractErrorSentence(error: Pick<ErrorDescription, "name" | "args">, language: Language, names: Names = PLAIN_NAMES): string {
  const sentence = CONTRACT_SENTENCES[error.name];
  if (sentence !== undefined) return sentence(error.args, names)[language];
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

export function explain(error: unknown, t: Translate, language: Language, names: Names = PLAIN_NAMES): Explained {
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
  if (decoded !== null) return { message: t("err.contract", { sentence: contractErrorSentence(decoded, language, names) }), reasons: [] };
  if (isError(error, "CALL_EXCEPTION") && error.revert !== null && error.revert !== undefined) {
    return { message: t("err.contract", { sentence: `${error.revert.name}(${error.revert.args.map(String).join(", ")})` }), reasons: [] };
  }
  const short = (error as { shortMessage?: unknown }).shortMessage;
  return { message: typeof short === "string" ? short : error instanceof Error ? error.message : String(error), reasons: [] };
}

/**
 * A sentence from the API or the verifier, made readable: addresses become the member's name (with the address
 * shortened beside it), "member 3" the member's name, and raw token ids piece names (#slot.sequence).
 */
export function humanize(message: string, nameOf: (address: string) => string, memberName?: (memberId: number) => string): string {
  const named = message
    .replace(/0x[0-9a-fA-F]{40}\b/gu, (address) => {
      const name = nameOf(address);
      const short = `${address.slice(0, 6)}…${address.slice(-4)}`;
      return name === short || name.endsWith(short) ? name : `${name} (${short})`;
    })
    .replace(/\b(piece|pieces) ([0-9]{10,})\b/gu, (_whole, word: string, id: string) => `${word} ${pieceName(id)}`);
  if (memberName === undefined) return named;
  return named.replace(/\bmember ([0-9]+)\b/gu, (whole, id: string) => {
    const name = memberName(Number(id));
    return name.startsWith("#") ? whole : name;
  });
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
