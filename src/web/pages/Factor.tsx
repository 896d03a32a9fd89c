import { useState } from "react";
import { useApp } from "../app";
import { ErrorBox, FailureLine, Progress, Section, useAction } from "../components";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny, dateOf } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import type {
  AttestedJson as FundingCheckPassed,
  CheckFailureJson as CheckFailure,
  StoredFundingRequestJson as StoredRequest,
} from "../../api/wire/schemas";
import { useData } from "../lib/useData";
import { RequestTable } from "./Finance";
import { FactorRecoursePanel } from "./Recourse";
import { AnchorLineUse } from "./CreditLine";
import { OffersSection } from "./Offers";
import { usePolling } from "../lib/usePolling";
import { ClosedRequests, useDecline } from "./RequestLife";
import { DecisionRecord, FactorExposure } from "./Risk";
import { useFundConfirmation } from "./MoneyConfirm";
import { StandingCells, StandingHead } from "../Standing";

type CheckOutcome = { ok: true; passed: FundingCheckPassed } | { ok: false; failures: CheckFailure[] };

/** The factor's desk: requests waiting, the funding check with every failed reason, funding in one transaction, the book. */
export function FactorPage() {
  const t = useT();
  const { api, connection, config, session, nameOf } = useApp();
  const requests = useData(() => api.call("fundingRequests", { query: { as: "factor" } }), [api]);
  const book = useData(
    (minBlock) =>
      api.call("factorBook", { params: { address: session.address }, query: { minBlock: minBlock === null ? undefined : String(minBlock) } }),
    [api, session.address],
  );
  const [selected, setSelected] = useState<StoredRequest | null>(null);
  const [outcome, setOutcome] = useState<CheckOutcome | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const { progress, error, run, busy } = useAction();
  usePolling(requests.reload);
  const declining = useDecline(requests.reload);

  const check = async (request: StoredRequest): Promise<void> => {
    setSelected(request);
    setOutcome(null);
    setResult(null);
    await run(["factor.stepCheck"], async () => {
      // A refusal (422) is an answer too: every reason the verifier found.
      // The stored request is checked at its minimum price, and the outcome recorded for the holder to see.
      const answer = await api.request("checkFundingRequest", { params: { holder: request.holder, nonce: request.request.nonce } });
      setOutcome(answer.status === 200 ? { ok: true, passed: answer.body } : { ok: false, failures: answer.body.failures });
    });
  };

  const fund = async (request: StoredRequest, passed: FundingCheckPassed): Promise<void> => {
    const price = BigInt(passed.attestation.price);
    const { settlementToken, financing } = connection.contracts;
    const allowance = await settlementToken.allowance(connection.address, config.addresses.financing);
    const steps: MessageKey[] = [
      ...(allowance < price ? (["factor.stepApprove"] as MessageKey[]) : []),
      "factor.stepFund",
      "transfer.stepMined",
      "transfer.stepIndexed",
    ];
    await run(steps, async (step) => {
      if (allowance < price) {
        await (await settlementToken.approve(config.addresses.financing, price)).wait();
      }
      step("factor.stepFund");
      const [, fundedTokenId] = await financing.fund.staticCall(request.request, request.holderSignature, passed.attestation, [passed.signature]);
      const sent = await financing.fund(request.request, request.holderSignature, passed.attestation, [passed.signature]);
      step("transfer.stepMined");
      const receipt = await sent.wait();
      step("transfer.stepIndexed");
      await book.reload(receipt?.blockNumber ?? null);
      await requests.reload();
      setOutcome(null);
      setSelected(null);
      setResult(t("factor.funded", { price: cny(price), piece: pieceName(fundedTokenId) }));
    });
  };

  // Nothing is sent before the factor confirms who receives how much, of which piece, backed by which invoice.
  const fundStep = useFundConfirmation((request, passed) => void fund(request, passed));

  const waiting = (requests.data?.requests ?? []).filter((entry) => entry.state === "waiting" || entry.state === "checked");
  return (
    <main>
      <Section title={t("factor.title")} testId="factor-page">
        <ErrorBox error={requests.error} />
        <RequestTable
          requests={waiting}
          action={(entry) => (
            <div className="row">
              <AnchorLineUse tokenId={entry.request.tokenId} />
              <button type="button" className="secondary" disabled={busy} onClick={() => void check(entry)} data-testid="run-check">
                {t("factor.check")}
              </button>
              {declining.button(entry)}
            </div>
          )}
        />
        {declining.panel}
        <Progress progress={progress} />
        <ErrorBox error={error} />
        {selected !== null && outcome !== null && outcome.ok && (
          <div className="check-passed" data-testid="check-passed">
            <p className="success">{t("factor.passed", { price: cny(outcome.passed.attestation.price) })}</p>
            <AnchorLineUse tokenId={selected.request.tokenId} />
            <p data-testid="check-recourse">
              {t("col.recourse")}: {t(outcome.passed.attestation.withRecourse ? "recourse.with" : "recourse.without")}
            </p>
            <div>{t("factor.stepsChecked")}</div>
            <ul className="steps">
              {outcome.passed.steps.map((step) => (
                <li key={step.step} className={step.passed ? "ok" : "bad"}>
                  {step.passed ? "✓" : "✗"} {t("factor.step", { step: step.step })}: {pieceName(step.tokenId)} · {nameOf(step.from)} →{" "}
                  {nameOf(step.to)} · {cny(step.value)}
                </li>
              ))}
            </ul>
            <button type="button" disabled={busy || fundStep.open} onClick={() => void fundStep.ask(selected, outcome.passed)} data-testid="fund">
              {t("factor.fund", { price: cny(outcome.passed.attestation.price) })}
            </button>
            {fundStep.dialog(busy)}
          </div>
        )}
        {selected !== null && outcome !== null && !outcome.ok && (
          <div className="error" data-testid="check-failed">
            <strong>{t("factor.failed")}</strong>
            <ul>
              {outcome.failures.map((failure) => (
                <FailureLine
                  key={`${failure.code}-${failure.message}`}
                  failure={failure}
                  stepLabel={failure.step === undefined ? undefined : t("factor.step", { step: failure.step })}
                />
              ))}
            </ul>
          </div>
        )}
        {selected !== null && <DecisionRecord request={selected} />}
        {result !== null && (
          <p className="success" data-testid="fund-result">
            {result}
          </p>
        )}
        <p className="muted">{t("life.liveFactor")}</p>
        <ClosedRequests requests={requests.data?.closed ?? []} />
      </Section>
      <OffersSection version={book.data?.asOfBlock ?? null} />
      <Section title={t("factor.book")} testId="factor-book">
        <ErrorBox error={book.error} />
        {book.data === null && book.error === null && <p className="muted">{t("common.loading")}</p>}
        {book.data !== null && book.data.fundings.length === 0 && <p className="muted">{t("factor.bookEmpty")}</p>}
        {book.data !== null && book.data.fundings.length > 0 && (
          <>
            <p className="totals">
              {t("factor.bookTotals", { count: book.data.totals.fundings, value: cny(book.data.totals.value), price: cny(book.data.totals.price) })}
            </p>
            <div className="table-scroll">
              <table data-testid="book-table">
                <thead>
                  <tr>
                    <th>{t("col.piece")}</th>
                    <th>{t("col.seller")}</th>
                    <th>{t("col.maturity")}</th>
                    <th className="amount">{t("col.value")}</th>
                    <th className="amount">{t("col.pricePaid")}</th>
                    <StandingHead />
                  </tr>
                </thead>
                <tbody>
                  {book.data.fundings.map((row) => (
                    <tr key={row.fundingId} data-testid={`book-${pieceName(row.fundedTokenId)}`}>
                      <td>
                        <a href={`#/piece/${row.fundedTokenId}`}>{pieceName(row.fundedTokenId)}</a>
                      </td>
                      <td>
                        {nameOf(row.holder)}
                        <span className="figure-note muted left">{t(row.withRecourse ? "recourse.with" : "recourse.without")}</span>
                      </td>
                      <td>{row.maturity === null ? t("common.none") : dateOf(row.maturity)}</td>
                      <td className="amount">{cny(row.value)}</td>
                      <td className="amount">{cny(row.price)}</td>
                      <StandingCells value={row.value} standing={row.standing} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="muted small">{t("common.asOf", { block: book.data.asOfBlock })}</p>
          </>
        )}
      </Section>
      <FactorExposure reloadKey={book.data?.asOfBlock ?? 0} />
      <FactorRecoursePanel fundings={book.data?.fundings ?? []} reloadKey={book.data?.asOfBlock ?? 0} />
    </main>
  );
}
