import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { legalEntityHash } from "../../src/chain/membership";
import { Role, roleMask } from "../../src/chain/roles";
import { applicationHash, signApplication, signRefusal } from "../../src/onboarding/application";
import type { Application } from "../../src/onboarding/application";
import { YEAR, latestTimestamp } from "../helpers/consortium";
import { call, codeOf, fieldsOf, signIn, startApi } from "./harness";
import type { ApiHarness } from "./harness";

/**
 * Membership applications over HTTP, as a company that is not yet a member and the operator use them, and as an
 * attacker would abuse them: filing in another's name, a second pending application, a member applying again,
 * malformed fields, stale signatures, floods from one IP, a refusal signed by someone else or by a non-operator.
 * Then the directory: names of admitted members come from their applications, never from an unadmitted one.
 */

const now = (): number => Math.floor(Date.now() / 1000);

function applicationOf(applicant: string, overrides: Partial<Application> = {}): Application {
  return {
    applicant,
    nameZh: "新星电子",
    nameEn: "Nova Electronics",
    creditCode: "91440300MA5NOVA001",
    roles: roleMask(Role.SUPPLIER),
    contacts: [{ name: "Li Wei", email: "liwei@nova.example", phone: "+86 755 1234 5678" }],
    addresses: [applicant],
    filedAt: now(),
    ...overrides,
  };
}

describe("API onboarding: applications, refusals and the directory", () => {
  let api: ApiHarness;
  let operator: string;
  let auditor: string;
  let tier1: string;

  before(async () => {
    api = await startApi({ limits: { filings: { burst: 100, perSecond: 100 } } });
    operator = await signIn(api.url, api.c.operator);
    auditor = await signIn(api.url, api.c.auditor);
    tier1 = await signIn(api.url, api.c.tier1);
  });
  after(async () => {
    await api?.close();
  });

  const file = async (signer: HardhatEthersSigner, application: Application) =>
    call(api.url, "POST", "/v1/applications", { json: { application, signature: await signApplication(signer, api.chainId, application) } });

  it("a company files a signed application without a session; a second while it is pending is refused; the operator and auditors read it, others not", async () => {
    const [applicant] = api.c.outsiders;
    const application = applicationOf(applicant.address);
    const filed = await file(applicant, application);
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    const hash = applicationHash(api.chainId, application);
    expect(filed.body).to.deep.equal({ hash, state: "pending" });

    const again = await file(applicant, applicationOf(applicant.address, { nameEn: "Nova Electronics Ltd" }));
    expect(again.status).to.equal(409);
    expect(codeOf(again)).to.equal("APPLICATION_PENDING");
    expect(fieldsOf(again)).to.deep.equal(["application.applicant"]);

    const status = await call(api.url, "GET", `/v1/applicants/${applicant.address}/applications`);
    expect(status.status).to.equal(200);
    const own = (status.body as { applications: Array<Record<string, unknown>> }).applications;
    expect(own).to.have.length(1);
    expect(own[0]).to.include({ hash, state: "pending", nameEn: "Nova Electronics" });
    expect(JSON.stringify(status.body), "the public status never carries contacts").to.not.contain("liwei@nova.example");

    for (const token of [operator, auditor]) {
      const listed = await call(api.url, "GET", "/v1/applications?state=pending", { token });
      expect(listed.status).to.equal(200);
      const entry = (listed.body as { applications: Array<{ hash: string; application: Application; roles: string[] }> }).applications.find(
        (candidate) => candidate.hash === hash,
      );
      expect(entry?.application.contacts[0].email).to.equal("liwei@nova.example");
      expect(entry?.roles).to.deep.equal(["SUPPLIER"]);
    }
    const refused = await call(api.url, "GET", "/v1/applications", { token: tier1 });
    expect(refused.status).to.equal(403);
    expect((await call(api.url, "GET", `/v1/applications/${hash}`, { token: tier1 })).status).to.equal(403);
    expect((await call(api.url, "GET", "/v1/applications")).status).to.equal(401);
  });

  it("attack: an application for another's address is refused by its signature; a second filer of the same credit code is shown to the operator as a duplicate", async () => {
    const [victim, attacker, copycat] = api.c.outsiders.slice(1);
    const forged = applicationOf(victim.address, { creditCode: "91110000MA0VICTIM1" });
    const answer = await call(api.url, "POST", "/v1/applications", {
      json: { application: forged, signature: await signApplication(attacker, api.chainId, forged) },
    });
    expect(answer.status).to.equal(422);
    expect(codeOf(answer)).to.equal("SIGNATURE_INVALID");
    expect(fieldsOf(answer)).to.deep.equal(["signature"]);
    expect(((await call(api.url, "GET", `/v1/applicants/${victim.address}/applications`)).body as { applications: unknown[] }).applications).to.be
      .empty;

    // Someone files with the victim's credit code from its own address: allowed, but the operator sees both.
    const genuine = applicationOf(victim.address, { creditCode: "91110000MA0VICTIM1", nameEn: "Victim Trading" });
    expect((await file(victim, genuine)).status).to.equal(201);
    const impostor = applicationOf(copycat.address, { creditCode: "91110000MA0VICTIM1", nameEn: "Victim Trading (really)" });
    expect((await file(copycat, impostor)).status).to.equal(201);
    const detail = await call(api.url, "GET", `/v1/applications/${applicationHash(api.chainId, impostor)}`, { token: operator });
    expect(detail.status).to.equal(200);
    const duplicates = (detail.body as { duplicates: Array<{ hash: string; applicant: string }> }).duplicates;
    expect(duplicates.map((entry) => entry.applicant)).to.deep.equal([victim.address]);
  });

  it("malformed input is a 400 naming each field, and nothing is stored", async () => {
    const applicant = api.c.outsiders[4];
    const application = {
      ...applicationOf(applicant.address),
      creditCode: "9144 lower",
      roles: 1 << 9,
      contacts: [{ name: "", email: "nope", phone: "x" }],
      addresses: [],
      extra: 1,
    };
    const answer = await call(api.url, "POST", "/v1/applications", { json: { application, signature: "0x12" } });
    expect(answer.status).to.equal(400);
    expect(fieldsOf(answer)).to.have.members([
      "application.creditCode",
      "application.roles",
      "application.contacts.0.name",
      "application.contacts.0.email",
      "application.contacts.0.phone",
      "application.addresses",
      "application.extra",
      "signature",
    ]);
    const tooLong = applicationOf(applicant.address, {
      nameEn: "x".repeat(201),
      addresses: [applicant.address, api.c.outsiders[5].address, applicant.address],
    });
    const long = await call(api.url, "POST", "/v1/applications", { json: { application: tooLong, signature: `0x${"11".repeat(65)}` } });
    expect(long.status).to.equal(400);
    expect(fieldsOf(long)).to.have.members(["application.nameEn", "application.addresses.2"]);
    const wrongFirst = applicationOf(applicant.address, { addresses: [api.c.outsiders[5].address] });
    expect(
      fieldsOf(await call(api.url, "POST", "/v1/applications", { json: { application: wrongFirst, signature: `0x${"11".repeat(65)}` } })),
    ).to.deep.equal(["application.addresses.0"]);
    const operatorRole = await file(applicant, applicationOf(applicant.address, { roles: roleMask(Role.OPERATOR, Role.FACTOR) }));
    expect(operatorRole.status).to.equal(422);
    expect(fieldsOf(operatorRole)).to.deep.equal(["application.roles"]);
    const stale = applicationOf(applicant.address, { filedAt: now() - 3 * 86_400 });
    const staleAnswer = await file(applicant, stale);
    expect(staleAnswer.status).to.equal(422);
    expect(fieldsOf(staleAnswer)).to.deep.equal(["application.filedAt"]);
    expect(((await call(api.url, "GET", `/v1/applicants/${applicant.address}/applications`)).body as { applications: unknown[] }).applications).to.be
      .empty;
    expect((await call(api.url, "GET", "/v1/applicants/0xnope/applications")).status).to.equal(400);
  });

  it("a member's address does not apply; an operator may file its own profile, which names it in the directory", async () => {
    const member = await file(api.c.tier1, applicationOf(api.c.tier1.address, { creditCode: "TIER1-DISPLAYS" }));
    expect(member.status).to.equal(409);
    expect(codeOf(member)).to.equal("ALREADY_A_MEMBER");
    const profile = applicationOf(api.c.operator.address, {
      creditCode: "CHAINBILL-CONSORTIUM-OPERATOR",
      nameEn: "Chainbill Consortium",
      nameZh: "链票联盟",
      roles: roleMask(Role.OPERATOR),
    });
    const filed = await file(api.c.operator, profile);
    expect(filed.status).to.equal(201);
    expect((filed.body as { state: string }).state).to.equal("admitted");
    const directory = (await call(api.url, "GET", "/v1/directory", { token: tier1 })).body as {
      members: Array<{ memberId: number; nameEn: string | null; roles: string[] }>;
    };
    expect(directory.members.find((entry) => entry.memberId === 1)).to.include({ nameEn: "Chainbill Consortium" });
    expect(directory.members.find((entry) => entry.memberId === api.c.memberIds.get(api.c.tier1.address))).to.include({ nameEn: null });
  });

  it("the operator refuses with a signed reason (the applicant sees it, may apply again); refusals by others or signed by someone else are refused; admission on chain makes an application admitted and names the member", async () => {
    const applicant = api.c.outsiders[6];
    const application = applicationOf(applicant.address, { creditCode: "91310000MA1REFUSE", nameEn: "Refused Co", nameZh: "被拒公司" });
    expect((await file(applicant, application)).status).to.equal(201);
    const hash = applicationHash(api.chainId, application);
    const refusal = { application: hash, reason: "KYC documents missing", refusedAt: now() };

    const notOperator = await call(api.url, "POST", `/v1/applications/${hash}/refusal`, {
      token: auditor,
      json: { refusal, signature: await signRefusal(api.c.auditor, api.chainId, refusal) },
    });
    expect(notOperator.status).to.equal(403);
    const signedByOther = await call(api.url, "POST", `/v1/applications/${hash}/refusal`, {
      token: operator,
      json: { refusal, signature: await signRefusal(api.c.auditor, api.chainId, refusal) },
    });
    expect(signedByOther.status).to.equal(422);
    expect(fieldsOf(signedByOther)).to.deep.equal(["signature"]);
    const otherHash = await call(api.url, "POST", `/v1/applications/${`0x${"ab".repeat(32)}`}/refusal`, {
      token: operator,
      json: { refusal, signature: await signRefusal(api.c.operator, api.chainId, refusal) },
    });
    expect(fieldsOf(otherHash)).to.deep.equal(["refusal.application"]);
    const empty = await call(api.url, "POST", `/v1/applications/${hash}/refusal`, {
      token: operator,
      json: { refusal: { ...refusal, reason: "" }, signature: "0x" },
    });
    expect(fieldsOf(empty)).to.have.members(["refusal.reason", "signature"]);

    const refused = await call(api.url, "POST", `/v1/applications/${hash}/refusal`, {
      token: operator,
      json: { refusal, signature: await signRefusal(api.c.operator, api.chainId, refusal) },
    });
    expect(refused.status, JSON.stringify(refused.body)).to.equal(201);
    expect(refused.body).to.deep.include({ state: "refused" });
    const twice = await call(api.url, "POST", `/v1/applications/${hash}/refusal`, {
      token: operator,
      json: { refusal, signature: await signRefusal(api.c.operator, api.chainId, refusal) },
    });
    expect(twice.status).to.equal(409);
    expect(codeOf(twice)).to.equal("NOT_PENDING");
    const seen = (await call(api.url, "GET", `/v1/applicants/${applicant.address}/applications`)).body as {
      applications: Array<{ state: string; refusal: { reason: string } | null }>;
    };
    expect(seen.applications[0]).to.deep.include({ state: "refused", refusal: { reason: "KYC documents missing", refusedAt: refusal.refusedAt } });

    // It applies again, and this time the operator admits it with the application's code, address and roles.
    const second = applicationOf(applicant.address, {
      creditCode: "91310000MA1REFUSE",
      nameEn: "Refused Co (fixed)",
      nameZh: "被拒公司",
      roles: roleMask(Role.SUPPLIER, Role.FACTOR),
    });
    expect((await file(applicant, second)).status).to.equal(201);
    await (await api.c.registry.admit(legalEntityHash(second.creditCode), applicant.address, second.roles, (await latestTimestamp()) + YEAR)).wait();
    const detail = (await call(api.url, "GET", `/v1/applications/${applicationHash(api.chainId, second)}`, { token: operator })).body as {
      state: string;
    };
    expect(detail.state).to.equal("admitted");
    const directory = (await call(api.url, "GET", "/v1/directory", { token: tier1 })).body as {
      members: Array<{ accounts: string[]; nameEn: string | null; roles: string[]; status: string }>;
    };
    const admitted = directory.members.find((entry) => entry.accounts.includes(applicant.address));
    expect(admitted).to.deep.include({ nameEn: "Refused Co (fixed)", roles: ["SUPPLIER", "FACTOR"], status: "ACTIVE" });
    // The member applies no more.
    expect(codeOf(await file(applicant, applicationOf(applicant.address, { creditCode: "91310000MA1REFUSE", nameEn: "Renamed" })))).to.equal(
      "ALREADY_A_MEMBER",
    );
  });
});

describe("API onboarding: a flood of applications from one IP", () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi({ limits: { filings: { burst: 2, perSecond: 0.0001 } } });
  });
  after(async () => {
    await api?.close();
  });

  it("is cut off by the filing limit (429 with Retry-After), whatever addresses it uses", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (const applicant of api.c.outsiders.slice(0, 3)) {
      const application = applicationOf(applicant.address, { creditCode: `91440300MA5FLOOD0${statuses.length}` });
      const answer = await call(api.url, "POST", "/v1/applications", {
        json: { application, signature: await signApplication(applicant, api.chainId, application) },
      });
      statuses.push(answer.status);
      retryAfter = answer.headers.get("retry-after") ?? retryAfter;
    }
    expect(statuses).to.deep.equal([201, 201, 429]);
    expect(Number(retryAfter)).to.be.greaterThan(0);
  });
});
