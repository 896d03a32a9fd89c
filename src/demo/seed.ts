import { MaxUint256 } from "ethers";
import type { Provider, Signer } from "ethers";
import { financingDomain, signFundingRequest } from "../chain/funding";
import type { FundingRequest } from "../chain/funding";
import { legalEntityHash, normalisedCreditCode } from "../chain/membership";
import { roleMask } from "../chain/roles";
import { applicationHash, signApplication } from "../onboarding/application";
import type { Application } from "../onboarding/application";
import { ApplicationStore } from "../onboarding/store";
import { signOffer } from "../offers/offer";
import type { Offer } from "../offers/offer";
import type { OfferStore } from "../offers/store";
import type { ChainbillContracts } from "../chain/system";
import { daysBetween, price } from "../finance/discount";
import { normaliseInvoiceNumber } from "../proofs/fingerprint";
import type { DocumentStore } from "../documents/store";
import type { Verifier } from "../verifier";
import type { Party } from "../proofs/wire";
import { DEMO_CAST, DEMO_FACTOR_RATE_BPS } from "./cast";
import type { CastKey } from "./cast";
import { buyerAcknowledges, carrierSigns, sellerIssues } from "./documents";
import type { TradeTerms } from "./documents";
import type { InvoiceParty } from "../proofs/invoice";
import { slotOf } from "../../src/chain/tokenId";

/**
 * Seeds a freshly deployed system with the demo consortium and a few live receivables backed by real, signed
 * documents in the document store, so every page of the dApp has something to show and the flows can start at any
 * tier: the anchor has confirmed two receivables to tier 1, tier 1 has paid tier 2 with part of the first, and
 * tier 1 has sold part of the second to the bank. Nothing is run to maturity.
 */

const DAY = 86_400n;
const YEAR = 365n * DAY;
const CNY = "0x434e59";
/** Huaxin Mobile's credit line in the seeded story: 3,000,000.00 CNY, of which the seed confirms 1,500,000.00. */
/** What the seeded bank's offer says it will hold of the anchor's pieces: 20,000,000.00 CNY. */
export const DEMO_OFFER_APPETITE = 20_000_000_00n;

export const DEMO_ANCHOR_CREDIT_LINE = 3_000_000_00n;

export interface SeedOptions {
  contracts: ChainbillContracts;
  provider: Provider;
  /** The node's development accounts, indexed as the cast's `accountIndex`. */
  accounts: readonly Signer[];
  store: DocumentStore;
  verifier: Verifier;
  chainId: bigint;
  /** Where the demo factor's offer is published. */
  offers: OfferStore;
  log?: (line: string) => void;
}

export interface SeededMember {
  key: CastKey;
  name: string;
  nameZh: string;
  /** The unified social credit code it was admitted under (the registry keeps its hash). */
  creditCode: string;
  address: string;
  memberId: number;
}

export interface SeedResult {
  members: SeededMember[];
  /** The pieces created, by what they are. */
  pieces: { tier1Displays: bigint; tier2Glass: bigint; tier1Cameras: bigint; bankCameras: bigint };
}

async function chainNow(provider: Provider): Promise<bigint> {
  const block = await provider.getBlock("latest");
  if (block === null) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}

export async function seedDemo(options: SeedOptions): Promise<SeedResult> {
  const { contracts, provider, store, chainId, verifier } = options;
  const log = options.log ?? ((): void => undefined);
  const { registry, receivableToken, settlementToken, settlement, financing } = contracts;
  const signer = (key: CastKey): Signer => {
    const member = DEMO_CAST.find((entry) => entry.key === key);
    const account = member === undefined ? undefined : options.accounts[member.accountIndex];
    if (account === undefined) throw new Error(`no development account plays ${key}`);
    return account;
  };

  const kycValidUntil = (await chainNow(provider)) + 2n * YEAR;
  const members: SeededMember[] = [];
  // The same path a real consortium takes: each company files an application signed by its wallet (the operator
  // its own profile), and the operator admits it with the application's code, address and roles.
  const applications = new ApplicationStore(store);
  for (const member of DEMO_CAST) {
    const address = await signer(member.key).getAddress();
    const creditCode = normalisedCreditCode(member.creditCode);
    if (creditCode === null) throw new Error(`the demo credit code of ${member.key} is malformed`);
    const application: Application = {
      applicant: address,
      nameZh: member.nameZh,
      nameEn: member.name,
      creditCode,
      roles: roleMask(...member.roles),
      contacts: [{ name: `${member.name} treasury`, email: `treasury@${member.key}.example`, phone: "+86 21 5555 0100" }],
      addresses: [address],
      filedAt: Number(await chainNow(provider)),
    };
    const signature = await signApplication(signer(member.key), chainId, application);
    await applications.add(application, signature);
    if (member.key !== "operator") {
      await (await registry.connect(signer("operator")).admit(legalEntityHash(creditCode), address, application.roles, kycValidUntil)).wait();
    }
    log(`${member.name} applied (${applicationHash(chainId, application).slice(0, 10)}…)${member.key === "operator" ? "" : " and was admitted"}`);
    members.push({
      key: member.key,
      name: member.name,
      nameZh: member.nameZh,
      creditCode,
      address,
      memberId: Number(await registry.memberIdOf(address)),
    });
  }
  const party = (key: CastKey): Party => {
    const member = members.find((entry) => entry.key === key);
    if (member === undefined) throw new Error(`no member ${key}`);
    return { memberId: member.memberId, account: member.address };
  };
  /** A member as its invoices name it: the registered Chinese name and credit code. */
  const invoiceParty = (key: CastKey): InvoiceParty => {
    const member = members.find((entry) => entry.key === key);
    if (member === undefined) throw new Error(`no member ${key}`);
    return { ...party(key), name: member.nameZh, creditCode: member.creditCode };
  };
  log(`admitted ${members.length - 1} members`);

  const operator = signer("operator");
  const bank = signer("bank");
  await (await settlementToken.connect(operator).setIssuer(await bank.getAddress(), true)).wait();
  await (await settlement.connect(operator).setGracePeriod(15n * DAY)).wait();
  // No anchor confirms without a credit line: the operator gives Huaxin Mobile 3,000,000.00 CNY, reviewed in 180 days.
  await (
    await receivableToken.connect(operator).setCreditLine(party("anchor").memberId, DEMO_ANCHOR_CREDIT_LINE, (await chainNow(provider)) + 180n * DAY)
  ).wait();
  log(`set Huaxin Mobile's credit line: 3,000,000.00 CNY`);
  // The bank holds deposits to fund with and has pre-approved Financing, so funding is one transaction.
  await (await settlementToken.connect(bank).issue(await bank.getAddress(), 50_000_000_00n)).wait();
  await (await settlementToken.connect(bank).approve(await financing.getAddress(), MaxUint256)).wait();
  // The bank publishes what it buys of the anchor's receivables: the demo's rate, up to a year, any size.
  const offerNow = Number(await chainNow(provider));
  const offer: Offer = {
    factor: party("bank").account,
    anchorId: party("anchor").memberId,
    rateBps: Number(DEMO_FACTOR_RATE_BPS),
    maxTenorDays: 365,
    minValue: 1_000_00n,
    maxValue: 5_000_000_00n,
    appetite: DEMO_OFFER_APPETITE,
    validUntil: offerNow + Number(YEAR),
    issuedAt: offerNow,
  };
  await options.offers.put(offer, await signOffer(bank, chainId, offer));
  log("Pearl River Bank offers to buy Huaxin Mobile receivables at 6% a year");
  // The anchor holds deposits to repay with when its receivables fall due.
  await (await settlementToken.connect(bank).issue(await signer("anchor").getAddress(), 5_000_000_00n)).wait();

  const documented = async (terms: Omit<TradeTerms, "carrier" | "now">, seller: CastKey, buyer: CastKey) => {
    const fullTerms: TradeTerms = { ...terms, carrier: party("carrier"), now: await chainNow(provider) };
    const invoice = await sellerIssues(chainId, fullTerms, signer(seller), await receivableToken.getAddress());
    const waybill = await carrierSigns(chainId, fullTerms, signer("carrier"));
    const complete = await buyerAcknowledges(chainId, invoice, waybill, signer(buyer));
    await store.put({ kind: "invoice", hash: complete.invoiceHash, proof: complete.invoice }, party(seller).account);
    await store.put({ kind: "logistics", hash: complete.logisticsHash, proof: complete.logistics }, party(seller).account);
    return {
      invoiceNumber: normaliseInvoiceNumber(terms.number),
      invoiceHash: complete.invoiceHash,
      logisticsHash: complete.logisticsHash,
      sellerConsent: invoice.sellerConsent,
    };
  };

  const confirm = async (number: string, goods: string, quantity: bigint, faceValue: bigint, days: bigint): Promise<bigint> => {
    const proof = await documented(
      { number, seller: invoiceParty("tier1"), buyer: invoiceParty("anchor"), amount: faceValue, goods, quantity },
      "tier1",
      "anchor",
    );
    const confirmation = { supplier: party("tier1").account, faceValue, maturity: (await chainNow(provider)) + days * DAY, currency: CNY, ...proof };
    const anchorToken = receivableToken.connect(signer("anchor"));
    const [, tokenId] = await anchorToken.confirm.staticCall(confirmation);
    await (await anchorToken.confirm(confirmation)).wait();
    return tokenId;
  };

  const tier1Displays = await confirm("BVD-INV-0001", "OLED display modules", 20_000n, 1_000_000_00n, 90n);
  log("Huaxin Mobile confirmed 1,000,000.00 CNY to Brightview Displays, due in 90 days");
  const glassProof = await documented(
    {
      number: "CWG-INV-0417",
      seller: invoiceParty("tier2"),
      buyer: invoiceParty("tier1"),
      amount: 300_000_00n,
      goods: "Cover-glass panels",
      quantity: 40_000n,
    },
    "tier2",
    "tier1",
  );
  const tier1Token = receivableToken.connect(signer("tier1"));
  const tier2Glass = await tier1Token.transferWithProof.staticCall(tier1Displays, party("tier2").account, 300_000_00n, glassProof);
  await (await tier1Token.transferWithProof(tier1Displays, party("tier2").account, 300_000_00n, glassProof)).wait();
  log("Brightview Displays paid Clearwater Glass 300,000.00 CNY of it");

  const tier1Cameras = await confirm("BVD-INV-0002", "Camera modules", 8_000n, 500_000_00n, 45n);
  log("Huaxin Mobile confirmed 500,000.00 CNY to Brightview Displays, due in 45 days");

  // Tier 1 sells 200,000.00 of the second receivable to the bank: request, verifier check, funding.
  const now = await chainNow(provider);
  const receivable = await receivableToken.receivable(slotOf(tier1Cameras));
  const value = 200_000_00n;
  const quoted = price(value, DEMO_FACTOR_RATE_BPS, daysBetween(now, receivable.maturity));
  const request: FundingRequest = {
    tokenId: tier1Cameras,
    value,
    minPrice: quoted,
    factor: party("bank").account,
    withRecourse: false,
    deadline: now + DAY,
    nonce: 1n,
  };
  const domain = financingDomain(chainId, await financing.getAddress());
  const holderSignature = await signFundingRequest(signer("tier1"), domain, request);
  const outcome = await verifier.check({ request, holderSignature, price: quoted, requestedBy: party("bank").account });
  if (!outcome.ok)
    throw new Error(`seeding: the verifier refused the demo funding: ${outcome.failures.map((failure) => failure.message).join("; ")}`);
  const bankFinancing = financing.connect(bank);
  const [, bankCameras] = await bankFinancing.fund.staticCall(request, holderSignature, outcome.attestation, [outcome.signature]);
  await (await bankFinancing.fund(request, holderSignature, outcome.attestation, [outcome.signature])).wait();
  log("Pearl River Bank bought 200,000.00 CNY of it from Brightview Displays at 6% a year");

  return { members, pieces: { tier1Displays, tier2Glass, tier1Cameras, bankCameras } };
}
