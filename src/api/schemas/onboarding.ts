import { z } from "zod";
import { signedApplicationSchema, signedRefusalSchema } from "../../onboarding/application";
import { signedOfferSchema } from "../../offers/offer";
import { address } from "../../proofs/wire";
import { hash32, uint256 } from "../validation";

/**
 * The request shapes of the onboarding, directory and offer routes (src/api/routes/applications.ts,
 * directory.ts, offers.ts) and their OpenAPI operations, in one module the wire module can absorb.
 */

export { signedApplicationSchema, signedRefusalSchema, signedOfferSchema };

export const applicationHashParams = z.strictObject({ hash: hash32 });
export const addressParams = z.strictObject({ address });
export const anchorParams = z.strictObject({ id: z.string().regex(/^[1-9][0-9]{0,9}$/u, "a member id: a whole number from 1").transform(Number) });

export const applicationListQuery = z.strictObject({
  state: z.enum(["pending", "admitted", "refused"], { error: "\"pending\", \"admitted\" or \"refused\"" }).optional(),
});

export const quoteQuery = z.strictObject({ tokenId: uint256, value: uint256.optional() });

export const offerListQuery = z.strictObject({ as: z.enum(["factor"], { error: "\"factor\"" }).optional() });

type JsonSchema = Record<string, unknown>;

/** The shape of an operation in src/api/openapi.ts. */
interface Operation {
  summary: string;
  description?: string;
  session: boolean;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
}
type Operations = Readonly<Record<string, Readonly<Record<string, Operation>>>>;

function schemaOf(schema: z.ZodType): JsonSchema {
  const generated = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete generated.$schema;
  return generated;
}

const json = (schema: JsonSchema): JsonSchema => ({ "application/json": { schema } });
const error = (description: string): JsonSchema => ({ description, content: json({ $ref: "#/components/schemas/Error" }) });
const ok = (description: string): JsonSchema => ({ description, content: json({ type: "object" }) });
const body = (schema: z.ZodType): JsonSchema => ({ required: true, content: json(schemaOf(schema)) });
const pathParameter = (name: string, description: string, schema: JsonSchema): JsonSchema => ({ name, in: "path", required: true, description, schema });
const hashParameter = pathParameter("hash", "the application's EIP-712 hash", { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" });
const session = { "401": error("no session, or it ended"), "429": error("rate limited; see Retry-After") };
const bad = { "400": error("wrong or unknown fields, each named"), "413": error("the body is too large"), "415": error("the body is not JSON") };

/** Always served: filing and deciding applications, and the member directory. */
export const ONBOARDING_OPERATIONS: Operations = {
  "/v1/applications": {
    post: {
      summary: "File a membership application, signed (EIP-712) by the applying wallet",
      description:
        "No session: the applicant is not a member yet. The signature must recover to application.applicant, which must be the first of application.addresses. One pending application per address (409 APPLICATION_PENDING); an address of a member may not apply (409 ALREADY_A_MEMBER), except an operator filing its own profile. Filings per IP are rate-limited; the store holds a bounded number (503 APPLICATIONS_FULL).",
      session: false,
      requestBody: body(signedApplicationSchema),
      responses: { "201": ok("filed: its hash and state"), "200": ok("this very application was already filed"), ...bad, "409": error("a pending application from this address, or the address is a member's"), "422": error("the signature is not the applicant's, or filedAt is not now"), "429": error("too many filings from this IP"), "503": error("the application store is full") },
    },
    get: {
      summary: "Applications, newest first, with their state and the duplicates the operator must see (operators and auditors)",
      session: true,
      parameters: [{ name: "state", in: "query", required: false, schema: { type: "string", enum: ["pending", "admitted", "refused"] } }],
      responses: { "200": ok("the applications"), "400": error("a wrong query parameter"), "403": error("not an operator or auditor"), ...session },
    },
  },
  "/v1/applications/{hash}": {
    get: {
      summary: "One application in full, with its state and duplicates (operators and auditors)",
      session: true,
      parameters: [hashParameter],
      responses: { "200": ok("the application"), "400": error("a malformed hash"), "403": error("not an operator or auditor"), "404": error("no such application"), ...session },
    },
  },
  "/v1/applications/{hash}/refusal": {
    post: {
      summary: "Refuse a pending application with a reason, signed (EIP-712) by the operator",
      session: true,
      parameters: [hashParameter],
      requestBody: body(signedRefusalSchema),
      responses: { "201": ok("refused"), ...bad, "403": error("not an operator"), "404": error("no such application"), "409": error("the application is not pending"), "422": error("the signature is not the caller's, or refusedAt is not now"), ...session },
    },
  },
  "/v1/applicants/{address}/applications": {
    get: {
      summary: "An applicant's own applications and where each stands (no session: the applicant is not a member yet); names, state and a refusal's reason, never contacts",
      session: false,
      parameters: [pathParameter("address", "the applying address", { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" })],
      responses: { "200": ok("the applications, newest first"), "400": error("a malformed address"), "429": error("rate limited") },
    },
  },
  "/v1/verifier": {
    get: {
      summary: "The verifier's key (address and standing), the attestations it signed and the checks it refused, recent first (verifiers, operators, auditors)",
      session: true,
      responses: { "200": ok("the verifier's journal"), "403": error("not a verifier, operator or auditor"), ...session },
    },
  },
  "/v1/directory": {
    get: {
      summary: "Every member from the registry (roles, status, KYC date, addresses) with its names from its admitted application",
      session: true,
      responses: { "200": ok("the directory"), ...session },
    },
  },
};

/** Served when the API runs with an offer store (`createApp({ offers })`). */
export const OFFER_OPERATIONS: Operations = {
  "/v1/offers": {
    post: {
      summary: "Publish or replace the caller's offer for an anchor, signed (EIP-712) by the caller, an active factor",
      session: true,
      requestBody: body(signedOfferSchema),
      responses: { "201": ok("published"), ...bad, "403": error("not an active factor"), "409": error("an offer issued later is already published"), "422": error("the signature is not the caller's, the anchor is not an active anchor, or the offer is expired") , ...session },
    },
    get: {
      summary: "Current offers (expired ones left out); ?as=factor: the caller's own, expired included, with the requests each brought",
      session: true,
      parameters: [{ name: "as", in: "query", required: false, schema: { type: "string", enum: ["factor"] } }],
      responses: { "200": ok("the offers"), "400": error("a wrong query parameter"), "403": error("as=factor for a non-factor"), ...session },
    },
  },
  "/v1/offers/{id}": {
    delete: {
      summary: "Withdraw the caller's offer for anchor member {id}",
      session: true,
      parameters: [pathParameter("id", "the anchor's member id", { type: "string", pattern: "^[1-9][0-9]*$" })],
      responses: { "204": { description: "withdrawn" }, "400": error("a malformed id"), "403": error("not an active factor"), "404": error("no such offer"), ...session },
    },
  },
  "/v1/offers/quotes": {
    get: {
      summary: "Every current offer that fits a piece the caller holds, with the price each gives to maturity, best first",
      session: true,
      parameters: [
        { name: "tokenId", in: "query", required: true, schema: { type: "string", pattern: "^(0|[1-9][0-9]*)$" } },
        { name: "value", in: "query", required: false, description: "minor units to sell (default: the whole piece)", schema: { type: "string", pattern: "^(0|[1-9][0-9]*)$" } },
      ],
      responses: { "200": ok("the quotes"), "400": error("a wrong query parameter"), "404": error("no live piece"), "403": error("the piece is not the caller's"), ...session },
    },
  },
};
