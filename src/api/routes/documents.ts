import type { IRouter } from "express";
import { Role } from "../../chain/roles";
import { documentParties, documentSchema, parseDocument, recoverDocumentSignaturesWith, signatureProblems } from "../../proofs/documents";
import type { DocumentKind, ParsedDocument } from "../../proofs/documents";
import type { FieldProblem } from "../../proofs/wire";
import { readDecision } from "../../documents/readers";
import { ApiError, badRequest, forbidden, notFound } from "../errors";
import { callerOf, requireSession } from "../auth/middleware";
import type { Caller } from "../auth/middleware";
import { holdsRole } from "../members";
import { parseInput, problemsOf } from "../validation";
import { hashParams } from "../wire/schemas";
import type { ApiContext } from "../context";
import { DocumentAccess } from "../documentAccess";
import { IssuedDocuments, MAX_PENDING_PER_SENDER, TooManyPendingError } from "../../documents/issued";
import { legalEntityHash } from "../../chain/membership";
import type { Invoice } from "../../proofs/invoice";
import type { IssuedDocument, IssuedRecord } from "../../documents/issued";
import { carrierWaybillSchema, carrierWaybillSignatureProblems, sellerInvoiceSchema, sellerInvoiceSignatureProblems } from "../../proofs/issued";
import type { InboxEntryJson } from "../wire/schemas";

/**
 * Documents in and out. An upload is parsed and hashed by src/proofs (the one place that hashes), every signature
 * must recover to the party it belongs to, every party must be the member it claims to be, and the uploader must
 * be one of those parties (or an operator). Roles are not checked here: whether the carrier is a CARRIER is the
 * verifier's question, asked when a piece the document backs is to be funded.
 */

const PARTY_PATHS: Readonly<Record<DocumentKind, readonly string[]>> = {
  invoice: ["invoice.seller", "invoice.buyer"],
  logistics: ["waybill.carrier", "waybill.shipper", "waybill.consignee"],
};

/** The parties that are not the member they claim to be, as field problems. */
async function partyProblems(context: ApiContext, document: ParsedDocument): Promise<FieldProblem[]> {
  const parties = documentParties(document);
  const memberIds = await Promise.all(parties.map((party) => context.members.memberIdOf(party.account)));
  const problems: FieldProblem[] = [];
  for (const [index, party] of parties.entries()) {
    const path = PARTY_PATHS[document.kind][index];
    if (memberIds[index] === 0) problems.push({ path: `${path}.account`, message: `${party.account} belongs to no member of the network` });
    else if (memberIds[index] !== party.memberId) {
      const [actual, claimed] = await Promise.all([context.names.member(memberIds[index]), context.names.member(party.memberId)]);
      problems.push({ path: `${path}.memberId`, message: `${party.account} belongs to ${actual}, not ${claimed}` });
    }
  }
  return problems;
}

function mayUpload(caller: Caller, document: ParsedDocument): boolean {
  if (holdsRole(caller.standing, Role.OPERATOR)) return true;
  return caller.standing.memberId !== 0 && documentParties(document).some((party) => party.memberId === caller.standing.memberId);
}

async function upload(context: ApiContext, kind: DocumentKind, body: unknown, caller: Caller): Promise<{ status: number; hash: string }> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("the body must be a JSON object", [{ path: "(body)", message: "expected a JSON object" }]);
  const parsed = parseDocument(kind, body, context.chainId);
  if (!parsed.ok) {
    // Re-run the schema for zod's own issues, so an unknown field is named by its own path rather than its parent's.
    const again = documentSchema(kind).safeParse(body);
    throw badRequest(`the ${kind} document has wrong fields`, again.success ? parsed.problems : problemsOf(again.error));
  }
  const document = parsed.document;
  // A waybill with many events carries many signatures: recovered through the pool, off the event loop when many.
  await recoverDocumentSignaturesWith([document], context.chainId, context.signatures);
  const signatures = signatureProblems(document, context.chainId);
  if (signatures.length > 0)
    throw new ApiError(422, "SIGNATURE_INVALID", `a signature of the ${kind} document does not belong to its party`, signatures);
  const parties = await partyProblems(context, document);
  if (parties.length > 0) throw new ApiError(422, "PARTY_NOT_MEMBER", `a party of the ${kind} document is not the member it names`, parties);
  if (!mayUpload(caller, document))
    throw forbidden("NOT_A_PARTY", `only a party of the document (or an operator) may upload it; ${caller.address} is neither`);
  const outcome = await context.store.put(document, caller.address);
  context.metrics.documentsStored.inc({ kind, created: String(outcome.created) });
  context.logger.info({ hash: document.hash, kind, uploadedBy: caller.address, created: outcome.created }, "document uploaded");
  return { status: outcome.created ? 201 : 200, hash: document.hash };
}

const NO_SIGNATURE = `0x${"00".repeat(65)}`;

/** A filed half as a parsed document (its parties and hash; signatures stood in), for the party and reader rules. */
function asParsed(document: IssuedDocument): ParsedDocument {
  if (document.kind === "invoice")
    return {
      kind: "invoice",
      hash: document.hash,
      proof: { invoice: document.half.invoice, sellerSignature: NO_SIGNATURE, buyerSignature: NO_SIGNATURE },
    };
  return { kind: "logistics", hash: document.hash, proof: { waybill: document.half.waybill, events: document.half.events } };
}

/** The inbox's view of a filed record. */
async function entryOf(context: ApiContext, record: IssuedRecord, document: IssuedDocument): Promise<InboxEntryJson> {
  const completed = (await context.store.record(record.hash)) !== undefined;
  const common = {
    hash: record.hash,
    kind: record.kind,
    issuerMemberId: record.issuerMemberId,
    addressedTo: record.addressedTo,
    filedBy: record.filedBy,
    filedAt: record.filedAt,
    completed,
  };
  if (document.kind === "invoice") {
    const { invoice } = document.half;
    return { ...common, number: invoice.number, total: invoice.total.toString(), currency: invoice.currency, reference: invoice.purchaseOrder };
  }
  return { ...common, number: document.half.waybill.number, total: null, currency: null, reference: document.half.waybill.reference };
}

/** The invoice's parties whose credit code is not the one their member registered (the verifier's rule, at filing). */
async function creditCodeProblems(context: ApiContext, invoice: Invoice): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  for (const role of ["seller", "buyer"] as const) {
    const named = invoice[role];
    const { leiHash } = await context.members.member(named.memberId);
    if (leiHash.toLowerCase() !== legalEntityHash(named.creditCode).toLowerCase()) {
      const message = `${named.creditCode} is not the credit code ${await context.names.member(named.memberId)} registered`;
      problems.push({ path: `invoice.${role}.creditCode`, message });
    }
  }
  return problems;
}

async function fileHalf(
  context: ApiContext,
  issued: IssuedDocuments,
  kind: DocumentKind,
  body: unknown,
  caller: Caller,
): Promise<{ status: number; hash: string }> {
  const schema = kind === "invoice" ? sellerInvoiceSchema : carrierWaybillSchema;
  parseInput(schema, body);
  const document = issued.parse(kind, body);
  if (document === undefined) throw new Error("unreachable: the body parsed");
  const signatures =
    document.kind === "invoice"
      ? sellerInvoiceSignatureProblems(context.chainId, await context.contracts.receivableToken.getAddress(), document.half)
      : carrierWaybillSignatureProblems(context.chainId, document.half);
  if (signatures.length > 0)
    throw new ApiError(422, "SIGNATURE_INVALID", `a signature of the ${kind} document does not belong to its issuer`, signatures);
  const parsed = asParsed(document);
  const parties = await partyProblems(context, parsed);
  if (parties.length > 0) throw new ApiError(422, "PARTY_NOT_MEMBER", `a party of the ${kind} document is not the member it names`, parties);
  const issuer = document.kind === "invoice" ? document.half.invoice.seller : document.half.waybill.carrier;
  if (caller.standing.memberId === 0 || caller.standing.memberId !== issuer.memberId) {
    throw forbidden("NOT_THE_ISSUER", `only the ${kind === "invoice" ? "invoice's seller" : "waybill's carrier"} files it for its recipients`);
  }
  const codes = document.kind === "invoice" ? await creditCodeProblems(context, document.half.invoice) : [];
  if (codes.length > 0) throw new ApiError(422, "CREDIT_CODE_MISMATCH", "a credit code of the invoice is not its party's registered one", codes);
  const addressedTo =
    document.kind === "invoice"
      ? [document.half.invoice.buyer.memberId]
      : [document.half.waybill.consignee.memberId, document.half.waybill.shipper.memberId];
  const completed = async (hash: string): Promise<boolean> => (await context.store.record(hash)) !== undefined;
  let outcome: Awaited<ReturnType<IssuedDocuments["file"]>>;
  try {
    outcome = await issued.file(
      { hash: document.hash, kind, document: body, addressedTo, issuerMemberId: issuer.memberId, filedBy: caller.address },
      completed,
    );
  } catch (error) {
    if (!(error instanceof TooManyPendingError)) throw error;
    throw new ApiError(429, "TOO_MANY_PENDING", `member ${error.addressee} has not yet completed ${MAX_PENDING_PER_SENDER} documents you filed`, [
      { path: "(body)", message: `at most ${MAX_PENDING_PER_SENDER} uncompleted filings to one addressee; wait until it completes some` },
    ]);
  }
  context.logger.info({ hash: document.hash, kind, filedBy: caller.address, created: outcome.created }, "document filed for its recipients");
  return { status: outcome.created ? 201 : 200, hash: document.hash };
}

export function registerDocumentRoutes(router: IRouter, context: ApiContext): void {
  const session = requireSession(context);
  const access = new DocumentAccess(context, context.requests);
  const issued = new IssuedDocuments(context.store);

  // The inbox: registered before /v1/documents/:hash, which would take "inbox" for a (malformed) hash.
  for (const [path, kind] of [
    ["/v1/documents/issued/invoices", "invoice"],
    ["/v1/documents/issued/logistics", "logistics"],
  ] as const) {
    router.post(path, session, async (request, response) => {
      const { status, hash } = await fileHalf(context, issued, kind, request.body, callerOf(response));
      response.status(status).location(`/v1/documents/issued/${hash}`).json({ hash, kind });
    });
  }
  router.get("/v1/documents/inbox", session, async (_request, response) => {
    const caller = callerOf(response);
    const records = caller.standing.memberId === 0 ? [] : await issued.addressedTo(caller.standing.memberId);
    const documents: InboxEntryJson[] = [];
    for (const record of records) {
      const found = await issued.get(record.hash);
      if (found !== undefined) documents.push(await entryOf(context, found.record, found.document));
    }
    response.json({ documents });
  });
  router.get("/v1/documents/issued/:hash", session, async (request, response) => {
    const { hash } = parseInput(hashParams, request.params);
    const caller = callerOf(response);
    const found = await issued.get(hash);
    if (found === undefined) throw notFound("DOCUMENT_NOT_FOUND", `nothing is filed under hash ${hash}`);
    // The parties it names, auditors and operators; a factor reads completed documents only, through /v1/documents.
    const decision = await readDecision(asParsed(found.document), caller.standing, () => Promise.resolve(false));
    if (!decision.allowed) throw forbidden("NOT_A_READER", "only the parties the document names, auditors and operators may read a filed document");
    const entry = await entryOf(context, found.record, found.document);
    response.json({ ...entry, document: found.record.document as Record<string, unknown> });
  });

  for (const [path, kind] of [
    ["/v1/documents/invoices", "invoice"],
    ["/v1/documents/logistics", "logistics"],
  ] as const) {
    router.post(path, session, async (request, response) => {
      const { status, hash } = await upload(context, kind, request.body, callerOf(response));
      response.status(status).location(`/v1/documents/${hash}`).json({ hash, kind });
    });
  }

  router.get("/v1/documents/:hash", session, async (request, response) => {
    const { hash } = parseInput(hashParams, request.params);
    const caller = callerOf(response);
    const record = await context.store.record(hash);
    const document = record === undefined ? undefined : await context.store.get(hash);
    if (record === undefined || document === undefined) throw notFound("DOCUMENT_NOT_FOUND", `no document has hash ${hash}`);
    const decision = await readDecision(document, caller.standing, () => access.factorEvaluates(caller.address, caller.standing.memberId, document));
    if (!decision.allowed) {
      throw forbidden(
        "NOT_A_READER",
        "only the trade's parties, auditors, operators, and a factor asked to fund (or holding) a piece the document backs may read this document",
      );
    }
    response.json({ hash: record.hash, kind: record.kind, document: record.document, uploadedBy: record.uploadedBy, uploadedAt: record.uploadedAt });
  });
}
