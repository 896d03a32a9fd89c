import { recoverAddress } from "ethers";
import type { Result } from "ethers";
import { financingDomain, fundingAttestationDigest, fundingRequestDigest } from "../chain/funding";
import type { FundingAttestation, FundingRequest } from "../chain/funding";
import { FINANCING_INTERFACE } from "./decode";

/**
 * A funding's evidence as the factor sent it: `Financing.fund(request, holderSignature, attestation,
 * verifierSignatures)` decoded from the transaction's input, with every signature recovered under the EIP-712
 * domain of this chain and this financing contract. Whether the signers could sign is the replay's question
 * (it knows the registry at that block).
 */

export interface FundCall {
  request: FundingRequest;
  holderSignature: string;
  attestation: FundingAttestation;
  verifierSignatures: string[];
  /** The attestation's digest under this chain and contract: what the Funded event must carry as its id. */
  attestationDigest: string;
  requestDigest: string;
  /** Who each verifier signature recovers to (lower case; null when malformed), in the order given. */
  signers: Array<string | null>;
  /** Who the holder's signature recovers to; null when it is empty or malformed (an on-chain approval, or ERC-1271). */
  holderSigner: string | null;
}

function field(result: Result, key: string): unknown {
  return result.getValue(key);
}
function big(result: Result, key: string): bigint {
  const value = field(result, key);
  if (typeof value !== "bigint") throw new Error(`${key} is not an integer`);
  return value;
}
function str(result: Result, key: string): string {
  const value = field(result, key);
  if (typeof value !== "string") throw new Error(`${key} is not a string`);
  return value;
}

function recover(digest: string, signature: string): string | null {
  try {
    return recoverAddress(digest, signature).toLowerCase();
  } catch {
    return null;
  }
}

/** Decodes a `fund` call's input; throws with the reason when the input is not one. */
export function decodeFundCall(input: string, chainId: bigint, financing: string): FundCall {
  const parsed = FINANCING_INTERFACE.parseTransaction({ data: input });
  if (parsed === null || parsed.name !== "fund") throw new Error("the transaction is not a direct call of Financing.fund");
  const r = parsed.args.getValue("request") as Result;
  const a = parsed.args.getValue("attestation") as Result;
  const request: FundingRequest = {
    tokenId: big(r, "tokenId"),
    value: big(r, "value"),
    minPrice: big(r, "minPrice"),
    factor: str(r, "factor").toLowerCase(),
    deadline: big(r, "deadline"),
    nonce: big(r, "nonce"),
  };
  const withRecourse = field(a, "withRecourse");
  if (typeof withRecourse !== "boolean") throw new Error("withRecourse is not a bool");
  const attestation: FundingAttestation = {
    tokenId: big(a, "tokenId"),
    holder: str(a, "holder").toLowerCase(),
    factor: str(a, "factor").toLowerCase(),
    value: big(a, "value"),
    price: big(a, "price"),
    invoiceHash: str(a, "invoiceHash").toLowerCase(),
    logisticsHash: str(a, "logisticsHash").toLowerCase(),
    tradeProofHash: str(a, "tradeProofHash").toLowerCase(),
    withRecourse,
    deadline: big(a, "deadline"),
    nonce: big(a, "nonce"),
  };
  const holderSignature = str(parsed.args, "holderSignature");
  const signatures = parsed.args.getValue("verifierSignatures") as Result;
  const verifierSignatures = [...signatures].map((signature) => {
    if (typeof signature !== "string") throw new Error("a verifier signature is not bytes");
    return signature;
  });
  const domain = financingDomain(chainId, financing);
  const attestationDigest = fundingAttestationDigest(domain, attestation).toLowerCase();
  const requestDigest = fundingRequestDigest(domain, request).toLowerCase();
  return {
    request,
    holderSignature,
    attestation,
    verifierSignatures,
    attestationDigest,
    requestDigest,
    signers: verifierSignatures.map((signature) => recover(attestationDigest, signature)),
    holderSigner: holderSignature === "0x" ? null : recover(requestDigest, holderSignature),
  };
}
