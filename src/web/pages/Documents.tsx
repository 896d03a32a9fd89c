import { useState } from "react";
import { getAddress } from "ethers";
import { hasRole, useApp } from "../app";
import { ErrorBox, Progress, Section, useAction } from "../components";
import { invoiceLineOf, invoiceTotalsOf, signInvoice } from "../../proofs/invoice";
import type { Invoice, InvoiceLine, InvoiceParty } from "../../proofs/invoice";
import { signLogisticsEvent } from "../../proofs/logistics";
import type { LogisticsEventContent, Waybill } from "../../proofs/logistics";
import { issueInvoiceConsent, randomSalt } from "../../proofs/issue";
import { carrierWaybillToWire, sellerInvoiceToWire } from "../../proofs/issued";
import { VAT_RATES_BPS, formatRate } from "../../proofs/vat";
import { endOfDayCst } from "../../chain/membership";
import { chainNow } from "../lib/chain";
import { useT } from "../lib/i18n";
import { cny, parseCny } from "../lib/money";

/** A "YYYY-MM-DDTHH:mm" of a datetime-local input, read in China Standard Time, as unix seconds; null when not one. */
export function cstInputSeconds(text: string): number | null {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$/u.test(text)) return null;
  const millis = Date.parse(`${text}:00+08:00`);
  return Number.isNaN(millis) ? null : Math.floor(millis / 1000);
}

function download(name: string, json: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 2)], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
}

interface LineForm {
  item: string;
  quantity: string;
  unit: string;
  unitPrice: string;
  taxRate: number;
}

interface EventForm {
  place: string;
  time: string;
  quantity: string;
}

const EMPTY_LINE: LineForm = { item: "", quantity: "", unit: "", unitPrice: "", taxRate: 1300 };
const EMPTY_EVENT: EventForm = { place: "", time: "", quantity: "" };
const WHOLE = /^[1-9][0-9]{0,17}$/u;

/** A line of the form as an invoice line (amount and tax computed), or null while it is incomplete. */
function lineOf(form: LineForm): InvoiceLine | null {
  const unitPrice = parseCny(form.unitPrice);
  if (form.item.trim() === "" || form.unit.trim() === "" || !WHOLE.test(form.quantity.trim()) || unitPrice === null) return null;
  return invoiceLineOf({ item: form.item.trim(), quantity: BigInt(form.quantity.trim()), unit: form.unit.trim(), unitPrice, taxRate: form.taxRate });
}

function eventOf(kind: LogisticsEventContent["kind"], form: EventForm): LogisticsEventContent | null {
  const time = cstInputSeconds(form.time);
  if (form.place.trim() === "" || time === null || !WHOLE.test(form.quantity.trim())) return null;
  return { kind, place: form.place.trim(), time, quantity: BigInt(form.quantity.trim()) };
}

/**
 * Sellers issue VAT invoices and carriers enter a shipment's pick-up and delivery: each signs in its wallet and files
 * the document in the store for the members it is addressed to, who find it in their inbox; it can be saved as a
 * file too. The buyer (consignee) acknowledges when it pays.
 */
export function DocumentsPage() {
  const t = useT();
  const { api, connection, config, members, session, nameOf } = useApp();
  const chainId = BigInt(config.chainId);
  const others = members
    .filter((member) => member.status === "ACTIVE" && member.memberId !== session.memberId)
    .flatMap((member) => member.accounts.map((account) => ({ account: getAddress(account), memberId: member.memberId })));
  const partyOf = (account: string) => {
    const found = others.find((entry) => entry.account === account);
    return found === undefined ? undefined : { memberId: found.memberId, account: found.account };
  };
  /** A member as an invoice names it: its registered name and the credit code of its admitted application. */
  const invoicePartyOf = (memberId: number, account: string): InvoiceParty | string => {
    const member = members.find((entry) => entry.memberId === memberId);
    const name = nameOf(account);
    if (member?.creditCode === null || member?.creditCode === undefined) return t("documents.noCreditCode", { name });
    return { memberId, account, name: member.nameZh ?? member.nameEn ?? name, creditCode: member.creditCode };
  };
  const me = { memberId: session.memberId, account: connection.address };
  // The invoice.
  const [buyer, setBuyer] = useState("");
  const [number, setNumber] = useState("");
  const [purchaseOrder, setPurchaseOrder] = useState("");
  const [dueDate, setDueDate] = useState("");
  const [lines, setLines] = useState<LineForm[]>([{ ...EMPTY_LINE }]);
  // The waybill.
  const [waybillNumber, setWaybillNumber] = useState("");
  const [reference, setReference] = useState("");
  const [goods, setGoods] = useState("");
  const [quantity, setQuantity] = useState("");
  const [shipper, setShipper] = useState("");
  const [consignee, setConsignee] = useState("");
  const [pickUp, setPickUp] = useState<EventForm>({ ...EMPTY_EVENT });
  const [delivery, setDelivery] = useState<EventForm>({ ...EMPTY_EVENT });
  const [done, setDone] = useState<{ message: string; file: string; json: unknown } | null>(null);
  const { progress, error, setError, run, busy } = useAction();

  const parsedLines = lines.map(lineOf);
  const complete = parsedLines.every((line) => line !== null) ? parsedLines : null;
  const totals = complete === null ? null : invoiceTotalsOf(complete);
  const setLine = (index: number, change: Partial<LineForm>) => setLines(lines.map((line, at) => (at === index ? { ...line, ...change } : line)));

  const issueInvoice = async (): Promise<void> => {
    setDone(null);
    const buyerParty = partyOf(buyer);
    const due = endOfDayCst(dueDate);
    if (buyerParty === undefined || number.trim() === "" || purchaseOrder.trim() === "" || due === null) {
      setError({ message: t("documents.pickAll"), reasons: [] });
      return;
    }
    const missing = parsedLines.findIndex((line) => line === null);
    if (complete === null || missing >= 0) {
      setError({ message: t("documents.badLine", { line: missing + 1 }), reasons: [] });
      return;
    }
    const sellerNamed = invoicePartyOf(me.memberId, me.account);
    const buyerNamed = invoicePartyOf(buyerParty.memberId, buyerParty.account);
    if (typeof sellerNamed === "string" || typeof buyerNamed === "string") {
      setError({ message: typeof sellerNamed === "string" ? sellerNamed : (buyerNamed as string), reasons: [] });
      return;
    }
    await run(["documents.sign"], async () => {
      const invoice: Invoice = {
        number: number.trim(),
        issueDate: Number(await chainNow(connection)),
        seller: sellerNamed,
        buyer: buyerNamed,
        currency: "CNY",
        lines: complete,
        ...invoiceTotalsOf(complete),
        purchaseOrder: purchaseOrder.trim(),
        dueDate: Number(due),
        salt: randomSalt(),
      };
      const sellerSignature = await signInvoice(connection.signer, chainId, invoice);
      // With the invoice, the seller consents that its buyer registers it on chain (confirms it or pays with a piece).
      const sellerConsent = await issueInvoiceConsent(chainId, config.addresses.receivableToken, invoice, connection.signer);
      const half = sellerInvoiceToWire({ invoice, sellerSignature, sellerConsent });
      await api.call("fileInvoice", { body: half });
      setDone({ message: t("documents.filed", { name: nameOf(buyerParty.account) }), file: `invoice-${invoice.number}.json`, json: half });
    });
  };

  const signWaybill = async (): Promise<void> => {
    setDone(null);
    const shipperParty = partyOf(shipper);
    const consigneeParty = partyOf(consignee);
    if (
      shipperParty === undefined ||
      consigneeParty === undefined ||
      waybillNumber.trim() === "" ||
      reference.trim() === "" ||
      goods.trim() === "" ||
      !WHOLE.test(quantity.trim())
    ) {
      setError({ message: t("documents.pickAll"), reasons: [] });
      return;
    }
    const pickedUp = eventOf("pickedUp", pickUp);
    const delivered = eventOf("delivered", delivery);
    if (pickedUp === null || delivered === null) {
      setError({ message: t("documents.badEvents"), reasons: [] });
      return;
    }
    // The checks the waybill's schema (and so the verifier) applies, said before the wallet is asked to sign.
    if (delivered.time < pickedUp.time || delivered.quantity > pickedUp.quantity) {
      setError({ message: t("documents.eventOrder"), reasons: [] });
      return;
    }
    await run(["documents.sign"], async () => {
      const waybill: Waybill = {
        number: waybillNumber.trim(),
        carrier: me,
        shipper: shipperParty,
        consignee: consigneeParty,
        goods: [{ description: goods.trim(), quantity: BigInt(quantity.trim()) }],
        reference: reference.trim(),
        salt: randomSalt(),
      };
      const events = [];
      for (const event of [pickedUp, delivered]) {
        events.push({ ...event, carrierSignature: await signLogisticsEvent(connection.signer, chainId, waybill, event) });
      }
      const half = carrierWaybillToWire({ waybill, events });
      await api.call("fileLogistics", { body: half });
      setDone({ message: t("documents.filed", { name: nameOf(consigneeParty.account) }), file: `waybill-${waybill.number}.json`, json: half });
    });
  };

  const partyOptions = others.map((entry) => (
    <option key={entry.account} value={entry.account}>
      {nameOf(entry.account)}
    </option>
  ));
  const eventFields = (kind: "pickup" | "delivery", value: EventForm, set: (next: EventForm) => void) => (
    <fieldset className="event">
      <legend>{t(kind === "pickup" ? "documents.pickUp" : "documents.delivery")}</legend>
      <label>
        {t("documents.place")}
        <input value={value.place} onChange={(event) => set({ ...value, place: event.target.value })} data-testid={`${kind}-place`} />
      </label>
      <label>
        {t("documents.time")}
        <input
          type="datetime-local"
          value={value.time}
          onChange={(event) => set({ ...value, time: event.target.value })}
          data-testid={`${kind}-time`}
        />
      </label>
      <label>
        {t("documents.eventQuantity")}
        <input
          value={value.quantity}
          inputMode="numeric"
          onChange={(event) => set({ ...value, quantity: event.target.value })}
          data-testid={`${kind}-quantity`}
        />
      </label>
    </fieldset>
  );
  return (
    <main>
      <Section title={t("documents.title")} testId="documents-page">
        <p className="muted">{t("documents.intro")}</p>
        {hasRole(session, "SUPPLIER") && (
          <fieldset>
            <legend>{t("documents.invoice")}</legend>
            <label>
              {t("documents.number")}
              <input value={number} onChange={(event) => setNumber(event.target.value)} placeholder="GSS-INV-0001" data-testid="document-number" />
            </label>
            <label>
              {t("documents.buyer")}
              <select value={buyer} onChange={(event) => setBuyer(event.target.value)} data-testid="invoice-buyer">
                <option value="">—</option>
                {partyOptions}
              </select>
            </label>
            <label>
              {t("documents.purchaseOrder")}
              <input value={purchaseOrder} onChange={(event) => setPurchaseOrder(event.target.value)} data-testid="invoice-po" />
            </label>
            <label>
              {t("documents.dueDate")}
              <input type="date" value={dueDate} onChange={(event) => setDueDate(event.target.value)} data-testid="invoice-due" />
            </label>
            <fieldset>
              <legend>{t("documents.lines")}</legend>
              {lines.map((line, index) => {
                const figures = parsedLines[index];
                return (
                  <div className="invoice-line" key={index} data-testid={`line-${index}`}>
                    <label>
                      {t("documents.item")}
                      <input
                        value={line.item}
                        onChange={(event) => setLine(index, { item: event.target.value })}
                        data-testid={`line-${index}-item`}
                      />
                    </label>
                    <label>
                      {t("documents.quantity")}
                      <input
                        value={line.quantity}
                        inputMode="numeric"
                        onChange={(event) => setLine(index, { quantity: event.target.value })}
                        data-testid={`line-${index}-quantity`}
                      />
                    </label>
                    <label>
                      {t("documents.unit")}
                      <input
                        value={line.unit}
                        onChange={(event) => setLine(index, { unit: event.target.value })}
                        data-testid={`line-${index}-unit`}
                      />
                    </label>
                    <label>
                      {t("documents.unitPrice")}
                      <input
                        value={line.unitPrice}
                        inputMode="decimal"
                        placeholder="1,000.00"
                        onChange={(event) => setLine(index, { unitPrice: event.target.value })}
                        data-testid={`line-${index}-price`}
                      />
                    </label>
                    <label>
                      {t("documents.taxRate")}
                      <select
                        value={line.taxRate}
                        onChange={(event) => setLine(index, { taxRate: Number(event.target.value) })}
                        data-testid={`line-${index}-rate`}
                      >
                        {VAT_RATES_BPS.map((rate) => (
                          <option key={rate} value={rate}>
                            {formatRate(rate)}
                          </option>
                        ))}
                      </select>
                    </label>
                    {figures !== null && (
                      <p className="muted" data-testid={`line-${index}-figures`}>
                        {t("documents.lineFigures", { amount: cny(figures.amount), tax: cny(figures.tax) })}
                      </p>
                    )}
                    {lines.length > 1 && (
                      <button type="button" className="secondary" onClick={() => setLines(lines.filter((_, at) => at !== index))}>
                        {t("documents.removeLine")}
                      </button>
                    )}
                  </div>
                );
              })}
              <button type="button" className="secondary" onClick={() => setLines([...lines, { ...EMPTY_LINE }])} data-testid="line-add">
                {t("documents.addLine")}
              </button>
            </fieldset>
            {totals !== null && (
              <p data-testid="invoice-totals">
                {t("documents.totals", { before: cny(totals.totalBeforeTax), tax: cny(totals.tax), total: cny(totals.total) })}
              </p>
            )}
            <button type="button" disabled={busy} onClick={() => void issueInvoice()} data-testid="invoice-sign">
              {t("documents.sign")}
            </button>
          </fieldset>
        )}
        {hasRole(session, "CARRIER") && (
          <fieldset>
            <legend>{t("documents.waybill")}</legend>
            <label>
              {t("documents.waybillNumber")}
              <input
                value={waybillNumber}
                onChange={(event) => setWaybillNumber(event.target.value)}
                placeholder="XJH-WB-0001"
                data-testid="waybill-number"
              />
            </label>
            <label>
              {t("documents.reference")}
              <input value={reference} onChange={(event) => setReference(event.target.value)} data-testid="waybill-reference" />
            </label>
            <label>
              {t("documents.shipper")}
              <select value={shipper} onChange={(event) => setShipper(event.target.value)} data-testid="waybill-shipper">
                <option value="">—</option>
                {partyOptions}
              </select>
            </label>
            <label>
              {t("documents.consignee")}
              <select value={consignee} onChange={(event) => setConsignee(event.target.value)} data-testid="waybill-consignee">
                <option value="">—</option>
                {partyOptions}
              </select>
            </label>
            <label>
              {t("documents.goods")}
              <input value={goods} onChange={(event) => setGoods(event.target.value)} data-testid="document-goods" />
            </label>
            <label>
              {t("documents.quantity")}
              <input value={quantity} inputMode="numeric" onChange={(event) => setQuantity(event.target.value)} data-testid="waybill-quantity" />
            </label>
            {eventFields("pickup", pickUp, setPickUp)}
            {eventFields("delivery", delivery, setDelivery)}
            <button type="button" disabled={busy} onClick={() => void signWaybill()} data-testid="waybill-sign">
              {t("documents.sign")}
            </button>
          </fieldset>
        )}
        <Progress progress={progress} />
        <ErrorBox error={error} />
        {done !== null && (
          <div className="success" data-testid="documents-done">
            <p>{done.message}</p>
            <button type="button" className="secondary" onClick={() => download(done.file, done.json)} data-testid="documents-save">
              {t("documents.saveFile")}
            </button>
          </div>
        )}
      </Section>
    </main>
  );
}
