import { useEffect, useState } from "react";
import { endOfDayCst } from "../../chain/membership";
import { offerSchema, signOffer } from "../../offers/offer";
import { useApp } from "../app";
import { ActionOutcome, ErrorBox, Section, useAction } from "../components";
import { chainNow } from "../lib/chain";
import { useT } from "../lib/i18n";
import { cny, dateOf, parseCny } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import type { OwnOfferJson as OwnOfferView } from "../../api/wire/schemas";
import { useData } from "../lib/useData";
import { rateText } from "./Finance";

/** "5.5" or "6" percent a year to basis points; null when it is not a rate with at most two decimals. */
export function parseRateBps(text: string): number | null {
  const match = /^([0-9]{1,3})(?:\.([0-9]{1,2}))?$/u.exec(text.trim().replace(/%$/u, ""));
  if (match === null) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0") || "0");
}

/**
 * The factor desk's offers: what it publishes per anchor (rate, longest tenor, smallest and largest piece, total
 * appetite, validity), each signed in the wallet and replaced by a newer one; what is left of each appetite; and
 * the requests each brought. A withdrawn or expired offer is offered to no holder.
 */
export function OffersSection({ version }: { version: number | null }) {
  const t = useT();
  const { api, connection, config, members, nameOf } = useApp();
  // Read again when the desk's book moves (a funding takes a request off and uses appetite).
  const own = useData(() => api.call("ownOffers"), [api, version]);
  const anchors = members.filter((member) => member.status === "ACTIVE" && member.roles.includes("ANCHOR"));
  const [anchorId, setAnchorId] = useState("");
  const [rate, setRate] = useState("");
  const [tenor, setTenor] = useState("180");
  const [minValue, setMinValue] = useState("10,000.00");
  const [maxValue, setMaxValue] = useState("");
  const [appetite, setAppetite] = useState("");
  // Valid 90 days by default, counted from the chain's time (which a test chain, or a chain behind, may not share with
  // this computer's clock): the field fills once the chain answers, unless the clerk typed a date first.
  const [validDate, setValidDate] = useState("");
  useEffect(() => {
    let current = true;
    void chainNow(connection).then(
      (now) => {
        if (current) setValidDate((typed) => (typed === "" ? dateOf(now + 90n * 86_400n) : typed));
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [connection]);
  const [result, setResult] = useState<string | null>(null);
  const { progress, error, setError, run, busy } = useAction();

  const publish = async (): Promise<void> => {
    setResult(null);
    const bps = parseRateBps(rate);
    // An empty date (the chain has not answered yet) means the default: 90 days from the chain's time, read below.
    const validUntil = validDate === "" ? 0n : endOfDayCst(validDate);
    const [min, max, total] = [parseCny(minValue), parseCny(maxValue), parseCny(appetite)];
    if (anchorId === "") return setError({ message: t("offers.badAnchor"), reasons: [] });
    if (bps === null) return setError({ message: t("offers.badRate"), reasons: [] });
    if (validUntil === null) return setError({ message: t("operator.badDate"), reasons: [] });
    if (min === null || max === null || total === null) return setError({ message: t("offers.badAmount"), reasons: [] });
    await run(["offers.stepSign", "offers.stepSend"], async (step) => {
      const now = Number(await chainNow(connection));
      const until = validDate === "" ? endOfDayCst(dateOf(BigInt(now) + 90n * 86_400n)) : validUntil;
      if (until === null) throw new Error(t("operator.badDate"));
      const candidate = {
        factor: connection.address,
        anchorId: Number(anchorId),
        rateBps: bps,
        maxTenorDays: Number(tenor),
        minValue: min.toString(),
        maxValue: max.toString(),
        appetite: total.toString(),
        validUntil: Number(until),
        issuedAt: now,
      };
      // The API's own schema: a wrong field is named before the wallet is asked.
      const parsed = offerSchema.safeParse(candidate);
      if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "));
      const signature = await signOffer(connection.signer, BigInt(config.chainId), parsed.data);
      step("offers.stepSend");
      await api.call("publishOffer", { body: { offer: candidate, signature } });
      setResult(
        t("offers.published", { anchor: nameOf(anchors.find((member) => member.memberId === Number(anchorId))?.accounts[0]), rate: rateText(bps) }),
      );
      await own.reload();
    });
  };

  const withdraw = async (entry: OwnOfferView): Promise<void> => {
    setResult(null);
    await run(["offers.stepWithdraw"], async () => {
      await api.call("withdrawOffer", { params: { id: String(entry.offer.anchorId) } });
      setResult(t("offers.withdrawn"));
      await own.reload();
    });
  };

  const anchorName = (id: number): string => {
    const member = members.find((candidate) => candidate.memberId === id);
    return member === undefined ? `#${id}` : nameOf(member.accounts[0]);
  };
  const offers = own.data?.offers ?? [];
  return (
    <Section title={t("offers.title")} testId="factor-offers">
      <p className="muted">{t("offers.intro")}</p>
      <ErrorBox error={own.error} />
      {offers.length === 0 ? (
        <p className="muted">{t("offers.none")}</p>
      ) : (
        <div className="table-scroll">
          <table data-testid="offers-table">
            <thead>
              <tr>
                <th>{t("col.anchor")}</th>
                <th className="amount">{t("finance.col.rate")}</th>
                <th className="amount">{t("offers.col.tenor")}</th>
                <th className="amount">{t("offers.col.range")}</th>
                <th className="amount">{t("offers.col.appetite")}</th>
                <th>{t("finance.col.validUntil")}</th>
                <th>{t("offers.col.requests")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {offers.map((entry) => (
                <tr key={entry.hash} data-testid={`offer-${entry.offer.anchorId}`}>
                  <td>{anchorName(entry.offer.anchorId)}</td>
                  <td className="amount">{t("finance.rate", { rate: rateText(entry.offer.rateBps) })}</td>
                  <td className="amount">{t("offers.days", { days: entry.offer.maxTenorDays })}</td>
                  <td className="amount">
                    {cny(entry.offer.minValue)} – {cny(entry.offer.maxValue)}
                  </td>
                  <td className="amount">
                    {t("offers.appetiteLeft", {
                      appetite: cny(entry.offer.appetite),
                      left: cny(BigInt(entry.remaining) < 0n ? 0n : entry.remaining),
                    })}
                  </td>
                  <td>
                    {entry.current ? (
                      dateOf(entry.offer.validUntil)
                    ) : (
                      <span className="badge badge-overdue">{t("offers.expired", { date: dateOf(entry.offer.validUntil) })}</span>
                    )}
                  </td>
                  <td data-testid="offer-requests">
                    {entry.requests.length === 0
                      ? t("common.none")
                      : entry.requests.map((request) => (
                          <div key={`${request.holder}-${request.request.nonce}`}>
                            {nameOf(request.holder)} · {pieceName(request.request.tokenId)} · {cny(request.request.value)}
                          </div>
                        ))}
                  </td>
                  <td>
                    <button type="button" className="link" disabled={busy} onClick={() => void withdraw(entry)} data-testid="offer-withdraw">
                      {t("offers.withdraw")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>{t("offers.publishTitle")}</h3>
      <label>
        {t("col.anchor")}
        <select value={anchorId} onChange={(event) => setAnchorId(event.target.value)} data-testid="offer-anchor">
          <option value="">—</option>
          {anchors.map((member) => (
            <option key={member.memberId} value={member.memberId}>
              {nameOf(member.accounts[0])}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("offers.rate")}
        <input value={rate} placeholder="6.00" onChange={(event) => setRate(event.target.value)} data-testid="offer-rate" />
      </label>
      <label>
        {t("offers.tenor")}
        <input inputMode="numeric" value={tenor} onChange={(event) => setTenor(event.target.value)} data-testid="offer-tenor" />
      </label>
      <label>
        {t("offers.minValue")}
        <input value={minValue} onChange={(event) => setMinValue(event.target.value)} data-testid="offer-min" />
      </label>
      <label>
        {t("offers.maxValue")}
        <input value={maxValue} onChange={(event) => setMaxValue(event.target.value)} data-testid="offer-max" />
      </label>
      <label>
        {t("offers.appetite")}
        <input value={appetite} onChange={(event) => setAppetite(event.target.value)} data-testid="offer-appetite" />
      </label>
      <label>
        {t("offers.validUntil")}
        <input type="date" value={validDate} onChange={(event) => setValidDate(event.target.value)} data-testid="offer-valid" />
      </label>
      <button type="button" disabled={busy} onClick={() => void publish()} data-testid="offer-publish">
        {t("offers.publish")}
      </button>
      <ActionOutcome progress={progress} error={error} result={result} testId="offer-result" />
    </Section>
  );
}
