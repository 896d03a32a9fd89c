import { useApp } from "../app";
import { ErrorBox } from "../components";
import { useT } from "../lib/i18n";
import { cny } from "../lib/money";
import { useData } from "../lib/useData";

/**
 * Before repaying: what the anchor owes in total against what it holds in settlement currency, and a plain warning
 * when the balance does not cover it (issue 18 item 2). `asOfBlock`: the block of the obligations shown, so the
 * balance is read from the same index state or later.
 */
export function RepayCover({ owed, asOfBlock }: { owed: bigint; asOfBlock: number }) {
  const t = useT();
  const { api } = useApp();
  const cash = useData(() => api.call("cash", { query: { limit: "1", minBlock: String(asOfBlock) } }), [api, asOfBlock]);
  if (cash.data === null) return <ErrorBox error={cash.error} />;
  const balance = BigInt(cash.data.balance);
  return (
    <div className={balance < owed ? "warning" : "muted"} data-testid="repay-cover">
      <p>{t("cover.summary", { owed: cny(owed), balance: cny(balance) })}</p>
      <p data-testid={balance < owed ? "repay-cover-short" : "repay-cover-ok"}>
        {balance < owed ? t("cover.short", { missing: cny(owed - balance) }) : t("cover.ok")}
      </p>
    </div>
  );
}
