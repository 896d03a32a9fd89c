import { expect } from "chai";
import fc from "fast-check";
import { TypedDataEncoder, Wallet, getAddress, hexlify } from "ethers";
import {
  FUNDING_ATTESTATION_TYPES,
  FUNDING_REQUEST_TYPES,
  financingDomain,
  fundingAttestationDigest,
  fundingRequestDigest,
  recoverFundingAttestationSigner,
  signFundingAttestation,
} from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";

/** The generic EIP-712 encoder of ethers: the reference the word-by-word digests must equal. */
function referenceDigest(
  domain: ReturnType<typeof financingDomain>,
  types: Record<string, readonly { name: string; type: string }[]>,
  value: Record<string, unknown>,
): string {
  const table = Object.fromEntries(Object.entries(types).map(([name, fields]) => [name, fields.map((field) => ({ ...field }))]));
  return TypedDataEncoder.hash({ ...domain }, table, value);
}

const uint = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => getAddress(hexlify(bytes)));
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => hexlify(bytes));
const domain = fc
  .record({ chainId: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), contract: address })
  .map(({ chainId, contract }) => financingDomain(chainId, contract));

describe("funding messages (src/chain/funding.ts)", function () {
  it("requestDigest_equalsTheGenericEip712Encoder", function () {
    fc.assert(
      fc.property(
        domain,
        fc.record({ tokenId: uint, value: uint, minPrice: uint, factor: address, withRecourse: fc.boolean(), deadline: uint, nonce: uint }),
        (d, request: FundingRequest) => {
          expect(fundingRequestDigest(d, request)).to.equal(referenceDigest(d, FUNDING_REQUEST_TYPES, { ...request }));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("attestationDigest_equalsTheGenericEip712Encoder", function () {
    const attestation = fc.record({
      tokenId: uint,
      holder: address,
      factor: address,
      value: uint,
      price: uint,
      invoiceHash: bytes32,
      logisticsHash: bytes32,
      tradeProofHash: bytes32,
      withRecourse: fc.boolean(),
      deadline: uint,
      nonce: uint,
    });
    fc.assert(
      fc.property(domain, attestation, (d, a: FundingAttestation) => {
        expect(fundingAttestationDigest(d, a)).to.equal(referenceDigest(d, FUNDING_ATTESTATION_TYPES, { ...a }));
      }),
      { numRuns: 200 },
    );
  });

  it("signFundingAttestation_withALocalKey_givesTheSignatureSignTypedDataGives", async function () {
    const wallet = Wallet.createRandom();
    const d = financingDomain(31337n, getAddress("0x" + "12".repeat(20)));
    const attestation: FundingAttestation = {
      tokenId: 5n,
      holder: getAddress("0x" + "34".repeat(20)),
      factor: getAddress("0x" + "56".repeat(20)),
      value: 10_000_000n,
      price: 9_800_000n,
      invoiceHash: "0x" + "ab".repeat(32),
      logisticsHash: "0x" + "cd".repeat(32),
      tradeProofHash: "0x" + "ef".repeat(32),
      withRecourse: true,
      deadline: 1_800_000_000n,
      nonce: 7n,
    };
    const fast = await signFundingAttestation(wallet, d, attestation);
    const generic = await wallet.signTypedData(
      { ...d },
      { FundingAttestation: FUNDING_ATTESTATION_TYPES.FundingAttestation.map((field) => ({ ...field })) },
      { ...attestation },
    );
    expect(fast).to.equal(generic);
    expect(recoverFundingAttestationSigner(d, attestation, fast)).to.equal(wallet.address);
  });

  it("digests_refuseValuesThatDoNotFitTheirType", function () {
    const d = financingDomain(1n, getAddress("0x" + "12".repeat(20)));
    const request: FundingRequest = {
      tokenId: 1n << 256n,
      value: 1n,
      minPrice: 1n,
      factor: getAddress("0x" + "34".repeat(20)),
      withRecourse: false,
      deadline: 1n,
      nonce: 1n,
    };
    expect(() => fundingRequestDigest(d, request)).to.throw(RangeError, "does not fit a uint256");
    expect(() => fundingRequestDigest(d, { ...request, tokenId: 1n, factor: "0x1234" })).to.throw(TypeError, "is not an address");
    // A mixed-case address must carry a right EIP-55 checksum; all lower or all upper case carries none.
    const checksummed = getAddress("0x52908400098527886e0f7030069857d2e4169ee7");
    const letter = checksummed.slice(2).search(/[a-fA-F]/u) + 2;
    const flipped = checksummed[letter] === checksummed[letter].toUpperCase() ? checksummed[letter].toLowerCase() : checksummed[letter].toUpperCase();
    const wrongCase = checksummed.slice(0, letter) + flipped + checksummed.slice(letter + 1);
    const fine = { ...request, tokenId: 1n, factor: checksummed };
    expect(() => fundingRequestDigest(d, { ...fine, factor: wrongCase })).to.throw(TypeError, "wrong checksum");
    expect(fundingRequestDigest(d, { ...fine, factor: checksummed.toLowerCase() })).to.equal(fundingRequestDigest(d, fine));
    expect(fundingRequestDigest(d, { ...fine, factor: "0x" + checksummed.slice(2).toUpperCase() })).to.equal(fundingRequestDigest(d, fine));
    const attestation: FundingAttestation = {
      tokenId: 1n,
      holder: checksummed,
      factor: checksummed,
      value: 1n,
      price: 1n,
      invoiceHash: "0x" + "ab".repeat(31),
      logisticsHash: "0x" + "cd".repeat(32),
      tradeProofHash: "0x" + "ef".repeat(32),
      withRecourse: false,
      deadline: 1n,
      nonce: 1n,
    };
    expect(() => fundingAttestationDigest(d, attestation)).to.throw(TypeError, "is not 32 bytes");
  });
});
