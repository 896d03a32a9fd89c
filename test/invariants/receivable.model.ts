/**
 * A TypeScript model of the receivable token and the parts of the member registry it consults, and the
 * fast-check generators of random operations on it. The property test
 * (`receivable.property.test.ts`) draws a sequence of `Op`s, resolves each against the model into a
 * concrete `Action` (which token, which amount, which fingerprint), asks the model to predict the outcome
 * (`transition`, which also applies the change when it predicts success), sends the same call to the chain
 * and compares.
 *
 * Extending it (fund / repay / claim later): add an `Op` variant and its arbitrary in `opArbitrary`, an
 * `Action` variant and its resolution in `resolve`, and a prediction in `transition`. Revert predictions
 * must follow the contract's order of checks exactly: the test asserts the custom error's name.
 */
import fc from "fast-check";
import { AbiCoder, id, keccak256 } from "ethers";
import { Role, roleMask, tokenIdOf } from "../../src/chain/roles";
import { invoiceFingerprint } from "../../src/proofs/fingerprint";

export const DAY_SECONDS = 86_400n;
export const MAX_UINT64 = (1n << 64n) - 1n;
/** `ReceivableToken.MAX_TENOR`. */
export const MAX_TENOR = 3650n * DAY_SECONDS;

/** Roles that may hold pieces (`ReceivableToken._HOLDER_ROLES`). */
export const HOLDER_ROLES: number = roleMask(Role.SUPPLIER, Role.FACTOR);
const ANCHOR_ROLE: number = roleMask(Role.ANCHOR);
const SUPPLIER_ROLE: number = roleMask(Role.SUPPLIER);

// ---------------------------------------------------------------------------------------------------------
// Model state
// ---------------------------------------------------------------------------------------------------------

export type MemberStatus = "ACTIVE" | "SUSPENDED";

/** An account the test can sign with: a member's only address, or an outsider (memberId 0). */
export interface ActorModel {
  readonly name: string;
  readonly address: string;
  /** 0 for an account that belongs to no member. */
  readonly memberId: number;
  /** Role bitmask as the registry stores it; 0 for a non-member. */
  readonly roles: number;
  status: MemberStatus;
  /** Unix seconds; 0 for a non-member. */
  readonly kycValidUntil: bigint;
  /** The legal-entity-id hash invoice fingerprints of this seller are made from. */
  readonly leiHash: string;
}

/** One piece (token) ever created. Burned pieces stay in the model with `live` false and value 0. */
export interface PieceModel {
  readonly tokenId: bigint;
  readonly slot: bigint;
  /** Actor index of the owner; for a burned piece, the owner when it was burned. */
  owner: number;
  value: bigint;
  /** The token it was split from; 0 for a slot's first piece. */
  readonly parent: bigint;
  live: boolean;
}

/** One confirmed receivable. */
export interface SlotModel {
  readonly slot: bigint;
  readonly supplier: number;
  readonly faceValue: bigint;
  readonly maturity: bigint;
  /** The highest piece sequence used so far (the chain's `pieceCount`). */
  lastSeq: bigint;
}

export interface ReceivableModel {
  /** Every account the test uses. Indices are what `Op`s and `Action`s refer to. */
  readonly actors: readonly ActorModel[];
  /** Index of the anchor in `actors`. */
  readonly anchor: number;
  readonly operatorAddress: string;
  readonly operatorKycValidUntil: bigint;
  /** The block timestamp the next transaction will be mined with. */
  now: bigint;
  paused: boolean;
  /** `slots[i].slot === BigInt(i + 1)`. */
  readonly slots: SlotModel[];
  /** Every piece ever created, in creation order, by token id. */
  readonly pieces: Map<bigint, PieceModel>;
  /** Fingerprint -> the token it backs, for every fingerprint a successful call consumed. */
  readonly invoiceUses: Map<string, bigint>;
  /** Fingerprints offered only in calls that reverted: the chain must not have recorded them. */
  readonly unusedFingerprints: Set<string>;
  /** Source of fresh invoice numbers. */
  invoiceCounter: number;
}

export interface ModelSetup {
  readonly actors: readonly ActorModel[];
  readonly anchor: number;
  readonly operatorAddress: string;
  readonly operatorKycValidUntil: bigint;
  readonly now: bigint;
}

export function initialModel(setup: ModelSetup): ReceivableModel {
  return {
    actors: setup.actors.map((actor): ActorModel => ({ ...actor })),
    anchor: setup.anchor,
    operatorAddress: setup.operatorAddress,
    operatorKycValidUntil: setup.operatorKycValidUntil,
    now: setup.now,
    paused: false,
    slots: [],
    pieces: new Map<bigint, PieceModel>(),
    invoiceUses: new Map<string, bigint>(),
    unusedFingerprints: new Set<string>(),
    invoiceCounter: 0,
  };
}

export function livePieces(model: ReceivableModel): PieceModel[] {
  return [...model.pieces.values()].filter((piece) => piece.live);
}

export function burnedPieces(model: ReceivableModel): PieceModel[] {
  return [...model.pieces.values()].filter((piece) => !piece.live);
}

export function totalLiveValue(model: ReceivableModel): bigint {
  return livePieces(model).reduce((sum, piece) => sum + piece.value, 0n);
}

/** Active at time `at`: a member, not suspended, KYC not lapsed (`MemberRegistry._isActive`). */
export function isActive(actor: ActorModel, at: bigint): boolean {
  return actor.memberId !== 0 && actor.status === "ACTIVE" && at < actor.kycValidUntil;
}

function activeWithAnyRole(actor: ActorModel, at: bigint, mask: number): boolean {
  return isActive(actor, at) && (actor.roles & mask) !== 0;
}

export function isHolder(actor: ActorModel): boolean {
  return (actor.roles & HOLDER_ROLES) !== 0;
}

// ---------------------------------------------------------------------------------------------------------
// Operations (what fast-check generates) and actions (operations resolved against the model)
// ---------------------------------------------------------------------------------------------------------

/** Which token an operation works on: `pick` indexes the live (or, when `burned`, the burned) pieces. */
export interface TokenChoice {
  readonly pick: number;
  readonly burned: boolean;
}

/** The target of a merge, relative to the source. */
export interface TargetChoice {
  /** sameSlot: another live piece of the source's slot if any; anyLive: any other live piece. */
  readonly mode: "sameSlot" | "anyLive" | "self" | "burned";
  readonly pick: number;
}

/** How much of the source's value to move. */
export type AmountChoice =
  | { readonly kind: "zero" }
  | { readonly kind: "all" }
  | { readonly kind: "part"; readonly seed: bigint }
  | { readonly kind: "more"; readonly extra: bigint };

/** A fresh invoice, one the model saw consumed (must revert), or one offered before in a reverted call. */
export type FingerprintChoice =
  | { readonly kind: "fresh" }
  | { readonly kind: "reuse"; readonly pick: number }
  | { readonly kind: "retry"; readonly pick: number };

export type Op =
  | {
      readonly kind: "confirm";
      readonly supplier: number;
      readonly faceValue: bigint;
      readonly maturityDays: number;
      readonly fingerprint: FingerprintChoice;
    }
  | { readonly kind: "split"; readonly source: TokenChoice; readonly to: number; readonly amount: AmountChoice }
  | {
      readonly kind: "transferWithProof";
      readonly source: TokenChoice;
      readonly to: number;
      readonly amount: AmountChoice;
      readonly fingerprint: FingerprintChoice;
    }
  | { readonly kind: "merge"; readonly source: TokenChoice; readonly target: TargetChoice; readonly amount: AmountChoice }
  | { readonly kind: "transferWhole"; readonly source: TokenChoice; readonly to: number }
  | { readonly kind: "suspend"; readonly member: number; readonly anyMember: boolean }
  | { readonly kind: "reinstate"; readonly member: number; readonly anyMember: boolean }
  | { readonly kind: "pause"; readonly redundant: boolean }
  | { readonly kind: "unpause"; readonly redundant: boolean }
  | { readonly kind: "advanceTime"; readonly seconds: bigint };

/** The documents of one invoice: what a confirmation or trade proof carries. */
export interface InvoiceDocuments {
  readonly invoiceFingerprint: string;
  readonly invoiceHash: string;
  readonly logisticsHash: string;
}

export type Action =
  | {
      readonly kind: "confirm";
      readonly supplier: number;
      readonly faceValue: bigint;
      readonly maturity: bigint;
      readonly documents: InvoiceDocuments;
    }
  | { readonly kind: "split"; readonly caller: number; readonly from: bigint; readonly to: number; readonly value: bigint }
  | {
      readonly kind: "transferWithProof";
      readonly caller: number;
      readonly from: bigint;
      readonly to: number;
      readonly value: bigint;
      readonly documents: InvoiceDocuments;
    }
  | { readonly kind: "merge"; readonly caller: number; readonly from: bigint; readonly target: bigint; readonly value: bigint }
  | { readonly kind: "transferWhole"; readonly caller: number; readonly tokenId: bigint; readonly to: number }
  | { readonly kind: "suspend"; readonly member: number }
  | { readonly kind: "reinstate"; readonly member: number }
  | { readonly kind: "pause" }
  | { readonly kind: "unpause" }
  | { readonly kind: "advanceTime"; readonly seconds: bigint };

/** An argument of a custom error, as ethers decodes it (addresses and bytes32 as hex strings). */
export type ErrorArgument = bigint | string;

/** What the model expects of a call: success, or a revert with this custom error (and arguments) of this contract. */
export type Outcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly contract: "token" | "registry"; readonly error: string; readonly args: readonly ErrorArgument[] };

const SUCCESS: Outcome = { ok: true };

function tokenError(error: string, ...args: ErrorArgument[]): Outcome {
  return { ok: false, contract: "token", error, args };
}

function registryError(error: string, ...args: ErrorArgument[]): Outcome {
  return { ok: false, contract: "registry", error, args };
}

/** `IMemberRegistry.MemberStatus` as a number. */
function statusCode(status: MemberStatus): bigint {
  return status === "ACTIVE" ? 1n : 2n;
}

// ---------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------

/** Who is who in the actor list, so that generators can favour counterparties that may succeed. */
export interface ActorLayout {
  readonly actorCount: number;
  /** Members with a holder role (SUPPLIER or FACTOR). */
  readonly holders: readonly number[];
  /** Members with the SUPPLIER role. */
  readonly suppliers: readonly number[];
}

export function layoutOf(actors: readonly ActorModel[]): ActorLayout {
  const indices = (keep: (actor: ActorModel) => boolean): number[] =>
    actors.map((actor, index) => (keep(actor) ? index : -1)).filter((index) => index >= 0);
  return {
    actorCount: actors.length,
    holders: indices((actor) => actor.memberId !== 0 && isHolder(actor)),
    suppliers: indices((actor) => actor.memberId !== 0 && (actor.roles & SUPPLIER_ROLE) !== 0),
  };
}

/** Mostly one of `likely`, sometimes any actor at all (non-members and members without the role included). */
function counterpartyArbitrary(layout: ActorLayout, likely: readonly number[]): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...likely) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: layout.actorCount - 1 }) },
  );
}

/** Face values in minor units: small, ordinary, around 2^63, at the 64-bit limit, and a few invalid ones. */
export function faceValueArbitrary(): fc.Arbitrary<bigint> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 5n }) },
    { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 1_000_000_000n }) },
    { weight: 3, arbitrary: fc.bigInt({ min: (1n << 63n) - 1_000n, max: (1n << 63n) + 1_000n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: MAX_UINT64 - 1_000n, max: MAX_UINT64 }) },
    { weight: 1, arbitrary: fc.constantFrom(0n, MAX_UINT64 + 1n, 1n << 255n) },
  );
}

function amountArbitrary(): fc.Arbitrary<AmountChoice> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<AmountChoice>({ kind: "zero" }) },
    { weight: 3, arbitrary: fc.constant<AmountChoice>({ kind: "all" }) },
    {
      weight: 6,
      arbitrary: fc.bigInt({ min: 0n, max: 1n << 70n }).map((seed): AmountChoice => ({ kind: "part", seed })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.bigInt({ min: 0n, max: 3n }), fc.constantFrom(1n << 64n, 1n << 200n))
        .map((extra): AmountChoice => ({ kind: "more", extra })),
    },
  );
}

function fingerprintArbitrary(): fc.Arbitrary<FingerprintChoice> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant<FingerprintChoice>({ kind: "fresh" }) },
    { weight: 2, arbitrary: fc.nat().map((pick): FingerprintChoice => ({ kind: "reuse", pick })) },
    { weight: 1, arbitrary: fc.nat().map((pick): FingerprintChoice => ({ kind: "retry", pick })) },
  );
}

function tokenArbitrary(): fc.Arbitrary<TokenChoice> {
  return fc.record({ pick: fc.nat(), burned: fc.integer({ min: 0, max: 11 }).map((n) => n === 0) });
}

function targetArbitrary(): fc.Arbitrary<TargetChoice> {
  return fc.record({
    mode: fc.oneof(
      { weight: 6, arbitrary: fc.constant<TargetChoice["mode"]>("sameSlot") },
      { weight: 3, arbitrary: fc.constant<TargetChoice["mode"]>("anyLive") },
      { weight: 1, arbitrary: fc.constant<TargetChoice["mode"]>("self") },
      { weight: 1, arbitrary: fc.constant<TargetChoice["mode"]>("burned") },
    ),
    pick: fc.nat(),
  });
}

function maturityDaysArbitrary(): fc.Arbitrary<number> {
  // Mostly 1..365 days; sometimes exactly 1 day so that time advances reach maturity; rarely 0 (invalid).
  return fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 365 }) },
    { weight: 2, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constant(0) },
  );
}

function secondsArbitrary(): fc.Arbitrary<bigint> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 3_600n }) },
    { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 90n }).map((days) => days * DAY_SECONDS) },
    { weight: 1, arbitrary: fc.bigInt({ min: 360n, max: 800n }).map((days) => days * DAY_SECONDS) },
  );
}

/** An anchor's confirmation to a random counterparty (mostly a holder). */
export function confirmArbitrary(layout: ActorLayout): fc.Arbitrary<Op> {
  return fc
    .record({
      supplier: counterpartyArbitrary(layout, layout.suppliers),
      faceValue: faceValueArbitrary(),
      maturityDays: maturityDaysArbitrary(),
      fingerprint: fingerprintArbitrary(),
    })
    .map((r): Op => ({ kind: "confirm", ...r }));
}

/** One random operation. Weights favour moves of value; registry and pause operations are rarer. */
export function opArbitrary(layout: ActorLayout): fc.Arbitrary<Op> {
  const counterparty = counterpartyArbitrary(layout, layout.holders);
  const memberChoice = fc.record({ member: fc.nat(), anyMember: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) });
  const redundant = fc.record({ redundant: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) });
  return fc.oneof(
    { weight: 6, arbitrary: confirmArbitrary(layout) },
    {
      weight: 8,
      arbitrary: fc
        .record({ source: tokenArbitrary(), to: counterparty, amount: amountArbitrary() })
        .map((r): Op => ({ kind: "split", ...r })),
    },
    {
      weight: 6,
      arbitrary: fc
        .record({ source: tokenArbitrary(), to: counterparty, amount: amountArbitrary(), fingerprint: fingerprintArbitrary() })
        .map((r): Op => ({ kind: "transferWithProof", ...r })),
    },
    {
      weight: 7,
      arbitrary: fc
        .record({ source: tokenArbitrary(), target: targetArbitrary(), amount: amountArbitrary() })
        .map((r): Op => ({ kind: "merge", ...r })),
    },
    {
      weight: 4,
      arbitrary: fc.record({ source: tokenArbitrary(), to: counterparty }).map((r): Op => ({ kind: "transferWhole", ...r })),
    },
    { weight: 2, arbitrary: memberChoice.map((r): Op => ({ kind: "suspend", ...r })) },
    { weight: 2, arbitrary: memberChoice.map((r): Op => ({ kind: "reinstate", ...r })) },
    // Unpausing is likelier than pausing so that paused stretches stay short; a redundant pause or unpause
    // (which must revert) is drawn only when `redundant` says so, otherwise it is skipped.
    { weight: 1, arbitrary: redundant.map((r): Op => ({ kind: "pause", ...r })) },
    { weight: 6, arbitrary: redundant.map((r): Op => ({ kind: "unpause", ...r })) },
    { weight: 2, arbitrary: secondsArbitrary().map((seconds): Op => ({ kind: "advanceTime", seconds })) },
  );
}

/** A sequence of 5..25 operations; the first is a confirmation, so that token operations have a token. */
export function sequenceArbitrary(layout: ActorLayout): fc.Arbitrary<Op[]> {
  return fc
    .tuple(confirmArbitrary(layout), fc.array(opArbitrary(layout), { minLength: 4, maxLength: 24, size: "max" }))
    .map(([first, rest]): Op[] => [first, ...rest]);
}

// ---------------------------------------------------------------------------------------------------------
// Resolution: an operation made concrete against the current model
// ---------------------------------------------------------------------------------------------------------

function pickFrom<T>(items: readonly T[], pick: number): T | undefined {
  return items.length === 0 ? undefined : items[pick % items.length];
}

function resolveToken(model: ReceivableModel, choice: TokenChoice): PieceModel | undefined {
  const live = livePieces(model);
  const burned = burnedPieces(model);
  if (choice.burned) return pickFrom(burned, choice.pick) ?? pickFrom(live, choice.pick);
  return pickFrom(live, choice.pick) ?? pickFrom(burned, choice.pick);
}

/** The merge target, or `undefined` when the mode asks for another live piece and there is none. */
function resolveTarget(model: ReceivableModel, source: PieceModel, choice: TargetChoice): PieceModel | undefined {
  const others = livePieces(model).filter((piece) => piece.tokenId !== source.tokenId);
  switch (choice.mode) {
    case "self":
      return source;
    case "burned":
      return pickFrom(burnedPieces(model), choice.pick) ?? pickFrom(others, choice.pick);
    case "anyLive":
      return pickFrom(others, choice.pick);
    case "sameSlot":
      return (
        pickFrom(
          others.filter((piece) => piece.slot === source.slot),
          choice.pick,
        ) ?? pickFrom(others, choice.pick)
      );
  }
}

function resolveAmount(available: bigint, choice: AmountChoice): bigint {
  switch (choice.kind) {
    case "zero":
      return 0n;
    case "all":
      return available;
    case "part":
      return available === 0n ? 1n + (choice.seed % 1_000n) : 1n + (choice.seed % available);
    case "more":
      return available + 1n + choice.extra;
  }
}

function documentsFor(model: ReceivableModel, seller: number, choice: FingerprintChoice): InvoiceDocuments {
  model.invoiceCounter += 1;
  const number = `PROP-${model.invoiceCounter.toString().padStart(6, "0")}`;
  const salted = (document: string): string =>
    keccak256(AbiCoder.defaultAbiCoder().encode(["string", "string"], [document, number]));
  const used = [...model.invoiceUses.keys()];
  const unused = [...model.unusedFingerprints];
  const fresh = (): string => invoiceFingerprint(model.actors[seller].leiHash, number);
  let fingerprint: string;
  switch (choice.kind) {
    case "fresh":
      fingerprint = fresh();
      break;
    case "reuse":
      fingerprint = pickFrom(used, choice.pick) ?? fresh();
      break;
    case "retry":
      fingerprint = pickFrom(unused, choice.pick) ?? fresh();
      break;
  }
  return { invoiceFingerprint: fingerprint, invoiceHash: salted("invoice"), logisticsHash: salted("logistics") };
}

/**
 * The concrete call an operation stands for in the current state, or `undefined` when there is nothing to
 * act on: a token operation before any piece exists, a merge that wants another live piece when there is
 * none, a reinstatement with nobody suspended (unless any member was drawn), a pause or unpause that would
 * change nothing (unless a redundant one was drawn). Token operations are attempted by the token's owner
 * (for a burned token, its last owner). Resolving a confirmation or transfer with proof draws an invoice
 * number from the model, so resolve each operation once.
 */
export function resolve(model: ReceivableModel, op: Op): Action | undefined {
  const actorCount = model.actors.length;
  switch (op.kind) {
    case "confirm":
      return {
        kind: "confirm",
        supplier: op.supplier % actorCount,
        faceValue: op.faceValue,
        maturity: model.now + BigInt(op.maturityDays) * DAY_SECONDS,
        documents: documentsFor(model, op.supplier % actorCount, op.fingerprint),
      };
    case "split": {
      const source = resolveToken(model, op.source);
      if (source === undefined) return undefined;
      return {
        kind: "split",
        caller: source.owner,
        from: source.tokenId,
        to: op.to % actorCount,
        value: resolveAmount(source.value, op.amount),
      };
    }
    case "transferWithProof": {
      const source = resolveToken(model, op.source);
      if (source === undefined) return undefined;
      const to = op.to % actorCount;
      return {
        kind: "transferWithProof",
        caller: source.owner,
        from: source.tokenId,
        to,
        value: resolveAmount(source.value, op.amount),
        // The recipient is the seller of the trade the proof documents.
        documents: documentsFor(model, to, op.fingerprint),
      };
    }
    case "merge": {
      // For a same-slot merge, prefer a source whose slot has another live piece.
      const live = livePieces(model);
      const mergeable = live.filter((piece) => live.some((other) => other.slot === piece.slot && other.tokenId !== piece.tokenId));
      const source =
        op.target.mode === "sameSlot" && !op.source.burned && mergeable.length > 0
          ? pickFrom(mergeable, op.source.pick)
          : resolveToken(model, op.source);
      if (source === undefined) return undefined;
      const target = resolveTarget(model, source, op.target);
      if (target === undefined) return undefined;
      return {
        kind: "merge",
        caller: source.owner,
        from: source.tokenId,
        target: target.tokenId,
        value: resolveAmount(source.value, op.amount),
      };
    }
    case "transferWhole": {
      const source = resolveToken(model, op.source);
      if (source === undefined) return undefined;
      return { kind: "transferWhole", caller: source.owner, tokenId: source.tokenId, to: op.to % actorCount };
    }
    case "suspend":
    case "reinstate": {
      // A member whose status allows the change (skipped if there is none); sometimes any member, which the
      // registry refuses when the status does not fit.
      const members = model.actors.map((_, index) => index).filter((index) => model.actors[index].memberId !== 0);
      const wanted: MemberStatus = op.kind === "suspend" ? "ACTIVE" : "SUSPENDED";
      const fitting = members.filter((index) => model.actors[index].status === wanted);
      const member = op.anyMember ? pickFrom(members, op.member) : pickFrom(fitting, op.member);
      return member === undefined ? undefined : { kind: op.kind, member };
    }
    case "pause":
    case "unpause":
      // Only a call that changes the state, unless a redundant one (which must revert) was drawn.
      return op.redundant || model.paused === (op.kind === "unpause") ? { kind: op.kind } : undefined;
    case "advanceTime":
      return { kind: "advanceTime", seconds: op.seconds };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Prediction and effect
// ---------------------------------------------------------------------------------------------------------

function slotOf(model: ReceivableModel, slot: bigint): SlotModel {
  const terms = model.slots[Number(slot) - 1];
  if (terms === undefined || terms.slot !== slot) throw new Error(`model has no slot ${slot}`);
  return terms;
}

function livePiece(model: ReceivableModel, tokenId: bigint): PieceModel | undefined {
  const piece = model.pieces.get(tokenId);
  return piece !== undefined && piece.live ? piece : undefined;
}

/** `ReceivableToken._authorizeMove`: pause, maturity, then sender and recipient standing. */
function authorizeMove(model: ReceivableModel, owner: number, to: number, slot: bigint, at: bigint): Outcome {
  if (model.paused) return tokenError("EnforcedPause");
  const maturity = slotOf(model, slot).maturity;
  if (at >= maturity) return tokenError("ReceivableMatured", slot, maturity);
  if (!isActive(model.actors[owner], at)) return tokenError("ReceivableIneligibleSender", model.actors[owner].address);
  if (!activeWithAnyRole(model.actors[to], at, HOLDER_ROLES)) {
    return tokenError("ReceivableIneligibleRecipient", model.actors[to].address);
  }
  return SUCCESS;
}

/** `PackedERC3525._checkValue`. */
function checkValue(tokenId: bigint, available: bigint, value: bigint): Outcome {
  if (value === 0n) return tokenError("ERC3525ZeroValue");
  if (value > available) return tokenError("ERC3525InsufficientValue", tokenId, available, value);
  return SUCCESS;
}

/** `PackedERC3525._reduce`: a source left empty is burned. */
function reduce(piece: PieceModel, value: bigint): void {
  piece.value -= value;
  if (piece.value === 0n) piece.live = false;
}

function createPiece(model: ReceivableModel, slot: bigint, owner: number, value: bigint, parent: bigint): PieceModel {
  const terms = slotOf(model, slot);
  terms.lastSeq += 1n;
  const piece: PieceModel = { tokenId: tokenIdOf(slot, terms.lastSeq), slot, owner, value, parent, live: true };
  model.pieces.set(piece.tokenId, piece);
  return piece;
}

/** Prediction of `PackedERC3525._split`, applied when it succeeds. */
function split(model: ReceivableModel, from: bigint, to: number, value: bigint, at: bigint): { outcome: Outcome; created?: PieceModel } {
  const source = livePiece(model, from);
  if (source === undefined) return { outcome: tokenError("ERC721NonexistentToken", from) };
  const valueCheck = checkValue(from, source.value, value);
  if (!valueCheck.ok) return { outcome: valueCheck };
  const move = authorizeMove(model, source.owner, to, source.slot, at);
  if (!move.ok) return { outcome: move };
  const created = createPiece(model, source.slot, to, value, source.tokenId);
  reduce(source, value);
  return { outcome: SUCCESS, created };
}

function recordFingerprint(model: ReceivableModel, fingerprint: string, outcome: Outcome, tokenId: bigint | undefined): void {
  if (outcome.ok && tokenId !== undefined) {
    model.invoiceUses.set(fingerprint, tokenId);
    model.unusedFingerprints.delete(fingerprint);
  } else if (!model.invoiceUses.has(fingerprint)) {
    model.unusedFingerprints.add(fingerprint);
  }
}

/**
 * Predicts the outcome of `action` at the model's clock and, when it predicts success, applies the effect.
 * A transaction advances the clock by one second (the next block's timestamp).
 */
export function transition(model: ReceivableModel, action: Action): Outcome {
  if (action.kind === "advanceTime") {
    model.now += action.seconds;
    return SUCCESS;
  }
  const at = model.now;
  model.now += 1n;
  const operatorActive = at < model.operatorKycValidUntil;
  switch (action.kind) {
    case "confirm": {
      const outcome = predictConfirm(model, action, at);
      let tokenId: bigint | undefined;
      if (outcome.ok) {
        const slot = BigInt(model.slots.length + 1);
        model.slots.push({ slot, supplier: action.supplier, faceValue: action.faceValue, maturity: action.maturity, lastSeq: 0n });
        tokenId = createPiece(model, slot, action.supplier, action.faceValue, 0n).tokenId;
      }
      recordFingerprint(model, action.documents.invoiceFingerprint, outcome, tokenId);
      return outcome;
    }
    case "split":
      return split(model, action.from, action.to, action.value, at).outcome;
    case "transferWithProof": {
      const fingerprint = action.documents.invoiceFingerprint;
      const usedBy = model.invoiceUses.get(fingerprint);
      if (usedBy !== undefined) return tokenError("ReceivableInvoiceAlreadyUsed", fingerprint, usedBy);
      const { outcome, created } = split(model, action.from, action.to, action.value, at);
      recordFingerprint(model, fingerprint, outcome, created?.tokenId);
      return outcome;
    }
    case "merge": {
      const source = livePiece(model, action.from);
      if (source === undefined) return tokenError("ERC721NonexistentToken", action.from);
      const target = livePiece(model, action.target);
      if (target === undefined) return tokenError("ERC721NonexistentToken", action.target);
      if (source.tokenId === target.tokenId) return tokenError("ERC3525SameToken", action.from);
      if (source.slot !== target.slot) return tokenError("ERC3525SlotMismatch", action.from, action.target);
      const valueCheck = checkValue(action.from, source.value, action.value);
      if (!valueCheck.ok) return valueCheck;
      const move = authorizeMove(model, source.owner, target.owner, source.slot, at);
      if (!move.ok) return move;
      target.value += action.value;
      reduce(source, action.value);
      return SUCCESS;
    }
    case "transferWhole": {
      const piece = livePiece(model, action.tokenId);
      if (piece === undefined) return tokenError("ERC721NonexistentToken", action.tokenId);
      const move = authorizeMove(model, piece.owner, action.to, piece.slot, at);
      if (!move.ok) return move;
      piece.owner = action.to;
      return SUCCESS;
    }
    case "suspend": {
      if (!operatorActive) return registryError("RegistryUnauthorizedOperator", model.operatorAddress);
      const member = model.actors[action.member];
      if (member.status !== "ACTIVE") {
        return registryError("RegistryUnexpectedStatus", BigInt(member.memberId), statusCode(member.status));
      }
      member.status = "SUSPENDED";
      return SUCCESS;
    }
    case "reinstate": {
      if (!operatorActive) return registryError("RegistryUnauthorizedOperator", model.operatorAddress);
      const member = model.actors[action.member];
      if (member.status !== "SUSPENDED") {
        return registryError("RegistryUnexpectedStatus", BigInt(member.memberId), statusCode(member.status));
      }
      member.status = "ACTIVE";
      return SUCCESS;
    }
    case "pause":
      if (!operatorActive) return tokenError("ReceivableUnauthorizedOperator", model.operatorAddress);
      if (model.paused) return tokenError("EnforcedPause");
      model.paused = true;
      return SUCCESS;
    case "unpause":
      if (!operatorActive) return tokenError("ReceivableUnauthorizedOperator", model.operatorAddress);
      if (!model.paused) return tokenError("ExpectedPause");
      model.paused = false;
      return SUCCESS;
  }
}

/** `ReceivableToken.confirm`'s checks, in order. */
function predictConfirm(model: ReceivableModel, action: Extract<Action, { kind: "confirm" }>, at: bigint): Outcome {
  if (model.paused) return tokenError("EnforcedPause");
  const anchor = model.actors[model.anchor];
  const supplier = model.actors[action.supplier];
  if (!activeWithAnyRole(anchor, at, ANCHOR_ROLE)) return tokenError("ReceivableUnauthorizedAnchor", anchor.address);
  if (!activeWithAnyRole(supplier, at, SUPPLIER_ROLE)) return tokenError("ReceivableIneligibleSupplier", supplier.address);
  if (supplier.memberId === anchor.memberId) return tokenError("ReceivableSelfConfirmation", BigInt(anchor.memberId));
  if (action.faceValue === 0n) return tokenError("ERC3525ZeroValue");
  if (action.faceValue > MAX_UINT64) return tokenError("ReceivableFaceValueTooLarge", action.faceValue, MAX_UINT64);
  if (action.maturity <= at || action.maturity > at + MAX_TENOR) {
    return tokenError("ReceivableInvalidMaturity", action.maturity, at);
  }
  const usedBy = model.invoiceUses.get(action.documents.invoiceFingerprint);
  if (usedBy !== undefined) return tokenError("ReceivableInvoiceAlreadyUsed", action.documents.invoiceFingerprint, usedBy);
  return SUCCESS;
}

/** A short human description of an action, for failure messages. */
export function describeAction(model: ReceivableModel, action: Action): string {
  const name = (index: number): string => model.actors[index]?.name ?? `actor#${index}`;
  const token = (tokenId: bigint): string => `${tokenId >> 32n}/${tokenId & 0xffffffffn}`;
  switch (action.kind) {
    case "confirm":
      return `confirm(${name(action.supplier)}, face ${action.faceValue}, maturity ${action.maturity}, fp ${action.documents.invoiceFingerprint.slice(0, 10)})`;
    case "split":
      return `${name(action.caller)}: split ${token(action.from)} -> ${name(action.to)} value ${action.value}`;
    case "transferWithProof":
      return `${name(action.caller)}: transferWithProof ${token(action.from)} -> ${name(action.to)} value ${action.value} fp ${action.documents.invoiceFingerprint.slice(0, 10)}`;
    case "merge":
      return `${name(action.caller)}: merge ${token(action.from)} -> ${token(action.target)} value ${action.value}`;
    case "transferWhole":
      return `${name(action.caller)}: transfer ${token(action.tokenId)} -> ${name(action.to)}`;
    case "suspend":
    case "reinstate":
      return `operator: ${action.kind} ${name(action.member)}`;
    case "pause":
    case "unpause":
      return `operator: ${action.kind}`;
    case "advanceTime":
      return `advance time ${action.seconds}s`;
  }
}

/** The model's own consistency (independent of the chain): I1 and I2 on the model, lineage well formed. */
export function checkModel(model: ReceivableModel): void {
  for (const terms of model.slots) {
    const pieces = [...model.pieces.values()].filter((piece) => piece.slot === terms.slot);
    if (BigInt(pieces.length) !== terms.lastSeq) throw new Error(`model slot ${terms.slot}: ${pieces.length} pieces, lastSeq ${terms.lastSeq}`);
    const live = pieces.filter((piece) => piece.live).reduce((sum, piece) => sum + piece.value, 0n);
    if (live !== terms.faceValue) throw new Error(`model slot ${terms.slot}: live value ${live} != face ${terms.faceValue}`);
  }
  for (const piece of model.pieces.values()) {
    if (piece.live && piece.value === 0n) throw new Error(`model: live piece ${piece.tokenId} has value 0`);
    if (!piece.live && piece.value !== 0n) throw new Error(`model: burned piece ${piece.tokenId} has value ${piece.value}`);
    if (piece.parent !== 0n && (piece.parent >> 32n !== piece.slot || !model.pieces.has(piece.parent))) {
      throw new Error(`model: piece ${piece.tokenId} has a foreign parent ${piece.parent}`);
    }
  }
  const backed = new Set<bigint>(model.invoiceUses.values());
  if (backed.size !== model.invoiceUses.size) throw new Error("model: two fingerprints back the same token");
  for (const fingerprint of model.unusedFingerprints) {
    if (model.invoiceUses.has(fingerprint)) throw new Error(`model: fingerprint ${fingerprint} both used and unused`);
  }
}

/** The leiHash a non-member's invoices would carry (as `tradeProofFor` does). */
export function outsiderLeiHash(address: string): string {
  return id(address);
}
