import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet } from "ethers";
import { openApiSource, openStoreSource } from "../../src/audit/documents";
import type { DocumentSource } from "../../src/audit/documents";
import { DocumentStore } from "../../src/documents/store";
import { parseDocument } from "../../src/proofs/documents";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { DAY, latestTimestamp, nextInvoiceNumber } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { bindWaybillAgain } from "../helpers/waybills";
import { startApi } from "../api/harness";
import { ApplicationStore } from "../../src/onboarding/store";
import { signApplication } from "../../src/onboarding/application";
import type { Application } from "../../src/onboarding/application";
import { Role, roleMask } from "../../src/chain/roles";
import { audit, deployAuditedConsortium, describeFindings, fundPiece } from "./helpers";

/** The documents behind the chain, read through the API as a signed-in auditor or straight from the store. */

/** The private key of Hardhat's account `index` (the consortium's signers are Hardhat's accounts, in order). */
function hardhatKey(address: string): string {
  const accounts = hre.config.networks.hardhat.accounts;
  if (Array.isArray(accounts)) throw new Error("expected Hardhat's mnemonic accounts");
  const root = HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, accounts.path);
  for (let index = accounts.initialIndex; index < accounts.initialIndex + accounts.count; index += 1) {
    const wallet = root.deriveChild(index);
    if (wallet.address === address) return wallet.privateKey;
  }
  throw new Error(`${address} is not one of Hardhat's accounts`);
}

async function put(store: DocumentStore, trades: readonly Trade[], uploader: string, skip: ReadonlySet<string> = new Set()): Promise<void> {
  for (const trade of trades) {
    for (const [kind, json] of [
      ["invoice", invoiceProofToWire(trade.invoice)],
      ["logistics", logisticsProofToWire(trade.logistics)],
    ] as const) {
      const parsed = parseDocument(kind, json, store.chainId);
      if (!parsed.ok) throw new Error(`test document does not parse: ${JSON.stringify(parsed.problems)}`);
      if (!skip.has(parsed.document.hash)) await store.put(parsed.document, uploader);
    }
  }
}

describe("audit of the documents", function () {
  it("through the API, signed in as the auditor: every document found and checked but the one never uploaded", async function () {
    const c = await deployAuditedConsortium();
    const confirmed = await confirmDocumented(c, { supplier: c.tier1, faceValue: 40_000_000n });
    const passed = await transferDocumented(c, { fromTokenId: confirmed.tokenId, from: c.tier1, to: c.tier2, value: 15_000_000n });
    const api = await startApi({ consortium: c });
    let source: DocumentSource | undefined;
    try {
      await put(api.store, [confirmed.trade, passed.trade], c.operator.address, new Set([passed.trade.logisticsHash.toLowerCase()]));
      // Tier 1's admitted application: the API's directory gives its name, which the audit's sentences use.
      const application: Application = {
        applicant: c.tier1.address,
        nameZh: "金沙显示",
        nameEn: "Golden Sands Displays",
        creditCode: c.creditCodes.get(c.tier1.address) ?? "",
        roles: roleMask(Role.SUPPLIER),
        contacts: [{ name: "Li Wei", email: "finance@example.com", phone: "+86 755 1234 5678" }],
        addresses: [c.tier1.address],
        filedAt: Math.floor(Date.now() / 1000),
      };
      await new ApplicationStore(api.store).add(application, await signApplication(c.tier1, c.record.chainId, application));
      source = await openApiSource(api.url, hardhatKey(c.auditor.address));
      const result = await audit(c.record, { documents: source });
      expect(result.membersNamed).to.equal(true);
      expect(result.replay.words.account(c.tier1.address.toLowerCase())).to.equal("Golden Sands Displays");
      expect(result.replay.words.account(c.tier2.address.toLowerCase())).to.match(/^member #\d+ \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\)$/u);
      expect(result.documentsChecked).to.equal(4);
      expect(
        result.findings.map((finding) => finding.code),
        describeFindings(result),
      ).to.deep.equal(["DOCUMENT_MISSING"]);
      expect(result.findings[0].tokenId).to.equal(passed.tokenId);
      expect(result.findings[0].message).to.contain(passed.trade.logisticsHash.toLowerCase());

      // Whoever is no member cannot sign in to read them.
      const stranger = c.outsiders[c.outsiders.length - 1];
      let refused: unknown;
      try {
        await openApiSource(api.url, hardhatKey(stranger.address));
      } catch (error) {
        refused = error;
      }
      expect(String(refused)).to.contain("signing in").and.to.contain("403");
    } finally {
      await source?.close();
      await api.close();
    }
  });

  it("documents that disagree with the chain: an invoice for less than the value passed, goods delivered after the funding", async function () {
    const c = await deployAuditedConsortium();
    const confirmed = await confirmDocumented(c, { supplier: c.tier1, faceValue: 40_000_000n });
    // The invoice behind this transfer is for 149,999.99 CNY; the transfer passes 150,000.00.
    const short = await transferDocumented(c, {
      fromTokenId: confirmed.tokenId,
      from: c.tier1,
      to: c.tier2,
      value: 15_000_000n,
      trade: { amount: 14_999_999n },
    });
    const late = await transferDocumented(c, {
      fromTokenId: confirmed.tokenId,
      from: c.tier1,
      to: c.tier3,
      value: 5_000_000n,
      trade: { deliveredAt: (await latestTimestamp()) + 10n * DAY },
    });
    await fundPiece(c, { holder: c.tier3, tokenId: late.tokenId, value: 5_000_000n, price: 4_900_000n });
    const dir = mkdtempSync(path.join(tmpdir(), "chainbill-audit-docs-"));
    try {
      const store = await DocumentStore.open(dir, c.record.chainId);
      await put(store, [confirmed.trade, short.trade, late.trade], c.operator.address);
      await store.close();
      const source = await openStoreSource(dir, c.record.chainId);
      const result = await audit(c.record, { documents: source }).finally(() => source.close());
      expect(result.findings.map((finding) => finding.code).sort(), describeFindings(result)).to.deep.equal([
        "DELIVERED_AFTER_FUNDING",
        "DOCUMENT_DISAGREES",
      ]);
      const disagrees = result.findings.find((finding) => finding.code === "DOCUMENT_DISAGREES");
      expect(disagrees?.tokenId).to.equal(short.tokenId);
      expect(disagrees?.message).to.contain("totals 149,999.99 CNY, less than the 150,000.00 CNY passed on chain");
      const delivered = result.findings.find((finding) => finding.code === "DELIVERED_AFTER_FUNDING");
      expect(delivered?.tokenId).to.equal(late.tokenId);
      expect(delivered?.message).to.contain("delivered only at");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("attack: a second invoice bound to an already-used waybill beyond its delivered quantity is reported where it was bound", async function () {
    const c = await deployAuditedConsortium();
    const confirmed = await confirmDocumented(c, { supplier: c.tier1, faceValue: 40_000_000n });
    const number = nextInvoiceNumber();
    // Tier 1 buys from tier 2 under one purchase order; the waybill (one unit delivered) refers to the order.
    const first = await transferDocumented(c, {
      fromTokenId: confirmed.tokenId,
      from: c.tier1,
      to: c.tier2,
      value: 15_000_000n,
      trade: { number, reference: `PO-${number}` },
    });
    const second = await bindWaybillAgain(c, first.trade, { fromTokenId: confirmed.tokenId, from: c.tier1, to: c.tier2, value: 15_000_000n });
    const dir = mkdtempSync(path.join(tmpdir(), "chainbill-audit-waybill-"));
    try {
      const store = await DocumentStore.open(dir, c.record.chainId);
      await put(store, [confirmed.trade, first.trade, second.trade], c.operator.address);
      await store.close();
      const source = await openStoreSource(dir, c.record.chainId);
      const result = await audit(c.record, { documents: source }).finally(() => source.close());
      expect(
        result.findings.map((finding) => finding.code),
        describeFindings(result),
      ).to.deep.equal(["WAYBILL_OVERUSED"]);
      expect(result.findings[0].tokenId).to.equal(second.tokenId);
      expect(result.findings[0].message)
        .to.contain(`binds waybill WB-${number}`)
        .and.to.contain("delivered 1, invoices bound to it earlier already claim 1");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
