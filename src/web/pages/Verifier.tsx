import { useApp } from "../app";
import { ErrorBox, FailureLine, Section } from "../components";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny, dateOf } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import { useData } from "../lib/useData";

/** The verifier's page: its key's address and standing, what it signed (recent first), what it refused and why. */
export function VerifierPage() {
  const t = useT();
  const { api, nameOf } = useApp();
  const view = useData(() => api.call("verifierJournal"), [api]);
  const data = view.data;
  return (
    <main>
      <Section title={t("verifier.title")} testId="verifier-page">
        <ErrorBox error={view.error} />
        {data === null ? (
          <p>{t("common.loading")}</p>
        ) : (
          <>
            <p data-testid="verifier-key">{data.address === null ? t("verifier.noKey") : t("verifier.key", { address: data.address })}</p>
            {data.standing !== null && (
              <p data-testid="verifier-standing" className={data.standing.active && data.standing.roles.includes("VERIFIER") ? "success" : "error"}>
                {data.standing.memberId === 0
                  ? t("verifier.notMember")
                  : t("verifier.standing", {
                      member: nameOf(data.address),
                      status: t(`verifier.status.${data.standing.active && data.standing.roles.includes("VERIFIER") ? "ok" : "bad"}`),
                      roles: data.standing.roles.map((role) => t(`role.${role}` as MessageKey)).join(", "),
                      date: dateOf(data.standing.kycValidUntil),
                    })}
              </p>
            )}
            <p className="muted">{t("verifier.threshold", { count: data.requiredVerifiers })}</p>
          </>
        )}
      </Section>
      <Section title={t("verifier.signed", { count: data?.attestations.length ?? 0 })} testId="verifier-attestations">
        {data !== null && data.attestations.length === 0 && <p className="muted">{t("verifier.noneSigned")}</p>}
        {data !== null && data.attestations.length > 0 && (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th>{t("verifier.col.when")}</th>
                  <th>{t("col.piece")}</th>
                  <th>{t("col.factor")}</th>
                  <th className="amount">{t("col.value")}</th>
                  <th className="amount">{t("finance.col.price")}</th>
                  <th>{t("verifier.col.fundingId")}</th>
                </tr>
              </thead>
              <tbody>
                {data.attestations.map((entry) => (
                  <tr key={entry.sequence} data-testid="verifier-attestation">
                    <td>{dateOf(entry.at)}</td>
                    <td>
                      <a href={`#/piece/${entry.tokenId}`}>{pieceName(entry.tokenId)}</a>
                    </td>
                    <td>{nameOf(entry.factor)}</td>
                    <td className="amount">{cny(entry.value)}</td>
                    <td className="amount">{cny(entry.price)}</td>
                    <td>
                      <code>{entry.outcome.signed ? `${entry.outcome.fundingId.slice(0, 12)}…` : ""}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title={t("verifier.refused", { count: data?.refusals.length ?? 0 })} testId="verifier-refusals">
        {data !== null && data.refusals.length === 0 && <p className="muted">{t("verifier.noneRefused")}</p>}
        {data?.refusals.map((entry) => (
          <div key={entry.sequence} className="quote" data-testid="verifier-refusal">
            <p>
              {dateOf(entry.at)} · {pieceName(entry.tokenId)} · {nameOf(entry.factor)} · {cny(entry.value)}
            </p>
            <ul>
              {!entry.outcome.signed &&
                entry.outcome.failures.map((failure) => (
                  <FailureLine
                    key={`${failure.code}-${failure.message}`}
                    failure={failure}
                    stepLabel={failure.step === undefined ? undefined : t("factor.step", { step: failure.step })}
                  />
                ))}
            </ul>
          </div>
        ))}
      </Section>
    </main>
  );
}
