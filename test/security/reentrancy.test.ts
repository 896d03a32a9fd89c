import { expect } from "chai";
import hre from "hardhat";
import { id } from "ethers";
import type { BaseContract, Interface } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { HostileCurrency__factory, HostileMember__factory, ReceivableToken__factory, Settlement__factory } from "../../typechain-types";
import type { HostileMember } from "../../typechain-types";
import { Role, roleMask } from "../../src/chain/roles";
import { tokenIdOf } from "../../src/chain/tokenId";
import { financingDomain, signFundingAttestation } from "../../src/chain/funding";
import type { FundingAttestation, FundingRequest } from "../../src/chain/funding";
import { invoiceFingerprint } from "../../src/proofs/fingerprint";
import {
  DAY,
  STORY_CREDIT_LINE,
  YEAR,
  confirmReceivable,
  deployConsortium,
  latestTimestamp,
  nextInvoiceNumber,
  randomHash,
} from "../helpers/consortium";
import type { Consortium } from "../helpers/consortium";

// A member whose address is a contract (HostileMember) gets control only where the system hands it over: the
// ERC-3525 receiver hook when value lands in a piece it owns (split to it, merge into its piece, a partial
// funding delivered to it as factor) and the ERC-721 receiver hook of safeTransferFrom. Settlement pays in
// SettlementToken, an ERC-20 without hooks, and redeeming a piece burns it without a call, so a claim never
// gives the holder control; the last two Settlement tests swap in a currency with hooks (HostileCurrency) to show
// that the slot's reentrancy lock holds if one ever did.

const SPLIT = "transferFrom(uint256,address,uint256)";
const MERGE = "transferFrom(uint256,uint256,uint256)";
const WHOLE = "transferFrom(address,address,uint256)";
const SAFE_WHOLE = "safeTransferFrom(address,address,uint256)";
const APPROVE_VALUE = "approve(uint256,address,uint256)";
/** `IReceivableToken.SystemContract.SETTLEMENT` */
const SETTLEMENT = 1;
/** `onERC721Received.selector`: the hook a HostileMember receipt names for an ERC-721 delivery. */
const ERC721_RECEIVED = "0x150b7a02";

const FACE = 100_000_000n;
const HOSTILE_LEI_HASH = id("HOSTILE-MEMBER");

interface Call {
  target: string;
  data: string;
}

async function call(contract: BaseContract, fn: string, args: readonly unknown[]): Promise<Call> {
  return { target: await contract.getAddress(), data: contract.interface.encodeFunctionData(fn, args) };
}

/** The custom error an armed call failed with, decoded against the contracts it could come from. */
function errorName(returnData: string, interfaces: readonly Interface[]): string {
  for (const iface of interfaces) {
    const parsed = iface.parseError(returnData);
    if (parsed !== null) return parsed.name;
  }
  return `undecoded ${returnData}`;
}

interface Outcome {
  ok: boolean;
  /** The error's name for a failed call. */
  error?: string;
}

/** The slot named by each armed call that failed with SettlementReentrantCall, in order. */
async function lockedSlots(hostile: HostileMember, settlement: Interface): Promise<bigint[]> {
  const attempts = await hostile.attempts();
  return attempts.flatMap((attempt) => {
    const parsed = attempt.success ? null : settlement.parseError(attempt.returnData);
    return parsed?.name === "SettlementReentrantCall" ? [parsed.args[0] as bigint] : [];
  });
}

async function outcomes(hostile: HostileMember, interfaces: readonly Interface[]): Promise<Outcome[]> {
  const attempts = await hostile.attempts();
  return attempts.map((attempt) => (attempt.success ? { ok: true } : { ok: false, error: errorName(attempt.returnData, interfaces) }));
}

/** The sum of the values of the slot's live pieces; the slot's pieces are numbered 1..pieceCount. */
async function liveValue(c: Consortium, slot: bigint): Promise<bigint> {
  const { pieceCount } = await c.receivableToken.receivable(slot);
  let total = 0n;
  for (let seq = 1n; seq <= pieceCount; seq += 1n) {
    const piece = tokenIdOf(slot, seq);
    if (await c.receivableToken.exists(piece)) total += await c.receivableToken["balanceOf(uint256)"](piece);
  }
  return total;
}

describe("Reentrancy: a hostile member contract", function () {
  async function fixture() {
    const c = await deployConsortium();
    const hostile = await new HostileMember__factory(c.operator).deploy();
    await hostile.waitForDeployment();
    const hostileAddress = await hostile.getAddress();
    const kycValidUntil = (await latestTimestamp()) + 2n * YEAR;
    await (await c.registry.admit(HOSTILE_LEI_HASH, hostileAddress, roleMask(Role.SUPPLIER, Role.FACTOR), kycValidUntil)).wait();
    const { slot, tokenId: root } = await confirmReceivable(c, { supplier: c.tier1, faceValue: FACE, maturityInDays: 90n });
    const { maturity } = await c.receivableToken.receivable(slot);
    const errors = [c.settlement.interface, c.financing.interface, c.receivableToken.interface, c.settlementToken.interface];
    return { ...c, hostile, hostileAddress, slot, root, maturity, errors };
  }
  type Fixture = Awaited<ReturnType<typeof fixture>>;

  /** tier1 splits `value` off the root to the hostile contract; returns the hostile's new piece. */
  async function splitToHostile(f: Fixture, value: bigint): Promise<bigint> {
    const piece = await f.receivableToken.connect(f.tier1)[SPLIT].staticCall(f.root, f.hostileAddress, value);
    await (await f.receivableToken.connect(f.tier1)[SPLIT](f.root, f.hostileAddress, value)).wait();
    return piece;
  }

  /**
   * A token and a settlement in a currency with hooks, bound to each other (only the bound settlement may burn what it
   * pays in full and free the anchor's credit line), the anchor with a line on the new token.
   */
  async function hookedSystem(f: Fixture) {
    const hooked = await new HostileCurrency__factory(f.operator).deploy();
    const token = await new ReceivableToken__factory(f.operator).deploy(await f.registry.getAddress(), 2);
    const guarded = await new Settlement__factory(f.operator).deploy(
      await f.registry.getAddress(),
      await token.getAddress(),
      await hooked.getAddress(),
    );
    await (await token.bindSystemContract(SETTLEMENT, await guarded.getAddress())).wait();
    await (await token.setCreditLine(await f.registry.memberIdOf(f.anchor.address), STORY_CREDIT_LINE, (await latestTimestamp()) + YEAR)).wait();
    return { hooked, token, guarded };
  }

  /** The anchor repays `amount` of the slot through the network's Settlement. */
  async function repay(f: Fixture, amount: bigint): Promise<void> {
    await (await f.settlementToken.connect(f.issuer).issue(f.anchor.address, amount)).wait();
    await (await f.settlementToken.connect(f.anchor).approve(await f.settlement.getAddress(), amount)).wait();
    await (await f.settlement.connect(f.anchor).repay(f.slot, amount)).wait();
  }

  describe("Settlement: a hostile holder is paid its entitlement once", function () {
    it("at maturity, claiming a fully repaid piece again (claim or claimMany) pays nothing more, and the claim never calls the holder", async function () {
      const f = await loadFixture(fixture);
      const value = 30_000_000n;
      const piece = await splitToHostile(f, value);
      expect((await f.hostile.receipts()).length).to.equal(1);
      await repay(f, FACE);
      await time.increaseTo(f.maturity);

      await (await f.hostile.execute(await f.settlement.getAddress(), f.settlement.interface.encodeFunctionData("claim", [piece]))).wait();
      expect(await f.settlementToken.balanceOf(f.hostileAddress)).to.equal(value);
      expect(await f.receivableToken.exists(piece)).to.equal(false);

      // The piece is redeemed: a second claim fails, a batch naming it twice pays nothing more.
      await expect(f.hostile.execute(await f.settlement.getAddress(), f.settlement.interface.encodeFunctionData("claim", [piece]))).to.be.reverted;
      const batch = f.settlement.interface.encodeFunctionData("claimMany", [[piece, piece]]);
      await f.hostile.execute(await f.settlement.getAddress(), batch).then(
        (tx) => tx.wait(),
        () => undefined, // a batch naming a redeemed piece may revert instead of skipping it: either way nothing is paid
      );
      expect(await f.settlementToken.balanceOf(f.hostileAddress)).to.equal(value);
      expect((await f.settlement.account(f.slot)).claimed).to.equal(value);
      // No hook ran during any claim: the split to it is the only time the holder had control.
      expect((await f.hostile.receipts()).length).to.equal(1);
    });

    it("after a partial repayment, repeated claims pay the pro-rata entitlement once, and the rest when it is repaid", async function () {
      const f = await loadFixture(fixture);
      const value = 30_000_000n;
      const piece = await splitToHostile(f, value);
      const repaid = (FACE * 60n) / 100n;
      await repay(f, repaid);
      await time.increaseTo(f.maturity);
      const settlement = await f.settlement.getAddress();
      const claim = f.settlement.interface.encodeFunctionData("claim", [piece]);
      const entitled = (value * repaid) / FACE;

      await (await f.hostile.execute(settlement, claim)).wait();
      expect(await f.settlementToken.balanceOf(f.hostileAddress)).to.equal(entitled);
      await expect(f.hostile.execute(settlement, claim)).to.be.revertedWithCustomError(f.settlement, "SettlementNothingToClaim").withArgs(piece);
      await (await f.hostile.execute(settlement, f.settlement.interface.encodeFunctionData("claimMany", [[piece, piece, piece]]))).wait();
      expect(await f.settlementToken.balanceOf(f.hostileAddress)).to.equal(entitled);
      expect(await f.settlement.claimedBy(piece)).to.equal(entitled);

      await repay(f, FACE - repaid);
      await (await f.hostile.execute(settlement, claim)).wait();
      expect(await f.settlementToken.balanceOf(f.hostileAddress)).to.equal(value);
      expect(await f.receivableToken.exists(piece)).to.equal(false);
      expect((await f.hostile.receipts()).length).to.equal(1);
    });

    it("handed a piece of a fully repaid slot before maturity, it claims from the hook and is paid exactly once", async function () {
      const f = await loadFixture(fixture);
      await repay(f, FACE);
      const value = 25_000_000n;
      const piece = tokenIdOf(f.slot, 2n);
      await f.hostile.arm([
        await call(f.settlement, "claim", [piece]),
        await call(f.settlement, "claim", [piece]),
        await call(f.settlement, "claimMany", [[piece, piece]]),
        // Claiming the seller's piece pays the seller, not the caller.
        await call(f.settlement, "claim", [f.root]),
      ]);
      expect(await splitToHostile(f, value)).to.equal(piece);

      const [first, second, , fourth] = await outcomes(f.hostile, f.errors);
      expect(first).to.deep.equal({ ok: true });
      expect(second.ok).to.equal(false);
      expect(fourth).to.deep.equal({ ok: true });
      expect(await f.settlementToken.balanceOf(f.hostileAddress)).to.equal(value);
      expect(await f.settlementToken.balanceOf(f.tier1.address)).to.equal(FACE - value);
      expect((await f.settlement.account(f.slot)).claimed).to.equal(FACE);
      expect(await f.settlementToken.balanceOf(await f.settlement.getAddress())).to.equal(0n);
    });

    it("with a currency that calls the payee back, re-entering claim, claimMany or repay for the slot being paid hits the slot's lock", async function () {
      const f = await loadFixture(fixture);
      const { hooked, token, guarded } = await hookedSystem(f);
      const own = { ...f, receivableToken: token };
      const { slot, tokenId: root } = await confirmReceivable(own, { supplier: f.tier1, faceValue: FACE, maturityInDays: 90n });
      const { maturity } = await token.receivable(slot);
      const value = 40_000_000n;
      const piece = await token.connect(f.tier1)[SPLIT].staticCall(root, f.hostileAddress, value);
      await (await token.connect(f.tier1)[SPLIT](root, f.hostileAddress, value)).wait();
      const repaid = FACE / 2n;
      await (await hooked.mint(f.anchor.address, repaid)).wait();
      await (await hooked.connect(f.anchor).approve(await guarded.getAddress(), repaid)).wait();
      await (await guarded.connect(f.anchor).repay(slot, repaid)).wait();
      await (await hooked.setHooked(f.hostileAddress, true)).wait();
      await f.hostile.arm([
        await call(guarded, "claim", [piece]),
        await call(guarded, "claimMany", [[piece]]),
        await call(guarded, "repay", [slot, 1n]),
      ]);
      await time.increaseTo(maturity);

      // Anyone may trigger a claim; the holder is paid and gets control inside the payment.
      await (await guarded.connect(f.tier2).claim(piece)).wait();
      const entitled = (value * repaid) / FACE;
      expect(await outcomes(f.hostile, [guarded.interface])).to.deep.equal([
        { ok: false, error: "SettlementReentrantCall" },
        { ok: false, error: "SettlementReentrantCall" },
        { ok: false, error: "SettlementReentrantCall" },
      ]);
      expect(await lockedSlots(f.hostile, guarded.interface)).to.deep.equal([slot, slot, slot]);
      expect(await hooked.balanceOf(f.hostileAddress)).to.equal(entitled);
      expect(await guarded.claimedBy(piece)).to.equal(entitled);
      expect((await guarded.account(slot)).claimed).to.equal(entitled);
      // The lock is released once the payment has returned.
      await expect(guarded.claim(piece)).to.be.revertedWithCustomError(guarded, "SettlementNothingToClaim");
    });

    it("with a currency that calls the payee back, a claim that completes a piece locks only its own slot: another slot's piece is paid once, exactly its value", async function () {
      const f = await loadFixture(fixture);
      const { hooked, token, guarded } = await hookedSystem(f);
      const own = { ...f, receivableToken: token };
      const first = await confirmReceivable(own, { supplier: f.tier1, faceValue: FACE });
      const second = await confirmReceivable(own, { supplier: f.tier1, faceValue: FACE });
      const split = token.connect(f.tier1).getFunction(SPLIT);
      const [firstValue, secondValue] = [30_000_000n, 20_000_000n];
      const firstPiece = tokenIdOf(first.slot, 2n);
      const secondPiece = tokenIdOf(second.slot, 2n);
      await (await split.send(first.tokenId, f.hostileAddress, firstValue)).wait();
      await (await split.send(second.tokenId, f.hostileAddress, secondValue)).wait();
      await (await hooked.mint(f.anchor.address, 2n * FACE)).wait();
      await (await hooked.connect(f.anchor).approve(await guarded.getAddress(), 2n * FACE)).wait();
      await (await guarded.connect(f.anchor).repay(first.slot, FACE)).wait();
      await (await guarded.connect(f.anchor).repay(second.slot, FACE)).wait();
      await (await hooked.setHooked(f.hostileAddress, true)).wait();
      await f.hostile.arm([
        await call(guarded, "claim", [firstPiece]),
        await call(guarded, "repay", [first.slot, 1n]),
        await call(guarded, "claim", [secondPiece]),
        await call(guarded, "claimMany", [[firstPiece, secondPiece]]),
      ]);

      // Fully repaid: claims are open before maturity. The first piece is burned before its holder is paid.
      await (await guarded.connect(f.tier2).claim(firstPiece)).wait();
      const results = await outcomes(f.hostile, [guarded.interface, token.interface]);
      expect(results).to.deep.equal([
        { ok: false, error: "SettlementReentrantCall" },
        { ok: false, error: "SettlementReentrantCall" },
        { ok: true },
        // Both pieces are burned by then: the batch skips them and pays nothing.
        { ok: true },
      ]);
      expect(await lockedSlots(f.hostile, guarded.interface)).to.deep.equal([first.slot, first.slot]);
      expect(await hooked.balanceOf(f.hostileAddress)).to.equal(firstValue + secondValue);
      expect(await token.exists(firstPiece)).to.equal(false);
      expect(await token.exists(secondPiece)).to.equal(false);
      for (const [slot, value] of [
        [first.slot, firstValue],
        [second.slot, secondValue],
      ]) {
        const account = await guarded.account(slot);
        expect([account.repaid, account.claimed, account.redeemedValue]).to.deep.equal([FACE, value, value]);
      }
      expect(await hooked.balanceOf(await guarded.getAddress())).to.equal(2n * FACE - firstValue - secondValue);
      // Both locks are released: the roots are paid in full afterwards.
      await (await guarded.claimMany([first.tokenId, second.tokenId])).wait();
      expect(await hooked.balanceOf(await guarded.getAddress())).to.equal(0n);
    });
  });

  describe("ReceivableToken: a hostile recipient cannot take value it does not own, nor spend twice, from its hook", function () {
    it("a split to it: it cannot draw on the sender's piece, and spending its own piece twice fails the second time", async function () {
      const f = await loadFixture(fixture);
      const value = 30_000_000n;
      const piece = tokenIdOf(f.slot, 2n);
      await f.hostile.arm([
        await call(f.receivableToken, SPLIT, [f.root, f.hostileAddress, 1n]),
        await call(f.receivableToken, MERGE, [f.root, piece, 1n]),
        await call(f.receivableToken, WHOLE, [f.tier1.address, f.hostileAddress, f.root]),
        await call(f.receivableToken, APPROVE_VALUE, [f.root, f.hostileAddress, FACE]),
        await call(f.receivableToken, SPLIT, [piece, f.tier2.address, value]),
        await call(f.receivableToken, SPLIT, [piece, f.tier3.address, value]),
        await call(f.receivableToken, SPLIT, [piece, f.tier3.address, 1n]),
      ]);
      expect(await splitToHostile(f, value)).to.equal(piece);

      expect(await outcomes(f.hostile, f.errors)).to.deep.equal([
        { ok: false, error: "ERC3525InsufficientAllowance" },
        { ok: false, error: "ERC3525InsufficientAllowance" },
        { ok: false, error: "ERC721InsufficientApproval" },
        { ok: false, error: "ERC721InvalidApprover" },
        { ok: true },
        { ok: false, error: "ERC721NonexistentToken" },
        { ok: false, error: "ERC721NonexistentToken" },
      ]);
      expect(await f.receivableToken["balanceOf(uint256)"](f.root)).to.equal(FACE - value);
      expect(await f.receivableToken["balanceOf(uint256)"](tokenIdOf(f.slot, 3n))).to.equal(value);
      expect(await f.receivableToken.ownerOf(tokenIdOf(f.slot, 3n))).to.equal(f.tier2.address);
      expect(await f.receivableToken["balanceOf(address)"](f.hostileAddress)).to.equal(0n);
      expect(await liveValue(f, f.slot)).to.equal(FACE);
    });

    it("a transfer with a trade proof: the invoice is recorded as used before its hook, so it cannot back a second transfer", async function () {
      const f = await loadFixture(fixture);
      const value = 12_000_000n;
      const piece = tokenIdOf(f.slot, 2n);
      // The trade behind the transfer: the hostile member sold goods to tier1 and is paid with the piece. It consents
      // as a contract (ERC-1271), so the proof carries no signature; as the seller it needs none in its own calls.
      const proof = { invoiceNumber: nextInvoiceNumber(), invoiceHash: randomHash(), logisticsHash: randomHash(), sellerConsent: "0x" };
      const fingerprint = invoiceFingerprint(HOSTILE_LEI_HASH, proof.invoiceNumber);
      await f.hostile.arm([
        await call(f.receivableToken, "transferWithProof", [piece, f.hostileAddress, 1n, proof]),
        await call(f.receivableToken, "transferWithProof", [f.root, f.hostileAddress, 1n, proof]),
      ]);
      await (await f.receivableToken.connect(f.tier1).transferWithProof(f.root, f.hostileAddress, value, proof)).wait();

      expect(await outcomes(f.hostile, f.errors)).to.deep.equal([
        { ok: false, error: "ReceivableInvoiceAlreadyUsed" },
        { ok: false, error: "ReceivableInvoiceAlreadyUsed" },
      ]);
      expect(await f.receivableToken.invoiceUse(fingerprint)).to.equal(piece);
      expect(await f.receivableToken["balanceOf(uint256)"](piece)).to.equal(value);
      expect(await liveValue(f, f.slot)).to.equal(FACE);
    });

    it("a merge into its piece: the source stays the sender's, and only the merged value arrives", async function () {
      const f = await loadFixture(fixture);
      const piece = await splitToHostile(f, 10_000_000n);
      const merged = 5_000_000n;
      await f.hostile.arm([
        await call(f.receivableToken, SPLIT, [f.root, f.hostileAddress, 1n]),
        await call(f.receivableToken, MERGE, [f.root, piece, merged]),
        await call(f.receivableToken, APPROVE_VALUE, [f.root, f.hostileAddress, FACE]),
        await call(f.receivableToken, "approve(address,uint256)", [f.hostileAddress, f.root]),
      ]);
      // Value enters the hostile's piece only with its consent: it approves tier1 for that piece.
      const consent = f.receivableToken.interface.encodeFunctionData("approve(address,uint256)", [f.tier1.address, piece]);
      await (await f.hostile.execute(await f.receivableToken.getAddress(), consent)).wait();
      await (await f.receivableToken.connect(f.tier1)[MERGE](f.root, piece, merged)).wait();

      expect(await outcomes(f.hostile, f.errors)).to.deep.equal([
        { ok: false, error: "ERC3525InsufficientAllowance" },
        { ok: false, error: "ERC3525InsufficientAllowance" },
        { ok: false, error: "ERC721InvalidApprover" },
        { ok: false, error: "ERC721InvalidApprover" },
      ]);
      const receipts = await f.hostile.receipts();
      expect(receipts.length).to.equal(2);
      expect([receipts[1].fromTokenId, receipts[1].toTokenId, receipts[1].value]).to.deep.equal([f.root, piece, merged]);
      expect(await f.receivableToken["balanceOf(uint256)"](piece)).to.equal(10_000_000n + merged);
      expect(await f.receivableToken["balanceOf(uint256)"](f.root)).to.equal(FACE - 10_000_000n - merged);
      expect(await liveValue(f, f.slot)).to.equal(FACE);
    });

    it("spending a value allowance: the allowance is spent before its hook runs, so it cannot be spent again from there", async function () {
      const f = await loadFixture(fixture);
      const allowance = 7_000_000n;
      await (await f.receivableToken.connect(f.tier1)[APPROVE_VALUE](f.root, f.hostileAddress, allowance)).wait();
      await f.hostile.arm([
        await call(f.receivableToken, SPLIT, [f.root, f.hostileAddress, allowance]),
        await call(f.receivableToken, SPLIT, [f.root, f.hostileAddress, 1n]),
        await call(f.receivableToken, MERGE, [f.root, tokenIdOf(f.slot, 2n), 1n]),
      ]);
      await (
        await f.hostile.execute(
          await f.receivableToken.getAddress(),
          f.receivableToken.interface.encodeFunctionData(SPLIT, [f.root, f.hostileAddress, allowance]),
        )
      ).wait();

      expect(await outcomes(f.hostile, f.errors)).to.deep.equal([
        { ok: false, error: "ERC3525InsufficientAllowance" },
        { ok: false, error: "ERC3525InsufficientAllowance" },
        { ok: false, error: "ERC3525InsufficientAllowance" },
      ]);
      expect(await f.receivableToken.allowance(f.root, f.hostileAddress)).to.equal(0n);
      expect(await f.receivableToken["balanceOf(uint256)"](tokenIdOf(f.slot, 2n))).to.equal(allowance);
      expect(await f.receivableToken["balanceOf(address)"](f.hostileAddress)).to.equal(1n);
      expect(await f.receivableToken["balanceOf(uint256)"](f.root)).to.equal(FACE - allowance);
    });

    it("a whole piece by safeTransferFrom: once it has passed the piece on, it can neither move it again nor draw value from it", async function () {
      const f = await loadFixture(fixture);
      const piece = await f.receivableToken.connect(f.tier1)[SPLIT].staticCall(f.root, f.tier1.address, 20_000_000n);
      await (await f.receivableToken.connect(f.tier1)[SPLIT](f.root, f.tier1.address, 20_000_000n)).wait();
      await f.hostile.arm([
        await call(f.receivableToken, WHOLE, [f.hostileAddress, f.tier2.address, piece]),
        await call(f.receivableToken, WHOLE, [f.hostileAddress, f.tier3.address, piece]),
        await call(f.receivableToken, SPLIT, [piece, f.tier3.address, 1n]),
        await call(f.receivableToken, WHOLE, [f.tier1.address, f.hostileAddress, f.root]),
      ]);
      await (await f.receivableToken.connect(f.tier1)[SAFE_WHOLE](f.tier1.address, f.hostileAddress, piece)).wait();

      expect(await outcomes(f.hostile, f.errors)).to.deep.equal([
        { ok: true },
        { ok: false, error: "ERC721IncorrectOwner" },
        { ok: false, error: "ERC3525InsufficientAllowance" },
        { ok: false, error: "ERC721InsufficientApproval" },
      ]);
      const receipts = await f.hostile.receipts();
      expect(receipts.length).to.equal(1);
      expect(receipts[0].hook).to.equal(ERC721_RECEIVED);
      expect(await f.receivableToken.ownerOf(piece)).to.equal(f.tier2.address);
      expect(await f.receivableToken["balanceOf(uint256)"](piece)).to.equal(20_000_000n);
      expect(await f.receivableToken.ownerOf(f.root)).to.equal(f.tier1.address);
      expect(await liveValue(f, f.slot)).to.equal(FACE);
    });
  });

  describe("Financing: a hostile factor cannot fund twice with the same attestation", function () {
    async function fundingOf(f: Fixture, value: bigint, price: bigint, nonce: bigint) {
      const deadline = (await latestTimestamp()) + DAY;
      const request: FundingRequest = { tokenId: f.root, value, minPrice: price, factor: f.hostileAddress, withRecourse: false, deadline, nonce };
      const attestation: FundingAttestation = {
        tokenId: f.root,
        holder: f.tier1.address,
        factor: f.hostileAddress,
        value,
        price,
        invoiceHash: randomHash(),
        logisticsHash: randomHash(),
        tradeProofHash: randomHash(),
        withRecourse: false,
        deadline,
        nonce,
      };
      const { chainId } = await hre.ethers.provider.getNetwork();
      const domain = financingDomain(chainId, await f.financing.getAddress());
      const signature = await signFundingAttestation(f.verifier, domain, attestation);
      // The holder consents on chain, so no holder signature is needed.
      await (await f.financing.connect(f.tier1).approveRequest(request)).wait();
      const fundingId = await f.financing.attestationDigest(attestation);
      const fund = await call(f.financing, "fund", [request, "0x", attestation, [signature]]);
      return { fund, fundingId };
    }

    async function payroll(f: Fixture, amount: bigint): Promise<void> {
      await (await f.settlementToken.connect(f.issuer).issue(f.hostileAddress, amount)).wait();
      const approve = f.settlementToken.interface.encodeFunctionData("approve", [await f.financing.getAddress(), amount]);
      await (await f.hostile.execute(await f.settlementToken.getAddress(), approve)).wait();
    }

    it("re-entering fund from the hook of the piece it is delivered hits the guard; replaying afterwards is refused", async function () {
      const f = await loadFixture(fixture);
      const value = 40_000_000n;
      const price = 39_000_000n;
      await payroll(f, 3n * price);
      const first = await fundingOf(f, value, price, 1n);
      const other = await fundingOf(f, 10_000_000n, 9_000_000n, 2n);
      await f.hostile.arm([
        { target: first.fund.target, data: first.fund.data },
        { target: other.fund.target, data: other.fund.data },
        // Financing may move any piece; the factor it calls back may not.
        await call(f.receivableToken, SPLIT, [f.root, f.hostileAddress, 1n]),
      ]);
      const tier1Before = await f.settlementToken.balanceOf(f.tier1.address);

      const tx = f.hostile.execute(first.fund.target, first.fund.data);
      const fundedTokenId = tokenIdOf(f.slot, 2n);
      await expect(tx)
        .to.emit(f.financing, "Funded")
        .withArgs(first.fundingId, f.root, f.hostileAddress, f.tier1.address, fundedTokenId, value, price, false);

      const results = await outcomes(f.hostile, f.errors);
      expect(results).to.deep.equal([
        { ok: false, error: "ReentrancyGuardReentrantCall" },
        { ok: false, error: "ReentrancyGuardReentrantCall" },
        { ok: false, error: "ERC3525InsufficientAllowance" },
      ]);
      // The piece delivered is the one the Funded event names (Financing also checks it against the token's answer).
      const receipts = await f.hostile.receipts();
      expect(receipts.length).to.equal(1);
      expect(receipts[0].operator).to.equal(await f.financing.getAddress());
      expect([receipts[0].fromTokenId, receipts[0].toTokenId, receipts[0].value]).to.deep.equal([f.root, fundedTokenId, value]);
      expect(await f.receivableToken.ownerOf(fundedTokenId)).to.equal(f.hostileAddress);
      expect(await f.receivableToken["balanceOf(uint256)"](fundedTokenId)).to.equal(value);
      expect(await f.settlementToken.balanceOf(f.tier1.address)).to.equal(tier1Before + price);
      expect(await f.settlementToken.balanceOf(f.hostileAddress)).to.equal(2n * price);

      await expect(f.hostile.execute(first.fund.target, first.fund.data))
        .to.be.revertedWithCustomError(f.financing, "FinancingAttestationReplayed")
        .withArgs(first.fundingId);
      expect(await f.settlementToken.balanceOf(f.tier1.address)).to.equal(tier1Before + price);
      expect(await f.receivableToken["balanceOf(uint256)"](f.root)).to.equal(FACE - value);
      expect(await liveValue(f, f.slot)).to.equal(FACE);
    });

    it("a whole-piece funding delivers by plain transferFrom: the factor gets no call at all", async function () {
      const f = await loadFixture(fixture);
      await payroll(f, FACE);
      const whole = await fundingOf(f, FACE, FACE - 1_000_000n, 1n);
      await f.hostile.arm([{ target: whole.fund.target, data: whole.fund.data }]);
      await (await f.hostile.execute(whole.fund.target, whole.fund.data)).wait();
      expect((await f.hostile.receipts()).length).to.equal(0);
      expect((await f.hostile.attempts()).length).to.equal(0);
      expect(await f.receivableToken.ownerOf(f.root)).to.equal(f.hostileAddress);
      await expect(f.hostile.execute(whole.fund.target, whole.fund.data)).to.be.revertedWithCustomError(f.financing, "FinancingAttestationReplayed");
    });
  });
});
