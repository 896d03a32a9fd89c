import { z } from "zod";
import { TypedDataEncoder } from "ethers";
import { recoverAddress } from "../chain/signatures";
import type { Signer, TypedDataField } from "ethers";
import { documentsDomain, PARTY_FIELDS, typeTable } from "./domain";
import { party, quantity, referenceNumber, salt, signature, text, unixSeconds } from "./wire";

/**
 * The logistics proof: a waybill (who carries what from whom to whom, for which invoice or purchase order) and
 * the carrier's signed events as the carrier enters them (place, time, quantity counted), picked up then delivered; the consignee acknowledges the delivery by signing the
 * delivered event too. The document hash the chain stores is the salted EIP-712 digest of the waybill together
 * with its events, so a delivery cannot be added or altered after the hash is on chain.
 */

export const LOGISTICS_EVENT_KINDS = ["pickedUp", "delivered"] as const;
export type LogisticsEventKind = (typeof LOGISTICS_EVENT_KINDS)[number];

/** The number each kind has in the signed data. */
export const LOGISTICS_EVENT_CODE: Readonly<Record<LogisticsEventKind, number>> = { pickedUp: 1, delivered: 2 };

const goodsLine = z.strictObject({
  description: text(200),
  quantity,
});

export const waybillSchema = z.strictObject({
  number: text(64),
  carrier: party,
  shipper: party,
  consignee: party,
  goods: z.array(goodsLine).min(1, "a waybill lists at least one kind of goods").max(100, "at most 100 lines of goods"),
  /** The invoice number or purchase-order reference the shipment fulfils. */
  reference: referenceNumber,
  salt,
});

const logisticsEvent = z.strictObject({
  kind: z.enum(LOGISTICS_EVENT_KINDS),
  /** Unix seconds. */
  time: unixSeconds,
  place: text(120),
  /** What the carrier counted at this event, in the goods' units: picked up, or handed over at delivery. */
  quantity,
  carrierSignature: signature,
  /** Required on the delivered event: the consignee's acknowledgment. */
  consigneeSignature: signature.optional(),
});

export const logisticsProofSchema = z
  .strictObject({
    waybill: waybillSchema,
    events: z.array(logisticsEvent).min(1, "a logistics proof has at least the pick-up event").max(2, "at most a pick-up and a delivery"),
  })
  .superRefine((proof, context) => {
    // Zod runs this check even when a field inside failed (no events at all, an event that is not an object):
    // check only what parsed, and leave a wrong field to its own message.
    const events: unknown = proof.events;
    const shipper: unknown = proof.waybill?.shipper?.memberId;
    if (typeof shipper === "number" && shipper === proof.waybill?.consignee?.memberId) {
      context.addIssue({ code: "custom", path: ["waybill", "consignee"], message: "shipper and consignee are the same member" });
    }
    if (!Array.isArray(events) || events.length === 0 || !events.every((event) => typeof event === "object" && event !== null)) return;
    const [first, second] = proof.events;
    if (first.kind !== "pickedUp") context.addIssue({ code: "custom", path: ["events", 0, "kind"], message: "the first event is the pick-up" });
    const goods: unknown = proof.waybill?.goods;
    const shipped =
      Array.isArray(goods) && goods.every((line) => typeof (line as { quantity?: unknown } | null)?.quantity === "bigint")
        ? proof.waybill.goods.reduce((sum, line) => sum + line.quantity, 0n)
        : undefined;
    if (shipped !== undefined && typeof first.quantity === "bigint" && first.quantity > shipped) {
      context.addIssue({
        code: "custom",
        path: ["events", 0, "quantity"],
        message: `picked up ${first.quantity}, more than the ${shipped} the waybill's goods list`,
      });
    }
    if (second !== undefined) {
      if (second.kind !== "delivered") context.addIssue({ code: "custom", path: ["events", 1, "kind"], message: "the second event is the delivery" });
      if (second.time < first.time) context.addIssue({ code: "custom", path: ["events", 1, "time"], message: "delivered before it was picked up" });
      if (typeof first.quantity === "bigint" && typeof second.quantity === "bigint" && second.quantity > first.quantity) {
        context.addIssue({
          code: "custom",
          path: ["events", 1, "quantity"],
          message: `delivered ${second.quantity}, more than the ${first.quantity} picked up`,
        });
      }
      if (second.consigneeSignature === undefined) {
        context.addIssue({ code: "custom", path: ["events", 1, "consigneeSignature"], message: "a delivery needs the consignee's acknowledgment" });
      }
    }
    if (first.consigneeSignature !== undefined) {
      context.addIssue({ code: "custom", path: ["events", 0, "consigneeSignature"], message: "only the delivery is acknowledged by the consignee" });
    }
  });

export type Waybill = z.output<typeof waybillSchema>;
export type LogisticsEvent = z.output<typeof logisticsEvent>;
export type LogisticsProof = z.output<typeof logisticsProofSchema>;
export type LogisticsProofWire = z.input<typeof logisticsProofSchema>;
export type WaybillWire = z.input<typeof waybillSchema>;

const WAYBILL_FIELDS: Readonly<Record<string, readonly TypedDataField[]>> = {
  Waybill: [
    { name: "number", type: "string" },
    { name: "carrier", type: "Party" },
    { name: "shipper", type: "Party" },
    { name: "consignee", type: "Party" },
    { name: "goods", type: "GoodsLine[]" },
    { name: "reference", type: "string" },
    { name: "salt", type: "bytes32" },
  ],
  GoodsLine: [
    { name: "description", type: "string" },
    { name: "quantity", type: "uint256" },
  ],
  Party: PARTY_FIELDS,
};

const EVENT_FIELDS: readonly TypedDataField[] = [
  { name: "waybill", type: "bytes32" },
  { name: "kind", type: "uint8" },
  { name: "time", type: "uint64" },
  { name: "place", type: "string" },
  { name: "quantity", type: "uint256" },
];

/** What the carrier (and, for a delivery, the consignee) signs: one event of one waybill. */
export const LOGISTICS_EVENT_TYPES: Readonly<Record<string, readonly TypedDataField[]>> = { LogisticsEvent: EVENT_FIELDS };

/** The whole proof, hashed for the chain: `LogisticsProof` is the primary type. */
export const LOGISTICS_PROOF_TYPES: Readonly<Record<string, readonly TypedDataField[]>> = {
  LogisticsProof: [
    { name: "waybill", type: "Waybill" },
    { name: "events", type: "LogisticsEvent[]" },
  ],
  LogisticsEvent: EVENT_FIELDS,
  ...WAYBILL_FIELDS,
};

/** The struct hash of the waybill, which every signed event names. */
export function waybillStructHash(waybill: Waybill): string {
  return TypedDataEncoder.from(typeTable(WAYBILL_FIELDS)).hashStruct("Waybill", waybillValue(waybill));
}

function waybillValue(waybill: Waybill): Record<string, unknown> {
  return { ...waybill, goods: waybill.goods.map((line) => ({ ...line })) };
}

/** The signed content of one event. */
export interface LogisticsEventContent {
  kind: LogisticsEventKind;
  time: number;
  place: string;
  /** Whole units of the goods, as the carrier counted them at the event. */
  quantity: bigint;
}

function eventValue(waybillHash: string, event: LogisticsEventContent): Record<string, unknown> {
  return { waybill: waybillHash, kind: LOGISTICS_EVENT_CODE[event.kind], time: BigInt(event.time), place: event.place, quantity: event.quantity };
}

/** The logistics proof's document hash: what the chain records. Signatures are not part of it (they sign it). */
export function logisticsHash(chainId: bigint | number, proof: Pick<LogisticsProof, "waybill" | "events">): string {
  const waybillHash = waybillStructHash(proof.waybill);
  return TypedDataEncoder.hash(documentsDomain(chainId), typeTable(LOGISTICS_PROOF_TYPES), {
    waybill: waybillValue(proof.waybill),
    events: proof.events.map((event) => eventValue(waybillHash, event)),
  });
}

/** The carrier's (or the consignee's) signature of one event of `waybill`. */
export async function signLogisticsEvent(
  signer: Pick<Signer, "signTypedData">,
  chainId: bigint | number,
  waybill: Waybill,
  event: LogisticsEventContent,
): Promise<string> {
  return signer.signTypedData(documentsDomain(chainId), typeTable(LOGISTICS_EVENT_TYPES), eventValue(waybillStructHash(waybill), event));
}

/** The EIP-712 digest the carrier (and the consignee) sign for one event of `waybill`. */
export function logisticsEventDigest(chainId: bigint | number, waybill: Waybill, event: LogisticsEventContent): string {
  return TypedDataEncoder.hash(documentsDomain(chainId), typeTable(LOGISTICS_EVENT_TYPES), eventValue(waybillStructHash(waybill), event));
}

/** The address a signature of one event recovers to, or null when the signature is malformed. */
export function recoverLogisticsEventSigner(
  chainId: bigint | number,
  waybill: Waybill,
  event: LogisticsEventContent,
  eventSignature: string,
): string | null {
  try {
    return recoverAddress(logisticsEventDigest(chainId, waybill, event), eventSignature);
  } catch {
    return null;
  }
}

/** The wire (JSON) form of a parsed logistics proof. */
export function logisticsProofToWire(proof: LogisticsProof): LogisticsProofWire {
  return {
    waybill: { ...proof.waybill, goods: proof.waybill.goods.map((line) => ({ description: line.description, quantity: line.quantity.toString() })) },
    events: proof.events.map((event) => ({ ...event, quantity: event.quantity.toString() })),
  };
}
