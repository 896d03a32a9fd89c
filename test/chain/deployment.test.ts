import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DeploymentRecordError, findDeploymentRecord, readDeploymentRecord } from "../../src/chain/deployment";
import { writeDeploymentRecord } from "../../deploy/record";

/** Where the auditor finds the contracts: Ignition's record and journal, or deploy/record.ts's file. */
describe("audit deployment record", function () {
  let dir: string;
  const addresses = {
    "Chainbill#MemberRegistry": "0xfbbf1d311b15cf2b6f409ef825d3b40d8e5c4083",
    "Chainbill#ReceivableToken": "0xfdc3A234E7De394fbbB8BaCc1B860213E2D94F91",
    "Chainbill#SettlementToken": "0x6dE396725fb77a8d9ac18828718b997943e6028C",
    "Chainbill#Settlement": "0xB4Ca6B280c61717c017e1d6e3fE5019C0cEE5375",
    "Chainbill#Financing": "0x8c74a1708099a9495D13eb9513ca67f44A9e935B",
  };
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "chainbill-audit-record-"));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads Ignition's addresses for the chain's id and the earliest deployment block from its journal", function () {
    const chainDir = path.join(dir, "chain-741741");
    mkdirSync(chainDir);
    writeFileSync(path.join(chainDir, "deployed_addresses.json"), JSON.stringify(addresses));
    const confirm = (futureId: string, blockNumber: number): string =>
      JSON.stringify({
        type: "TRANSACTION_CONFIRM",
        futureId,
        hash: "0x01",
        networkInteractionId: 1,
        receipt: { blockNumber, blockHash: "0x02", logs: [], status: "SUCCESS" },
      });
    writeFileSync(
      path.join(chainDir, "journal.jsonl"),
      [
        JSON.stringify({ type: "DEPLOYMENT_INITIALIZE", chainId: 741741 }),
        confirm("Chainbill#ReceivableToken", 85),
        confirm("Chainbill#MemberRegistry", 78),
        confirm("Chainbill#bindFinancing", 12),
      ].join("\n"),
    );
    const record = findDeploymentRecord(741741n, dir);
    expect(record.contracts.registry).to.equal("0xFbBF1D311b15Cf2b6F409EF825D3B40D8E5c4083");
    expect(record.contracts.financing).to.equal(addresses["Chainbill#Financing"]);
    expect(record.deploymentBlock, "the calls' blocks do not count, only the contracts' deployments").to.equal(78);
  });

  it("prefers deploy/record.ts's file, and refuses a record of another chain or a missing record, naming what is wrong", function () {
    const contracts = {
      registry: addresses["Chainbill#MemberRegistry"],
      receivableToken: addresses["Chainbill#ReceivableToken"],
      settlementToken: addresses["Chainbill#SettlementToken"],
      settlement: addresses["Chainbill#Settlement"],
      financing: addresses["Chainbill#Financing"],
    };
    writeDeploymentRecord(path.join(dir, "chain-31337", "deployment-record.json"), { chainId: "31337", deploymentBlock: 5, contracts });
    expect(findDeploymentRecord(31337n, dir).deploymentBlock).to.equal(5);
    expect(() => readDeploymentRecord(path.join(dir, "chain-31337", "deployment-record.json"), 1n)).to.throw(
      DeploymentRecordError,
      "on chain 31337, but the node is on chain 1",
    );
    expect(() => findDeploymentRecord(99n, dir)).to.throw(DeploymentRecordError, "no deployment record for chain 99");
    writeFileSync(path.join(dir, "broken.json"), JSON.stringify({ ...addresses, "Chainbill#Financing": "not an address" }));
    expect(() => readDeploymentRecord(path.join(dir, "broken.json"), 1n)).to.throw(DeploymentRecordError, '"Chainbill#Financing" is not an address');
  });

  it("reads npm start's --addresses format, and a missing record's error names the file to pass and its format", function () {
    const file = path.join(dir, "addresses.json");
    writeFileSync(
      file,
      JSON.stringify({
        registry: addresses["Chainbill#MemberRegistry"],
        receivableToken: addresses["Chainbill#ReceivableToken"],
        settlementToken: addresses["Chainbill#SettlementToken"],
        settlement: addresses["Chainbill#Settlement"],
        financing: addresses["Chainbill#Financing"],
      }),
    );
    const record = readDeploymentRecord(file, 31337n);
    expect(record.contracts.settlement).to.equal(addresses["Chainbill#Settlement"]);
    expect(record.deploymentBlock).to.equal(0);
    let message = "";
    try {
      findDeploymentRecord(31337n, dir);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).to.include("npm start");
    expect(message).to.include("--contracts <file>");
    expect(message).to.include('"registry", "receivableToken", "settlementToken", "settlement", "financing"');
    expect(message, "no hint that would deploy a second system").not.to.match(/deploy with `npm run deploy`/u);
  });
});
