import { useCallback, useState } from "react";
import { hasRole, useApp } from "./app";
import { chainNow } from "./lib/chain";
import { useT } from "./lib/i18n";
import type { Translate } from "./lib/i18n";
import { cny, dateOf } from "./lib/money";
import { pieceName } from "../chain/tokenId";
import { noticesOf } from "./lib/notifications";
import type { Notice, NoticeSources } from "./lib/notifications";
import { usePolling } from "./lib/usePolling";

/** How often the notices are asked again: less often than an open request list, they are not about one action. */
const NOTICE_POLL_MS = 15_000;

function sentence(t: Translate, nameOf: (address: string) => string, notice: Notice): string {
  switch (notice.kind) {
    case "arrived":
      return t("notice.arrived", { holder: nameOf(notice.holder), value: cny(notice.value), piece: pieceName(notice.tokenId) });
    case "funded":
      return t("notice.funded", { factor: nameOf(notice.factor), value: cny(notice.value), piece: pieceName(notice.tokenId) });
    case "declined":
      return t("notice.declined", {
        factor: nameOf(notice.factor),
        value: cny(notice.value),
        piece: pieceName(notice.tokenId),
        reason: notice.reason ?? "",
      });
    case "maturing":
      return notice.tokenId === null
        ? t("notice.maturingAnchor", { slot: notice.slot, value: cny(notice.value), date: dateOf(notice.maturity) })
        : t("notice.maturing", { piece: pieceName(notice.tokenId), value: cny(notice.value), date: dateOf(notice.maturity) });
    case "overdue":
      return notice.tokenId === null
        ? t("notice.overdueAnchor", { slot: notice.slot, value: cny(notice.value), date: dateOf(notice.maturity) })
        : t("notice.overdue", { piece: pieceName(notice.tokenId), value: cny(notice.value), date: dateOf(notice.maturity) });
  }
}

/**
 * The bell in the header: what happened that concerns the member (see lib/notifications.ts), asked again every 15 s
 * while the tab is visible; a notice the member has opened the list on counts as seen (remembered in this browser).
 */
export function Notifications() {
  const t = useT();
  const { api, connection, session, nameOf } = useApp();
  const [notices, setNotices] = useState<Notice[]>([]);
  const [open, setOpen] = useState(false);
  const seenKey = `chainbill.seen.${session.address}`;
  const [seen, setSeen] = useState<Set<string>>(() => new Set(JSON.parse(localStorage.getItem(seenKey) ?? "[]") as string[]));

  const refresh = useCallback(async (): Promise<void> => {
    const sources: NoticeSources = { now: await chainNow(connection) };
    const optional = <T,>(promise: Promise<T>): Promise<T | undefined> => promise.catch(() => undefined);
    const [inbox, mine, portfolio, book, obligations] = await Promise.all([
      hasRole(session, "FACTOR") ? optional(api.call("fundingRequests", { query: { as: "factor" } })) : undefined,
      hasRole(session, "SUPPLIER") ? optional(api.call("fundingRequests")) : undefined,
      hasRole(session, "SUPPLIER") || hasRole(session, "FACTOR") ? optional(api.call("portfolio")) : undefined,
      hasRole(session, "FACTOR") ? optional(api.call("factorBook", { params: { address: session.address } })) : undefined,
      hasRole(session, "ANCHOR") ? optional(api.call("obligations", { params: { address: session.address } })) : undefined,
    ]);
    setNotices(noticesOf({ ...sources, inbox: inbox?.requests, mine: mine?.requests, portfolio, book, obligations }));
  }, [api, connection, session]);
  usePolling(() => refresh().catch(() => undefined), NOTICE_POLL_MS, true);

  const unseen = notices.filter((notice) => !seen.has(notice.id)).length;
  const toggle = (): void => {
    if (!open) {
      const next = new Set([...seen, ...notices.map((notice) => notice.id)]);
      localStorage.setItem(seenKey, JSON.stringify([...next].slice(-500)));
      setSeen(next);
    }
    setOpen(!open);
  };
  return (
    <div className="notices">
      <button type="button" className="link" onClick={toggle} aria-expanded={open} data-testid="notices-toggle">
        {t("notice.bell", { count: unseen })}
      </button>
      {open && (
        <div className="notices-list card" role="region" aria-label={t("notice.title")} data-testid="notices">
          {notices.length === 0 ? (
            <p className="muted">{t("notice.none")}</p>
          ) : (
            <ul>
              {notices.map((notice) => (
                <li key={notice.id} className={`notice-${notice.kind}`} data-testid={`notice-${notice.kind}`}>
                  {sentence(t, nameOf, notice)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
