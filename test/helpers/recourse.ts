import hre from "hardhat";
import { id } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { financingDomain, fundingAttestationDigest, signFundingAttestation, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import type { Consortium } from "./consortium";
import { latestTimestamp, DAY } from "./consortium";

/** A funding as a recourse test needs it: the attestation (which `recordRecourse` / `payRecourse` take), its id, the piece. */
export interface RecourseFunding {
  attestation: FundingAttestation;
  fundingId: string;
  fundedTokenId: bigint;
}

export interface FundOptions {
  holder: HardhatEthersSigner;
  tokenId: bigint;
  value: bigint;
  price: bigint;
  withRecourse: boolean;
  /** The factor; `c.factor` by default. It must hold the price and have approved Financing. */
  factor?: HardhatEthersSigner;
  nonce?: bigint;
}

let nonces = 1_000_000n;

/** The holder signs a request, the consortium's verifier attests, the factor funds: returns what recourse needs. */
export async function fundPiece(c: Consortium, options: FundOptions): Promise<RecourseFunding> {
  const factor = options.factor ?? c.factor;
  const { chainId } = await hre.ethers.provider.getNetwork();
  const domain = financingDomain(chainId, await c.financing.getAddress());
  const now = await latestTimestamp();
  nonces += 1n;
  const nonce = options.nonce ?? nonces;
  const request: FundingRequest = {
    tokenId: options.tokenId,
    value: options.value,
    minPrice: options.price,
    factor: factor.address,
    withRecourse: options.withRecourse,
    deadline: now + 7n * DAY,
    nonce,
  };
  const attestation: FundingAttestation = {
    tokenId: options.tokenId,
    holder: options.holder.address,
    factor: factor.address,
    value: options.value,
    price: options.price,
    invoiceHash: id(`recourse invoice ${nonce}`),
    logisticsHash: id(`recourse waybill ${nonce}`),
    tradeProofHash: id(`recourse proof ${nonce}`),
    withRecourse: options.withRecourse,
    deadline: now + DAY,
    nonce,
  };
  const holderSignature = await signFundingRequest(options.holder, domain, request);
  const verifierSignature = await signFundingAttestation(c.verifier, domain, attestation);
  const fund = c.financing.connect(factor);
  const [, fundedTokenId] = await fund.fund.staticCall(request, holderSignature, attestation, [verifierSignature]);
  await (await fund.fund(request, holderSignature, attestation, [verifierSignature])).wait();
  return { attestation, fundingId: fundingAttestationDigest(domain, attestation), fundedTokenId };
}

/** The seller approves Financing for `amount` and pays it as recourse on the funding. */
export async function payRecourse(c: Consortium, seller: HardhatEthersSigner, funding: RecourseFunding, amount: bigint): Promise<void> {
  await (await c.settlementToken.connect(seller).approve(await c.financing.getAddress(), amount)).wait();
  await (await c.financing.connect(seller).payRecourse(funding.attestation, amount)).wait();
}
