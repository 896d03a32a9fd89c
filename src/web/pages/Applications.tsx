import { useState } from "react";
import type { Role } from "../../chain/roles";
import { signRefusal } from "../../onboarding/application";
import { useApp } from "../app";
import { ErrorBox, Progress, Section, useAction } from "../components";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { dateOf } from "../lib/money";
import type { ApplicationViewJson as ApplicationView } from "../../api/wire/schemas";
import { useData } from "../lib/useData";

/** What an application fills into the admit form. */
export interface AdmitPrefill {
  creditCode: string;
  address: string;
  roles: Role[];
  application: ApplicationView;
}

/**
 * The operator console's applications waiting for a decision: each company's names, code, roles, contacts and
 * addresses, with what the operator must notice (another application with the same credit code, an address that
 * already belongs to a member). "Admit" fills the admit form below; "Refuse" signs a refusal with a reason.
 */
export function ApplicationsSection({
  version,
  disabled,
  onAdmit,
}: {
  version: number;
  disabled: boolean;
  onAdmit: (application: ApplicationView) => void;
}) {
  const t = useT();
  const { api, connection, config, nameOf } = useApp();
  const list = useData(() => api.call("applications", { query: { state: "pending" } }), [api, version]);
  const [refusing, setRefusing] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const { progress, error, setError, run, busy } = useAction();

  const refuse = async (application: ApplicationView): Promise<void> => {
    setDone(null);
    if (reason.trim() === "") return setError({ message: t("applications.needReason"), reasons: [] });
    await run(["applications.stepSign", "applications.stepSend"], async (step) => {
      const refusal = { application: application.hash, reason: reason.trim(), refusedAt: Math.floor(Date.now() / 1000) };
      const signature = await signRefusal(connection.signer, BigInt(config.chainId), refusal);
      step("applications.stepSend");
      await api.call("refuseApplication", { params: { hash: application.hash }, body: { refusal, signature } });
      setDone(t("applications.refused", { name: application.application.nameEn }));
      setRefusing(null);
      setReason("");
      await list.reload();
    });
  };

  const pending = list.data?.applications ?? [];
  return (
    <Section title={t("applications.title", { count: pending.length })} testId="operator-applications">
      <ErrorBox error={list.error} />
      {pending.length === 0 && <p className="muted">{t("applications.none")}</p>}
      {pending.map((entry) => (
        <div key={entry.hash} className="quote" data-testid={`application-${entry.application.applicant}`}>
          <p>
            <strong data-testid="application-names">
              {entry.application.nameZh} / {entry.application.nameEn}
            </strong>{" "}
            <span className="muted small">{t("applications.filed", { date: dateOf(entry.application.filedAt) })}</span>
          </p>
          <ul>
            <li>
              {t("operator.creditCode")}: <code>{entry.application.creditCode}</code>
            </li>
            <li>
              {t("operator.roles")}: {entry.roles.map((role) => t(`role.${role}` as MessageKey)).join(", ")}
            </li>
            <li>
              {t("applications.contacts")}:{" "}
              {entry.application.contacts.map((contact) => `${contact.name} · ${contact.email} · ${contact.phone}`).join("; ")}
            </li>
            <li>
              {t("operator.col.addresses")}:{" "}
              {entry.application.addresses.map((address) => (
                <code key={address}>{address} </code>
              ))}
            </li>
          </ul>
          {entry.duplicates.length > 0 && (
            <p className="error small" data-testid="application-duplicates">
              {t("applications.duplicates", {
                others: entry.duplicates.map((other) => `${other.nameEn} (${other.applicant}, ${t(`apply.state.${other.state}`)})`).join("; "),
              })}
            </p>
          )}
          {entry.addressesTaken.length > 0 && (
            <p className="error small" data-testid="application-taken">
              {t("applications.taken", {
                addresses: entry.addressesTaken.map((taken) => `${nameOf(taken.address)} (#${taken.memberId})`).join(", "),
              })}
            </p>
          )}
          <div className="row">
            <button type="button" disabled={disabled || busy} onClick={() => onAdmit(entry)} data-testid="application-admit">
              {t("applications.admit")}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={disabled || busy}
              onClick={() => setRefusing(refusing === entry.hash ? null : entry.hash)}
              data-testid="application-refuse"
            >
              {t("applications.refuse")}
            </button>
          </div>
          {refusing === entry.hash && (
            <div className="row">
              <label>
                {t("applications.reason")}
                <input value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} data-testid="application-reason" />
              </label>
              <button type="button" disabled={busy} onClick={() => void refuse(entry)} data-testid="application-refuse-send">
                {t("applications.refuseSend")}
              </button>
            </div>
          )}
        </div>
      ))}
      <Progress progress={progress} />
      <ErrorBox error={error} />
      {done !== null && (
        <p className="success" data-testid="application-refused">
          {done}
        </p>
      )}
    </Section>
  );
}
