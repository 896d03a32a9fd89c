import { useState } from "react";
import { getAddress, isAddress } from "ethers";
import { normalisedCreditCode } from "../../chain/membership";
import { Role, roleMask } from "../../chain/roles";
import { APPLICABLE_ROLES, applicationSchema, signApplication } from "../../onboarding/application";
import type { Application } from "../../onboarding/application";
import { ErrorBox, Progress, Section, useAction } from "../components";
import type { Api } from "../lib/api";
import type { Connection } from "../lib/chain";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { dateOf, shortAddress } from "../lib/money";
import type { DappConfig } from "../../api/wire/schemas";
import { useData } from "../lib/useData";

/** The wall clock in unix seconds: the API checks an application's filing time against its own. */
function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * For a connected wallet that belongs to no member: file an application for membership, signed by the wallet
 * (EIP-712, src/onboarding/application.ts), and see where earlier ones stand — waiting for the operator, refused
 * with its reason, or admitted (then sign in).
 */
export function ApplyPage({ api, config, connection, onLeave }: { api: Api; config: DappConfig; connection: Connection; onLeave: () => void }) {
  const t = useT();
  const [nameZh, setNameZh] = useState("");
  const [nameEn, setNameEn] = useState("");
  const [creditCode, setCreditCode] = useState("");
  const [roles, setRoles] = useState<Role[]>([]);
  const [contactName, setContactName] = useState("");
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [extraAddresses, setExtraAddresses] = useState("");
  const [filed, setFiled] = useState<string | null>(null);
  const { progress, error, setError, run, busy } = useAction();
  const address = getAddress(connection.address);

  const own = useData(() => api.call("applicantStatus", { params: { address } }), [api, address]);
  const status = own.data;

  const pending = status?.applications.find((entry) => entry.state === "pending");
  const admitted = status !== null && (status.memberId !== 0 || status.applications.some((entry) => entry.state === "admitted"));
  const toggle = (role: Role, on: boolean): void =>
    setRoles(on ? [...roles.filter((held) => held !== role), role].sort() : roles.filter((held) => held !== role));

  const submit = async (): Promise<void> => {
    setFiled(null);
    const code = normalisedCreditCode(creditCode);
    const extra = extraAddresses.split(/[\s,]+/u).filter((entry) => entry !== "");
    const bad = extra.find((entry) => !isAddress(entry));
    if (code === null) return setError({ message: t("apply.badCode"), reasons: [] });
    if (bad !== undefined) return setError({ message: t("operator.badAddress", { text: bad }), reasons: [] });
    if (roles.length === 0) return setError({ message: t("operator.badRoles"), reasons: [] });
    const candidate = {
      applicant: address,
      nameZh: nameZh.trim(),
      nameEn: nameEn.trim(),
      creditCode: code,
      roles: roleMask(...roles),
      contacts: [{ name: contactName.trim(), email: email.trim(), phone: phone.trim() }],
      addresses: [address, ...extra.map((entry) => getAddress(entry)).filter((entry) => entry !== address)],
      filedAt: nowSeconds(),
    };
    // The same schema the API parses with: a wrong field is named here, before the wallet is asked.
    const parsed = applicationSchema.safeParse(candidate);
    if (!parsed.success)
      return setError({ message: t("apply.badFields"), reasons: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) });
    const application: Application = parsed.data;
    await run(["apply.stepSign", "apply.stepSend"], async (step) => {
      const signature = await signApplication(connection.signer, BigInt(config.chainId), application);
      step("apply.stepSend");
      const answer = await api.call("fileApplication", { body: { application, signature } });
      setFiled(answer.hash);
      await own.reload();
    });
  };

  return (
    <main>
      <Section title={t("apply.title")} testId="apply-page">
        <p>{t("apply.intro", { address })}</p>
        {status !== null && status.applications.length > 0 && (
          <table data-testid="apply-status">
            <thead>
              <tr>
                <th>{t("apply.col.filed")}</th>
                <th>{t("apply.col.name")}</th>
                <th>{t("operator.col.roles")}</th>
                <th>{t("col.state")}</th>
              </tr>
            </thead>
            <tbody>
              {status.applications.map((entry) => (
                <tr key={entry.hash} data-testid={`apply-${entry.state}`}>
                  <td>{dateOf(entry.filedAt)}</td>
                  <td>
                    {entry.nameZh} / {entry.nameEn}
                  </td>
                  <td>{entry.roles.map((role) => t(`role.${role}` as MessageKey)).join(", ")}</td>
                  <td>
                    {t(`apply.state.${entry.state}`)}
                    {entry.refusal !== null && (
                      <div className="error small" data-testid="apply-refusal">
                        {t("apply.refusedBecause", { reason: entry.refusal.reason, date: dateOf(entry.refusal.refusedAt) })}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {admitted ? (
          <p className="success" data-testid="apply-admitted">
            {t("apply.admitted")}{" "}
            <button type="button" onClick={onLeave} data-testid="apply-sign-in">
              {t("apply.signIn")}
            </button>
          </p>
        ) : pending !== undefined ? (
          <p className="muted" data-testid="apply-waiting">
            {t("apply.waiting")}
          </p>
        ) : (
          <>
            <h3>{t("apply.form")}</h3>
            <label>
              {t("apply.nameZh")}
              <input value={nameZh} onChange={(event) => setNameZh(event.target.value)} data-testid="apply-name-zh" autoComplete="organization" />
            </label>
            <label>
              {t("apply.nameEn")}
              <input value={nameEn} onChange={(event) => setNameEn(event.target.value)} data-testid="apply-name-en" />
            </label>
            <label>
              {t("operator.creditCode")}
              <input value={creditCode} onChange={(event) => setCreditCode(event.target.value)} data-testid="apply-code" autoComplete="off" />
            </label>
            <fieldset className="recourse">
              <legend>{t("apply.roles")}</legend>
              <div className="row">
                {APPLICABLE_ROLES.map((role) => (
                  <label key={role}>
                    <input
                      type="checkbox"
                      style={{ width: "auto" }}
                      checked={roles.includes(role)}
                      onChange={(event) => toggle(role, event.target.checked)}
                      data-testid={`apply-role-${Role[role]}`}
                    />
                    {t(`role.${Role[role]}` as MessageKey)}
                  </label>
                ))}
              </div>
            </fieldset>
            <fieldset className="recourse">
              <legend>{t("apply.contact")}</legend>
              <label>
                {t("apply.contactName")}
                <input value={contactName} onChange={(event) => setContactName(event.target.value)} data-testid="apply-contact-name" />
              </label>
              <label>
                {t("apply.email")}
                <input type="email" value={email} onChange={(event) => setEmail(event.target.value)} data-testid="apply-email" />
              </label>
              <label>
                {t("apply.phone")}
                <input type="tel" value={phone} onChange={(event) => setPhone(event.target.value)} data-testid="apply-phone" />
              </label>
            </fieldset>
            <p className="muted small">{t("apply.firstAddress", { address })}</p>
            <label>
              {t("apply.moreAddresses")}
              <textarea
                value={extraAddresses}
                placeholder="0x…"
                onChange={(event) => setExtraAddresses(event.target.value)}
                data-testid="apply-addresses"
                rows={2}
              />
            </label>
            <button type="button" disabled={busy} onClick={() => void submit()} data-testid="apply-submit">
              {t("apply.submit")}
            </button>
          </>
        )}
        <Progress progress={progress} />
        <ErrorBox error={error} />
        {filed !== null && (
          <p className="success" data-testid="apply-filed">
            {t("apply.filed", { hash: `${filed.slice(0, 10)}…` })}
          </p>
        )}
        <p>
          <button type="button" className="link" onClick={onLeave} data-testid="apply-leave">
            {t("apply.back", { address: shortAddress(address) })}
          </button>
        </p>
      </Section>
    </main>
  );
}
