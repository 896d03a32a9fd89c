import { z } from "zod";
import { address, signature, text } from "../../proofs/wire";
import { signedApplicationSchema, signedRefusalSchema } from "../../onboarding/application";
import { signedOfferSchema } from "../../offers/offer";
import { invoiceSchema } from "../../proofs/invoice";
import { waybillSchema } from "../../proofs/logistics";

/**
 * The API's wire shapes: every request the API parses and every answer it sends, as zod schemas. The routes parse
 * with them, the OpenAPI document is generated from them (./openapi.ts), the typed client (./client.ts) checks
 * answers with them, and in tests every answer the API sends is checked against them. Amounts, token ids and
 * other bigints travel as decimal strings both ways; block numbers, member ids and unix seconds (within 2^53) as
 * JSON numbers. No Node-only imports: the dApp's browser bundle uses this module too.
 */

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

const UINT256_MAX = 2n ** 256n - 1n;

/** A uint256 written as a decimal string, parsed to bigint (request inputs). */
export const uint256 = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/u, 'a whole number written as a decimal string, e.g. "1000"')
  .transform((text) => BigInt(text))
  .refine((value) => value <= UINT256_MAX, "at most 2^256 - 1");

/** A 32-byte hash in hex, lower-cased (request inputs). */
export const hash32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/u, "0x followed by 64 hex digits")
  .transform((text) => text.toLowerCase());

/** A whole number (an amount, a token id, a slot) as it leaves the API: a decimal string. */
export const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/u)
  .meta({ description: "a whole number as a decimal string" });
/** An address as it leaves the API. */
export const addressOut = z.string().regex(/^0x[0-9a-fA-F]{40}$/u);
/** 32 bytes in hex, as it leaves the API. */
export const bytes32Out = z.string().regex(/^0x[0-9a-fA-F]{64}$/u);
/** A block number, a log index, a member id, a count: a JSON integer. */
const int = z.number().int();
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();
const isoTime = z.string().meta({ format: "date-time" });

// ---------------------------------------------------------------------------------------------------------------
// Bounds the API states (and the routes enforce)

/** The most steps the lineage route reads (see the route's description). */
export const MAX_LINEAGE_DEPTH = 64;
/** Pieces per portfolio page, and the most a client may ask for. */
export const PORTFOLIO_PAGE_DEFAULT = 100;
export const PORTFOLIO_PAGE_MAX = 500;
/** Requests per page of a factor's inbox, and the most a client may ask for. */
export const REQUESTS_PAGE_DEFAULT = 50;
export const REQUESTS_PAGE_MAX = 100;
/** At most this many live requests per holder (across factors and pieces). */
export const MAX_LIVE_REQUESTS_PER_HOLDER = 50;
/** At most this many live requests per piece (a holder asking several factors about one piece). */
export const MAX_LIVE_REQUESTS_PER_PIECE = 5;
/** The longest reason a factor may give for declining a request. */
export const DECLINE_REASON_MAX = 280;
/** The request body limit. */
export const BODY_LIMIT_BYTES = 256 * 1024;
/** What an unrelated member sees in place of a failure's message (which may quote invoice numbers, totals, waybills). */
export const HIDDEN_FAILURE_MESSAGE = "details are shown to the trade's parties, the factor evaluating it, auditors and operators";

// ---------------------------------------------------------------------------------------------------------------
// Requests: path parameters, queries, bodies (parsed by the routes; inputs are what a client sends)

export const tokenParams = z.strictObject({ id: uint256.meta({ description: "the piece's token id" }) });
export const slotParams = z.strictObject({ id: uint256.meta({ description: "the receivable's slot number" }) });
export const hashParams = z.strictObject({ hash: hash32.meta({ description: "the document hash" }) });
export const memberParams = z.strictObject({ address: address.meta({ description: "any address of the member" }) });
export const factorParams = z.strictObject({ address: address.meta({ description: "the factor's address" }) });
export const anchorParams = z.strictObject({ address: address.meta({ description: "the anchor's address" }) });

const minBlock = z
  .string()
  .regex(/^[0-9]{1,12}$/u, "a block number")
  .optional()
  .meta({ description: "wait (up to ten seconds) until the index has applied this block, e.g. the one a transaction just landed in" });

/** A page size in a query: digits matching `digits`, at most `max`. */
const pageLimit = (max: number, digits: RegExp) =>
  z
    .string()
    .regex(digits, `a whole number from 1 to ${max}`)
    .transform(Number)
    .refine((value) => value <= max, `at most ${max}`)
    .optional();

/** Every index read takes `minBlock`; other query parameters are ignored. */
export const minBlockQuery = z.looseObject({ minBlock });

export const portfolioQuery = z.looseObject({
  address: z.string().optional().meta({ description: "whose portfolio (default: the caller's); auditors and operators only for another's" }),
  limit: pageLimit(PORTFOLIO_PAGE_MAX, /^[1-9][0-9]{0,3}$/u).meta({
    description: `pieces per page (default ${PORTFOLIO_PAGE_DEFAULT}, at most ${PORTFOLIO_PAGE_MAX})`,
  }),
  cursor: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,77})\.(0|[1-9][0-9]{0,77})$/u, "the nextCursor of a previous page")
    .transform((text) => {
      const [value, tokenId] = text.split(".");
      return { value: BigInt(value), tokenId: BigInt(tokenId) };
    })
    .optional()
    .meta({ description: "the previous page's nextCursor" }),
  minBlock,
});

/** Rows per page of a member's activity or cash movements, and the most a client may ask for. */
export const ACTIVITY_PAGE_DEFAULT = 50;
export const ACTIVITY_PAGE_MAX = 200;

/** A page of a member's activity or cash movements: whose, how many, older than which row. */
export const activityQuery = z.strictObject({
  address: address.optional().meta({ description: "whose (default: the caller's); auditors and operators only for another's" }),
  limit: pageLimit(ACTIVITY_PAGE_MAX, /^[1-9][0-9]{0,2}$/u).meta({
    description: `rows per page (default ${ACTIVITY_PAGE_DEFAULT}, at most ${ACTIVITY_PAGE_MAX})`,
  }),
  before: z
    .string()
    .regex(/^[0-9]{12}\.[0-9]{6}\.[0-9]{6}$/u, "the nextBefore of a previous page")
    .optional()
    .meta({ description: "the previous page's nextBefore: rows older than it" }),
  minBlock,
});

export const fundingRequestsQuery = z.strictObject({
  as: z.enum(["factor", "holder"], { error: '"factor" or "holder"' }).optional().meta({ description: "holder (default) or factor" }),
  limit: pageLimit(REQUESTS_PAGE_MAX, /^[1-9][0-9]{0,2}$/u).meta({
    description: `requests per page as factor (default ${REQUESTS_PAGE_DEFAULT}, at most ${REQUESTS_PAGE_MAX})`,
  }),
  cursor: z.string().optional().meta({ description: "the previous page's nextCursor (the server holds it to its own format)" }),
});

/** The application's EIP-712 hash (its key in the store). */
export const applicationHashParams = z.strictObject({ hash: hash32.meta({ description: "the application's EIP-712 hash" }) });
export const applicantParams = z.strictObject({ address: address.meta({ description: "the applying address" }) });
/** An offer is one per factor and anchor: DELETE /v1/offers/{id} names the anchor's member id. */
export const offerAnchorParams = z.strictObject({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/u, "a member id: a whole number from 1")
    .transform(Number)
    .meta({ description: "the anchor's member id" }),
});
export const applicationListQuery = z.strictObject({
  state: z
    .enum(["pending", "admitted", "refused"], { error: '"pending", "admitted" or "refused"' })
    .optional()
    .meta({ description: "only applications in this state" }),
});
/** GET /v1/offers takes no query (a factor's own offers are GET /v1/offers/own). */
export const offerListQuery = z.strictObject({});
export const quoteQuery = z.strictObject({
  tokenId: uint256.meta({ description: "the piece to sell (the caller's)" }),
  value: uint256.optional().meta({ description: "minor units to sell (default: the whole piece)" }),
});

/** A membership application as the applying wallet signed it (EIP-712), and its signature. */
export { signedApplicationSchema, signedRefusalSchema, signedOfferSchema };

/** The body of POST /v1/auth/verify: the EIP-4361 message as signed, and the EIP-191 signature of it. */
export const signInBody = z.strictObject({
  message: z.string().min(1, "must not be empty").max(4096, "at most 4096 characters"),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/u, "a signature is 0x followed by 130 hex digits (65 bytes)"),
});

/** A holder's funding request as it signed it (EIP-712), amounts and ids as decimal strings. */
export const fundingRequestInput = z.strictObject({
  tokenId: uint256,
  value: uint256,
  minPrice: uint256,
  factor: address,
  withRecourse: z.boolean(),
  deadline: uint256,
  nonce: uint256,
});

export const fundingCheckBody = z.strictObject({ request: fundingRequestInput, holderSignature: signature, price: uint256 });
/** One stored funding request: its holder and the holder's nonce. */
export const fundingRequestParams = z.strictObject({
  holder: address.meta({ description: "the holder that signed the request" }),
  nonce: uint256.meta({ description: "the holder's nonce of the request" }),
});
/** A factor's refusal of a request addressed to it. */
export const declineBody = z.strictObject({
  reason: text(DECLINE_REASON_MAX)
    .refine((value) => value.length === 0 || value.trim().length > 0, "must say why (not only spaces)")
    .meta({ description: `why, in at most ${DECLINE_REASON_MAX} characters; the holder reads it` }),
});
export const fundingRequestBody = z.strictObject({ request: fundingRequestInput, holderSignature: signature });

/**
 * A transfer about to be sent, for the pre-check: the source piece, the recipient, the amount, and the trade's
 * invoice and waybill, each either inline (the fields as signed) or by the hash of a copy in the document store.
 */
export const transferCheckBody = z
  .strictObject({
    tokenId: uint256.meta({ description: "the piece the value is split off (its owner is the sender)" }),
    recipient: address.meta({ description: "who would receive the new piece" }),
    amount: uint256.refine((value) => value > 0n, "must be more than 0").meta({ description: "the value to send, in minor units (fen)" }),
    invoice: invoiceSchema.optional().meta({ description: "the invoice's fields as signed (or give invoiceHash)" }),
    invoiceHash: hash32.optional().meta({ description: "the hash of an invoice in the document store (or give invoice)" }),
    waybill: waybillSchema.optional().meta({ description: "the waybill's fields as signed (or give logisticsHash)" }),
    logisticsHash: hash32.optional().meta({ description: "the hash of a logistics proof in the document store (or give waybill)" }),
  })
  .superRefine((body, context) => {
    if ((body.invoice === undefined) === (body.invoiceHash === undefined)) {
      context.addIssue({ code: "custom", path: ["invoice"], message: "give either the invoice or invoiceHash, exactly one" });
    }
    if ((body.waybill === undefined) === (body.logisticsHash === undefined)) {
      context.addIssue({ code: "custom", path: ["waybill"], message: "give either the waybill or logisticsHash, exactly one" });
    }
  });

// ---------------------------------------------------------------------------------------------------------------
// Answers

export const fieldProblem = z.strictObject({ path: z.string(), message: z.string() });

/** The body of every error answer. */
export const errorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({ description: "a stable code a client may switch on" }),
    message: z.string(),
    fields: z.array(fieldProblem),
  }),
});

export const health = z.union([
  z.strictObject({ status: z.literal("ok"), chainId: decimal, block: int }),
  z.strictObject({ status: z.literal("unavailable"), chainId: decimal }),
]);

export const openApiBody = z.looseObject({ openapi: z.literal("3.1.0") }).meta({ description: "OpenAPI 3.1" });

export const nonce = z.strictObject({ nonce: z.string(), expiresAt: isoTime, domain: z.string(), uri: z.string(), chainId: decimal });
export const session = z.strictObject({ token: z.string(), address: addressOut, expiresAt: isoTime });
export const sessionInfo = z.strictObject({
  address: addressOut,
  memberId: int,
  roles: z.array(z.string()),
  active: z.boolean(),
  expiresAt: isoTime,
});

const documentKind = z.enum(["invoice", "logistics"]);
export const stored = z.strictObject({ hash: bytes32Out, kind: documentKind });
export const storedDocument = z.strictObject({
  hash: bytes32Out,
  kind: documentKind,
  document: z.record(z.string(), z.unknown()).meta({ description: "the document as uploaded (the upload schema of its kind)" }),
  uploadedBy: addressOut,
  uploadedAt: int,
});

/** A half filed in the documents' inbox (the seller's invoice, the carrier's waybill), as a list shows it. */
export const inboxEntry = z.strictObject({
  hash: bytes32Out.meta({ description: "the document hash the completed document will have (what the chain records)" }),
  kind: documentKind,
  number: z.string().meta({ description: "the invoice number, or the waybill number" }),
  issuerMemberId: int.meta({ description: "the seller (invoice) or the carrier (waybill) that filed it" }),
  addressedTo: z.array(int).meta({ description: "member ids it is addressed to: an invoice's buyer; a waybill's consignee and shipper" }),
  filedBy: addressOut,
  filedAt: int,
  completed: z.boolean().meta({ description: "the recipient has acknowledged it and the completed document is stored" }),
  total: nullable(decimal).meta({ description: "an invoice's total with tax, minor units; null for a waybill" }),
  currency: nullable(z.string()),
  reference: nullable(z.string()).meta({ description: "a waybill's invoice or order reference; an invoice's purchase order" }),
});
export const inbox = z.strictObject({ documents: z.array(inboxEntry) });
export const issuedDocument = z.strictObject({
  ...inboxEntry.shape,
  document: z.record(z.string(), z.unknown()).meta({ description: "the half as filed: the file a recipient would otherwise receive by hand" }),
});

export const member = z.strictObject({
  memberId: int,
  leiHash: bytes32Out,
  roles: z.array(z.string()),
  roleMask: int,
  status: z.enum(["NONE", "ACTIVE", "SUSPENDED"]),
  kycValidUntil: int.meta({ description: "unix seconds" }),
  accounts: z.array(addressOut),
});
export const members = z.strictObject({ members: z.array(member) });

const tradeProof = z.strictObject({ invoiceFingerprint: bytes32Out, invoiceHash: bytes32Out, logisticsHash: bytes32Out });

export const token = z.strictObject({
  tokenId: decimal,
  slot: decimal,
  rootId: decimal,
  parentId: decimal.meta({ description: "0 for a receivable's first piece" }),
  live: z.boolean().meta({ description: "false once burned (fully paid) or merged away" }),
  owner: nullable(addressOut),
  value: nullable(decimal),
  receivable: z.strictObject({
    anchorId: int,
    supplierId: int,
    faceValue: decimal,
    maturity: int.meta({ description: "unix seconds" }),
    currency: z.string(),
    pieceCount: int,
    documentsHash: bytes32Out,
  }),
  proof: nullable(z.strictObject({ kind: z.enum(["confirmation", "transfer"]), ...tradeProof.shape })).meta({
    description: "the documents behind the step that created the piece; null when it was split off without a proof",
  }),
});

const fundingOnChain = z.strictObject({
  fundingId: bytes32Out,
  soldTokenId: decimal,
  factor: addressOut,
  holder: addressOut,
  value: decimal,
  price: decimal,
  withRecourse: z.boolean(),
  blockNumber: int,
  transactionHash: bytes32Out,
});
const chainPlace = { blockNumber: int, logIndex: int, transactionHash: bytes32Out };

export const lineage = z.strictObject({
  tokenId: decimal,
  slot: decimal,
  steps: z.array(
    z.strictObject({
      index: int.meta({ description: "0 for the confirmation, then one per generation" }),
      kind: z.enum(["confirmation", "transfer", "funding", "split"]),
      tokenId: decimal,
      parentId: decimal,
      from: addressOut,
      to: addressOut,
      value: decimal,
      ...chainPlace,
      proof: tradeProof.optional(),
      funding: fundingOnChain.optional(),
      ownerChanges: z.array(z.strictObject({ from: addressOut, to: addressOut, ...chainPlace, funding: fundingOnChain.optional() })),
      mergedIn: z.array(z.strictObject({ fromTokenId: decimal, value: decimal, ...chainPlace })),
      valueOut: z.array(z.strictObject({ toTokenId: decimal, value: decimal, ...chainPlace })),
      burned: z.boolean(),
    }),
  ),
  asOfBlock: int,
});

export const attestation = z.strictObject({
  tokenId: decimal,
  holder: addressOut,
  factor: addressOut,
  value: decimal,
  price: decimal,
  invoiceHash: bytes32Out,
  logisticsHash: bytes32Out,
  tradeProofHash: bytes32Out,
  withRecourse: z.boolean(),
  deadline: decimal,
  nonce: decimal,
});

export const checkFailure = z.strictObject({
  code: z.string(),
  message: z.string(),
  step: int.optional().meta({ description: "the lineage step (0 = the anchor's confirmation) the failure belongs to" }),
  tokenId: decimal.optional(),
});

export const checkedStep = z.strictObject({
  step: int,
  kind: z.enum(["confirmation", "transfer"]),
  tokenId: decimal,
  from: addressOut,
  to: addressOut,
  value: decimal,
  invoiceHash: bytes32Out,
  logisticsHash: bytes32Out,
  invoiceFingerprint: bytes32Out,
  passed: z.boolean(),
});

export const attested = z.strictObject({
  attestation,
  signature: z.string(),
  signer: addressOut,
  fundingId: bytes32Out,
  asOfBlock: int,
  steps: z.array(checkedStep),
});
export const refused = z.strictObject({ failures: z.array(checkFailure), asOfBlock: int, steps: z.array(checkedStep) });

/** One way a transfer disagrees with its documents or the chain; the fields beyond code and message let a client say it in its own language. */
const failureOf = <C extends string, F extends z.ZodRawShape>(code: C, fields: F) =>
  z.strictObject({ code: z.literal(code), message: z.string(), ...fields });
export const transferFailure = z.discriminatedUnion("code", [
  failureOf("SELLER_NOT_RECIPIENT", {
    sellerMemberId: int,
    recipientMemberId: nullable(int).meta({ description: "null: the recipient is no member" }),
  }),
  failureOf("BUYER_NOT_SENDER", { buyerMemberId: int, senderMemberId: int }),
  failureOf("TOTAL_BELOW_AMOUNT", { total: decimal, amount: decimal }),
  failureOf("CURRENCY_MISMATCH", { invoiceCurrency: z.string(), pieceCurrency: z.string() }),
  failureOf("SHIPPER_NOT_SELLER", { shipperMemberId: int, sellerMemberId: int }),
  failureOf("CONSIGNEE_NOT_BUYER", { consigneeMemberId: int, buyerMemberId: int }),
  failureOf("CARRIER_NOT_INDEPENDENT", { carrierMemberId: int }),
  failureOf("WAYBILL_FOR_OTHER_INVOICE", { reference: z.string(), invoiceNumber: z.string(), purchaseOrder: z.string() }),
  failureOf("INVOICE_ALREADY_USED", { usedByTokenId: decimal }),
  failureOf("CREDIT_CODE_MISMATCH", { party: z.enum(["seller", "buyer"]), memberId: int, creditCode: z.string() }),
  failureOf("SELLER_NOT_MEMBER", { sellerAccount: addressOut }),
  failureOf("PIECE_NOT_LIVE", { tokenId: decimal }),
  failureOf("AMOUNT_ABOVE_PIECE", { pieceValue: decimal, amount: decimal }),
]);
export const transferCheck = z.strictObject({
  ok: z.boolean().meta({ description: "true when nothing failed: the verifier's checks of this step would pass on these documents" }),
  failures: z.array(transferFailure),
  asOfBlock: int.meta({ description: "the block the chain facts (owner, value, invoice use) were read at" }),
});

// The index's records

const asOf = {
  asOfBlock: int.meta({ description: "the last block the index has applied: the answer is as of it" }),
  asOfBlockHash: bytes32Out,
  asOfTimestamp: int.meta({ description: "that block's unix time" }),
  finalizedBlock: int.meta({ description: "blocks at or below this are final (head less the confirmation depth)" }),
  final: z.boolean().meta({ description: "whether every figure in the answer last changed at or below finalizedBlock" }),
};
const contractName = z.enum(["registry", "token", "currency", "settlement", "financing"]);

export const indexStatus = z.union([
  z.strictObject({
    ...asOf,
    head: int.meta({ description: "the chain head the indexer last saw" }),
    findingCount: int.meta({ description: "events the contracts emitted that the index could not place (kept as findings, not applied)" }),
    findings: z
      .array(z.strictObject({ code: z.string(), contract: contractName, event: z.string(), block: int, transactionHash: bytes32Out, logIndex: int }))
      .meta({ description: "the newest of them (at most 20), in chain order" }),
  }),
  z.strictObject({ asOfBlock: z.literal(-1), final: z.literal(false) }).meta({ description: "before the index's first block" }),
]);

export const tokenRecord = z.strictObject({
  tokenId: decimal,
  slot: decimal,
  owner: addressOut,
  value: decimal,
  parent: nullable(decimal).meta({ description: "0 for a receivable's first piece" }),
  status: z.enum(["live", "burned", "redeemed"]),
  received: decimal,
  tradeProof: nullable(tradeProof),
  createdAtBlock: int,
  updatedAtBlock: int,
});

export const slotRecord = z.strictObject({
  slot: decimal,
  anchorId: int,
  anchor: addressOut,
  supplierId: int,
  supplier: addressOut,
  faceValue: decimal,
  maturity: decimal.meta({ description: "unix seconds" }),
  currency: z.string(),
  invoiceHash: bytes32Out,
  logisticsHash: bytes32Out,
  invoiceFingerprint: bytes32Out,
  pieceCount: int,
  liveCount: int,
  repaid: decimal,
  claimed: decimal,
  redeemedValue: decimal,
  fundedValue: decimal,
  fundingCount: int,
  overdueFlagged: z.boolean(),
  overdueCured: z.boolean(),
  confirmedAtBlock: int,
  updatedAtBlock: int,
});

export const fundingRow = z.strictObject({
  fundingId: bytes32Out,
  tokenId: decimal.meta({ description: "the piece the holder sold from" }),
  fundedTokenId: decimal.meta({ description: "the piece the factor received" }),
  factor: addressOut,
  holder: addressOut,
  value: decimal,
  price: decimal,
  withRecourse: z.boolean(),
  recourseAmount: nullable(decimal),
  block: int,
  transactionHash: bytes32Out,
  updatedAtBlock: int,
});

export const pieceStatus = z.enum(["live", "funded", "repaid", "overdue"]);

/** A receivable's state at the answer's block (src/finance/pieceStatus.ts, Settlement's rules). */
export const debtState = z.enum(["current", "dueInGrace", "overdue", "writtenOff", "repaid"]);
const unixSeconds = decimal.meta({ description: "unix seconds" });

/**
 * Where a piece stands at the answer's block, by Settlement's own rules (src/finance/pieceStatus.ts): claimed +
 * claimable + awaitingMaturity + stillDue == the piece's value; claimable is what Settlement.claim would pay.
 */
export const pieceStanding = z
  .strictObject({
    state: z
      .enum([...debtState.options, "collected"])
      .meta({ description: "the receivable's state, or collected once the piece received its whole value" }),
    repaidShare: decimal.meta({ description: "floor(value × repaid / face): the piece's part of what the anchor repaid" }),
    claimed: decimal.meta({ description: "what settlement already paid on the piece" }),
    claimable: decimal.meta({ description: "what a claim would pay now" }),
    awaitingMaturity: decimal.meta({ description: "repaid share not claimable before maturity" }),
    stillDue: decimal.meta({ description: "what the anchor still owes on the piece: value less its repaid share" }),
    overdueSince: nullable(unixSeconds).meta({ description: "the first second overdue (maturity + grace + 1) while overdue or written off" }),
  })
  .meta({ description: "figures as of asOfBlock, at that block's time (asOfTimestamp)" });

export const portfolioPiece = z.strictObject({
  tokenId: decimal,
  slot: decimal,
  value: decimal,
  anchorId: int,
  anchor: nullable(addressOut),
  maturity: decimal,
  status: pieceStatus,
  repaid: decimal,
  faceValue: decimal,
  standing: pieceStanding,
});

const bucket = <K extends string, S extends z.ZodType>(key: K, schema: S) =>
  z.array(z.strictObject({ [key]: schema, count: int, value: decimal } as { [P in K]: S } & { count: typeof int; value: typeof decimal }));

export const portfolio = z.strictObject({
  owner: addressOut,
  asOfBlock: asOf.asOfBlock,
  asOfTimestamp: asOf.asOfTimestamp,
  final: asOf.final,
  pieces: z.array(portfolioPiece).meta({ description: "largest value first, then newest; a page of them" }),
  nextCursor: nullable(z.string()).meta({ description: "pass as cursor for the next page; null on the last" }),
  sold: z.array(z.strictObject({ ...fundingRow.shape, maturity: nullable(decimal), anchorId: nullable(int) })),
  totals: z.strictObject({
    count: int,
    value: decimal,
    soldValue: decimal,
    soldPrice: decimal,
    byAnchor: bucket("anchorId", int),
    byMaturity: bucket("maturity", decimal),
  }),
});

export const activityKind = z.enum([
  "confirmed",
  "received",
  "sent",
  "requested",
  "financed",
  "funded",
  "repaid",
  "claimed",
  "overdue",
  "recourseDemanded",
  "recoursePaid",
  "recourseReceived",
  "recourseRouted",
]);

/** Where a row happened: the log that made it, its transaction, its block and the block's time. */
const rowPlace = {
  checkpoint: z.string().meta({ description: "block.txIndex.logIndex of the log that made the row (pass as before for older rows)" }),
  transactionHash: bytes32Out,
  block: int,
  blockTime: nullable(int).meta({ description: "the block's unix time (null if the node could not say)" }),
};

export const activityRow = z.strictObject({
  kind: activityKind,
  tokenId: nullable(decimal).meta({ description: "the piece concerned, if any" }),
  slot: nullable(decimal).meta({ description: "the receivable concerned, if any" }),
  amount: decimal.meta({ description: "minor units: the value of a piece moved, or money paid or received" }),
  value: nullable(decimal).meta({ description: "for a funding, the value of the piece bought" }),
  counterparty: nullable(addressOut),
  ...rowPlace,
});

export const activityPage = z.strictObject({
  address: addressOut,
  asOfBlock: asOf.asOfBlock,
  final: asOf.final,
  rows: z.array(activityRow).meta({ description: "newest first" }),
  nextBefore: nullable(z.string()).meta({ description: "pass as before for the next (older) page; null on the last" }),
});

export const cashKind = z.enum([
  "fundingReceived",
  "fundingPaid",
  "repayment",
  "claim",
  "recoursePaid",
  "recourseReceived",
  "recourseRouted",
  "issued",
  "redeemed",
  "transfer",
]);

export const cashMovement = z.strictObject({
  kind: cashKind,
  direction: z.enum(["in", "out"]),
  amount: decimal,
  counterparty: nullable(addressOut).meta({ description: "the other side; null for deposits issued or redeemed" }),
  counterpartySystem: nullable(z.enum(["settlement", "financing"])).meta({ description: "the other side is this system contract" }),
  tokenId: nullable(decimal),
  slot: nullable(decimal),
  ...rowPlace,
});

export const cashPage = z.strictObject({
  address: addressOut,
  asOfBlock: asOf.asOfBlock,
  final: asOf.final,
  balance: decimal.meta({ description: "settlement-currency balance, minor units" }),
  movements: z.array(cashMovement).meta({ description: "newest first" }),
  nextBefore: nullable(z.string()).meta({ description: "pass as before for the next (older) page; null on the last" }),
});

export const stepChecks = z.strictObject({
  passed: z.boolean(),
  failures: z.array(checkFailure),
  detailsHidden: z
    .literal(true)
    .optional()
    .meta({ description: "present when the caller may not see the failure messages (each replaced by a fixed sentence)" }),
});

export const treeNode = z.strictObject({ ...tokenRecord.shape, checks: nullable(stepChecks) });

export const pieceTree = z.strictObject({
  asOfBlock: asOf.asOfBlock,
  final: asOf.final,
  focus: decimal,
  ancestors: z.array(decimal).meta({ description: "the focus piece's ancestors, parent first" }),
  descendants: z.array(decimal).meta({ description: "every piece split off the focus piece, breadth first" }),
  slot: slotRecord,
  truncated: z.boolean().meta({ description: "the tree has more than 60 pieces and was cut" }),
  nodes: z.array(treeNode),
  fundings: z.array(fundingRow),
  documentNumbers: z
    .record(z.string(), z.string())
    .meta({ description: "invoice or waybill number by document hash, for the documents of the pieces whose details the caller may see" }),
});

export const pieceHistory = z.strictObject({
  ...asOf,
  tokenId: decimal,
  entries: z.array(
    z.strictObject({
      blockNumber: int,
      transactionHash: bytes32Out,
      transactionIndex: int,
      logIndex: int,
      contract: contractName,
      event: z
        .looseObject({ contract: contractName, name: z.string() })
        .meta({ description: "the decoded event: its contract, its name and its arguments (bigints as decimal strings)" }),
    }),
  ),
});

export const factorBook = z.strictObject({
  ...asOf,
  factor: addressOut,
  totals: z.strictObject({ fundings: int, value: decimal, price: decimal, recourse: decimal }),
  fundings: z.array(
    z.strictObject({
      ...fundingRow.shape,
      piece: nullable(tokenRecord),
      maturity: nullable(decimal),
      anchorId: nullable(int),
      status: pieceStatus,
      due: decimal.meta({ description: "what the anchor still owes on the funded piece (standing.stillDue): 0 once the receivable is fully repaid" }),
      standing: pieceStanding,
    }),
  ),
  nextAfter: nullable(z.string()),
});

export const obligations = z.strictObject({
  anchor: addressOut,
  asOfBlock: int,
  asOfTimestamp: int.meta({ description: "the index block's unix time, at which state and overdueSince are computed" }),
  final: z.boolean(),
  receivables: z.array(
    z.strictObject({
      ...slotRecord.shape,
      outstanding: decimal,
      overdue: z.boolean(),
      fullyRepaid: z.boolean(),
      state: debtState,
      overdueSince: nullable(unixSeconds).meta({ description: "the first second overdue (maturity + grace + 1) while overdue or written off" }),
    }),
  ),
  outstanding: decimal,
});

export const slotSummary = z.strictObject({
  ...asOf,
  slot: slotRecord,
  outstanding: decimal,
  liveValue: decimal.meta({ description: "face value less what was redeemed" }),
  fullyRepaid: z.boolean(),
  overdue: z.boolean().meta({ description: "past maturity plus the grace period at asOfTimestamp with something unpaid" }),
});

// The record behind a funding decision (issue 19 part 2; src/indexer/risk.ts)

/** The newest refusals a supplier's record lists. */
export const RECORD_REFUSALS_LISTED = 20;
export const supplierParams = z.strictObject({ address: address.meta({ description: "any address of the supplier" }) });

const riskTally = z.strictObject({ count: int, value: decimal.meta({ description: "face value, in fen" }) });

export const anchorRecord = z.strictObject({
  ...asOf,
  anchor: addressOut,
  anchorId: nullable(int).meta({ description: "null when no member holds the address" }),
  gracePeriod: decimal.meta({ description: "Settlement's grace period in force, seconds" }),
  confirmed: riskTally,
  matured: riskTally.meta({ description: "receivables whose maturity is at or before asOfTimestamp" }),
  repaidOnTime: riskTally.meta({ description: "repaid in full at or before maturity" }),
  repaidLate: z
    .strictObject({
      ...riskTally.shape,
      beyondGrace: int.meta({ description: "of them, completed after maturity plus the grace period in force (they had been overdue)" }),
      maxDaysLate: int,
      totalDaysLate: int,
      averageDaysLate: nullable(z.string()).meta({ description: 'one decimal, e.g. "2.5"; null when none was late' }),
    })
    .meta({
      description: "repaid in full after maturity; days late are started days after maturity of the completing repayment (the credit report's rule)",
    }),
  dueInGrace: z.strictObject({ ...riskTally.shape, amount: decimal.meta({ description: "unpaid" }) }),
  overdue: z.strictObject({ ...riskTally.shape, amount: decimal.meta({ description: "unpaid" }), maxDaysPastDue: int }),
  outstanding: decimal.meta({ description: "confirmed less repaid" }),
  line: nullable(z.strictObject({ limit: decimal, reviewDate: decimal, used: decimal, free: decimal, percentUsed: nullable(int) })).meta({
    description: "the credit line as last set; null if never set",
  }),
  truncated: z.boolean().meta({ description: "the anchor has more receivables than the record reads; the oldest are counted" }),
});

const relationship = z.strictObject({
  memberId: int.meta({ description: "the counterparty member (0: an address no member holds now)" }),
  addresses: z.array(addressOut),
  asSeller: riskTally.meta({ description: "what the supplier sold to it" }),
  asBuyer: riskTally.meta({ description: "what the supplier bought from it" }),
  firstTradeAt: int.meta({ description: "unix seconds of the first verified trade" }),
  lastTradeAt: int,
  days: int.meta({ description: "whole days from the first trade to asOfTimestamp" }),
});

export const supplierRecord = z.strictObject({
  ...asOf,
  supplier: addressOut,
  memberId: nullable(int),
  asSeller: riskTally.meta({ description: "verified trades (confirmations and transfers with proof) in which the supplier sold" }),
  asBuyer: riskTally.meta({ description: "verified trades in which the supplier paid with a piece" }),
  relationships: z.array(relationship).meta({ description: "by counterparty member, the longest-running first" }),
  refusals: z.strictObject({
    total: int.meta({ description: "refused funding checks of requests the supplier signed (see the route's description)" }),
    byCode: z.array(z.strictObject({ code: z.string(), count: int })),
    recent: z
      .array(
        z.strictObject({
          tokenId: decimal,
          codes: z.array(z.string()),
          at: int.meta({ description: "unix seconds" }),
          factor: nullable(addressOut).meta({ description: "null unless the caller may see which factor refused" }),
        }),
      )
      .meta({ description: `the newest ${RECORD_REFUSALS_LISTED}` }),
    truncated: z.boolean(),
  }),
  truncated: z.boolean().meta({ description: "more trades than the record reads" }),
});

const exposureBucket = {
  count: int,
  value: decimal.meta({ description: "face value of the pieces held" }),
  due: decimal.meta({ description: "value less what settlement already paid on them" }),
  overdue: decimal.meta({ description: "the part of due on receivables overdue at asOfTimestamp" }),
};

export const factorExposure = z.strictObject({
  ...asOf,
  factor: addressOut,
  total: z.strictObject(exposureBucket),
  byAnchor: z.array(
    z.strictObject({
      anchorId: int,
      anchor: addressOut,
      ...exposureBucket,
      appetite: nullable(decimal).meta({ description: "the appetite of the factor's current offer for this anchor; null when it has none" }),
    }),
  ),
  byMonth: z.array(z.strictObject({ month: z.string().meta({ description: "YYYY-MM of maturity, China Standard Time" }), ...exposureBucket })),
  appetite: nullable(decimal).meta({ description: "the sum of the appetites of the factor's current offers; null when it has none" }),
  truncated: z.boolean(),
});

// The funding-request inbox

export const requestState = z.enum(["waiting", "checked", "funded", "declined", "withdrawn", "expired", "lapsed"]).meta({
  description:
    "waiting and checked are open (in the factor's inbox); funded, declined, withdrawn, expired and lapsed are closed " +
    "(lapsed: the holder sent the same nonce to several factors and another one funded it)",
});

const recordedCheck = z.strictObject({
  at: int.meta({ description: "chain time of the check, unix seconds" }),
  passed: z.boolean(),
  failures: z.array(checkFailure).meta({ description: "what failed; a failure of a step the holder was no party to carries a fixed message" }),
});

export const storedFundingRequest = z.strictObject({
  holder: addressOut,
  request: z.strictObject({
    tokenId: decimal,
    value: decimal,
    minPrice: decimal,
    factor: addressOut,
    withRecourse: z.boolean().meta({ description: "the holder's signed choice; the attestation and the funding carry the same" }),
    deadline: decimal,
    nonce: decimal,
  }),
  holderSignature: z.string(),
  submittedAt: int.meta({ description: "unix seconds" }),
  sequence: int.optional().meta({ description: "arrival order (unix ms, unique)" }),
  check: recordedCheck.optional().meta({ description: "the addressed factor's last funding check of the request" }),
  declined: z.strictObject({ at: int, reason: z.string() }).optional().meta({ description: "the addressed factor's refusal and its reason" }),
  closed: z
    .strictObject({ state: z.enum(["funded", "declined", "withdrawn", "expired", "lapsed"]), at: int, sequence: int })
    .optional()
    .meta({ description: "when the API found the request closed (chain time, unix seconds)" }),
  state: requestState,
});

export const fundingRequests = z.strictObject({
  requests: z.array(storedFundingRequest),
  nextCursor: nullable(z.string()).optional().meta({ description: "as factor: the next page's cursor, null on the last" }),
  closed: z
    .array(storedFundingRequest)
    .optional()
    .meta({ description: "as factor, on the first page: the requests to the caller closed most recently, newest first" }),
});
export const submittedRequest = z.strictObject({ holder: addressOut, nonce: decimal });

// Onboarding: applications, refusals, the directory

export const applicationState = z.enum(["pending", "admitted", "refused"]).meta({
  description:
    "read from the registry: admitted when the applying address belongs to a member with the application's legal-entity hash; refused when an operator's signed refusal is stored; pending otherwise",
});

/** An application as filed (the applicant's signed fields). */
export const applicationOut = z.strictObject({
  applicant: addressOut,
  nameZh: z.string(),
  nameEn: z.string(),
  creditCode: z.string(),
  roles: int.meta({ description: "the role bitmask asked for (OPERATOR 1, ANCHOR 2, SUPPLIER 4, FACTOR 8, CARRIER 16, VERIFIER 32, AUDITOR 64)" }),
  contacts: z.array(z.strictObject({ name: z.string(), email: z.string(), phone: z.string() })),
  addresses: z.array(addressOut),
  filedAt: int.meta({ description: "unix seconds" }),
});

export const applicationView = z.strictObject({
  hash: bytes32Out,
  application: applicationOut,
  signature: z.string(),
  receivedAt: int.meta({ description: "unix seconds (the API's clock)" }),
  state: applicationState,
  roles: z.array(z.string()),
  leiHash: bytes32Out.meta({ description: "the legal-entity hash admit takes: keccak256 of the credit code" }),
  refusal: nullable(
    z.strictObject({
      refusal: z.strictObject({ application: bytes32Out, reason: z.string(), refusedAt: int }),
      signature: z.string(),
      operator: addressOut,
      receivedAt: int,
    }),
  ),
  duplicates: z
    .array(z.strictObject({ hash: bytes32Out, applicant: addressOut, nameEn: z.string(), nameZh: z.string(), state: applicationState }))
    .meta({ description: "other applications naming the same credit code" }),
  addressesTaken: z
    .array(z.strictObject({ address: addressOut, memberId: int }))
    .meta({ description: "addresses of the application that already belong to a member" }),
});
export const applications = z.strictObject({ applications: z.array(applicationView).meta({ description: "newest first" }) });
export const filedApplication = z.strictObject({ hash: bytes32Out, state: applicationState });

export const applicantStatus = z.strictObject({
  applicant: addressOut,
  memberId: int.meta({ description: "0 while the address belongs to no member" }),
  applications: z.array(
    z.strictObject({
      hash: bytes32Out,
      nameZh: z.string(),
      nameEn: z.string(),
      creditCode: z.string(),
      roles: z.array(z.string()),
      filedAt: int,
      state: applicationState,
      refusal: nullable(z.strictObject({ reason: z.string(), refusedAt: int })),
    }),
  ),
});

export const directoryEntry = z.strictObject({
  ...member.shape,
  nameZh: nullable(z.string()).meta({ description: "from the member's admitted application; null when it was admitted without one" }),
  nameEn: nullable(z.string()),
  creditCode: nullable(z.string()).meta({
    description: "the unified social credit code of that application (its hash is the member's leiHash); what invoices name it by",
  }),
  application: nullable(bytes32Out).meta({ description: "the hash of the application the names come from" }),
});
export const directory = z.strictObject({ members: z.array(directoryEntry) });

// The verifier's journal

const journalEntry = z.strictObject({
  sequence: int,
  at: int.meta({ description: "unix seconds" }),
  tokenId: decimal,
  holder: z.string().meta({ description: "the holder's address; empty for a refused check" }),
  factor: addressOut,
  value: decimal,
  price: decimal,
  withRecourse: z.boolean(),
  asOfBlock: int,
  outcome: z.union([
    z.strictObject({ signed: z.literal(true), signer: addressOut, fundingId: bytes32Out, deadline: decimal }),
    z.strictObject({ signed: z.literal(false), failures: z.array(z.strictObject({ code: z.string(), message: z.string(), step: int.optional() })) }),
  ]),
});

export const verifierJournal = z.strictObject({
  address: nullable(addressOut).meta({ description: "the key this API's verifier signs with; null when it cannot say" }),
  standing: nullable(
    z.strictObject({
      memberId: int,
      roles: z.array(z.string()),
      active: z.boolean(),
      status: z.enum(["NONE", "ACTIVE", "SUSPENDED"]),
      kycValidUntil: int,
    }),
  ),
  requiredVerifiers: int,
  attestations: z.array(journalEntry).meta({ description: "recent first" }),
  refusals: z.array(journalEntry).meta({ description: "recent first" }),
});

// Factors' offers

export const offerOut = z.strictObject({
  factor: addressOut,
  anchorId: int,
  rateBps: int.meta({ description: "discount rate, basis points a year (ACT/360)" }),
  maxTenorDays: int,
  minValue: decimal,
  maxValue: decimal,
  appetite: decimal.meta({ description: "the most the factor holds of this anchor's pieces at once" }),
  validUntil: int.meta({ description: "unix seconds" }),
  issuedAt: int.meta({ description: "unix seconds" }),
});
const offerView = { offer: offerOut, hash: bytes32Out, signature: z.string(), receivedAt: int };
export const offerEntry = z.strictObject(offerView);
export const offers = z.strictObject({ offers: z.array(offerEntry) });
export const ownOffer = z.strictObject({
  ...offerView,
  current: z.boolean().meta({ description: "its validity date is ahead (chain time)" }),
  remaining: decimal.meta({ description: "the appetite less the value of the anchor's pieces the factor holds now" }),
  requests: z.array(storedFundingRequest).meta({ description: "live requests for this anchor's pieces waiting for the factor" }),
});
export const ownOffers = z.strictObject({ offers: z.array(ownOffer) });
export const publishedOffer = z.strictObject({ offer: offerOut, hash: bytes32Out, replaced: z.boolean() });
export const quote = z.strictObject({
  ...offerView,
  price: decimal.meta({ description: "what the offer pays for the value to maturity" }),
  remaining: decimal,
});
export const quotes = z.strictObject({
  piece: z.strictObject({ tokenId: decimal, value: decimal, anchorId: int, maturity: decimal, days: decimal }),
  asOf: decimal.meta({ description: "the chain time the prices are computed at" }),
  quotes: z.array(quote).meta({ description: "best price first" }),
  unfit: z
    .array(z.strictObject({ factor: addressOut, reason: z.string() }))
    .meta({ description: "current offers for the anchor that do not fit, and why" }),
});

// The dApp's server (npm start): where the chain is and who is who

export const dappConfig = z.strictObject({
  chainId: decimal,
  rpcUrl: nullable(z.string()).meta({ description: "a JSON-RPC URL the browser may use (the local node), or null" }),
  addresses: z.strictObject({
    registry: addressOut,
    receivableToken: addressOut,
    settlementToken: addressOut,
    settlement: addressOut,
    financing: addressOut,
  }),
  demoAccounts: z
    .array(z.strictObject({ address: addressOut, privateKey: z.string(), name: z.string(), nameZh: z.string(), role: z.string() }))
    .meta({
      description:
        "on the local chain only: development accounts the dApp may sign with (the demo cast, or on an empty consortium the operator and keys to apply with); names come from GET /v1/directory",
    }),
});

// Types the clients read (answers as they arrive: bigints as strings)

export type ErrorBody = z.output<typeof errorBody>;
export type FieldProblemJson = z.output<typeof fieldProblem>;
export type NonceJson = z.output<typeof nonce>;
export type SignedInJson = z.output<typeof session>;
export type SessionJson = z.output<typeof sessionInfo>;
export type MemberJson = z.output<typeof member>;
export type TokenJson = z.output<typeof token>;
export type PieceStatus = z.output<typeof pieceStatus>;
export type PortfolioJson = z.output<typeof portfolio>;
export type ActivityPageJson = z.output<typeof activityPage>;
export type ActivityRowJson = z.output<typeof activityRow>;
export type CashPageJson = z.output<typeof cashPage>;
export type CashMovementJson = z.output<typeof cashMovement>;
export type PortfolioPieceJson = z.output<typeof portfolioPiece>;
export type PieceStandingJson = z.output<typeof pieceStanding>;
export type DebtState = z.output<typeof debtState>;
export type FundingRowJson = z.output<typeof fundingRow>;
export type CheckFailureJson = z.output<typeof checkFailure>;
export type TreeNodeJson = z.output<typeof treeNode>;
export type SlotRecordJson = z.output<typeof slotRecord>;
export type PieceTreeJson = z.output<typeof pieceTree>;
export type StoredFundingRequestJson = z.output<typeof storedFundingRequest>;
export type AttestedJson = z.output<typeof attested>;
export type RefusedJson = z.output<typeof refused>;
export type FactorBookJson = z.output<typeof factorBook>;
export type ObligationsJson = z.output<typeof obligations>;
export type StoredDocumentJson = z.output<typeof storedDocument>;
export type InboxEntryJson = z.output<typeof inboxEntry>;
export type DappConfig = z.output<typeof dappConfig>;
export type ApplicationStateJson = z.output<typeof applicationState>;
export type ApplicationViewJson = z.output<typeof applicationView>;
export type ApplicantStatusJson = z.output<typeof applicantStatus>;
export type DirectoryEntryJson = z.output<typeof directoryEntry>;
export type VerifierJournalJson = z.output<typeof verifierJournal>;
export type JournalEntryJson = z.output<typeof journalEntry>;
export type OfferJson = z.output<typeof offerOut>;
export type OfferEntryJson = z.output<typeof offerEntry>;
export type OwnOfferJson = z.output<typeof ownOffer>;
export type QuotesJson = z.output<typeof quotes>;
export type QuoteJson = z.output<typeof quote>;
export type AnchorRecordJson = z.output<typeof anchorRecord>;
export type SupplierRecordJson = z.output<typeof supplierRecord>;
export type FactorExposureJson = z.output<typeof factorExposure>;
export type FundingRequestWire = z.input<typeof fundingRequestInput>;
export type RequestStateJson = z.output<typeof requestState>;
export type TransferCheckJson = z.output<typeof transferCheck>;
export type TransferFailureJson = z.output<typeof transferFailure>;
export type TransferCheckWire = z.input<typeof transferCheckBody>;
