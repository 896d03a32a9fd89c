import { useState } from "react";
import { getAddress } from "ethers";
import { hasRole, useApp } from "../app";
import { ErrorBox, Progress, Section, useAction } from "../components";
import { invoiceToWire, signInvoice } from "../../proofs/invoice";
import type { Invoice } from "../../proofs/invoice";
import { signLogisticsEvent } from "../../proofs/logistics";
import type { LogisticsEventContent, Waybill } from "../../proofs/logistics";
import { issueInvoiceConsent, randomSalt } from "../../proofs/issue";
import { chainNow } from "../lib/chain";
import { useT } from "../lib/i18n";
import { parseCny } from "../lib/money";

const DAY = 86_400n;

function download(name: string, json: unknown): string {
  const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 2)], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  return url;
}

/** Sellers issue and sign invoices; carriers sign waybills. The files go to the buyer, who acknowledges them. */
export function DocumentsPage() {
  const t = useT();
  const { connection, config, members, session, nameOf } = useApp();
  const chainId = BigInt(config.chainId);
  const others = members
    .filter((member) => member.status === "ACTIVE" && member.memberId !== session.memberId)
    .flatMap((member) => member.accounts.map((account) => ({ account: getAddress(account), memberId: member.memberId })));
  const partyOf = (account: string) => {
    const found = others.find((entry) => entry.account === account);
    return found === undefined ? undefined : { memberId: found.memberId, account: found.account };
  };
  const me = { memberId: session.memberId, account: connection.address };
  const [buyer, setBuyer] = useState("");
  const [number, setNumber] = useState("");
  const [goods, setGoods] = useState("");
  const [quantity, setQuantity] = useState("1");
  const [totalText, setTotalText] = useState("");
  const [shipper, setShipper] = useState("");
  const [consignee, setConsignee] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const { progress, error, setError, run, busy } = useAction();

  const issueInvoice = async (): Promise<void> => {
    const total = parseCny(totalText);
    const buyerParty = partyOf(buyer);
    if (total === null || buyerParty === undefined || number.trim() === "" || goods.trim() === "") {
      setError({ message: t("transfer.pickAll"), reasons: [] });
      return;
    }
    await run(["documents.sign"], async () => {
      const invoice: Invoice = {
        number: number.trim(),
        seller: me,
        buyer: buyerParty,
        issueDate: Number(await chainNow(connection)),
        currency: "CNY",
        lines: [{ description: goods.trim(), quantity: 1n, unitPrice: total }],
        tax: 0n,
        total,
        purchaseOrder: `PO-${number.trim()}`,
        salt: randomSalt(),
      };
      const sellerSignature = await signInvoice(connection.signer, chainId, invoice);
      // With the invoice, the seller consents that its buyer registers it on chain (confirms it or pays with a piece).
      const sellerConsent = await issueInvoiceConsent(chainId, config.addresses.receivableToken, invoice, connection.signer);
      const file = `invoice-${invoice.number}.json`;
      download(file, { invoice: invoiceToWire(invoice), sellerSignature, sellerConsent });
      setDone(t("documents.download", { file }));
    });
  };

  const signWaybill = async (): Promise<void> => {
    const shipperParty = partyOf(shipper);
    const consigneeParty = partyOf(consignee);
    if (
      shipperParty === undefined ||
      consigneeParty === undefined ||
      number.trim() === "" ||
      goods.trim() === "" ||
      !/^[1-9][0-9]*$/u.test(quantity)
    ) {
      setError({ message: t("transfer.pickAll"), reasons: [] });
      return;
    }
    await run(["documents.sign"], async () => {
      const now = await chainNow(connection);
      const waybill: Waybill = {
        number: `WB-${number.trim()}`,
        carrier: me,
        shipper: shipperParty,
        consignee: consigneeParty,
        goods: [{ description: goods.trim(), quantity: BigInt(quantity) }],
        reference: number.trim(),
        salt: randomSalt(),
      };
      const events: Array<LogisticsEventContent & { carrierSignature: string }> = [];
      for (const event of [
        { kind: "pickedUp", time: Number(now - 2n * DAY), place: "Shipper's warehouse" },
        { kind: "delivered", time: Number(now - 60n), place: "Consignee's plant" },
      ] as LogisticsEventContent[]) {
        events.push({ ...event, carrierSignature: await signLogisticsEvent(connection.signer, chainId, waybill, event) });
      }
      const file = `waybill-${waybill.number}.json`;
      download(file, {
        waybill: { ...waybill, goods: waybill.goods.map((line) => ({ description: line.description, quantity: line.quantity.toString() })) },
        events,
      });
      setDone(t("documents.download", { file }));
    });
  };

  const partyOptions = others.map((entry) => (
    <option key={entry.account} value={entry.account}>
      {nameOf(entry.account)}
    </option>
  ));
  return (
    <main>
      <Section title={t("documents.title")} testId="documents-page">
        <p className="muted">{t("documents.intro")}</p>
        <label>
          {t("documents.number")}
          <input value={number} onChange={(event) => setNumber(event.target.value)} placeholder="GSS-INV-0001" data-testid="document-number" />
        </label>
        <label>
          {t("documents.goods")}
          <input value={goods} onChange={(event) => setGoods(event.target.value)} data-testid="document-goods" />
        </label>
        {hasRole(session, "SUPPLIER") && (
          <fieldset>
            <legend>{t("documents.invoice")}</legend>
            <label>
              {t("documents.buyer")}
              <select value={buyer} onChange={(event) => setBuyer(event.target.value)} data-testid="invoice-buyer">
                <option value="">—</option>
                {partyOptions}
              </select>
            </label>
            <label>
              {t("documents.total")}
              <input value={totalText} onChange={(event) => setTotalText(event.target.value)} placeholder="100,000.00" data-testid="invoice-total" />
            </label>
            <button type="button" disabled={busy} onClick={() => void issueInvoice()} data-testid="invoice-sign">
              {t("documents.sign")}
            </button>
          </fieldset>
        )}
        {hasRole(session, "CARRIER") && (
          <fieldset>
            <legend>{t("documents.waybill")}</legend>
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
              {t("documents.quantity")}
              <input value={quantity} onChange={(event) => setQuantity(event.target.value)} data-testid="waybill-quantity" />
            </label>
            <button type="button" disabled={busy} onClick={() => void signWaybill()} data-testid="waybill-sign">
              {t("documents.sign")}
            </button>
          </fieldset>
        )}
        <Progress progress={progress} />
        <ErrorBox error={error} />
        {done !== null && <p className="success">{done}</p>}
      </Section>
    </main>
  );
}
