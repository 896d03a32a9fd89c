import type { FundingAttestation, FundingRequest } from "../../chain/funding";
import type { AttestedJson, FundingRequestWire } from "./schemas";

/** Between the chain's values (bigints) and their wire form (decimal strings), for the shapes clients send and sign. */

/** A holder's funding request as the API takes it. */
export function fundingRequestToWire(request: FundingRequest): FundingRequestWire {
  return {
    tokenId: request.tokenId.toString(),
    value: request.value.toString(),
    minPrice: request.minPrice.toString(),
    factor: request.factor,
    withRecourse: request.withRecourse,
    deadline: request.deadline.toString(),
    nonce: request.nonce.toString(),
  };
}

/** A verifier's attestation as Financing takes it. */
export function attestationFromWire(wire: AttestedJson["attestation"]): FundingAttestation {
  return {
    ...wire,
    tokenId: BigInt(wire.tokenId),
    value: BigInt(wire.value),
    price: BigInt(wire.price),
    deadline: BigInt(wire.deadline),
    nonce: BigInt(wire.nonce),
  };
}
