import { expect } from "chai";
import hre from "hardhat";
import fc from "fast-check";
import { id, toQuantity } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Role, roleMask, tokenIdOf } from "../../src/chain/roles";
import { DAY, YEAR, deployConsortium, latestTimestamp } from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";
import {
  checkModel,
  describeAction,
  initialModel,
  layoutOf,
  livePieces,
  outsiderLeiHash,
  resolve,
  sequenceArbitrary,
  totalLiveValue,
  transition,
} from "./receivable.model";
import type { Action, ActorLayout, ActorModel, ModelSetup, Outcome, Op, PieceModel, ReceivableModel } from "./receivable.model";

const SPLIT = "transferFrom(uint256,address,uint256)";
const MERGE = "transferFrom(uint256,uint256,uint256)";
const WHOLE = "transferFrom(address,address,uint256)";
const BALANCE_OF_TOKEN = "balanceOf(uint256)";
const BALANCE_OF_OWNER = "balanceOf(address)";

const DEFAULT_RUNS = 200;

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
}

function token(tokenId: bigint): string {
  return `${tokenId >> 32n}/${tokenId & 0xffffffffn}`;
}

describe("ReceivableToken invariants I1, I2, I3, I5 (property-based)", function () {
  let c: Consortium;
  /** Signer of each actor, parallel to `setup.actors`. */
  let signers: HardhatEthersSigner[];
  let setup: ModelSetup;
  let layout: ActorLayout;
  let snapshotId: string;
  const stats: RunStats = { sequences: 0, steps: 0, skipped: 0, transactions: 0, succeeded: 0, reverted: 0, outcomes: new Map<string, number>() };

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
      const leiHash = id(name);
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
      ["outsider", stranger],
    ];
    const cast = [...holders, ...others];
    const actors: ActorModel[] = [];
    for (const [name, signer] of cast) {
      const memberId = Number(await c.registry.memberIdOf(signer.address));
      if (memberId === 0) {
        actors.push({ name, address: signer.address, memberId, roles: 0, status: "ACTIVE", kycValidUntil: 0n, leiHash: outsiderLeiHash(signer.address) });
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
    expect(actors[actors.length - 1].memberId).to.equal(0, "the outsider is not a member");

    const operatorRecord = await c.registry.member(Number(await c.registry.memberIdOf(c.operator.address)));
    setup = {
      actors,
      anchor: cast.findIndex(([name]) => name === "anchor"),
      operatorAddress: c.operator.address,
      operatorKycValidUntil: operatorRecord.kycValidUntil,
      // Every transaction is mined at a timestamp the model chose; the first one just after the baseline block.
      now: (await latestTimestamp()) + 1n,
    };
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
    console.log(`      outcomes: ${outcomes}`);
  });

  function send(action: Exclude<Action, { kind: "advanceTime" }>): Promise<ContractTransactionResponse> {
    switch (action.kind) {
      case "confirm":
        return c.token.connect(c.anchor).confirm({
          supplier: setup.actors[action.supplier].address,
          faceValue: action.faceValue,
          maturity: action.maturity,
          currency: "0x434e59", // "CNY"
          invoiceHash: action.documents.invoiceHash,
          logisticsHash: action.documents.logisticsHash,
          invoiceFingerprint: action.documents.invoiceFingerprint,
        });
      case "split":
        return c.token.connect(signers[action.caller])[SPLIT](action.from, setup.actors[action.to].address, action.value);
      case "transferWithProof":
        return c.token
          .connect(signers[action.caller])
          .transferWithProof(action.from, setup.actors[action.to].address, action.value, action.documents);
      case "merge":
        return c.token.connect(signers[action.caller])[MERGE](action.from, action.target, action.value);
      case "transferWhole":
        return c.token
          .connect(signers[action.caller])
          [WHOLE](setup.actors[action.caller].address, setup.actors[action.to].address, action.tokenId);
      case "suspend":
        return c.registry.connect(c.operator).suspend(setup.actors[action.member].memberId);
      case "reinstate":
        return c.registry.connect(c.operator).reinstate(setup.actors[action.member].memberId);
      case "pause":
        return c.token.connect(c.operator).pause();
      case "unpause":
        return c.token.connect(c.operator).unpause();
    }
  }

  /** Sends `action` in a block mined at `at` and checks the chain did what the model predicted. */
  async function execute(action: Exclude<Action, { kind: "advanceTime" }>, at: bigint, outcome: Outcome, description: string): Promise<void> {
    await hre.network.provider.send("evm_setNextBlockTimestamp", [toQuantity(at)]);
    stats.transactions += 1;
    const label = outcome.ok ? `${action.kind} ok` : `${action.kind} ${outcome.error}`;
    stats.outcomes.set(label, (stats.outcomes.get(label) ?? 0) + 1);
    if (outcome.ok) {
      try {
        const receipt = await (await send(action)).wait();
        expect(receipt?.status).to.equal(1);
      } catch (error) {
        throw new Error(`${description}: the model predicted success, the chain said: ${error instanceof Error ? error.message : String(error)}`);
      }
      stats.succeeded += 1;
      return;
    }
    const contract = outcome.contract === "registry" ? c.registry : c.token;
    const reverted = expect(send(action), `${description}: the model predicted ${outcome.error}`).to.be.revertedWithCustomError(
      contract,
      outcome.error,
    );
    await (outcome.args.length === 0 ? reverted : reverted.withArgs(...outcome.args));
    stats.reverted += 1;
  }

  /** I1, I2, I3 and I5 against the chain, plus every piece's owner, value and parent against the model. */
  async function checkChain(model: ReceivableModel, context: string, checkStatuses: boolean): Promise<void> {
    const checks: Array<Promise<void>> = [];
    const at = (what: string): string => `${context}: ${what}`;

    checks.push(
      c.token.slotCount().then((count) => {
        expect(count).to.equal(BigInt(model.slots.length), at("slotCount"));
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
          const [owner, value, parent] = await Promise.all([
            c.token.ownerOf(piece.tokenId),
            c.token[BALANCE_OF_TOKEN](piece.tokenId),
            c.token.parentOf(piece.tokenId),
          ]);
          expect(owner).to.equal(model.actors[piece.owner].address, at(`owner of ${token(piece.tokenId)}`));
          expect(value).to.equal(piece.value, at(`value of ${token(piece.tokenId)}`));
          // I2: no live token of value 0.
          expect(value).to.not.equal(0n, at(`live ${token(piece.tokenId)} has value 0`));
          expect(parent).to.equal(piece.parent, at(`parent of ${token(piece.tokenId)}`));
          // I3: every live token is owned by a member.
          expect(await memberIdOf(owner)).to.not.equal(0n, at(`owner ${owner} of ${token(piece.tokenId)} is not a member`));
          return value;
        }),
      );
      checks.push(
        Promise.all([c.token.receivable(terms.slot), liveValues]).then(([onChain, values]) => {
          expect(onChain.faceValue).to.equal(terms.faceValue, at(`face value of slot ${terms.slot}`));
          expect(onChain.maturity).to.equal(terms.maturity, at(`maturity of slot ${terms.slot}`));
          expect(onChain.supplierId).to.equal(BigInt(model.actors[terms.supplier].memberId), at(`supplier of slot ${terms.slot}`));
          expect(onChain.pieceCount).to.equal(terms.lastSeq, at(`piece count of slot ${terms.slot}`));
          // I1: the live pieces of a slot add up to its face value (nothing is repaid yet).
          const sum = values.reduce((total, value) => total + value, 0n);
          expect(sum).to.equal(onChain.faceValue, at(`I1: live pieces of slot ${terms.slot} add up to the face value`));
          chainTotal += sum;
        }),
      );
      for (const piece of pieces.filter((p) => !p.live)) {
        checks.push(
          expect(c.token.ownerOf(piece.tokenId), at(`burned ${token(piece.tokenId)} has no owner`))
            .to.be.revertedWithCustomError(c.token, "ERC721NonexistentToken")
            .withArgs(piece.tokenId),
        );
      }
      // Nothing beyond the last sequence the model knows of.
      checks.push(
        c.token.exists(tokenIdOf(terms.slot, terms.lastSeq + 1n)).then((exists) => {
          expect(exists).to.equal(false, at(`no piece after ${token(tokenIdOf(terms.slot, terms.lastSeq))}`));
        }),
      );
    }

    // ERC-721 holding counts follow the pieces; member statuses follow the model's (after registry calls, the
    // only steps that can change them).
    model.actors.forEach((actor, index) => {
      const expected = BigInt(livePieces(model).filter((piece) => piece.owner === index).length);
      checks.push(
        c.token[BALANCE_OF_OWNER](actor.address).then((count) => {
          expect(count).to.equal(expected, at(`${actor.name} holds ${expected} pieces`));
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

    // I5: every consumed fingerprint maps to the token the model recorded; none maps to two tokens (model map);
    // distinct fingerprints back distinct tokens; a fingerprint offered only in reverted calls is unrecorded.
    const backed = new Map<bigint, string>();
    for (const [fingerprint, tokenId] of model.invoiceUses) {
      const other = backed.get(tokenId);
      if (other !== undefined) throw new Error(at(`I5: fingerprints ${other} and ${fingerprint} both back ${token(tokenId)}`));
      backed.set(tokenId, fingerprint);
      checks.push(
        c.token.invoiceUse(fingerprint).then((use) => {
          expect(use).to.equal(tokenId, at(`I5: fingerprint ${fingerprint} backs ${token(tokenId)}`));
        }),
      );
    }
    for (const fingerprint of model.unusedFingerprints) {
      checks.push(
        c.token.invoiceUse(fingerprint).then((use) => {
          expect(use).to.equal(0n, at(`I5: fingerprint ${fingerprint} only offered in reverted calls`));
        }),
      );
    }

    await Promise.all(checks);
    // I2: the chain's total over live pieces equals the model's.
    expect(chainTotal).to.equal(totalLiveValue(model), at("I2: total live value"));
  }

  async function runSequence(ops: Op[]): Promise<void> {
    await revertToBaseline();
    stats.sequences += 1;
    const model = initialModel(setup);
    const trace: string[] = [];
    for (const op of ops) {
      const action = resolve(model, op);
      if (action === undefined) {
        stats.skipped += 1;
        continue;
      }
      const at = model.now;
      const description = describeAction(model, action);
      const outcome = transition(model, action);
      trace.push(`${description} => ${outcome.ok ? "ok" : outcome.error}`);
      const context = `after step ${trace.length} [${trace.join("; ")}]`;
      if (action.kind !== "advanceTime") await execute(action, at, outcome, context);
      checkModel(model);
      await checkChain(model, context, action.kind === "suspend" || action.kind === "reinstate");
      stats.steps += 1;
    }
  }

  it("keeps I1, I2, I3 and I5 after every step of random confirm / split / transfer / merge / suspend sequences", async function () {
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
