import { useState } from "react";
import { useApp } from "../app";
import { ActionOutcome, ErrorBox, Section, useAction } from "../components";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny, dateOf } from "../lib/money";
import { pieceName, slotOf } from "../../chain/tokenId";
import type { PortfolioPieceJson as PortfolioPiece } from "../../api/wire/schemas";
import { useData } from "../lib/useData";
import { basisPointsOf, percentOf, repaidShareOf } from "../../finance/pieceStatus";

/** One held piece with what the chain says it may collect now. */
interface ClaimRow {
  piece: PortfolioPiece;
  claimable: bigint;
  claimed: bigint;
  /** What the anchor has repaid on the piece's receivable, read from the settlement contract with the rest. */
  repaid: bigint;
}

interface ClaimsView {
  rows: ClaimRow[];
  cash: bigint;
  asOfBlock: number;
}

/** The share repaid, as a percentage with two decimals, in integers: repaid × 10000 / face, rounded down. */
function repaidShare(repaid: bigint, faceValue: bigint): string {
  return percentOf(basisPointsOf(repaid, faceValue));
}

/**
 * Collect at maturity: every held piece with its repaid share, what it already received, what it can claim now and
 * what is still due, read from the settlement contract itself (never from a lagging index); one button per piece
 * and one for all at once (`claimMany`). A button that sends is disabled while its transaction is pending, and a
 * click during that time sends nothing.
 */
export function ClaimsPage() {
  const t = useT();
  const { api, connection, session, nameOf } = useApp();
  const { progress, error, run, busy } = useAction();
  const [result, setResult] = useState<string | null>(null);
  const view = useData<ClaimsView>(
    async (minBlock) => {
      const portfolio = await api.call("portfolio", { query: { minBlock: minBlock === null ? undefined : String(minBlock) } });
      const { settlement, settlementToken } = connection.contracts;
      const rows = await Promise.all(
        portfolio.pieces.map(async (piece) => {
          const tokenId = BigInt(piece.tokenId);
          const [claimable, claimed, account] = await Promise.all([
            settlement.claimable(tokenId),
            settlement.claimedBy(tokenId),
            settlement.account(slotOf(tokenId)),
          ]);
          return { piece, claimable, claimed, repaid: account.repaid };
        }),
      );
      const cash = await settlementToken.balanceOf(session.address);
      return { rows, cash, asOfBlock: portfolio.asOfBlock };
    },
    [api, connection, session.address],
  );

  const rows = view.data?.rows ?? [];
  const ready = rows.filter((row) => row.claimable > 0n);
  const totalClaimable = ready.reduce((sum, row) => sum + row.claimable, 0n);

  const collect = async (chosen: ClaimRow[]): Promise<void> => {
    // A second click while the first claim is pending sends nothing: useAction runs one action at a time.
    if (chosen.length === 0) return;
    setResult(null);
    const amount = chosen.reduce((sum, row) => sum + row.claimable, 0n);
    const steps: MessageKey[] = ["claims.stepSend", "transfer.stepMined", "transfer.stepIndexed"];
    await run(steps, async (step) => {
      const { settlement } = connection.contracts;
      const sent =
        chosen.length === 1
          ? await settlement.claim(BigInt(chosen[0].piece.tokenId))
          : await settlement.claimMany(chosen.map((row) => BigInt(row.piece.tokenId)));
      step("transfer.stepMined");
      const receipt = await sent.wait();
      step("transfer.stepIndexed");
      await view.reload(receipt?.blockNumber ?? null);
      setResult(t("claims.done", { value: cny(amount), count: chosen.length }));
    });
  };

  return (
    <main>
      <Section title={t("claims.title")} testId="claims-page">
        <p className="muted">{t("claims.intro")}</p>
        <ErrorBox error={view.error} />
        {view.data === null ? (
          <p>{t("common.loading")}</p>
        ) : (
          <>
            <p className="totals" data-testid="claims-totals">
              {t("claims.cash", { value: cny(view.data.cash) })} · {t("claims.total", { value: cny(totalClaimable), count: ready.length })}
            </p>
            {rows.length === 0 ? (
              <p className="muted">{t("portfolio.empty")}</p>
            ) : (
              <div className="table-scroll">
                <table data-testid="claims-table">
                  <thead>
                    <tr>
                      <th>{t("col.piece")}</th>
                      <th>{t("col.anchor")}</th>
                      <th>{t("col.maturity")}</th>
                      <th className="amount">{t("col.value")}</th>
                      <th className="amount">{t("claims.repaidShare")}</th>
                      <th className="amount">{t("claims.claimed")}</th>
                      <th className="amount">{t("claims.claimable")}</th>
                      <th className="amount">{t("claims.stillDue")}</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((row) => {
                      const value = BigInt(row.piece.value);
                      // What the anchor still owes on the piece (src/finance/pieceStatus.ts): not what is merely
                      // waiting for maturity to be claimed.
                      const stillDue = value - repaidShareOf(value, row.repaid, BigInt(row.piece.faceValue));
                      return (
                        <tr key={row.piece.tokenId} data-testid={`claim-${pieceName(row.piece.tokenId)}`}>
                          <td>
                            <a href={`#/piece/${row.piece.tokenId}`}>{pieceName(row.piece.tokenId)}</a>
                          </td>
                          <td>{nameOf(row.piece.anchor)}</td>
                          <td>{dateOf(row.piece.maturity)}</td>
                          <td className="amount">{cny(value)}</td>
                          <td className="amount">{repaidShare(row.repaid, BigInt(row.piece.faceValue))}</td>
                          <td className="amount">{cny(row.claimed)}</td>
                          <td className="amount" data-testid="claimable">
                            {cny(row.claimable)}
                          </td>
                          <td className="amount" data-testid="still-due">
                            {cny(stillDue)}
                          </td>
                          <td>
                            <button
                              type="button"
                              className="secondary"
                              disabled={busy || row.claimable === 0n}
                              onClick={() => void collect([row])}
                              data-testid="claim-one"
                            >
                              {t("claims.claimOne")}
                            </button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            {ready.length > 0 && (
              <p data-testid="claims-confirm">
                {t("claims.confirm", { value: cny(totalClaimable), count: ready.length, holder: nameOf(session.address) })}
              </p>
            )}
            <button type="button" disabled={busy || ready.length === 0} onClick={() => void collect(ready)} data-testid="claim-all">
              {t("claims.claimAll", { value: cny(totalClaimable) })}
            </button>
          </>
        )}
        <ActionOutcome progress={progress} error={error} result={result} testId="claims-result" />
      </Section>
    </main>
  );
}
