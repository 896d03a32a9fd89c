import { checksumAddress } from "../chain/checksum";
import { calendarDateCst } from "../chain/membership";
import { formatCny } from "../finance/money";
import { financingDomain, recoverFundingRequestSigner } from "../chain/funding";
import type { FundingAttestation } from "../chain/funding";
import type { LineageStep } from "../chain/lineage";
import { Role } from "../chain/roles";
import { pieceName } from "../chain/tokenId";
import { documentSignatures } from "../proofs/documents";
import type { ParsedDocument } from "../proofs/documents";
import { invoiceFingerprint, normaliseInvoiceNumber } from "../proofs/fingerprint";
import type { InvoiceProof } from "../proofs/invoice";
import type { LogisticsProof } from "../proofs/logistics";
import { lineageProofHash } from "../proofs/tradeProof";
import { describeWaybillOveruse } from "../proofs/waybill";
import { legalEntityHash } from "../chain/membership";
import type { StepProof } from "../proofs/tradeProof";
import type { CheckContext, MemberStanding } from "./context";
import type { ChainPoint } from "./memberHistory";
import type { CheckedStep, FailureCode, FundingCheckFailure, FundingCheckInput } from "./types";

/**
 * The funding check as a pure function of what the chain and the store said at one block. Every check runs and
 * every failure is reported, so a factor sees all that is wrong at once; the attestation is drafted only when
 * nothing failed.
 */

export interface CheckResult {
  failures: FundingCheckFailure[];
  steps: CheckedStep[];
  /** The attestation to sign, when nothing failed. */
  attestation?: FundingAttestation;
}

export interface CheckOptions {
  /** How long an attestation stays valid, in seconds (capped by the request's own deadline). */
  attestationTtlSeconds: bigint;
  /**
   * Who signed the request (lower case or checksummed; null: malformed), when the caller recovered it already (the
   * verifier does, through the API's signature pool); recovered here when omitted.
   */
  requestSigner?: string | null;
}

const ROLE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(Role)
    .filter(([, value]) => typeof value === "number")
    .map(([name, value]) => [value, name.toLowerCase()]),
);

function hasRole(standing: MemberStanding | undefined, role: Role): boolean {
  return standing !== undefined && (standing.roles & (1 << role)) !== 0;
}

/** Unix seconds as people of the network read a time: China Standard Time, to the minute. */
function cstTime(seconds: bigint): string {
  const text = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", dateStyle: "short", timeStyle: "short" }).format(
    new Date(Number(seconds) * 1000),
  );
  return `${text} CST`;
}

function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Checks a funding request against the context. */
export function checkFunding(input: FundingCheckInput, context: CheckContext, options: CheckOptions): CheckResult {
  const failures: FundingCheckFailure[] = [];
  const fail = (code: FailureCode, message: string, where: { step?: number; tokenId?: bigint } = {}): void => {
    failures.push({ code, message, ...where });
  };
  const standing = (account: string): MemberStanding | undefined => context.standings.get(checksumAddress(account));
  const { request } = input;
  const tokenId = context.lineage.tokenId;

  // --- the piece ---------------------------------------------------------------------------------------------
  if (!context.piece.exists) {
    fail("TOKEN_NOT_FOUND", `piece ${pieceName(tokenId)} is not live (never created, or already paid and retired)`, { tokenId });
  }
  if (context.now >= context.piece.maturity) {
    fail(
      "TOKEN_MATURED",
      `piece ${pieceName(tokenId)} matured on ${calendarDateCst(context.piece.maturity)}; nothing but claims moves after maturity`,
      {
        tokenId,
      },
    );
  }
  if (context.overdue) fail("TOKEN_OVERDUE", `the receivable of piece ${pieceName(tokenId)} is overdue`, { tokenId });

  // --- the request -------------------------------------------------------------------------------------------
  const holder = context.piece.owner;
  if (request.tokenId !== tokenId) fail("REQUEST_INVALID", `the request is for piece ${pieceName(request.tokenId)}, not ${pieceName(tokenId)}`);
  if (checksumAddress(request.factor) !== checksumAddress(input.requestedBy)) {
    fail("REQUEST_INVALID", `the request names factor ${request.factor}, but ${input.requestedBy} asked for the check`);
  }
  if (request.value === 0n || request.value > context.piece.value) {
    fail("REQUEST_INVALID", `the request sells ${formatCny(request.value)} of a piece worth ${formatCny(context.piece.value)}`);
  }
  if (request.deadline < context.now) fail("REQUEST_EXPIRED", `the holder's request expired at ${cstTime(request.deadline)}`);
  const requestSigner =
    options.requestSigner !== undefined
      ? options.requestSigner === null
        ? null
        : checksumAddress(options.requestSigner)
      : safeRecover(() => recoverFundingRequestSigner(financingDomain(context.chainId, context.financingAddress), request, input.holderSignature));
  if (requestSigner === null || requestSigner !== holder) {
    fail(
      "REQUEST_SIGNATURE",
      requestSigner === null
        ? "the holder's signature of the request is malformed"
        : `the request was signed by ${requestSigner}, not by the holder ${holder} (or for another chain or contract)`,
    );
  }
  if (context.nonceUsed) fail("REQUEST_NONCE_USED", `the holder's request nonce ${request.nonce} is already used or withdrawn`);
  if (input.price > request.value || input.price < request.minPrice) {
    fail(
      "PRICE_OUT_OF_RANGE",
      `the price ${formatCny(input.price)} must be at least the holder's minimum ${formatCny(request.minPrice)} and at most the value ${formatCny(request.value)}`,
    );
  }

  // --- the parties to the funding ----------------------------------------------------------------------------
  const holderStanding = standing(holder);
  if (holderStanding === undefined || !holderStanding.active || !(hasRole(holderStanding, Role.SUPPLIER) || hasRole(holderStanding, Role.FACTOR))) {
    fail("HOLDER_NOT_ELIGIBLE", `the holder ${holder} is not an active supplier or factor`);
  }
  const factorStanding = standing(input.requestedBy);
  if (factorStanding === undefined || !factorStanding.active || !hasRole(factorStanding, Role.FACTOR)) {
    fail("FACTOR_NOT_ELIGIBLE", `${input.requestedBy} is not an active factor`);
  } else if (holderStanding !== undefined && holderStanding.memberId === factorStanding.memberId) {
    fail("FACTOR_NOT_ELIGIBLE", "a member cannot fund its own piece");
  }

  // --- the lineage -------------------------------------------------------------------------------------------
  const { steps, provenSteps, lastProof } = checkSteps(context, fail, request.value <= context.piece.value ? request.value : 0n);

  if (failures.length > 0 || lastProof === undefined) return { failures, steps };
  const ttlDeadline = context.now + options.attestationTtlSeconds;
  return {
    failures,
    steps,
    attestation: {
      tokenId,
      holder,
      factor: checksumAddress(input.requestedBy),
      value: request.value,
      price: input.price,
      invoiceHash: lastProof.invoiceHash,
      logisticsHash: lastProof.logisticsHash,
      tradeProofHash: lineageProofHash(provenSteps),
      // The holder's signed choice, never the factor's: the contract refuses an attestation that differs.
      withRecourse: request.withRecourse,
      deadline: request.deadline < ttlDeadline ? request.deadline : ttlDeadline,
      nonce: request.nonce,
    },
  };
}

/**
 * The lineage check: every step that brought the piece into being (its documents, signatures, parties, delivery
 * and invoice uses, and value backed by trades), with no funding request. Whether the piece can still be funded is
 * not its question: a funding in the lineage (ALREADY_FUNDED) is not a failure here, and the piece itself passes
 * nothing on. `steps[i].passed` and the failures with `step` set say which step failed.
 */
export function checkLineage(context: CheckContext): { failures: FundingCheckFailure[]; steps: CheckedStep[] } {
  const failures: FundingCheckFailure[] = [];
  const fail: Fail = (code, message, where = {}) => {
    failures.push({ code, message, ...where });
  };
  const { steps } = checkSteps(context, fail, 0n, FUNDING_STATE);
  return { failures, steps };
}

type Fail = (code: FailureCode, message: string, where?: { step?: number; tokenId?: bigint }) => void;

/** What a funding already made says of a step: a state of the piece, not a defect of its trade. */
const FUNDING_STATE: ReadonlySet<FailureCode> = new Set<FailureCode>(["ALREADY_FUNDED"]);

/**
 * Every step of the lineage; `soldNow` is the value the piece passes on now (what a funding request sells); codes in
 * `ignored` are not failures.
 */
function checkSteps(
  context: CheckContext,
  fail: Fail,
  soldNow: bigint,
  ignored: ReadonlySet<FailureCode> = new Set(),
): { steps: CheckedStep[]; provenSteps: StepProof[]; lastProof: StepProof | undefined } {
  let failed = 0;
  const counting: Fail = (code, message, where) => {
    if (ignored.has(code)) return;
    failed += 1;
    fail(code, message, where);
  };
  const steps: CheckedStep[] = [];
  const provenSteps: StepProof[] = [];
  let lastProof: StepProof | undefined;
  for (const [position, step] of context.lineage.steps.entries()) {
    const before = failed;
    checkStep(step, context, counting);
    // What the piece passed on (to its child on the path, or to the factor now) must come from backed value.
    const next = context.lineage.steps[position + 1];
    const passedOn = next !== undefined ? next.value : soldNow;
    const { backed, merged } = backedValue(step);
    if (merged > 0n && passedOn > backed) {
      const sources = [...new Set(step.mergedIn.map((merge) => pieceName(merge.fromTokenId)))].join(", ");
      counting(
        "UNBACKED_TRANSFER",
        next !== undefined
          ? `piece ${pieceName(step.tokenId)} passed ${formatCny(passedOn)} on to piece ${pieceName(next.tokenId)}, but only ${formatCny(backed)} of its value was backed by the trades this check covers: ${formatCny(merged)} was merged in from piece ${sources}`
          : `the request sells ${formatCny(passedOn)} of piece ${pieceName(step.tokenId)}, but only ${formatCny(backed)} of its value is backed by the trades this check covers: ${formatCny(merged)} was merged in from piece ${sources}`,
        { step: step.index, tokenId: step.tokenId },
      );
    }
    if (step.proof !== undefined) {
      provenSteps.push(step.proof);
      lastProof = step.proof;
    }
    steps.push({
      step: step.index,
      kind: step.kind === "confirmation" ? "confirmation" : "transfer",
      tokenId: step.tokenId,
      from: step.from,
      to: step.to,
      value: step.value,
      invoiceHash: step.proof?.invoiceHash ?? "",
      logisticsHash: step.proof?.logisticsHash ?? "",
      invoiceFingerprint: step.proof?.invoiceFingerprint ?? "",
      passed: failed === before,
    });
  }
  return { steps, provenSteps, lastProof };
}

function safeRecover(recover: () => string): string | null {
  try {
    return checksumAddress(recover());
  } catch {
    return null;
  }
}

/**
 * How much of a piece's value the trades of its lineage back at the end of its history (for an ancestor, when its
 * child on the path split off): it starts with the value the step brought; value merged in from other pieces backs
 * nothing (their trades are not checked here); value that left the piece is taken from the backed value first, the
 * cautious reading. So a merge into a piece never makes its own trade's value unfinanceable, and never makes more
 * than that value financeable, across all its descendants.
 */
function backedValue(step: LineageStep): { backed: bigint; merged: bigint } {
  const place = (entry: { blockNumber: number; logIndex: number }): number => entry.blockNumber * 1_000_000 + entry.logIndex;
  const moves = [
    ...step.mergedIn.map((entry) => ({ at: place(entry), value: entry.value, inbound: true })),
    ...step.valueOut.map((entry) => ({ at: place(entry), value: entry.value, inbound: false })),
  ].sort((a, b) => a.at - b.at);
  let backed = step.value;
  let merged = 0n;
  for (const move of moves) {
    if (move.inbound) merged += move.value;
    else backed -= move.value < backed ? move.value : backed;
  }
  return { backed, merged };
}

/** An address's standing just before `point`, judged active at the time of `point`'s block (DESIGN I10). */
function standingAt(context: CheckContext, account: string, point: ChainPoint): MemberStanding {
  return context.members.standingAt(account, point, context.blockTimes.get(point.blockNumber) ?? context.now);
}

/** One step: how the value moved, then its documents. Every party and signer is judged as it stood at the step. */
function checkStep(step: LineageStep, context: CheckContext, fail: Fail): void {
  const where = { step: step.index, tokenId: step.tokenId };
  const stepPoint: ChainPoint = { blockNumber: step.blockNumber, logIndex: step.logIndex };
  const standing = (account: string): MemberStanding => standingAt(context, account, stepPoint);
  const sameMember = (a: string, b: string, point: ChainPoint): boolean => {
    if (checksumAddress(a) === checksumAddress(b)) return true;
    const first = context.members.memberIdAt(a, point);
    return first !== 0 && first === context.members.memberIdAt(b, point);
  };

  if (step.kind === "funding") {
    fail(
      "ALREADY_FUNDED",
      `piece ${pieceName(step.tokenId)} was bought by factor ${step.funding?.factor ?? "?"}: its value is already funded`,
      where,
    );
  }
  if (step.kind === "split" && !sameMember(step.from, step.to, stepPoint)) {
    fail("STEP_WITHOUT_PROOF", `piece ${pieceName(step.tokenId)} passed from ${step.from} to ${step.to} without a trade proof`, where);
  }
  for (const change of step.ownerChanges) {
    if (change.funding !== undefined) {
      fail(
        "ALREADY_FUNDED",
        `piece ${pieceName(step.tokenId)} was bought whole by factor ${change.funding.factor}: its value is already funded`,
        where,
      );
    } else if (!sameMember(change.from, change.to, { blockNumber: change.blockNumber, logIndex: change.logIndex })) {
      fail("UNBACKED_TRANSFER", `piece ${pieceName(step.tokenId)} was handed from ${change.from} to ${change.to} without a trade proof`, where);
    }
  }
  if (step.proof === undefined) return;

  // The invoice: seller and buyer are this step's receiver and payer; the buyer is the anchor at the confirmation.
  const invoiceDocument = context.documents.get(step.proof.invoiceHash.toLowerCase());
  const logisticsDocument = context.documents.get(step.proof.logisticsHash.toLowerCase());
  const invoice = documentOf(invoiceDocument, "invoice", step.proof.invoiceHash, context, fail, where);
  const logistics = documentOf(logisticsDocument, "logistics", step.proof.logisticsHash, context, fail, where);

  const sellerRole = Role.SUPPLIER;
  const buyerRole = step.kind === "confirmation" ? Role.ANCHOR : Role.SUPPLIER;
  if (invoice !== undefined && invoiceDocument !== undefined) {
    const { seller, buyer } = invoice.invoice;
    checkSignatures(invoiceDocument, context, fail, where, standing);
    checkParty("seller", seller, step.to, sellerRole, fail, where, standing);
    checkParty("buyer", buyer, step.from, buyerRole, fail, where, standing);
    if (invoice.invoice.total < step.value) {
      fail(
        "INVOICE_TOTAL_TOO_LOW",
        `invoice ${invoice.invoice.number} totals ${formatCny(invoice.invoice.total)}, less than the ${formatCny(step.value)} it passed`,
        where,
      );
    }
    if (invoice.invoice.currency !== context.piece.currency) {
      fail(
        "CURRENCY_MISMATCH",
        `invoice ${invoice.invoice.number} is in ${invoice.invoice.currency}, the receivable in ${context.piece.currency}`,
        where,
      );
    }
    for (const [role, named] of [
      ["seller", seller],
      ["buyer", buyer],
    ] as const) {
      const registered = context.leiHashes.get(named.memberId);
      if (registered !== undefined && registered.toLowerCase() !== legalEntityHash(named.creditCode).toLowerCase()) {
        fail(
          "CREDIT_CODE_MISMATCH",
          `invoice ${invoice.invoice.number} names ${named.name} (${role}) with credit code ${named.creditCode}, not the legal entity member ${named.memberId} registered`,
          where,
        );
      }
    }
    const leiHash = context.leiHashes.get(seller.memberId);
    const fingerprint = leiHash === undefined ? undefined : invoiceFingerprint(leiHash, invoice.invoice.number);
    if (fingerprint === undefined || fingerprint.toLowerCase() !== step.proof.invoiceFingerprint.toLowerCase()) {
      fail(
        "FINGERPRINT_MISMATCH",
        `invoice ${invoice.invoice.number}'s fingerprint is not the one recorded on chain for piece ${pieceName(step.tokenId)}`,
        where,
      );
    }
  }
  const use = context.invoiceUses.get(step.proof.invoiceFingerprint.toLowerCase());
  if (use !== step.tokenId) {
    fail("INVOICE_REUSED", `the invoice of piece ${pieceName(step.tokenId)} is recorded on chain against piece ${use ?? "none"}`, where);
  }

  // The waybill: a registered carrier delivered the invoice's goods to its buyer, acknowledged, before now.
  if (logistics !== undefined && logisticsDocument !== undefined) {
    const { waybill, events } = logistics;
    checkSignatures(logisticsDocument, context, fail, where, standing);
    const carrier = standing(waybill.carrier.account);
    if (carrier.memberId !== waybill.carrier.memberId || !carrier.active || !hasRole(carrier, Role.CARRIER)) {
      fail(
        "CARRIER_NOT_REGISTERED",
        `waybill ${waybill.number} is signed by ${waybill.carrier.account}, which is not an active registered carrier`,
        where,
      );
    }
    // The carrier vouches for the goods between seller and buyer: it must be neither of them.
    const interested = new Set([
      waybill.shipper.memberId,
      waybill.consignee.memberId,
      ...(invoice === undefined ? [] : [invoice.invoice.seller.memberId, invoice.invoice.buyer.memberId]),
    ]);
    const partyOfStep = [step.from, step.to].some((account) => {
      const memberId = context.members.memberIdAt(account, stepPoint);
      return memberId !== 0 && memberId === carrier.memberId;
    });
    if (interested.has(waybill.carrier.memberId) || (carrier.memberId !== 0 && (interested.has(carrier.memberId) || partyOfStep))) {
      fail(
        "CARRIER_NOT_INDEPENDENT",
        `waybill ${waybill.number} is carried by member ${waybill.carrier.memberId}, a party to the trade it proves: the carrier must be neither the seller nor the buyer`,
        where,
      );
    }
    const overuse = context.waybillOveruses.get(step.tokenId);
    if (overuse !== undefined) {
      fail("WAYBILL_OVERUSED", `waybill ${overuse.waybillNumber} cannot back this step: ${describeWaybillOveruse(overuse.overuse)}`, where);
    }
    const delivered = events.find((event) => event.kind === "delivered");
    if (delivered === undefined) {
      fail("NOT_DELIVERED", `waybill ${waybill.number} has no delivery`, where);
    } else if (BigInt(delivered.time) > context.now) {
      fail(
        "DELIVERED_AFTER_REQUEST",
        `waybill ${waybill.number} says delivered at ${cstTime(BigInt(delivered.time))}, after the check at ${cstTime(context.now)}`,
        where,
      );
    }
    if (invoice !== undefined) {
      if (waybill.consignee.memberId !== invoice.invoice.buyer.memberId) {
        fail(
          "CONSIGNEE_MISMATCH",
          `waybill ${waybill.number} delivers to member ${waybill.consignee.memberId}, not the invoice's buyer ${invoice.invoice.buyer.memberId}`,
          where,
        );
      }
      if (waybill.shipper.memberId !== invoice.invoice.seller.memberId) {
        fail(
          "PARTY_MISMATCH",
          `waybill ${waybill.number} ships from member ${waybill.shipper.memberId}, not the invoice's seller ${invoice.invoice.seller.memberId}`,
          where,
        );
      }
      const reference = normaliseInvoiceNumber(waybill.reference);
      if (reference !== normaliseInvoiceNumber(invoice.invoice.number) && reference !== normaliseInvoiceNumber(invoice.invoice.purchaseOrder)) {
        fail(
          "SHIPMENT_REFERENCE_MISMATCH",
          `waybill ${waybill.number} refers to ${waybill.reference}, neither invoice ${invoice.invoice.number} nor its order`,
          where,
        );
      }
    }
  }
}

function documentOf<K extends ParsedDocument["kind"]>(
  document: ParsedDocument | undefined,
  kind: K,
  hash: string,
  context: CheckContext,
  fail: Fail,
  where: { step: number; tokenId: bigint },
): (K extends "invoice" ? InvoiceProof : LogisticsProof) | undefined {
  if (context.alteredDocuments.has(hash.toLowerCase())) {
    fail("DOCUMENT_HASH_MISMATCH", `the stored copy of document ${hash} was altered after upload: it no longer hashes to the value on chain`, where);
    return undefined;
  }
  if (document === undefined) {
    fail(
      "DOCUMENT_MISSING",
      `the ${kind === "invoice" ? "invoice" : "waybill"} with hash ${hash} recorded for piece ${where.tokenId === undefined ? "?" : pieceName(where.tokenId)} is not in the document store`,
      where,
    );
    return undefined;
  }
  if (document.kind !== kind) {
    fail("DOCUMENT_KIND", `document ${hash} is a ${document.kind} proof where a ${kind} proof is recorded`, where);
    return undefined;
  }
  if (document.hash.toLowerCase() !== hash.toLowerCase()) {
    fail("DOCUMENT_HASH_MISMATCH", `the stored document under ${hash} hashes to ${document.hash}: it was altered`, where);
    return undefined;
  }
  return document.proof as K extends "invoice" ? InvoiceProof : LogisticsProof;
}

function checkSignatures(
  document: ParsedDocument,
  context: CheckContext,
  fail: Fail,
  where: { step: number; tokenId: bigint },
  standing: (account: string) => MemberStanding | undefined,
): void {
  for (const entry of documentSignatures(document, context.chainId)) {
    if (entry.recovered === null || checksumAddress(entry.recovered) !== entry.party.account) {
      fail("SIGNATURE_INVALID", `the ${entry.role}'s signature (${entry.path}) is not by ${entry.party.account}`, where);
      continue;
    }
    const signer = standing(entry.party.account);
    if (signer === undefined || signer.memberId !== entry.party.memberId || !signer.active) {
      fail("SIGNER_NOT_ELIGIBLE", `the ${entry.role} ${entry.party.account} is not an active address of member ${entry.party.memberId}`, where);
    }
  }
}

function checkParty(
  label: "seller" | "buyer",
  named: { memberId: number; account: string },
  onChain: string,
  role: Role,
  fail: Fail,
  where: { step: number; tokenId: bigint },
  standing: (account: string) => MemberStanding | undefined,
): void {
  const party = standing(onChain);
  if (party === undefined || party.memberId !== named.memberId) {
    fail(
      "PARTY_MISMATCH",
      `the invoice's ${label} is member ${named.memberId}, but on chain the ${label === "seller" ? "receiver" : "payer"} of this step is ${short(onChain)} (member ${party?.memberId ?? "none"})`,
      where,
    );
    return;
  }
  if (!hasRole(party, role)) {
    fail("SIGNER_NOT_ELIGIBLE", `the invoice's ${label}, member ${named.memberId}, does not hold the ${ROLE_NAMES[role]} role`, where);
  }
}
