import { useState } from "react";
import { useApp } from "../app";
import { ErrorBox, Section } from "../components";
import { explain } from "../lib/errors";
import type { Explained } from "../lib/errors";
import { useLanguage, useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny, dateOf, shortAddress } from "../lib/money";
import { useData } from "../lib/useData";
import { pieceName } from "../../chain/tokenId";
import type { ActivityRowJson } from "../../api/wire/schemas";

/** A block's time as people read it: the calendar date and the hour in China Standard Time. */
export function whenOf(blockTime: number | null): string {
  if (blockTime === null) return "—";
  const ofDay = (blockTime + 8 * 3600) % 86_400;
  const hours = Math.floor(ofDay / 3600);
  const minutes = Math.floor((ofDay % 3600) / 60);
  return `${dateOf(blockTime)} ${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`;
}

/** Where a row happened: its block, and its transaction shortened (the whole hash on hover). */
export function TransactionCell({ block, transactionHash }: { block: number; transactionHash: string }) {
  const t = useT();
  return (
    <td className="transaction" title={transactionHash}>
      {t("activity.block", { block })} · <code>{shortAddress(transactionHash)}</code>
    </td>
  );
}

/** The piece a row is about, linked to its page, or its receivable. */
export function PieceCell({ tokenId, slot }: { tokenId: string | null; slot: string | null }) {
  const t = useT();
  if (tokenId !== null)
    return (
      <td>
        <a href={`#/piece/${tokenId}`}>{pieceName(tokenId)}</a>
      </td>
    );
  return <td>{slot === null ? "—" : t("activity.receivable", { slot })}</td>;
}

/**
 * Rows read a page at a time, newest first: the first page loads with the page (and again on `reload`), "Show older"
 * appends the next one from the last page's `nextBefore`.
 */
export function usePagedRows<P extends { rows: readonly unknown[]; nextBefore: string | null }>(
  load: (before: string | undefined) => Promise<P>,
  dependencies: readonly unknown[],
) {
  const t = useT();
  const language = useLanguage();
  const first = useData(() => load(undefined), dependencies);
  type Row = P["rows"][number];
  const [older, setOlder] = useState<{ for: unknown; rows: Row[]; nextBefore: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Explained | null>(null);
  // Older rows belong to the first page they followed: a new first page drops them.
  const mine = older !== null && older.for === first.data ? older : null;
  const nextBefore = mine?.nextBefore ?? first.data?.nextBefore ?? null;
  const more = async (): Promise<void> => {
    if (nextBefore === null || loadingMore) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await load(nextBefore);
      setOlder({ for: first.data, rows: [...(mine?.rows ?? []), ...page.rows], nextBefore: page.nextBefore });
    } catch (caught) {
      setMoreError(explain(caught, t, language));
    } finally {
      setLoadingMore(false);
    }
  };
  const rows: Row[] | null = first.data === null ? null : [...first.data.rows, ...(mine?.rows ?? [])];
  return { first, rows, more, hasMore: nextBefore !== null, loadingMore, moreError };
}

/** Each member's history, newest first, from the index (issue 18 item 8). */
export function ActivityPage() {
  const t = useT();
  const { api, nameOf } = useApp();
  const paged = usePagedRows((before) => api.call("activity", { query: { before } }), [api]);
  const rows: ActivityRowJson[] | null = paged.rows;
  return (
    <main>
      <Section title={t("activity.title")} testId="activity-page">
        <p className="muted">{t("activity.intro")}</p>
        <ErrorBox error={paged.first.error} />
        {rows === null ? (
          paged.first.error === null && <p data-testid="activity-loading">{t("common.loading")}</p>
        ) : rows.length === 0 ? (
          <p className="muted" data-testid="activity-empty">
            {t("activity.empty")}
          </p>
        ) : (
          <div className="table-scroll">
            <table data-testid="activity-table">
              <thead>
                <tr>
                  <th>{t("activity.col.when")}</th>
                  <th>{t("activity.col.what")}</th>
                  <th>{t("col.piece")}</th>
                  <th className="amount">{t("activity.col.amount")}</th>
                  <th>{t("activity.col.counterparty")}</th>
                  <th>{t("activity.col.transaction")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={`${row.checkpoint}-${row.kind}`} data-testid={`activity-${row.kind}`} data-kind={row.kind}>
                    <td>{whenOf(row.blockTime)}</td>
                    <td>{t(`activity.kind.${row.kind}` as MessageKey)}</td>
                    <PieceCell tokenId={row.tokenId} slot={row.slot} />
                    <td className="amount">
                      {row.kind === "requested" ? "—" : cny(row.amount)}
                      {row.value !== null && <div className="muted">{t("activity.pieceValue", { value: cny(row.value) })}</div>}
                    </td>
                    <td>{row.counterparty === null ? "—" : nameOf(row.counterparty)}</td>
                    <TransactionCell block={row.block} transactionHash={row.transactionHash} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <ErrorBox error={paged.moreError} />
        {paged.hasMore && (
          <button type="button" className="secondary" disabled={paged.loadingMore} onClick={() => void paged.more()} data-testid="activity-more">
            {t("activity.more")}
          </button>
        )}
      </Section>
    </main>
  );
}
