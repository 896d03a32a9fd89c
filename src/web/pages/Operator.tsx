import { useEffect, useState } from "react";
import type { ReactNode } from "react";
import { getAddress, isAddress } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import { Pausable__factory } from "../../../typechain-types/factories/@openzeppelin/contracts/utils/Pausable__factory";
import { endOfDayCst, legalEntityHash, normalisedCreditCode } from "../../chain/membership";
import { Role, roleMask } from "../../chain/roles";
import { useApp } from "../app";
import { ErrorBox, Progress, Section, useAction } from "../components";
import { useLanguage, useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny, dateOf, parseCny } from "../lib/money";
import { useData } from "../lib/useData";
import type { ApplicationViewJson as ApplicationView } from "../../api/wire/schemas";
import { ApplicationsSection } from "./Applications";
import type { AdmitPrefill } from "./Applications";

const DAY = 86_400n;
const LAPSE_WINDOW = 30n * DAY;
const ROLES: Role[] = [Role.OPERATOR, Role.ANCHOR, Role.SUPPLIER, Role.FACTOR, Role.CARRIER, Role.VERIFIER, Role.AUDITOR];
const STATUS_ACTIVE = 1;
const STATUS_SUSPENDED = 2;

/** A member as the registry reports it, in plain numbers. */
interface MemberRow {
  memberId: number;
  leiHash: string;
  roles: number;
  status: number;
  kycValidUntil: bigint;
  accounts: string[];
}

interface ConsoleView {
  members: MemberRow[];
  requiredVerifiers: bigint;
  paused: boolean;
  now: bigint;
  block: number;
}

/** Where on the page an action was started: its confirmation, progress and result show there. */
type Area = "system" | "admit" | "member" | "currency";

/** One on-chain action, prepared: what it does in words, the exact call, its dry run and its sending. */
interface Prepared {
  area: Area;
  what: string;
  details: string[];
  call: string;
  dryRun(): Promise<unknown>;
  send(): Promise<ContractTransactionResponse>;
  /** The sentence shown once mined; the dry run's answer can complete it (the new member's id). */
  done(dryRunAnswer: unknown): string;
}

interface Outcome {
  area: Area;
  sentence: string;
  hash: string;
  block: number;
}

const roleName = (role: Role): string => Role[role];

function rolesOf(mask: number): Role[] {
  return ROLES.filter((role) => (mask >> role) & 1);
}

/**
 * The operator's console: the network's settings (pause, verifier threshold), admitting a company, the settlement
 * currency (who may issue CNY deposits, and issuing them when the operator is an issuer), every member
 * with its roles, status, KYC date and addresses read from the registry itself, the members whose KYC lapses within
 * 30 days (by the chain's clock), and each member's actions. Every action is one transaction: its exact content is
 * shown and dry-run (`staticCall`) before the wallet is asked, so a refusal is read in words and nothing is sent;
 * the result shows the transaction's hash and block, and the page reads the registry again.
 */
export function OperatorPage() {
  const t = useT();
  const language = useLanguage();
  const app = useApp();
  const { config, connection, members, reloadMembers } = app;
  const [prefill, setPrefill] = useState<AdmitPrefill | null>(null);
  const [applicationsVersion, setApplicationsVersion] = useState(0);
  const { progress, error, setError, run, busy } = useAction();
  const [active, setActive] = useState<Area | null>(null);
  const [pending, setPending] = useState<{ prepared: Prepared; answer: unknown } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [selected, setSelected] = useState<number | null>(null);

  // The chosen member's actions open below the table: bring them into view (on a phone they are a long way down).
  useEffect(() => {
    if (selected !== null) document.querySelector("[data-testid=operator-member]")?.scrollIntoView({ block: "start" });
  }, [selected]);

  // The confirmation and the result show where the action started, which may be below the fold.
  useEffect(() => {
    if (pending !== null || outcome !== null)
      document.querySelector("[data-testid=operator-confirm], [data-testid=operator-result]")?.scrollIntoView({ block: "nearest" });
  }, [pending, outcome]);

  const view = useData<ConsoleView>(
    async (minBlock) => {
      const { registry, financing } = connection.contracts;
      const pausable = Pausable__factory.connect(config.addresses.receivableToken, connection.provider);
      // Everything is read at one block, never before the block of the console's own last transaction (the
      // provider may answer "latest" from a short cache), and the clock is that block's.
      const block = Math.max(await connection.provider.getBlockNumber(), minBlock ?? 0);
      const at = { blockTag: block };
      const [count, requiredVerifiers, paused, header] = await Promise.all([
        registry.memberCount(at),
        financing.requiredVerifiers(at),
        pausable.paused(at),
        connection.provider.getBlock(block),
      ]);
      if (header === null) throw new Error(`the node returned no block ${block}`);
      const now = BigInt(header.timestamp);
      const ids = Array.from({ length: Number(count) }, (_, index) => index + 1);
      const members = await Promise.all(
        ids.map(async (memberId) => {
          const record = await registry.member(memberId, at);
          return {
            memberId: Number(record.memberId),
            leiHash: record.leiHash,
            roles: Number(record.roles),
            status: Number(record.status),
            kycValidUntil: record.kycValidUntil,
            accounts: record.accounts.map((account) => getAddress(account)),
          };
        }),
      );
      return { members, requiredVerifiers, paused, now, block };
    },
    [config, connection],
  );

  /** The member's name from its admitted application (the API's directory), or "member #id". */
  const nameOfMember = (row: MemberRow): string => {
    const entry = members.find((candidate) => candidate.memberId === row.memberId);
    const name = language === "zh" ? entry?.nameZh : entry?.nameEn;
    if (name !== null && name !== undefined) return `${name} (#${row.memberId})`;
    return t("operator.memberN", { id: row.memberId });
  };
  const roleWord = (role: Role): string => t(`role.${roleName(role)}` as MessageKey);
  const rolesText = (mask: number): string => rolesOf(mask).map(roleWord).join(", ") || t("operator.noRoles");

  const locked = busy || pending !== null;

  /** Step one: the dry run. A refusal shows in words where the action was started; nothing reaches the wallet. */
  const prepare = async (prepared: Prepared): Promise<void> => {
    setOutcome(null);
    setPending(null);
    setActive(prepared.area);
    await run(["operator.stepCheck"], async () => {
      const answer = await prepared.dryRun();
      setPending({ prepared, answer });
    });
  };

  /** Step two, after the operator has read what will be sent: the wallet signs, the block, the registry again. */
  const send = async (): Promise<void> => {
    if (pending === null) return;
    const { prepared, answer } = pending;
    await run(["operator.stepSign", "operator.stepMined", "operator.stepReload"], async (step) => {
      const sent = await prepared.send();
      setPending(null);
      step("operator.stepMined");
      const receipt = await sent.wait();
      step("operator.stepReload");
      await view.reload(receipt?.blockNumber ?? null);
      await reloadMembers();
      setApplicationsVersion((version) => version + 1);
      setOutcome({ area: prepared.area, sentence: prepared.done(answer), hash: sent.hash, block: receipt?.blockNumber ?? 0 });
      if (prepared.area === "admit") setPrefill(null);
    });
  };

  const refuse = (area: Area, key: MessageKey, vars?: Record<string, string>): void => {
    setOutcome(null);
    setPending(null);
    setActive(area);
    setError({ message: t(key, vars), reasons: [] });
  };

  /** The confirmation, progress, refusal and result of the action started in `area`. */
  const actionPanel = (area: Area) => {
    if (active !== area) return null;
    return (
      <div data-testid={`operator-panel-${area}`}>
        {pending !== null && pending.prepared.area === area && (
          <div className="quote" data-testid="operator-confirm">
            <h3>{t("operator.confirmTitle")}</h3>
            <p className="muted small">{t("operator.confirmHint")}</p>
            <p>
              <strong data-testid="operator-confirm-what">{pending.prepared.what}</strong>
            </p>
            {pending.prepared.details.length > 0 && (
              <ul>
                {pending.prepared.details.map((detail) => (
                  <li key={detail}>{detail}</li>
                ))}
              </ul>
            )}
            <p>
              <code data-testid="operator-confirm-call">{pending.prepared.call}</code>
            </p>
            <div className="row">
              <button type="button" disabled={busy} onClick={() => void send()} data-testid="operator-send">
                {t("operator.send")}
              </button>
              <button type="button" className="secondary" disabled={busy} onClick={() => setPending(null)} data-testid="operator-cancel">
                {t("operator.cancel")}
              </button>
            </div>
          </div>
        )}
        <Progress progress={progress} />
        <ErrorBox error={error} />
        {outcome !== null && outcome.area === area && (
          <div className="success" data-testid="operator-result">
            <p>{t("operator.done", { what: outcome.sentence })}</p>
            <p className="small">
              <code data-testid="operator-result-hash">{t("operator.resultHash", { hash: outcome.hash, block: outcome.block })}</code>
            </p>
          </div>
        )}
      </div>
    );
  };

  const data = view.data;
  const { registry, financing, receivableToken } = connection.contracts;
  const chosen = data?.members.find((row) => row.memberId === selected) ?? null;
  const lapsing =
    data === null
      ? []
      : data.members
          .filter((row) => row.status !== 0 && row.kycValidUntil <= data.now + LAPSE_WINDOW)
          .sort((a, b) => (a.kycValidUntil < b.kycValidUntil ? -1 : 1));

  return (
    <main>
      <Section title={t("operator.title")} testId="operator-page">
        <p className="muted">{t("operator.intro")}</p>
        <ErrorBox error={view.error} />
        {data === null ? (
          <p>{t("common.loading")}</p>
        ) : (
          <>
            <h3>{t("operator.system")}</h3>
            <p data-testid="operator-paused" className={data.paused ? "error" : undefined}>
              {data.paused ? t("operator.paused") : t("operator.running")}
            </p>
            <button
              type="button"
              className="secondary"
              disabled={locked}
              data-testid={data.paused ? "operator-unpause" : "operator-pause"}
              onClick={() =>
                void prepare(
                  data.paused
                    ? {
                        area: "system",
                        what: t("operator.do.unpause"),
                        details: [],
                        call: "ReceivableToken.unpause()",
                        dryRun: () => receivableToken.unpause.staticCall(),
                        send: () => receivableToken.unpause(),
                        done: () => t("operator.do.unpause"),
                      }
                    : {
                        area: "system",
                        what: t("operator.do.pause"),
                        details: [],
                        call: "ReceivableToken.pause()",
                        dryRun: () => receivableToken.pause.staticCall(),
                        send: () => receivableToken.pause(),
                        done: () => t("operator.do.pause"),
                      },
                )
              }
            >
              {data.paused ? t("operator.unpause") : t("operator.pause")}
            </button>
            <ThresholdForm
              current={data.requiredVerifiers}
              disabled={locked}
              onSubmit={(text) => {
                if (!/^[0-9]{1,6}$/u.test(text.trim())) return refuse("system", "operator.badThreshold");
                const required = BigInt(text.trim());
                const what = t("operator.do.threshold", { count: required, was: data.requiredVerifiers });
                void prepare({
                  area: "system",
                  what,
                  details: [],
                  call: `Financing.setRequiredVerifiers(${required})`,
                  dryRun: () => financing.setRequiredVerifiers.staticCall(required),
                  send: () => financing.setRequiredVerifiers(required),
                  done: () => what,
                });
              }}
            />
            {actionPanel("system")}
            <p className="muted small">{t("common.asOf", { block: data.block })}</p>
          </>
        )}
      </Section>

      {data !== null && (
        <ApplicationsSection
          version={applicationsVersion}
          disabled={locked}
          onAdmit={(application: ApplicationView) => {
            setPrefill({
              creditCode: application.application.creditCode,
              address: application.application.applicant,
              roles: rolesOf(application.application.roles),
              application,
            });
            document.querySelector("[data-testid=operator-admit]")?.scrollIntoView({ block: "start" });
          }}
        />
      )}

      {data !== null && (
        <Section title={t("operator.admitTitle")} testId="operator-admit">
          <p className="muted">{t("operator.admitIntro")}</p>
          {prefill !== null && (
            <p className="quote" data-testid="admit-from-application">
              {t("operator.fromApplication", { name: `${prefill.application.application.nameZh} / ${prefill.application.application.nameEn}` })}
              {prefill.application.application.addresses.length > 1 && (
                <> {t("operator.moreAddresses", { addresses: prefill.application.application.addresses.slice(1).join(", ") })}</>
              )}
            </p>
          )}
          <AdmitForm
            key={`${data.members.length}:${prefill?.application.hash ?? ""}`}
            initial={prefill}
            defaultDate={dateOf(data.now + 365n * DAY)}
            disabled={locked}
            onSubmit={(form) => {
              const code = normalisedCreditCode(form.creditCode);
              if (code === null) return refuse("admit", "operator.badCode");
              if (!isAddress(form.address.trim())) return refuse("admit", "operator.badAddress", { text: form.address });
              const until = endOfDayCst(form.kycDate);
              if (until === null) return refuse("admit", "operator.badDate");
              if (form.roles.length === 0) return refuse("admit", "operator.badRoles");
              const leiHash = legalEntityHash(code);
              const account = getAddress(form.address.trim());
              const mask = roleMask(...form.roles);
              const what = t("operator.do.admit", { code });
              void prepare({
                area: "admit",
                what,
                details: [
                  t("operator.detail.hash", { hash: leiHash }),
                  t("operator.detail.address", { address: account }),
                  t("operator.detail.roles", { roles: form.roles.map(roleWord).join(", ") }),
                  t("operator.detail.kyc", { date: dateOf(until) }),
                ],
                call: `MemberRegistry.admit(${leiHash}, ${account}, ${mask}, ${until})`,
                dryRun: () => registry.admit.staticCall(leiHash, account, mask, until),
                send: () => registry.admit(leiHash, account, mask, until),
                done: (answer) => t("operator.admitted", { what, id: String(answer) }),
              });
            }}
          />
          {actionPanel("admit")}
        </Section>
      )}

      {data !== null && (
        <CurrencySection
          version={data.block}
          disabled={locked}
          holders={data.members
            .filter((row) => row.status === STATUS_ACTIVE && row.accounts.length > 0)
            .map((row) => ({ account: row.accounts[0], name: nameOfMember(row) }))}
          nameOf={(address) => app.nameOf(address)}
          panel={actionPanel("currency")}
          onPrepare={(prepared) => void prepare(prepared)}
          onRefuse={(key, vars) => refuse("currency", key, vars)}
        />
      )}

      {data !== null && (
        <Section title={t("operator.lapsingTitle")} testId="operator-lapsing">
          {lapsing.length === 0 ? (
            <p className="muted">{t("operator.lapsingNone")}</p>
          ) : (
            <ul>
              {lapsing.map((row) => (
                <li key={row.memberId} data-testid={`lapsing-${row.memberId}`}>
                  <strong>{nameOfMember(row)}</strong> —{" "}
                  {row.kycValidUntil <= data.now
                    ? t("operator.lapsed", { date: dateOf(row.kycValidUntil) })
                    : t("operator.lapsesIn", { date: dateOf(row.kycValidUntil), days: (row.kycValidUntil - data.now + DAY - 1n) / DAY })}{" "}
                  <button type="button" className="link" disabled={locked} onClick={() => setSelected(row.memberId)}>
                    {t("operator.manage")}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Section>
      )}

      {data !== null && (
        <Section title={t("operator.membersTitle", { count: data.members.length })} testId="operator-members">
          <p className="muted">{t("operator.pickHint")}</p>
          <div className="table-scroll">
            <table data-testid="operator-members-table">
              <thead>
                <tr>
                  <th>{t("operator.col.member")}</th>
                  <th>{t("operator.col.roles")}</th>
                  <th>{t("operator.col.status")}</th>
                  <th>{t("operator.col.kyc")}</th>
                  <th>{t("operator.col.addresses")}</th>
                </tr>
              </thead>
              <tbody>
                {data.members.map((row) => (
                  <tr key={row.memberId} data-testid={`member-${row.memberId}`}>
                    <td>
                      <button
                        type="button"
                        className="link"
                        disabled={locked}
                        onClick={() => setSelected(row.memberId)}
                        data-testid="member-manage"
                        title={t("operator.manage")}
                      >
                        {nameOfMember(row)}
                      </button>
                    </td>
                    <td data-testid="member-roles">{rolesText(row.roles)}</td>
                    <td data-testid="member-status">{t(`operator.status.${row.status}` as MessageKey)}</td>
                    <td data-testid="member-kyc">
                      {row.kycValidUntil <= data.now + LAPSE_WINDOW ? (
                        <span className="badge badge-overdue">{dateOf(row.kycValidUntil)}</span>
                      ) : (
                        dateOf(row.kycValidUntil)
                      )}
                    </td>
                    <td data-testid="member-addresses">
                      {row.accounts.map((account) => (
                        <div key={account}>
                          <code>{account}</code>
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      )}

      {data !== null && chosen !== null && (
        <MemberActions
          // A new address or KYC date on the chain starts the member's forms afresh (the typed address is done).
          key={`${chosen.memberId}:${chosen.accounts.join(",")}:${chosen.kycValidUntil}`}
          row={chosen}
          name={nameOfMember(chosen)}
          defaultDate={dateOf((chosen.kycValidUntil > data.now ? chosen.kycValidUntil : data.now) + 365n * DAY)}
          lineDate={dateOf(data.now + 180n * DAY)}
          version={data.block}
          disabled={locked}
          roleWord={roleWord}
          rolesText={rolesText}
          panel={actionPanel("member")}
          onPrepare={(prepared) => void prepare(prepared)}
          onRefuse={(key, vars) => refuse("member", key, vars)}
        />
      )}
    </main>
  );
}

function ThresholdForm({ current, disabled, onSubmit }: { current: bigint; disabled: boolean; onSubmit: (text: string) => void }) {
  const t = useT();
  const [text, setText] = useState(current.toString());
  return (
    <>
      <h3 data-testid="operator-threshold">{t("operator.threshold", { count: current })}</h3>
      <div className="row">
        <label>
          {t("operator.thresholdInput")}
          <input
            className="narrow"
            inputMode="numeric"
            value={text}
            onChange={(event) => setText(event.target.value)}
            data-testid="operator-threshold-input"
          />
        </label>
        <button type="button" className="secondary" disabled={disabled} onClick={() => onSubmit(text)} data-testid="operator-threshold-set">
          {t("operator.setThreshold")}
        </button>
      </div>
    </>
  );
}

interface AdmitInput {
  creditCode: string;
  address: string;
  roles: Role[];
  kycDate: string;
}

function AdmitForm({
  defaultDate,
  disabled,
  onSubmit,
  initial,
}: {
  defaultDate: string;
  disabled: boolean;
  onSubmit: (form: AdmitInput) => void;
  initial: AdmitPrefill | null;
}) {
  const t = useT();
  const [creditCode, setCreditCode] = useState(initial?.creditCode ?? "");
  const [address, setAddress] = useState(initial?.address ?? "");
  const [roles, setRoles] = useState<Role[]>(initial?.roles ?? []);
  const [kycDate, setKycDate] = useState(defaultDate);
  const toggle = (role: Role, on: boolean): void =>
    setRoles(on ? [...roles.filter((held) => held !== role), role].sort() : roles.filter((held) => held !== role));
  return (
    <>
      <label>
        {t("operator.creditCode")}
        <input value={creditCode} onChange={(event) => setCreditCode(event.target.value)} data-testid="admit-code" autoComplete="off" />
      </label>
      <label>
        {t("operator.firstAddress")}
        <input
          value={address}
          placeholder="0x…"
          onChange={(event) => setAddress(event.target.value)}
          data-testid="admit-address"
          autoComplete="off"
        />
      </label>
      <fieldset className="recourse">
        <legend>{t("operator.roles")}</legend>
        <div className="row">
          {ROLES.map((role) => (
            <label key={role}>
              {/* The phone layout stretches inputs in labels to the card's width: a checkbox keeps its own. */}
              <input
                type="checkbox"
                style={{ width: "auto" }}
                checked={roles.includes(role)}
                onChange={(event) => toggle(role, event.target.checked)}
                data-testid={`admit-role-${roleName(role)}`}
              />
              {t(`role.${roleName(role)}` as MessageKey)}
            </label>
          ))}
        </div>
      </fieldset>
      <label>
        {t("operator.kycUntil")}
        <input type="date" value={kycDate} onChange={(event) => setKycDate(event.target.value)} data-testid="admit-kyc" />
      </label>
      <button type="button" disabled={disabled} onClick={() => onSubmit({ creditCode, address, roles, kycDate })} data-testid="admit-submit">
        {t("operator.admit")}
      </button>
    </>
  );
}

interface MemberActionsProps {
  row: MemberRow;
  name: string;
  defaultDate: string;
  /** The review date the credit-line form starts with. */
  lineDate: string;
  /** The block the console last read: the member's credit line is read again when it moves. */
  version: number;
  disabled: boolean;
  roleWord: (role: Role) => string;
  rolesText: (mask: number) => string;
  panel: ReactNode;
  onPrepare: (prepared: Prepared) => void;
  onRefuse: (key: MessageKey, vars?: Record<string, string>) => void;
}

/** One member's actions: suspend or reinstate, renew KYC, grant or revoke each role, add or remove an address. */
function MemberActions({ row, name, defaultDate, lineDate, version, disabled, roleWord, rolesText, panel, onPrepare, onRefuse }: MemberActionsProps) {
  const t = useT();
  const { connection } = useApp();
  const { registry } = connection.contracts;
  const [kycDate, setKycDate] = useState(defaultDate);
  const [newAddress, setNewAddress] = useState("");
  const id = row.memberId;
  const action = (what: string, call: string, dryRun: () => Promise<unknown>, send: () => Promise<ContractTransactionResponse>): void =>
    onPrepare({ area: "member", what, details: [], call, dryRun, send, done: () => what });

  return (
    <Section title={t("operator.manageTitle", { name })} testId="operator-member">
      <p>
        {t("operator.col.status")}: <strong>{t(`operator.status.${row.status}` as MessageKey)}</strong> · {t("operator.col.roles")}:{" "}
        {rolesText(row.roles)} · {t("operator.col.kyc")}: {dateOf(row.kycValidUntil)}
      </p>
      <div className="row">
        {row.status === STATUS_SUSPENDED ? (
          <button
            type="button"
            className="secondary"
            disabled={disabled}
            data-testid="member-reinstate"
            onClick={() =>
              action(
                t("operator.do.reinstate", { member: name }),
                `MemberRegistry.reinstate(${id})`,
                () => registry.reinstate.staticCall(id),
                () => registry.reinstate(id),
              )
            }
          >
            {t("operator.reinstate")}
          </button>
        ) : (
          <button
            type="button"
            className="secondary"
            disabled={disabled || row.status !== STATUS_ACTIVE}
            data-testid="member-suspend"
            onClick={() =>
              action(
                t("operator.do.suspend", { member: name }),
                `MemberRegistry.suspend(${id})`,
                () => registry.suspend.staticCall(id),
                () => registry.suspend(id),
              )
            }
          >
            {t("operator.suspend")}
          </button>
        )}
      </div>

      <div className="row">
        <label>
          {t("operator.kycUntil")}
          <input type="date" value={kycDate} onChange={(event) => setKycDate(event.target.value)} data-testid="member-kyc-date" />
        </label>
        <button
          type="button"
          className="secondary"
          disabled={disabled}
          data-testid="member-renew"
          onClick={() => {
            const until = endOfDayCst(kycDate);
            if (until === null) return onRefuse("operator.badDate");
            action(
              t("operator.do.renewKyc", { member: name, date: dateOf(until), was: dateOf(row.kycValidUntil) }),
              `MemberRegistry.renewKyc(${id}, ${until})`,
              () => registry.renewKyc.staticCall(id, until),
              () => registry.renewKyc(id, until),
            );
          }}
        >
          {t("operator.renewKyc")}
        </button>
      </div>

      <h3>{t("operator.roles")}</h3>
      <div className="table-scroll">
        <table style={{ width: "auto" }}>
          <tbody>
            {ROLES.map((role) => {
              const held = ((row.roles >> role) & 1) === 1;
              return (
                <tr key={role} data-testid={`member-role-${roleName(role)}`}>
                  <td>{roleWord(role)}</td>
                  <td>{held ? t("operator.held") : t("operator.notHeld")}</td>
                  <td>
                    {held ? (
                      <button
                        type="button"
                        className="secondary"
                        disabled={disabled}
                        data-testid="role-revoke"
                        onClick={() =>
                          action(
                            t("operator.do.revoke", { member: name, role: roleWord(role) }),
                            `MemberRegistry.revokeRole(${id}, ${role} /* ${roleName(role)} */)`,
                            () => registry.revokeRole.staticCall(id, role),
                            () => registry.revokeRole(id, role),
                          )
                        }
                      >
                        {t("operator.revoke")}
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="secondary"
                        disabled={disabled}
                        data-testid="role-grant"
                        onClick={() =>
                          action(
                            t("operator.do.grant", { member: name, role: roleWord(role) }),
                            `MemberRegistry.grantRole(${id}, ${role} /* ${roleName(role)} */)`,
                            () => registry.grantRole.staticCall(id, role),
                            () => registry.grantRole(id, role),
                          )
                        }
                      >
                        {t("operator.grant")}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      {((row.roles >> Role.ANCHOR) & 1) === 1 && (
        <CreditLineForm
          row={row}
          name={name}
          defaultDate={lineDate}
          version={version}
          disabled={disabled}
          onPrepare={onPrepare}
          onRefuse={onRefuse}
        />
      )}

      <h3>{t("operator.col.addresses")}</h3>
      <ul>
        {row.accounts.map((account) => (
          <li key={account} data-testid={`member-address-${account}`}>
            <code>{account}</code>{" "}
            <button
              type="button"
              className="link"
              disabled={disabled}
              data-testid="address-remove"
              onClick={() =>
                action(
                  t("operator.do.removeAddress", { member: name, address: account }),
                  `MemberRegistry.removeAccount(${id}, ${account})`,
                  () => registry.removeAccount.staticCall(id, account),
                  () => registry.removeAccount(id, account),
                )
              }
            >
              {t("operator.remove")}
            </button>
          </li>
        ))}
      </ul>
      <div className="row">
        <label>
          {t("operator.newAddress")}
          <input
            value={newAddress}
            placeholder="0x…"
            onChange={(event) => setNewAddress(event.target.value)}
            data-testid="member-new-address"
            autoComplete="off"
          />
        </label>
        <button
          type="button"
          className="secondary"
          disabled={disabled}
          data-testid="member-add-address"
          onClick={() => {
            if (!isAddress(newAddress.trim())) return onRefuse("operator.badAddress", { text: newAddress });
            const account = getAddress(newAddress.trim());
            action(
              t("operator.do.addAddress", { member: name, address: account }),
              `MemberRegistry.addAccount(${id}, ${account})`,
              () => registry.addAccount.staticCall(id, account),
              () => registry.addAccount(id, account),
            );
          }}
        >
          {t("operator.addAddress")}
        </button>
      </div>
      {panel}
    </Section>
  );
}

/**
 * An anchor's credit line (ReceivableToken.setCreditLine): the line in force (limit, what is owed, review date) and
 * the form to set a new limit and review date. An anchor without a line cannot confirm a receivable.
 */
function CreditLineForm({
  row,
  name,
  defaultDate,
  version,
  disabled,
  onPrepare,
  onRefuse,
}: {
  row: MemberRow;
  name: string;
  defaultDate: string;
  version: number;
  disabled: boolean;
  onPrepare: (prepared: Prepared) => void;
  onRefuse: (key: MessageKey, vars?: Record<string, string>) => void;
}) {
  const t = useT();
  const { connection } = useApp();
  const { receivableToken } = connection.contracts;
  const id = row.memberId;
  const line = useData(() => receivableToken.creditLine(id), [receivableToken, id, version]);
  const [limitText, setLimitText] = useState("");
  const [reviewDate, setReviewDate] = useState(defaultDate);
  return (
    <div data-testid="member-credit-line">
      <h3>{t("operator.lineTitle")}</h3>
      <ErrorBox error={line.error} />
      {line.data !== null && (
        <p data-testid="member-line-now">
          {line.data.reviewDate === 0n
            ? t("operator.lineNone")
            : t("operator.lineNow", { limit: cny(line.data.limit), used: cny(line.data.outstanding), date: dateOf(line.data.reviewDate) })}
        </p>
      )}
      <div className="row">
        <label>
          {t("operator.lineLimit")}
          <input
            className="narrow"
            value={limitText}
            placeholder="3,000,000.00"
            onChange={(event) => setLimitText(event.target.value)}
            data-testid="member-line-limit"
            autoComplete="off"
          />
        </label>
        <label>
          {t("operator.lineReview")}
          <input type="date" value={reviewDate} onChange={(event) => setReviewDate(event.target.value)} data-testid="member-line-review" />
        </label>
        <button
          type="button"
          className="secondary"
          disabled={disabled}
          data-testid="member-line-set"
          onClick={() => {
            const limit = parseCny(limitText);
            if (limit === null) return onRefuse("operator.badLimit", { text: limitText });
            const until = endOfDayCst(reviewDate);
            if (until === null) return onRefuse("operator.badDate");
            const what = t("operator.do.creditLine", { member: name, limit: cny(limit), date: dateOf(until) });
            const was =
              line.data === null || line.data.reviewDate === 0n
                ? [t("operator.lineWasNone")]
                : [t("operator.lineWas", { limit: cny(line.data.limit), used: cny(line.data.outstanding) })];
            onPrepare({
              area: "member",
              what,
              details: was,
              call: `ReceivableToken.setCreditLine(${id}, ${limit}, ${until})`,
              dryRun: () => receivableToken.setCreditLine.staticCall(id, limit, until),
              send: () => receivableToken.setCreditLine(id, limit, until),
              done: () => what,
            });
          }}
        >
          {t("operator.lineSet")}
        </button>
      </div>
    </div>
  );
}

interface Holder {
  account: string;
  name: string;
}

/**
 * The settlement currency (CNY deposits, SettlementToken): who may issue it (setIssuer, the operator's), what was
 * issued, each active member's balance, and issuing deposits to a member when the connected operator is itself an
 * issuer (issue is the issuer's call). Each is one transaction, dry-run and confirmed like every console action.
 */
function CurrencySection({
  version,
  disabled,
  holders,
  nameOf,
  panel,
  onPrepare,
  onRefuse,
}: {
  version: number;
  disabled: boolean;
  holders: Holder[];
  nameOf: (address: string) => string;
  panel: ReactNode;
  onPrepare: (prepared: Prepared) => void;
  onRefuse: (key: MessageKey, vars?: Record<string, string>) => void;
}) {
  const t = useT();
  const { connection } = useApp();
  const { settlementToken } = connection.contracts;
  const accounts = holders.map((holder) => holder.account).join(",");
  const figures = useData(async () => {
    const at = { blockTag: Math.max(await connection.provider.getBlockNumber(), version) };
    const [self, issued, balances] = await Promise.all([
      settlementToken.isIssuer(connection.address, at),
      settlementToken.totalIssued(at),
      Promise.all(
        accounts
          .split(",")
          .filter((account) => account !== "")
          .map(async (account) => ({
            account,
            balance: await settlementToken.balanceOf(account, at),
            issuer: await settlementToken.isIssuer(account, at),
          })),
      ),
    ]);
    return { self, issued, balances };
  }, [connection, settlementToken, version, accounts]);
  const [issuerAddress, setIssuerAddress] = useState("");
  const [recipient, setRecipient] = useState("");
  const [amountText, setAmountText] = useState("");

  const authorize = (allowed: boolean): void => {
    const text = issuerAddress.trim();
    if (!isAddress(text)) return onRefuse("operator.badAddress", { text: issuerAddress });
    const account = getAddress(text);
    const what = t(allowed ? "operator.do.issuer" : "operator.do.notIssuer", { who: nameOf(account), address: account });
    onPrepare({
      area: "currency",
      what,
      details: [],
      call: `SettlementToken.setIssuer(${account}, ${allowed})`,
      dryRun: () => settlementToken.setIssuer.staticCall(account, allowed),
      send: () => settlementToken.setIssuer(account, allowed),
      done: () => what,
    });
  };
  const issue = (): void => {
    if (!isAddress(recipient)) return onRefuse("operator.pickRecipient");
    const amount = parseCny(amountText);
    if (amount === null || amount === 0n) return onRefuse("operator.badLimit", { text: amountText });
    const to = getAddress(recipient);
    const what = t("operator.do.issue", { amount: cny(amount), who: nameOf(to) });
    onPrepare({
      area: "currency",
      what,
      details: [t("operator.detail.address", { address: to })],
      call: `SettlementToken.issue(${to}, ${amount})`,
      dryRun: () => settlementToken.issue.staticCall(to, amount),
      send: () => settlementToken.issue(to, amount),
      done: () => what,
    });
  };

  return (
    <Section title={t("operator.currencyTitle")} testId="operator-currency">
      <p className="muted">{t("operator.currencyIntro")}</p>
      <ErrorBox error={figures.error} />
      {figures.data !== null && (
        <>
          <p data-testid="currency-self">
            {figures.data.self ? t("operator.youIssue") : t("operator.youDoNotIssue")} · {t("operator.issued", { amount: cny(figures.data.issued) })}
          </p>
          <div className="table-scroll">
            <table style={{ width: "auto" }} data-testid="currency-balances">
              <tbody>
                {figures.data.balances.map((entry) => (
                  <tr key={entry.account} data-testid={`balance-${entry.account}`}>
                    <td>{holders.find((holder) => holder.account === entry.account)?.name ?? entry.account}</td>
                    <td className="amount">{cny(entry.balance)}</td>
                    <td>{entry.issuer ? t("operator.isIssuer") : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <h3>{t("operator.issuersTitle")}</h3>
      <div className="row">
        <label>
          {t("operator.issuerAddress")}
          <input
            value={issuerAddress}
            placeholder="0x…"
            onChange={(event) => setIssuerAddress(event.target.value)}
            data-testid="currency-issuer-address"
            autoComplete="off"
          />
        </label>
        <button type="button" className="secondary" disabled={disabled} onClick={() => authorize(true)} data-testid="currency-issuer-allow">
          {t("operator.issuerAllow")}
        </button>
        <button type="button" className="secondary" disabled={disabled} onClick={() => authorize(false)} data-testid="currency-issuer-revoke">
          {t("operator.issuerRevoke")}
        </button>
      </div>
      <h3>{t("operator.issueTitle")}</h3>
      <div className="row">
        <label>
          {t("operator.issueTo")}
          <select value={recipient} onChange={(event) => setRecipient(event.target.value)} data-testid="currency-recipient">
            <option value="">—</option>
            {holders.map((holder) => (
              <option key={holder.account} value={holder.account}>
                {holder.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("operator.issueAmount")}
          <input
            className="narrow"
            value={amountText}
            placeholder="1,000,000.00"
            onChange={(event) => setAmountText(event.target.value)}
            data-testid="currency-amount"
            autoComplete="off"
          />
        </label>
        <button type="button" disabled={disabled} onClick={issue} data-testid="currency-issue">
          {t("operator.issue")}
        </button>
      </div>
      {panel}
    </Section>
  );
}
