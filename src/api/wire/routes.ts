import type { z } from "zod";
import { documentSchema } from "../../proofs/documents";
import { carrierWaybillSchema, sellerInvoiceSchema } from "../../proofs/issued";
import { MAX_PENDING_PER_SENDER } from "../../documents/issued";
import * as s from "./schemas";

/**
 * Every operation of the API, by name: its method and OpenAPI path, whether it needs a session, what it takes
 * (path parameters, query, body) and every answer it may give (status, sentence, schema). The OpenAPI document
 * (./openapi.ts) is generated from this table, the typed client (./client.ts) calls by its names, and in tests the
 * API checks each answer it sends against the entry of its route and status.
 */

export type RouteGroup = "core" | "index" | "requests" | "offers" | "dapp";

/** A JSON answer: a success (or a refusal that carries more than an error). */
export interface AnswerResponse<S extends z.ZodType = z.ZodType> {
  kind: "answer";
  description: string;
  schema: S;
}
/** An error answer: the error body. */
export interface ErrorResponse {
  kind: "error";
  description: string;
  schema: typeof s.errorBody;
}
/** An answer with no body, or not JSON (Prometheus' text). */
export interface OtherResponse {
  kind: "empty" | "text";
  description: string;
}
export type ResponseSpec = AnswerResponse | ErrorResponse | OtherResponse;

export interface RouteSpec {
  method: "get" | "post" | "delete";
  /** The OpenAPI path, e.g. "/v1/tokens/{id}". */
  path: string;
  /** Which app serves it: every API (core), with an index, with the request inbox, with an offer book, or the dApp's server. */
  group: RouteGroup;
  session: boolean;
  summary: string;
  /** What a caller must know beyond the summary: bounds, ordering, who sees what. */
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Readonly<Record<number, ResponseSpec>>;
}

const route = <const R extends RouteSpec>(spec: R): R => spec;
const answer = <S extends z.ZodType>(description: string, schema: S): AnswerResponse<S> => ({ kind: "answer", description, schema });
const error = (description: string): ErrorResponse => ({ kind: "error", description, schema: s.errorBody });

/** Errors every route that takes a session can answer. */
const sessionErrors = {
  401: error(
    "no session, the session has expired, or it ended because its member is no longer active (SESSION_ENDED: suspended, KYC lapsed, or the address removed)",
  ),
  429: error("rate limited; see Retry-After"),
};
const bodyErrors = {
  400: error(
    "malformed JSON, wrong or unknown fields (each named), text that is not well-formed Unicode, or a body that does not decompress with its Content-Encoding (BODY_NOT_DECOMPRESSED, naming headers.content-encoding)",
  ),
  413: error(
    `the body exceeds ${s.BODY_LIMIT_BYTES / 1024} KB (a larger Content-Length is refused before the body is read, and the connection closed)`,
  ),
  415: error("the body is not JSON"),
};
/** Errors of every index read beyond the session's. */
const indexErrors = {
  400: error("a malformed id, address or minBlock"),
  503: error("the index has not reached minBlock within ten seconds (INDEX_BEHIND; see Retry-After)"),
  ...sessionErrors,
};
const auditorsOnly = error("another member's book or pieces, and the caller is neither auditor nor operator");
const uploadResponses = {
  201: answer("stored", s.stored),
  200: answer("already stored under this hash (the first copy is kept)", s.stored),
  ...bodyErrors,
  403: error("the caller is not a party of the document"),
  422: error("a signature does not recover to its party (SIGNATURE_INVALID), or a party is not the member it names (PARTY_NOT_MEMBER)"),
  ...sessionErrors,
};

const filingResponses = {
  201: answer("filed", s.stored),
  200: answer("already filed under this hash (the first copy is kept)", s.stored),
  ...bodyErrors,
  403: error("the caller is not the document's issuer: the invoice's seller, the waybill's carrier (NOT_THE_ISSUER)"),
  422: error(
    "the issuer's signature or consent does not recover to it (SIGNATURE_INVALID), a party is not the member it names (PARTY_NOT_MEMBER), or an invoice's credit code is not its party's registered one (CREDIT_CODE_MISMATCH)",
  ),
  ...sessionErrors,
  429: error(
    `rate limited (see Retry-After), or the issuer already has ${MAX_PENDING_PER_SENDER} filings to one addressee not yet completed (TOO_MANY_PENDING)`,
  ),
};

export const ROUTES = {
  health: route({
    method: "get",
    path: "/health",
    group: "core",
    session: false,
    summary: "Liveness and the chain the service reads",
    responses: { 200: answer("up", s.health), 503: answer("the chain node does not answer", s.health) },
  }),
  metrics: route({
    method: "get",
    path: "/metrics",
    group: "core",
    session: false,
    summary: "Prometheus metrics",
    responses: { 200: { kind: "text", description: "text exposition format" } },
  }),
  openApi: route({
    method: "get",
    path: "/openapi.json",
    group: "core",
    session: false,
    summary: "This description",
    responses: { 200: answer("OpenAPI 3.1", s.openApiBody), 429: error("rate limited") },
  }),
  nonce: route({
    method: "get",
    path: "/v1/auth/nonce",
    group: "core",
    session: false,
    summary: "A single-use nonce for a sign-in message, and what the message must name",
    description:
      "The nonce is a random value, its expiry and a MAC under a key of this process: nothing is stored until it is spent, so no number of nonce requests can stop a member from signing in. It lasts five minutes and serves one sign-in.",
    responses: { 200: answer("a nonce", s.nonce), 429: error("rate limited") },
  }),
  signIn: route({
    method: "post",
    path: "/v1/auth/verify",
    group: "core",
    session: false,
    summary: "Sign in with Ethereum (EIP-4361): exchange a signed message for a session token",
    description:
      "A session lasts an hour and survives a restart of the API; it ends at once when its member is suspended, its KYC lapses or the address is removed. A member holds at most a fixed number of live sessions (20 by default): a new sign-in ends that member's own oldest.",
    body: s.signInBody,
    responses: {
      200: answer("signed in", s.session),
      ...bodyErrors,
      401: error("wrong domain, URI or chain id, unknown or used nonce, expired message, or a signature by someone else"),
      403: error("the address belongs to no member (NOT_A_MEMBER), or its member is suspended or its KYC lapsed (MEMBER_INACTIVE)"),
      429: error("rate limited"),
      503: error("the session store is full of other members' live sessions"),
    },
  }),
  session: route({
    method: "get",
    path: "/v1/auth/session",
    group: "core",
    session: true,
    summary: "The session's address and its roles as the registry holds them now",
    responses: { 200: answer("the session", s.sessionInfo), ...sessionErrors },
  }),
  logout: route({
    method: "post",
    path: "/v1/auth/logout",
    group: "core",
    session: true,
    summary: "End the session",
    responses: { 204: { kind: "empty", description: "ended" }, ...sessionErrors },
  }),
  uploadInvoice: route({
    method: "post",
    path: "/v1/documents/invoices",
    group: "core",
    session: true,
    summary: "Upload an invoice proof (a party of the invoice, or an operator)",
    body: documentSchema("invoice"),
    responses: uploadResponses,
  }),
  uploadLogistics: route({
    method: "post",
    path: "/v1/documents/logistics",
    group: "core",
    session: true,
    summary: "Upload a logistics proof (a party of the waybill, or an operator)",
    body: documentSchema("logistics"),
    responses: uploadResponses,
  }),
  fileInvoice: route({
    method: "post",
    path: "/v1/documents/issued/invoices",
    group: "core",
    session: true,
    summary: "File the seller's signed invoice for its buyer, who finds it in its inbox (the seller only)",
    description:
      "The body is the file the seller would otherwise hand over: the invoice, the seller's signature and its consent that the buyer registers the invoice on chain. The buyer acknowledges it when it pays, and the completed invoice is uploaded as usual.",
    body: sellerInvoiceSchema,
    responses: filingResponses,
  }),
  fileLogistics: route({
    method: "post",
    path: "/v1/documents/issued/logistics",
    group: "core",
    session: true,
    summary: "File the carrier's signed waybill (its pick-up and delivery events) for the consignee and shipper (the carrier only)",
    body: carrierWaybillSchema,
    responses: filingResponses,
  }),
  inbox: route({
    method: "get",
    path: "/v1/documents/inbox",
    group: "core",
    session: true,
    summary: "Documents addressed to the caller's member: invoices it is the buyer of, waybills it is the consignee or shipper of",
    description: `Newest first, at most 100.`,
    responses: { 200: answer("the inbox", s.inbox), ...sessionErrors },
  }),
  issuedDocument: route({
    method: "get",
    path: "/v1/documents/issued/{hash}",
    group: "core",
    session: true,
    summary: "A filed half (the parties it names, auditors and operators)",
    params: s.hashParams,
    responses: {
      200: answer("the filed half", s.issuedDocument),
      400: error("the hash is malformed"),
      403: error("the caller is not a party the document names, nor an auditor or operator (NOT_A_READER)"),
      404: error("nothing filed under this hash"),
      ...sessionErrors,
    },
  }),
  document: route({
    method: "get",
    path: "/v1/documents/{hash}",
    group: "core",
    session: true,
    summary: "A stored document (its parties, auditors, operators, and a factor evaluating a piece it backs)",
    description:
      "A factor reads a document while a live funding request to it names a piece whose lineage the document backs, or while it (any address of its member) holds or held such a piece; a lineage step counts only when it passes value between the document's own parties, so a hash named in someone else's transfer opens nothing.",
    params: s.hashParams,
    responses: {
      200: answer("the document", s.storedDocument),
      400: error("the hash is malformed"),
      403: error("the caller may not read it"),
      404: error("no such document"),
      500: error("the stored copy no longer hashes to its key (DOCUMENT_ALTERED)"),
      ...sessionErrors,
    },
  }),
  token: route({
    method: "get",
    path: "/v1/tokens/{id}",
    group: "core",
    session: true,
    summary: "A piece: terms, place in its receivable's tree, the documents recorded behind it",
    params: s.tokenParams,
    responses: { 200: answer("the piece", s.token), 400: error("the id is malformed"), 404: error("no such piece"), ...sessionErrors },
  }),
  lineage: route({
    method: "get",
    path: "/v1/tokens/{id}/lineage",
    group: "core",
    session: true,
    summary: "Every step from the anchor's confirmation to the piece",
    description: `Walking up costs one chain read per generation, so the route reads at most ${s.MAX_LINEAGE_DEPTH} steps (the confirmation and the piece included): a deeper lineage is answered 422 LINEAGE_TOO_DEEP naming the id, after at most ${s.MAX_LINEAGE_DEPTH} reads; the index's /v1/pieces/{id}/tree gives its ancestors.`,
    params: s.tokenParams,
    responses: {
      200: answer("the lineage, root first", s.lineage),
      400: error("the id is malformed"),
      404: error("no such piece"),
      422: error(`the lineage has more than ${s.MAX_LINEAGE_DEPTH} steps (LINEAGE_TOO_DEEP)`),
      ...sessionErrors,
    },
  }),
  fundingCheck: route({
    method: "post",
    path: "/v1/tokens/{id}/funding-checks",
    group: "core",
    session: true,
    summary:
      "Check a holder's funding request (the caller must be an active factor); an attestation when every check passes. Recourse is the request's withRecourse, as the holder signed it: the factor does not choose it",
    params: s.tokenParams,
    body: s.fundingCheckBody,
    responses: {
      200: answer("attested", s.attested),
      422: answer("refused, with every reason", s.refused),
      ...bodyErrors,
      403: error("the caller is not an active factor"),
      ...sessionErrors,
    },
  }),
  transferCheck: route({
    method: "post",
    path: "/v1/transfer-checks",
    group: "core",
    session: true,
    summary: "Check a transfer before it is signed: the checks the verifier will run for this step, on its documents and the chain as it stands",
    description:
      "The piece's owner is the sender. The invoice's seller must be the recipient and its buyer the sender, its total (in the piece's currency) must cover the amount, the waybill must ship from the seller to the buyer by an independent carrier for this invoice or its order, the invoice must back nothing on chain yet, and the amount must not exceed the piece. Every failure is listed with a stable code, an English sentence and the facts behind it, so a client can say it in its own language. Documents given by hash must be readable by the caller. Nothing changes.",
    body: s.transferCheckBody,
    responses: {
      200: answer("the verdict: ok, or every failure", s.transferCheck),
      ...bodyErrors,
      403: error("a document named by hash may not be read by the caller (NOT_A_READER)"),
      404: error("no such piece (TOKEN_NOT_FOUND), or no document under a hash given (DOCUMENT_NOT_FOUND); the field is named"),
      ...sessionErrors,
    },
  }),
  members: route({
    method: "get",
    path: "/v1/members",
    group: "core",
    session: true,
    summary: "Every member, from the registry",
    responses: { 200: answer("members", s.members), ...sessionErrors },
  }),
  member: route({
    method: "get",
    path: "/v1/members/{address}",
    group: "core",
    session: true,
    summary: "The member an address belongs to",
    params: s.memberParams,
    responses: {
      200: answer("the member", s.member),
      400: error("the address is malformed"),
      404: error("no member has this address"),
      ...sessionErrors,
    },
  }),

  indexStatus: route({
    method: "get",
    path: "/v1/index/status",
    group: "index",
    session: false,
    summary: "How far the index has got: the block it is as of, the head it has seen, what is final",
    responses: { 200: answer("the index's position (asOfBlock -1 before its first block)", s.indexStatus), 429: error("rate limited") },
  }),
  portfolio: route({
    method: "get",
    path: "/v1/portfolio",
    group: "index",
    session: true,
    summary: "Live pieces held, what was sold to factors, and totals by anchor and by maturity (the caller's; ?address= for auditors and operators)",
    description: `Pieces come a page at a time, largest value first, then newest (token id descending), so pieces of dust split into a portfolio sort last and cannot hide real ones; a page has \`limit\` pieces (default ${s.PORTFOLIO_PAGE_DEFAULT}, at most ${s.PORTFOLIO_PAGE_MAX}); pass the answer's nextCursor as \`cursor\` for the next page (null on the last). The totals count every piece held, whatever the page.`,
    query: s.portfolioQuery,
    responses: { 200: answer("the portfolio", s.portfolio), 403: auditorsOnly, ...indexErrors },
  }),
  activity: route({
    method: "get",
    path: "/v1/activity",
    group: "index",
    session: true,
    summary:
      "What happened to a member's address and its pieces, newest first: received, sent, requested, financed, funded, repaid, claimed, overdue, recourse (the caller's; ?address= for auditors and operators)",
    description: `A page has \`limit\` rows (default ${s.ACTIVITY_PAGE_DEFAULT}, at most ${s.ACTIVITY_PAGE_MAX}); pass the answer's nextBefore as \`before\` for older rows. Each row names its transaction, block and the block's time.`,
    query: s.activityQuery,
    responses: { 200: answer("a page of activity", s.activityPage), 403: auditorsOnly, ...indexErrors },
  }),
  cash: route({
    method: "get",
    path: "/v1/cash",
    group: "index",
    session: true,
    summary:
      "A member's settlement-currency balance and its movements, newest first, each classified (funding received or paid, repayment, claim, recourse, deposits issued) (the caller's; ?address= for auditors and operators)",
    description: `A page has \`limit\` movements (default ${s.ACTIVITY_PAGE_DEFAULT}, at most ${s.ACTIVITY_PAGE_MAX}); pass the answer's nextBefore as \`before\` for older ones.`,
    query: s.activityQuery,
    responses: { 200: answer("the balance and a page of movements", s.cashPage), 403: auditorsOnly, ...indexErrors },
  }),
  pieceTree: route({
    method: "get",
    path: "/v1/pieces/{id}/tree",
    group: "index",
    session: true,
    summary:
      "The piece's receivable as a tree from the anchor's confirmation (each node with the verifier's checks of its step), and the piece's own ancestors and descendants",
    description:
      "Every member sees whether each step passed and its failure codes. The failure messages (which quote invoice numbers, totals, waybill references) go only to the step's parties (the members holding the piece or its parent, the members its documents name), the factor evaluating the piece (a live request to it, or it holds or held the piece or a descendant), auditors and operators; anyone else gets detailsHidden: true and a fixed message.",
    params: s.tokenParams,
    query: s.minBlockQuery,
    responses: { 200: answer("the tree", s.pieceTree), 404: error("no such piece was ever created"), ...indexErrors },
  }),
  pieceHistory: route({
    method: "get",
    path: "/v1/pieces/{id}/history",
    group: "index",
    session: true,
    summary: "Every event that touched the piece, decoded, in chain order",
    params: s.tokenParams,
    query: s.minBlockQuery,
    responses: { 200: answer("the history (empty for a piece never created)", s.pieceHistory), ...indexErrors },
  }),
  factorBook: route({
    method: "get",
    path: "/v1/factors/{address}/book",
    group: "index",
    session: true,
    summary: "What a factor bought, at what price, and what is still due on each piece (the factor's own; auditors and operators any)",
    params: s.factorParams,
    query: s.minBlockQuery,
    responses: { 200: answer("the book", s.factorBook), 403: auditorsOnly, ...indexErrors },
  }),
  obligations: route({
    method: "get",
    path: "/v1/anchors/{address}/obligations",
    group: "index",
    session: true,
    summary: "What an anchor owes, receivable by receivable, by maturity (the anchor's own; auditors and operators any)",
    params: s.anchorParams,
    query: s.minBlockQuery,
    responses: { 200: answer("the obligations", s.obligations), 403: auditorsOnly, ...indexErrors },
  }),
  slot: route({
    method: "get",
    path: "/v1/slots/{id}",
    group: "index",
    session: true,
    summary: "A receivable (slot) and its summary: outstanding, live value, repaid, overdue",
    params: s.slotParams,
    query: s.minBlockQuery,
    responses: { 200: answer("the receivable", s.slotSummary), 404: error("no such receivable was confirmed"), ...indexErrors },
  }),
  anchorRecord: route({
    method: "get",
    path: "/v1/anchors/{address}/record",
    group: "index",
    session: true,
    summary:
      "An anchor's payment record: receivables confirmed, matured, repaid on time and late (days late), due in grace, overdue (amount, days), line use",
    description:
      "The anchor itself, any active factor (it prices the anchor's paper), auditors and operators. Statuses follow the credit report's rule: on time when the completing repayment came at or before maturity; overdue strictly after maturity plus the grace period while unpaid. At most 10,000 receivables are read (truncated says so).",
    params: s.anchorParams,
    query: s.minBlockQuery,
    responses: {
      200: answer("the record", s.anchorRecord),
      403: error("the caller is not the anchor, a factor, an auditor or an operator"),
      ...indexErrors,
    },
  }),
  supplierRecord: route({
    method: "get",
    path: "/v1/suppliers/{address}/record",
    group: "index",
    session: true,
    summary: "A supplier's record: verified trades as seller and buyer, how long each trading relationship has run, funding checks refused and why",
    description: `The supplier's own member, auditors and operators; a factor while a request the supplier signed waits for it. Refusals count only checks of requests the supplier signed, one per request, and leave out what the factor's own input or the request's age caused (price, eligibility, expiry, a used nonce); which factor refused is shown to the supplier, auditors, operators, and to a factor for its own refusals. At most ${s.RECORD_REFUSALS_LISTED} refusals are listed and 20,000 trades read (truncated says so).`,
    params: s.supplierParams,
    query: s.minBlockQuery,
    responses: { 200: answer("the record", s.supplierRecord), 403: error("the caller may not see this supplier's record"), ...indexErrors },
  }),
  factorExposure: route({
    method: "get",
    path: "/v1/factors/{address}/exposure",
    group: "index",
    session: true,
    summary: "What a factor holds, by anchor and by maturity month, against the appetite in its offers (null until offers exist)",
    description: "The factor's own; auditors and operators any. At most 10,000 pieces are read (truncated says so).",
    params: s.factorParams,
    query: s.minBlockQuery,
    responses: { 200: answer("the exposure", s.factorExposure), 403: auditorsOnly, ...indexErrors },
  }),

  submitFundingRequest: route({
    method: "post",
    path: "/v1/funding-requests",
    group: "requests",
    session: true,
    summary: "Submit a funding request the caller signed as holder, for the factor it names",
    body: s.fundingRequestBody,
    responses: {
      201: answer("submitted", s.submittedRequest),
      ...bodyErrors,
      409: error("the caller already submitted a request under this nonce"),
      422: error("refused, each wrong field named: not the caller's signature, piece or value, not an active factor, deadline passed, nonce used"),
      ...sessionErrors,
      429: error(
        `rate limited (see Retry-After), or too many live requests (TOO_MANY_LIVE_REQUESTS): at most ${s.MAX_LIVE_REQUESTS_PER_HOLDER} per holder (field request) and ${s.MAX_LIVE_REQUESTS_PER_PIECE} per piece (field request.tokenId)`,
      ),
    },
  }),
  fundingRequests: route({
    method: "get",
    path: "/v1/funding-requests",
    group: "requests",
    session: true,
    summary: "The caller's own requests, or (?as=factor) those waiting for the caller as factor, each with its state",
    description: `As factor: open requests only (waiting or checked), newest first, \`limit\` a page (default ${s.REQUESTS_PAGE_DEFAULT}, at most ${s.REQUESTS_PAGE_MAX}), \`cursor\` the previous page's nextCursor (null on the last page); closed requests leave the inbox when met. As holder: the caller's stored requests, newest first, each with its state (at most ${s.MAX_LIVE_REQUESTS_PER_HOLDER} open ones exist, and the newest closed ones are kept). Open: waiting, checked (the factor ran its check: passed or what failed). Closed: funded, declined (with the factor's reason), withdrawn (the holder invalidated the nonce on chain), expired (the deadline passed, by chain time). As factor, the first page also lists the requests to the caller closed most recently (closed).`,
    query: s.fundingRequestsQuery,
    responses: {
      200: answer("the requests", s.fundingRequests),
      400: error("as is neither holder nor factor, or a malformed limit or cursor (each named under query.)"),
      403: error("?as=factor and the caller is not an active factor"),
      ...sessionErrors,
    },
  }),
  checkFundingRequest: route({
    method: "post",
    path: "/v1/funding-requests/{holder}/{nonce}/checks",
    group: "requests",
    session: true,
    summary:
      "Run the funding check on a stored request addressed to the caller (the factor), at its minimum price, and record the outcome for the holder to see",
    description:
      "The same check as /v1/tokens/{id}/funding-checks, on the request and signature as the holder submitted them. The outcome is recorded on the request (state checked): the holder sees whether it passed and what failed (the message of a failure in a step the holder was no party to is replaced by a fixed sentence).",
    params: s.fundingRequestParams,
    responses: {
      200: answer("attested", s.attested),
      422: answer("refused, with every reason", s.refused),
      400: error("a malformed holder or nonce"),
      403: error("the caller is not the factor the request is addressed to (NOT_ADDRESSED_FACTOR), or not an active factor"),
      404: error("no such request is stored (REQUEST_NOT_FOUND)"),
      409: error("the request is closed: funded, declined, withdrawn or expired (REQUEST_CLOSED)"),
      ...sessionErrors,
    },
  }),
  declineFundingRequest: route({
    method: "post",
    path: "/v1/funding-requests/{holder}/{nonce}/decline",
    group: "requests",
    session: true,
    summary: "Decline a request addressed to the caller (the factor), with a reason the holder reads",
    description: `Only the addressed factor declines, only an open request, once (a second decline is 409 REQUEST_CLOSED and changes nothing). The reason is at most ${s.DECLINE_REASON_MAX} characters of text. Declining is the factor's word: the holder's signature stays valid on chain until its deadline unless the holder withdraws it (invalidateNonce).`,
    params: s.fundingRequestParams,
    body: s.declineBody,
    responses: {
      200: answer("declined; the request as it now stands", s.storedFundingRequest),
      ...bodyErrors,
      403: error("the caller is not the factor the request is addressed to (NOT_ADDRESSED_FACTOR)"),
      404: error("no such request is stored (REQUEST_NOT_FOUND)"),
      409: error("the request is already closed: funded, declined, withdrawn or expired (REQUEST_CLOSED)"),
      ...sessionErrors,
    },
  }),

  fileApplication: route({
    method: "post",
    path: "/v1/applications",
    group: "core",
    session: false,
    summary: "File a membership application, signed (EIP-712) by the applying wallet",
    description:
      "No session: the applicant is not a member yet. The signature must recover to application.applicant, which must be the first of application.addresses. One pending application per address (409 APPLICATION_PENDING); an address of a member may not apply (409 ALREADY_A_MEMBER), except an operator filing its own profile. Filings per IP are rate-limited (ten at once, then one a minute); the store holds a bounded number (503 APPLICATIONS_FULL).",
    body: s.signedApplicationSchema,
    responses: {
      201: answer("filed: its hash and state", s.filedApplication),
      200: answer("this very application was already filed", s.filedApplication),
      ...bodyErrors,
      409: error("a pending application from this address (APPLICATION_PENDING), or the address is a member's (ALREADY_A_MEMBER)"),
      422: error(
        "the signature is not the applicant's (SIGNATURE_INVALID), filedAt is not now (STALE_SIGNATURE), or OPERATOR asked for (ROLE_NOT_APPLICABLE)",
      ),
      429: error("too many filings from this IP, or rate limited; see Retry-After"),
      503: error("the application store is full (APPLICATIONS_FULL)"),
    },
  }),
  applications: route({
    method: "get",
    path: "/v1/applications",
    group: "core",
    session: true,
    summary: "Applications, newest first, with their state and the duplicates the operator must see (operators and auditors)",
    query: s.applicationListQuery,
    responses: {
      200: answer("the applications", s.applications),
      400: error("a wrong query parameter (named under query.)"),
      403: error("not an operator or auditor"),
      ...sessionErrors,
    },
  }),
  application: route({
    method: "get",
    path: "/v1/applications/{hash}",
    group: "core",
    session: true,
    summary: "One application in full, with its state and duplicates (operators and auditors)",
    params: s.applicationHashParams,
    responses: {
      200: answer("the application", s.applicationView),
      400: error("a malformed hash"),
      403: error("not an operator or auditor"),
      404: error("no such application"),
      ...sessionErrors,
    },
  }),
  refuseApplication: route({
    method: "post",
    path: "/v1/applications/{hash}/refusal",
    group: "core",
    session: true,
    summary: "Refuse a pending application with a reason, signed (EIP-712) by the operator",
    params: s.applicationHashParams,
    body: s.signedRefusalSchema,
    responses: {
      201: answer("refused", s.applicationView),
      ...bodyErrors,
      403: error("not an operator"),
      404: error("no such application"),
      409: error("the application is not pending (NOT_PENDING)"),
      422: error("the signature is not the caller's (SIGNATURE_INVALID), or refusedAt is not now (STALE_SIGNATURE)"),
      ...sessionErrors,
    },
  }),
  applicantStatus: route({
    method: "get",
    path: "/v1/applicants/{address}/applications",
    group: "core",
    session: false,
    summary:
      "An applicant's own applications and where each stands (no session: the applicant is not a member yet); names, state and a refusal's reason, never contacts",
    params: s.applicantParams,
    responses: { 200: answer("the applications, newest first", s.applicantStatus), 400: error("a malformed address"), 429: error("rate limited") },
  }),
  directory: route({
    method: "get",
    path: "/v1/directory",
    group: "core",
    session: true,
    summary: "Every member from the registry (roles, status, KYC date, addresses) with its names from its admitted application",
    responses: { 200: answer("the directory", s.directory), ...sessionErrors },
  }),
  verifierJournal: route({
    method: "get",
    path: "/v1/verifier",
    group: "core",
    session: true,
    summary:
      "The verifier's key (address and standing), the attestations it signed and the checks it refused, recent first (verifiers, operators, auditors)",
    responses: { 200: answer("the verifier's journal", s.verifierJournal), 403: error("not a verifier, operator or auditor"), ...sessionErrors },
  }),

  publishOffer: route({
    method: "post",
    path: "/v1/offers",
    group: "offers",
    session: true,
    summary: "Publish or replace the caller's offer for an anchor, signed (EIP-712) by the caller, an active factor",
    body: s.signedOfferSchema,
    responses: {
      201: answer("published", s.publishedOffer),
      ...bodyErrors,
      403: error("not an active factor"),
      409: error("an offer issued at the same time or later is already published for this anchor (STALE_OFFER)"),
      422: error(
        "the signature is not the caller's, the offer names another factor, the anchor is not an active anchor, or the offer has expired (each field named)",
      ),
      ...sessionErrors,
      503: error("the offer book is full (OFFERS_FULL)"),
    },
  }),
  offers: route({
    method: "get",
    path: "/v1/offers",
    group: "offers",
    session: true,
    summary: "Current offers: valid at chain time, from active factors",
    description: "Takes no query: a factor's own offers, expired included, are GET /v1/offers/own.",
    query: s.offerListQuery,
    responses: {
      200: answer("the offers", s.offers),
      400: error("a query parameter (each named under query.: this route takes none)"),
      ...sessionErrors,
    },
  }),
  ownOffers: route({
    method: "get",
    path: "/v1/offers/own",
    group: "offers",
    session: true,
    summary: "The caller's own offers (an active factor), expired included, with what is left of each appetite and the live requests each brought",
    responses: { 200: answer("the factor's offers", s.ownOffers), 403: error("not an active factor"), ...sessionErrors },
  }),
  withdrawOffer: route({
    method: "delete",
    path: "/v1/offers/{id}",
    group: "offers",
    session: true,
    summary: "Withdraw the caller's offer for anchor member {id}",
    params: s.offerAnchorParams,
    responses: {
      204: { kind: "empty", description: "withdrawn" },
      400: error("a malformed id"),
      403: error("not an active factor"),
      404: error("no such offer (OFFER_NOT_FOUND)"),
      ...sessionErrors,
    },
  }),
  quotes: route({
    method: "get",
    path: "/v1/offers/quotes",
    group: "offers",
    session: true,
    summary: "Every current offer that fits a piece the caller holds, with the price each gives to maturity, best first",
    query: s.quoteQuery,
    responses: {
      200: answer("the quotes", s.quotes),
      400: error("a wrong query parameter, or a value of 0 or above the piece's (named under query.)"),
      403: error("the piece is not the caller's (NOT_THE_HOLDER)"),
      404: error("no live piece (TOKEN_NOT_FOUND)"),
      ...sessionErrors,
    },
  }),

  config: route({
    method: "get",
    path: "/v1/config",
    group: "dapp",
    session: false,
    summary: "What the dApp learns before anyone signs in: where the chain is and, on a local demo chain, who is who",
    responses: { 200: answer("the configuration", s.dappConfig), 429: error("rate limited") },
  }),
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof ROUTES;
export type RouteName = keyof Routes;

/** Which optional route groups an app serves. */
export interface MountedRoutes {
  index?: boolean;
  requests?: boolean;
  offers?: boolean;
}

/** The routes an API with these groups serves (the dApp server's own `/v1/config` is not the API's). */
export function routesFor(mounted: MountedRoutes = {}): Array<[RouteName, RouteSpec]> {
  return (Object.entries(ROUTES) as Array<[RouteName, RouteSpec]>).filter(
    ([, spec]) =>
      spec.group === "core" ||
      (spec.group === "index" && mounted.index === true) ||
      (spec.group === "requests" && mounted.requests === true) ||
      (spec.group === "offers" && mounted.offers === true),
  );
}

/** "/v1/tokens/{id}" -> "/v1/tokens/:id", the path express routes by. */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/gu, ":$1");
}
