import { z } from "zod";
import { documentSchema } from "../proofs/documents";
import { signInBody } from "./routes/auth";
import { fundingCheckBody } from "./routes/tokens";

/**
 * The OpenAPI 3.1 description of the API. Request bodies are generated from the same zod schemas the routes parse
 * with (and the document schemas from src/proofs), so they cannot drift; the list of operations is written here
 * and a test compares it with the routes express actually serves.
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
  "401": error("no session, or the session has expired"),
  "429": error("rate limited; see Retry-After"),
};

interface Operation {
  summary: string;
  session: boolean;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
}

const pathParameter = (name: string, schema: JsonSchema, description: string): JsonSchema => ({ name, in: "path", required: true, description, schema });
const tokenId = pathParameter("id", decimal, "the piece's token id");

const bodyErrors = {
  "400": error("malformed JSON, wrong or unknown fields (each named)"),
  "413": error("the body exceeds 256 KB"),
  "415": error("the body is not JSON"),
};

/** Every operation the API serves, by OpenAPI path and method. */
export const OPERATIONS: Readonly<Record<string, Readonly<Record<string, Operation>>>> = {
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
      session: false,
      responses: { "200": { description: "a nonce", content: json(ref("Nonce")) }, "429": error("rate limited"), "503": error("too many sign-ins in progress") },
    },
  },
  "/v1/auth/verify": {
    post: {
      summary: "Sign in with Ethereum (EIP-4361): exchange a signed message for a session token",
      session: false,
      requestBody: { required: true, content: json(schemaOf(signInBody)) },
      responses: {
        "200": { description: "signed in", content: json(ref("Session")) },
        ...bodyErrors,
        "401": error("wrong domain, URI or chain id, unknown or used nonce, expired message, or a signature by someone else"),
        "403": error("the address belongs to no member"),
        "429": error("rate limited"),
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
      summary: "A stored document (its parties, auditors, operators, and factors once it backs a piece on chain)",
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
      session: true,
      parameters: [tokenId],
      responses: { "200": { description: "the lineage, root first", content: json({ type: "object" }) }, "400": error("the id is malformed"), "404": error("no such piece"), ...sessionErrors },
    },
  },
  "/v1/tokens/{id}/funding-checks": {
    post: {
      summary: "Check a holder's funding request (the caller must be an active factor); an attestation when every check passes",
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

/** The OpenAPI document served at /openapi.json. */
export function openApiDocument(serverUrl?: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [path, operations] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, operation] of Object.entries(operations)) {
      paths[path][method] = {
        summary: operation.summary,
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
      description: "Trade documents in, funding attestations out, and reads of members and pieces. Amounts and token ids are decimal strings.",
    },
    ...(serverUrl === undefined ? {} : { servers: [{ url: serverUrl }] }),
    components: {
      securitySchemes: { session: { type: "http", scheme: "bearer", description: "the token POST /v1/auth/verify returns" } },
      schemas: COMPONENT_SCHEMAS,
    },
    paths,
  };
}
