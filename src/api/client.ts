import type { Signer } from "ethers";
import type { FundingAttestation, FundingRequest } from "../chain/funding";
import type { InvoiceProof } from "../proofs/invoice";
import { invoiceProofToWire } from "../proofs/invoice";
import type { LogisticsProof } from "../proofs/logistics";
import { logisticsProofToWire } from "../proofs/logistics";
import { ApiClient, ApiFailure } from "./wire/client";
import { attestationFromWire, fundingRequestToWire } from "./wire/convert";
import type { CheckFailureJson } from "./wire/schemas";

/**
 * The API for programs (the demo, scripts): sign in with Ethereum, upload documents, ask for a funding check, in
 * the chain's own values (bigints, proofs). A thin layer over the typed client of the wire contract (src/api/wire);
 * answers other than success raise its `ApiFailure` with the API's code and field list.
 */

export { ApiFailure };

/** A failed check's reasons, as the API lists them. */
export type FundingCheckReason = CheckFailureJson;

export type FundingCheckAnswer =
  | { ok: true; attestation: FundingAttestation; signature: string; signer: string; fundingId: string; asOfBlock: number }
  | { ok: false; failures: FundingCheckReason[]; asOfBlock: number };

export class ChainbillClient {
  readonly api: ApiClient;

  constructor(readonly baseUrl: string) {
    this.api = new ApiClient(baseUrl);
  }

  /** Signs in as `signer` (EIP-4361): the message names the server's own domain, URI and chain. */
  async signIn(signer: Pick<Signer, "getAddress" | "signMessage">): Promise<void> {
    await this.api.signIn(
      { getAddress: () => signer.getAddress(), signMessage: (message) => signer.signMessage(message) },
      { statement: "Sign in to Chainbill." },
    );
  }

  /** Uploads an invoice proof; answers its hash (the same hash whether it was new or already stored). */
  async uploadInvoice(proof: InvoiceProof): Promise<string> {
    return (await this.api.call("uploadInvoice", { body: invoiceProofToWire(proof) })).hash;
  }

  async uploadLogistics(proof: LogisticsProof): Promise<string> {
    return (await this.api.call("uploadLogistics", { body: logisticsProofToWire(proof) })).hash;
  }

  /**
   * Asks the verifier to check a funding of `request` at `price`: the attestation, or every reason it refuses. Recourse
   * is `request.withRecourse`, the holder's signed choice.
   */
  async fundingCheck(request: FundingRequest, holderSignature: string, price: bigint): Promise<FundingCheckAnswer> {
    const answer = await this.api.request("fundingCheck", {
      params: { id: request.tokenId.toString() },
      body: { request: fundingRequestToWire(request), holderSignature, price: price.toString() },
    });
    if (answer.status === 422) return { ok: false, failures: answer.body.failures, asOfBlock: answer.body.asOfBlock };
    const { attestation, signature, signer, fundingId, asOfBlock } = answer.body;
    return { ok: true, attestation: attestationFromWire(attestation), signature, signer, fundingId, asOfBlock };
  }
}
