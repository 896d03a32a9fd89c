import { expect } from "chai";
import { Role, roleMask } from "../../src/chain/roles";
import { readDecision } from "../../src/documents/readers";
import type { ReaderStanding } from "../../src/documents/readers";
import type { ParsedDocument } from "../../src/proofs/documents";
import { randomParties, signedInvoice, signedWaybill } from "./fixtures";

describe("who may read a document", () => {
  let invoice: ParsedDocument;
  let waybill: ParsedDocument;
  let asked: number;
  const backs = (answer: boolean) => (): Promise<boolean> => {
    asked += 1;
    return Promise.resolve(answer);
  };
  const reader = (memberId: number, roles: Role[], active = true): ReaderStanding => ({ memberId, roles: roleMask(...roles), active });

  before(async () => {
    const parties = randomParties();
    invoice = await signedInvoice(parties);
    waybill = await signedWaybill(parties);
  });
  beforeEach(() => {
    asked = 0;
  });

  it("the seller and buyer (any address of their members) read their invoice, even while suspended", async () => {
    expect(await readDecision(invoice, reader(2, [Role.SUPPLIER]), backs(false))).to.deep.equal({ allowed: true, as: "party" });
    expect(await readDecision(invoice, reader(3, [Role.SUPPLIER], false), backs(false))).to.deep.equal({ allowed: true, as: "party" });
  });

  it("the carrier reads its waybill but not the invoice it carried goods for", async () => {
    expect(await readDecision(waybill, reader(4, [Role.CARRIER]), backs(false))).to.deep.equal({ allowed: true, as: "party" });
    expect(await readDecision(invoice, reader(4, [Role.CARRIER]), backs(false))).to.deep.equal({ allowed: false });
  });

  it("active auditors and operators read everything; an inactive auditor reads nothing", async () => {
    expect(await readDecision(invoice, reader(9, [Role.AUDITOR]), backs(false))).to.deep.equal({ allowed: true, as: "auditor" });
    expect(await readDecision(invoice, reader(1, [Role.OPERATOR]), backs(false))).to.deep.equal({ allowed: true, as: "operator" });
    expect(await readDecision(invoice, reader(9, [Role.AUDITOR], false), backs(true))).to.deep.equal({ allowed: false });
  });

  it("a factor reads a document only while it evaluates a piece the document backs (the API's answer)", async () => {
    expect(await readDecision(invoice, reader(5, [Role.FACTOR]), backs(true))).to.deep.equal({ allowed: true, as: "factor" });
    expect(await readDecision(invoice, reader(5, [Role.FACTOR]), backs(false))).to.deep.equal({ allowed: false });
    expect(asked).to.equal(2);
  });

  it("a supplier outside the trade, and a non-member, read nothing (and the chain is not asked)", async () => {
    expect(await readDecision(invoice, reader(7, [Role.SUPPLIER]), backs(true))).to.deep.equal({ allowed: false });
    expect(await readDecision(invoice, reader(0, []), backs(true))).to.deep.equal({ allowed: false });
    expect(asked).to.equal(0);
  });
});
