import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FAILURE_TITLES } from "../../src/web/lib/errors";
import { translator } from "../../src/web/lib/i18n";
import { transferFailureSentence } from "../../src/web/lib/transferFailures";
import { VERIFIER_REASONS, verifierReason } from "../../src/web/lib/verifierReasons";
import { HIDDEN_FAILURE_MESSAGE, transferFailure } from "../../src/api/wire/schemas";
import type { TransferFailureJson } from "../../src/api/wire/schemas";

/**
 * The verifier's reasons and the transfer pre-check's reasons reach the reader in the page's language: every code
 * the verifier can answer (read from its source, so a new code without a sentence fails here) and every code of the
 * pre-check's wire answer has a sentence in English and in Chinese.
 */

const HAN = /[\u4e00-\u9fff]/u;

function verifierCodes(): string[] {
  const source = readFileSync(join(__dirname, "..", "..", "src", "verifier", "types.ts"), "utf8").replace(/\/\*[\s\S]*?\*\//gu, "");
  const union = /export type FailureCode =([\s\S]*?);/u.exec(source)?.[1] ?? "";
  return [...union.matchAll(/"([A-Z_]+)"/gu)].map((match) => match[1]);
}

describe("the verifier's reasons in both languages", function () {
  const codes = verifierCodes();

  it("reads the verifier's failure codes from its source", function () {
    expect(codes.length).to.be.greaterThan(25);
    expect(codes).to.include.members(["PARTY_MISMATCH", "INVOICE_TOTAL_TOO_LOW", "WAYBILL_OVERUSED"]);
  });

  it("has a title and a sentence in English and in Chinese for every code", function () {
    const withoutSentence = codes.filter((code) => !(code in VERIFIER_REASONS));
    const withoutTitle = codes.filter((code) => FAILURE_TITLES[code] === undefined);
    expect(withoutSentence, "codes without a sentence in src/web/lib/verifierReasons.ts").to.deep.equal([]);
    expect(withoutTitle, "codes without a title in src/web/lib/errors.ts").to.deep.equal([]);
    for (const code of codes) {
      const failure = { code, message: "the verifier's own sentence", tokenId: ((2n << 32n) | 3n).toString() };
      const zh = verifierReason(failure, "zh");
      expect(zh, code)
        .to.match(HAN)
        .and.not.match(/[a-z]{3,}/u);
      expect(zh, code).not.to.match(/\{piece\}/u);
      expect(FAILURE_TITLES[code]?.zh, code).to.match(HAN);
    }
  });

  it("keeps the verifier's facts in English and says them in Chinese on a Chinese page", function () {
    const failure = {
      code: "INVOICE_TOTAL_TOO_LOW",
      message: "invoice BVD-1 totals 14,999.99 CNY, less than the 15,000.00 CNY it passed",
      tokenId: "8589934595",
    };
    expect(verifierReason(failure, "en")).to.equal(failure.message);
    expect(verifierReason(failure, "zh")).to.equal("发票金额低于其支持的凭证金额。");
    expect(verifierReason({ code: "UNBACKED_TRANSFER", message: "x", tokenId: "8589934595" }, "zh")).to.equal(
      "凭证 #2.3 在没有贸易单据的情况下被转让。",
    );
    expect(verifierReason({ code: "UNBACKED_TRANSFER", message: HIDDEN_FAILURE_MESSAGE, tokenId: "8589934595" }, "en")).to.equal(
      "The piece #2.3 was handed on without trade documents.",
    );
  });

  it("says every reason of the transfer pre-check in both languages, members by name and amounts in CNY", function () {
    const samples: Record<string, string | number | null> = {
      sellerMemberId: 3,
      recipientMemberId: 4,
      buyerMemberId: 2,
      senderMemberId: 2,
      shipperMemberId: 5,
      consigneeMemberId: 6,
      carrierMemberId: 3,
      total: "5000000",
      amount: "8000000",
      pieceValue: "8000000",
      invoiceCurrency: "USD",
      pieceCurrency: "CNY",
      reference: "PO-9",
      invoiceNumber: "BVD-INV-1",
      purchaseOrder: "PO-1",
      usedByTokenId: "8589934595",
      tokenId: "8589934595",
      sellerAccount: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      memberId: 2,
      party: "buyer",
      creditCode: "91440300MA5FQX7K3R",
    };
    const codes = transferFailure.options.map((option) => option.shape.code.value);
    expect(codes.length).to.be.greaterThan(10);
    for (const code of codes) {
      const option = transferFailure.options.find((candidate) => candidate.shape.code.value === code);
      const failure = Object.fromEntries(
        Object.keys(option?.shape ?? {}).map((key) => [key, key === "code" ? code : samples[key]]),
      ) as TransferFailureJson;
      for (const language of ["en", "zh"] as const) {
        const sentence = transferFailureSentence(
          failure,
          translator(language),
          (id) => (id === null ? "-" : `Member ${id}`),
          () => "Golden Sands Silica",
        );
        expect(sentence, `${code} ${language}`).not.to.match(/\{\w+\}|undefined|0x|\b[0-9]{5,}\b/u);
        if (language === "zh") expect(sentence, code).to.match(HAN);
      }
    }
  });
});
