import { useEffect, useState } from "react";
import { useApp } from "../app";
import type { InboxEntryJson } from "../../api/wire/schemas";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { readInvoice, readWaybill } from "../lib/intake";
import type { IntakeOutcome, InvoiceIntake, SignatureState, WaybillIntake } from "../lib/intake";
import { cny, dateOf } from "../lib/money";

/**
 * The two file inputs of a documented trade (the seller's invoice, the carrier's waybill), each read and checked
 * as soon as it is chosen, with every signature's state shown: valid, not its party's, or the user's own to give.
 */

function SignatureLine({ role, state, party }: { role: MessageKey; state: SignatureState; party: string }) {
  const t = useT();
  const roleName = t(role);
  if (state === "valid") return <li className="ok">✓ {t("doc.sigOk", { role: roleName })}</li>;
  if (state === "mine-to-give") return <li className="pending">✎ {t("doc.sigMissing", { role: roleName })}</li>;
  return <li className="bad">✗ {t("doc.sigBad", { role: roleName, name: party })}</li>;
}

export function InvoiceSummary({ outcome }: { outcome: IntakeOutcome<InvoiceIntake> }) {
  const t = useT();
  const { nameOf } = useApp();
  if (!outcome.ok) return <Problems problems={outcome.problems} />;
  const { invoice } = outcome.intake;
  return (
    <div className="doc-summary" data-testid="invoice-summary">
      <div>
        {t("doc.invoiceNumber", {
          number: invoice.number,
          total: cny(invoice.total),
          seller: nameOf(invoice.seller.account),
          buyer: nameOf(invoice.buyer.account),
        })}
      </div>
      <div className="muted">
        {t("doc.invoiceFigures", { before: cny(invoice.totalBeforeTax), tax: cny(invoice.tax), date: dateOf(invoice.dueDate) })}
      </div>
      <ul>
        <SignatureLine role="doc.seller" state={outcome.intake.seller} party={nameOf(invoice.seller.account)} />
        <SignatureLine role="doc.buyer" state={outcome.intake.buyer} party={nameOf(invoice.buyer.account)} />
        <SignatureLine role="doc.sellerConsent" state={outcome.intake.consent} party={nameOf(invoice.seller.account)} />
      </ul>
    </div>
  );
}

export function WaybillSummary({ outcome }: { outcome: IntakeOutcome<WaybillIntake> }) {
  const t = useT();
  const { nameOf } = useApp();
  if (!outcome.ok) return <Problems problems={outcome.problems} />;
  const { waybill } = outcome.intake.proof;
  return (
    <div className="doc-summary" data-testid="waybill-summary">
      <div>
        {t("doc.waybillNumber", {
          number: waybill.number,
          carrier: nameOf(waybill.carrier.account),
          shipper: nameOf(waybill.shipper.account),
          consignee: nameOf(waybill.consignee.account),
        })}
      </div>
      <ul>
        <SignatureLine role="doc.carrier" state={outcome.intake.carrier} party={nameOf(waybill.carrier.account)} />
        <SignatureLine role="doc.consignee" state={outcome.intake.consignee} party={nameOf(waybill.consignee.account)} />
      </ul>
    </div>
  );
}

function Problems({ problems }: { problems: string[] }) {
  return (
    <ul className="failures">
      {problems.map((problem) => (
        <li key={problem}>{problem}</li>
      ))}
    </ul>
  );
}

async function readJson(file: File): Promise<unknown> {
  return JSON.parse(await file.text()) as unknown;
}

/** The inbox: documents filed in the store for the user's member, to pick instead of a file. */
function useInbox(): InboxEntryJson[] | null {
  const { api } = useApp();
  const [entries, setEntries] = useState<InboxEntryJson[] | null>(null);
  useEffect(() => {
    let live = true;
    api.call("inbox", {}).then(
      (answer) => live && setEntries(answer.documents.filter((entry) => !entry.completed)),
      () => live && setEntries([]),
    );
    return () => {
      live = false;
    };
  }, [api]);
  return entries;
}

export function DocumentInputs(props: {
  invoice: IntakeOutcome<InvoiceIntake> | null;
  waybill: IntakeOutcome<WaybillIntake> | null;
  onInvoice: (outcome: IntakeOutcome<InvoiceIntake> | null) => void;
  onWaybill: (outcome: IntakeOutcome<WaybillIntake> | null) => void;
}) {
  const t = useT();
  const { api, config, connection, members, nameOf } = useApp();
  const chainId = BigInt(config.chainId);
  const inbox = useInbox();
  const issuerName = (memberId: number): string => {
    const member = members.find((entry) => entry.memberId === memberId);
    return member === undefined || member.accounts.length === 0 ? String(memberId) : nameOf(member.accounts[0]);
  };
  const pick = async <T,>(hash: string, read: (json: unknown) => IntakeOutcome<T>, done: (outcome: IntakeOutcome<T> | null) => void) => {
    if (hash === "") {
      done(null);
      return;
    }
    try {
      const filed = await api.call("issuedDocument", { params: { hash } });
      done(read(filed.document));
    } catch (caught) {
      done({ ok: false, problems: [caught instanceof Error ? caught.message : String(caught)] });
    }
  };
  const invoices = (inbox ?? []).filter((entry) => entry.kind === "invoice");
  const waybills = (inbox ?? []).filter((entry) => entry.kind === "logistics");
  const load = async <T,>(file: File | undefined, read: (json: unknown) => IntakeOutcome<T>, done: (outcome: IntakeOutcome<T> | null) => void) => {
    if (file === undefined) {
      done(null);
      return;
    }
    try {
      done(read(await readJson(file)));
    } catch {
      done({ ok: false, problems: [t("doc.notJson")] });
    }
  };
  return (
    <fieldset>
      <legend>{t("transfer.documents")}</legend>
      {inbox !== null && inbox.length === 0 && (
        <p className="muted" data-testid="inbox-empty">
          {t("inbox.empty")}
        </p>
      )}
      {invoices.length > 0 && (
        <label>
          {t("inbox.invoice")}
          <select
            defaultValue=""
            data-testid="inbox-invoice"
            onChange={(event) =>
              void pick(
                event.target.value,
                (json) => readInvoice(json, chainId, connection.address, config.addresses.receivableToken),
                props.onInvoice,
              )
            }
          >
            <option value="">—</option>
            {invoices.map((entry) => (
              <option key={entry.hash} value={entry.hash}>
                {t("inbox.invoiceOption", { number: entry.number, total: cny(entry.total ?? "0"), name: issuerName(entry.issuerMemberId) })}
              </option>
            ))}
          </select>
        </label>
      )}
      {waybills.length > 0 && (
        <label>
          {t("inbox.waybill")}
          <select
            defaultValue=""
            data-testid="inbox-waybill"
            onChange={(event) => void pick(event.target.value, (json) => readWaybill(json, chainId, connection.address), props.onWaybill)}
          >
            <option value="">—</option>
            {waybills.map((entry) => (
              <option key={entry.hash} value={entry.hash}>
                {t("inbox.waybillOption", { number: entry.number, reference: entry.reference ?? "", name: issuerName(entry.issuerMemberId) })}
              </option>
            ))}
          </select>
        </label>
      )}
      {(invoices.length > 0 || waybills.length > 0) && <p className="muted">{t("inbox.orFile")}</p>}
      <label>
        {t("transfer.invoiceFile")}
        <input
          type="file"
          accept="application/json,.json"
          data-testid="invoice-file"
          onChange={(event) =>
            void load(
              event.target.files?.[0],
              (json) => readInvoice(json, chainId, connection.address, config.addresses.receivableToken),
              props.onInvoice,
            )
          }
        />
      </label>
      {props.invoice !== null && <InvoiceSummary outcome={props.invoice} />}
      <label>
        {t("transfer.waybillFile")}
        <input
          type="file"
          accept="application/json,.json"
          data-testid="waybill-file"
          onChange={(event) => void load(event.target.files?.[0], (json) => readWaybill(json, chainId, connection.address), props.onWaybill)}
        />
      </label>
      {props.waybill !== null && <WaybillSummary outcome={props.waybill} />}
    </fieldset>
  );
}

/** Both documents read, and no signature that belongs to someone else is wrong. */
export function documentsReady(
  invoice: IntakeOutcome<InvoiceIntake> | null,
  waybill: IntakeOutcome<WaybillIntake> | null,
): { invoice: InvoiceIntake; waybill: WaybillIntake } | null {
  if (invoice === null || waybill === null || !invoice.ok || !waybill.ok) return null;
  const states = [invoice.intake.seller, invoice.intake.buyer, invoice.intake.consent, waybill.intake.carrier, waybill.intake.consignee];
  return states.includes("invalid") ? null : { invoice: invoice.intake, waybill: waybill.intake };
}
