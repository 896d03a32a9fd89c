import { useState } from "react";
import type { ComponentType, ReactNode } from "react";
import { useApp } from "../app";
import { ActionOutcome, FailureLine, useAction } from "../components";
import { useT } from "../lib/i18n";
import { cny, dateOf } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import { DECLINE_REASON_MAX } from "../../api/wire/schemas";
import type { StoredFundingRequestJson as StoredRequest } from "../../api/wire/schemas";

/**
 * A funding request's life on both sides (issue 18 item 7): the holder sees each request's state as the factor
 * answers (checked, with what failed; declined, with the reason) and withdraws one on chain after a confirmation;
 * the factor declines with a reason and sees what closed lately. The pages poll (lib/usePolling.ts), so both sides
 * see a change without reloading.
 */

type Table = ComponentType<{ requests: StoredRequest[]; action?: (request: StoredRequest) => ReactNode }>;

/** A request is one holder's nonce to one factor (one nonce may go to several factors). */
const keyOf = (entry: StoredRequest): string => `${entry.holder}-${entry.request.nonce}-${entry.request.factor}`;

/** What the factor said about a request: its check (and what failed) and its refusal, if any. */
export function RequestNotes({ requests }: { requests: StoredRequest[] }) {
  const t = useT();
  const { nameOf } = useApp();
  const noted = requests.filter((entry) => entry.check !== undefined || entry.declined !== undefined);
  if (noted.length === 0) return null;
  return (
    <ul className="request-notes" data-testid="request-notes">
      {noted.map((entry) => (
        <li key={keyOf(entry)} data-testid={`request-note-${pieceName(entry.request.tokenId)}`}>
          <strong>
            {pieceName(entry.request.tokenId)} · {nameOf(entry.request.factor)} · {t(`state.${entry.state}`)}
          </strong>
          {entry.declined !== undefined && (
            <div data-testid="request-declined-reason">
              {t("life.declinedWhy", { factor: nameOf(entry.request.factor), reason: entry.declined.reason })}
            </div>
          )}
          {entry.declined === undefined && entry.check !== undefined && (
            <div className={entry.check.passed ? "success" : "error"}>
              {t(entry.check.passed ? "life.checkPassed" : "life.checkFailed")}
              {!entry.check.passed && (
                <ul>
                  {entry.check.failures.map((failure) => (
                    <FailureLine
                      key={`${failure.code}-${failure.step ?? ""}-${failure.message}`}
                      failure={failure}
                      stepLabel={failure.step === undefined ? undefined : t("factor.step", { step: failure.step })}
                    />
                  ))}
                </ul>
              )}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Whether the holder may still withdraw the request on chain: its nonce unused and its deadline ahead. */
function withdrawable(entry: StoredRequest): boolean {
  return entry.state === "waiting" || entry.state === "checked" || entry.state === "declined";
}

/** The holder's requests: each state as it changes, what the factor said, and withdrawal on chain after a confirmation. */
export function HolderRequests({ requests, reload, table: RequestTable }: { requests: StoredRequest[]; reload: () => Promise<void>; table: Table }) {
  const t = useT();
  const { connection, nameOf } = useApp();
  const [picked, setPicked] = useState<StoredRequest | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const { progress, error, run, busy } = useAction();

  const withdraw = async (entry: StoredRequest): Promise<void> => {
    setResult(null);
    await run(["life.withdrawStep", "transfer.stepMined"], async (step) => {
      const { financing } = connection.contracts;
      const nonce = BigInt(entry.request.nonce);
      // Asked first: a request funded or withdrawn meanwhile is refused here, before the wallet is asked.
      await financing.invalidateNonce.staticCall(nonce);
      const sent = await financing.invalidateNonce(nonce);
      step("transfer.stepMined");
      await sent.wait();
      await reload();
      setPicked(null);
      setResult(t("life.withdrawn", { factor: nameOf(entry.request.factor), piece: pieceName(entry.request.tokenId) }));
    });
  };

  return (
    <>
      <p className="muted">{t("life.live")}</p>
      <RequestTable
        requests={requests}
        action={(entry) =>
          withdrawable(entry) ? (
            <button type="button" className="secondary" disabled={busy} onClick={() => setPicked(entry)} data-testid="request-withdraw">
              {t("life.withdraw")}
            </button>
          ) : null
        }
      />
      <RequestNotes requests={requests} />
      {picked !== null && (
        <div className="confirm card" role="dialog" aria-label={t("life.withdrawTitle")} data-testid="withdraw-confirmation">
          <h3>{t("life.withdrawTitle")}</h3>
          <p>
            {t("life.withdrawText", {
              factor: nameOf(picked.request.factor),
              value: cny(picked.request.value),
              piece: pieceName(picked.request.tokenId),
              price: cny(picked.request.minPrice),
            })}
          </p>
          {picked.state === "declined" && (
            <p className="muted">{t("life.withdrawDeclined", { factor: nameOf(picked.request.factor), date: dateOf(picked.request.deadline) })}</p>
          )}
          <div className="row">
            <button type="button" disabled={busy} onClick={() => void withdraw(picked)} data-testid="withdraw-confirm">
              {t("life.withdrawConfirm")}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setPicked(null)}>
              {t("life.cancel")}
            </button>
          </div>
        </div>
      )}
      <ActionOutcome progress={progress} error={error} result={result} testId="withdraw-result" />
    </>
  );
}

/** The factor's refusal: a Decline… button per request, and the form for the reason below the table. */
export function useDecline(reload: () => Promise<void>) {
  const t = useT();
  const { api, nameOf } = useApp();
  const [picked, setPicked] = useState<StoredRequest | null>(null);
  const [reason, setReason] = useState("");
  const [result, setResult] = useState<string | null>(null);
  const { progress, error, setError, run, busy } = useAction();

  const decline = async (entry: StoredRequest): Promise<void> => {
    setResult(null);
    if (reason.trim() === "") {
      setError({ message: t("life.declineEmpty"), reasons: [] });
      return;
    }
    await run(["life.declineStep"], async () => {
      await api.call("declineFundingRequest", { params: { holder: entry.holder, nonce: entry.request.nonce }, body: { reason: reason.trim() } });
      await reload();
      setPicked(null);
      setReason("");
      setResult(t("life.declined", { holder: nameOf(entry.holder) }));
    });
  };

  const button = (entry: StoredRequest) => (
    <button type="button" className="secondary" disabled={busy} onClick={() => setPicked(entry)} data-testid="request-decline">
      {t("life.decline")}
    </button>
  );
  const panel = (
    <>
      {picked !== null && (
        <div className="confirm card" role="dialog" aria-label={t("life.decline")} data-testid="decline-form">
          <h3>
            {t("life.declineTitle", { holder: nameOf(picked.holder), piece: pieceName(picked.request.tokenId), value: cny(picked.request.value) })}
          </h3>
          <label>
            {t("life.declineReason")}
            <textarea
              value={reason}
              maxLength={DECLINE_REASON_MAX}
              rows={3}
              onChange={(event) => setReason(event.target.value)}
              data-testid="decline-reason"
            />
          </label>
          <div className="row">
            <button type="button" disabled={busy} onClick={() => void decline(picked)} data-testid="decline-send">
              {t("life.declineSend")}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setPicked(null)}>
              {t("life.cancel")}
            </button>
          </div>
        </div>
      )}
      <ActionOutcome progress={progress} error={error} result={result} testId="decline-result" />
    </>
  );
  return { button, panel };
}

/** Requests to the factor that closed lately (funded, declined, withdrawn, expired), newest first. */
export function ClosedRequests({ requests }: { requests: StoredRequest[] }) {
  const t = useT();
  const { nameOf } = useApp();
  return (
    <div data-testid="closed-requests">
      <h3>{t("life.closedTitle")}</h3>
      {requests.length === 0 ? (
        <p className="muted">{t("life.closedNone")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("col.piece")}</th>
              <th>{t("col.holder")}</th>
              <th className="amount">{t("col.value")}</th>
              <th className="amount">{t("col.minPrice")}</th>
              <th>{t("col.state")}</th>
            </tr>
          </thead>
          <tbody>
            {requests.map((entry) => (
              <tr key={keyOf(entry)} data-testid={`closed-${pieceName(entry.request.tokenId)}`}>
                <td>
                  <a href={`#/piece/${entry.request.tokenId}`}>{pieceName(entry.request.tokenId)}</a>
                </td>
                <td>{nameOf(entry.holder)}</td>
                <td className="amount">{cny(entry.request.value)}</td>
                <td className="amount">{cny(entry.request.minPrice)}</td>
                <td data-testid="closed-state">{t(`state.${entry.state}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
