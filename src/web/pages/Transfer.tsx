import { useState } from "react";
import { getAddress, toUtf8String } from "ethers";
import { useApp } from "../app";
import { ErrorBox, Progress, Section, useAction } from "../components";
import { useLanguage, useT } from "../lib/i18n";
import { complete } from "../lib/intake";
import type { IntakeOutcome, InvoiceIntake, WaybillIntake } from "../lib/intake";
import { cny, dateOf, parseCny } from "../lib/money";
import { pieceName, slotOf } from "../../chain/tokenId";
import { useData } from "../lib/useData";
import { DocumentInputs, documentsReady } from "./DocumentIntake";
import { tradeMismatches } from "../../proofs/tradeCheck";
import type { TradeMismatch } from "../../proofs/tradeCheck";
import type { Translate } from "../lib/i18n";

/** What the clerk confirms before the irreversible transfer is sent. */
interface PendingTransfer {
  amount: bigint;
  recipient: string;
  tokenId: string;
  anchor: string | null;
  maturity: string;
  invoiceNumber: string;
  invoiceTotal: bigint;
  waybillNumber: string;
}

/** One mismatch between the documents and the transfer, as a sentence in the page's language. */
function mismatchSentence(mismatch: TradeMismatch, t: Translate, memberName: (memberId: number | null) => string): string {
  switch (mismatch.code) {
    case "SELLER_NOT_RECIPIENT":
      return t("precheck.sellerNotRecipient", { seller: memberName(mismatch.sellerMemberId), recipient: memberName(mismatch.recipientMemberId) });
    case "BUYER_NOT_SENDER":
      return t("precheck.buyerNotSender", { buyer: memberName(mismatch.buyerMemberId) });
    case "TOTAL_BELOW_AMOUNT":
      return t("precheck.totalBelowAmount", { total: cny(mismatch.total), amount: cny(mismatch.amount) });
    case "CURRENCY_MISMATCH":
      return t("precheck.currency", { invoice: mismatch.invoiceCurrency, piece: mismatch.pieceCurrency });
    case "SHIPPER_NOT_SELLER":
      return t("precheck.shipperNotSeller", { shipper: memberName(mismatch.shipperMemberId), seller: memberName(mismatch.sellerMemberId) });
    case "CONSIGNEE_NOT_BUYER":
      return t("precheck.consigneeNotBuyer", { consignee: memberName(mismatch.consigneeMemberId), buyer: memberName(mismatch.buyerMemberId) });
    case "CARRIER_NOT_INDEPENDENT":
      return t("precheck.carrierNotIndependent", { carrier: memberName(mismatch.carrierMemberId) });
    case "WAYBILL_FOR_OTHER_INVOICE":
      return t("precheck.waybillOtherInvoice", { reference: mismatch.reference, number: mismatch.invoiceNumber });
    case "INVOICE_ALREADY_USED":
      return t("precheck.invoiceUsed", { piece: pieceName(mismatch.usedByTokenId) });
  }
}

/** Members a piece may go to: active suppliers and factors other than me. */
export function useRecipients() {
  const { members, session, nameOf } = useApp();
  return members
    .filter((member) => member.status === "ACTIVE" && (member.roles.includes("SUPPLIER") || member.roles.includes("FACTOR")) && member.memberId !== session.memberId)
    .flatMap((member) => member.accounts.map((account) => ({ account: getAddress(account), name: nameOf(account), memberId: member.memberId })));
}

/** Split a piece and pay a supplier with it, the trade's invoice and waybill attached and acknowledged. */
export function TransferPage() {
  const t = useT();
  const language = useLanguage();
  const { api, connection, config, memberOf, nameOf, members, session } = useApp();
  const recipients = useRecipients();
  const { data, reload } = useData((minBlock) => api.call("portfolio", { query: { minBlock: minBlock === null ? undefined : String(minBlock) } }), [api]);
  const [tokenId, setTokenId] = useState("");
  const [amountText, setAmountText] = useState("");
  const [recipient, setRecipient] = useState("");
  const [invoice, setInvoice] = useState<IntakeOutcome<InvoiceIntake> | null>(null);
  const [waybill, setWaybill] = useState<IntakeOutcome<WaybillIntake> | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingTransfer | null>(null);
  const { progress, error, setError, run, busy } = useAction();
  const memberName = (memberId: number | null): string => {
    const member = memberId === null ? undefined : members.find((entry) => entry.memberId === memberId);
    return member === undefined || member.accounts.length === 0 ? t("precheck.noMember") : nameOf(member.accounts[0]);
  };

  const pieces = (data?.pieces ?? []).filter((piece) => piece.status !== "overdue" && piece.status !== "repaid");
  const piece = pieces.find((entry) => entry.tokenId === tokenId);
  const amount = parseCny(amountText);
  const ready = documentsReady(invoice, waybill);
  void language;

  /**
   * Before anything is signed or sent: the documents must agree with this transfer as the verifier will require
   * (seller = recipient, buyer = me, total and currency cover the amount, the waybill carries this trade, the
   * invoice unused on chain). A mismatch is refused with its reasons; otherwise the clerk sees what will be sent.
   */
  const prepare = async (): Promise<void> => {
    setResult(null);
    setPending(null);
    if (piece === undefined || recipient === "" || ready === null) {
      setError({ message: t("transfer.pickAll"), reasons: [] });
      return;
    }
    if (amount === null || amount === 0n) {
      setError({ message: t("transfer.badAmount"), reasons: [] });
      return;
    }
    if (amount > BigInt(piece.value)) {
      setError({ message: t("transfer.tooMuch", { value: cny(piece.value) }), reasons: [] });
      return;
    }
    if (memberOf(ready.invoice.invoice.seller.account) === undefined) {
      setError({ message: t("err.notMember"), reasons: [] });
      return;
    }
    setError(null);
    const { receivableToken } = connection.contracts;
    const invoice = ready.invoice.invoice;
    const slot = slotOf(BigInt(piece.tokenId));
    const [terms, fingerprint] = await Promise.all([receivableToken.receivable(slot), receivableToken.invoiceFingerprintOf(invoice.seller.account, invoice.number)]);
    const invoiceUsedBy = await receivableToken.invoiceUse(fingerprint);
    const pieceCurrency = toUtf8String(terms.currency);
    const mismatches = tradeMismatches({
      invoice,
      waybill: ready.waybill.proof.waybill,
      senderMemberId: session.memberId,
      recipientMemberId: memberOf(recipient)?.memberId ?? null,
      amount,
      pieceCurrency,
      invoiceUsedBy,
    });
    if (mismatches.length > 0) {
      setError({ message: t("precheck.refused"), reasons: mismatches.map((mismatch) => mismatchSentence(mismatch, t, memberName)) });
      return;
    }
    setPending({
      amount,
      recipient,
      tokenId: piece.tokenId,
      anchor: piece.anchor,
      maturity: piece.maturity,
      invoiceNumber: invoice.number,
      invoiceTotal: invoice.total,
      waybillNumber: ready.waybill.proof.waybill.number,
    });
  };

  const send = async (): Promise<void> => {
    setResult(null);
    setPending(null);
    if (piece === undefined || recipient === "" || ready === null || amount === null) return;
    const steps = [
      ...(ready.invoice.buyerSignature === null ? (["transfer.stepAckInvoice"] as const) : []),
      ...(ready.waybill.pendingDelivery !== null ? (["transfer.stepAckDelivery"] as const) : []),
      "transfer.stepUpload" as const,
      "transfer.stepSend" as const,
      "transfer.stepMined" as const,
      "transfer.stepIndexed" as const,
    ];
    await run([...steps], async (step) => {
      const proof = await complete(api, connection.signer, BigInt(config.chainId), ready.invoice, ready.waybill, {
        onAcknowledgeInvoice: () => step("transfer.stepAckInvoice"),
        onAcknowledgeDelivery: () => step("transfer.stepAckDelivery"),
        onUpload: () => step("transfer.stepUpload"),
      });
      step("transfer.stepSend");
      const receivableToken = connection.contracts.receivableToken;
      const newTokenId = await receivableToken.transferWithProof.staticCall(BigInt(piece.tokenId), recipient, amount, proof);
      const sent = await receivableToken.transferWithProof(BigInt(piece.tokenId), recipient, amount, proof);
      step("transfer.stepMined");
      const receipt = await sent.wait();
      step("transfer.stepIndexed");
      await reload(receipt?.blockNumber ?? null);
      setResult(t("transfer.sent", { value: cny(amount), name: nameOf(recipient), piece: pieceName(newTokenId) }));
      setInvoice(null);
      setWaybill(null);
      setAmountText("");
    });
  };

  return (
    <main>
      <Section title={t("transfer.title")} testId="transfer-page">
        <p className="muted">{t("transfer.intro")}</p>
        <label>
          {t("transfer.piece")}
          <select value={tokenId} onChange={(event) => setTokenId(event.target.value)} data-testid="transfer-piece">
            <option value="">—</option>
            {pieces.map((entry) => (
              <option key={entry.tokenId} value={entry.tokenId}>
                {pieceName(entry.tokenId)} · {cny(entry.value)} · {nameOf(entry.anchor)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("transfer.amount")}
          <input value={amountText} onChange={(event) => setAmountText(event.target.value)} placeholder="100,000.00" inputMode="decimal" data-testid="transfer-amount" />
          {amount !== null && amount > 0n && <span className="muted"> = {cny(amount)}</span>}
        </label>
        <label>
          {t("transfer.recipient")}
          <select value={recipient} onChange={(event) => setRecipient(event.target.value)} data-testid="transfer-recipient">
            <option value="">—</option>
            {recipients.map((entry) => (
              <option key={entry.account} value={entry.account}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
        <DocumentInputs invoice={invoice} waybill={waybill} onInvoice={setInvoice} onWaybill={setWaybill} />
        <button type="button" disabled={busy || pending !== null} onClick={() => void prepare()} data-testid="transfer-send">
          {t("transfer.send")}
        </button>
        {pending !== null && (
          <div className="confirm card" role="dialog" aria-label={t("precheck.confirmTitle")} data-testid="transfer-confirmation">
            <h3>{t("precheck.confirmTitle")}</h3>
            <p data-testid="transfer-summary">
              {t("precheck.summary", {
                value: cny(pending.amount),
                recipient: nameOf(pending.recipient),
                piece: pieceName(pending.tokenId),
                anchor: nameOf(pending.anchor),
                date: dateOf(pending.maturity),
                invoice: pending.invoiceNumber,
                total: cny(pending.invoiceTotal),
                waybill: pending.waybillNumber,
              })}
            </p>
            <p className="muted">{t("precheck.irreversible")}</p>
            <button type="button" disabled={busy} onClick={() => void send()} data-testid="transfer-confirm">
              {t("precheck.confirm")}
            </button>{" "}
            <button type="button" className="secondary" disabled={busy} onClick={() => setPending(null)} data-testid="transfer-cancel">
              {t("precheck.cancel")}
            </button>
          </div>
        )}
        <Progress progress={progress} />
        <ErrorBox error={error} />
        {result !== null && (
          <p className="success" data-testid="transfer-result">
            {result}
          </p>
        )}
      </Section>
    </main>
  );
}
