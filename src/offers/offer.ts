import { z } from "zod";
import { TypedDataEncoder } from "ethers";
import type { Signer } from "ethers";
import { daysBetween, price } from "../finance/discount";
import { documentsDomain, typeTable } from "../proofs/domain";
import { address, amount, signature, unixSeconds } from "../proofs/wire";

/**
 * A factor's standing offer to buy receivables of one anchor: a discount rate (basis points a year, ACT/360 as
 * src/finance/discount.ts prices), the longest tenor it buys, the smallest and largest piece value, its total
 * appetite for that anchor, and until when the offer holds. The factor signs it (EIP-712, the documents domain
 * naming the chain), so an offer is a record of what the factor itself published; a newer offer (a later
 * `issuedAt`) for the same anchor replaces the older. Browser-safe: the dApp signs with these types.
 */

export const MAX_RATE_BPS = 10_000;
export const MAX_TENOR_DAYS = 720;

export const OFFER_TYPES = typeTable({
  FactorOffer: [
    { name: "factor", type: "address" },
    { name: "anchorId", type: "uint32" },
    { name: "rateBps", type: "uint32" },
    { name: "maxTenorDays", type: "uint32" },
    { name: "minValue", type: "uint64" },
    { name: "maxValue", type: "uint64" },
    { name: "appetite", type: "uint64" },
    { name: "validUntil", type: "uint64" },
    { name: "issuedAt", type: "uint64" },
  ],
});

export const offerSchema = z
  .strictObject({
    factor: address,
    anchorId: z
      .number()
      .int("a member id is a whole number")
      .min(1, "a member id starts at 1")
      .max(2 ** 32 - 1),
    rateBps: z
      .number()
      .int("basis points are a whole number")
      .min(1, "at least 1 basis point")
      .max(MAX_RATE_BPS, `at most ${MAX_RATE_BPS} basis points (100% a year)`),
    maxTenorDays: z.number().int("whole days").min(1, "at least 1 day").max(MAX_TENOR_DAYS, `at most ${MAX_TENOR_DAYS} days`),
    minValue: amount,
    maxValue: amount,
    appetite: amount,
    validUntil: unixSeconds,
    issuedAt: unixSeconds,
  })
  .superRefine((offer, context) => {
    const { minValue, maxValue, appetite } = offer as { minValue: unknown; maxValue: unknown; appetite: unknown };
    if (typeof minValue !== "bigint" || typeof maxValue !== "bigint" || typeof appetite !== "bigint") return;
    if (minValue === 0n) context.addIssue({ code: "custom", path: ["minValue"], message: "the smallest piece value is at least 0.01" });
    if (maxValue < minValue) context.addIssue({ code: "custom", path: ["maxValue"], message: "the largest piece value is below the smallest" });
    if (appetite < minValue) context.addIssue({ code: "custom", path: ["appetite"], message: "the appetite is below the smallest piece value" });
    if (typeof offer.validUntil === "number" && typeof offer.issuedAt === "number" && offer.validUntil <= offer.issuedAt) {
      context.addIssue({ code: "custom", path: ["validUntil"], message: "the offer must hold after it is issued" });
    }
  });

export type Offer = z.output<typeof offerSchema>;

export const signedOfferSchema = z.strictObject({ offer: offerSchema, signature });

/** The offer as JSON (amounts as decimal strings): what the API stores and answers. */
export interface OfferWire {
  factor: string;
  anchorId: number;
  rateBps: number;
  maxTenorDays: number;
  minValue: string;
  maxValue: string;
  appetite: string;
  validUntil: number;
  issuedAt: number;
}

export function offerToWire(offer: Offer): OfferWire {
  return { ...offer, minValue: offer.minValue.toString(), maxValue: offer.maxValue.toString(), appetite: offer.appetite.toString() };
}

export function offerHash(chainId: bigint | number, offer: Offer): string {
  return TypedDataEncoder.hash(documentsDomain(chainId), OFFER_TYPES, offer).toLowerCase();
}

export async function signOffer(signer: Pick<Signer, "signTypedData">, chainId: bigint | number, offer: Offer): Promise<string> {
  return signer.signTypedData(documentsDomain(chainId), OFFER_TYPES, offer);
}

/** What a piece is, for matching: its anchor, the value to sell, its maturity. */
export interface PieceToPrice {
  anchorId: number;
  value: bigint;
  maturity: bigint;
}

/** Why an offer does not fit a piece, or null when it fits. `remaining` is what is left of the appetite. */
export function misfit(offer: Offer, piece: PieceToPrice, now: bigint, remaining: bigint): string | null {
  if (BigInt(offer.validUntil) <= now) return "expired";
  if (offer.anchorId !== piece.anchorId) return "another anchor";
  if (piece.value < offer.minValue) return "below the smallest value";
  if (piece.value > offer.maxValue) return "above the largest value";
  if (piece.value > remaining) return "beyond the remaining appetite";
  if (piece.maturity <= now) return "matured";
  if (daysBetween(now, piece.maturity) > BigInt(offer.maxTenorDays)) return "tenor too long";
  return null;
}

/** The price an offer gives for the piece to maturity (ACT/360, rounded as src/finance/discount.ts rounds). */
export function offerPrice(offer: Offer, piece: PieceToPrice, now: bigint): bigint {
  return price(piece.value, BigInt(offer.rateBps), daysBetween(now, piece.maturity));
}
