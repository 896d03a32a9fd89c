import { expect } from "chai";
import { creditCodeFor } from "../helpers/creditCodes";
import hre from "hardhat";
import fc from "fast-check";
import { id, toQuantity } from "ethers";
import type { BaseContract, ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Role, roleMask } from "../../src/chain/roles";
import { tokenIdOf } from "../../src/chain/tokenId";
import { financingDomain, fundingAttestationDigest, fundingRequestDigest, signFundingAttestation, signFundingRequest } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { DAY, YEAR, deployConsortium, latestTimestamp } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import { hardhatDigestSigner, modelSetupFromChain, prepareFinance, sendAction } from "./chainSequences";
import {
  actionLabel,
  checkModel,
  claimableAt,
  describeAction,
  initialModel,
  isOverdueAt,
  isTrackedEvent,
  recourseDueAt,
  layoutOf,
  livePieces,
  outsiderLeiHash,
  resolve,
  sequenceArbitrary,
  totalLiveValue,
  transition,
} from "./receivable.model";
import type {
  Action,
  ActorLayout,
  ActorModel,
  ContractName,
  ExpectedEvent,
  ModelSetup,
  Outcome,
  Op,
  PieceModel,
  ReceivableModel,
} from "./receivable.model";

const BALANCE_OF_TOKEN = "balanceOf(uint256)";
const BALANCE_OF_OWNER = "balanceOf(address)";

const DEFAULT_RUNS = 200;

/** Settlement's grace period after maturity in these sequences. */
const GRACE_PERIOD = 5n * DAY;

function runsFromEnvironment(): number {
  const raw = process.env.CHAINBILL_PROPERTY_RUNS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_RUNS;
  const runs = Number(raw);
  if (!Number.isSafeInteger(runs) || runs <= 0) throw new Error(`CHAINBILL_PROPERTY_RUNS must be a positive integer, not "${raw}"`);
  return runs;
}

/** Replays a reported failure: CHAINBILL_PROPERTY_SEED and, optionally, CHAINBILL_PROPERTY_PATH from fast-check's report. */
function replayFromEnvironment(): { seed?: number; path?: string } {
  const raw = process.env.CHAINBILL_PROPERTY_SEED;
  if (raw === undefined || raw.trim() === "") return {};
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`CHAINBILL_PROPERTY_SEED must be an integer, not "${raw}"`);
  const path = process.env.CHAINBILL_PROPERTY_PATH;
  return path === undefined || path.trim() === "" ? { seed } : { seed, path: path.trim() };
}

/** Counters reported at the end of the run. */
interface RunStats {
  sequences: number;
  steps: number;
  skipped: number;
  transactions: number;
  succeeded: number;
  reverted: number;
  outcomes: Map<string, number>;
  /** Over the final states of all sequences. */
  fundings: number;
  piecesRedeemed: number;
  slotsFullyRepaid: number;
  slotsFullyRedeemed: number;
  slotsOverdue: number;
  /** Tracked events emitted, by name; partial claims (a Claimed without redemption) apart. */
  events: Map<string, number>;
}

function token(tokenId: bigint): string {
  return `${tokenId >> 32n}/${tokenId & 0xffffffffn}`;
}

/** An event or error argument in a form that compares by value (addresses and hashes case-insensitively). */
function normalise(value: unknown): string {
  if (typeof value === "bigint" || typeof value === "number") return BigInt(value).toString();
  if (typeof value === "string") return value.toLowerCase();
  if (typeof value === "boolean") return String(value);
  throw new Error(`unexpected event argument ${String(value)}`);
}

function eventText(contract: ContractName, name: string, args: readonly unknown[]): string {
  return `${contract}.${name}(${args.map(normalise).join(", ")})`;
}

/** What the chain itself says happened, tallied from the events of every transaction of a sequence. */
interface ChainTally {
  /** Funded events per funding id. */
  readonly funded: Map<string, number>;
  /** Claimed amounts per piece. */
  readonly received: Map<bigint, bigint>;
  /** Value redeemed per piece, from `TransferValue(tokenId, 0, value)` (a second redemption fails the step). */
  readonly redeemed: Map<bigint, bigint>;
  /** Recourse paid per piece (RecoursePaid), and what of its claims went to the seller (RecourseClaimRouted). */
  readonly recoursePaid: Map<bigint, bigint>;
  readonly routed: Map<bigint, bigint>;
}

/** The live pieces of a slot when it matured (I6: after that only claims may change them, by redeeming them). */
interface FrozenSlot {
  readonly pieceCount: bigint;
  readonly pieces: ReadonlyMap<bigint, { readonly owner: string; readonly value: bigint }>;
}

describe("Receivable, financing and settlement invariants I1–I6, I8 and currency conservation (property-based)", function () {
  let c: Consortium;
  /** Signer of each actor, parallel to `setup.actors`. */
  let signers: HardhatEthersSigner[];
  let setup: ModelSetup;
  let layout: ActorLayout;
  let snapshotId: string;
  let addresses: { financing: string; settlement: string; token: string; currency: string };
  const stats: RunStats = {
    sequences: 0,
    steps: 0,
    skipped: 0,
    transactions: 0,
    succeeded: 0,
    reverted: 0,
    outcomes: new Map<string, number>(),
    fundings: 0,
    piecesRedeemed: 0,
    slotsFullyRepaid: 0,
    slotsFullyRedeemed: 0,
    slotsOverdue: 0,
    events: new Map<string, number>(),
  };

  async function takeSnapshot(): Promise<string> {
    const result: unknown = await hre.network.provider.send("evm_snapshot", []);
    if (typeof result !== "string") throw new Error(`evm_snapshot returned ${String(result)}`);
    return result;
  }

  /** Back to the state right after setup. A snapshot can be reverted to once, so take the next one. */
  async function revertToBaseline(): Promise<void> {
    const reverted: unknown = await hre.network.provider.send("evm_revert", [snapshotId]);
    if (reverted !== true) throw new Error(`evm_revert(${snapshotId}) failed`);
    snapshotId = await takeSnapshot();
  }

  function contractOf(name: ContractName): BaseContract {
    switch (name) {
      case "token":
        return c.receivableToken;
      case "registry":
        return c.registry;
      case "financing":
        return c.financing;
      case "settlement":
        return c.settlement;
      case "currency":
        return c.settlementToken;
    }
  }

  before(async function () {
    c = await deployConsortium();
    const [supplier4, factor2, hybrid, stranger] = c.outsiders;
    const now = await latestTimestamp();
    // Two more holders with the usual two-year KYC, and one supplier-factor whose KYC lapses after 60 days,
    // so that longer sequences also meet a member who is ACTIVE by status but no longer active.
    const extra: Array<[HardhatEthersSigner, string, number, bigint]> = [
      [supplier4, "PROPERTY-SUPPLIER-4", roleMask(Role.SUPPLIER), now + 2n * YEAR],
      [factor2, "PROPERTY-FACTOR-2", roleMask(Role.FACTOR), now + 2n * YEAR],
      [hybrid, "PROPERTY-SUPPLIER-FACTOR-5", roleMask(Role.SUPPLIER, Role.FACTOR), now + 60n * DAY],
    ];
    for (const [signer, name, roles, kycValidUntil] of extra) {
      const creditCode = creditCodeFor(name);
      const leiHash = id(creditCode);
      c.creditCodes.set(signer.address, creditCode);
      await (await c.registry.connect(c.operator).admit(leiHash, signer.address, roles, kycValidUntil)).wait();
      c.memberIds.set(signer.address, Number(await c.registry.memberIdOf(signer.address)));
      c.leiHashes.set(signer.address, leiHash);
    }

    // Holders first, then members who may not hold, then the account that never becomes a member.
    const holders: Array<[string, HardhatEthersSigner]> = [
      ["tier1", c.tier1],
      ["tier2", c.tier2],
      ["tier3", c.tier3],
      ["factor", c.factor],
      ["supplier4", supplier4],
      ["factor2", factor2],
      ["hybrid5", hybrid],
    ];
    const others: Array<[string, HardhatEthersSigner]> = [
      ["anchor", c.anchor],
      ["carrier", c.carrier],
      ["verifier", c.verifier],
      ["outsider", stranger],
    ];
    const cast = [...holders, ...others];
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
      expect(record.status).to.equal(1n, `${name} is ACTIVE after setup`);
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
    signers = cast.map(([, signer]) => signer);
    layout = layoutOf(actors);
    expect(actors.filter((actor) => actor.memberId !== 0 && (actor.roles & roleMask(Role.SUPPLIER, Role.FACTOR)) !== 0)).to.have.length.at.least(6);
    expect(layout.factors.map((index) => actors[index].name)).to.deep.equal(["factor", "factor2", "hybrid5"]);
    expect(actors[actors.length - 1].memberId).to.equal(0, "the outsider is not a member");

    addresses = {
      financing: await c.financing.getAddress(),
      settlement: await c.settlement.getAddress(),
      token: await c.receivableToken.getAddress(),
      currency: await c.settlementToken.getAddress(),
    };
    await prepareFinance(c, { actors, signers }, layout.factors, addresses, GRACE_PERIOD);
    const sign = hardhatDigestSigner();
    const chainId = (await hre.ethers.provider.getNetwork()).chainId;
    // The model's signatures and digests are the ones a wallet and the contract compute.
    const domain = financingDomain(chainId, addresses.financing);
    const request: FundingRequest = {
      tokenId: 1n << 32n,
      value: 5n,
      minPrice: 4n,
      factor: c.factor.address,
      withRecourse: true,
      deadline: now,
      nonce: 7n,
    };
    const attestation: FundingAttestation = {
      tokenId: 1n << 32n,
      holder: c.tier1.address,
      factor: c.factor.address,
      value: 5n,
      price: 4n,
      invoiceHash: id("invoice"),
      logisticsHash: id("logistics"),
      tradeProofHash: id("trade proof"),
      withRecourse: true,
      deadline: now,
      nonce: 8n,
    };
    expect(await c.financing.requestDigest(request)).to.equal(fundingRequestDigest(domain, request));
    expect(await c.financing.attestationDigest(attestation)).to.equal(fundingAttestationDigest(domain, attestation));
    expect(sign(c.tier1.address, fundingRequestDigest(domain, request))).to.equal(await signFundingRequest(c.tier1, domain, request));
    expect(sign(c.verifier.address, fundingAttestationDigest(domain, attestation))).to.equal(
      await signFundingAttestation(c.verifier, domain, attestation),
    );
    expect(await c.settlement.gracePeriod()).to.equal(GRACE_PERIOD);
    expect(await c.financing.requiredVerifiers()).to.equal(1n);

    setup = await modelSetupFromChain(c, {
      actors,
      anchor: cast.findIndex(([name]) => name === "anchor"),
      addresses,
      gracePeriod: GRACE_PERIOD,
      sign,
    });
    expect(await c.settlementToken.totalRedeemed()).to.equal(0n);
    snapshotId = await takeSnapshot();
  });

  after(async function () {
    // Leave the chain as the setup left it (clock included) for whatever test file runs next.
    if (snapshotId !== undefined) await revertToBaseline();
    const outcomes = [...stats.outcomes.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${name} ${count}`)
      .join(", ");
    console.log(
      `      receivable property: ${stats.sequences} sequences, ${stats.steps} steps ` +
        `(${stats.transactions} transactions: ${stats.succeeded} succeeded, ${stats.reverted} reverted as predicted; ` +
        `${stats.skipped} operations skipped (nothing to act on))`,
    );
    console.log(
      `      final states: ${stats.fundings} fundings, ${stats.piecesRedeemed} pieces redeemed, ` +
        `${stats.slotsFullyRepaid} slots fully repaid (${stats.slotsFullyRedeemed} of them fully redeemed), ` +
        `${stats.slotsOverdue} slots flagged overdue`,
    );
    const events = [...stats.events.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${name} ${count}`)
      .join(", ");
    console.log(`      events: ${events}`);
    console.log(`      outcomes: ${outcomes}`);
  });

  function send(action: Exclude<Action, { kind: "advanceTime" }>): Promise<ContractTransactionResponse> {
    return sendAction(c, { actors: setup.actors, signers }, action);
  }

  /** The tracked finance events of a receipt, in log order. */
  function trackedEvents(receipt: ContractTransactionReceipt): Array<{ contract: ContractName; name: string; args: unknown[] }> {
    const byAddress = new Map<string, ContractName>([
      [addresses.financing.toLowerCase(), "financing"],
      [addresses.settlement.toLowerCase(), "settlement"],
      [addresses.token.toLowerCase(), "token"],
      [addresses.currency.toLowerCase(), "currency"],
    ]);
    const events: Array<{ contract: ContractName; name: string; args: unknown[] }> = [];
    for (const log of receipt.logs) {
      const contract = byAddress.get(log.address.toLowerCase());
      if (contract === undefined) continue;
      const parsed = contractOf(contract).interface.parseLog(log);
      if (parsed === null) continue;
      const args: unknown[] = [...parsed.args];
      if (!isTrackedEvent(contract, parsed.name, args)) continue;
      events.push({ contract, name: parsed.name, args });
    }
    return events;
  }

  /** Adds a receipt's Funded, Claimed and redemption events to the tally; a piece redeemed twice fails. */
  function tally(chain: ChainTally, events: ReadonlyArray<{ contract: ContractName; name: string; args: unknown[] }>, context: string): void {
    for (const { name, args } of events) {
      if (name === "Funded") {
        const fundingId = normalise(args[0]);
        chain.funded.set(fundingId, (chain.funded.get(fundingId) ?? 0) + 1);
      } else if (name === "Claimed") {
        const [tokenId, , amount] = args;
        if (typeof tokenId !== "bigint" || typeof amount !== "bigint") throw new Error(`${context}: malformed Claimed event`);
        chain.received.set(tokenId, (chain.received.get(tokenId) ?? 0n) + amount);
      } else if (name === "RecoursePaid" || name === "RecourseClaimRouted") {
        const [tokenId, amount] = name === "RecoursePaid" ? [args[3], args[4]] : [args[0], args[2]];
        if (typeof tokenId !== "bigint" || typeof amount !== "bigint") throw new Error(`${context}: malformed ${name} event`);
        const tallied = name === "RecoursePaid" ? chain.recoursePaid : chain.routed;
        tallied.set(tokenId, (tallied.get(tokenId) ?? 0n) + amount);
      } else if (name === "TransferValue") {
        const [tokenId, , value] = args;
        if (typeof tokenId !== "bigint" || typeof value !== "bigint") throw new Error(`${context}: malformed TransferValue event`);
        if (chain.redeemed.has(tokenId)) throw new Error(`${context}: I6: ${token(tokenId)} redeemed twice`);
        chain.redeemed.set(tokenId, value);
      }
    }
  }

  /** Sends `action` in a block mined at `at` and checks the chain did what the model predicted. */
  async function execute(
    action: Exclude<Action, { kind: "advanceTime" }>,
    at: bigint,
    outcome: Outcome,
    description: string,
    chain: ChainTally,
  ): Promise<void> {
    await hre.network.provider.send("evm_setNextBlockTimestamp", [toQuantity(at)]);
    stats.transactions += 1;
    // A claimMany that pays nothing (empty batch, or nothing due) is counted apart from one that pays.
    const nothingPaid = action.kind === "claimMany" && outcome.ok && outcome.events.length === 0;
    const label = outcome.ok ? `${actionLabel(action)} ok${nothingPaid ? " (nothing paid)" : ""}` : `${actionLabel(action)} ${outcome.error}`;
    stats.outcomes.set(label, (stats.outcomes.get(label) ?? 0) + 1);
    if (outcome.ok) {
      let receipt: ContractTransactionReceipt | null;
      try {
        receipt = await (await send(action)).wait();
      } catch (error) {
        throw new Error(`${description}: the model predicted success, the chain said: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      if (receipt === null || receipt.status !== 1) throw new Error(`${description}: no successful receipt`);
      const events = trackedEvents(receipt);
      const expected = outcome.events.map((e: ExpectedEvent) => eventText(e.contract, e.name, e.args));
      expect(events.map((e) => eventText(e.contract, e.name, e.args))).to.deep.equal(expected, `${description}: events`);
      tally(chain, events, description);
      events.forEach((e, index) => {
        // A claim that completes a piece follows the piece's burn (TransferValue to token 0) in the same receipt.
        const previous = events[index - 1];
        const partial = e.name === "Claimed" && (previous === undefined || previous.name !== "TransferValue" || previous.args[0] !== e.args[0]);
        const name = partial ? "Claimed (partial)" : e.name === "TransferValue" ? "piece redeemed" : e.name;
        stats.events.set(name, (stats.events.get(name) ?? 0) + 1);
      });
      stats.succeeded += 1;
      return;
    }
    const reverted = expect(send(action), `${description}: the model predicted ${outcome.error}`).to.be.revertedWithCustomError(
      contractOf(outcome.contract),
      outcome.error,
    );
    await (outcome.args.length === 0 ? reverted : reverted.withArgs(...outcome.args));
    stats.reverted += 1;
  }

  /**
   * I1–I6 (I4 and I6 with what financing and settlement record) and currency conservation against the chain,
   * plus every piece's owner, value and parent, every slot's account and every balance against the model.
   */
  async function checkChain(
    model: ReceivableModel,
    context: string,
    checkStatuses: boolean,
    chain: ChainTally,
    frozen: ReadonlyMap<bigint, FrozenSlot>,
  ): Promise<void> {
    const checks: Array<Promise<void>> = [];
    const at = (what: string): string => `${context}: ${what}`;
    // Views answer at the latest block: the last transaction that succeeded.
    const viewTime = model.lastMinedAt;

    checks.push(
      c.receivableToken.slotCount().then((count) => {
        expect(count).to.equal(BigInt(model.slots.length), at("slotCount"));
      }),
      latestTimestamp().then((timestamp) => {
        expect(timestamp).to.equal(viewTime, at("latest block time"));
      }),
    );

    const ownerMemberIds = new Map<string, Promise<bigint>>();
    const memberIdOf = (address: string): Promise<bigint> => {
      let pending = ownerMemberIds.get(address);
      if (pending === undefined) {
        pending = c.registry.memberIdOf(address);
        ownerMemberIds.set(address, pending);
      }
      return pending;
    };

    let chainTotal = 0n;
    let chainRepaid = 0n;
    let chainClaimed = 0n;
    let chainOwed = model.creditBaseline;
    for (const terms of model.slots) {
      const pieces: PieceModel[] = [];
      for (let seq = 1n; seq <= terms.lastSeq; seq += 1n) {
        const piece = model.pieces.get(tokenIdOf(terms.slot, seq));
        if (piece === undefined) throw new Error(at(`model lost piece ${token(tokenIdOf(terms.slot, seq))}`));
        pieces.push(piece);
      }
      const live = pieces.filter((piece) => piece.live);
      const liveValues = Promise.all(
        live.map(async (piece): Promise<bigint> => {
          const [owner, value, parent, claimed, claimable] = await Promise.all([
            c.receivableToken.ownerOf(piece.tokenId),
            c.receivableToken[BALANCE_OF_TOKEN](piece.tokenId),
            c.receivableToken.parentOf(piece.tokenId),
            c.settlement.claimedBy(piece.tokenId),
            c.settlement.claimable(piece.tokenId),
          ]);
          expect(owner).to.equal(model.actors[piece.owner].address, at(`owner of ${token(piece.tokenId)}`));
          expect(value).to.equal(piece.value, at(`value of ${token(piece.tokenId)}`));
          // I2: no live token of value 0.
          expect(value).to.not.equal(0n, at(`live ${token(piece.tokenId)} has value 0`));
          expect(parent).to.equal(piece.parent, at(`parent of ${token(piece.tokenId)}`));
          expect(claimed).to.equal(piece.claimed, at(`claimedBy ${token(piece.tokenId)}`));
          expect(claimable).to.equal(claimableAt(model, piece, viewTime), at(`claimable ${token(piece.tokenId)}`));
          // I3: every live token is owned by a member.
          expect(await memberIdOf(owner)).to.not.equal(0n, at(`owner ${owner} of ${token(piece.tokenId)} is not a member`));
          return value;
        }),
      );
      checks.push(
        Promise.all([
          c.receivableToken.receivable(terms.slot),
          c.settlement.account(terms.slot),
          c.settlement.isOverdue(terms.slot),
          liveValues,
        ]).then(([onChain, account, overdue, values]) => {
          expect(onChain.faceValue).to.equal(terms.faceValue, at(`face value of slot ${terms.slot}`));
          expect(onChain.maturity).to.equal(terms.maturity, at(`maturity of slot ${terms.slot}`));
          expect(onChain.supplierId).to.equal(BigInt(model.actors[terms.supplier].memberId), at(`supplier of slot ${terms.slot}`));
          expect(onChain.pieceCount).to.equal(terms.lastSeq, at(`piece count of slot ${terms.slot}`));
          expect(account.repaid).to.equal(terms.repaid, at(`repaid on slot ${terms.slot}`));
          expect(account.claimed).to.equal(terms.claimed, at(`claimed on slot ${terms.slot}`));
          expect(account.redeemedValue).to.equal(terms.redeemedValue, at(`redeemed value of slot ${terms.slot}`));
          expect(account.overdueFlagged).to.equal(terms.overdueFlagged, at(`overdue flag of slot ${terms.slot}`));
          expect(overdue).to.equal(isOverdueAt(model, terms, viewTime), at(`isOverdue(${terms.slot}) at ${viewTime}`));
          // I1: live pieces plus redeemed (fully paid) pieces add up to the face value; claims never exceed
          // repayments, and repayments never exceed the face value.
          const sum = values.reduce((total, value) => total + value, 0n);
          expect(sum + account.redeemedValue).to.equal(onChain.faceValue, at(`I1: live + redeemed value of slot ${terms.slot} is the face value`));
          const claimedTooMuch = `I1: slot ${terms.slot} claimed ${account.claimed} > repaid ${account.repaid}`;
          expect(account.claimed <= account.repaid).to.equal(true, at(claimedTooMuch));
          expect(account.repaid <= onChain.faceValue).to.equal(true, at(`slot ${terms.slot} repaid more than its face value`));
          // I6, from the chain's own events: what the pieces received adds up to what the slot paid out; each
          // redeemed piece received exactly its value; at full repayment with nothing live, the face value.
          let received = 0n;
          for (const piece of pieces) {
            const paid = chain.received.get(piece.tokenId) ?? 0n;
            received += paid;
            const redeemedValue = chain.redeemed.get(piece.tokenId);
            if (redeemedValue !== undefined) {
              expect(paid).to.equal(redeemedValue, at(`I6: redeemed ${token(piece.tokenId)} received exactly its value`));
            } else {
              const share = (piece.value * account.repaid) / onChain.faceValue;
              expect(paid <= share).to.equal(true, at(`I6: ${token(piece.tokenId)} received ${paid}, more than its share ${share}`));
            }
          }
          expect(received).to.equal(account.claimed, at(`I6: Claimed events of slot ${terms.slot} add up to its claimed total`));
          if (account.repaid === onChain.faceValue && live.length === 0) {
            expect(received).to.equal(onChain.faceValue, at(`I6: slot ${terms.slot} fully repaid and redeemed paid out its face value`));
          }
          chainTotal += sum;
          chainOwed += onChain.faceValue - account.repaid;
          chainRepaid += account.repaid;
          chainClaimed += account.claimed;
        }),
      );
      for (const piece of pieces.filter((p) => !p.live)) {
        checks.push(
          expect(c.receivableToken.ownerOf(piece.tokenId), at(`burned ${token(piece.tokenId)} has no owner`))
            .to.be.revertedWithCustomError(c.receivableToken, "ERC721NonexistentToken")
            .withArgs(piece.tokenId),
          c.settlement.claimedBy(piece.tokenId).then((claimed) => {
            expect(claimed).to.equal(piece.claimed, at(`claimedBy burned ${token(piece.tokenId)}`));
          }),
        );
        expect(chain.redeemed.has(piece.tokenId)).to.equal(piece.redeemed, at(`${token(piece.tokenId)} redeemed by a claim`));
      }
      // Nothing beyond the last sequence the model knows of.
      checks.push(
        c.receivableToken.exists(tokenIdOf(terms.slot, terms.lastSeq + 1n)).then((exists) => {
          expect(exists).to.equal(false, at(`no piece after ${token(tokenIdOf(terms.slot, terms.lastSeq))}`));
        }),
      );
      // I6: nothing of a matured slot moved; a piece that is gone was redeemed by a claim, for the value it had.
      const snapshot = frozen.get(terms.slot);
      if (snapshot !== undefined) {
        checks.push(
          c.receivableToken.receivable(terms.slot).then((onChain) => {
            expect(onChain.pieceCount).to.equal(snapshot.pieceCount, at(`I6: no piece of matured slot ${terms.slot} created`));
          }),
        );
        for (const [tokenId, before] of snapshot.pieces) {
          checks.push(
            c.receivableToken.exists(tokenId).then(async (exists) => {
              if (!exists) {
                expect(chain.redeemed.get(tokenId)).to.equal(before.value, at(`I6: matured ${token(tokenId)} left only by redemption`));
                return;
              }
              const [owner, value] = await Promise.all([c.receivableToken.ownerOf(tokenId), c.receivableToken[BALANCE_OF_TOKEN](tokenId)]);
              expect(owner).to.equal(before.owner, at(`I6: owner of matured ${token(tokenId)} unchanged`));
              expect(value).to.equal(before.value, at(`I6: value of matured ${token(tokenId)} unchanged`));
            }),
          );
        }
      }
    }

    // ERC-721 holding counts follow the pieces; member statuses follow the model's (after registry calls, the
    // only steps that can change them); currency balances follow the model's.
    const balances: Array<Promise<bigint>> = [];
    model.actors.forEach((actor, index) => {
      const expected = BigInt(livePieces(model).filter((piece) => piece.owner === index).length);
      checks.push(
        c.receivableToken[BALANCE_OF_OWNER](actor.address).then((count) => {
          expect(count).to.equal(expected, at(`${actor.name} holds ${expected} pieces`));
        }),
      );
      const balance = c.settlementToken.balanceOf(actor.address);
      balances.push(balance);
      checks.push(
        balance.then((amount) => {
          expect(amount).to.equal(model.balances[index], at(`${actor.name}'s currency balance`));
        }),
      );
      if (checkStatuses && actor.memberId !== 0) {
        checks.push(
          c.registry.member(actor.memberId).then((record) => {
            expect(record.status).to.equal(actor.status === "ACTIVE" ? 1n : 2n, at(`${actor.name} is ${actor.status}`));
          }),
        );
      }
    });

    // Currency conservation: supply is issued less redeemed; the actors, the issuer and the escrow hold all of
    // it (financing holds nothing); the escrow holds what was repaid and not yet claimed.
    const currencyView = Promise.all([
      c.settlementToken.totalSupply(),
      c.settlementToken.totalIssued(),
      c.settlementToken.totalRedeemed(),
      c.settlementToken.balanceOf(c.issuer.address),
      c.settlementToken.balanceOf(addresses.settlement),
      c.settlementToken.balanceOf(addresses.financing),
      Promise.all(balances),
    ]);

    // I5: every consumed fingerprint maps to the token the model recorded; none maps to two tokens (model map);
    // distinct fingerprints back distinct tokens; a fingerprint offered only in reverted calls is unrecorded.
    const backed = new Map<bigint, string>();
    for (const [fingerprint, tokenId] of model.invoiceUses) {
      const other = backed.get(tokenId);
      if (other !== undefined) throw new Error(at(`I5: fingerprints ${other} and ${fingerprint} both back ${token(tokenId)}`));
      backed.set(tokenId, fingerprint);
      checks.push(
        c.receivableToken.invoiceUse(fingerprint).then((use) => {
          expect(use).to.equal(tokenId, at(`I5: fingerprint ${fingerprint} backs ${token(tokenId)}`));
        }),
      );
    }
    for (const fingerprint of model.unusedFingerprints) {
      checks.push(
        c.receivableToken.invoiceUse(fingerprint).then((use) => {
          expect(use).to.equal(0n, at(`I5: fingerprint ${fingerprint} only offered in reverted calls`));
        }),
      );
    }

    // I4: every used attestation has its funding record, funded once, before its deadline; an attestation only
    // offered in reverted calls has none; nonces spent exactly by the fundings that succeeded.
    // The record lives under the holder's request nonce, which the attestation repeats, and is tagged with the
    // funding id's first six bytes.
    const tagOf = (fundingId: string): string => fundingId.slice(0, 14).toLowerCase();
    for (const funding of model.fundings.values()) {
      expect(chain.funded.get(funding.fundingId.toLowerCase())).to.equal(1, at(`I4: ${funding.fundingId} funded once`));
      const { holder, nonce } = funding.call.attestation;
      checks.push(
        c.financing.funding(holder, nonce).then((record) => {
          const what = (field: string): string => at(`I4: funding ${funding.fundingId.slice(0, 10)} ${field}`);
          expect(record.attestationTag.toLowerCase()).to.equal(tagOf(funding.fundingId), what("attestation tag"));
          expect(record.fundedAt).to.equal(funding.fundedAt, what("fundedAt"));
          expect(record.fundedAt <= funding.call.attestation.deadline).to.equal(true, what("not after its deadline"));
          expect(record.factorId).to.equal(BigInt(funding.factorId), what("factorId"));
          expect(record.sellerId).to.equal(BigInt(funding.sellerId), what("sellerId"));
          expect(record.price).to.equal(funding.price, what("price"));
          expect(record.recourse).to.equal(funding.recourse, what("recourse"));
          expect(record.fundedSeq).to.equal(funding.fundedSeq, what("fundedSeq"));
          expect(tokenIdOf(funding.call.attestation.tokenId >> 32n, record.fundedSeq)).to.equal(funding.fundedTokenId, what("funded token"));
        }),
      );
    }
    expect(chain.funded.size).to.equal(model.fundings.size, at("I4: Funded events match the model's fundings"));
    for (const [fundingId, call] of model.rejectedFundings) {
      checks.push(
        c.financing.funding(call.attestation.holder, call.attestation.nonce).then((record) => {
          const unused = record.fundedAt === 0n || record.attestationTag.toLowerCase() !== tagOf(fundingId);
          expect(unused).to.equal(true, at(`I4: attestation ${fundingId.slice(0, 10)} only offered in reverted calls is unused`));
        }),
      );
    }
    for (const [used, uses] of [
      [true, model.usedNonces],
      [false, model.offeredNonces],
    ] as const) {
      for (const { holder, nonce } of uses.values()) {
        checks.push(
          c.financing.isNonceUsed(model.actors[holder].address, nonce).then((spent) => {
            expect(spent).to.equal(used, at(`I4: nonce ${nonce} of ${model.actors[holder].name} spent`));
          }),
        );
      }
    }

    // I9, recourse that settles: each piece's recourse account and what is due on it are the model's; from the chain's
    // own events, the factor never received more than the piece's value (claims it kept plus recourse paid), and the
    // seller never got back more than it paid.
    for (const [tokenId, book] of model.recourse) {
      const piece = model.pieces.get(tokenId);
      if (piece === undefined) throw new Error(at(`recourse on unknown piece ${token(tokenId)}`));
      checks.push(
        Promise.all([c.settlement.recourseOf(tokenId), c.settlement.recourseDue(tokenId)]).then(([account, due]) => {
          expect(account.seller).to.equal(model.actors[book.seller].address, at(`recourse seller of ${token(tokenId)}`));
          expect([account.paid, account.owed, account.returned]).to.deep.equal(
            [book.paid, book.owed, book.returned],
            at(`recourse account of ${token(tokenId)}`),
          );
          expect(due).to.equal(recourseDueAt(model, tokenId, viewTime), at(`recourseDue(${token(tokenId)})`));
        }),
      );
      const value = piece.live ? piece.value : piece.redeemedValue;
      const paid = chain.recoursePaid.get(tokenId) ?? 0n;
      const routed = chain.routed.get(tokenId) ?? 0n;
      const factorTotal = (chain.received.get(tokenId) ?? 0n) - routed + paid;
      expect(factorTotal <= value).to.equal(true, at(`I9: the factor received ${factorTotal} on ${token(tokenId)} of value ${value}`));
      expect(routed <= paid).to.equal(true, at(`I9: the seller got back ${routed} of ${paid} paid on ${token(tokenId)}`));
      if (!piece.live) expect(routed).to.equal(paid, at(`I9: at redemption the seller got back all it paid on ${token(tokenId)}`));
    }

    const creditLine = c.receivableToken.creditLine(model.actors[model.anchor].memberId);
    await Promise.all(checks);
    // I8: the anchor's line and review date are the model's; what the chain says it owes is what its receivables
    // say it owes (confirmed less repaid); and every confirmation stayed within the line in force when it was made
    // (the model's record, whose lines and outstanding the chain has matched after every step).
    const line = await creditLine;
    expect([line.limit, line.outstanding, line.reviewDate]).to.deep.equal(
      [model.credit.limit, model.credit.outstanding, model.credit.reviewDate],
      at("I8: the anchor's credit line"),
    );
    expect(line.outstanding).to.equal(chainOwed, at("I8: outstanding == confirmed - repaid, from the chain's receivables"));
    for (const terms of model.slots) {
      expect(terms.outstandingAtConfirm <= terms.lineAtConfirm).to.equal(true, at(`I8: slot ${terms.slot} confirmed within the line then in force`));
    }
    // I2: the chain's total over live pieces equals the model's.
    expect(chainTotal).to.equal(totalLiveValue(model), at("I2: total live value"));

    const [supply, issued, redeemed, issuerBalance, escrow, financingBalance, actorBalances] = await currencyView;
    expect(issued).to.equal(model.totalIssued, at("currency issued"));
    expect(redeemed).to.equal(model.totalRedeemed, at("currency redeemed"));
    expect(issuerBalance).to.equal(model.issuerBalance, at("issuer's balance"));
    expect(escrow).to.equal(model.escrow, at("escrow balance"));
    expect(supply).to.equal(issued - redeemed, at("conservation: totalSupply == totalIssued - totalRedeemed"));
    expect(financingBalance).to.equal(0n, at("conservation: financing holds no currency"));
    const held = actorBalances.reduce((sum, amount) => sum + amount, issuerBalance + escrow);
    expect(held).to.equal(supply, at("conservation: actors + issuer + escrow hold the whole supply"));
    expect(escrow).to.equal(chainRepaid - chainClaimed, at("conservation: escrow == sum repaid - sum claimed"));
  }

  /** Freezes every slot that matures at or before `at`, before the step's transaction is sent at `at`. */
  function freezeMatured(model: ReceivableModel, at: bigint, frozen: Map<bigint, FrozenSlot>): void {
    for (const terms of model.slots) {
      if (terms.maturity > at || frozen.has(terms.slot)) continue;
      const pieces = new Map<bigint, { owner: string; value: bigint }>();
      for (const piece of livePieces(model)) {
        if (piece.slot === terms.slot) pieces.set(piece.tokenId, { owner: model.actors[piece.owner].address, value: piece.value });
      }
      frozen.set(terms.slot, { pieceCount: terms.lastSeq, pieces });
    }
  }

  async function runSequence(ops: Op[]): Promise<void> {
    await revertToBaseline();
    stats.sequences += 1;
    const model = initialModel(setup);
    const chain: ChainTally = { funded: new Map(), received: new Map(), redeemed: new Map(), recoursePaid: new Map(), routed: new Map() };
    const frozen = new Map<bigint, FrozenSlot>();
    const trace: string[] = [];
    for (const op of ops) {
      const action = resolve(model, op);
      if (action === undefined) {
        stats.skipped += 1;
        continue;
      }
      const at = model.now;
      // The model and the chain agreed after the previous step, so the model's pieces are the chain's.
      if (action.kind !== "advanceTime") freezeMatured(model, at, frozen);
      const description = describeAction(model, action);
      const outcome = transition(model, action);
      trace.push(`${description} => ${outcome.ok ? "ok" : outcome.error}`);
      const context = `after step ${trace.length} [${trace.join("; ")}]`;
      if (action.kind !== "advanceTime") await execute(action, at, outcome, context, chain);
      if (action.kind === "confirm" && outcome.ok) {
        // I8 at the confirmation itself, from the chain: right after it, the anchor owes no more than its line.
        const line = await c.receivableToken.creditLine(model.actors[model.anchor].memberId);
        expect(line.outstanding <= line.limit).to.equal(
          true,
          `${context}: I8: outstanding ${line.outstanding} above the line ${line.limit} after a confirmation`,
        );
      }
      checkModel(model);
      await checkChain(model, context, action.kind === "suspend" || action.kind === "reinstate", chain, frozen);
      stats.steps += 1;
    }
    stats.fundings += model.fundings.size;
    stats.piecesRedeemed += [...model.pieces.values()].filter((piece) => piece.redeemed).length;
    stats.slotsFullyRepaid += model.slots.filter((terms) => terms.repaid === terms.faceValue).length;
    stats.slotsFullyRedeemed += model.slots.filter((terms) => terms.redeemedValue === terms.faceValue).length;
    stats.slotsOverdue += model.slots.filter((terms) => terms.overdueFlagged).length;
  }

  it("keeps I1–I6, I8, I9's recourse and currency conservation after every step of token, registry, fund, repay, claim, overdue, recourse and credit-line sequences", async function () {
    const numRuns = runsFromEnvironment();
    this.timeout(Math.max(600_000, numRuns * 10_000));
    await fc.assert(fc.asyncProperty(sequenceArbitrary(layout), runSequence), {
      numRuns,
      ...replayFromEnvironment(),
      // A failing sequence is re-run on the chain for every shrink; keep that bounded.
      interruptAfterTimeLimit: Math.max(600_000, numRuns * 10_000) - 30_000,
      markInterruptAsFailure: true,
    });
  });
});
