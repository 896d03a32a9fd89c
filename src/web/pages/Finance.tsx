import { useState } from "react";
import { getAddress } from "ethers";
import { useApp } from "../app";
import { ActionOutcome, ErrorBox, Section, useAction } from "../components";
import { financingDomain, signFundingRequest } from "../../chain/funding";
import type { FundingRequest } from "../../chain/funding";
import { chainNow } from "../lib/chain";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny, cnyFigure, dateOf, parseCny } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import type { QuotesJson, StoredFundingRequestJson as StoredRequest } from "../../api/wire/schemas";
import { fundingRequestToWire } from "../../api/wire/convert";
import { SellerRecoursePanel } from "./Recourse";
import { useData } from "../lib/useData";
import { usePolling } from "../lib/usePolling";
import { HolderRequests } from "./RequestLife";

const DAY = 86_400n;

/** A fresh unordered nonce: 48 random bits, far from colliding for one holder. */
function freshNonce(): bigint {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  return (BigInt(words[0] & 0xffff) << 32n) | BigInt(words[1]);
}

export function rateText(bps: bigint | number): string {
  const value = BigInt(bps);
  return `${value / 100n}.${(value % 100n).toString().padStart(2, "0")}`;
}

/**
 * Ask factors to buy a piece: every current offer that fits it (the API's quotes, priced to maturity, best first),
 * pick one or several, sign one request per factor under one nonce (the first to fund spends the nonce and the
 * others lapse on chain), and send them.
 */
export function FinancePage() {
  const t = useT();
  const { api, connection, config, nameOf } = useApp();
  const portfolio = useData((minBlock) => api.call("portfolio", { query: { minBlock: minBlock === null ? undefined : String(minBlock) } }), [api]);
  const mine = useData(() => api.call("fundingRequests"), [api]);
  usePolling(mine.reload);
  const [tokenId, setTokenId] = useState("");
  const [valueText, setValueText] = useState("");
  // The offers picked for this piece and value; until the holder picks, the best offer.
  const [chosen, setChosen] = useState<{ key: string; factors: string[] } | null>(null);
  // The holder's own term, signed with the request: the factor and the verifier cannot change it.
  const [withRecourse, setWithRecourse] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const { progress, error, run, busy } = useAction();

  const pieces = (portfolio.data?.pieces ?? []).filter((piece) => piece.status === "live");
  const piece = pieces.find((entry) => entry.tokenId === tokenId);
  const value = valueText === "" && piece !== undefined ? BigInt(piece.value) : parseCny(valueText);
  const quoteKey = piece === undefined || value === null || value === 0n ? null : `${piece.tokenId}:${value}`;
  const quoted = useData((): Promise<QuotesJson | null> => {
    if (quoteKey === null) return Promise.resolve(null);
    const [quoteToken, quoteValue] = quoteKey.split(":");
    return api.call("quotes", { query: { tokenId: quoteToken, value: quoteValue } });
  }, [api, quoteKey]);
  const quotes = quoted.data;
  const best = quotes === null || quotes.quotes.length === 0 ? [] : [getAddress(quotes.quotes[0].offer.factor)];
  const picks = chosen !== null && chosen.key === quoteKey ? chosen.factors : best;
  const picked = (quotes?.quotes ?? []).filter((quote) => picks.includes(getAddress(quote.offer.factor)));
  const toggle = (factor: string, on: boolean): void =>
    setChosen({
      key: quoteKey ?? "",
      factors: on ? [...picks.filter((entry) => entry !== factor), factor] : picks.filter((entry) => entry !== factor),
    });

  const sign = async (): Promise<void> => {
    setResult(null);
    if (piece === undefined || value === null || picked.length === 0) return;
    const steps: MessageKey[] = ["finance.stepSign", "finance.stepSubmit"];
    await run(steps, async (step) => {
      const current = await chainNow(connection);
      const nonce = freshNonce();
      const domain = financingDomain(BigInt(config.chainId), config.addresses.financing);
      const signed: Array<{ request: FundingRequest; holderSignature: string }> = [];
      for (const quote of picked) {
        const request: FundingRequest = {
          tokenId: BigInt(piece.tokenId),
          value,
          minPrice: BigInt(quote.price),
          factor: getAddress(quote.offer.factor),
          withRecourse,
          deadline: current + 3n * DAY,
          nonce,
        };
        signed.push({ request, holderSignature: await signFundingRequest(connection.signer, domain, request) });
      }
      step("finance.stepSubmit");
      for (const { request, holderSignature } of signed)
        await api.call("submitFundingRequest", { body: { request: fundingRequestToWire(request), holderSignature } });
      setResult(t("finance.submitted", { factor: picked.map((quote) => nameOf(quote.offer.factor)).join(", ") }));
      await mine.reload();
    });
  };

  return (
    <main>
      <Section title={t("finance.title")} testId="finance-page">
        <p className="muted">{t("finance.intro")}</p>
        <label>
          {t("finance.piece")}
          <select value={tokenId} onChange={(event) => setTokenId(event.target.value)} data-testid="finance-piece">
            <option value="">—</option>
            {pieces.map((entry) => (
              <option key={entry.tokenId} value={entry.tokenId}>
                {pieceName(entry.tokenId)} · {cny(entry.value)} · {dateOf(entry.maturity)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("finance.value")}
          <input
            value={valueText}
            onChange={(event) => setValueText(event.target.value)}
            placeholder={piece === undefined ? "" : cnyFigure(piece.value)}
            data-testid="finance-value"
          />
        </label>
        <ErrorBox error={quoted.error} />
        {quotes !== null && (
          <div data-testid="finance-offers">
            <h3>{t("finance.offers", { days: quotes.piece.days })}</h3>
            {quotes.quotes.length === 0 ? (
              <p className="muted" data-testid="finance-no-offers">
                {t("finance.noOffers")}
              </p>
            ) : (
              <div className="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th />
                      <th>{t("col.factor")}</th>
                      <th className="amount">{t("finance.col.rate")}</th>
                      <th className="amount">{t("finance.col.price")}</th>
                      <th>{t("finance.col.validUntil")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {quotes.quotes.map((quote) => {
                      const factor = getAddress(quote.offer.factor);
                      return (
                        <tr key={quote.hash} data-testid={`quote-${factor}`}>
                          <td>
                            <input
                              type="checkbox"
                              style={{ width: "auto" }}
                              checked={picks.includes(factor)}
                              onChange={(event) => toggle(factor, event.target.checked)}
                              data-testid="quote-pick"
                            />
                          </td>
                          <td>{nameOf(factor)}</td>
                          <td className="amount">{t("finance.rate", { rate: rateText(quote.offer.rateBps) })}</td>
                          <td className="amount" data-testid="quote-price">
                            {cny(quote.price)}
                          </td>
                          <td>{dateOf(quote.offer.validUntil)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            {quotes.unfit.length > 0 && (
              <p className="muted small">
                {t("finance.unfit", { offers: quotes.unfit.map((entry) => `${nameOf(entry.factor)} (${entry.reason})`).join("; ") })}
              </p>
            )}
          </div>
        )}
        {piece !== undefined && value !== null && quotes !== null && picked.length > 0 && (
          <div className="quote" data-testid="finance-quote">
            {picked.map((quote) => (
              <p key={quote.hash}>
                {t("finance.price", {
                  factor: nameOf(quote.offer.factor),
                  price: cny(quote.price),
                  value: cny(value),
                  rate: rateText(quote.offer.rateBps),
                  days: quotes.piece.days,
                })}
              </p>
            ))}
          </div>
        )}
        {picked.length > 1 && <p className="muted small">{t("finance.several")}</p>}
        <fieldset className="recourse" data-testid="finance-recourse">
          <legend>{t("finance.recourse")}</legend>
          <label>
            <input
              type="radio"
              name="recourse"
              checked={!withRecourse}
              onChange={() => setWithRecourse(false)}
              data-testid="finance-recourse-without"
            />
            {t("finance.recourseWithout")}
          </label>
          <label>
            <input type="radio" name="recourse" checked={withRecourse} onChange={() => setWithRecourse(true)} data-testid="finance-recourse-with" />
            {t("finance.recourseWith")}
          </label>
        </fieldset>
        {piece !== undefined && value !== null && picked.length > 0 && (
          <div className="terms" data-testid="finance-terms">
            {picked.map((quote) => (
              <p key={quote.hash}>
                {t("finance.signing", {
                  value: cny(value),
                  piece: pieceName(piece.tokenId),
                  factor: nameOf(quote.offer.factor),
                  price: cny(quote.price),
                  recourse: t(withRecourse ? "recourse.with" : "recourse.without"),
                })}
              </p>
            ))}
          </div>
        )}
        <button type="button" disabled={busy || picked.length === 0} onClick={() => void sign()} data-testid="finance-sign">
          {t("finance.sign")}
        </button>
        <ActionOutcome progress={progress} error={error} result={result} testId="finance-result" />
      </Section>
      <Section title={t("finance.mine")}>
        <ErrorBox error={mine.error} />
        <HolderRequests requests={mine.data?.requests ?? []} reload={mine.reload} table={RequestTable} />
      </Section>
      <SellerRecoursePanel />
    </main>
  );
}

export function RequestTable({ requests, action }: { requests: StoredRequest[]; action?: (request: StoredRequest) => React.ReactNode }) {
  const t = useT();
  const { nameOf } = useApp();
  if (requests.length === 0) return <p className="muted">{t("factor.none")}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>{t("col.piece")}</th>
          <th>{t("col.holder")}</th>
          <th>{t("col.factor")}</th>
          <th className="amount">{t("col.value")}</th>
          <th className="amount">{t("col.minPrice")}</th>
          <th>{t("col.recourse")}</th>
          <th>{t("col.deadline")}</th>
          <th>{t("col.state")}</th>
          {action !== undefined && <th />}
        </tr>
      </thead>
      <tbody>
        {requests.map((entry) => (
          <tr key={`${entry.holder}-${entry.request.nonce}-${entry.request.factor}`} data-testid={`request-${pieceName(entry.request.tokenId)}`}>
            <td>
              <a href={`#/piece/${entry.request.tokenId}`}>{pieceName(entry.request.tokenId)}</a>
            </td>
            <td>{nameOf(entry.holder)}</td>
            <td>{nameOf(entry.request.factor)}</td>
            <td className="amount">{cny(entry.request.value)}</td>
            <td className="amount">{cny(entry.request.minPrice)}</td>
            <td data-testid="request-recourse">{t(entry.request.withRecourse ? "recourse.with" : "recourse.without")}</td>
            <td>{dateOf(entry.request.deadline)}</td>
            <td>{t(`state.${entry.state}`)}</td>
            {action !== undefined && <td>{action(entry)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
