import { expect } from "chai";
import { noticesOf, SOON_SECONDS } from "../../src/web/lib/notifications";
import type { NoticeSources } from "../../src/web/lib/notifications";
import type { ObligationsJson, PortfolioJson, StoredFundingRequestJson } from "../../src/api/wire/schemas";

const HOLDER = "0x1111111111111111111111111111111111111111";
const FACTOR = "0x2222222222222222222222222222222222222222";
const NOW = 1_800_000_000n;

function request(nonce: string, state: StoredFundingRequestJson["state"], reason?: string): StoredFundingRequestJson {
  return {
    holder: HOLDER,
    request: {
      tokenId: "4294967297",
      value: "1000000",
      minPrice: "990000",
      factor: FACTOR,
      withRecourse: false,
      deadline: String(NOW + 86_400n),
      nonce,
    },
    holderSignature: "0x",
    submittedAt: 1,
    state,
    ...(reason === undefined ? {} : { declined: { at: 1, reason } }),
  };
}

function piece(tokenId: string, maturity: bigint, status: PortfolioJson["pieces"][number]["status"]): PortfolioJson["pieces"][number] {
  return {
    tokenId,
    slot: "1",
    value: "500",
    anchorId: 2,
    anchor: null,
    maturity: maturity.toString(),
    status,
    repaid: "0",
    faceValue: "1000",
    standing: { state: "current", repaidShare: "0", claimed: "0", claimable: "0", awaitingMaturity: "0", stillDue: "500", overdueSince: null },
  };
}

describe("the dApp's notices (issue 18 item 9)", function () {
  it("a factor hears of waiting requests; a holder of funded and declined ones, with the reason", function () {
    const sources: NoticeSources = {
      now: NOW,
      inbox: [request("1", "waiting"), request("2", "checked")],
      mine: [request("3", "funded"), request("4", "declined", "no"), request("5", "withdrawn")],
    };
    const notices = noticesOf(sources);
    expect(notices.map((notice) => notice.kind)).to.deep.equal(["arrived", "funded", "declined"]);
    expect(notices[2]).to.include({ reason: "no" });
  });

  it("maturity within 7 days (not beyond, not past) for holders and anchors; overdue for every party", function () {
    const portfolio = {
      pieces: [
        piece("10", NOW + SOON_SECONDS, "live"),
        piece("11", NOW + SOON_SECONDS + 1n, "live"),
        piece("12", NOW - 1n, "overdue"),
        piece("13", NOW + 60n, "repaid"),
      ],
    } as PortfolioJson;
    const obligations = {
      receivables: [
        { slot: "7", maturity: (NOW + 3_600n).toString(), outstanding: "900", overdue: false, fullyRepaid: false },
        { slot: "8", maturity: (NOW - 3_600n).toString(), outstanding: "100", overdue: true, fullyRepaid: false },
        { slot: "9", maturity: (NOW + 60n).toString(), outstanding: "0", overdue: false, fullyRepaid: true },
      ],
    } as ObligationsJson;
    const notices = noticesOf({ now: NOW, portfolio, obligations });
    expect(notices.map((notice) => notice.id)).to.deep.equal(["maturing/holder/10", "overdue/holder/12", "maturing/anchor/7", "overdue/anchor/8"]);
  });
});
