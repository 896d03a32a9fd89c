import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AbiCoder, Interface } from "ethers";
import type { ErrorFragment, ParamType } from "ethers";
import { decodeCustomError } from "../../src/web/lib/chain";
import { CONTRACT_ERRORS_EXPLAINED, contractErrorSentence, explain } from "../../src/web/lib/errors";
import type { Names } from "../../src/web/lib/errors";
import { translator } from "../../src/web/lib/i18n";

/**
 * Every refusal of the network's contracts reaches the user as a sentence in the page's language: each custom error
 * in the ABIs of contracts/ (access, finance, token — not the test doubles) is decoded by the dApp and has a sentence
 * in English and in Chinese that names members by name and amounts in CNY, never by address, member number or fen.
 */

const ARTIFACTS = join(__dirname, "..", "..", "artifacts", "contracts");
const PRODUCT_FOLDERS = ["access", "finance", "token"];

function abiFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return abiFiles(path);
    return entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json") ? [path] : [];
  });
}

function contractErrors(): Map<string, { fragment: ErrorFragment; contracts: string[] }> {
  const found = new Map<string, { fragment: ErrorFragment; contracts: string[] }>();
  for (const folder of PRODUCT_FOLDERS) {
    for (const file of abiFiles(join(ARTIFACTS, folder))) {
      const artifact = JSON.parse(readFileSync(file, "utf8")) as { contractName: string; abi: unknown[] };
      const iface = new Interface(artifact.abi as string[]);
      iface.forEachError((fragment) => {
        const entry = found.get(fragment.name) ?? { fragment, contracts: [] };
        entry.contracts.push(artifact.contractName);
        found.set(fragment.name, entry);
      });
    }
  }
  return found;
}

const ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const NAMES: Names = { account: (address) => (address === ACCOUNT ? "Golden Sands Silica" : `?${address}`), member: (id) => `Member-${id}` };

/** A plausible value of each argument: a member's address, a member number, 1,234.56 CNY, a piece id. */
function sampleOf(param: ParamType): unknown {
  if (param.type === "address") return ACCOUNT;
  if (param.type === "bool") return true;
  if (param.type === "string") return "INV-1";
  if (param.type.startsWith("bytes")) return `0x${"ab".repeat(param.type === "bytes" ? 4 : Number(param.type.slice(5)))}`;
  if (param.type === "uint8") return 1n;
  if (param.type === "uint32") return 7n;
  return 123_456n;
}

describe("the dApp's sentences for contract refusals", function () {
  const errors = contractErrors();

  it("finds the network's custom errors in the compiled ABIs", function () {
    expect(errors.size).to.be.greaterThan(60);
    expect([...errors.keys()]).to.include.members(["ReceivableInvoiceAlreadyUsed", "FinancingNotFactor", "SettlementOverpayment"]);
  });

  it("decodes every custom error of every contract and has a sentence for it in English and in Chinese", function () {
    const missing: string[] = [];
    const undecoded: string[] = [];
    for (const [name, { fragment, contracts }] of errors) {
      if (!CONTRACT_ERRORS_EXPLAINED.has(name)) missing.push(`${name} (${contracts.join(", ")})`);
      const args = fragment.inputs.map(sampleOf);
      const data = fragment.selector + AbiCoder.defaultAbiCoder().encode(fragment.inputs, args).slice(2);
      if (decodeCustomError(data)?.name !== name) undecoded.push(name);
    }
    expect(missing, "custom errors without a sentence in src/web/lib/errors.ts").to.deep.equal([]);
    expect(undecoded, "custom errors lib/chain.ts does not decode").to.deep.equal([]);
  });

  it("says each one in the chosen language, naming members and amounts as people read them", function () {
    for (const [name, { fragment }] of errors) {
      const args = fragment.inputs.map(sampleOf);
      const en = contractErrorSentence({ name, args: args as never }, "en", NAMES);
      const zh = contractErrorSentence({ name, args: args as never }, "zh", NAMES);
      expect(en, name)
        .to.match(/[a-z]/u)
        .and.not.match(/[\u4e00-\u9fff]/u);
      expect(zh, name).to.match(/[\u4e00-\u9fff]/u);
      expect(zh, `${name} in Chinese`).not.to.match(/\b(the|is|not|and|of|piece|member)\b/u);
      for (const sentence of [en, zh]) {
        expect(sentence, name).not.to.match(/0x[0-9a-fA-F]{8}|undefined|NaN|\?0x|#7\b/u);
      }
    }
  });

  it("shows amounts in the chosen language's form: CNY in English, 元 in Chinese", function () {
    const args = [1_000_000n, 20_000_000n];
    expect(contractErrorSentence({ name: "FinancingPriceBelowMinimum", args: args as never }, "en")).to.equal(
      "the price 10,000.00 CNY is below the holder's minimum 200,000.00 CNY",
    );
    expect(contractErrorSentence({ name: "FinancingPriceBelowMinimum", args: args as never }, "zh")).to.equal(
      "价格 10,000.00 元 低于持有人的最低价 200,000.00 元",
    );
  });

  it("explains a reverted call's revert data as the contract's refusal in Chinese, with the member's name", function () {
    const fragment = errors.get("ReceivableIneligibleRecipient")?.fragment;
    if (fragment === undefined) throw new Error("ReceivableIneligibleRecipient is not in the ABIs");
    const data = fragment.selector + AbiCoder.defaultAbiCoder().encode(fragment.inputs, [ACCOUNT]).slice(2);
    const reverted = Object.assign(new Error("execution reverted"), { data });
    expect(explain(reverted, translator("zh"), "zh", NAMES).message).to.equal(
      "合约拒绝了交易：Golden Sands Silica 不能接收凭证（不是 KYC 有效的在册成员）",
    );
  });
});
