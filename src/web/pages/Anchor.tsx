import { useState } from "react";
import { getAddress } from "ethers";
import { useApp } from "../app";
import { ErrorBox, Progress, Section, useAction } from "../components";
import { chainNow } from "../lib/chain";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { complete } from "../lib/intake";
import type { IntakeOutcome, InvoiceIntake, WaybillIntake } from "../lib/intake";
import { cny, dateOf, parseCny } from "../lib/money";
import { useData } from "../lib/useData";
import { DocumentInputs, documentsReady } from "./DocumentIntake";
import { CreditLineCard } from "./CreditLine";
import { RepayCover } from "./RepayCover";
import { firstPieceOf } from "../../chain/tokenId";
import { useRepayConfirmation } from "./MoneyConfirm";
import type { ObligationsJson } from "../../api/wire/schemas";
import { DebtBadge } from "../Standing";

const DAY = 86_400n;
const CNY_CODE = "0x434e59";

/** The anchor confirms a receivable from an invoice and a waybill, sees what it owes by date, and repays. */
export function AnchorPage() {
  const t = useT();
  const { api, connection, config, session, memberOf, nameOf } = useApp();
  const owed = useData(
    (minBlock) =>
      api.call("obligations", { params: { address: session.address }, query: { minBlock: minBlock === null ? undefined : String(minBlock) } }),
    [api, session.address],
  );
  const [invoice, setInvoice] = useState<IntakeOutcome<InvoiceIntake> | null>(null);
  const [waybill, setWaybill] = useState<IntakeOutcome<WaybillIntake> | null>(null);
  const [daysText, setDaysText] = useState("90");
  const [repayText, setRepayText] = useState<Record<string, string>>({});
  const [result, setResult] = useState<string | null>(null);
  const { progress, error, setError, run, busy } = useAction();
  const ready = documentsReady(invoice, waybill);

  const confirm = async (): Promise<void> => {
    setResult(null);
    const days = BigInt(/^[0-9]{1,4}$/u.test(daysText) ? daysText : "0");
    if (ready === null || days === 0n) {
      setError({ message: t("transfer.pickAll"), reasons: [] });
      return;
    }
    const supplier = getAddress(ready.invoice.invoice.seller.account);
    if (memberOf(supplier) === undefined) {
      setError({ message: t("err.notMember"), reasons: [] });
      return;
    }
    const steps: MessageKey[] = [
      ...(ready.invoice.buyerSignature === null ? (["transfer.stepAckInvoice"] as MessageKey[]) : []),
      ...(ready.waybill.pendingDelivery !== null ? (["transfer.stepAckDelivery"] as MessageKey[]) : []),
      "transfer.stepUpload",
      "anchor.stepConfirm",
      "transfer.stepMined",
      "transfer.stepIndexed",
    ];
    await run(steps, async (step) => {
      const proof = await complete(api, connection.signer, BigInt(config.chainId), ready.invoice, ready.waybill, {
        onAcknowledgeInvoice: () => step("transfer.stepAckInvoice"),
        onAcknowledgeDelivery: () => step("transfer.stepAckDelivery"),
        onUpload: () => step("transfer.stepUpload"),
      });
      step("anchor.stepConfirm");
      const faceValue = ready.invoice.invoice.total;
      const maturity = (await chainNow(connection)) + days * DAY;
      const confirmation = { supplier, faceValue, maturity, currency: CNY_CODE, ...proof };
      const [slot] = await connection.contracts.receivableToken.confirm.staticCall(confirmation);
      const sent = await connection.contracts.receivableToken.confirm(confirmation);
      step("transfer.stepMined");
      const receipt = await sent.wait();
      step("transfer.stepIndexed");
      await owed.reload(receipt?.blockNumber ?? null);
      setResult(t("anchor.confirmed", { slot, value: cny(faceValue), date: dateOf(maturity) }));
      setInvoice(null);
      setWaybill(null);
    });
  };

  /** Before repaying: a valid amount, then the confirmation step; `repay` runs only once the anchor confirms. */
  const askRepay = async (row: ObligationsJson["receivables"][number]): Promise<void> => {
    setResult(null);
    const amount = parseCny(repayText[row.slot] ?? "");
    if (amount === null || amount === 0n) {
      setError({ message: t("transfer.badAmount"), reasons: [] });
      return;
    }
    setError(null);
    await repayStep.ask(row, amount);
  };

  const repay = async (slot: string, amount: bigint): Promise<void> => {
    setResult(null);
    const { settlementToken, settlement } = connection.contracts;
    const allowance = await settlementToken.allowance(connection.address, config.addresses.settlement);
    const steps: MessageKey[] = [
      ...(allowance < amount ? (["anchor.stepApprove"] as MessageKey[]) : []),
      "anchor.stepRepay",
      "transfer.stepMined",
      "transfer.stepIndexed",
    ];
    await run(steps, async (step) => {
      if (allowance < amount) await (await settlementToken.approve(config.addresses.settlement, amount)).wait();
      step("anchor.stepRepay");
      await settlement.repay.staticCall(BigInt(slot), amount);
      const sent = await settlement.repay(BigInt(slot), amount);
      step("transfer.stepMined");
      const receipt = await sent.wait();
      step("transfer.stepIndexed");
      await owed.reload(receipt?.blockNumber ?? null);
      setResult(t("anchor.repaid", { value: cny(amount), slot }));
    });
  };

  const repayStep = useRepayConfirmation((slot, amount) => void repay(slot, amount));
  const anchorId = memberOf(session.address)?.memberId;
  return (
    <main>
      {anchorId !== undefined && (
        <Section title={t("line.title")} testId="anchor-line">
          <CreditLineCard anchorId={anchorId} version={owed.data} />
        </Section>
      )}
      <Section title={t("anchor.owes")} testId="anchor-page">
        <ErrorBox error={owed.error} />
        {owed.data !== null && owed.data.receivables.length === 0 && <p className="muted">{t("anchor.none")}</p>}
        {owed.data !== null && owed.data.receivables.length > 0 && (
          <>
            <p className="totals">{t("anchor.total", { value: cny(owed.data.outstanding) })}</p>
            <RepayCover owed={BigInt(owed.data.outstanding)} asOfBlock={owed.data.asOfBlock} />
            <div className="table-scroll">
              <table data-testid="obligations-table">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>{t("col.maturity")}</th>
                    <th>{t("col.supplier")}</th>
                    <th className="amount">{t("col.confirmed")}</th>
                    <th className="amount">{t("col.repaid")}</th>
                    <th className="amount">{t("col.outstanding")}</th>
                    <th>{t("col.overdueSince")}</th>
                    <th>{t("col.status")}</th>
                    <th>{t("anchor.repayAmount")}</th>
                  </tr>
                </thead>
                <tbody>
                  {owed.data.receivables.map((row) => (
                    <tr key={row.slot} data-testid={`debt-${row.slot}`}>
                      <td>
                        <a href={`#/piece/${firstPieceOf(BigInt(row.slot))}`}>{row.slot}</a>
                      </td>
                      <td>{dateOf(row.maturity)}</td>
                      <td>{nameOf(row.supplier)}</td>
                      <td className="amount">{cny(row.faceValue)}</td>
                      <td className="amount">{cny(row.repaid)}</td>
                      <td className="amount" data-testid="outstanding">
                        {cny(row.outstanding)}
                      </td>
                      <td data-testid="overdue-since">{row.overdueSince === null ? t("common.none") : dateOf(row.overdueSince)}</td>
                      <td>
                        <DebtBadge state={row.state} />
                      </td>
                      <td className="row">
                        <input
                          className="narrow"
                          value={repayText[row.slot] ?? ""}
                          placeholder="0.00"
                          onChange={(event) => setRepayText({ ...repayText, [row.slot]: event.target.value })}
                          data-testid={`repay-amount-${row.slot}`}
                        />
                        <button
                          type="button"
                          className="secondary"
                          disabled={busy || repayStep.open || row.fullyRepaid}
                          onClick={() => void askRepay(row)}
                          data-testid={`repay-${row.slot}`}
                        >
                          {t("anchor.repay")}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="muted small">{t("common.asOf", { block: owed.data.asOfBlock })}</p>
          </>
        )}
        {repayStep.dialog(busy)}
      </Section>
      <Progress progress={progress} />
      <ErrorBox error={error} />
      {result !== null && (
        <p className="success card" data-testid="anchor-result">
          {result}
        </p>
      )}
      <Section title={t("anchor.title")}>
        <p className="muted">{t("anchor.intro")}</p>
        <DocumentInputs invoice={invoice} waybill={waybill} onInvoice={setInvoice} onWaybill={setWaybill} />
        {ready !== null && (
          <p>
            {t("anchor.supplier")}: {nameOf(ready.invoice.invoice.seller.account)} · {t("col.faceValue")}: {cny(ready.invoice.invoice.total)}
          </p>
        )}
        <label>
          {t("anchor.days")}
          <input className="narrow" value={daysText} onChange={(event) => setDaysText(event.target.value)} data-testid="anchor-days" />
        </label>
        <button type="button" disabled={busy} onClick={() => void confirm()} data-testid="anchor-confirm">
          {t("anchor.confirm")}
        </button>
      </Section>
    </main>
  );
}
