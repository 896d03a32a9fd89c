import { z } from "zod";
import { documentSchema } from "../proofs/documents";
import { fundingRequestBody, REQUESTS_PAGE_DEFAULT, REQUESTS_PAGE_MAX } from "./requestRoutes";
import { MAX_LIVE_REQUESTS_PER_HOLDER, MAX_LIVE_REQUESTS_PER_PIECE } from "./requestState";
import { MAX_LINEAGE_DEPTH } from "./routes/tokens";
import { signInBody } from "./routes/auth";
import { fundingCheckBody } from "./routes/tokens";
import { BODY_LIMIT_BYTES } from "./context";
import { OFFER_OPERATIONS, ONBOARDING_OPERATIONS } from "./schemas/onboarding";
import { PORTFOLIO_PAGE_DEFAULT, PORTFOLIO_PAGE_MAX } from "./indexRoutes";

/**
 * The OpenAPI 3.1 description of the API. Request bodies are generated from the same zod schemas the routes parse
 * with (and the document schemas from src/proofs), so they cannot drift; the list of operations is written here
 * and a test compares it with the routes express actually serves, with and without the index and request routes.
 */

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType): JsonSchema {
  const generated = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete generated.$schema;
  return generated;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema): JsonSchema => ({ "application/json": { schema } });
const error = (description: string): JsonSchema => ({ description, content: json(ref("Error")) });

const decimal: JsonSchema = { type: "string", pattern: "^(0|[1-9][0-9]*)$", description: "a whole number as a decimal string" };
const hex32: JsonSchema = { type: "string", pattern: "^0x[0-9a-f]{64}$" };
const addressSchema: JsonSchema = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" };

/** Errors every route that takes a session can answer. */
const sessionErrors = {
  "401": error("no session, the session has expired, or it ended because its member is no longer active (SESSION_ENDED: suspended, KYC lapsed, or the address removed)"),
  "429": error("rate limited; see Retry-After"),
};

interface Operation {
  summary: string;
  /** What a caller must know beyond the summary: bounds, ordering, who sees what. */
  description?: string;
  session: boolean;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
}

const pathParameter = (name: string, schema: JsonSchema, description: string): JsonSchema => ({ name, in: "path", required: true, description, schema });
const tokenId = pathParameter("id", decimal, "the piece's token id");

const bodyErrors = {
  "400": error(
    "malformed JSON, wrong or unknown fields (each named), text that is not well-formed Unicode, or a body that does not decompress with its Content-Encoding (BODY_NOT_DECOMPRESSED, naming headers.content-encoding)",
  ),
  "413": error(`the body exceeds ${BODY_LIMIT_BYTES / 1024} KB (a larger Content-Length is refused before the body is read, and the connection closed)`),
  "415": error("the body is not JSON"),
};

type Operations = Readonly<Record<string, Readonly<Record<string, Operation>>>>;

/** Every operation the API always serves, by OpenAPI path and method. */
export const OPERATIONS: Operations = {
  "/health": {
    get: {
      summary: "Liveness and the chain the service reads",
      session: false,
      responses: { "200": { description: "up", content: json({ type: "object" }) }, "503": { description: "the chain node does not answer", content: json({ type: "object" }) } },
    },
  },
  "/metrics": { get: { summary: "Prometheus metrics", session: false, responses: { "200": { description: "text exposition format", content: { "text/plain": { schema: { type: "string" } } } } } } },
  "/openapi.json": { get: { summary: "This description", session: false, responses: { "200": { description: "OpenAPI 3.1", content: json({ type: "object" }) } } } },
  "/v1/auth/nonce": {
    get: {
      summary: "A single-use nonce for a sign-in message, and what the message must name",
      description:
        "The nonce is a random value, its expiry and a MAC under a key of this process: nothing is stored until it is spent, so no number of nonce requests can stop a member from signing in. It lasts five minutes and serves one sign-in.",
      session: false,
      responses: { "200": { description: "a nonce", content: json(ref("Nonce")) }, "429": error("rate limited") },
    },
  },
  "/v1/auth/verify": {
    post: {
      summary: "Sign in with Ethereum (EIP-4361): exchange a signed message for a session token",
      description:
        "A session lasts an hour and survives a restart of the API; it ends at once when its member is suspended, its KYC lapses or the address is removed. A member holds at most a fixed number of live sessions (20 by default): a new sign-in ends that member's own oldest.",
      session: false,
      requestBody: { required: true, content: json(schemaOf(signInBody)) },
      responses: {
        "200": { description: "signed in", content: json(ref("Session")) },
        ...bodyErrors,
        "401": error("wrong domain, URI or chain id, unknown or used nonce, expired message, or a signature by someone else"),
        "403": error("the address belongs to no member (NOT_A_MEMBER), or its member is suspended or its KYC lapsed (MEMBER_INACTIVE)"),
        "429": error("rate limited"),
        "503": error("the session store is full of other members' live sessions"),
      },
    },
  },
  "/v1/auth/session": {
    get: { summary: "The session's address and its roles as the registry holds them now", session: true, responses: { "200": { description: "the session", content: json(ref("SessionInfo")) }, ...sessionErrors } },
  },
  "/v1/auth/logout": { post: { summary: "End the session", session: true, responses: { "204": { description: "ended" }, ...sessionErrors } } },
  "/v1/documents/invoices": {
    post: {
      summary: "Upload an invoice proof (a party of the invoice, or an operator)",
      session: true,
      requestBody: { required: true, content: json(schemaOf(documentSchema("invoice"))) },
      responses: {
        "201": { description: "stored", content: json(ref("Stored")) },
        "200": { description: "already stored under this hash (the first copy is kept)", content: json(ref("Stored")) },
        ...bodyErrors,
        "403": error("the caller is not a party of the document"),
        "422": error("a signature does not recover to its party, or a party is not the member it names"),
        ...sessionErrors,
      },
    },
  },
  "/v1/documents/logistics": {
    post: {
      summary: "Upload a logistics proof (a party of the waybill, or an operator)",
      session: true,
      requestBody: { required: true, content: json(schemaOf(documentSchema("logistics"))) },
      responses: {
        "201": { description: "stored", content: json(ref("Stored")) },
        "200": { description: "already stored under this hash (the first copy is kept)", content: json(ref("Stored")) },
        ...bodyErrors,
        "403": error("the caller is not a party of the document"),
        "422": error("a signature does not recover to its party, or a party is not the member it names"),
        ...sessionErrors,
      },
    },
  },
  "/v1/documents/{hash}": {
    get: {
      summary: "A stored document (its parties, auditors, operators, and a factor evaluating a piece it backs)",
      description:
        "A factor reads a document while a live funding request to it names a piece whose lineage the document backs, or while it (any address of its member) holds or held such a piece; a lineage step counts only when it passes value between the document's own parties, so a hash named in someone else's transfer opens nothing.",
      session: true,
      parameters: [pathParameter("hash", hex32, "the document hash")],
      responses: {
        "200": { description: "the document", content: json(ref("StoredDocument")) },
        "400": error("the hash is malformed"),
        "403": error("the caller may not read it"),
        "404": error("no such document"),
        ...sessionErrors,
      },
    },
  },
  "/v1/tokens/{id}": {
    get: {
      summary: "A piece: terms, place in its receivable's tree, the documents recorded behind it",
      session: true,
      parameters: [tokenId],
      responses: { "200": { description: "the piece", content: json({ type: "object" }) }, "400": error("the id is malformed"), "404": error("no such piece"), ...sessionErrors },
    },
  },
  "/v1/tokens/{id}/lineage": {
    get: {
      summary: "Every step from the anchor's confirmation to the piece",
      description: `Walking up costs one chain read per generation, so the route reads at most ${MAX_LINEAGE_DEPTH} steps (the confirmation and the piece included): a deeper lineage is answered 422 LINEAGE_TOO_DEEP naming the id, after at most ${MAX_LINEAGE_DEPTH} reads; the index's /v1/pieces/{id}/tree gives its ancestors.`,
      session: true,
      parameters: [tokenId],
      responses: {
        "200": { description: "the lineage, root first", content: json({ type: "object" }) },
        "400": error("the id is malformed"),
        "404": error("no such piece"),
        "422": error(`the lineage has more than ${MAX_LINEAGE_DEPTH} steps (LINEAGE_TOO_DEEP)`),
        ...sessionErrors,
      },
    },
  },
  "/v1/tokens/{id}/funding-checks": {
    post: {
      summary:
        "Check a holder's funding request (the caller must be an active factor); an attestation when every check passes. Recourse is the request's withRecourse, as the holder signed it: the factor does not choose it",
      session: true,
      parameters: [tokenId],
      requestBody: { required: true, content: json(schemaOf(fundingCheckBody)) },
      responses: {
        "200": { description: "attested", content: json(ref("Attested")) },
        "422": { description: "refused, with every reason", content: json(ref("Refused")) },
        ...bodyErrors,
        "403": error("the caller is not an active factor"),
        ...sessionErrors,
      },
    },
  },
  "/v1/members": { get: { summary: "Every member, from the registry", session: true, responses: { "200": { description: "members", content: json({ type: "object", properties: { members: { type: "array", items: ref("Member") } } }) }, ...sessionErrors } } },
  "/v1/members/{address}": {
    get: {
      summary: "The member an address belongs to",
      session: true,
      parameters: [pathParameter("address", addressSchema, "any address of the member")],
      responses: { "200": { description: "the member", content: json(ref("Member")) }, "400": error("the address is malformed"), "404": error("no member has this address"), ...sessionErrors },
    },
  },
};

const addressParameter = (description: string): JsonSchema => pathParameter("address", addressSchema, description);
const minBlock: JsonSchema = {
  name: "minBlock",
  in: "query",
  required: false,
  description: "wait (up to ten seconds) until the index has applied this block, e.g. the one a transaction just landed in",
  schema: { type: "string", pattern: "^[0-9]{1,12}$" },
};
/** Errors of every index read beyond the session's. */
const indexErrors = {
  "400": error("a malformed id, address or minBlock"),
  "503": error("the index has not reached minBlock within ten seconds (INDEX_BEHIND; see Retry-After)"),
  ...sessionErrors,
};
const auditorsOnly = error("another member's book or pieces, and the caller is neither auditor nor operator");

/** Served when the API runs with an index (`createApp({ index })`, `npm run api -- --index-db`). */
export const INDEX_OPERATIONS: Operations = {
  "/v1/index/status": {
    get: {
      summary: "How far the index has got: the block it is as of, the head it has seen, what is final",
      session: false,
      responses: { "200": { description: "the index's position (asOfBlock -1 before its first block)", content: json(ref("IndexStatus")) }, "429": error("rate limited") },
    },
  },
  "/v1/portfolio": {
    get: {
      summary: "Live pieces held, what was sold to factors, and totals by anchor and by maturity (the caller's; ?address= for auditors and operators)",
      description: `Pieces come a page at a time, largest value first, then newest (token id descending), so pieces of dust split into a portfolio sort last and cannot hide real ones; a page has \`limit\` pieces (default ${PORTFOLIO_PAGE_DEFAULT}, at most ${PORTFOLIO_PAGE_MAX}); pass the answer's nextCursor as \`cursor\` for the next page (null on the last). The totals count every piece held, whatever the page.`,
      session: true,
      parameters: [
        { name: "address", in: "query", required: false, description: "whose portfolio (default: the caller's)", schema: addressSchema },
        { name: "limit", in: "query", required: false, description: `pieces per page (default ${PORTFOLIO_PAGE_DEFAULT}, at most ${PORTFOLIO_PAGE_MAX})`, schema: { type: "string", pattern: "^[1-9][0-9]{0,3}$" } },
        { name: "cursor", in: "query", required: false, description: "the previous page's nextCursor", schema: { type: "string", pattern: "^[0-9]+\\.[0-9]+$" } },
        minBlock,
      ],
      responses: { "200": { description: "the portfolio", content: json(ref("Portfolio")) }, "403": auditorsOnly, ...indexErrors },
    },
  },
  "/v1/pieces/{id}/tree": {
    get: {
      summary: "The piece's receivable as a tree from the anchor's confirmation (each node with the verifier's checks of its step), and the piece's own ancestors and descendants",
      description:
        "Every member sees whether each step passed and its failure codes. The failure messages (which quote invoice numbers, totals, waybill references) go only to the step's parties (the members holding the piece or its parent, the members its documents name), the factor evaluating the piece (a live request to it, or it holds or held the piece or a descendant), auditors and operators; anyone else gets detailsHidden: true and a fixed message.",
      session: true,
      parameters: [tokenId, minBlock],
      responses: { "200": { description: "the tree", content: json(ref("PieceTree")) }, "404": error("no such piece was ever created"), ...indexErrors },
    },
  },
  "/v1/pieces/{id}/history": {
    get: {
      summary: "Every event that touched the piece, decoded, in chain order",
      session: true,
      parameters: [tokenId, minBlock],
      responses: { "200": { description: "the history (empty for a piece never created)", content: json(ref("PieceHistory")) }, ...indexErrors },
    },
  },
  "/v1/factors/{address}/book": {
    get: {
      summary: "What a factor bought, at what price, and what is still due on each piece (the factor's own; auditors and operators any)",
      session: true,
      parameters: [addressParameter("the factor's address"), minBlock],
      responses: { "200": { description: "the book", content: json(ref("FactorBook")) }, "403": auditorsOnly, ...indexErrors },
    },
  },
  "/v1/anchors/{address}/obligations": {
    get: {
      summary: "What an anchor owes, receivable by receivable, by maturity (the anchor's own; auditors and operators any)",
      session: true,
      parameters: [addressParameter("the anchor's address"), minBlock],
      responses: { "200": { description: "the obligations", content: json(ref("Obligations")) }, "403": auditorsOnly, ...indexErrors },
    },
  },
  "/v1/slots/{id}": {
    get: {
      summary: "A receivable (slot) and its summary: outstanding, live value, repaid, overdue",
      session: true,
      parameters: [pathParameter("id", decimal, "the receivable's slot number"), minBlock],
      responses: { "200": { description: "the receivable", content: json(ref("SlotSummary")) }, "404": error("no such receivable was confirmed"), ...indexErrors },
    },
  },
};

/** Served when the API runs with a funding-request store (`createApp({ requests })`). */
export const REQUEST_OPERATIONS: Operations = {
  "/v1/funding-requests": {
    post: {
      summary: "Submit a funding request the caller signed as holder, for the factor it names",
      session: true,
      requestBody: { required: true, content: json(schemaOf(fundingRequestBody)) },
      responses: {
        "201": { description: "submitted", content: json({ type: "object", properties: { holder: addressSchema, nonce: decimal } }) },
        ...bodyErrors,
        "409": error("the caller already submitted a request under this nonce"),
        "422": error("refused, each wrong field named: not the caller's signature, piece or value, not an active factor, deadline passed, nonce used"),
        ...sessionErrors,
        "429": error(
          `rate limited (see Retry-After), or too many live requests (TOO_MANY_LIVE_REQUESTS): at most ${MAX_LIVE_REQUESTS_PER_HOLDER} per holder (field request) and ${MAX_LIVE_REQUESTS_PER_PIECE} per piece (field request.tokenId)`,
        ),
      },
    },
    get: {
      summary: "The caller's own requests, or (?as=factor) those waiting for the caller as factor, each with its state",
      description: `As factor: live requests only (state waiting), newest first, \`limit\` a page (default ${REQUESTS_PAGE_DEFAULT}, at most ${REQUESTS_PAGE_MAX}), \`cursor\` the previous page's nextCursor (null on the last page); funded, withdrawn and expired requests are removed when met. As holder: the caller's stored requests, newest first, each with its state (at most ${MAX_LIVE_REQUESTS_PER_HOLDER} live ones exist; closed ones are removed at the holder's next submission or the factor's next listing).`,
      session: true,
      parameters: [
        { name: "as", in: "query", required: false, description: "holder (default) or factor", schema: { enum: ["holder", "factor"] } },
        { name: "limit", in: "query", required: false, description: `requests per page as factor (default ${REQUESTS_PAGE_DEFAULT}, at most ${REQUESTS_PAGE_MAX})`, schema: { type: "string", pattern: "^[1-9][0-9]{0,2}$" } },
        { name: "cursor", in: "query", required: false, description: "the previous page's nextCursor", schema: { type: "string" } },
      ],
      responses: {
        "200": {
          description: "the requests",
          content: json({ type: "object", properties: { requests: { type: "array", items: ref("StoredFundingRequest") }, nextCursor: { anyOf: [{ type: "string" }, { type: "null" }] } } }),
        },
        "400": error("as is neither holder nor factor, or a malformed limit or cursor (each named under query.)"),
        "403": error("?as=factor and the caller is not an active factor"),
        ...sessionErrors,
      },
    },
  },
};

/** Which optional route groups an app serves. */
export interface MountedRoutes {
  index?: boolean;
  requests?: boolean;
  offers?: boolean;
}

/** The operations an app with these route groups serves. */
export function operationsFor(mounted: MountedRoutes = {}): Operations {
  return {
    ...OPERATIONS,
    ...ONBOARDING_OPERATIONS,
    ...(mounted.index === true ? INDEX_OPERATIONS : {}),
    ...(mounted.requests === true ? REQUEST_OPERATIONS : {}),
    ...(mounted.offers === true ? OFFER_OPERATIONS : {}),
  };
}

const integer: JsonSchema = { type: "integer" };
const asOfProperties: Record<string, JsonSchema> = {
  asOfBlock: { type: "integer", description: "the last block the index has applied: the answer is as of it" },
  asOfBlockHash: hex32,
  asOfTimestamp: { type: "integer", description: "that block's unix time" },
  finalizedBlock: { type: "integer", description: "blocks at or below this are final (head less the confirmation depth)" },
  final: { type: "boolean", description: "whether every figure in the answer last changed at or below finalizedBlock" },
};
const AS_OF_REQUIRED = ["asOfBlock", "asOfBlockHash", "asOfTimestamp", "finalizedBlock", "final"];
const asOf = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: "object",
  required: [...AS_OF_REQUIRED, ...required],
  properties: { ...asOfProperties, ...properties },
});
const bucket = (key: string, keySchema: JsonSchema): JsonSchema => ({ type: "array", items: { type: "object", properties: { [key]: keySchema, count: integer, value: decimal } } });
const tokenIds: JsonSchema = { type: "array", items: decimal };
const pieceStatus: JsonSchema = { enum: ["live", "funded", "repaid", "overdue"] };

const INDEX_SCHEMAS: Record<string, JsonSchema> = {
  IndexStatus: {
    type: "object",
    required: ["asOfBlock", "final"],
    properties: {
      ...asOfProperties,
      head: { type: "integer", description: "the chain head the indexer last saw" },
      findingCount: { type: "integer", description: "events the contracts emitted that the index could not place (kept as findings, not applied)" },
      findings: {
        type: "array",
        description: "the newest of them (at most 20), in chain order",
        items: {
          type: "object",
          properties: { code: { type: "string" }, contract: { type: "string" }, event: { type: "string" }, block: integer, transactionHash: hex32, logIndex: integer },
        },
      },
    },
  },
  TokenRecord: {
    type: "object",
    properties: {
      tokenId: decimal,
      slot: decimal,
      owner: addressSchema,
      value: decimal,
      parent: { anyOf: [decimal, { type: "null" }], description: "0 for a receivable's first piece" },
      status: { enum: ["live", "burned", "redeemed"] },
      received: decimal,
      tradeProof: { anyOf: [{ type: "object", properties: { invoiceFingerprint: hex32, invoiceHash: hex32, logisticsHash: hex32 } }, { type: "null" }] },
      createdAtBlock: integer,
      updatedAtBlock: integer,
    },
  },
  SlotRecord: {
    type: "object",
    properties: {
      slot: decimal,
      anchorId: integer,
      anchor: addressSchema,
      supplierId: integer,
      supplier: addressSchema,
      faceValue: decimal,
      maturity: { ...decimal, description: "unix seconds" },
      currency: { type: "string" },
      invoiceHash: hex32,
      logisticsHash: hex32,
      invoiceFingerprint: hex32,
      pieceCount: integer,
      liveCount: integer,
      repaid: decimal,
      claimed: decimal,
      redeemedValue: decimal,
      fundedValue: decimal,
      fundingCount: integer,
      overdueFlagged: { type: "boolean" },
      overdueCured: { type: "boolean" },
      confirmedAtBlock: integer,
      updatedAtBlock: integer,
    },
  },
  FundingRow: {
    type: "object",
    properties: {
      fundingId: hex32,
      tokenId: { ...decimal, description: "the piece the holder sold from" },
      fundedTokenId: { ...decimal, description: "the piece the factor received" },
      factor: addressSchema,
      holder: addressSchema,
      value: decimal,
      price: decimal,
      withRecourse: { type: "boolean" },
      recourseAmount: { anyOf: [decimal, { type: "null" }] },
      block: integer,
      transactionHash: hex32,
      updatedAtBlock: integer,
    },
  },
  Portfolio: asOf(
    {
      owner: addressSchema,
      nextCursor: { anyOf: [{ type: "string" }, { type: "null" }], description: "pass as cursor for the next page; null on the last" },
      pieces: {
        type: "array",
        items: {
          type: "object",
          properties: { tokenId: decimal, slot: decimal, value: decimal, anchorId: integer, anchor: { anyOf: [addressSchema, { type: "null" }] }, maturity: decimal, status: pieceStatus, repaid: decimal, faceValue: decimal },
        },
      },
      sold: { type: "array", items: { allOf: [ref("FundingRow")], properties: { maturity: { anyOf: [decimal, { type: "null" }] }, anchorId: { anyOf: [integer, { type: "null" }] } } } },
      totals: {
        type: "object",
        properties: { count: integer, value: decimal, soldValue: decimal, soldPrice: decimal, byAnchor: bucket("anchorId", integer), byMaturity: bucket("maturity", decimal) },
      },
    },
    ["owner", "pieces", "sold", "totals"],
  ),
  PieceTree: asOf(
    {
      focus: decimal,
      ancestors: { ...tokenIds, description: "the focus piece's ancestors, parent first" },
      descendants: { ...tokenIds, description: "every piece split off the focus piece, breadth first" },
      slot: ref("SlotRecord"),
      truncated: { type: "boolean", description: "the tree has more than 60 pieces and was cut" },
      nodes: {
        type: "array",
        items: {
          allOf: [ref("TokenRecord")],
          properties: {
            checks: {
              anyOf: [
                {
                  type: "object",
                  properties: {
                    passed: { type: "boolean" },
                    failures: { type: "array", items: { type: "object", properties: { code: { type: "string" }, message: { type: "string" }, step: integer, tokenId: decimal } } },
                    detailsHidden: { type: "boolean", description: "true when the caller may not see the failure messages (each replaced by a fixed sentence)" },
                  },
                },
                { type: "null" },
              ],
            },
          },
        },
      },
      fundings: { type: "array", items: ref("FundingRow") },
    },
    ["focus", "ancestors", "descendants", "slot", "truncated", "nodes", "fundings"],
  ),
  PieceHistory: asOf(
    {
      tokenId: decimal,
      entries: {
        type: "array",
        items: {
          type: "object",
          properties: { blockNumber: integer, transactionHash: hex32, transactionIndex: integer, logIndex: integer, contract: { enum: ["registry", "token", "currency", "settlement", "financing"] }, event: { type: "object" } },
        },
      },
    },
    ["tokenId", "entries"],
  ),
  FactorBook: asOf(
    {
      factor: addressSchema,
      totals: { type: "object", properties: { fundings: integer, value: decimal, price: decimal, recourse: decimal } },
      fundings: {
        type: "array",
        items: {
          allOf: [ref("FundingRow")],
          properties: {
            piece: { anyOf: [ref("TokenRecord"), { type: "null" }] },
            maturity: { anyOf: [decimal, { type: "null" }] },
            anchorId: { anyOf: [integer, { type: "null" }] },
            status: pieceStatus,
            due: { ...decimal, description: "the funded piece's value less what settlement already paid on it" },
          },
        },
      },
      nextAfter: { anyOf: [{ type: "string" }, { type: "null" }] },
    },
    ["factor", "totals", "fundings"],
  ),
  Obligations: {
    type: "object",
    required: ["anchor", "asOfBlock", "final", "receivables", "outstanding"],
    properties: {
      anchor: addressSchema,
      asOfBlock: asOfProperties.asOfBlock,
      final: asOfProperties.final,
      receivables: { type: "array", items: { allOf: [ref("SlotRecord")], properties: { outstanding: decimal, overdue: { type: "boolean" }, fullyRepaid: { type: "boolean" } } } },
      outstanding: decimal,
    },
  },
  SlotSummary: asOf(
    {
      slot: ref("SlotRecord"),
      outstanding: decimal,
      liveValue: { ...decimal, description: "face value less what was redeemed" },
      fullyRepaid: { type: "boolean" },
      overdue: { type: "boolean", description: "past maturity plus the grace period at asOfTimestamp with something unpaid" },
    },
    ["slot", "outstanding", "liveValue", "fullyRepaid", "overdue"],
  ),
};

const REQUEST_SCHEMAS: Record<string, JsonSchema> = {
  StoredFundingRequest: {
    type: "object",
    properties: {
      holder: addressSchema,
      request: {
        type: "object",
        properties: {
          tokenId: decimal,
          value: decimal,
          minPrice: decimal,
          factor: addressSchema,
          withRecourse: { type: "boolean", description: "the holder's signed choice; the attestation and the funding carry the same" },
          deadline: decimal,
          nonce: decimal,
        },
      },
      holderSignature: { type: "string" },
      submittedAt: { type: "integer", description: "unix seconds" },
      sequence: { type: "integer", description: "arrival order (unix ms, unique)" },
      state: { enum: ["waiting", "funded", "withdrawn", "expired"] },
    },
  },
};

const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message", "fields"],
        properties: {
          code: { type: "string" },
          message: { type: "string" },
          fields: { type: "array", items: { type: "object", required: ["path", "message"], properties: { path: { type: "string" }, message: { type: "string" } } } },
        },
      },
    },
  },
  Nonce: { type: "object", properties: { nonce: { type: "string" }, expiresAt: { type: "string", format: "date-time" }, domain: { type: "string" }, uri: { type: "string" }, chainId: decimal } },
  Session: { type: "object", properties: { token: { type: "string" }, address: addressSchema, expiresAt: { type: "string", format: "date-time" } } },
  SessionInfo: {
    type: "object",
    properties: { address: addressSchema, memberId: { type: "integer" }, roles: { type: "array", items: { type: "string" } }, active: { type: "boolean" }, expiresAt: { type: "string", format: "date-time" } },
  },
  Stored: { type: "object", properties: { hash: hex32, kind: { enum: ["invoice", "logistics"] } } },
  StoredDocument: {
    type: "object",
    properties: { hash: hex32, kind: { enum: ["invoice", "logistics"] }, document: { type: "object" }, uploadedBy: addressSchema, uploadedAt: { type: "integer" } },
  },
  Member: {
    type: "object",
    properties: {
      memberId: { type: "integer" },
      leiHash: hex32,
      roles: { type: "array", items: { type: "string" } },
      roleMask: { type: "integer" },
      status: { enum: ["NONE", "ACTIVE", "SUSPENDED"] },
      kycValidUntil: { type: "integer" },
      accounts: { type: "array", items: addressSchema },
    },
  },
  Attested: {
    type: "object",
    properties: { attestation: { type: "object" }, signature: { type: "string" }, signer: addressSchema, fundingId: hex32, asOfBlock: { type: "integer" }, steps: { type: "array", items: { type: "object" } } },
  },
  Refused: {
    type: "object",
    properties: {
      failures: {
        type: "array",
        items: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" }, step: { type: "integer" }, tokenId: decimal } },
      },
      asOfBlock: { type: "integer" },
      steps: { type: "array", items: { type: "object" } },
    },
  },
};

/** The OpenAPI document served at /openapi.json, for an app serving `mounted`'s route groups. */
export function openApiDocument(options: MountedRoutes & { serverUrl?: string } = {}): JsonSchema {
  const { serverUrl } = options;
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [path, operations] of Object.entries(operationsFor(options))) {
    paths[path] = {};
    for (const [method, operation] of Object.entries(operations)) {
      paths[path][method] = {
        summary: operation.summary,
        ...(operation.description === undefined ? {} : { description: operation.description }),
        ...(operation.session ? { security: [{ session: [] }] } : {}),
        ...(operation.parameters === undefined ? {} : { parameters: operation.parameters }),
        ...(operation.requestBody === undefined ? {} : { requestBody: operation.requestBody }),
        responses: operation.responses,
      };
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Chainbill API",
      version: "1",
      description:
        "Trade documents in, funding attestations out, and reads of members and pieces" +
        (options.index === true ? "; reads of the index (portfolios, trees, books, receivables, histories), each as of a block" : "") +
        ". Amounts and token ids are decimal strings. Bad input of any kind (malformed JSON or percent-encoding, wrong types, text that is not well-formed Unicode, bodies that do not decompress) is a 4xx naming the field; a client too slow to send its request is dropped after the server's request timeout (30 s by default).",
    },
    ...(serverUrl === undefined ? {} : { servers: [{ url: serverUrl }] }),
    components: {
      securitySchemes: { session: { type: "http", scheme: "bearer", description: "the token POST /v1/auth/verify returns" } },
      schemas: {
        ...COMPONENT_SCHEMAS,
        ...(options.index === true ? INDEX_SCHEMAS : {}),
        ...(options.requests === true ? REQUEST_SCHEMAS : {}),
      },
    },
    paths,
  };
}
