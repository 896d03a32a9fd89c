import hre from "hardhat";
import { MaxUint256 } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ChainbillAddresses } from "../../src/chain/system";
import { latestTimestamp } from "../helpers/consortium";
import { hardhatSigningKeys } from "../helpers/signingKeys";
import type { Consortium } from "../helpers/consortium";
import { mayMergeInto } from "./receivable.model";
import type { Action, ActorModel, DigestSigner, ModelSetup } from "./receivable.model";

const SPLIT = "transferFrom(uint256,address,uint256)";
const MERGE = "transferFrom(uint256,uint256,uint256)";
const WHOLE = "transferFrom(address,address,uint256)";

/** Who acts in a sequence: the model's actors and, index for index, the signers that act for them. */
export interface SequenceCast {
  actors: readonly ActorModel[];
  signers: readonly HardhatEthersSigner[];
}

/**
 * Sends one of the model's actions to the contracts, as the actor it names: what the invariant property test and
 * the indexer's sequence generator both play against the chain.
 */
export function sendAction(
  c: Consortium,
  cast: SequenceCast,
  action: Exclude<Action, { kind: "advanceTime" }>,
): Promise<ContractTransactionResponse> {
  const { actors, signers } = cast;
  switch (action.kind) {
    case "confirm":
      return c.receivableToken.connect(c.anchor).confirm({
        supplier: actors[action.supplier].address,
        faceValue: action.faceValue,
        maturity: action.maturity,
        currency: "0x434e59", // "CNY"
        invoiceHash: action.documents.invoiceHash,
        logisticsHash: action.documents.logisticsHash,
        invoiceNumber: action.documents.invoiceNumber,
        sellerConsent: action.documents.sellerConsent,
      });
    case "split":
      return c.receivableToken.connect(signers[action.caller])[SPLIT](action.from, actors[action.to].address, action.value);
    case "transferWithProof":
      return c.receivableToken.connect(signers[action.caller]).transferWithProof(action.from, actors[action.to].address, action.value, {
        invoiceNumber: action.documents.invoiceNumber,
        invoiceHash: action.documents.invoiceHash,
        logisticsHash: action.documents.logisticsHash,
        sellerConsent: action.documents.sellerConsent,
      });
    case "merge":
      return c.receivableToken.connect(signers[action.caller])[MERGE](action.from, action.target, action.value);
    case "transferWhole":
      return c.receivableToken.connect(signers[action.caller])[WHOLE](actors[action.caller].address, actors[action.to].address, action.tokenId);
    case "suspend":
      return c.registry.connect(c.operator).suspend(actors[action.member].memberId);
    case "reinstate":
      return c.registry.connect(c.operator).reinstate(actors[action.member].memberId);
    case "pause":
      return c.receivableToken.connect(c.operator).pause();
    case "unpause":
      return c.receivableToken.connect(c.operator).unpause();
    case "fund": {
      const { caller, request, holderSignature, attestation, verifierSignatures } = action.call;
      return c.financing.connect(signers[caller]).fund(request, holderSignature, attestation, [...verifierSignatures]);
    }
    case "repay":
      return c.settlement.connect(signers[action.caller]).repay(action.slot, action.amount);
    case "claim":
      return c.settlement.connect(signers[action.caller]).claim(action.tokenId);
    case "claimMany":
      return c.settlement.connect(signers[action.caller]).claimMany([...action.tokenIds]);
    case "flagOverdue":
      return c.settlement.connect(signers[action.caller]).flagOverdue(action.slot);
    case "issue":
      return c.settlementToken.connect(c.issuer).issue(actors[action.to].address, action.amount);
    case "redeemCurrency":
      return c.settlementToken.connect(c.issuer).redeem(action.amount);
    case "demandRecourse":
      return c.financing.connect(signers[action.caller]).recordRecourse(action.attestation);
    case "payRecourse":
      return c.financing.connect(signers[action.caller]).payRecourse(action.attestation, action.amount);
    case "setCreditLine":
      return c.receivableToken.connect(c.operator).setCreditLine(actors[action.member].memberId, action.limit, action.reviewDate);
  }
}

/** What the model needs of the chain to start a sequence, besides the actors and the signing function. */
export interface ModelStart {
  actors: ActorModel[];
  /** Index of the anchor among the actors. */
  anchor: number;
  addresses: Pick<ChainbillAddresses, "financing" | "settlement">;
  gracePeriod: bigint;
  sign: DigestSigner;
}

/**
 * The model's starting point read from the chain as it stands: the operator's and issuer's KYC, every actor's
 * currency balance, the issuer's float and total issued, and a clock one second past the latest block.
 */
export async function modelSetupFromChain(c: Consortium, start: ModelStart): Promise<ModelSetup> {
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const [operatorRecord, issuerRecord] = await Promise.all(
    [c.operator.address, c.issuer.address].map(async (account) => c.registry.member(Number(await c.registry.memberIdOf(account)))),
  );
  const line = await c.receivableToken.creditLine(start.actors[start.anchor].memberId);
  return {
    creditLine: { limit: line.limit, outstanding: line.outstanding, reviewDate: line.reviewDate },
    actors: start.actors,
    anchor: start.anchor,
    operatorAddress: c.operator.address,
    operatorKycValidUntil: operatorRecord.kycValidUntil,
    // Every transaction is mined at a timestamp the model chose; the first one just after the latest block.
    now: (await latestTimestamp()) + 1n,
    finance: {
      chainId,
      financingAddress: start.addresses.financing,
      settlementAddress: start.addresses.settlement,
      receivableTokenAddress: await c.receivableToken.getAddress(),
      otherContractAddress: start.addresses.settlement,
      gracePeriod: start.gracePeriod,
      issuerAddress: c.issuer.address,
      issuerKycValidUntil: issuerRecord.kycValidUntil,
      balances: await Promise.all(start.actors.map((actor) => c.settlementToken.balanceOf(actor.address))),
      issuerBalance: await c.settlementToken.balanceOf(c.issuer.address),
      totalIssued: await c.settlementToken.totalIssued(),
      sign: start.sign,
    },
  };
}

/** Currency the issuer gives the anchor and each factor in setup: more than any sequence can spend. */
export const WORKING_BALANCE = 1n << 72n;
/** Currency the issuer keeps for itself, so that it has something to redeem. */
export const ISSUER_FLOAT = 1_000_000_000_000n;

/**
 * Readies the finance side for sequences. Settlement gets a grace period after maturity. The issuer funds the
 * anchor (which lets settlement take repayments) and the factors (which let financing take prices), and keeps a
 * float to redeem. Each actor makes the next one its operator for all, as `mayMergeInto` tells the model, so
 * that some merges into another holder's piece go through.
 */
export async function prepareFinance(
  c: Consortium,
  cast: SequenceCast,
  factors: readonly number[],
  addresses: Pick<ChainbillAddresses, "financing" | "settlement">,
  gracePeriod: bigint,
): Promise<void> {
  await (await c.settlement.connect(c.operator).setGracePeriod(gracePeriod)).wait();
  // The anchor's line at the 64-bit maximum, so that face values near 2^64 still confirm; the sequences' own
  // setCreditLine steps lower and raise it.
  const anchorId = await c.registry.memberIdOf(c.anchor.address);
  await (
    await c.receivableToken.connect(c.operator).setCreditLine(anchorId, (1n << 64n) - 1n, (await latestTimestamp()) + 3n * 365n * 86_400n)
  ).wait();
  await (await c.settlementToken.connect(c.issuer).issue(c.anchor.address, WORKING_BALANCE)).wait();
  await (await c.settlementToken.connect(c.anchor).approve(addresses.settlement, MaxUint256)).wait();
  for (const index of factors) {
    await (await c.settlementToken.connect(c.issuer).issue(cast.actors[index].address, WORKING_BALANCE)).wait();
    await (await c.settlementToken.connect(cast.signers[index]).approve(addresses.financing, MaxUint256)).wait();
  }
  await (await c.settlementToken.connect(c.issuer).issue(c.issuer.address, ISSUER_FLOAT)).wait();
  // Every other actor lets Financing pull recourse payments it sends (a seller pays its factor through Financing).
  for (let index = 0; index < cast.actors.length; index += 1) {
    if (factors.includes(index)) continue;
    await (await c.settlementToken.connect(cast.signers[index]).approve(addresses.financing, MaxUint256)).wait();
  }
  const actorCount = cast.actors.length;
  for (let owner = 0; owner < actorCount; owner += 1) {
    const operator = (owner + 1) % actorCount;
    if (!mayMergeInto(owner, operator, actorCount) || operator === owner) continue;
    await (await c.receivableToken.connect(cast.signers[owner]).setApprovalForAll(cast.actors[operator].address, true)).wait();
  }
}

/** Synchronous EIP-712 signing for the model, with the Hardhat accounts' private keys. */
export function hardhatDigestSigner(): DigestSigner {
  const keys = hardhatSigningKeys();
  return (address, digest) => {
    const key = keys.get(address.toLowerCase());
    if (key === undefined) throw new Error(`no private key for ${address}`);
    return key.sign(digest).serialized;
  };
}
