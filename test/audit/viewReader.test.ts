import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import { toQuantity } from "ethers";
import { AUDIT_VIEW_READER_CODE, READS_PER_CALL, readViews } from "../../src/audit/viewReader";
import type { ViewRead } from "../../src/audit/viewReader";
import type { RpcSender } from "../../src/audit/chain";
import { ReceivableToken__factory } from "../../typechain-types";
import { confirmReceivable } from "../helpers/consortium";
import { deployAuditedConsortium } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const solc = require("solc") as { compile(input: string): string };

/** The audit's batched view reads (src/audit/viewReader.ts, AuditViewReader.sol). */
describe("audit view reader", function () {
  it("views: the embedded runtime code is AuditViewReader.sol compiled (solc 0.8.28, paris, 200 runs, no metadata)", function () {
    const source = readFileSync(path.join(__dirname, "..", "..", "src", "audit", "AuditViewReader.sol"), "utf8");
    const input = {
      language: "Solidity",
      sources: { "AuditViewReader.sol": { content: source } },
      settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "paris", metadata: { bytecodeHash: "none", appendCBOR: false }, outputSelection: { "*": { "*": ["evm.deployedBytecode.object"] } } },
    };
    const output = JSON.parse(solc.compile(JSON.stringify(input))) as { errors?: Array<{ severity: string; formattedMessage: string }>; contracts: Record<string, Record<string, { evm: { deployedBytecode: { object: string } } }>> };
    expect((output.errors ?? []).filter((error) => error.severity === "error").map((error) => error.formattedMessage)).to.deep.equal([]);
    expect(AUDIT_VIEW_READER_CODE).to.equal(`0x${output.contracts["AuditViewReader.sol"].AuditViewReader.evm.deployedBytecode.object}`);
  });

  it("views: batched reads answer as plain eth_calls, a reverting read with the node's own error, across several calls", async function () {
    const c = await deployAuditedConsortium();
    const pieces: bigint[] = [];
    for (let k = 0; k < 3; k += 1) pieces.push((await confirmReceivable(c, { supplier: c.tier1, faceValue: 1_000_000n + BigInt(k) })).tokenId);
    const token = ReceivableToken__factory.createInterface();
    const tokenAddress = await c.token.getAddress();
    const pieceOf = token.getFunction("pieceOf").selector;
    const receivable = token.getFunction("receivable").selector;
    const missing = pieces[2] + 1_000n;
    const reads: ViewRead[] = [];
    for (let k = 0; k < READS_PER_CALL + 5; k += 1) reads.push({ to: tokenAddress, selector: pieceOf, argument: pieces[k % 3], answerWords: 2 });
    reads.push({ to: tokenAddress, selector: pieceOf, argument: missing, answerWords: 2 });
    // Long answers too: 257 receivables of 7 words each (66 kB, more than a constructor could return).
    for (let k = 0; k < READS_PER_CALL + 1; k += 1) reads.push({ to: tokenAddress, selector: receivable, argument: BigInt((k % 3) + 1), answerWords: 7 });
    let calls = 0;
    const rpc: RpcSender = {
      send: (method, params) => {
        calls += 1;
        return hre.network.provider.send(method, params);
      },
    };
    const tag = toQuantity(await hre.ethers.provider.getBlockNumber());
    const answers = await readViews(rpc, reads, tag);
    for (const [index, read] of reads.entries()) {
      const plain: unknown = await hre.network.provider.send("eth_call", [{ to: read.to, data: read.selector + read.argument.toString(16).padStart(64, "0") }, tag]).catch((error: unknown) => error);
      if (plain instanceof Error) {
        expect(answers[index], `read ${index}`).to.be.instanceOf(Error);
        expect((answers[index] as Error).message).to.equal(plain.message);
      } else {
        expect(answers[index], `read ${index}`).to.equal((plain as string).slice(0, 2 + 64 * read.answerWords));
      }
    }
    expect(answers[READS_PER_CALL + 5]).to.be.instanceOf(Error);
    expect(answers.filter((answer) => answer instanceof Error)).to.have.length(1);
    // Two reader calls for pieceOf, two for receivable, one plain retry of the missing piece.
    expect(calls).to.equal(5);
  });
});
