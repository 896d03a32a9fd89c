import { useEffect, useState } from "react";
import { getAddress } from "ethers";
import { useApp } from "../app";
import { ErrorBox, Progress, Section, useAction } from "../components";
import { financingDomain, signFundingRequest } from "../../chain/funding";
import type { FundingRequest } from "../../chain/funding";
import { daysBetween, price } from "../../finance/discount";
import { chainNow } from "../lib/chain";
import { useT } from "../lib/i18n";
import type { MessageKey } from "../lib/i18n";
import { cny, dateOf, parseCny } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import type { StoredFundingRequestJson as StoredRequest } from "../../api/wire/schemas";
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

function rateText(bps: bigint): string {
  return `${bps / 100n}.${(bps % 100n).toString().padStart(2, "0")}`;
}

/** Ask a factor to buy a piece: see the price its rate gives, sign the request, send it to the factor. */
export function FinancePage() {
  const t = useT();
  const { api, connection, config, members, nameOf } = useApp();
  const portfolio = useData((minBlock) => api.call("portfolio", { query: { minBlock: minBlock === null ? undefined : String(minBlock) } }), [api]);
  const mine = useData(() => api.call("fundingRequests"), [api]);
  usePolling(mine.reload);
  const factors = members
    .filter((member) => member.status === "ACTIVE" && member.roles.includes("FACTOR"))
    .flatMap((member) => member.accounts.map((account) => getAddress(account)));
  const [tokenId, setTokenId] = useState("");
  const [valueText, setValueText] = useState("");
  const [factor, setFactor] = useState("");
  // The holder's own term, signed with the request: the factor and the verifier cannot change it.
  const [withRecourse, setWithRecourse] = useState(false);
  const [now, setNow] = useState<bigint | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const { progress, error, run, busy } = useAction();

  useEffect(() => {
    chainNow(connection).then(setNow, () => setNow(null));
  }, [connection, tokenId]);

  const pieces = (portfolio.data?.pieces ?? []).filter((piece) => piece.status === "live");
  const piece = pieces.find((entry) => entry.tokenId === tokenId);
  const value = valueText === "" && piece !== undefined ? BigInt(piece.value) : parseCny(valueText);
  const rateEntry = Object.entries(config.factorRates).find(([address]) => factor !== "" && getAddress(address) === factor);
  const rate = rateEntry === undefined ? null : BigInt(rateEntry[1]);
  const days = piece === undefined || now === null ? null : daysBetween(now, BigInt(piece.maturity));
  const quoted = value === null || rate === null || days === null ? null : price(value, rate, days);

  const sign = async (): Promise<void> => {
    setResult(null);
    if (piece === undefined || value === null || quoted === null || factor === "") return;
    const steps: MessageKey[] = ["finance.stepSign", "finance.stepSubmit"];
    await run(steps, async (step) => {
      const current = await chainNow(connection);
      const request: FundingRequest = { tokenId: BigInt(piece.tokenId), value, minPrice: quoted, factor, withRecourse, deadline: current + 3n * DAY, nonce: freshNonce() };
      const domain = financingDomain(BigInt(config.chainId), config.addresses.financing);
      const holderSignature = await signFundingRequest(connection.signer, domain, request);
      step("finance.stepSubmit");
      await api.call("submitFundingRequest", {
        body: {
          request: fundingRequestToWire(request),
          holderSignature,
        },
      });
      setResult(t("finance.submitted", { factor: nameOf(factor) }));
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
          <input value={valueText} onChange={(event) => setValueText(event.target.value)} placeholder={piece === undefined ? "" : cny(piece.value).replace(" CNY", "")} data-testid="finance-value" />
        </label>
        <label>
          {t("finance.factor")}
          <select value={factor} onChange={(event) => setFactor(event.target.value)} data-testid="finance-factor">
            <option value="">—</option>
            {factors.map((address) => {
              const bps = Object.entries(config.factorRates).find(([entry]) => getAddress(entry) === address)?.[1];
              return (
                <option key={address} value={address}>
                  {nameOf(address)}
                  {bps === undefined ? "" : ` · ${t("finance.rate", { rate: rateText(BigInt(bps)) })}`}
                </option>
              );
            })}
          </select>
        </label>
        {factor !== "" && rate === null && <p className="muted">{t("finance.noRate")}</p>}
        {quoted !== null && value !== null && rate !== null && days !== null && (
          <p className="quote" data-testid="finance-quote">
            {t("finance.price", { factor: nameOf(factor), price: cny(quoted), value: cny(value), rate: rateText(rate), days })}
          </p>
        )}
        <fieldset className="recourse" data-testid="finance-recourse">
          <legend>{t("finance.recourse")}</legend>
          <label>
            <input type="radio" name="recourse" checked={!withRecourse} onChange={() => setWithRecourse(false)} data-testid="finance-recourse-without" />
            {t("finance.recourseWithout")}
          </label>
          <label>
            <input type="radio" name="recourse" checked={withRecourse} onChange={() => setWithRecourse(true)} data-testid="finance-recourse-with" />
            {t("finance.recourseWith")}
          </label>
        </fieldset>
        {piece !== undefined && quoted !== null && value !== null && (
          <p className="terms" data-testid="finance-terms">
            {t("finance.signing", { value: cny(value), piece: pieceName(piece.tokenId), factor: nameOf(factor), price: cny(quoted), recourse: t(withRecourse ? "recourse.with" : "recourse.without") })}
          </p>
        )}
        <button type="button" disabled={busy || quoted === null} onClick={() => void sign()} data-testid="finance-sign">
          {t("finance.sign")}
        </button>
        <Progress progress={progress} />
        <ErrorBox error={error} />
        {result !== null && (
          <p className="success" data-testid="finance-result">
            {result}
          </p>
        )}
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
          <tr key={`${entry.holder}-${entry.request.nonce}`} data-testid={`request-${pieceName(entry.request.tokenId)}`}>
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
