/**
 * The whole Chainbill story, told step by step for a business reader:
 * a phone maker confirms what it owes its display supplier, the debt travels up three tiers of the supply
 * chain as payment, the smallest supplier sells its piece to a bank at a discount, and the phone maker repays
 * 60% at maturity and the rest ten days later while every holder collects its share. An epilogue shows a default:
 * a second receivable sold with recourse goes unpaid past the grace period, the bank demands recourse, the supplier
 * pays it, and the anchor's late payment then goes to the supplier.
 *
 * On Hardhat's network the story moves the clock forward through its 100 days at once. A real network (the
 * consortium's geth Clique network, `--network consortium`) cannot move its clock, so there a story day lasts
 * `REAL_TIME_DAY_SECONDS` of real time and the story waits for blocks stamped that late.
 *
 * `runDemo` deploys a fresh system with the Ignition module, plays the story, then checks from the chain alone
 * that every holder received exactly its face value and that no money was created or lost. `scripts/demo.ts`
 * is its command line (`npm run demo`); `test/demo.test.ts` runs it inside the test suite.
 */
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { id } from "ethers";
import { deployChainbill } from "../../deploy/system";
import { Role, roleMask } from "../chain/roles";
import { pieceName } from "../chain/tokenId";
import { financingDomain, signFundingRequest } from "../chain/funding";
import type { FundingAttestation, FundingRequest } from "../chain/funding";
import { daysBetween, discount, price as discountedPrice } from "../finance/discount";
import { formatCny } from "../finance/money";
import { ChainbillClient } from "../api/client";
import { addressesOf, connectChainbill } from "../chain/system";
import { invoiceFingerprint, normaliseInvoiceNumber } from "../proofs/fingerprint";
import { invoiceHash, invoiceLineOf, invoiceTotalsOf } from "../proofs/invoice";
import type { InvoiceProof } from "../proofs/invoice";
import { issueInvoiceConsent, issueInvoiceProof, issueLogisticsProof } from "../proofs/issue";
import { logisticsHash } from "../proofs/logistics";
import { signInvoiceUse } from "../proofs/invoiceUse";
import type { LogisticsProof } from "../proofs/logistics";
import { startDocumentsApi } from "./verifierService";

/** One thing the demo verifies at the end. */
export interface DemoCheck {
  name: string;
  passed: boolean;
  detail: string;
}

/** What the demo did and whether its checks passed. */
export interface DemoResult {
  /** True when every check passed. */
  passed: boolean;
  checks: DemoCheck[];
  /** Everything printed, line by line. */
  lines: string[];
  /** Face value of the confirmed receivable, in fen. */
  faceValue: bigint;
  /** What the bank paid for the tier-3 piece, in fen. */
  fundingPrice: bigint;
  /** Final settlement-token balance of each party, by name, in fen. */
  finalBalances: Map<string, bigint>;
}

export interface DemoOptions {
  /** Where each line goes as it is produced (besides `DemoResult.lines`); nothing is printed when omitted. */
  log?: (line: string) => void;
  /** Play the epilogue (a default and recourse paid); true unless set to false. */
  recourseEpilogue?: boolean;
}

const DAY = 86_400n;
const YEAR = 365n * DAY;
/** How long a story day lasts on a network whose clock cannot be moved: the story then takes about 100 s. */
const REAL_TIME_DAY_SECONDS = 1n;
const CNY = "0x434e59";
const FACE_VALUE = 100_000_000n; // 1,000,000.00 CNY
const TO_TIER2 = 30_000_000n; // 300,000.00 CNY
const TO_TIER3 = 10_000_000n; // 100,000.00 CNY
const FIRST_INSTALMENT = 60_000_000n; // 60%
const RATE_BPS = 600n; // 6% a year
const TENOR_DAYS = 90n;
const GRACE_DAYS = 15n;
/** The epilogue's receivable: a default, and recourse paid. */
const SECOND_FACE = 20_000_000n; // 200,000.00 CNY
const SOLD_WITH_RECOURSE = 10_000_000n; // 100,000.00 CNY
const SECOND_TENOR_DAYS = 30n;
const CREDIT_LINE = 120_000_000n; // 1,200,000.00 CNY
const OVER_LINE = 50_000_000n; // 500,000.00 CNY: one confirmation too many

type PartyKey = "operator" | "anchor" | "tier1" | "tier2" | "tier3" | "carrier" | "verifier" | "bank" | "auditor";

interface Party {
  key: PartyKey;
  name: string;
  what: string;
  roles: Role[];
  /** Unified social credit code (统一社会信用代码); the chain keeps only its hash. */
  creditCode: string;
  signer: HardhatEthersSigner;
  leiHash: string;
  memberId: bigint;
}

/** A document kept off-chain: the chain sees only its salted hash. */
interface TradeDocuments {
  invoiceNumber: string;
  seller: Party;
  buyer: Party;
  goods: string;
  amount: bigint;
  waybillNumber: string;
  invoiceHash: string;
  logisticsHash: string;
  fingerprint: string;
  /** The seller's consent that the buyer registers the invoice on chain, signed with the invoice. */
  sellerConsent: string;
  /** The invoice, signed by the seller and acknowledged by the buyer. */
  invoice: InvoiceProof;
  /** The waybill with the carrier's signed pick-up and delivery, acknowledged by the buyer. */
  logistics: LogisticsProof;
}

const CAST: ReadonlyArray<Omit<Party, "signer" | "leiHash" | "memberId">> = [
  { key: "operator", name: "Chainbill Consortium", what: "network operator", roles: [Role.OPERATOR], creditCode: "CHAINBILL-CONSORTIUM-OPERATOR" },
  { key: "anchor", name: "Huaxin Mobile", what: "phone maker, the anchor (core enterprise)", roles: [Role.ANCHOR], creditCode: "91440300MA5HXM001P" },
  { key: "tier1", name: "Brightview Displays", what: "tier-1 supplier: display modules", roles: [Role.SUPPLIER], creditCode: "91320500MA1BRD0025" },
  { key: "tier2", name: "Clearwater Glass", what: "tier-2 supplier: cover glass", roles: [Role.SUPPLIER], creditCode: "91330200MA2CWG003J" },
  { key: "tier3", name: "Golden Sands Silica", what: "tier-3 supplier: silica sand", roles: [Role.SUPPLIER], creditCode: "91450100MA5GLD004Q" },
  { key: "carrier", name: "Swift Freight", what: "logistics carrier", roles: [Role.CARRIER], creditCode: "91310000MA1XJH005M" },
  {
    key: "verifier",
    name: "TrustProof Verification",
    what: "checks invoices and waybills",
    roles: [Role.VERIFIER],
    creditCode: "91110000MA0TPC0060",
  },
  {
    key: "bank",
    name: "Pearl River Bank",
    what: "factoring bank, issues the CNY deposit token",
    roles: [Role.FACTOR],
    creditCode: "91440100MA9PRB0071",
  },
  { key: "auditor", name: "Meridian Audit & Co.", what: "auditor", roles: [Role.AUDITOR], creditCode: "91110000MA0MAC008L" },
];

function dateOf(timestamp: bigint): string {
  return new Date(Number(timestamp) * 1000).toISOString().slice(0, 10);
}

function padRight(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - text.length));
}

function padLeft(text: string, width: number): string {
  return " ".repeat(Math.max(0, width - text.length)) + text;
}

/** The demo derives its salts so that runs print the same hashes; real documents take 32 random bytes. */
function demoSalt(kind: string, number: string): string {
  return id(`chainbill-demo-salt/${kind}/${number}`);
}

async function latestTimestamp(): Promise<bigint> {
  const block = await hre.ethers.provider.getBlock("latest");
  if (block === null) throw new Error("no latest block");
  return BigInt(block.timestamp);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How the story's days pass on the network it runs on. */
interface StoryClock {
  /** Seconds of chain time in one story day. */
  day: bigint;
  /** Where the story is told, for its first line. */
  where: string;
  /** Returns once the chain's latest block is stamped at `timestamp` or later. */
  advanceTo(timestamp: bigint): Promise<void>;
}

async function storyClock(): Promise<StoryClock> {
  const client = String(await hre.network.provider.request({ method: "web3_clientVersion" }));
  if (client.startsWith("HardhatNetwork")) {
    const where = hre.network.name === "hardhat" ? "Hardhat's in-process network" : `Hardhat's network at "${hre.network.name}"`;
    return { day: DAY, where, advanceTo: (timestamp) => time.increaseTo(timestamp) };
  }
  return {
    day: REAL_TIME_DAY_SECONDS,
    where: `network "${hre.network.name}" (${client.split("/")[0]}), where a story day lasts ${REAL_TIME_DAY_SECONDS} s of real time`,
    advanceTo: async (timestamp) => {
      const giveUp = Date.now() + Number(timestamp - (await latestTimestamp())) * 1000 + 60_000;
      while ((await latestTimestamp()) < timestamp) {
        if (Date.now() > giveUp) throw new Error(`the chain produced no block stamped ${timestamp} or later: is it sealing?`);
        await sleep(250);
      }
    },
  };
}

/** Plays the story and checks it; whatever the story started (the verifier's API) is stopped, even on failure. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const cleanups: Array<() => Promise<void>> = [];
  try {
    return await tellStory(options, cleanups);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

async function tellStory(options: DemoOptions, cleanups: Array<() => Promise<void>>): Promise<DemoResult> {
  const clock = await storyClock();
  const day = clock.day;
  const lines: string[] = [];
  const say = (line = ""): void => {
    lines.push(line);
    options.log?.(line);
  };
  const step = (() => {
    let counter = 0;
    return (title: string): void => {
      counter += 1;
      say();
      say(`${counter}. ${title}`);
    };
  })();

  say(`Chainbill — supply-chain receivables finance, the whole story on ${clock.where}`);
  say("Amounts are CNY; the chain keeps them as whole fen (integers), never as floating-point numbers.");

  // ---------------------------------------------------------------------------------------------------------
  step("The consortium deploys Chainbill");
  const signers = await hre.ethers.getSigners();
  if (signers.length < CAST.length) throw new Error(`the demo needs ${CAST.length} accounts, the network has ${signers.length}`);
  const { registry, receivableToken, settlementToken, settlement, financing } = await deployChainbill(signers[0]);
  const settlementAddress = await settlement.getAddress();
  const financingAddress = await financing.getAddress();
  const firstBlock = await hre.ethers.provider.getBlockNumber();
  say(`   member registry ${await registry.getAddress()}, receivable token ${await receivableToken.getAddress()}`);
  say(`   CNY deposit token ${await settlementToken.getAddress()}, settlement ${settlementAddress}, financing ${financingAddress}`);

  // ---------------------------------------------------------------------------------------------------------
  step("The operator admits the members (KYC valid for two years)");
  const parties = new Map<PartyKey, Party>();
  const kycValidUntil = (await latestTimestamp()) + 2n * YEAR;
  for (const [index, member] of CAST.entries()) {
    const signer = signers[index];
    const leiHash = id(member.creditCode);
    if (member.key !== "operator") {
      await (await registry.admit(leiHash, signer.address, roleMask(...member.roles), kycValidUntil)).wait();
    }
    const memberId = await registry.memberIdOf(signer.address);
    parties.set(member.key, { ...member, signer, leiHash, memberId });
    say(`   member ${memberId}: ${padRight(member.name, 24)} ${padRight(member.what, 46)} ${member.roles.map((role) => Role[role]).join(", ")}`);
  }
  const party = (key: PartyKey): Party => {
    const found = parties.get(key);
    if (found === undefined) throw new Error(`no party ${key}`);
    return found;
  };
  const anchor = party("anchor");
  const tier1 = party("tier1");
  const tier2 = party("tier2");
  const tier3 = party("tier3");
  const carrier = party("carrier");
  const verifier = party("verifier");
  const bank = party("bank");
  const auditor = party("auditor");
  await (await settlementToken.setIssuer(bank.signer.address, true)).wait();
  say(`   The operator names ${bank.name} issuer of the CNY deposit token (issued and redeemed against deposits at the bank).`);
  await (await settlement.setGracePeriod(GRACE_DAYS * day)).wait();
  say(`   The operator sets a ${GRACE_DAYS}-day grace period after maturity before an unpaid receivable counts as overdue.`);
  const lineReview = (await latestTimestamp()) + 180n * day;
  await (await receivableToken.setCreditLine(anchor.memberId, CREDIT_LINE, lineReview)).wait();
  say(
    `   The operator sets ${anchor.name}'s credit line (授信额度): it may owe at most ${formatCny(CREDIT_LINE)} on confirmed receivables, reviewed ${dateOf(lineReview)}.`,
  );

  // The verifier's service: the document store and the API, on loopback, for the length of the story.
  const { chainId } = await hre.ethers.provider.getNetwork();
  const api = await startDocumentsApi(
    connectChainbill(await addressesOf({ registry, receivableToken, settlementToken, settlement, financing }), hre.ethers.provider),
    chainId,
    verifier.signer,
    firstBlock,
  );
  cleanups.push(() => api.close());
  say(`   ${verifier.name} runs the document store and the verification API at ${api.server.url}.`);
  const clientOf = async (signer: Party["signer"]): Promise<ChainbillClient> => {
    const client = new ChainbillClient(api.server.url);
    await client.signIn(signer);
    return client;
  };

  // Off-chain documents: an invoice signed by the seller and acknowledged by the buyer, a waybill with the carrier's
  // signed pick-up and delivery acknowledged by the buyer. The seller uploads both; the chain gets salted hashes and
  // the invoice's fingerprint.
  const trade = async (
    invoiceNumber: string,
    seller: Party,
    buyer: Party,
    goods: { description: string; quantity: bigint },
    amount: bigint,
    waybillNumber: string,
    shippedOn: bigint,
  ): Promise<TradeDocuments> => {
    const sellerParty = { memberId: Number(seller.memberId), account: seller.signer.address };
    const buyerParty = { memberId: Number(buyer.memberId), account: buyer.signer.address };
    // A VAT invoice: the goods at amount / quantity each, VAT at 13% on top (the total covers a piece of `amount`).
    const line = invoiceLineOf({ item: goods.description, quantity: goods.quantity, unit: "件", unitPrice: amount / goods.quantity, taxRate: 1300 });
    const invoice = await issueInvoiceProof(
      chainId,
      {
        number: invoiceNumber,
        issueDate: Number(shippedOn),
        seller: { ...sellerParty, name: seller.name, creditCode: seller.creditCode },
        buyer: { ...buyerParty, name: buyer.name, creditCode: buyer.creditCode },
        currency: "CNY",
        lines: [line],
        ...invoiceTotalsOf([line]),
        purchaseOrder: `PO-${invoiceNumber}`,
        dueDate: Number(shippedOn + 60n * day),
        salt: demoSalt("invoice", invoiceNumber),
      },
      seller.signer,
      buyer.signer,
    );
    const logistics = await issueLogisticsProof(
      chainId,
      {
        number: waybillNumber,
        carrier: { memberId: Number(carrier.memberId), account: carrier.signer.address },
        shipper: sellerParty,
        consignee: buyerParty,
        goods: [{ description: goods.description, quantity: goods.quantity }],
        reference: invoiceNumber,
        salt: demoSalt("waybill", waybillNumber),
      },
      { time: Number(shippedOn), place: `${seller.name} warehouse`, quantity: goods.quantity },
      carrier.signer,
      { delivered: { time: Number(shippedOn + 2n * day), place: `${buyer.name} plant`, quantity: goods.quantity }, consignee: buyer.signer },
    );
    const sellerClient = await clientOf(seller.signer);
    await sellerClient.uploadInvoice(invoice);
    await sellerClient.uploadLogistics(logistics);
    say(
      `   ${carrier.name} signs waybill ${waybillNumber}: ${goods.quantity} × ${goods.description}, ${seller.name} → ${buyer.name}, delivered; ${buyer.name} signs for it.`,
    );
    say(
      `   ${seller.name} issues invoice ${invoiceNumber} to ${buyer.name} for ${formatCny(amount)}; ${buyer.name} acknowledges it; both documents go to the store.`,
    );
    return {
      invoiceNumber,
      seller,
      buyer,
      goods: goods.description,
      amount,
      waybillNumber,
      invoiceHash: invoiceHash(chainId, invoice.invoice),
      logisticsHash: logisticsHash(chainId, logistics),
      fingerprint: invoiceFingerprint(seller.leiHash, invoiceNumber),
      sellerConsent: await issueInvoiceConsent(chainId, await receivableToken.getAddress(), invoice.invoice, seller.signer),
      invoice,
      logistics,
    };
  };

  // ---------------------------------------------------------------------------------------------------------
  const day0 = await latestTimestamp();
  const maturity = day0 + TENOR_DAYS * day;
  step(`Day 0 (${dateOf(day0)}): ${anchor.name} confirms what it owes ${tier1.name}`);
  const displays = await trade(
    "BVD-INV-0001",
    tier1,
    anchor,
    { description: "OLED display modules", quantity: 20_000n },
    FACE_VALUE,
    "SWF-WB-10001",
    day0 - 3n * day,
  );
  const confirmation = {
    supplier: tier1.signer.address,
    faceValue: FACE_VALUE,
    maturity,
    currency: CNY,
    invoiceHash: displays.invoiceHash,
    logisticsHash: displays.logisticsHash,
    invoiceNumber: normaliseInvoiceNumber(displays.invoiceNumber),
    sellerConsent: displays.sellerConsent,
  };
  const anchorToken = receivableToken.connect(anchor.signer);
  const [slot, root] = await anchorToken.confirm.staticCall(confirmation);
  await (await anchorToken.confirm(confirmation)).wait();
  say(`   ${anchor.name} confirms on chain: it owes ${formatCny(FACE_VALUE)}, due in ${TENOR_DAYS} days (${dateOf(maturity)}).`);
  say(`   Receivable ${slot} is created; ${tier1.name} holds its first piece ${pieceName(root)} worth ${formatCny(FACE_VALUE)}.`);
  const lineAfterConfirm = await receivableToken.creditLine(anchor.memberId);
  say(
    `   ${anchor.name}'s credit line: ${formatCny(lineAfterConfirm.limit)}, used ${formatCny(lineAfterConfirm.outstanding)}, free ${formatCny(lineAfterConfirm.limit - lineAfterConfirm.outstanding)}.`,
  );
  // A second confirmation the line does not cover: the chain refuses it (asked first, so nothing is sent).
  const overNumber = normaliseInvoiceNumber("BVD-INV-0002");
  const overInvoiceHash = id("demo: the over-limit invoice");
  const overLimit = {
    ...confirmation,
    faceValue: OVER_LINE,
    invoiceHash: overInvoiceHash,
    logisticsHash: id("demo: the over-limit waybill"),
    invoiceNumber: overNumber,
    sellerConsent: await signInvoiceUse(tier1.signer, chainId, await receivableToken.getAddress(), {
      invoiceNumber: overNumber,
      invoiceHash: overInvoiceHash,
      buyer: anchor.signer.address,
    }),
  };
  let lineRefusal = "";
  try {
    await anchorToken.confirm.staticCall(overLimit);
  } catch (error) {
    const decoded = receivableToken.interface.parseError((error as { data?: string }).data ?? "0x");
    if (decoded !== null) {
      const [, limit, outstanding, amount] = decoded.args as unknown as [bigint, bigint, bigint, bigint];
      lineRefusal =
        decoded.name === "ReceivableCreditLineExceeded"
          ? `line ${formatCny(limit)}, outstanding ${formatCny(outstanding)}, amount ${formatCny(amount)}`
          : decoded.name;
    }
  }
  say(
    `   ${anchor.name} tries to confirm a further ${formatCny(OVER_LINE)} to ${tier1.name}: the chain refuses it, ReceivableCreditLineExceeded (${lineRefusal || "NOT REFUSED"}).`,
  );

  // ---------------------------------------------------------------------------------------------------------
  await clock.advanceTo(day0 + 5n * day);
  step(`Day 5: ${tier1.name} pays ${tier2.name} with part of the receivable`);
  const glass = await trade(
    "CWG-INV-0417",
    tier2,
    tier1,
    { description: "cover-glass panels", quantity: 40_000n },
    TO_TIER2,
    "SWF-WB-10002",
    day0 + 2n * day,
  );
  const proofFor = (documents: TradeDocuments) => ({
    invoiceNumber: normaliseInvoiceNumber(documents.invoiceNumber),
    invoiceHash: documents.invoiceHash,
    logisticsHash: documents.logisticsHash,
    sellerConsent: documents.sellerConsent,
  });
  const tier1Token = receivableToken.connect(tier1.signer);
  const tier2Piece = await tier1Token.transferWithProof.staticCall(root, tier2.signer.address, TO_TIER2, proofFor(glass));
  await (await tier1Token.transferWithProof(root, tier2.signer.address, TO_TIER2, proofFor(glass))).wait();
  say(
    `   ${tier1.name} splits ${formatCny(TO_TIER2)} off ${pieceName(root)}: ${tier2.name} now holds ${pieceName(tier2Piece)}, still owed by ${anchor.name}.`,
  );

  // ---------------------------------------------------------------------------------------------------------
  await clock.advanceTo(day0 + 12n * day);
  step(`Day 12: ${tier2.name} pays ${tier3.name} the same way`);
  const sand = await trade(
    "GSS-INV-0093",
    tier3,
    tier2,
    { description: "tonnes of silica sand", quantity: 250n },
    TO_TIER3,
    "SWF-WB-10003",
    day0 + 9n * day,
  );
  const tier2Token = receivableToken.connect(tier2.signer);
  const tier3Piece = await tier2Token.transferWithProof.staticCall(tier2Piece, tier3.signer.address, TO_TIER3, proofFor(sand));
  await (await tier2Token.transferWithProof(tier2Piece, tier3.signer.address, TO_TIER3, proofFor(sand))).wait();
  const lineage: string[] = [];
  for (let piece = tier3Piece; piece !== 0n; piece = await receivableToken.parentOf(piece)) lineage.push(pieceName(piece));
  say(`   ${tier2.name} splits ${formatCny(TO_TIER3)} off ${pieceName(tier2Piece)}: ${tier3.name} now holds ${pieceName(tier3Piece)}.`);
  say(`   Traceable to the anchor's confirmation: ${lineage.join(" ← ")} (confirmed by ${anchor.name}).`);

  // ---------------------------------------------------------------------------------------------------------
  await clock.advanceTo(day0 + 20n * day);
  step(`Day 20: ${tier3.name} sells its piece to ${bank.name} at 6% a year`);
  const quoteTime = await latestTimestamp();
  const quoted = await financing.quote(TO_TIER3, RATE_BPS, maturity);
  const dayCount = daysBetween(quoteTime, maturity);
  const expectedPrice = discountedPrice(TO_TIER3, RATE_BPS, dayCount);
  say(
    `   Quote for ${formatCny(TO_TIER3)} over ${dayCount} days at 6%: discount ${formatCny(discount(TO_TIER3, RATE_BPS, dayCount))}, price ${formatCny(quoted)}.`,
  );
  say(
    `   Cross-check with the off-chain formula (src/finance/discount.ts): ${formatCny(expectedPrice)} — ${quoted === expectedPrice ? "the same" : "DIFFERENT"}.`,
  );

  // The holder signs its request; the bank asks the verifier's API to check the piece's whole lineage and attest.
  const domain = financingDomain(chainId, financingAddress);
  const deadline = quoteTime + DAY;
  const request: FundingRequest = {
    tokenId: tier3Piece,
    value: TO_TIER3,
    minPrice: quoted,
    factor: bank.signer.address,
    withRecourse: false,
    deadline,
    nonce: 1n,
  };
  const holderSignature = await signFundingRequest(tier3.signer, domain, request);
  say(`   ${tier3.name} signs its funding request without recourse (EIP-712, this chain and contract only) and hands it to ${bank.name}.`);
  const bankClient = await clientOf(bank.signer);
  const checked = await bankClient.fundingCheck(request, holderSignature, quoted);
  if (!checked.ok) {
    throw new Error(`the verifier refuses to attest: ${checked.failures.map((failure) => `${failure.code} (${failure.message})`).join("; ")}`);
  }
  say(
    `   ${bank.name} asks ${verifier.name}'s API to check ${pieceName(tier3Piece)}: the anchor's confirmation and both transfers, ` +
      `three invoices and three waybills — signatures, parties, amounts, deliveries by ${carrier.name}, hashes on chain ✓.`,
  );
  say(
    `   The API answers with the verifier's attestation (funding id ${checked.fundingId.slice(0, 18)}…), valid until ${dateOf(checked.attestation.deadline)}.`,
  );
  const attestation: FundingAttestation = checked.attestation;
  const verifierSignatures = [checked.signature];
  await (await settlementToken.connect(bank.signer).issue(bank.signer.address, quoted)).wait();
  await (await settlementToken.connect(bank.signer).approve(financingAddress, quoted)).wait();
  const bankFinancing = financing.connect(bank.signer);
  const [, fundedPiece] = await bankFinancing.fund.staticCall(request, holderSignature, attestation, verifierSignatures);
  await (await bankFinancing.fund(request, holderSignature, attestation, verifierSignatures)).wait();
  say(`   ${bank.name} issues itself ${formatCny(quoted)} of deposit tokens and funds, without recourse, delivery against payment:`);
  say(
    `   ${tier3.name} receives ${formatCny(quoted)} today; ${bank.name} now holds ${pieceName(fundedPiece)} (${formatCny(TO_TIER3)} due from ${anchor.name}).`,
  );

  // ---------------------------------------------------------------------------------------------------------
  const pieces = [root, tier2Piece, fundedPiece];
  const partyByAddress = new Map<string, Party>([...parties.values()].map((p) => [p.signer.address, p]));
  const nameOf = (address: string): string => (address === settlementAddress ? "Settlement escrow" : (partyByAddress.get(address)?.name ?? address));
  const claimedSoFar = new Map<string, bigint>();
  const tableParties = [anchor, tier1, tier2, tier3, bank];

  const balanceTable = async (title: string): Promise<void> => {
    const held = new Map<string, bigint>();
    for (const piece of pieces) {
      if (!(await receivableToken.exists(piece))) continue;
      const owner = await receivableToken.ownerOf(piece);
      held.set(owner, (held.get(owner) ?? 0n) + (await receivableToken["balanceOf(uint256)"](piece)));
    }
    const rows: string[][] = [["", "CNY balance", "receivables held", "collected so far"]];
    for (const p of tableParties) {
      const address = p.signer.address;
      rows.push([
        p.name,
        formatCny(await settlementToken.balanceOf(address)),
        formatCny(held.get(address) ?? 0n),
        formatCny(claimedSoFar.get(address) ?? 0n),
      ]);
    }
    rows.push(["Settlement escrow", formatCny(await settlementToken.balanceOf(settlementAddress)), "", ""]);
    rows.push(["CNY in circulation", formatCny(await settlementToken.totalSupply()), "", ""]);
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    say(`   ${title}`);
    for (const [index, row] of rows.entries()) {
      say(`     ${row.map((cell, column) => (column === 0 ? padRight(cell, widths[column]) : padLeft(cell, widths[column]))).join("   ")}`);
      if (index === 0) say(`     ${widths.map((width) => "-".repeat(width)).join("   ")}`);
    }
  };
  await balanceTable(`Positions on day 20:`);

  const overdueLine = async (): Promise<string> => {
    const account = await settlement.account(slot);
    const outstanding = FACE_VALUE - account.repaid;
    if (await settlement.isOverdue(slot)) return `   Status: OVERDUE — ${formatCny(outstanding)} unpaid after the grace period.`;
    if (outstanding === 0n) return `   Status: fully repaid — not overdue.`;
    return `   Status: ${formatCny(outstanding)} outstanding, not overdue (grace period runs to ${dateOf(maturity + GRACE_DAYS * day)}).`;
  };

  const repay = async (amount: bigint): Promise<void> => {
    await (await settlementToken.connect(bank.signer).issue(anchor.signer.address, amount)).wait();
    say(`   ${anchor.name} deposits ${formatCny(amount)} at ${bank.name}, which issues it as deposit tokens.`);
    await (await settlementToken.connect(anchor.signer).approve(settlementAddress, amount)).wait();
    await (await settlement.connect(anchor.signer).repay(slot, amount)).wait();
    const account = await settlement.account(slot);
    say(`   ${anchor.name} repays ${formatCny(amount)}: ${formatCny(account.repaid)} of ${formatCny(FACE_VALUE)} repaid so far.`);
  };

  const claimAll = async (): Promise<void> => {
    for (const piece of pieces) {
      if (!(await receivableToken.exists(piece))) continue;
      const holder = await receivableToken.ownerOf(piece);
      const holderSigner = partyByAddress.get(holder)?.signer;
      if (holderSigner === undefined) throw new Error(`piece ${pieceName(piece)} is held by an unknown address ${holder}`);
      const due = await settlement.claimable(piece);
      if (due === 0n) {
        say(`   ${nameOf(holder)} has nothing more to collect on ${pieceName(piece)}.`);
        continue;
      }
      const value = await receivableToken["balanceOf(uint256)"](piece);
      await (await settlement.connect(holderSigner).claim(piece)).wait();
      claimedSoFar.set(holder, (claimedSoFar.get(holder) ?? 0n) + due);
      const settled = !(await receivableToken.exists(piece));
      say(
        `   ${padRight(nameOf(holder), 20)} collects ${padLeft(formatCny(due), 16)} on ${pieceName(piece)} (face ${formatCny(value)})` +
          (settled ? ": paid in full, the piece is retired." : "."),
      );
    }
  };

  // ---------------------------------------------------------------------------------------------------------
  await clock.advanceTo(maturity);
  step(`Day 90 (${dateOf(maturity)}), maturity: ${anchor.name} repays 60%`);
  const heldAtMaturity = new Map<string, bigint>();
  for (const piece of pieces) {
    const owner = await receivableToken.ownerOf(piece);
    heldAtMaturity.set(owner, (heldAtMaturity.get(owner) ?? 0n) + (await receivableToken["balanceOf(uint256)"](piece)));
  }
  await repay(FIRST_INSTALMENT);
  say(await overdueLine());
  say(`   Every holder collects its share: face value × repaid ÷ ${formatCny(FACE_VALUE)}.`);
  await claimAll();
  await balanceTable(`Positions after the first payment:`);

  // ---------------------------------------------------------------------------------------------------------
  await clock.advanceTo(maturity + 10n * day);
  step(`Day 100, ten days after maturity: ${anchor.name} repays the rest`);
  say(await overdueLine());
  await repay(FACE_VALUE - FIRST_INSTALMENT);
  say(await overdueLine());
  const lineAfterRepay = await receivableToken.creditLine(anchor.memberId);
  say(`   Repayment frees the line: ${anchor.name} owes ${formatCny(lineAfterRepay.outstanding)} of its ${formatCny(lineAfterRepay.limit)} line.`);
  await claimAll();
  await balanceTable(`Final positions:`);

  // ---------------------------------------------------------------------------------------------------------
  step(`${auditor.name} checks the books from the chain alone`);
  const checks: DemoCheck[] = [];
  const check = (name: string, passed: boolean, detail: string): void => {
    checks.push({ name, passed, detail });
    say(`   ${passed ? "✓" : "✗"} ${name}: ${detail}`);
  };
  check(
    "the credit line refused the over-limit confirmation, and repayment freed it",
    lineRefusal === `line ${formatCny(CREDIT_LINE)}, outstanding ${formatCny(FACE_VALUE)}, amount ${formatCny(OVER_LINE)}` &&
      lineAfterRepay.outstanding === 0n,
    `refused with ${lineRefusal || "nothing"}; owed after repayment ${formatCny(lineAfterRepay.outstanding)}`,
  );

  const claimedEvents = await settlement.queryFilter(settlement.filters.Claimed(), firstBlock);
  const claimedByHolder = new Map<string, bigint>();
  const claimedByPiece = new Map<bigint, bigint>();
  for (const event of claimedEvents) {
    claimedByHolder.set(event.args.holder, (claimedByHolder.get(event.args.holder) ?? 0n) + event.args.amount);
    claimedByPiece.set(event.args.tokenId, (claimedByPiece.get(event.args.tokenId) ?? 0n) + event.args.amount);
  }
  const holderMismatches = [...new Set([...heldAtMaturity.keys(), ...claimedByHolder.keys()])].filter(
    (holder) => (heldAtMaturity.get(holder) ?? 0n) !== (claimedByHolder.get(holder) ?? 0n),
  );
  check(
    "every holder collected exactly the face value of the pieces it held",
    holderMismatches.length === 0 && heldAtMaturity.size === 3,
    [...heldAtMaturity.entries()]
      .map(([holder, value]) => `${nameOf(holder)} ${formatCny(claimedByHolder.get(holder) ?? 0n)} of ${formatCny(value)}`)
      .join(", "),
  );

  const bankCollected = claimedByPiece.get(fundedPiece) ?? 0n;
  check(
    `${bank.name} collected the face value of the piece it funded`,
    bankCollected === TO_TIER3 && !(await receivableToken.exists(fundedPiece)),
    `paid ${formatCny(quoted)} on day 20, collected ${formatCny(bankCollected)}: earned ${formatCny(bankCollected - quoted)}`,
  );

  const [supply, issued, redeemed] = await Promise.all([
    settlementToken.totalSupply(),
    settlementToken.totalIssued(),
    settlementToken.totalRedeemed(),
  ]);
  check(
    "CNY in circulation equals issued minus redeemed",
    supply === issued - redeemed,
    `${formatCny(supply)} = ${formatCny(issued)} − ${formatCny(redeemed)}`,
  );

  const escrow = await settlementToken.balanceOf(settlementAddress);
  const account = await settlement.account(slot);
  check(
    "the settlement escrow is empty and paid out exactly what came in",
    escrow === 0n && account.claimed === account.repaid,
    `escrow ${formatCny(escrow)}, repaid ${formatCny(account.repaid)}, paid out ${formatCny(account.claimed)}`,
  );

  const repaidEvents = await settlement.queryFilter(settlement.filters.Repaid(slot), firstBlock);
  const anchorPaid = repaidEvents.filter((event) => event.args.payer === anchor.signer.address).reduce((sum, event) => sum + event.args.amount, 0n);
  const anchorIssued = (await settlementToken.queryFilter(settlementToken.filters.Issued(undefined, anchor.signer.address), firstBlock)).reduce(
    (sum, event) => sum + event.args.amount,
    0n,
  );
  const anchorBalance = await settlementToken.balanceOf(anchor.signer.address);
  check(
    `${anchor.name} paid exactly ${formatCny(FACE_VALUE)}`,
    anchorPaid === FACE_VALUE && anchorIssued - anchorBalance === FACE_VALUE && account.repaid === FACE_VALUE,
    `${repaidEvents.length} payments totalling ${formatCny(anchorPaid)}`,
  );

  const live: string[] = [];
  for (const piece of pieces) if (await receivableToken.exists(piece)) live.push(pieceName(piece));
  check(
    "every piece is paid in full and retired",
    live.length === 0 && account.redeemedValue === FACE_VALUE,
    live.length === 0 ? `${formatCny(account.redeemedValue)} of pieces retired` : `still live: ${live.join(", ")}`,
  );

  const finalBalances = new Map<string, bigint>();
  let sumOfBalances = escrow;
  for (const p of parties.values()) {
    const balance = await settlementToken.balanceOf(p.signer.address);
    finalBalances.set(p.name, balance);
    sumOfBalances += balance;
  }
  const expected = new Map<string, bigint>([
    [anchor.name, 0n],
    [tier1.name, FACE_VALUE - TO_TIER2],
    [tier2.name, TO_TIER2 - TO_TIER3],
    [tier3.name, quoted],
    [bank.name, TO_TIER3],
  ]);
  const wrong = [...expected.entries()].filter(([name, value]) => finalBalances.get(name) !== value);
  check(
    "no money was created or lost",
    sumOfBalances === supply && wrong.length === 0,
    `members and escrow hold ${formatCny(sumOfBalances)}, exactly the ${formatCny(supply)} issued` +
      (wrong.length === 0 ? "" : `; unexpected balances: ${wrong.map(([name]) => name).join(", ")}`),
  );
  check(
    "the funding price agrees with the off-chain formula",
    quoted === expectedPrice,
    `contract quote ${formatCny(quoted)}, src/finance/discount.ts ${formatCny(expectedPrice)}`,
  );

  // ---------------------------------------------------------------------------------------------------------
  // Epilogue: a default, and recourse that settles in money (issue 19 part 3).
  if (options.recourseEpilogue !== false) {
    const second = await latestTimestamp();
    const secondMaturity = second + SECOND_TENOR_DAYS * day;
    step(`Day 100: ${anchor.name} confirms a second receivable to ${tier1.name}, due in ${SECOND_TENOR_DAYS} days`);
    const cameras = await trade(
      "BVD-INV-0002",
      tier1,
      anchor,
      { description: "camera modules", quantity: 10_000n },
      SECOND_FACE,
      "SWF-WB-10004",
      second - 3n * day,
    );
    const secondConfirmation = {
      supplier: tier1.signer.address,
      faceValue: SECOND_FACE,
      maturity: secondMaturity,
      currency: CNY,
      invoiceHash: cameras.invoiceHash,
      logisticsHash: cameras.logisticsHash,
      invoiceNumber: normaliseInvoiceNumber(cameras.invoiceNumber),
      sellerConsent: cameras.sellerConsent,
    };
    const [secondSlot, secondRoot] = await anchorToken.confirm.staticCall(secondConfirmation);
    await (await anchorToken.confirm(secondConfirmation)).wait();
    say(`   Receivable ${secondSlot}: ${anchor.name} owes ${tier1.name} ${formatCny(SECOND_FACE)} on ${dateOf(secondMaturity)}.`);

    step(`${tier1.name} sells ${formatCny(SOLD_WITH_RECOURSE)} of it to ${bank.name} with recourse`);
    const recourseQuote = await financing.quote(SOLD_WITH_RECOURSE, RATE_BPS, secondMaturity);
    const recourseRequest: FundingRequest = {
      tokenId: secondRoot,
      value: SOLD_WITH_RECOURSE,
      minPrice: recourseQuote,
      factor: bank.signer.address,
      withRecourse: true,
      deadline: (await latestTimestamp()) + DAY,
      nonce: 2n,
    };
    const recourseSignature = await signFundingRequest(tier1.signer, domain, recourseRequest);
    say(
      `   ${tier1.name} signs its request WITH recourse: if ${anchor.name} has not paid ${GRACE_DAYS} days after maturity, ${bank.name} may demand the unpaid part back.`,
    );
    const recourseCheck = await bankClient.fundingCheck(recourseRequest, recourseSignature, recourseQuote);
    if (!recourseCheck.ok) throw new Error(`the verifier refuses to attest: ${recourseCheck.failures.map((failure) => failure.code).join("; ")}`);
    await (await settlementToken.connect(bank.signer).issue(bank.signer.address, recourseQuote)).wait();
    await (await settlementToken.connect(bank.signer).approve(financingAddress, recourseQuote)).wait();
    const [, recoursePiece] = await bankFinancing.fund.staticCall(recourseRequest, recourseSignature, recourseCheck.attestation, [
      recourseCheck.signature,
    ]);
    await (await bankFinancing.fund(recourseRequest, recourseSignature, recourseCheck.attestation, [recourseCheck.signature])).wait();
    say(
      `   ${bank.name} pays ${formatCny(recourseQuote)} and holds ${pieceName(recoursePiece)} (${formatCny(SOLD_WITH_RECOURSE)}), with recourse against ${tier1.name}.`,
    );

    await clock.advanceTo(secondMaturity + GRACE_DAYS * day + day);
    step(`${GRACE_DAYS + 1n} days after maturity ${anchor.name} has paid nothing: a default`);
    await (await settlement.flagOverdue(secondSlot)).wait();
    say(`   Receivable ${secondSlot} is flagged OVERDUE: ${formatCny(SECOND_FACE)} unpaid after the grace period.`);
    await (await financing.connect(bank.signer).recordRecourse(recourseCheck.attestation)).wait();
    const recourseDue = await settlement.recourseDue(recoursePiece);
    say(`   ${bank.name} demands recourse on ${pieceName(recoursePiece)}: ${formatCny(recourseDue)} unpaid.`);
    const tier1Before = await settlementToken.balanceOf(tier1.signer.address);
    const bankBefore = await settlementToken.balanceOf(bank.signer.address);
    await (await settlementToken.connect(tier1.signer).approve(financingAddress, recourseDue)).wait();
    await (await financing.connect(tier1.signer).payRecourse(recourseCheck.attestation, recourseDue)).wait();
    say(`   ${tier1.name} pays ${bank.name} ${formatCny(recourseDue)} on chain, in deposit tokens: the recourse is settled.`);
    say(`   From now on what ${anchor.name} pays on ${pieceName(recoursePiece)} goes to ${tier1.name}, not to ${bank.name}.`);

    await clock.advanceTo(secondMaturity + (GRACE_DAYS + 6n) * day);
    step(`${anchor.name} pays the second receivable late, in full`);
    await (await settlementToken.connect(bank.signer).issue(anchor.signer.address, SECOND_FACE)).wait();
    await (await settlementToken.connect(anchor.signer).approve(settlementAddress, SECOND_FACE)).wait();
    await (await settlement.connect(anchor.signer).repay(secondSlot, SECOND_FACE)).wait();
    await (await settlement.connect(bank.signer).claimMany([recoursePiece, secondRoot])).wait();
    const tier1Back = (await settlementToken.balanceOf(tier1.signer.address)) - tier1Before;
    const bankAfter = (await settlementToken.balanceOf(bank.signer.address)) - bankBefore;
    const recourseAccount = await settlement.recourseOf(recoursePiece);
    say(
      `   The claims pay ${tier1.name} ${formatCny(recourseAccount.returned)} on ${pieceName(recoursePiece)} (its recourse back) and its own piece's ${formatCny(SECOND_FACE - SOLD_WITH_RECOURSE)}.`,
    );
    check(
      `${bank.name} received exactly the value of the piece it bought with recourse`,
      bankAfter === recourseDue && recourseAccount.paid === recourseDue && !(await receivableToken.exists(recoursePiece)),
      `paid ${formatCny(recourseQuote)}, received ${formatCny(recourseDue)} of recourse and nothing of the anchor's late payment`,
    );
    check(
      `${tier1.name} got back exactly the recourse it paid`,
      recourseAccount.returned === recourseDue && tier1Back === SECOND_FACE - SOLD_WITH_RECOURSE,
      `paid ${formatCny(recourseDue)}, returned ${formatCny(recourseAccount.returned)}`,
    );
    const [supplyAfter, issuedAfter, redeemedAfter] = await Promise.all([
      settlementToken.totalSupply(),
      settlementToken.totalIssued(),
      settlementToken.totalRedeemed(),
    ]);
    check(
      "after the default, the escrow is empty and no money was created or lost",
      (await settlementToken.balanceOf(settlementAddress)) === 0n && supplyAfter === issuedAfter - redeemedAfter,
      `escrow ${formatCny(await settlementToken.balanceOf(settlementAddress))}, ${formatCny(supplyAfter)} in circulation`,
    );
  }

  const passed = checks.every((c) => c.passed);
  say();
  say(
    passed ? "All checks passed: every holder was paid exactly its face value; no money was created or lost." : "SOME CHECKS FAILED (see ✗ above).",
  );
  return { passed, checks, lines, faceValue: FACE_VALUE, fundingPrice: quoted, finalBalances };
}
