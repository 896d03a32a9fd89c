import { useState } from "react";
import { getAddress } from "ethers";
import { useApp } from "../app";
import { ActionOutcome, Section, useAction, useNames } from "../components";
import { useLanguage, useT } from "../lib/i18n";
import { complete } from "../lib/intake";
import type { IntakeOutcome, InvoiceIntake, WaybillIntake } from "../lib/intake";
import { cny, dateOf, parseCny } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import { useData } from "../lib/useData";
import { DocumentInputs, documentsReady } from "./DocumentIntake";
import { invoiceToWire } from "../../proofs/invoice";
import { logisticsProofToWire } from "../../proofs/logistics";
import { explain } from "../lib/errors";
import { transferFailureSentence } from "../lib/transferFailures";
import { ConfirmStep } from "../ConfirmStep";

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

/** Members a piece may go to: active suppliers and factors other than me. */
export function useRecipients() {
  const { members, session, nameOf } = useApp();
  return members
    .filter(
      (member) =>
        member.status === "ACTIVE" && (member.roles.includes("SUPPLIER") || member.roles.includes("FACTOR")) && member.memberId !== session.memberId,
    )
    .flatMap((member) => member.accounts.map((account) => ({ account: getAddress(account), name: nameOf(account), memberId: member.memberId })));
}

/** Split a piece and pay a supplier with it, the trade's invoice and waybill attached and acknowledged. */
export function TransferPage() {
  const t = useT();
  const language = useLanguage();
  const names = useNames();
  const { api, connection, config, memberOf, nameOf, members } = useApp();
  const recipients = useRecipients();
  const { data, reload } = useData(
    (minBlock) => api.call("portfolio", { query: { minBlock: minBlock === null ? undefined : String(minBlock) } }),
    [api],
  );
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
    const invoice = ready.invoice.invoice;
    // The API runs the checks the verifier will run for this step, with the chain facts (the piece's owner and
    // currency, the invoice's use on chain): the same pre-check any client gets from POST /v1/transfer-checks.
    let verdict;
    try {
      verdict = await api.call("transferCheck", {
        body: {
          tokenId: piece.tokenId,
          recipient,
          amount: amount.toString(),
          invoice: invoiceToWire(invoice),
          waybill: logisticsProofToWire(ready.waybill.proof).waybill,
        },
      });
    } catch (caught) {
      setError(explain(caught, t, language, names));
      return;
    }
    if (!verdict.ok) {
      setError({
        message: t("precheck.refused"),
        reasons: verdict.failures.map((failure) => transferFailureSentence(failure, t, memberName, nameOf)),
      });
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
          <input
            value={amountText}
            onChange={(event) => setAmountText(event.target.value)}
            placeholder="100,000.00"
            inputMode="decimal"
            data-testid="transfer-amount"
          />
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
          <ConfirmStep
            testId="transfer"
            title={t("precheck.confirmTitle")}
            summary={t("precheck.summary", {
              value: cny(pending.amount),
              recipient: nameOf(pending.recipient),
              piece: pieceName(pending.tokenId),
              anchor: nameOf(pending.anchor),
              date: dateOf(pending.maturity),
              invoice: pending.invoiceNumber,
              total: cny(pending.invoiceTotal),
              waybill: pending.waybillNumber,
            })}
            note={t("precheck.irreversible")}
            confirmLabel={t("precheck.confirm")}
            busy={busy}
            onConfirm={() => void send()}
            onCancel={() => setPending(null)}
          />
        )}
        <ActionOutcome progress={progress} error={error} result={result} testId="transfer-result" />
      </Section>
    </main>
  );
}
