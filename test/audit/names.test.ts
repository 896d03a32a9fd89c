import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { openStoreSource } from "../../src/audit/documents";
import { writeReport } from "../../src/audit/report/write";
import { Role, roleMask } from "../../src/chain/roles";
import { DocumentStore } from "../../src/documents/store";
import { signApplication } from "../../src/onboarding/application";
import type { Application } from "../../src/onboarding/application";
import { ApplicationStore } from "../../src/onboarding/store";
import { parseDocument } from "../../src/proofs/documents";
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { latestTimestamp } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import type { Trade } from "../helpers/trades";
import { audit, deployAuditedConsortium, describeFindings } from "./helpers";

/**
 * Issue 18 item 11: the audit's sentences name members by the names of their admitted applications (read from the
 * document store's onboarding records), documents by invoice and waybill number, amounts in CNY — never fen.
 */

async function putDocuments(store: DocumentStore, trades: readonly Trade[], uploader: string): Promise<void> {
  for (const trade of trades) {
    for (const [kind, json] of [
      ["invoice", invoiceProofToWire(trade.invoice)],
      ["logistics", logisticsProofToWire(trade.logistics)],
    ] as const) {
      const parsed = parseDocument(kind, json, store.chainId);
      if (!parsed.ok) throw new Error(`test document does not parse: ${JSON.stringify(parsed.problems)}`);
      await store.put(parsed.document, uploader);
    }
  }
}

/** Files `signer`'s signed application under the credit code the test consortium admitted it with (test/helpers/consortium.ts). */
async function fileApplication(
  applications: ApplicationStore,
  chainId: bigint,
  signer: HardhatEthersSigner,
  creditCode: string,
  nameEn: string,
  nameZh: string,
  role: Role,
): Promise<void> {
  const application: Application = {
    applicant: signer.address,
    nameZh,
    nameEn,
    creditCode,
    roles: roleMask(role),
    contacts: [{ name: "Li Wei", email: "finance@example.com", phone: "+86 755 1234 5678" }],
    addresses: [signer.address],
    filedAt: Number(await latestTimestamp()),
  };
  await applications.add(application, await signApplication(signer, chainId, application));
}

/** The human text of report.html: its findings and lineage sections, without tags. */
function humanText(html: string): string {
  const start = html.indexOf("<h2>Findings");
  const end = html.indexOf("<h2>Positions");
  return html
    .slice(start, end)
    .replace(/<code[^>]*>[^<]*<\/code>/gu, " ")
    .replace(/<[^>]+>/gu, " ")
    .replace(/&[a-z]+;|&#\d+;/gu, " ");
}

describe("audit sentences name members, documents and amounts as people read them", function () {
  it("with the onboarding records: names, invoice and waybill numbers and CNY in the findings and the lineage; no fen, no member numbers", async function () {
    const c = await deployAuditedConsortium();
    const confirmed = await confirmDocumented(c, { supplier: c.tier1, faceValue: 40_000_000n });
    // The waybill of this transfer delivers to tier 3, not to the buyer (tier 1): a DOCUMENT_DISAGREES naming both.
    const passed = await transferDocumented(c, {
      fromTokenId: confirmed.tokenId,
      from: c.tier1,
      to: c.tier2,
      value: 15_000_000n,
      trade: { amount: 14_999_999n, consignee: c.tier3 },
    });
    const dir = mkdtempSync(path.join(tmpdir(), "chainbill-audit-names-"));
    try {
      const store = await DocumentStore.open(dir, c.record.chainId);
      await putDocuments(store, [confirmed.trade, passed.trade], c.operator.address);
      const applications = new ApplicationStore(store);
      await fileApplication(
        applications,
        c.record.chainId,
        c.anchor,
        c.creditCodes.get(c.anchor.address) ?? "",
        "Phonemaker Holdings",
        "手机制造控股",
        Role.ANCHOR,
      );
      await fileApplication(
        applications,
        c.record.chainId,
        c.tier1,
        c.creditCodes.get(c.tier1.address) ?? "",
        "Golden Sands Displays",
        "金沙显示",
        Role.SUPPLIER,
      );
      await fileApplication(
        applications,
        c.record.chainId,
        c.tier2,
        c.creditCodes.get(c.tier2.address) ?? "",
        "Brightview Glass",
        "明景玻璃",
        Role.SUPPLIER,
      );
      await fileApplication(
        applications,
        c.record.chainId,
        c.tier3,
        c.creditCodes.get(c.tier3.address) ?? "",
        "Quartz Sand Co",
        "石英砂公司",
        Role.SUPPLIER,
      );
      // An impostor's application under tier 1's credit code names nobody: it did not apply from tier 1's account.
      await fileApplication(
        applications,
        c.record.chainId,
        c.outsiders[0],
        c.creditCodes.get(c.tier1.address) ?? "",
        "Impostor Ltd",
        "冒名公司",
        Role.SUPPLIER,
      );
      await store.close();

      const source = await openStoreSource(dir, c.record.chainId);
      const result = await audit(c.record, { documents: source }).finally(() => source.close());
      expect(result.membersNamed).to.equal(true);
      const disagrees = result.findings.filter((finding) => finding.code === "DOCUMENT_DISAGREES");
      expect(
        disagrees.map((finding) => finding.tokenId),
        describeFindings(result),
      ).to.deep.equal([passed.tokenId, passed.tokenId]);
      const invoiceNumber = passed.trade.invoice.invoice.number;
      const waybillNumber = passed.trade.logistics.waybill.number;
      const messages = disagrees.map((finding) => finding.message).join("\n");
      expect(messages).to.contain(`invoice ${invoiceNumber} totals 149,999.99 CNY, less than the 150,000.00 CNY passed on chain`);
      expect(messages).to.contain(`waybill ${waybillNumber} delivers to Quartz Sand Co, not the buyer Golden Sands Displays`);
      expect(messages).to.not.contain("Impostor");

      const out = mkdtempSync(path.join(tmpdir(), "chainbill-audit-names-report-"));
      try {
        const { files, figures } = writeReport(result, out);
        const lineage = figures.lineages.find((entry) => entry.tokenId === passed.tokenId);
        expect(lineage?.steps.map((step) => `${step.fromName} → ${step.toName}`)).to.deep.equal([
          "Phonemaker Holdings → Golden Sands Displays",
          "Golden Sands Displays → Brightview Glass",
        ]);
        expect(lineage?.steps[1].invoiceNumber).to.equal(invoiceNumber);
        expect(lineage?.steps[1].waybillNumber).to.equal(waybillNumber);
        // The machine-readable fields stay raw: member ids, addresses, amounts in fen.
        expect(lineage?.steps[1].toMember).to.equal(c.memberIds.get(c.tier2.address));
        expect(lineage?.steps[1].value).to.equal(15_000_000n);
        const json = JSON.parse(readFileSync(files.json, "utf8")) as { lineages: Array<{ steps: Array<{ value: string }> }> };
        expect(json.lineages[0].steps[1].value).to.equal("15000000");

        const html = readFileSync(files.html, "utf8");
        const text = humanText(html);
        expect(text).to.contain("Golden Sands Displays → Brightview Glass, 150,000.00 CNY");
        expect(text).to.contain(`invoice ${invoiceNumber}, waybill ${waybillNumber}`);
        expect(text).to.contain("live, held by Brightview Glass with 150,000.00 CNY");
        // No member numbers and no amounts in fen (a run of 5+ digits not part of a grouped CNY figure or a number the
        // documents carry) in anything a person reads.
        expect(text).to.not.match(/member #?\d/u);
        let withoutDocumentNumbers = text;
        for (const { number } of result.documentNumbers.values()) withoutDocumentNumbers = withoutDocumentNumbers.split(number).join(" ");
        expect(withoutDocumentNumbers.match(/.{0,40}(?<![\d,.])\d{5,}(?![\d,]).{0,20}/gu) ?? []).to.deep.equal([]);
        expect(html).to.contain("Phonemaker Holdings");
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without names: members as 'member #N (0xAbCd…1234)'", async function () {
    const c = await deployAuditedConsortium();
    const confirmed = await confirmDocumented(c, { supplier: c.tier1, faceValue: 40_000_000n });
    const passed = await transferDocumented(c, { fromTokenId: confirmed.tokenId, from: c.tier1, to: c.tier2, value: 15_000_000n });
    const result = await audit(c.record);
    expect(result.membersNamed).to.equal(false);
    const tier2 = c.memberIds.get(c.tier2.address);
    expect(result.replay.words.account(c.tier2.address)).to.equal(`member #${tier2} (${c.tier2.address.slice(0, 6)}…${c.tier2.address.slice(-4)})`);
    expect(passed.tokenId).to.not.equal(0n);
  });
});
