import { useApp } from "../app";
import { ErrorBox } from "../components";
import { useT } from "../lib/i18n";
import { cny, dateOf } from "../lib/money";
import { slotOf } from "../../chain/tokenId";
import { useData } from "../lib/useData";

/**
 * An anchor's credit line (授信额度) as the chain keeps it: the line, what the anchor owes on confirmed receivables
 * (used), what it may still confirm (free) and the line's next review date. Read from the receivable token's
 * `creditLine` view, where confirm checks it; `version` reloads it after the page's own transactions.
 */
export interface LineFigures {
  limit: bigint;
  used: bigint;
  free: bigint;
  reviewDate: bigint;
}

function figuresOf(line: { limit: bigint; outstanding: bigint; reviewDate: bigint }): LineFigures {
  return {
    limit: line.limit,
    used: line.outstanding,
    free: line.limit > line.outstanding ? line.limit - line.outstanding : 0n,
    reviewDate: line.reviewDate,
  };
}

/** The share of the line in use, in whole percent rounded down (integers only), or null for a zero line. */
export function percentUsed(figures: LineFigures): bigint | null {
  return figures.limit === 0n ? null : (figures.used * 100n) / figures.limit;
}

/** The anchor console's card: line, used, free and review date, or why there is none. */
export function CreditLineCard({ anchorId, version }: { anchorId: number; version: unknown }) {
  const t = useT();
  const { connection } = useApp();
  const line = useData(async () => figuresOf(await connection.contracts.receivableToken.creditLine(anchorId)), [connection, anchorId, version]);
  return (
    <div data-testid="credit-line">
      <ErrorBox error={line.error} />
      {line.data !== null && line.data.reviewDate === 0n && <p className="error">{t("line.none")}</p>}
      {line.data !== null && line.data.reviewDate !== 0n && (
        <>
          <dl className="figures">
            <div>
              <dt>{t("line.limit")}</dt>
              <dd data-testid="line-limit">{cny(line.data.limit)}</dd>
            </div>
            <div>
              <dt>{t("line.used")}</dt>
              <dd data-testid="line-used">{cny(line.data.used)}</dd>
            </div>
            <div>
              <dt>{t("line.free")}</dt>
              <dd data-testid="line-free">{cny(line.data.free)}</dd>
            </div>
            <div>
              <dt>{t("line.review")}</dt>
              <dd data-testid="line-review">{dateOf(line.data.reviewDate)}</dd>
            </div>
          </dl>
          {line.data.used > line.data.limit && <p className="error">{t("line.over")}</p>}
        </>
      )}
    </div>
  );
}

/** The factor desk's note beside a check: how much of the piece's anchor's line is in use. */
export function AnchorLineUse({ tokenId }: { tokenId: string }) {
  const t = useT();
  const { connection } = useApp();
  const use = useData(async () => {
    const { receivableToken: token } = connection.contracts;
    const { anchorId } = await token.receivable(slotOf(BigInt(tokenId)));
    return figuresOf(await token.creditLine(anchorId));
  }, [connection, tokenId]);
  if (use.data === null) return null;
  const percent = percentUsed(use.data);
  return (
    <span className="muted line-use" data-testid="anchor-line-use">
      {use.data.reviewDate === 0n
        ? t("line.none")
        : t("line.use", { used: cny(use.data.used), limit: cny(use.data.limit), percent: percent === null ? "—" : percent.toString() })}
    </span>
  );
}
