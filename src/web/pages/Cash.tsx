import { useApp } from "../app";
import { ErrorBox, Section } from "../components";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny } from "../lib/money";
import type { CashMovementJson } from "../../api/wire/schemas";
import { PieceCell, TransactionCell, usePagedRows, whenOf } from "./Activity";

/** Each member's settlement-currency balance and its movements, classified, newest first (issue 18 item 2). */
export function CashPage() {
  const t = useT();
  const { api, nameOf } = useApp();
  const paged = usePagedRows(
    async (before) => {
      const page = await api.call("cash", { query: { before } });
      return { ...page, rows: page.movements };
    },
    [api],
  );
  const rows: CashMovementJson[] | null = paged.rows;
  const counterpartyOf = (row: CashMovementJson): string => {
    if (row.counterpartySystem !== null) return t(row.counterpartySystem === "settlement" ? "cash.settlement" : "cash.financing");
    if (row.counterparty === null) return row.kind === "issued" || row.kind === "redeemed" ? t("cash.issuer") : "—";
    return nameOf(row.counterparty);
  };
  return (
    <main>
      <Section title={t("cash.title")} testId="cash-page">
        <p className="muted">{t("cash.intro")}</p>
        <ErrorBox error={paged.first.error} />
        {paged.first.data === null ? (
          paged.first.error === null && <p data-testid="cash-loading">{t("common.loading")}</p>
        ) : (
          <p className="totals" data-testid="cash-balance">
            {t("cash.balance", { value: cny(paged.first.data.balance) })}
          </p>
        )}
        {rows !== null && rows.length === 0 && (
          <p className="muted" data-testid="cash-empty">
            {t("cash.empty")}
          </p>
        )}
        {rows !== null && rows.length > 0 && (
          <div className="table-scroll">
            <table data-testid="cash-table">
              <thead>
                <tr>
                  <th>{t("activity.col.when")}</th>
                  <th>{t("activity.col.what")}</th>
                  <th className="amount">{t("cash.in")}</th>
                  <th className="amount">{t("cash.out")}</th>
                  <th>{t("activity.col.counterparty")}</th>
                  <th>{t("col.piece")}</th>
                  <th>{t("activity.col.transaction")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.checkpoint} data-testid={`cash-${row.kind}`} data-kind={row.kind}>
                    <td>{whenOf(row.blockTime)}</td>
                    <td>{t(`cash.kind.${row.kind}` as MessageKey)}</td>
                    <td className="amount">{row.direction === "in" ? cny(row.amount) : ""}</td>
                    <td className="amount">{row.direction === "out" ? cny(row.amount) : ""}</td>
                    <td>{counterpartyOf(row)}</td>
                    <PieceCell tokenId={row.tokenId} slot={row.slot} />
                    <TransactionCell block={row.block} transactionHash={row.transactionHash} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <ErrorBox error={paged.moreError} />
        {paged.hasMore && (
          <button type="button" className="secondary" disabled={paged.loadingMore} onClick={() => void paged.more()} data-testid="cash-more">
            {t("activity.more")}
          </button>
        )}
      </Section>
    </main>
  );
}
