import { getAddress } from "ethers";
import type { Api } from "./api";
import type { Connection } from "./chain";
import type { Session } from "./types";

/**
 * Sign-in with Ethereum (EIP-4361) against the API: the API issues a nonce and names the domain and URI the message
 * must carry; the wallet signs the message (personal_sign); the API checks it and answers a session token.
 */

export interface SiweFields {
  domain: string;
  uri: string;
  address: string;
  chainId: string;
  nonce: string;
  issuedAt: string;
  expirationTime: string;
}

export function siweMessage(fields: SiweFields): string {
  return [
    `${fields.domain} wants you to sign in with your Ethereum account:`,
    getAddress(fields.address),
    "",
    "Sign in to Chainbill, the supply-chain receivables network.",
    "",
    `URI: ${fields.uri}`,
    "Version: 1",
    `Chain ID: ${fields.chainId}`,
    `Nonce: ${fields.nonce}`,
    `Issued At: ${fields.issuedAt}`,
    `Expiration Time: ${fields.expirationTime}`,
  ].join("\n");
}

export async function signIn(api: Api, connection: Connection, onSigning: () => void, onVerifying: () => void): Promise<Session> {
  const issued = await api.get<{ nonce: string; domain: string; uri: string; chainId: string }>("/v1/auth/nonce");
  const now = Date.now();
  const message = siweMessage({
    domain: issued.domain,
    uri: issued.uri,
    address: connection.address,
    chainId: String(issued.chainId),
    nonce: issued.nonce,
    issuedAt: new Date(now).toISOString(),
    expirationTime: new Date(now + 60 * 60 * 1000).toISOString(),
  });
  onSigning();
  const signature = await connection.signer.signMessage(message);
  onVerifying();
  const signedIn = await api.post<{ token: string }>("/v1/auth/verify", { message, signature });
  api.token = signedIn.token;
  return api.get<Session>("/v1/auth/session");
}
