import { useApp } from "../app";
import { ErrorBox, Section, StatusBadge } from "../components";
import { useT } from "../lib/i18n";
import { cny, dateOf } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import { useData } from "../lib/useData";
import { StandingCells, StandingHead } from "../Standing";

/**
 * My pieces with anchor, maturity, value and where each stands (repaid share, claimed, claimable now, still due,
 * overdue since: src/finance/pieceStatus.ts, as of the answer's block), what I sold to factors, and totals.
 */
export function PortfolioPage() {
  const t = useT();
  const { api, nameOf, session } = useApp();
  const { data, error } = useData(
    (minBlock) => api.call("portfolio", { query: { minBlock: minBlock === null ? undefined : String(minBlock) } }),
    [api, session.address],
  );
  return (
    <main>
      <Section title={t("portfolio.title")} testId="portfolio-page">
        <ErrorBox error={error} />
        {data === null ? (
          <p>{t("common.loading")}</p>
        ) : (
          <>
            <p className="totals" data-testid="portfolio-totals">
              {t("portfolio.held", { count: data.totals.count, value: cny(data.totals.value) })}
              {data.sold.length > 0 && <> · {t("portfolio.soldTotal", { value: cny(data.totals.soldValue), price: cny(data.totals.soldPrice) })}</>}
            </p>
            {data.pieces.length === 0 ? (
              <p className="muted">{t("portfolio.empty")}</p>
            ) : (
              <div className="table-scroll">
                <table data-testid="portfolio-table">
                  <thead>
                    <tr>
                      <th>{t("col.piece")}</th>
                      <th>{t("col.anchor")}</th>
                      <th>{t("col.maturity")}</th>
                      <th className="amount">{t("col.value")}</th>
                      <StandingHead />
                    </tr>
                  </thead>
                  <tbody>
                    {data.pieces.map((piece) => (
                      <tr key={piece.tokenId} data-testid={`piece-${pieceName(piece.tokenId)}`}>
                        <td>
                          <a href={`#/piece/${piece.tokenId}`}>{pieceName(piece.tokenId)}</a>
                          {piece.status === "funded" && (
                            <span className="figure-note left">
                              <StatusBadge status="funded" />
                            </span>
                          )}
                        </td>
                        <td>{nameOf(piece.anchor)}</td>
                        <td>{dateOf(piece.maturity)}</td>
                        <td className="amount">{cny(piece.value)}</td>
                        <StandingCells value={piece.value} standing={piece.standing} />
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {data.sold.length > 0 && (
              <>
                <h3>{t("portfolio.sold")}</h3>
                <div className="table-scroll">
                  <table data-testid="sold-table">
                    <thead>
                      <tr>
                        <th>{t("col.piece")}</th>
                        <th>{t("col.factor")}</th>
                        <th>{t("col.maturity")}</th>
                        <th className="amount">{t("col.value")}</th>
                        <th className="amount">{t("col.price")}</th>
                        <th>{t("col.status")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.sold.map((row) => (
                        <tr key={row.fundingId}>
                          <td>
                            <a href={`#/piece/${row.fundedTokenId}`}>{pieceName(row.fundedTokenId)}</a>
                          </td>
                          <td>{nameOf(row.factor)}</td>
                          <td>{row.maturity === null ? t("common.none") : dateOf(row.maturity)}</td>
                          <td className="amount">{cny(row.value)}</td>
                          <td className="amount">{cny(row.price)}</td>
                          <td>
                            <StatusBadge status="funded" />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
            <p className="muted small">
              {t("common.asOf", { block: data.asOfBlock })} · {data.final ? t("common.final") : t("common.notFinal")}
            </p>
          </>
        )}
      </Section>
    </main>
  );
}
