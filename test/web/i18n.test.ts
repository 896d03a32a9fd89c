import { expect } from "chai";
import { MESSAGES, translator } from "../../src/web/lib/i18n";
import { dateOf } from "../../src/web/lib/money";

describe("the dApp's words: plurals and dates as the reader expects", function () {
  it("says 1 piece and 2 pieces in English, and one form in Chinese", function () {
    const en = translator("en");
    const zh = translator("zh");
    expect(en("portfolio.held", { count: 1, value: "5.00 CNY" })).to.equal("Held: 1 piece worth 5.00 CNY");
    expect(en("portfolio.held", { count: 2, value: "5.00 CNY" })).to.equal("Held: 2 pieces worth 5.00 CNY");
    expect(en("portfolio.held", { count: 0, value: "0.00 CNY" })).to.equal("Held: 0 pieces worth 0.00 CNY");
    expect(en("auditor.someFail", { count: 1 })).to.equal("1 step fails its checks.");
    expect(en("auditor.someFail", { count: 3 })).to.equal("3 steps fail their checks.");
    expect(zh("portfolio.held", { count: 1, value: "5.00 CNY" })).to.equal("持有：1 笔，合计 5.00 CNY");
  });

  it("leaves no plural or variable marker unfilled in any message of either language", function () {
    const vars = { count: 2, value: "1.00 CNY", price: "1.00 CNY", name: "x", factor: "x", rate: "6.00", days: 3, slot: 1, date: "2027-01-01" };
    for (const language of ["en", "zh"] as const) {
      const t = translator(language);
      for (const key of Object.keys(MESSAGES[language]) as Array<keyof (typeof MESSAGES)["en"]>) {
        expect(t(key, vars), `${language} ${key}`).not.to.match(/\{\w+:[^}]*\}/u);
      }
    }
  });

  it("shows dates in China Standard Time: 2026-12-31 16:30 UTC is already 2027-01-01 in Shanghai", function () {
    const lateEveningUtc = Date.UTC(2026, 11, 31, 16, 30) / 1000;
    expect(dateOf(lateEveningUtc)).to.equal("2027-01-01");
    expect(dateOf(BigInt(Date.UTC(2026, 11, 31, 15, 59) / 1000))).to.equal("2026-12-31");
  });
});
