import { useState } from "react";
import type { FundingAttestation } from "../../chain/funding";
import { useApp } from "../app";
import { ActionOutcome, ErrorBox, Section, useAction } from "../components";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny, cnyFigure, parseCny } from "../lib/money";
import { pieceName, slotOf } from "../../chain/tokenId";
import type { Contracts } from "../lib/chain";
import type { FundingRowJson as FundingRow } from "../../api/wire/schemas";
import { useData } from "../lib/useData";

/**
 * Recourse that settles (追索), each side of it, read from the chain itself: the factor sees, for every piece it bought
 * with recourse, whether the receivable is overdue, what is unpaid and what the seller has paid, and demands recourse;
 * the seller sees every demand against it and pays part or all of what is due, after a confirmation step. The
 * funding's attestation (which both contract calls take) is read back from the funding transaction's calldata.
 */

/** The attestation a funding used, as `Financing.fund` received it. */
type Attestation = FundingAttestation;

/** `IFinancing.Recourse`. */
const RECOURSE_AVAILABLE = 1n;
const RECOURSE_DEMANDED = 2n;

interface RecourseLine {
  fundingId: string;
  fundedTokenId: bigint;
  attestation: Attestation;
  /** 1 available (not yet demanded), 2 demanded. */
  state: bigint;
  overdue: boolean;
  due: bigint;
  paid: bigint;
  returned: bigint;
}

async function attestationOf(
  connection: { provider: { getTransaction(hash: string): Promise<{ data: string } | null> }; contracts: Contracts },
  transactionHash: string,
): Promise<Attestation> {
  const tx = await connection.provider.getTransaction(transactionHash);
  if (tx === null) throw new Error(`the funding transaction ${transactionHash} is not on this chain`);
  const decoded = connection.contracts.financing.interface.decodeFunctionData("fund", tx.data);
  const a = decoded[2] as unknown as Attestation;
  return {
    tokenId: a.tokenId,
    holder: a.holder,
    factor: a.factor,
    value: a.value,
    price: a.price,
    invoiceHash: a.invoiceHash,
    logisticsHash: a.logisticsHash,
    tradeProofHash: a.tradeProofHash,
    withRecourse: a.withRecourse,
    deadline: a.deadline,
    nonce: a.nonce,
  };
}

async function lineOf(contracts: Contracts, fundingId: string, fundedTokenId: bigint, attestation: Attestation): Promise<RecourseLine> {
  const { financing, settlement } = contracts;
  const [record, overdue, due, account] = await Promise.all([
    financing.funding(attestation.holder, attestation.nonce),
    settlement.isOverdue(slotOf(fundedTokenId)),
    settlement.recourseDue(fundedTokenId),
    settlement.recourseOf(fundedTokenId),
  ]);
  return { fundingId, fundedTokenId, attestation, state: record.recourse, overdue, due, paid: account.paid, returned: account.returned };
}

function stateText(t: ReturnType<typeof useT>, line: RecourseLine): string {
  if (line.state === RECOURSE_DEMANDED) return t(line.due === 0n ? "recourse.settled" : "recourse.demanded");
  return t(line.overdue ? "recourse.demandable" : "recourse.notYet");
}

/** The factor desk's recourse panel: every piece bought with recourse, and the demand. */
export function FactorRecoursePanel({ fundings, reloadKey }: { fundings: FundingRow[]; reloadKey: number }) {
  const t = useT();
  const { connection, nameOf } = useApp();
  const { progress, error, run, busy } = useAction();
  const [result, setResult] = useState<string | null>(null);
  const withRecourse = fundings.filter((row) => row.withRecourse);
  const lines = useData(
    async () =>
      Promise.all(
        withRecourse.map(async (row) =>
          lineOf(connection.contracts, row.fundingId, BigInt(row.fundedTokenId), await attestationOf(connection, row.transactionHash)),
        ),
      ),
    [connection, withRecourse.map((row) => row.fundingId).join(","), reloadKey],
  );

  const demand = async (line: RecourseLine): Promise<void> => {
    setResult(null);
    await run(["recourse.stepDemand", "transfer.stepMined"], async (step) => {
      step("recourse.stepDemand");
      const sent = await connection.contracts.financing.recordRecourse(line.attestation);
      step("transfer.stepMined");
      await sent.wait();
      await lines.reload();
      setResult(t("recourse.demandedDone", { piece: pieceName(line.fundedTokenId), seller: nameOf(line.attestation.holder), due: cny(line.due) }));
    });
  };

  if (withRecourse.length === 0) return null;
  return (
    <Section title={t("recourse.factorTitle")} testId="factor-recourse">
      <ErrorBox error={lines.error} />
      <table>
        <thead>
          <tr>
            <th>{t("col.piece")}</th>
            <th>{t("col.seller")}</th>
            <th className="amount">{t("col.value")}</th>
            <th className="amount">{t("recourse.unpaid")}</th>
            <th className="amount">{t("recourse.paid")}</th>
            <th>{t("col.status")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(lines.data ?? []).map((line) => (
            <tr key={line.fundingId} data-testid={`recourse-${pieceName(line.fundedTokenId)}`}>
              <td>{pieceName(line.fundedTokenId)}</td>
              <td>{nameOf(line.attestation.holder)}</td>
              <td className="amount">{cny(line.attestation.value)}</td>
              <td className="amount" data-testid="recourse-due">
                {cny(line.due)}
              </td>
              <td className="amount" data-testid="recourse-paid">
                {cny(line.paid)}
              </td>
              <td data-testid="recourse-state">{stateText(t, line)}</td>
              <td>
                {line.state === RECOURSE_AVAILABLE && line.overdue && (
                  <button type="button" className="secondary" disabled={busy} onClick={() => void demand(line)} data-testid="demand-recourse">
                    {t("recourse.demand")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{t("recourse.factorNote")}</p>
      <ActionOutcome progress={progress} error={error} result={result} testId="recourse-result" />
    </Section>
  );
}

/** The seller's side: every recourse demanded from it, what is due, and the payment after a confirmation. */
export function SellerRecoursePanel() {
  const t = useT();
  const { connection, config, session, nameOf } = useApp();
  const { progress, error, run, busy } = useAction();
  const [amountText, setAmountText] = useState<Record<string, string>>({});
  const [review, setReview] = useState<{ line: RecourseLine; amount: bigint } | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const lines = useData(async () => {
    const { financing, registry } = connection.contracts;
    const memberId = await registry.memberIdOf(session.address);
    if (memberId === 0n) return [];
    const demands = await financing.queryFilter(financing.filters.RecourseRecorded(undefined, undefined, memberId));
    return Promise.all(
      demands.map(async (demandEvent) => {
        const [funded] = await financing.queryFilter(financing.filters.Funded(demandEvent.args.fundingId));
        if (funded === undefined) throw new Error(`no funding ${demandEvent.args.fundingId}`);
        return lineOf(
          connection.contracts,
          demandEvent.args.fundingId,
          demandEvent.args.fundedTokenId,
          await attestationOf(connection, funded.transactionHash),
        );
      }),
    );
  }, [connection, session.address]);

  const ask = (line: RecourseLine): void => {
    setResult(null);
    const text = amountText[line.fundingId] ?? "";
    const amount = text.trim() === "" ? line.due : parseCny(text);
    if (amount === null || amount <= 0n || amount > line.due) {
      setReview(null);
      setResult(t("recourse.badAmount", { due: cny(line.due) }));
      return;
    }
    setReview({ line, amount });
  };

  const pay = async (line: RecourseLine, amount: bigint): Promise<void> => {
    const { settlementToken: currency, financing } = connection.contracts;
    const allowance = await currency.allowance(connection.address, config.addresses.financing);
    const steps: MessageKey[] = [...(allowance < amount ? (["factor.stepApprove"] as MessageKey[]) : []), "recourse.stepPay", "transfer.stepMined"];
    await run(steps, async (step) => {
      if (allowance < amount) await (await currency.approve(config.addresses.financing, amount)).wait();
      step("recourse.stepPay");
      const sent = await financing.payRecourse(line.attestation, amount);
      step("transfer.stepMined");
      await sent.wait();
      setReview(null);
      await lines.reload();
      setResult(t("recourse.paidDone", { amount: cny(amount), factor: nameOf(line.attestation.factor), piece: pieceName(line.fundedTokenId) }));
    });
  };

  const data = lines.data ?? [];
  if (data.length === 0 && lines.error === null) return null;
  return (
    <Section title={t("recourse.sellerTitle")} testId="seller-recourse">
      <ErrorBox error={lines.error} />
      <p className="muted">{t("recourse.sellerNote")}</p>
      <table>
        <thead>
          <tr>
            <th>{t("col.piece")}</th>
            <th>{t("finance.factor")}</th>
            <th className="amount">{t("col.value")}</th>
            <th className="amount">{t("recourse.unpaid")}</th>
            <th className="amount">{t("recourse.paid")}</th>
            <th className="amount">{t("recourse.returned")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.map((line) => (
            <tr key={line.fundingId} data-testid={`owed-${pieceName(line.fundedTokenId)}`}>
              <td>{pieceName(line.fundedTokenId)}</td>
              <td>{nameOf(line.attestation.factor)}</td>
              <td className="amount">{cny(line.attestation.value)}</td>
              <td className="amount" data-testid="recourse-due">
                {cny(line.due)}
              </td>
              <td className="amount" data-testid="recourse-paid">
                {cny(line.paid)}
              </td>
              <td className="amount">{cny(line.returned)}</td>
              <td>
                {line.due > 0n && (
                  <span className="inline-form">
                    <input
                      value={amountText[line.fundingId] ?? ""}
                      placeholder={cnyFigure(line.due)}
                      onChange={(event) => setAmountText({ ...amountText, [line.fundingId]: event.target.value })}
                      data-testid="recourse-amount"
                    />
                    <button type="button" className="secondary" disabled={busy} onClick={() => ask(line)} data-testid="pay-recourse">
                      {t("recourse.pay")}
                    </button>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {review !== null && (
        <div className="confirm" data-testid="recourse-confirm">
          <p>
            {t("recourse.confirmText", {
              amount: cny(review.amount),
              factor: nameOf(review.line.attestation.factor),
              piece: pieceName(review.line.fundedTokenId),
              due: cny(review.line.due),
            })}
          </p>
          <button type="button" disabled={busy} onClick={() => void pay(review.line, review.amount)} data-testid="recourse-confirm-pay">
            {t("recourse.confirmPay", { amount: cny(review.amount) })}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => setReview(null)}>
            {t("recourse.cancel")}
          </button>
        </div>
      )}
      <ActionOutcome progress={progress} error={error} result={result} testId="recourse-result" />
    </Section>
  );
}
