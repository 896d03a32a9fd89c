import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import { getBytes, hexlify, toQuantity } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { readViews } from "../../src/audit/viewReader";
import type { ViewRead } from "../../src/audit/viewReader";
import { sameCodeOutsideImmutables, tokenMirror, withoutMetadata } from "../../src/audit/tokenMirror";
import type { RpcSender } from "../../src/audit/chain";
import { tokenIdOf } from "../../src/chain/tokenId";
import { AuditInconsistentToken__factory, ReceivableToken__factory } from "../../typechain-types";
import { confirmReceivable, DAY } from "../helpers/consortium";
import { fundAndRepay, splitTo } from "../helpers/settlement";
import { audit, deployAuditedConsortium, describeFindings, expectPlainAnswer, fundPiece } from "./helpers";

const ARTIFACTS = path.join(__dirname, "..", "..", "artifacts");

/** Counts the node's calls by kind: plain eth_call, reader calls, mirror calls (code put at the token's address). */
function countingRpc(token: string): { rpc: RpcSender; counts: { plain: number; reader: number; mirror: number } } {
  const counts = { plain: 0, reader: 0, mirror: 0 };
  const rpc: RpcSender = {
    send: (method, params) => {
      if (method === "eth_call") {
        const overrides = params[2] as Record<string, unknown> | undefined;
        if (overrides === undefined) counts.plain += 1;
        else if (Object.keys(overrides).some((address) => address.toLowerCase() === token.toLowerCase())) counts.mirror += 1;
        else counts.reader += 1;
      }
      return hre.network.provider.send(method, params);
    },
  };
  return { rpc, counts };
}

/** The immutables' positions in ReceivableToken's runtime code, as solc reported them in the artifact's build-info. */
function immutablePositions(): number[] {
  const folder = path.join(ARTIFACTS, "contracts", "token", "ReceivableToken.sol");
  const debug = JSON.parse(readFileSync(path.join(folder, "ReceivableToken.dbg.json"), "utf8")) as { buildInfo: string };
  const info = JSON.parse(readFileSync(path.resolve(folder, debug.buildInfo), "utf8")) as {
    output: {
      contracts: Record<string, Record<string, { evm: { deployedBytecode: { immutableReferences: Record<string, Array<{ start: number }>> } } }>>;
    };
  };
  const references = info.output.contracts["contracts/token/ReceivableToken.sol"].ReceivableToken.evm.deployedBytecode.immutableReferences;
  return Object.values(references).flatMap((list) => list.map((reference) => reference.start));
}

/** The audit's reads of the token through its mirror (contracts/audit/AuditTokenMirror.sol, src/audit/tokenMirror.ts). */
describe("audit token mirror", function () {
  it("views: the mirror answers every piece and receivable as the token's own views, live, emptied, redeemed or never made", async function () {
    const c = await deployAuditedConsortium();
    const tokenAddress = await c.receivableToken.getAddress();
    const first = await confirmReceivable(c, { supplier: c.tier1, faceValue: 80_000_000n, maturityInDays: 30n });
    const second = await confirmReceivable(c, { supplier: c.tier1, faceValue: 5_000_000n, maturityInDays: 90n });
    const tier2Piece = await splitTo(c, c.tier1, first.tokenId, c.tier2, 30_000_000n);
    const tier3Piece = await splitTo(c, c.tier2, tier2Piece, c.tier3, 10_000_000n);
    await fundPiece(c, { holder: c.tier3, tokenId: tier3Piece, value: 4_000_000n, price: 3_950_000n });
    // Emptied: all of tier 2's first piece moves to tier 3's second one.
    const emptied = await splitTo(c, c.tier1, second.tokenId, c.tier2, 2_000_000n);
    await splitTo(c, c.tier2, emptied, c.tier3, 2_000_000n);
    await time.increase(31n * DAY);
    await fundAndRepay(c, first.slot, 80_000_000n);
    // Redeemed: the claim burns tier 2's piece.
    await (await c.settlement.claim(tier2Piece)).wait();

    const token = ReceivableToken__factory.createInterface();
    const pieceOf = token.getFunction("pieceOf").selector;
    const exists = token.getFunction("exists").selector;
    const receivable = token.getFunction("receivable").selector;
    const slotCount = Number(await c.receivableToken.slotCount());
    const ids: bigint[] = [0n, 1n, (1n << 32n) - 1n, tokenIdOf(BigInt(slotCount + 1), 1n), tokenIdOf(0n, 1n)];
    for (let slot = 1; slot <= slotCount; slot += 1)
      for (let sequence = 0; sequence <= 6; sequence += 1) ids.push(tokenIdOf(BigInt(slot), BigInt(sequence)));
    const slots = [0n, ...Array.from({ length: slotCount + 2 }, (_, index) => BigInt(index + 1)), (1n << 64n) + 1n];
    const reads: ViewRead[] = [
      ...ids.map((id) => ({ to: tokenAddress, selector: pieceOf, argument: id, answerWords: 2 })),
      ...ids.map((id) => ({ to: tokenAddress, selector: exists, argument: id, answerWords: 1 })),
      ...slots.map((slot) => ({ to: tokenAddress, selector: receivable, argument: slot, answerWords: 7 })),
    ];
    const tag = toQuantity(await hre.ethers.provider.getBlockNumber());

    const { rpc, counts } = countingRpc(tokenAddress);
    const mirror = await tokenMirror(rpc, tokenAddress, tag);
    expect(mirror, "the deployed token is the compiled one").to.not.equal(undefined);
    const throughMirror = await readViews(rpc, reads, tag, undefined, mirror);
    expect(counts.mirror, "one mirror call per view").to.equal(3);
    expect(counts.reader).to.equal(0);
    const throughReader = await readViews(rpc, reads, tag);
    expect(counts.reader).to.be.greaterThan(0);

    let live = 0;
    for (const [index, read] of reads.entries()) {
      const answered = await expectPlainAnswer(read, tag, throughMirror[index], `read ${index}`);
      if (answered && read.selector === pieceOf) live += 1;
      expect(String(throughMirror[index]), `read ${index}`).to.equal(String(throughReader[index]));
    }
    // The chain has what the test means it to: live pieces, pieces that are gone, and receivables that answer.
    expect(live).to.equal(5);
    expect(throughMirror.filter((answer, index) => reads[index].selector === exists && answer === `0x${"0".repeat(63)}1`)).to.have.length(5);
    expect(throughMirror.filter((answer, index) => reads[index].selector === receivable && typeof answer === "string")).to.have.length(slotCount);
  });

  it("code check: only ReceivableToken's compiled code, with any immutables and metadata, is read through the mirror", async function () {
    const c = await deployAuditedConsortium();
    const tokenAddress = await c.receivableToken.getAddress();
    const deployed = getBytes((await hre.network.provider.send("eth_getCode", [tokenAddress, "latest"])) as string);
    const artifact = JSON.parse(readFileSync(path.join(ARTIFACTS, "contracts", "token", "ReceivableToken.sol", "ReceivableToken.json"), "utf8")) as {
      deployedBytecode: string;
    };
    const compiled = getBytes(artifact.deployedBytecode);
    expect(sameCodeOutsideImmutables(deployed, compiled)).to.equal(true);

    // What the check takes for immutables is exactly what solc reported as such.
    const positions = immutablePositions();
    expect(positions.length).to.be.greaterThan(0);
    const zeroPush32s: number[] = [];
    const code = withoutMetadata(compiled) ?? new Uint8Array();
    for (let pc = 0; pc < code.length;) {
      const pushed = code[pc] >= 0x60 && code[pc] <= 0x7f ? code[pc] - 0x5f : 0;
      if (code[pc] === 0x7f && code.subarray(pc + 1, pc + 33).every((byte) => byte === 0)) zeroPush32s.push(pc + 1);
      pc += 1 + pushed;
    }
    expect(zeroPush32s.sort((a, b) => a - b)).to.deep.equal([...positions].sort((a, b) => a - b));
    // The deployment filled them: the deployed code differs from the compiled one there, and only there.
    expect(positions.some((start) => hexlify(deployed.subarray(start, start + 32)) !== hexlify(new Uint8Array(32)))).to.equal(true);

    const changed = (at: number, value: number): Uint8Array => {
      const copy = new Uint8Array(deployed);
      copy[at] = value;
      return copy;
    };
    // Another immutable value: still the same code.
    expect(sameCodeOutsideImmutables(changed(positions[0] + 31, deployed[positions[0] + 31] ^ 1), compiled)).to.equal(true);
    // One instruction or one constant changed, anywhere else: not the compiled token.
    const body = withoutMetadata(deployed)?.length ?? 0;
    for (const at of [0, 1, 100, Math.floor(body / 2), body - 1]) {
      if (positions.some((start) => at >= start && at < start + 32)) continue;
      expect(sameCodeOutsideImmutables(changed(at, deployed[at] ^ 0x01), compiled), `byte ${at}`).to.equal(false);
    }
    // Other metadata (a build whose comments differ): the same code.
    const metadataStart = body + 10;
    expect(sameCodeOutsideImmutables(changed(metadataStart, deployed[metadataStart] ^ 0xff), compiled)).to.equal(true);
    // Shorter, longer, empty.
    expect(sameCodeOutsideImmutables(deployed.subarray(1), compiled)).to.equal(false);
    expect(sameCodeOutsideImmutables(new Uint8Array([...deployed, 0]), compiled)).to.equal(false);
    expect(sameCodeOutsideImmutables(new Uint8Array(), compiled)).to.equal(false);

    // The test-only token that answers views its storage does not hold is not the compiled token: read view by view.
    const fake = await new AuditInconsistentToken__factory(c.operator).deploy();
    const fakeAddress = await fake.getAddress();
    expect(await tokenMirror(countingRpc(fakeAddress).rpc, fakeAddress, "latest")).to.equal(undefined);
    // Nor is an address without code.
    expect(await tokenMirror(countingRpc(c.tier1.address).rpc, c.tier1.address, "latest")).to.equal(undefined);
  });

  it("audit: a clean chain audits clean through the mirror, and a node that ignores the override still gets every read", async function () {
    const c = await deployAuditedConsortium();
    const tokenAddress = await c.receivableToken.getAddress();
    const { tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 40_000_000n });
    await splitTo(c, c.tier1, tokenId, c.tier2, 10_000_000n);
    const { rpc, counts } = countingRpc(tokenAddress);
    const result = await audit(c.record, { rpc });
    expect(describeFindings(result)).to.equal("");
    expect(counts.mirror, "pieceOf and receivable through the mirror").to.be.greaterThan(0);

    // A node that drops state overrides answers the mirror's call as the token itself would: a revert. Every read is
    // then asked again as a plain call, and the audit is as clean.
    const ignoring: RpcSender = {
      send: (method, params) => hre.network.provider.send(method, method === "eth_call" ? params.slice(0, 2) : params),
    };
    expect(describeFindings(await audit(c.record, { rpc: ignoring }))).to.equal("");
  });
});
