import { useState } from "react";
import { useApp } from "../app";
import { ErrorBox, Section } from "../components";
import { useT } from "../lib/i18n";
import { firstPieceOf, parsePieceName, pieceName } from "../../chain/tokenId";
import { useData } from "../lib/useData";
import { LineageTree } from "./Piece";

/** "#3.2" is a piece; a bare number is a receivable (its first piece). */
function tokenOfQuery(query: string): bigint | null {
  const trimmed = query.trim();
  if (/^[0-9]{1,10}$/u.test(trimmed)) return firstPieceOf(BigInt(trimmed));
  return parsePieceName(trimmed);
}

/** The auditor finds any piece or receivable, traces it, opens its documents and sees the audit status. */
export function AuditorPage({ query }: { query: string }) {
  const t = useT();
  const { api, navigate } = useApp();
  const [text, setText] = useState(query === "" ? "" : pieceName(query));
  const [bad, setBad] = useState(false);
  const tokenId = /^[0-9]+$/u.test(query) ? query : null;
  const { data, error, loading } = useData(
    async () => (tokenId === null ? null : api.call("pieceTree", { params: { id: tokenId } })),
    [api, tokenId],
  );
  const failing = data?.nodes.filter((node) => node.checks !== null && !node.checks.passed).length ?? 0;
  return (
    <main>
      <Section title={t("auditor.title")} testId="auditor-page">
        <p className="muted">{t("auditor.intro")}</p>
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            const found = tokenOfQuery(text);
            setBad(found === null);
            if (found !== null) navigate(`auditor/${found}`);
          }}
        >
          <input
            value={text}
            onChange={(event) => setText(event.target.value)}
            placeholder="#1.2"
            aria-label={t("auditor.search")}
            data-testid="auditor-query"
          />
          <button type="submit" data-testid="auditor-trace">
            {t("auditor.trace")}
          </button>
        </form>
        {bad && <p className="error">{t("auditor.badQuery")}</p>}
        <ErrorBox error={error} />
        {tokenId !== null && data === null && error === null && loading && <p>{t("common.loading")}</p>}
        {data !== null && (
          <>
            <h3>{t("auditor.status")}</h3>
            <p className={failing === 0 ? "success" : "error"} data-testid="audit-status">
              {failing === 0 ? t("auditor.allPass", { count: data.nodes.length }) : t("auditor.someFail", { count: failing })}
            </p>
            <LineageTree tree={data} />
          </>
        )}
      </Section>
    </main>
  );
}
