import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import { toQuantity } from "ethers";
import { AUDIT_VIEW_READER_CODE, READS_PER_CALL, SHORT_READS_PER_CALL, readViews } from "../../src/audit/viewReader";
import type { ViewRead } from "../../src/audit/viewReader";
import type { RpcSender } from "../../src/audit/chain";
import { AuditInconsistentToken__factory, ReceivableToken__factory } from "../../typechain-types";
import { FindingLog } from "../../src/audit/findings";
import { AuditReplay } from "../../src/audit/replay";
import { ViewPrefetch, compareWithViews } from "../../src/audit/views";
import { confirmationFor, confirmReceivable } from "../helpers/consortium";
import { audit, deployAuditedConsortium, expectPlainAnswer } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const solc = require("solc") as { compile(input: string): string };

/** The audit's batched view reads (src/audit/viewReader.ts, AuditViewReader.sol). */
describe("audit view reader", function () {
  it("views: the embedded runtime code is AuditViewReader.sol compiled (solc 0.8.28, paris, 200 runs, no metadata)", function () {
    const source = readFileSync(path.join(__dirname, "..", "..", "src", "audit", "AuditViewReader.sol"), "utf8");
    const input = {
      language: "Solidity",
      sources: { "AuditViewReader.sol": { content: source } },
      settings: {
        optimizer: { enabled: true, runs: 200 },
        evmVersion: "paris",
        metadata: { bytecodeHash: "none", appendCBOR: false },
        outputSelection: { "*": { "*": ["evm.deployedBytecode.object"] } },
      },
    };
    const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
      errors?: Array<{ severity: string; formattedMessage: string }>;
      contracts: Record<string, Record<string, { evm: { deployedBytecode: { object: string } } }>>;
    };
    expect((output.errors ?? []).filter((error) => error.severity === "error").map((error) => error.formattedMessage)).to.deep.equal([]);
    expect(AUDIT_VIEW_READER_CODE).to.equal(`0x${output.contracts["AuditViewReader.sol"].AuditViewReader.evm.deployedBytecode.object}`);
  });

  it("views: batched reads answer as plain eth_calls, a reverting read with the node's own error, across several calls", async function () {
    const c = await deployAuditedConsortium();
    const pieces: bigint[] = [];
    for (let k = 0; k < 3; k += 1) pieces.push((await confirmReceivable(c, { supplier: c.tier1, faceValue: 1_000_000n + BigInt(k) })).tokenId);
    const token = ReceivableToken__factory.createInterface();
    const tokenAddress = await c.receivableToken.getAddress();
    const pieceOf = token.getFunction("pieceOf").selector;
    const receivable = token.getFunction("receivable").selector;
    const missing = pieces[2] + 1_000n;
    const reads: ViewRead[] = [];
    // Two-word answers go 1,024 to a call, longer ones 256.
    for (let k = 0; k < SHORT_READS_PER_CALL + 5; k += 1)
      reads.push({ to: tokenAddress, selector: pieceOf, argument: pieces[k % 3], answerWords: 2 });
    reads.push({ to: tokenAddress, selector: pieceOf, argument: missing, answerWords: 2 });
    // Long answers too: 257 receivables of 7 words each (66 kB, more than a constructor could return).
    for (let k = 0; k < READS_PER_CALL + 1; k += 1)
      reads.push({ to: tokenAddress, selector: receivable, argument: BigInt((k % 3) + 1), answerWords: 7 });
    let calls = 0;
    const rpc: RpcSender = {
      send: (method, params) => {
        calls += 1;
        return hre.network.provider.send(method, params);
      },
    };
    const tag = toQuantity(await hre.ethers.provider.getBlockNumber());
    const answers = await readViews(rpc, reads, tag);
    for (const [index, read] of reads.entries()) await expectPlainAnswer(read, tag, answers[index], `read ${index}`);
    expect(answers[SHORT_READS_PER_CALL + 5]).to.be.instanceOf(Error);
    expect(answers.filter((answer) => answer instanceof Error)).to.have.length(1);
    // Two reader calls for pieceOf, two for receivable, one plain retry of the missing piece.
    expect(calls).to.equal(5);
  });

  it("views read ahead: the findings are those of reading after the replay, whatever the plan read ahead", async function () {
    // A test-only token whose storage disagrees with its own events: a piece's holding is a view mismatch.
    const c = await deployAuditedConsortium();
    const fake = await new AuditInconsistentToken__factory(c.operator).deploy();
    const record = { ...c.record, contracts: { ...c.record.contracts, receivableToken: await fake.getAddress() } };
    const terms = await confirmationFor(c, { supplier: c.tier1, faceValue: 10_000_000n });
    const confirmation = {
      supplier: terms.supplier,
      faceValue: terms.faceValue,
      maturity: terms.maturity,
      currency: terms.currency,
      invoiceHash: terms.invoiceHash,
      logisticsHash: terms.logisticsHash,
      invoiceFingerprint: hre.ethers.id("AUDIT-VIEWS-AHEAD-INVOICE"),
    };
    await (await fake.connect(c.anchor).confirm(confirmation, c.memberIds.get(c.anchor.address) ?? 0, c.memberIds.get(c.tier1.address) ?? 0)).wait();
    await (
      await fake.connect(c.tier1).splitWithoutDebit((1n << 32n) | 1n, c.tier2.address, 4_000_000n, hre.ethers.id("AUDIT-VIEWS-AHEAD-SPLIT"))
    ).wait();
    const result = await audit(record);
    const codes = result.findings.map((finding) => finding.code);
    expect(codes).to.include("VIEW_MISMATCH");

    const rpc: RpcSender = { send: (method, params) => hre.network.provider.send(method, params) };
    const compare = async (prefetch?: ViewPrefetch): Promise<string[]> => {
      const findings = new FindingLog();
      await compareWithViews(rpc, record.contracts, result.replay, result.block, findings, undefined, prefetch);
      return findings.findings.map((finding) => `${finding.code} ${finding.transactionHash} ${finding.message}`);
    };
    const after = await compare();
    expect(after.length).to.be.greaterThan(0);
    // Ahead from the same replay (every read answered ahead) and from an empty one (all but the totals read after).
    expect(await compare(new ViewPrefetch(rpc, record.contracts, result.replay, result.block))).to.deep.equal(after);
    const empty = new AuditReplay({ chainId: result.chainId, contracts: record.contracts, auditedTime: result.blockTime, fundCalls: new Map() });
    expect(await compare(new ViewPrefetch(rpc, record.contracts, empty, result.block))).to.deep.equal(after);
  });

  it("views read ahead: a node that cannot answer at the block fails the views phase, not before it", async function () {
    const c = await deployAuditedConsortium();
    const result = await audit(c.record);
    const failing: RpcSender = { send: () => Promise.reject(new Error("missing trie node")) };
    const prefetch = new ViewPrefetch(failing, c.record.contracts, result.replay, result.block);
    // Nothing awaited it yet: no unhandled rejection meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 10));
    let error: unknown;
    try {
      await compareWithViews(failing, c.record.contracts, result.replay, result.block, new FindingLog(), undefined, prefetch);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message)
      .to.contain(`the node cannot answer calls at block ${result.block}`)
      .and.to.contain("missing trie node");
  });
});
