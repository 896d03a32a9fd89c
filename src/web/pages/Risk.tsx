import { useApp } from "../app";
import { ErrorBox, Section } from "../components";
import { BarChart, ColumnChart } from "../charts";
import type { BarRow, Column } from "../charts";
import { FAILURE_TITLES } from "../lib/errors";
import { useLanguage, useT } from "../lib/i18n";
import { cny } from "../lib/money";
import { slotOf } from "../../chain/tokenId";
import { useData } from "../lib/useData";
import { ApiFailure } from "../../api/wire/client";
import type { AnchorRecordJson, FactorExposureJson, StoredFundingRequestJson, SupplierRecordJson } from "../../api/wire/schemas";

/**
 * The record behind a funding decision on the factor desk (issue 19 part 2): beside the check of a request, how the
 * piece's anchor has paid and what the seller has traded (a short panel); below the book, the factor's exposure by
 * anchor and its maturity ladder (two charts), from `/v1/anchors/{a}/record`, `/v1/suppliers/{s}/record` and
 * `/v1/factors/{f}/exposure`.
 */

/** The seller's record, or null when the API does not show it to this factor (403). */
async function recordOrHidden<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 403) return null;
    throw error;
  }
}

export function DecisionRecord({ request }: { request: StoredFundingRequestJson }) {
  const t = useT();
  const app = useApp();
  const { api } = app;
  const data = useData(async () => {
    const slot = await api.call("slot", { params: { id: slotOf(BigInt(request.request.tokenId)).toString() } });
    const [anchor, seller] = await Promise.all([
      api.call("anchorRecord", { params: { address: slot.slot.anchor } }),
      recordOrHidden(() => api.call("supplierRecord", { params: { address: request.holder } })),
    ]);
    return { anchor, seller };
  }, [api, request.request.tokenId, request.holder]);
  return (
    <div className="risk-panel" data-testid="risk-panel">
      <h3>{t("risk.title")}</h3>
      <ErrorBox error={data.error} />
      {data.data === null && data.error === null && <p className="muted">{t("common.loading")}</p>}
      {data.data !== null && (
        <div className="risk-columns">
          <AnchorSummary record={data.data.anchor} name={app.nameOf(data.data.anchor.anchor)} />
          {data.data.seller === null ? (
            <p className="muted" data-testid="risk-seller-hidden">
              {t("risk.hidden")}
            </p>
          ) : (
            <SellerSummary record={data.data.seller} name={app.nameOf(request.holder)} />
          )}
        </div>
      )}
    </div>
  );
}

function AnchorSummary({ record, name }: { record: AnchorRecordJson; name: string }) {
  const t = useT();
  const late = record.repaidLate;
  return (
    <div data-testid="risk-anchor">
      <strong>{t("risk.anchor", { name })}</strong>
      <ul className="risk-facts">
        <li data-testid="risk-confirmed">{t("risk.confirmed", { count: record.confirmed.count, value: cny(record.confirmed.value) })}</li>
        <li>{t("risk.matured", { count: record.matured.count, value: cny(record.matured.value) })}</li>
        <li data-testid="risk-on-time">{t("risk.onTime", { count: record.repaidOnTime.count, value: cny(record.repaidOnTime.value) })}</li>
        <li data-testid="risk-late">
          {late.count === 0
            ? t("risk.lateNone")
            : t("risk.late", { count: late.count, max: late.maxDaysLate, average: late.averageDaysLate ?? "—", beyond: late.beyondGrace })}
        </li>
        {record.dueInGrace.count > 0 && <li>{t("risk.dueInGrace", { count: record.dueInGrace.count, amount: cny(record.dueInGrace.amount) })}</li>}
        <li data-testid="risk-overdue" className={record.overdue.count > 0 ? "risk-bad" : undefined}>
          {record.overdue.count === 0
            ? t("risk.overdueNone")
            : t("risk.overdue", { count: record.overdue.count, amount: cny(record.overdue.amount), days: record.overdue.maxDaysPastDue })}
        </li>
        <li data-testid="risk-line">
          {record.line === null
            ? t("risk.noLine")
            : t("risk.line", {
                used: cny(record.line.used),
                limit: cny(record.line.limit),
                percent: record.line.percentUsed === null ? "—" : record.line.percentUsed,
              })}
        </li>
      </ul>
    </div>
  );
}

function SellerSummary({ record, name }: { record: SupplierRecordJson; name: string }) {
  const t = useT();
  const language = useLanguage();
  const longest = record.relationships.reduce((days, relationship) => Math.max(days, relationship.days), 0);
  const codes = record.refusals.byCode.map(({ code, count }) => `${FAILURE_TITLES[code]?.[language] ?? code} ×${count}`).join(" · ");
  return (
    <div data-testid="risk-seller">
      <strong>{t("risk.seller", { name })}</strong>
      <ul className="risk-facts">
        <li data-testid="risk-sold">{t("risk.sold", { count: record.asSeller.count, value: cny(record.asSeller.value) })}</li>
        <li>{t("risk.bought", { count: record.asBuyer.count, value: cny(record.asBuyer.value) })}</li>
        <li data-testid="risk-relationships">
          {record.relationships.length === 0
            ? t("risk.relationshipsNone")
            : t("risk.relationships", { count: record.relationships.length, days: longest })}
        </li>
        <li data-testid="risk-refusals" className={record.refusals.total > 0 ? "risk-bad" : undefined}>
          {record.refusals.total === 0 ? t("risk.refusalsNone") : `${t("risk.refusals", { count: record.refusals.total })}: ${codes}`}
        </li>
      </ul>
    </div>
  );
}

/** "2027-03" for a few months; beyond six, the month alone except at the first column and each January. */
function monthLabels(months: readonly string[]): string[] {
  if (months.length <= 6) return [...months];
  return months.map((month, index) => (index === 0 || month.endsWith("-01") ? month : month.slice(5)));
}

export function FactorExposure({ reloadKey }: { reloadKey: unknown }) {
  const t = useT();
  const app = useApp();
  const { api, session } = app;
  const exposure = useData(() => api.call("factorExposure", { params: { address: session.address } }), [api, session.address, reloadKey]);
  const data: FactorExposureJson | null = exposure.data;
  const bars: BarRow[] =
    data?.byAnchor.map((bucket) => {
      const figures = { name: app.nameOf(bucket.anchor), due: cny(bucket.due), overdue: cny(bucket.overdue) };
      return {
        key: String(bucket.anchorId),
        label: figures.name,
        value: BigInt(bucket.due),
        part: BigInt(bucket.overdue),
        marker: bucket.appetite === null ? null : BigInt(bucket.appetite),
        text: cny(bucket.due),
        title: t("risk.anchorBar", figures),
      };
    }) ?? [];
  const labels = monthLabels(data?.byMonth.map((bucket) => bucket.month) ?? []);
  const columns: Column[] =
    data?.byMonth.map((bucket, index) => ({
      key: bucket.month,
      label: labels[index],
      value: BigInt(bucket.due),
      part: BigInt(bucket.overdue),
      title: t("risk.monthColumn", { month: bucket.month, due: cny(bucket.due), overdue: cny(bucket.overdue) }),
      caption: t(bucket.overdue === "0" ? "risk.monthCaption" : "risk.monthCaptionOverdue", {
        month: bucket.month,
        due: cny(bucket.due),
        overdue: cny(bucket.overdue),
      }),
    })) ?? [];
  return (
    <Section title={t("risk.exposure")} testId="factor-exposure">
      <ErrorBox error={exposure.error} />
      {data === null && exposure.error === null && <p className="muted">{t("common.loading")}</p>}
      {data !== null && data.total.count === 0 && <p className="muted">{t("risk.noExposure")}</p>}
      {data !== null && data.total.count > 0 && (
        <>
          <p className="totals" data-testid="exposure-totals">
            {t("risk.exposureTotals", { count: data.total.count, due: cny(data.total.due), overdue: cny(data.total.overdue) })}
          </p>
          <p className="muted small" data-testid="exposure-appetite">
            {data.appetite === null ? t("risk.appetiteNone") : t("risk.appetite", { value: cny(data.appetite) })}
          </p>
          <p className="legend small">
            <span className="swatch swatch-due" /> {t("risk.legendDue")} <span className="swatch swatch-overdue" /> {t("risk.legendOverdue")}
          </p>
          <h3>{t("risk.byAnchor")}</h3>
          <BarChart rows={bars} testId="chart-by-anchor" />
          <h3>{t("risk.ladder")}</h3>
          <ColumnChart columns={columns} testId="chart-ladder" />
        </>
      )}
    </Section>
  );
}
