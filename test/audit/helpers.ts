import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { financingDomain, signFundingAttestationBy, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { addressesOf } from "../../src/chain/system";
import type { DeploymentRecord } from "../../src/chain/deployment";
import { expect } from "chai";
import { runAudit } from "../../src/audit/run";
import type { ViewRead } from "../../src/audit/viewReader";
import type { AuditOptions, AuditResult } from "../../src/audit/run";
import { DAY, deployConsortium, latestTimestamp, randomHash, systemOf } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { issueTo } from "../helpers/settlement";
import { Role, roleMask } from "../../src/chain/roles";
import { AuditLaxFinancing__factory } from "../../typechain-types";
import type { AuditLaxFinancing } from "../../typechain-types";

/** A consortium deployed for an audit, with the record the auditor finds it by. */
export interface AuditedConsortium extends Consortium {
  record: DeploymentRecord;
}

export { addressesOf };

export async function deployAuditedConsortium(): Promise<AuditedConsortium> {
  const before = await hre.ethers.provider.getBlockNumber();
  const c = await deployConsortium();
  const { chainId } = await hre.ethers.provider.getNetwork();
  return { ...c, record: { chainId, contracts: await addressesOf(systemOf(c)), deploymentBlock: before + 1, source: "test" } };
}

/** Audits on the in-process network. */
export async function audit(record: DeploymentRecord, options: Partial<AuditOptions> = {}): Promise<AuditResult> {
  return runAudit({ provider: hre.ethers.provider, record, ...options });
}

let nonce = 1_000n;

export interface FundOptions {
  holder: HardhatEthersSigner;
  tokenId: bigint;
  value: bigint;
  price: bigint;
  factor?: HardhatEthersSigner;
  verifiers?: HardhatEthersSigner[];
  /** The holder's recourse choice (default: a plain sale). */
  withRecourse?: boolean;
  /** Where `fund` is sent (default: the consortium's Financing). */
  financing?: {
    address: string;
    fund: (request: FundingRequest, holderSignature: string, attestation: FundingAttestation, signatures: string[]) => Promise<string>;
  };
}

/** The factor buys `value` of a piece at `price`, attested by the verifiers; returns the funding's transaction hash. */
export async function fundPiece(c: Consortium, options: FundOptions): Promise<string> {
  const factor = options.factor ?? c.factor;
  const financingAddress = options.financing?.address ?? (await c.financing.getAddress());
  const { chainId } = await hre.ethers.provider.getNetwork();
  const domain = financingDomain(chainId, financingAddress);
  nonce += 1n;
  const deadline = (await latestTimestamp()) + DAY;
  const request: FundingRequest = {
    tokenId: options.tokenId,
    value: options.value,
    minPrice: options.price,
    factor: factor.address,
    withRecourse: options.withRecourse ?? false,
    deadline,
    nonce,
  };
  const attestation: FundingAttestation = {
    tokenId: options.tokenId,
    holder: options.holder.address,
    factor: factor.address,
    value: options.value,
    price: options.price,
    invoiceHash: randomHash(),
    logisticsHash: randomHash(),
    tradeProofHash: randomHash(),
    withRecourse: options.withRecourse ?? false,
    deadline,
    nonce,
  };
  const holderSignature = await signFundingRequest(options.holder, domain, request);
  const signatures = await signFundingAttestationBy(options.verifiers ?? [c.verifier], domain, attestation);
  await issueTo(c, factor, options.price);
  await (await c.settlementToken.connect(factor).approve(financingAddress, options.price)).wait();
  if (options.financing !== undefined) return options.financing.fund(request, holderSignature, attestation, signatures);
  const sent = await c.financing.connect(factor).fund(request, holderSignature, attestation, signatures);
  await sent.wait();
  return sent.hash.toLowerCase();
}

/** Findings as "CODE: message" lines, for assertion messages. */
export function describeFindings(result: AuditResult): string {
  return result.findings.map((finding) => `${finding.code}: ${finding.message}`).join("\n");
}

/**
 * The test-only lax financing contract (it skips checks the real one makes), deployed and admitted as a member: it
 * moves pieces as an approved address, which only an active member (or the real financing contract) may do.
 */
export async function deployLaxFinancing(c: AuditedConsortium): Promise<{ lax: AuditLaxFinancing; laxAddress: string }> {
  const lax = await new AuditLaxFinancing__factory(c.operator).deploy(await c.receivableToken.getAddress(), await c.settlementToken.getAddress());
  const laxAddress = await lax.getAddress();
  await (
    await c.registry.admit(hre.ethers.id("AUDIT-LAX-FINANCING"), laxAddress, roleMask(Role.AUDITOR), (await latestTimestamp()) + 365n * DAY)
  ).wait();
  return { lax, laxAddress };
}

/**
 * Fails unless `answer` is what a plain `eth_call` of `read` at `tag` gives: the view's first `answerWords` words, or
 * an Error with the node's own message where the view reverts. Whether the view answered.
 */
export async function expectPlainAnswer(read: ViewRead, tag: string, answer: unknown, label: string): Promise<boolean> {
  const plain: unknown = await hre.network.provider
    .send("eth_call", [{ to: read.to, data: read.selector + read.argument.toString(16).padStart(64, "0") }, tag])
    .catch((error: unknown) => error);
  if (plain instanceof Error) {
    expect(answer, label).to.be.instanceOf(Error);
    expect((answer as Error).message, label).to.equal(plain.message);
    return false;
  }
  expect(answer, label).to.equal((plain as string).slice(0, 2 + 64 * read.answerWords));
  return true;
}
