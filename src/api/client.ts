import { SiweMessage } from "siwe";
import type { Signer } from "ethers";
import type { FundingAttestation, FundingRequest } from "../chain/funding";
import type { InvoiceProof } from "../proofs/invoice";
import { invoiceProofToWire } from "../proofs/invoice";
import type { LogisticsProof } from "../proofs/logistics";
import { logisticsProofToWire } from "../proofs/logistics";

/**
 * A typed client of the API for programs (the demo, scripts, tests): sign in with Ethereum, upload documents, ask
 * for a funding check. Answers other than success raise `ApiCallError` with the API's code and field list.
 */

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = "ApiCallError";
  }
}

/** A failed check's reasons, as the API lists them. */
export interface FundingCheckReason {
  code: string;
  message: string;
  step?: number;
  tokenId?: string;
}

export type FundingCheckAnswer =
  | { ok: true; attestation: FundingAttestation; signature: string; signer: string; fundingId: string; asOfBlock: number }
  | { ok: false; failures: FundingCheckReason[]; asOfBlock: number };

interface AttestationWire {
  tokenId: string;
  holder: string;
  factor: string;
  value: string;
  price: string;
  invoiceHash: string;
  logisticsHash: string;
  tradeProofHash: string;
  withRecourse: boolean;
  deadline: string;
  nonce: string;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
}

export class ChainbillClient {
  private token: string | undefined;

  constructor(readonly baseUrl: string) {}

  private async call(method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${this.baseUrl}${route}`, { method, headers, body: body === undefined ? undefined : toJson(body) });
    const text = await response.text();
    const parsed: unknown = text.length === 0 ? undefined : JSON.parse(text);
    return { status: response.status, body: parsed };
  }

  private fail(status: number, body: unknown): never {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiCallError(status, error?.code ?? "UNKNOWN", error?.message ?? "the API refused the call", body);
  }

  /** Signs in as `signer` (EIP-4361): the message names the server's own domain, URI and chain. */
  async signIn(signer: Pick<Signer, "getAddress" | "signMessage">): Promise<void> {
    const nonce = await this.call("GET", "/v1/auth/nonce");
    if (nonce.status !== 200) this.fail(nonce.status, nonce.body);
    const { nonce: value, domain, uri, chainId } = nonce.body as { nonce: string; domain: string; uri: string; chainId: string };
    const message = new SiweMessage({
      domain,
      uri,
      address: await signer.getAddress(),
      statement: "Sign in to Chainbill.",
      version: "1",
      chainId: Number(chainId),
      nonce: value,
      issuedAt: new Date().toISOString(),
    }).prepareMessage();
    const verified = await this.call("POST", "/v1/auth/verify", { message, signature: await signer.signMessage(message) });
    if (verified.status !== 200) this.fail(verified.status, verified.body);
    this.token = (verified.body as { token: string }).token;
  }

  /** Uploads an invoice proof; answers its hash (the same hash whether it was new or already stored). */
  async uploadInvoice(proof: InvoiceProof): Promise<string> {
    return this.upload("/v1/documents/invoices", invoiceProofToWire(proof));
  }

  async uploadLogistics(proof: LogisticsProof): Promise<string> {
    return this.upload("/v1/documents/logistics", logisticsProofToWire(proof));
  }

  private async upload(route: string, wire: unknown): Promise<string> {
    const answer = await this.call("POST", route, wire);
    if (answer.status !== 201 && answer.status !== 200) this.fail(answer.status, answer.body);
    return (answer.body as { hash: string }).hash;
  }

  /**
   * Asks the verifier to check a funding of `request` at `price`: the attestation, or every reason it refuses. Recourse
   * is `request.withRecourse`, the holder's signed choice.
   */
  async fundingCheck(request: FundingRequest, holderSignature: string, price: bigint): Promise<FundingCheckAnswer> {
    const answer = await this.call("POST", `/v1/tokens/${request.tokenId}/funding-checks`, { request, holderSignature, price });
    if (answer.status === 422) {
      const body = answer.body as { failures: FundingCheckReason[]; asOfBlock: number };
      return { ok: false, failures: body.failures, asOfBlock: body.asOfBlock };
    }
    if (answer.status !== 200) this.fail(answer.status, answer.body);
    const body = answer.body as { attestation: AttestationWire; signature: string; signer: string; fundingId: string; asOfBlock: number };
    const wire = body.attestation;
    return {
      ok: true,
      attestation: {
        ...wire,
        tokenId: BigInt(wire.tokenId),
        value: BigInt(wire.value),
        price: BigInt(wire.price),
        deadline: BigInt(wire.deadline),
        nonce: BigInt(wire.nonce),
      },
      signature: body.signature,
      signer: body.signer,
      fundingId: body.fundingId,
      asOfBlock: body.asOfBlock,
    };
  }
}
