import type { Api } from "./api";
import type { Connection } from "./chain";
import type { SessionJson } from "../../api/wire/schemas";

/**
 * Sign-in with Ethereum (EIP-4361) against the API: the API issues a nonce and names the domain and URI the message
 * must carry; the wallet signs the message (personal_sign, written by `siwe` in the API's client); the API checks it
 * and answers a session token.
 */
export async function signIn(api: Api, connection: Connection, onSigning: () => void, onVerifying: () => void): Promise<SessionJson> {
  await api.signIn(
    { getAddress: () => Promise.resolve(connection.address), signMessage: (message) => connection.signer.signMessage(message) },
    { onSigning, onVerifying },
  );
  return api.call("session");
}
