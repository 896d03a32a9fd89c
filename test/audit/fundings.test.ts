import { expect } from "chai";
import { Wallet, id } from "ethers";
import { financingDomain, fundingAttestationDigest, fundingRequestDigest, signFundingAttestation } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import fc from "fast-check";
import { FINANCING_INTERFACE } from "../../src/audit/decode";
import {
  FundingDigests,
  decodeFundDirectly,
  parseFundCall,
  parseFundCallWithEthers,
  recoverSigner,
  recoverSigners,
  recoveryThreads,
} from "../../src/audit/fundings";
import { selectSignatureBackend } from "../../src/chain/signatures";
import { confirmReceivable } from "../helpers/consortium";
import { audit, deployAuditedConsortium, describeFindings, fundPiece, deployLaxFinancing } from "./helpers";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Variants of a genuine signature: v as 0/1, the high-s twin, zero r, one byte short, one byte long. */
function malformations(signature: string): string[] {
  const body = signature.slice(2, 130);
  const v = Number.parseInt(signature.slice(130), 16);
  const s = BigInt(`0x${body.slice(64)}`);
  return [
    `0x${body}${(v - 27).toString(16).padStart(2, "0")}`,
    `0x${body.slice(0, 64)}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`,
    `0x${"00".repeat(32)}${body.slice(64)}${v.toString(16)}`,
    signature.slice(0, -2),
    `${signature}00`,
  ];
}

/** The audit's fast EIP-712 digests and threaded recovery agree with the shared helpers (src/chain/funding.ts). */
describe("audit funding digests and signer recovery", function () {
  const financing = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const request: FundingRequest = {
    tokenId: (7n << 32n) | 3n,
    value: 12_345n,
    minPrice: 12_000n,
    factor: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    withRecourse: true,
    deadline: 1_900_000_000n,
    nonce: 42n,
  };
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
      expect(digests.attestation({ ...attestation, withRecourse: false })).to.equal(
        fundingAttestationDigest(domain, { ...attestation, withRecourse: false }),
      );
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
    const recovered = await recoverSigners(pairs, 2);
    expect(recovered).to.have.length(151);
    expect(recovered.slice(0, 150)).to.deep.equal(pairs.slice(0, 150).map((_, k) => wallets[k % 3].address.toLowerCase()));
    expect(recovered[150]).to.equal(null);
    expect(recoverSigner(pairs[0][0], pairs[0][1])).to.equal(wallets[0].address.toLowerCase());
  });

  describe("with libsecp256k1 and with the JavaScript fallback (issue 20)", function () {
    afterEach(function () {
      selectSignatureBackend(undefined, () => undefined);
    });

    it("signatures: the audit recovers the same signers with either implementation, inline and on worker threads", async function () {
      const wallets = Array.from({ length: 3 }, (_, index) => new Wallet(id(`audit signatures key ${index}`)));
      const domain = financingDomain(31337n, financing);
      const pairs: Array<[string, string]> = [];
      for (let k = 0; k < 24; k += 1) {
        const digest = fundingAttestationDigest(domain, { ...attestation, nonce: BigInt(k) });
        const signature = await signFundingAttestation(wallets[k % 3], domain, { ...attestation, nonce: BigInt(k) }, digest);
        pairs.push([digest, signature], ...malformations(signature).map((variant): [string, string] => [digest, variant]));
      }
      const expected = pairs.map((_, index) => (index % 6 === 0 ? wallets[Math.floor(index / 6) % 3].address.toLowerCase() : null));
      for (const backend of ["native", "js"] as const) {
        selectSignatureBackend(backend, () => undefined);
        expect(await recoverSigners(pairs, 1), `${backend}, inline`).to.deep.equal(expected);
        expect(await recoverSigners(pairs, 2), `${backend}, two workers`).to.deep.equal(expected);
      }
    });

    it("signatures: worker threads only when there is more recovery than one thread does in about a second", function () {
      expect(recoveryThreads(6_000, "native", 2)).to.equal(1);
      expect(recoveryThreads(60_000, "native", 2)).to.equal(2);
      expect(recoveryThreads(300, "js", 2)).to.equal(1);
      expect(recoveryThreads(6_000, "js", 2)).to.equal(2);
    });

    it("attack: a funding whose holder signature has v 0/1 (refused by Financing's ECDSA) is FUNDING_NO_CONSENT with either implementation", async function () {
      const c = await deployAuditedConsortium();
      const { lax, laxAddress } = await deployLaxFinancing(c);
      const record = { ...c.record, contracts: { ...c.record.contracts, financing: laxAddress } };
      let mangle = false;
      const laxFinancing = {
        address: laxAddress,
        fund: async (...args: Parameters<typeof lax.fund>): Promise<string> => {
          // The tests sign with hex strings.
          const [request, holderSignature, ...rest] = args;
          const sent = await lax.connect(c.factor).fund(request, mangle ? malformations(holderSignature as string)[0] : holderSignature, ...rest);
          await sent.wait();
          return sent.hash.toLowerCase();
        },
      };
      const first = await confirmReceivable(c, { supplier: c.tier1, faceValue: 50_000_000n });
      const second = await confirmReceivable(c, { supplier: c.tier2, faceValue: 20_000_000n });
      await (await c.receivableToken.connect(c.tier1)["approve(address,uint256)"](laxAddress, first.tokenId)).wait();
      await (await c.receivableToken.connect(c.tier2)["approve(address,uint256)"](laxAddress, second.tokenId)).wait();
      await fundPiece(c, { holder: c.tier1, tokenId: first.tokenId, value: 50_000_000n, price: 49_000_000n, financing: laxFinancing });
      selectSignatureBackend("native", () => undefined);
      expect(describeFindings(await audit(record))).to.equal("");

      mangle = true;
      const mangled = await fundPiece(c, {
        holder: c.tier2,
        tokenId: second.tokenId,
        value: 20_000_000n,
        price: 19_500_000n,
        financing: laxFinancing,
      });
      const verdicts: string[][] = [];
      for (const backend of ["native", "js"] as const) {
        selectSignatureBackend(backend, () => undefined);
        const result = await audit(record);
        verdicts.push(result.findings.map((finding) => `${finding.code} ${finding.transactionHash} ${finding.message}`));
        expect(
          result.findings.map((finding) => [finding.code, finding.transactionHash]),
          describeFindings(result),
        ).to.deep.equal([["FUNDING_NO_CONSENT", mangled]]);
      }
      expect(verdicts[1]).to.deep.equal(verdicts[0]);
    });
  });

  it("decodes fund calldata word by word exactly as ethers' ABI decoder does, corrupted calldata included", function () {
    const digests = new FundingDigests(31337n, financing);
    const hexBytes = (min: number, max: number): fc.Arbitrary<string> =>
      fc.uint8Array({ minLength: min, maxLength: max }).map((bytes) => `0x${Buffer.from(bytes).toString("hex")}`);
    const uint = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
    const address = hexBytes(20, 20);
    const valid = fc
      .record({
        request: fc.record({ tokenId: uint, value: uint, minPrice: uint, factor: address, withRecourse: fc.boolean(), deadline: uint, nonce: uint }),
        holderSignature: hexBytes(0, 100),
        attestation: fc.record({
          tokenId: uint,
          holder: address,
          factor: address,
          value: uint,
          price: uint,
          invoiceHash: hexBytes(32, 32),
          logisticsHash: hexBytes(32, 32),
          tradeProofHash: hexBytes(32, 32),
          withRecourse: fc.boolean(),
          deadline: uint,
          nonce: uint,
        }),
        verifierSignatures: fc.array(hexBytes(0, 80), { maxLength: 4 }),
      })
      .map(({ request, holderSignature, attestation, verifierSignatures }) =>
        FINANCING_INTERFACE.encodeFunctionData("fund", [request, holderSignature, attestation, verifierSignatures]),
      );
    const corruption = fc.oneof(
      fc.constant({ kind: "none" as const }),
      fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant("word" as const),
        word: fc.integer({ min: 0, max: 24 }),
        value: fc.constantFrom(0n, 1n, 31n, 32n, 640n, 641n, 1n << 64n, (1n << 256n) - 1n),
      }),
    );
    const outcome = (parse: () => ReturnType<typeof parseFundCall>): unknown => {
      try {
        return parse();
      } catch {
        return "refused";
      }
    };
    let direct = 0;
    fc.assert(
      fc.property(valid, corruption, (encoded, change) => {
        let input = encoded;
        const body = Buffer.from(encoded.slice(2), "hex");
        if (change.kind === "byte") {
          body[change.at % body.length] = change.value;
          input = `0x${body.toString("hex")}`;
        } else if (change.kind === "truncate") {
          input = `0x${body.subarray(0, change.at % body.length).toString("hex")}`;
        } else if (change.kind === "word") {
          Buffer.from(change.value.toString(16).padStart(64, "0"), "hex").copy(body, 4 + change.word * 32);
          input = `0x${body.toString("hex")}`;
        }
        if (decodeFundDirectly(input) !== null) direct += 1;
        expect(outcome(() => parseFundCall(input, digests))).to.deep.equal(outcome(() => parseFundCallWithEthers(input, digests)));
      }),
      { numRuns: 1_000 },
    );
    expect(direct).to.be.greaterThan(200);
  });
});
