import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import hre from "hardhat";
import { expect } from "chai";
import { HDNodeWallet, Wallet, id } from "ethers";
import type { Provider, Signer } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployChainbill } from "../../deploy/system";
import { writeDeploymentRecord } from "../../deploy/record";
import { Role, roleMask } from "../../src/chain/roles";
import { runOperatorCli } from "../../src/operator/cli";
import { kycDateOf } from "../../src/operator/parse";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, confirmReceivable, deployConsortium } from "../helpers/consortium";
import { fundAndRepay } from "../helpers/settlement";

/**
 * The operator's command line, run in process against a fresh system on the in-process network (the command's
 * provider is Hardhat's; the key is the operator's development key), and twice as a real process for --help and a
 * usage error. Every command changes the chain as it says; refusals (unknown member, not the operator, a bad or
 * past date, an unknown command, no key, no deployment record) change nothing and exit 1 or 2.
 */

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, "../..");
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** Hardhat's development account `index`: m/44'/60'/0'/0/index of its public mnemonic. */
function developmentKey(index: number): string {
  return HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}

interface Run {
  status: number;
  out: string;
  err: string;
}

describe("the operator's command line", function () {
  this.timeout(120_000);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-operator-"));
  const recordFile = path.join(workDir, "deployment-record.json");
  const operatorKey = developmentKey(0);
  const outsiderKey = developmentKey(15);

  async function system() {
    const [operator] = await hre.ethers.getSigners();
    const contracts = await deployChainbill(operator);
    const chainId = (await hre.ethers.provider.getNetwork()).chainId;
    writeDeploymentRecord(recordFile, {
      chainId: chainId.toString(),
      deploymentBlock: 0,
      contracts: {
        registry: await contracts.registry.getAddress(),
        receivableToken: await contracts.receivableToken.getAddress(),
        settlementToken: await contracts.settlementToken.getAddress(),
        settlement: await contracts.settlement.getAddress(),
        financing: await contracts.financing.getAddress(),
      },
    });
    return contracts;
  }

  async function operatorCli(args: string[], key: string | null = operatorKey, withRecord = true): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const env: NodeJS.ProcessEnv = { CHAINBILL_RPC_URL: "http://127.0.0.1:8545", ...(key === null ? {} : { CHAINBILL_OPERATOR_KEY: key }) };
    const status = await runOperatorCli([...args, ...(withRecord ? ["--contracts", recordFile] : [])], env, {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      connect: (): Provider => hre.ethers.provider,
      signerFor: (privateKey, provider): Signer => new Wallet(privateKey, provider),
    });
    return { status, out: out.join("\n"), err: err.join("\n") };
  }

  after(function () {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("admits a company by its credit code, and every other command does what it prints, with the transaction", async function () {
    const { registry, receivableToken, financing } = await loadFixture(system);
    const address = Wallet.createRandom().address;
    const second = Wallet.createRandom().address;
    const admitted = await operatorCli([
      "admit",
      "--credit-code",
      " 91330200ma2cwg9999 ",
      "--address",
      address,
      "--roles",
      "supplier,FACTOR",
      "--kyc-until",
      "2031-06-30",
    ]);
    expect(admitted.err).to.equal("");
    expect(admitted.status).to.equal(0);
    const memberId = Number(await registry.memberIdOf(address));
    expect(admitted.out).to.match(
      new RegExp(
        `^admitted member #${memberId} \\(SUPPLIER, FACTOR; KYC valid until 2031-06-30\\) with address ${address}\ntransaction 0x[0-9a-f]{64} in block [0-9]+$`,
        "u",
      ),
    );
    let view = await registry.member(memberId);
    expect(view.leiHash).to.equal(id("91330200MA2CWG9999"));
    expect(view.roles).to.equal(BigInt(roleMask(Role.SUPPLIER, Role.FACTOR)));
    // The last second of 30 June 2031 in China Standard Time.
    expect(view.kycValidUntil).to.equal(BigInt(Date.UTC(2031, 5, 30, 15, 59, 59) / 1000));

    const steps: Array<[string[], RegExp]> = [
      [["suspend", "--member", String(memberId)], new RegExp(`^suspended member #${memberId}`, "u")],
      [["reinstate", "--member", address], new RegExp(`^reinstated member #${memberId}`, "u")],
      [["renew-kyc", "--member", `#${memberId}`, "--kyc-until", "2032-01-31"], /KYC is valid until 2032-01-31/u],
      [["grant", "--member", String(memberId), "--role", "carrier"], /^granted CARRIER to member/u],
      [["revoke", "--member", String(memberId), "--role", "FACTOR"], /^revoked FACTOR from member/u],
      [["add-address", "--member", String(memberId), "--address", second], /^added 0x/u],
      [["remove-address", "--member", String(memberId), "--address", address], /^removed 0x/u],
      [["set-verifiers", "--required", "2"], /^fundings now need 2 verifier signatures/u],
      [["pause"], /^paused/u],
      [["unpause"], /^unpaused/u],
    ];
    for (const [args, expected] of steps) {
      const run = await operatorCli(args);
      expect(run.status, `${args.join(" ")}: ${run.err}`).to.equal(0);
      expect(run.out, args.join(" ")).to.match(expected);
      expect(run.out, args.join(" ")).to.match(/\ntransaction 0x[0-9a-f]{64} in block [0-9]+$/u);
    }
    view = await registry.member(memberId);
    expect(view.status).to.equal(1n);
    expect(view.kycValidUntil).to.equal(BigInt(Date.UTC(2032, 0, 31, 15, 59, 59) / 1000));
    expect(view.roles).to.equal(BigInt(roleMask(Role.SUPPLIER, Role.CARRIER)));
    expect([...view.accounts]).to.deep.equal([second]);
    expect(await financing.requiredVerifiers()).to.equal(2n);
    expect(await receivableToken.paused()).to.equal(false);

    const listed = await operatorCli(["members"], null);
    expect(listed.status).to.equal(0);
    expect(listed.out).to.include(`#${memberId}  ACTIVE     SUPPLIER,CARRIER`);
    expect(listed.out).to.include("KYC until 2032-01-31");
    const json = JSON.parse((await operatorCli(["members", "--json"], null)).out) as { members: Array<{ memberId: number; roles: string[] }> };
    expect(json.members.find((entry) => entry.memberId === memberId)?.roles).to.deep.equal(["SUPPLIER", "CARRIER"]);
  });

  it("sets an anchor's credit line in CNY with its review date, lists it, and refuses a non-anchor or a past review date (exit 1)", async function () {
    const { registry, receivableToken: token } = await loadFixture(system);
    const anchor = Wallet.createRandom().address;
    const supplier = Wallet.createRandom().address;
    expect(
      (await operatorCli(["admit", "--credit-code", "91440300MA5HXM0009", "--address", anchor, "--roles", "ANCHOR", "--kyc-until", "2031-06-30"]))
        .status,
    ).to.equal(0);
    expect(
      (await operatorCli(["admit", "--credit-code", "91440300MA5SUP0009", "--address", supplier, "--roles", "SUPPLIER", "--kyc-until", "2031-06-30"]))
        .status,
    ).to.equal(0);
    const anchorId = Number(await registry.memberIdOf(anchor));

    // An anchor without a line is listed as such: it cannot confirm.
    expect((await operatorCli(["members"], null)).out).to.include(`${anchor}  lei ${id("91440300MA5HXM0009")}  no credit line`);
    const set = await operatorCli(["set-credit-line", "--member", anchor, "--line", "5,000,000.00", "--review", "2030-06-30"]);
    expect(set.err).to.equal("");
    expect(set.status).to.equal(0);
    const [summary, transaction] = set.out.split("\n");
    expect(summary).to.equal(`member #${anchorId}'s credit line is 5,000,000.00 CNY, next review 2030-06-30 (owes 0.00 CNY, free 5,000,000.00 CNY)`);
    expect(transaction).to.match(/^transaction 0x[0-9a-f]{64} in block [0-9]+$/u);
    const line = await token.creditLine(anchorId);
    expect(line.limit).to.equal(500_000_000n);
    expect(line.reviewDate).to.equal(BigInt(Date.UTC(2030, 5, 30, 15, 59, 59) / 1000));
    expect((await operatorCli(["members"], null)).out).to.include("line 5,000,000.00 CNY, owes 0.00 CNY, review 2030-06-30");
    const json = JSON.parse((await operatorCli(["members", "--json"], null)).out) as { members: Array<{ memberId: number; creditLine?: unknown }> };
    expect(json.members.find((entry) => entry.memberId === anchorId)?.creditLine).to.deep.equal({
      line: "500000000",
      outstanding: "0",
      reviewDate: "2030-06-30",
    });

    const notAnchor = await operatorCli(["set-credit-line", "--member", supplier, "--line", "1.00", "--review", "2030-06-30"]);
    expect(notAnchor.status).to.equal(1);
    expect(notAnchor.err).to.include(`member #${Number(await registry.memberIdOf(supplier))} does not hold the ANCHOR role`);
    const past = await operatorCli(["set-credit-line", "--member", String(anchorId), "--line", "1.00", "--review", "2001-01-01"]);
    expect(past.status).to.equal(1);
    expect(past.err).to.include("the review date 2001-01-01 is not after the chain's time");
    const stranger = await operatorCli(["set-credit-line", "--member", String(anchorId), "--line", "1.00", "--review", "2030-01-01"], outsiderKey);
    expect(stranger.status).to.equal(1);
    expect(stranger.err).to.include("is not an active operator of this network (ReceivableUnauthorizedOperator)");
    expect((await token.creditLine(anchorId)).limit).to.equal(500_000_000n);
  });

  it("refuses an unknown member, a caller who is not the operator, and a date in the past, changing nothing (exit 1)", async function () {
    const { registry } = await loadFixture(system);
    const count = await registry.memberCount();
    const unknown = await operatorCli(["suspend", "--member", "999"]);
    expect(unknown.status).to.equal(1);
    expect(unknown.err).to.include("there is no member #999");
    const stranger = await operatorCli(
      ["admit", "--credit-code", "X-1", "--address", Wallet.createRandom().address, "--roles", "SUPPLIER", "--kyc-until", "2031-01-01"],
      outsiderKey,
    );
    expect(stranger.status).to.equal(1);
    expect(stranger.err).to.match(/is not an active operator of this network \(RegistryUnauthorizedOperator\)/u);
    const past = await operatorCli(["renew-kyc", "--member", "1", "--kyc-until", "2001-01-01"]);
    expect(past.status).to.equal(1);
    expect(past.err).to.include("the KYC date 2001-01-01 is not after the chain's time");
    const selfLockout = await operatorCli(["suspend", "--member", "1"]);
    expect(selfLockout.status).to.equal(1);
    expect(selfLockout.err).to.include("RegistrySelfLockout");
    expect(await registry.memberCount()).to.equal(count);
    expect((await registry.member(1)).status).to.equal(1n);
  });

  it("answers a wrong command line with a sentence naming the flag, and exit 2", async function () {
    await loadFixture(system);
    const cases: Array<[string[], string]> = [
      [["renew-kyc", "--member", "1", "--kyc-until", "2027-02-30"], "--kyc-until: 2027-02-30 is not a day of the calendar"],
      [["renew-kyc", "--member", "1", "--kyc-until", "30/06/2027"], '--kyc-until: "30/06/2027" is not a date of the form YYYY-MM-DD'],
      [["grant", "--member", "1", "--role", "KING"], '--role: "KING" is not a role'],
      [["suspend", "--member", "bob"], '--member: "bob" is neither a member id nor an address'],
      [["suspend", "--member", "1", "--role", "FACTOR"], "suspend does not take --role"],
      [
        ["admit", "--address", "0x12", "--roles", "SUPPLIER", "--kyc-until", "2031-01-01", "--credit-code", "A"],
        '--address: "0x12" is not an address',
      ],
      [["launch"], 'unknown command "launch"'],
      [["set-verifiers", "--required", "0"], '--required: "0" is not a number of signatures'],
      [["set-credit-line", "--member", "2", "--line", "5.001", "--review", "2030-01-01"], '--line: "5.001" is not an amount of CNY'],
      [["set-credit-line", "--member", "2", "--line=-5", "--review", "2030-01-01"], '--line: "-5" is not an amount of CNY'],
      [
        ["set-credit-line", "--member", "2", "--line", "184467440737095516.16", "--review", "2030-01-01"],
        "--line: 184467440737095516.16 is above the largest line",
      ],
      [["set-credit-line", "--member", "2", "--line", "5"], "--review <YYYY-MM-DD> is required"],
      [["set-credit-line", "--member", "2", "--review", "2030-01-01"], "--line <CNY, e.g. 5,000,000.00> is required"],
      [["set-credit-line", "--member", "2", "--line", "5", "--review", "2030-13-01"], "--review: 2030-13-01 is not a day of the calendar"],
    ];
    for (const [args, expected] of cases) {
      const run = await operatorCli(args);
      expect(run.status, `${args.join(" ")}: ${run.out}${run.err}`).to.equal(2);
      expect(run.err, args.join(" ")).to.include(expected);
    }
    const keyless = await operatorCli(["pause"], null);
    expect(keyless.status).to.equal(2);
    expect(keyless.err).to.include("CHAINBILL_OPERATOR_KEY");
  });

  it("writes off an overdue receivable once; refuses it before grace ends, when repaid, twice or for a stranger (exit 1)", async function () {
    const writeOffRecord = path.join(workDir, "write-off-record.json");
    async function overdueStory() {
      const c = await deployConsortium();
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      // Its own record: the other tests' fixture keeps the shared one.
      writeDeploymentRecord(writeOffRecord, {
        chainId: chainId.toString(),
        deploymentBlock: 0,
        contracts: {
          registry: await c.registry.getAddress(),
          receivableToken: await c.receivableToken.getAddress(),
          settlementToken: await c.settlementToken.getAddress(),
          settlement: await c.settlement.getAddress(),
          financing: await c.financing.getAddress(),
        },
      });
      await (await c.settlement.setGracePeriod(7n * DAY)).wait();
      const unpaid = await confirmReceivable(c, { faceValue: 100_000_00n, maturityInDays: 30n });
      const repaid = await confirmReceivable(c, { faceValue: 50_000_00n, maturityInDays: 30n });
      await fundAndRepay(c, unpaid.slot, 25_000_00n);
      await fundAndRepay(c, repaid.slot, 50_000_00n);
      const maturity = (await c.receivableToken.receivable(unpaid.slot)).maturity;
      return { c, unpaid: unpaid.slot, repaid: repaid.slot, maturity };
    }
    const { c, unpaid, repaid, maturity } = await loadFixture(overdueStory);
    const writeOffCli = (args: string[], key: string | null = operatorKey): Promise<Run> =>
      operatorCli([...args, "--contracts", writeOffRecord], key, false);

    const early = await writeOffCli(["write-off", "--slot", String(unpaid)]);
    expect(early.status).to.equal(1);
    expect(early.err).to.match(
      /^refused: receivable [0-9]+'s grace period ends .* CST; it is not overdue before then .*\(SettlementWriteOffBeforeGrace\)$/u,
    );

    await time.increaseTo(maturity + 8n * DAY);
    const stranger = await writeOffCli(["write-off", "--slot", String(unpaid)], outsiderKey);
    expect(stranger.status).to.equal(1);
    expect(stranger.err).to.include("is not an active operator of this network (SettlementUnauthorizedOperator)");
    const fullyRepaid = await writeOffCli(["write-off", "--slot", String(repaid)]);
    expect(fullyRepaid.status).to.equal(1);
    expect(fullyRepaid.err).to.include(`receivable ${repaid} is fully repaid: there is nothing to write off (SettlementWriteOffRepaid)`);
    const unknown = await writeOffCli(["write-off", "--slot", "999"]);
    expect(unknown.status).to.equal(1);
    expect(unknown.err).to.include("there is no receivable 999 (ReceivableNonexistentSlot)");
    expect(await c.settlement.queryFilter(c.settlement.filters.ReceivableWrittenOff())).to.have.length(0);

    const done = await writeOffCli(["write-off", "--slot", String(unpaid)]);
    expect(done.err).to.equal("");
    expect(done.status).to.equal(0);
    const [summary, transaction] = done.out.split("\n");
    expect(summary).to.equal(`wrote off receivable ${unpaid}: 75,000.00 CNY of 100,000.00 CNY unpaid (the anchor may still repay it)`);
    expect(transaction).to.match(/^transaction 0x[0-9a-f]{64} in block [0-9]+$/u);
    const events = await c.settlement.queryFilter(c.settlement.filters.ReceivableWrittenOff());
    expect(events.map((event) => [event.args.slot, event.args.outstanding, event.args.operator])).to.deep.equal([
      [unpaid, 75_000_00n, c.operator.address],
    ]);

    const twice = await writeOffCli(["write-off", "--slot", String(unpaid)]);
    expect(twice.status).to.equal(1);
    expect(twice.err).to.match(/^refused: receivable [0-9]+ was already written off at .* CST \(SettlementAlreadyWrittenOff\)$/u);

    for (const [args, expected] of [
      [["write-off"], "--slot <n> is required"],
      [["write-off", "--slot", "0"], "--slot: receivables are numbered from 1"],
      [["write-off", "--slot", "abc"], '--slot: "abc" is not a receivable\'s number'],
      [["write-off", "--slot", "1", "--member", "2"], "write-off does not take --member"],
    ] as Array<[string[], string]>) {
      const run = await writeOffCli(args);
      expect(run.status, args.join(" ")).to.equal(2);
      expect(run.err, args.join(" ")).to.include(expected);
    }
  });

  it("names the record it looked for when the chain has no deployment record", async function () {
    await loadFixture(system);
    const run = await operatorCli(["members"], null, false);
    expect(run.status).to.equal(2);
    expect(run.err).to.match(/no deployment record for chain 31337 in .*chain-31337/u);
  });

  it("reads calendar dates as the last second of the day in China Standard Time", function () {
    expect(kycDateOf("2027-01-01").unixSeconds).to.equal(BigInt(Date.UTC(2027, 0, 1, 15, 59, 59) / 1000));
    expect(() => kycDateOf("2028-02-30")).to.throw("not a day of the calendar");
    expect(kycDateOf("2028-02-29").text).to.equal("2028-02-29");
  });

  it("runs as a command: --help lists every command, a usage error exits 2", async function () {
    const env = { ...process.env, CHAINBILL_RPC_URL: "http://127.0.0.1:9" };
    const help = await execFileAsync("npx", ["tsx", "scripts/operator.ts", "--help"], { cwd: REPO_ROOT, env });
    for (const command of [
      "admit",
      "suspend",
      "reinstate",
      "renew-kyc",
      "grant",
      "revoke",
      "add-address",
      "remove-address",
      "set-verifiers",
      "pause",
      "unpause",
      "members",
      "set-credit-line",
      "write-off",
    ]) {
      expect(help.stdout).to.include(`npm run operator -- ${command}`);
    }
    const failed = await execFileAsync("npx", ["tsx", "scripts/operator.ts", "renew-kyc", "--member", "1", "--kyc-until", "tomorrow"], {
      cwd: REPO_ROOT,
      env,
    }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).to.equal(2);
    expect(failed?.stderr).to.include("--kyc-until");
  });

  it("finds the system npm start runs with no flag: the stack writes its record where the commands look", async function () {
    const { startStack } = await import("../../src/server/stack");
    const { findDeploymentRecord } = await import("../../src/chain/deployment");
    const deploymentsDir = path.join(workDir, "deployments");
    const webRoot = path.join(workDir, "web");
    fs.mkdirSync(webRoot, { recursive: true });
    fs.writeFileSync(path.join(webRoot, "index.html"), "<!doctype html><title>dApp</title>");
    const stack = await startStack({
      chain: { kind: "in-process", hre, rpcPort: 0 },
      host: "127.0.0.1",
      port: 0,
      dataDir: path.join(workDir, "data"),
      webRoot,
      deploymentsDir,
    });
    try {
      expect(stack.recordFile).to.equal(path.join(deploymentsDir, `chain-${stack.chainId}`, "deployment-record.json"));
      const record = findDeploymentRecord(stack.chainId, deploymentsDir);
      expect(record.contracts).to.deep.equal(stack.addresses);
      const out: string[] = [];
      const status = await runOperatorCli(
        ["members", "--contracts", stack.recordFile ?? ""],
        { CHAINBILL_RPC_URL: stack.rpcUrl },
        {
          out: (line) => out.push(line),
          err: (line) => out.push(line),
          connect: (): Provider => hre.ethers.provider,
          signerFor: (privateKey, provider): Signer => new Wallet(privateKey, provider),
        },
      );
      expect(status, out.join("\n")).to.equal(0);
      expect(
        out
          .join("\n")
          .split("\n")
          .filter((line) => line.startsWith("#")),
      ).to.have.length(9);
    } finally {
      await stack.stop();
    }
  });
});
