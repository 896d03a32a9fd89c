import { SiweMessage } from "siwe";
import { getAddress, verifyMessage } from "ethers";
import { ApiError, unauthorized } from "../errors";
import type { FieldProblem } from "../../proofs/wire";
import type { NonceStore } from "./nonces";

/**
 * Sign-in with Ethereum (EIP-4361). The message must be addressed to this service (domain and URI), name the chain
 * the service is connected to and a nonce this service issued and has not seen used, be within its validity
 * window, and be signed by the address it names. The nonce is used up only by a sign-in that passes everything,
 * so a failed attempt cannot burn someone else's nonce, and a passed one cannot be replayed.
 */

export interface SignInPolicy {
  /** The RFC 3986 authority the message must name, e.g. "chainbill.example" or "127.0.0.1:8080". */
  domain: string;
  /** The URI the message must name. */
  uri: string;
  chainId: bigint;
}

function parseMessage(text: string): SiweMessage {
  try {
    return new SiweMessage(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError(400, "MALFORMED_SIWE_MESSAGE", "the sign-in message is not an EIP-4361 message", [
      { path: "message", message: reason.slice(0, 200) },
    ]);
  }
}

function recover(text: string, signature: string): string | undefined {
  try {
    return getAddress(verifyMessage(text, signature));
  } catch {
    return undefined;
  }
}

function isoTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? Number.NaN : time;
}

/** Checks a signed sign-in message; returns the signed-in address (checksummed) or throws naming each wrong field. */
export function verifySignIn(policy: SignInPolicy, nonces: NonceStore, text: string, signature: string, now: number = Date.now()): string {
  const message = parseMessage(text);
  const problems: FieldProblem[] = [];
  if (message.domain !== policy.domain)
    problems.push({ path: "message.domain", message: `the message is for ${message.domain}, not ${policy.domain}` });
  if (message.uri !== policy.uri) problems.push({ path: "message.uri", message: `the message is for ${message.uri}, not ${policy.uri}` });
  if (BigInt(message.chainId) !== policy.chainId) {
    problems.push({ path: "message.chainId", message: `the message is for chain ${message.chainId}; this service is on chain ${policy.chainId}` });
  }
  if (!nonces.isLive(message.nonce))
    problems.push({ path: "message.nonce", message: "the nonce was not issued here, was already used, or has expired" });
  const expires = isoTime(message.expirationTime);
  if (expires !== undefined && !(expires > now)) problems.push({ path: "message.expirationTime", message: "the message has expired" });
  const notBefore = isoTime(message.notBefore);
  if (notBefore !== undefined && !(notBefore <= now)) problems.push({ path: "message.notBefore", message: "the message is not valid yet" });
  const signer = recover(text, signature);
  if (signer === undefined) problems.push({ path: "signature", message: "the signature is malformed" });
  else if (signer !== getAddress(message.address))
    problems.push({ path: "signature", message: `the signature was made by ${signer}, not by ${message.address}` });

  if (problems.length > 0) throw unauthorized("SIGN_IN_REFUSED", "the sign-in message was refused", problems);
  // Checked live above; consuming is synchronous, so of two racing copies exactly one gets here with `true`.
  if (!nonces.consume(message.nonce))
    throw unauthorized("SIGN_IN_REFUSED", "the sign-in message was refused", [{ path: "message.nonce", message: "the nonce was already used" }]);
  return getAddress(message.address);
}
