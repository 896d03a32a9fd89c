import { expect } from "chai";
import { Wallet } from "ethers";
import { invoiceToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { ApplicationStore } from "../../src/onboarding/store";
import { signApplication } from "../../src/onboarding/application";
import type { Application } from "../../src/onboarding/application";
import { Role, roleMask } from "../../src/chain/roles";
import { creditCodeFor } from "../helpers/creditCodes";
import { confirmDocumented, documentTrade } from "../helpers/trades";
import { call, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/** An attacker's review of the names `POST /v1/transfer-checks` puts in its sentences: only admitted members' names. */
describe("review: transfer checks name no one they should not", () => {
  let api: ApiHarness;

  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api?.close();
  });

  it("no hole: an applicant not yet admitted is shown by address; its name and contacts never appear", async () => {
    const { c } = api;
    const applicant = Wallet.createRandom();
    const application: Application = {
      applicant: applicant.address,
      nameZh: "待审公司",
      nameEn: "Pending Applicant Ltd",
      creditCode: creditCodeFor(applicant.address),
      roles: roleMask(Role.SUPPLIER),
      contacts: [{ name: "Secret Contact", email: "secret@example.com", phone: "+86 755 0000 0000" }],
      addresses: [applicant.address],
      filedAt: Math.floor(Date.now() / 1000),
    };
    await new ApplicationStore(api.store).add(application, await signApplication(applicant, api.chainId, application));
    const pieceId = (await confirmDocumented(c, { supplier: c.tier1, faceValue: 10_000_000n })).tokenId;
    const trade = await documentTrade(c, { seller: c.tier2, buyer: c.tier1, amount: 5_000_000n });
    // A member that is no party asks, naming the applicant as recipient.
    const answer = await call(api.url, "POST", "/v1/transfer-checks", {
      token: await signIn(api.url, c.tier3),
      json: {
        tokenId: pieceId.toString(),
        recipient: applicant.address,
        amount: "5000000",
        invoice: invoiceToWire(trade.invoice.invoice),
        waybill: logisticsProofToWire(trade.logistics).waybill,
      },
    });
    expect(answer.status).to.equal(200);
    const text = JSON.stringify(answer.body);
    expect(text).to.include(applicant.address);
    for (const secret of ["Pending Applicant", "待审公司", "Secret Contact", "secret@example.com", "0000 0000"]) expect(text).to.not.include(secret);
  });
});
