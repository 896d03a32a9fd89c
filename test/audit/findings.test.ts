import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Level } from "level";
import { AuditInconsistentToken__factory, StrayFinancingEvents__factory, StraySettlementEvents__factory } from "../../typechain-types";
import { openStoreSource } from "../../src/audit/documents";
import { DocumentStore } from "../../src/documents/store";
import { parseDocument } from "../../src/proofs/documents";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import type { StoredDocument } from "../../src/documents/store";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { startIndexer } from "../../src/indexer/indexer";
import { confirmationFor, confirmReceivable, DAY } from "../helpers/consortium";
import { fundAndRepay, splitTo } from "../helpers/settlement";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { audit, deployAuditedConsortium, describeFindings, fundPiece, deployLaxFinancing } from "./helpers";

/**
 * Each kind of finding, provoked on an otherwise clean chain and detected: the same story audits clean before the
 * provocation, so every assertion here can fail.
 */
describe("audit findings", function () {
  it("a funding whose verifier was suspended before it (through a test-only lax financing contract)", async function () {
    const c = await deployAuditedConsortium();
    const { lax, laxAddress } = await deployLaxFinancing(c);
    const record = { ...c.record, contracts: { ...c.record.contracts, financing: laxAddress } };
    const laxFinancing = {
      address: laxAddress,
      fund: async (...args: Parameters<typeof lax.fund>): Promise<string> => {
        const sent = await lax.connect(c.factor).fund(...args);
        await sent.wait();
        return sent.hash.toLowerCase();
      },
    };
    const first = await confirmReceivable(c, { supplier: c.tier1, faceValue: 50_000_000n });
    const second = await confirmReceivable(c, { supplier: c.tier2, faceValue: 20_000_000n });
    await (await c.receivableToken.connect(c.tier1)["approve(address,uint256)"](laxAddress, first.tokenId)).wait();
    await (await c.receivableToken.connect(c.tier2)["approve(address,uint256)"](laxAddress, second.tokenId)).wait();

    // While the verifier is active, a funding through the lax contract is indistinguishable from a real one.
    await fundPiece(c, { holder: c.tier1, tokenId: first.tokenId, value: 50_000_000n, price: 49_000_000n, financing: laxFinancing });
    const before = await audit(record);
    expect(describeFindings(before)).to.equal("");

    await (await c.registry.suspend(c.memberIds.get(c.verifier.address) ?? 0)).wait();
    const suspendedFunding = await fundPiece(c, {
      holder: c.tier2,
      tokenId: second.tokenId,
      value: 20_000_000n,
      price: 19_500_000n,
      financing: laxFinancing,
    });
    const result = await audit(record);
    const receipt = await hre.ethers.provider.getTransactionReceipt(suspendedFunding);
    expect(
      result.findings.map((finding) => finding.code),
      describeFindings(result),
    ).to.include("FUNDING_SIGNER_NOT_VERIFIER");
    const finding = result.findings.find((entry) => entry.code === "FUNDING_SIGNER_NOT_VERIFIER");
    expect(finding?.transactionHash).to.equal(suspendedFunding);
    expect(finding?.block).to.equal(receipt?.blockNumber);
    expect(finding?.message).to.contain("suspended");
    expect(finding?.tokenId).to.equal(second.tokenId);
    // Its only valid signer gone, the funding also lacks the one verifier required.
    expect(result.findings.map((entry) => entry.code)).to.include("FUNDING_TOO_FEW_VERIFIERS");
  });

  it("a test-only token that emits a value transfer its storage does not reflect", async function () {
    const c = await deployAuditedConsortium();
    const fake = await new AuditInconsistentToken__factory(c.operator).deploy();
    const record = { ...c.record, contracts: { ...c.record.contracts, receivableToken: await fake.getAddress() } };
    const terms = await confirmationFor(c, { supplier: c.tier1, faceValue: 10_000_000n });
    // The fake takes the confirmation as the real token's event reports it.
    const confirmation = {
      supplier: terms.supplier,
      faceValue: terms.faceValue,
      maturity: terms.maturity,
      currency: terms.currency,
      invoiceHash: terms.invoiceHash,
      logisticsHash: terms.logisticsHash,
      invoiceFingerprint: hre.ethers.id("AUDIT-FAKE-CONFIRMED-INVOICE"),
    };
    const anchorId = c.memberIds.get(c.anchor.address) ?? 0;
    const supplierId = c.memberIds.get(c.tier1.address) ?? 0;
    await (await fake.setCreditLine(anchorId, 10_000_000n, terms.maturity)).wait();
    await (await fake.connect(c.anchor).confirm(confirmation, anchorId, supplierId)).wait();
    const root = (1n << 32n) | 1n;
    expect(describeFindings(await audit(record))).to.equal("");

    const sent = await fake.connect(c.tier1).splitWithoutDebit(root, c.tier2.address, 4_000_000n, hre.ethers.id("AUDIT-FAKE-INVOICE"));
    const receipt = await sent.wait();
    const result = await audit(record);
    expect([...new Set(result.findings.map((finding) => finding.code))], describeFindings(result)).to.deep.equal(["VIEW_MISMATCH"]);
    const [finding] = result.findings;
    expect(finding.tokenId).to.equal(root);
    expect(finding.transactionHash).to.equal(sent.hash.toLowerCase());
    expect(finding.block).to.equal(receipt?.blockNumber);
    expect(finding.message).to.contain("holding 100,000.00 CNY").and.to.contain("holding 60,000.00 CNY").and.not.to.contain("10000000");

    // Audited at the block before the split (--at), the same chain is clean: replay and views both stop there.
    const earlier = await audit(record, { at: (receipt?.blockNumber ?? 0) - 1 });
    expect(earlier.block).to.equal((receipt?.blockNumber ?? 0) - 1);
    expect(describeFindings(earlier)).to.equal("");
  });

  it("I8: a token without the line check lets a confirmation take the anchor above its line; the replay names it, the line, the outstanding and the amount", async function () {
    const c = await deployAuditedConsortium();
    const fake = await new AuditInconsistentToken__factory(c.operator).deploy();
    const record = { ...c.record, contracts: { ...c.record.contracts, receivableToken: await fake.getAddress() } };
    const anchorId = c.memberIds.get(c.anchor.address) ?? 0;
    const supplierId = c.memberIds.get(c.tier1.address) ?? 0;
    const confirmLax = async (faceValue: bigint, name: string) => {
      const terms = await confirmationFor(c, { supplier: c.tier1, faceValue });
      const confirmation = {
        supplier: terms.supplier,
        faceValue: terms.faceValue,
        maturity: terms.maturity,
        currency: terms.currency,
        invoiceHash: terms.invoiceHash,
        logisticsHash: terms.logisticsHash,
        invoiceFingerprint: hre.ethers.id(name),
      };
      const sent = await fake.connect(c.anchor).confirm(confirmation, anchorId, supplierId);
      await sent.wait();
      return sent.hash.toLowerCase();
    };
    const review = (await time.latest()) + 90 * 86_400;
    await (await fake.setCreditLine(anchorId, 10_000_000n, review)).wait();
    await confirmLax(6_000_000n, "AUDIT-I8-FIRST");
    // Lowering the line below what is owed is no finding: only a confirmation can break I8.
    await (await fake.setCreditLine(anchorId, 5_000_000n, review)).wait();
    expect(describeFindings(await audit(record))).to.equal("");

    const over = await confirmLax(1_000_000n, "AUDIT-I8-OVER");
    const result = await audit(record);
    expect(
      result.findings.map((finding) => finding.code),
      describeFindings(result),
    ).to.deep.equal(["I8_CREDIT_LINE_EXCEEDED"]);
    const [finding] = result.findings;
    expect(finding.transactionHash).to.equal(over);
    expect(finding.slot).to.equal(2n);
    expect(finding.message).to.equal(
      // Without onboarding records the anchor is "member #N (0xAbCd…1234)": its number and its (shortened) account.
      `receivable 2 took the anchor member #${anchorId} (${c.anchor.address.slice(0, 6)}…${c.anchor.address.slice(-4)})'s outstanding from 60,000.00 CNY to 70,000.00 CNY, above its credit line of 50,000.00 CNY (amount 10,000.00 CNY)`,
    );
    expect(result.replay.creditLines.lines.get(anchorId)?.outstanding).to.equal(7_000_000n);
  });

  it("I8: a confirmation by an anchor that never had a line is a finding", async function () {
    const c = await deployAuditedConsortium();
    const fake = await new AuditInconsistentToken__factory(c.operator).deploy();
    const record = { ...c.record, contracts: { ...c.record.contracts, receivableToken: await fake.getAddress() } };
    const terms = await confirmationFor(c, { supplier: c.tier1, faceValue: 1_000n });
    const confirmation = { ...terms, invoiceFingerprint: hre.ethers.id("AUDIT-I8-NO-LINE") };
    delete (confirmation as { invoiceNumber?: unknown }).invoiceNumber;
    delete (confirmation as { sellerConsent?: unknown }).sellerConsent;
    await (await fake.connect(c.anchor).confirm(confirmation, c.memberIds.get(c.anchor.address) ?? 0, c.memberIds.get(c.tier1.address) ?? 0)).wait();
    const result = await audit(record);
    expect(
      result.findings.map((finding) => finding.code),
      describeFindings(result),
    ).to.deep.equal(["I8_CREDIT_LINE_EXCEEDED"]);
    expect(result.findings[0].message).to.contain("which had no credit line");
  });

  it("attack: recourse on a funding that never happened is reported by the replay and, kept as the index's finding, by the index comparison", async function () {
    const c = await deployAuditedConsortium();
    // Financing refuses such a recourse now; a test-only contract registered as financing emits the event it accepted.
    const stray = await new StrayFinancingEvents__factory(c.operator).deploy();
    const record = { ...c.record, contracts: { ...c.record.contracts, financing: await stray.getAddress() } };
    const receivable = await confirmReceivable(c, { supplier: c.tier1, faceValue: 10_000_000n });
    const indexed = async (): Promise<string> => {
      const dir = mkdtempSync(path.join(tmpdir(), "chainbill-audit-recourse-"));
      const indexer = await startIndexer({
        provider: hre.network.provider,
        dbPath: dir,
        addresses: record.contracts,
        startBlock: record.deploymentBlock,
        exitAtHead: true,
        pollIntervalMs: 5,
      });
      await indexer.done;
      return dir;
    };
    const cleanDir = await indexed();
    try {
      expect(describeFindings(await audit(record, { indexPath: cleanDir }))).to.equal("");
    } finally {
      rmSync(cleanDir, { recursive: true, force: true });
    }

    const factorId = c.memberIds.get(c.factor.address) ?? 0;
    const sellerId = c.memberIds.get(c.tier1.address) ?? 0;
    const sent = await stray.announceRecourse(hre.ethers.id("a funding nobody made"), factorId, sellerId, receivable.tokenId, 10_000_000n);
    await sent.wait();
    const dir = await indexed();
    try {
      const result = await audit(record, { indexPath: dir });
      expect(result.findings.map((finding) => finding.code).sort(), describeFindings(result)).to.deep.equal([
        "EVENT_INCONSISTENT",
        "I7_INDEX_FINDING",
      ]);
      for (const finding of result.findings) expect(finding.transactionHash).to.equal(sent.hash.toLowerCase());
      expect(result.findings.find((finding) => finding.code === "I7_INDEX_FINDING")?.message).to.contain("RECOURSE_UNKNOWN_FUNDING");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("WRITE_OFF_INVALID: a write-off by a non-operator, before the grace period ended, or a second time (issue 19 part 4)", async function () {
    const c = await deployAuditedConsortium();
    // Settlement refuses these; a test-only contract registered as settlement emits them.
    const stray = await new StraySettlementEvents__factory(c.operator).deploy();
    const record = { ...c.record, contracts: { ...c.record.contracts, settlement: await stray.getAddress() } };
    const receivable = await confirmReceivable(c, { supplier: c.tier1, faceValue: 10_000_000n, maturityInDays: 30n });
    const maturity = (await c.receivableToken.receivable(receivable.slot)).maturity;
    await (await stray.announceGracePeriod(7n * DAY)).wait();
    expect(describeFindings(await audit(record))).to.equal("");

    const early = await stray.announceWriteOff(receivable.slot, 10_000_000n, c.operator.address);
    await early.wait();
    await time.increaseTo(maturity + 7n * DAY + 1n);
    const byStranger = await stray.announceWriteOff(receivable.slot, 10_000_000n, c.tier1.address);
    await byStranger.wait();
    const result = await audit(record);
    const at = (hash: string): string[] =>
      result.findings.filter((finding) => finding.transactionHash === hash.toLowerCase()).map((finding) => `${finding.code}: ${finding.message}`);
    expect(at(early.hash), describeFindings(result)).to.have.length(1);
    expect(at(early.hash)[0]).to.match(
      new RegExp(
        `^WRITE_OFF_INVALID: receivable ${receivable.slot} written off at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC, not after maturity ${new Date(Number(maturity) * 1000).toISOString().replace("T", " ").replace(".000Z", " UTC")} plus the grace period of 7 days$`,
        "u",
      ),
    );
    expect(at(byStranger.hash).sort(), describeFindings(result)).to.deep.equal(
      [
        `WRITE_OFF_INVALID: receivable ${receivable.slot} written off a second time`,
        `WRITE_OFF_INVALID: receivable ${receivable.slot} written off by member #${c.memberIds.get(c.tier1.address)} (${c.tier1.address.slice(0, 6)}…${c.tier1.address.slice(-4)}), not an active operator`,
      ].sort(),
    );
  });

  it("attack: recourse recorded on a funding sold without recourse is I9_RECOURSE_NOT_AGREED", async function () {
    const c = await deployAuditedConsortium();
    const stray = await new StrayFinancingEvents__factory(c.operator).deploy();
    const record = { ...c.record, contracts: { ...c.record.contracts, financing: await stray.getAddress() } };
    const receivable = await confirmReceivable(c, { supplier: c.tier1, faceValue: 10_000_000n });
    const plainSale = hre.ethers.id("a plain sale");
    await (
      await stray.announceFunding(plainSale, receivable.tokenId, c.factor.address, c.tier1.address, receivable.tokenId, 10_000_000n, 0n, false)
    ).wait();
    const before = await audit(record);
    expect(before.findings.map((finding) => finding.code)).to.not.include("I9_RECOURSE_NOT_AGREED");

    const factorId = c.memberIds.get(c.factor.address) ?? 0;
    const sellerId = c.memberIds.get(c.tier1.address) ?? 0;
    const sent = await stray.announceRecourse(plainSale, factorId, sellerId, receivable.tokenId, 10_000_000n);
    await sent.wait();
    const result = await audit(record);
    const added = result.findings.filter((finding) => finding.transactionHash === sent.hash.toLowerCase());
    expect(
      added.map((finding) => finding.code),
      describeFindings(result),
    ).to.deep.equal(["I9_RECOURSE_NOT_AGREED"]);
    expect(added[0].message).to.contain("without recourse");
  });

  it("an index with one holding changed (I7)", async function () {
    const c = await deployAuditedConsortium();
    const { slot, tokenId } = await confirmReceivable(c, { supplier: c.tier1, faceValue: 80_000_000n, maturityInDays: 30n });
    const tier2Piece = await splitTo(c, c.tier1, tokenId, c.tier2, 30_000_000n);
    const tier3Piece = await splitTo(c, c.tier2, tier2Piece, c.tier3, 10_000_000n);
    await fundPiece(c, { holder: c.tier3, tokenId: tier3Piece, value: 4_000_000n, price: 3_950_000n });
    await time.increase(31n * DAY);
    await fundAndRepay(c, slot, 50_000_000n);
    await (await c.settlement.claim(tier2Piece)).wait();

    const dir = mkdtempSync(path.join(tmpdir(), "chainbill-audit-index-"));
    try {
      const indexer = await startIndexer({
        provider: hre.network.provider,
        dbPath: dir,
        addresses: c.record.contracts,
        startBlock: c.record.deploymentBlock,
        exitAtHead: true,
        pollIntervalMs: 5,
      });
      await indexer.done;
      const head = await hre.ethers.provider.getBlockNumber();
      const clean = await audit(c.record, { indexPath: dir });
      expect(clean.block, "the audit runs at the block the index reached").to.equal(head);
      expect(clean.indexCompared).to.equal(true);
      expect(describeFindings(clean)).to.equal("");

      // Change the value of tier 2's holding in the index.
      const db = new Level<string, string>(dir, { keyEncoding: "utf8", valueEncoding: "utf8" });
      await db.open();
      const tokenHex = tier2Piece.toString(16).padStart(24, "0");
      const keys = (await db.keys({ gte: "h/", lt: "h/\uffff" }).all()).filter((key) => key.endsWith(`/${tokenHex}`));
      expect(keys).to.have.length(1);
      const row = JSON.parse((await db.get(keys[0])) ?? "{}") as { value: string };
      row.value = (BigInt(row.value) + 1n).toString();
      await db.put(keys[0], JSON.stringify(row));
      await db.close();

      const result = await audit(c.record, { indexPath: dir });
      expect(
        result.findings.map((finding) => finding.code),
        describeFindings(result),
      ).to.deep.equal(["I7_INDEX_MISMATCH"]);
      expect(result.findings[0].tokenId).to.equal(tier2Piece);
      expect(result.findings[0].message).to.contain("200,000.01 CNY").and.to.contain("200,000.00 CNY");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("with the document store", function () {
    let dir: string;
    beforeEach(function () {
      dir = mkdtempSync(path.join(tmpdir(), "chainbill-audit-docs-"));
    });
    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    async function storeTrades(trades: readonly Trade[], uploader: string, chainId: bigint): Promise<void> {
      const store = await DocumentStore.open(dir, chainId);
      try {
        for (const trade of trades) {
          for (const [kind, json] of [
            ["invoice", invoiceProofToWire(trade.invoice)],
            ["logistics", logisticsProofToWire(trade.logistics)],
          ] as const) {
            const parsed = parseDocument(kind, json, chainId);
            if (!parsed.ok) throw new Error(`test document does not parse: ${JSON.stringify(parsed.problems)}`);
            await store.put(parsed.document, uploader);
          }
        }
      } finally {
        await store.close();
      }
    }

    async function auditWithDocuments(c: Awaited<ReturnType<typeof deployAuditedConsortium>>): Promise<Awaited<ReturnType<typeof audit>>> {
      const source = await openStoreSource(dir, c.record.chainId);
      try {
        return await audit(c.record, { documents: source });
      } finally {
        await source.close();
      }
    }

    it("a document altered after upload, and a document missing", async function () {
      const c = await deployAuditedConsortium();
      const confirmed = await confirmDocumented(c, { supplier: c.tier1, faceValue: 60_000_000n });
      const passed = await transferDocumented(c, { fromTokenId: confirmed.tokenId, from: c.tier1, to: c.tier2, value: 25_000_000n });
      await storeTrades([confirmed.trade, passed.trade], c.operator.address, c.record.chainId);

      const clean = await auditWithDocuments(c);
      expect(describeFindings(clean)).to.equal("");
      expect(clean.documentsChecked).to.equal(4);

      // Edit the stored invoice of the transfer behind the store's back, and lose the confirmation's waybill.
      const db = new Level<string, StoredDocument>(dir, { valueEncoding: "json" });
      await db.open();
      const key = passed.trade.invoiceHash.toLowerCase();
      const stored = await db.get(key);
      if (stored === undefined) throw new Error("the invoice was not stored");
      const document = stored.document as { invoice: { purchaseOrder: string } };
      document.invoice.purchaseOrder = "PO-EDITED-AFTER-UPLOAD";
      await db.put(key, stored);
      await db.del(confirmed.trade.logisticsHash.toLowerCase());
      await db.close();

      const result = await auditWithDocuments(c);
      const codes = result.findings.map((finding) => finding.code);
      expect([...new Set(codes)].sort(), describeFindings(result)).to.deep.equal(["DOCUMENT_ALTERED", "DOCUMENT_MISSING"]);
      const altered = result.findings.find((finding) => finding.code === "DOCUMENT_ALTERED");
      expect(altered?.tokenId).to.equal(passed.tokenId);
      expect(altered?.message).to.contain(key);
      const missing = result.findings.find((finding) => finding.code === "DOCUMENT_MISSING");
      expect(missing?.slot).to.equal(confirmed.slot);
      expect(missing?.message).to.contain(confirmed.trade.logisticsHash.toLowerCase());
    });
  });
});
