import { z } from "zod";
import * as s from "./schemas";
import { routesFor } from "./routes";
import type { MountedRoutes, RouteGroup, RouteSpec } from "./routes";

/**
 * The OpenAPI 3.1 document, generated from the route table and its zod schemas (zod's own JSON Schema output,
 * draft 2020-12, which OpenAPI 3.1 uses): nothing here describes a shape by hand.
 */

type JsonSchema = Record<string, unknown>;

/** Answers named in components.schemas (and referred to by $ref), in the order the document lists them. */
const COMPONENTS: ReadonlyArray<[string, z.ZodType, RouteGroup]> = [
  ["Error", s.errorBody, "core"],
  ["Health", s.health, "core"],
  ["OpenApi", s.openApiBody, "core"],
  ["Nonce", s.nonce, "core"],
  ["Session", s.session, "core"],
  ["SessionInfo", s.sessionInfo, "core"],
  ["Stored", s.stored, "core"],
  ["StoredDocument", s.storedDocument, "core"],
  ["Member", s.member, "core"],
  ["Members", s.members, "core"],
  ["Token", s.token, "core"],
  ["Lineage", s.lineage, "core"],
  ["Attested", s.attested, "core"],
  ["Refused", s.refused, "core"],
  ["TransferCheck", s.transferCheck, "core"],
  ["IndexStatus", s.indexStatus, "index"],
  ["TokenRecord", s.tokenRecord, "index"],
  ["SlotRecord", s.slotRecord, "index"],
  ["FundingRow", s.fundingRow, "index"],
  ["Portfolio", s.portfolio, "index"],
  ["PieceTree", s.pieceTree, "index"],
  ["PieceHistory", s.pieceHistory, "index"],
  ["FactorBook", s.factorBook, "index"],
  ["Obligations", s.obligations, "index"],
  ["SlotSummary", s.slotSummary, "index"],
  ["StoredFundingRequest", s.storedFundingRequest, "requests"],
  ["FundingRequests", s.fundingRequests, "requests"],
  ["SubmittedRequest", s.submittedRequest, "requests"],
  ["ApplicationView", s.applicationView, "core"],
  ["Applications", s.applications, "core"],
  ["FiledApplication", s.filedApplication, "core"],
  ["ApplicantStatus", s.applicantStatus, "core"],
  ["Directory", s.directory, "core"],
  ["VerifierJournal", s.verifierJournal, "core"],
  ["OfferEntry", s.offerEntry, "offers"],
  ["Offers", s.offers, "offers"],
  ["OwnOffers", s.ownOffers, "offers"],
  ["PublishedOffer", s.publishedOffer, "offers"],
  ["Quotes", s.quotes, "offers"],
];

const componentUri = (id: string): string => `#/components/schemas/${id}`;

function withoutDialect(schema: object): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
  return rest;
}

/** A request schema (a body, a parameter) as a client writes it: the input side of its transforms. */
function inputSchema(schema: z.ZodType): JsonSchema {
  return withoutDialect(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));
}

/** The named answer schemas of the mounted groups, each once, referring to one another by $ref. */
function components(mounted: MountedRoutes): { schemas: Record<string, JsonSchema>; names: Map<z.ZodType, string> } {
  const registry = z.registry<{ id: string }>();
  const names = new Map<z.ZodType, string>();
  for (const [name, schema, group] of COMPONENTS) {
    if (
      (group === "index" && mounted.index !== true) ||
      (group === "requests" && mounted.requests !== true) ||
      (group === "offers" && mounted.offers !== true)
    )
      continue;
    registry.add(schema, { id: name });
    names.set(schema, name);
  }
  const generated = z.toJSONSchema(registry, { uri: componentUri, io: "output", unrepresentable: "any" });
  const schemas: Record<string, JsonSchema> = {};
  for (const [name] of COMPONENTS) if (generated.schemas[name] !== undefined) schemas[name] = withoutDialect(generated.schemas[name]);
  return { schemas, names };
}

function parameters(spec: RouteSpec): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ["path", spec.params],
    ["query", spec.query],
  ] as const) {
    if (schema === undefined) continue;
    for (const [name, field] of Object.entries<z.ZodType>(schema.shape)) {
      const json = inputSchema(field);
      const { description, ...fieldSchema } = json;
      list.push({
        name,
        in: where,
        required: where === "path" || !field.safeParse(undefined).success,
        ...(typeof description === "string" ? { description } : {}),
        schema: fieldSchema,
      });
    }
  }
  return list;
}

function operation(spec: RouteSpec, names: Map<z.ZodType, string>): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    if (response.kind === "empty") responses[status] = { description: response.description };
    else if (response.kind === "text")
      responses[status] = { description: response.description, content: { "text/plain": { schema: { type: "string" } } } };
    else if (response.kind === "answer" || response.kind === "error") {
      const name = names.get(response.schema);
      const schema =
        name === undefined ? withoutDialect(z.toJSONSchema(response.schema, { io: "output", unrepresentable: "any" })) : { $ref: componentUri(name) };
      responses[status] = { description: response.description, content: { "application/json": { schema } } };
    }
  }
  const parameterList = parameters(spec);
  return {
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.session ? { security: [{ session: [] }] } : {}),
    ...(parameterList.length === 0 ? {} : { parameters: parameterList }),
    ...(spec.body === undefined ? {} : { requestBody: { required: true, content: { "application/json": { schema: inputSchema(spec.body) } } } }),
    responses,
  };
}

/** The OpenAPI document served at /openapi.json, for an app serving `mounted`'s route groups. */
export function openApiDocument(options: MountedRoutes & { serverUrl?: string } = {}): JsonSchema {
  const served = routesFor(options);
  const { schemas, names } = components(options);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [, spec] of served) {
    paths[spec.path] ??= {};
    paths[spec.path][spec.method] = operation(spec, names);
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
    ...(options.serverUrl === undefined ? {} : { servers: [{ url: options.serverUrl }] }),
    components: {
      securitySchemes: { session: { type: "http", scheme: "bearer", description: "the token POST /v1/auth/verify returns" } },
      schemas,
    },
    paths,
  };
}
