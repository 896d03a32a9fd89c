import hre from "hardhat";
import { id, toQuantity } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Role, roleMask } from "../../../src/chain/roles";
import { addressesOf } from "../../../src/chain/system";
import type { ChainbillAddresses } from "../../../src/chain/system";
import { DAY, YEAR, deployConsortium, latestTimestamp, systemOf } from "../../helpers/consortium";
import type { Consortium } from "../../helpers/consortium";
import { hardhatDigestSigner, modelSetupFromChain, prepareFinance, sendAction } from "../../invariants/chainSequences";
import { initialModel, layoutOf, outsiderLeiHash, resolve, transition } from "../../invariants/receivable.model";
import type { Action, ActorLayout, ActorModel, ModelSetup, Op } from "../../invariants/receivable.model";

/**
 * Drives the contract suites' property-based operation sequences (test/invariants/receivable.model.ts) on the
 * in-process network, so the indexer tests see the same variety of histories the invariant tests do: confirmations,
 * splits, transfers with proof, merges, whole transfers, suspensions, pauses, fundings, repayments, claims,
 * overdue flags, currency issue and redemption. Only the calls the model predicts to succeed are sent (a reverted
 * call leaves no event); a predicted success that reverts fails the run.
 */

const GRACE_PERIOD = 5n * DAY;

export interface SequenceWorld {
  consortium: Consortium;
  addresses: ChainbillAddresses;
  /** The block the registry was deployed in (the indexer's start block). */
  deploymentBlock: number;
  layout: ActorLayout;
  /** Runs one operation sequence from the baseline state; returns how many transactions it sent. */
  run(ops: readonly Op[]): Promise<number>;
  /** Transactions sent so far, by kind of action. */
  readonly sentByKind: Map<string, number>;
}

export async function createSequenceWorld(): Promise<SequenceWorld> {
  const deploymentBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
  const c = await deployConsortium();
  const [supplier4, factor2, hybrid, stranger] = c.outsiders;
  const now = await latestTimestamp();
  const extra: Array<[HardhatEthersSigner, string, number, bigint]> = [
    [supplier4, "INDEXER-SUPPLIER-4", roleMask(Role.SUPPLIER), now + 2n * YEAR],
    [factor2, "INDEXER-FACTOR-2", roleMask(Role.FACTOR), now + 2n * YEAR],
    [hybrid, "INDEXER-SUPPLIER-FACTOR-5", roleMask(Role.SUPPLIER, Role.FACTOR), now + 60n * DAY],
  ];
  for (const [signer, name, roles, kycValidUntil] of extra) {
    await (await c.registry.connect(c.operator).admit(id(name), signer.address, roles, kycValidUntil)).wait();
  }
  const cast: Array<[string, HardhatEthersSigner]> = [
    ["tier1", c.tier1],
    ["tier2", c.tier2],
    ["tier3", c.tier3],
    ["factor", c.factor],
    ["supplier4", supplier4],
    ["factor2", factor2],
    ["hybrid5", hybrid],
    ["anchor", c.anchor],
    ["carrier", c.carrier],
    ["verifier", c.verifier],
    ["outsider", stranger],
  ];
  const actors: ActorModel[] = [];
  for (const [name, signer] of cast) {
    const memberId = Number(await c.registry.memberIdOf(signer.address));
    if (memberId === 0) {
      actors.push({
        name,
        address: signer.address,
        memberId,
        roles: 0,
        status: "ACTIVE",
        kycValidUntil: 0n,
        leiHash: outsiderLeiHash(signer.address),
      });
      continue;
    }
    const record = await c.registry.member(memberId);
    actors.push({
      name,
      address: signer.address,
      memberId,
      roles: Number(record.roles),
      status: "ACTIVE",
      kycValidUntil: record.kycValidUntil,
      leiHash: record.leiHash,
    });
  }
  const signers = cast.map(([, signer]) => signer);
  const layout = layoutOf(actors);
  const addresses: ChainbillAddresses = await addressesOf(systemOf(c));
  await prepareFinance(c, { actors, signers }, layout.factors, addresses, GRACE_PERIOD);
  const sign = hardhatDigestSigner();

  function send(action: Exclude<Action, { kind: "advanceTime" }>): Promise<ContractTransactionResponse> {
    return sendAction(c, { actors, signers }, action);
  }

  const sentByKind = new Map<string, number>();

  async function run(ops: readonly Op[]): Promise<number> {
    // Each sequence starts from the chain's current state and clock, with the model's starting point.
    const setup: ModelSetup = await modelSetupFromChain(c, {
      actors: await Promise.all(
        actors.map(async (actor): Promise<ActorModel> => {
          if (actor.memberId === 0) return actor;
          const record = await c.registry.member(actor.memberId);
          return { ...actor, status: record.status === 2n ? "SUSPENDED" : "ACTIVE" };
        }),
      ),
      anchor: cast.findIndex(([name]) => name === "anchor"),
      addresses,
      gracePeriod: GRACE_PERIOD,
      sign,
    });
    const model = initialModel(setup);
    if (await c.receivableToken.paused()) model.paused = true;
    let sent = 0;
    for (const op of ops) {
      const action = resolve(model, op);
      if (action === undefined) continue;
      const at = model.now;
      const outcome = transition(model, action);
      if (action.kind === "advanceTime" || !outcome.ok) continue;
      await hre.network.provider.send("evm_setNextBlockTimestamp", [toQuantity(at)]);
      const receipt = await (await send(action)).wait();
      if (receipt === null || receipt.status !== 1) throw new Error(`${action.kind} predicted to succeed did not`);
      sent += 1;
      sentByKind.set(action.kind, (sentByKind.get(action.kind) ?? 0) + 1);
    }
    return sent;
  }

  return { consortium: c, addresses, deploymentBlock, layout, run, sentByKind };
}
