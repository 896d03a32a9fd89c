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

export function registerDocumentRoutes(router: IRouter, context: ApiContext): void {
  const session = requireSession(context);
  const access = new DocumentAccess(context, context.requests);
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
