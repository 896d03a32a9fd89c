import { expect } from "chai";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { runDemo } from "../src/demo/story";
import { discoverDeployment } from "../deploy/record";
import { runAudit } from "../src/audit/run";
import { formatCny } from "../src/finance/money";

describe("npm run demo", function () {
  it("plays the whole story and every one of its checks holds", async function () {
    // The demo moves the clock 100 days forward: put the network back for the tests that follow.
    const snapshot = await takeSnapshot();
    try {
      const before = await hre.ethers.provider.getBlockNumber();
      const result = await runDemo();
      const failed = result.checks.filter((check) => !check.passed).map((check) => `${check.name}: ${check.detail}`);
      expect(failed).to.deep.equal([]);
      expect(result.passed).to.equal(true);
      expect(result.checks.map((check) => check.name)).to.include.members([
        "every holder collected exactly the face value of the pieces it held",
        "CNY in circulation equals issued minus redeemed",
        "the settlement escrow is empty and paid out exactly what came in",
        "no money was created or lost",
        "Pearl River Bank received exactly the value of the piece it bought with recourse",
        "Brightview Displays got back exactly the recourse it paid",
        "after the default, the escrow is empty and no money was created or lost",
        "the credit line refused the over-limit confirmation, and repayment freed it",
      ]);
      expect(result.faceValue).to.equal(100_000_000n);
      // 100,000.00 CNY for 70 days at 6% a year, ACT/360: discount 1,166.66, price 98,833.34.
      expect(result.fundingPrice).to.equal(9_883_334n);
      expect(result.finalBalances.get("Huaxin Mobile")).to.equal(0n);
      expect(result.finalBalances.get("Brightview Displays")).to.equal(70_000_000n);
      expect(result.finalBalances.get("Clearwater Glass")).to.equal(20_000_000n);
      expect(result.finalBalances.get("Golden Sands Silica")).to.equal(9_883_334n);
      expect(result.finalBalances.get("Pearl River Bank")).to.equal(10_000_000n);
      const text = result.lines.join("\n");
      expect(text).to.contain(`confirms on chain: it owes ${formatCny(100_000_000n)}`);
      expect(text).to.contain("demands recourse on #2.2");
      expect(text).to.contain("the recourse is settled");
      expect(text).to.contain(
        "the chain refuses it, ReceivableCreditLineExceeded (line 1,200,000.00 CNY, outstanding 1,000,000.00 CNY, amount 500,000.00 CNY)",
      );
      expect(text).to.contain("All checks passed");
      expect(text).not.to.contain("✗");
      // The whole story, the default and the recourse paid included, audits clean from the chain alone.
      const record = await discoverDeployment(hre.ethers.provider, before + 1, await hre.ethers.provider.getBlockNumber());
      const audit = await runAudit({
        provider: hre.ethers.provider,
        record: { chainId: BigInt(record.chainId), contracts: record.contracts, deploymentBlock: record.deploymentBlock, source: "the demo" },
      });
      expect(audit.findings.map((finding) => `${finding.code}: ${finding.message}`)).to.deep.equal([]);
    } finally {
      await snapshot.restore();
    }
  });
});
