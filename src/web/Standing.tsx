import { useT } from "./lib/i18n";
import { cny, dateOf } from "./lib/money";
import { basisPointsOf, percentOf } from "../finance/pieceStatus";
import type { DebtState, PieceStandingJson } from "../api/wire/schemas";

/**
 * A piece's true status in a table row (the API computes it with src/finance/pieceStatus.ts at the answer's block):
 * repaid share (amount and percent of the piece), claimed, claimable now, still due (with what waits for maturity),
 * and the state with the date it fell overdue. The head and the cells come in the same order.
 */

export function StandingHead() {
  const t = useT();
  return (
    <>
      <th className="amount">{t("col.repaidShare")}</th>
      <th className="amount">{t("col.claimed")}</th>
      <th className="amount">{t("col.claimable")}</th>
      <th className="amount">{t("col.stillDue")}</th>
      <th>{t("col.status")}</th>
    </>
  );
}

export function StandingCells({ value, standing }: { value: bigint | string; standing: PieceStandingJson }) {
  const t = useT();
  const whole = BigInt(standing.repaidShare) + BigInt(standing.stillDue);
  const awaiting = BigInt(standing.awaitingMaturity);
  return (
    <>
      <td className="amount" data-testid="repaid-share">
        {cny(standing.repaidShare)}
        <span className="figure-note muted">{percentOf(basisPointsOf(BigInt(standing.repaidShare), whole === 0n ? BigInt(value) : whole))}</span>
      </td>
      <td className="amount" data-testid="claimed">
        {cny(standing.claimed)}
      </td>
      <td className="amount" data-testid="claimable">
        {cny(standing.claimable)}
        {awaiting > 0n && <span className="figure-note muted">{t("standing.awaiting", { value: cny(awaiting) })}</span>}
      </td>
      <td className="amount" data-testid="still-due">
        {cny(standing.stillDue)}
      </td>
      <td>
        <span className={`badge badge-${standing.state}`} data-testid="standing">
          {t(`standing.${standing.state}`)}
        </span>
        {standing.overdueSince !== null && (
          <span className="figure-note muted left" data-testid="overdue-since">
            {t("standing.overdueSince", { date: dateOf(standing.overdueSince) })}
          </span>
        )}
      </td>
    </>
  );
}

/** An anchor's debt: payable (应付) until repaid, overdue or written off once past grace. */
export function DebtBadge({ state }: { state: DebtState }) {
  const t = useT();
  return (
    <span className={`badge badge-${state}`} data-testid="debt-state">
      {t(`debt.${state}`)}
    </span>
  );
}
