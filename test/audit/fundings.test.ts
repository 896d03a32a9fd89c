import { expect } from "chai";
import { Wallet, id } from "ethers";
import { financingDomain, fundingAttestationDigest, fundingRequestDigest, signFundingAttestation } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { FundingDigests, recoverSigner, recoverSigners } from "../../src/audit/fundings";

/** The audit's fast EIP-712 digests and threaded recovery agree with the shared helpers (src/chain/funding.ts). */
describe("audit funding digests and signer recovery", function () {
  const financing = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const request: FundingRequest = { tokenId: (7n << 32n) | 3n, value: 12_345n, minPrice: 12_000n, factor: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", withRecourse: true, deadline: 1_900_000_000n, nonce: 42n };
  const attestation: FundingAttestation = {
    tokenId: request.tokenId,
    holder: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    factor: request.factor,
    value: request.value,
    price: 12_100n,
    invoiceHash: id("invoice"),
    logisticsHash: id("waybill"),
    tradeProofHash: id("lineage"),
    withRecourse: true,
    deadline: request.deadline,
    nonce: request.nonce,
  };

  it("computes the same request and attestation digests as the shared EIP-712 helpers", function () {
    for (const chainId of [31337n, 741741n]) {
      const digests = new FundingDigests(chainId, financing);
      const domain = financingDomain(chainId, financing);
      expect(digests.request(request)).to.equal(fundingRequestDigest(domain, request));
      expect(digests.attestation(attestation)).to.equal(fundingAttestationDigest(domain, attestation));
      expect(digests.attestation({ ...attestation, withRecourse: false })).to.equal(fundingAttestationDigest(domain, { ...attestation, withRecourse: false }));
      expect(digests.attestation({ ...attestation, price: attestation.price + 1n })).not.to.equal(digests.attestation(attestation));
    }
  });

  it("recovers signers on worker threads exactly as in the main thread, malformed signatures as null", async function () {
    const wallets = Array.from({ length: 3 }, () => Wallet.createRandom());
    const domain = financingDomain(31337n, financing);
    const digest = fundingAttestationDigest(domain, attestation);
    const pairs: Array<[string, string]> = [];
    for (let k = 0; k < 150; k += 1) pairs.push([digest, await signFundingAttestation(wallets[k % 3], domain, attestation)]);
    pairs.push([digest, `0x${"00".repeat(65)}`]);
    const recovered = await recoverSigners(pairs);
    expect(recovered).to.have.length(151);
    expect(recovered.slice(0, 150)).to.deep.equal(pairs.slice(0, 150).map((_, k) => wallets[k % 3].address.toLowerCase()));
    expect(recovered[150]).to.equal(null);
    expect(recoverSigner(pairs[0][0], pairs[0][1])).to.equal(wallets[0].address.toLowerCase());
  });
});
