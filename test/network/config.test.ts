/**
 * What `npm run network` writes before any node starts: the Clique genesis, each node's place and ports, its
 * geth configuration and command line, and the descriptor Hardhat reads. No geth needed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { cliqueExtraData, cliqueGenesis } from "../../src/network/genesis";
import { networkLayout, portsOf } from "../../src/network/layout";
import { formatStatus } from "../../src/network/lifecycle";
import { percentile } from "../../src/network/load";
import { nodeConfigToml } from "../../src/network/node-config";
import { gethArguments } from "../../src/network/processes";
import { DESCRIPTOR_ENV, parseNetworkDescriptor, writeNetworkDescriptor } from "../../src/network/descriptor";
import type { NetworkDescriptor, NetworkNode } from "../../src/network/descriptor";
import { consortiumNetworks } from "../../src/network/hardhat";
import { jsonLogRecords, runCommand } from "../support/command";

const SIGNERS = ["0x00000000000000000000000000000000000000b2", "0x00000000000000000000000000000000000000A1"];

function enode(seed: number, port: number): string {
  return `enode://${seed.toString(16).padStart(128, "0")}@127.0.0.1:${port}`;
}

function sampleDescriptor(stateDir: string): NetworkDescriptor {
  const layout = networkLayout(stateDir, 2, 30_400);
  const nodes: NetworkNode[] = layout.map((place, index) => ({
    ...place,
    ...(place.role === "validator" ? { signer: SIGNERS[index] } : {}),
    enode: enode(index + 1, place.p2pPort),
  }));
  const account = Wallet.createRandom();
  return {
    format: 1,
    chainId: 741_741,
    rpcUrl: "http://127.0.0.1:30600",
    blockPeriodSeconds: 1,
    validators: SIGNERS,
    nodes,
    accounts: [{ address: account.address, privateKey: account.privateKey }],
    gethVersion: "v1.13.15",
    createdAt: "2026-01-01T00:00:00.000Z",
  };
}

describe("consortium network configuration", function () {
  describe("Clique genesis", function () {
    it("extra-data is 32 bytes of vanity, the signers in ascending order, then 65 bytes for the seal", function () {
      const extra = cliqueExtraData(SIGNERS);
      expect((extra.length - 2) / 2).to.equal(32 + 2 * 20 + 65);
      expect(extra.slice(2 + 64, 2 + 64 + 80)).to.equal(`${"00".repeat(19)}a1${"00".repeat(19)}b2`);
      expect(extra.slice(-130)).to.equal("00".repeat(65));
    });

    it("refuses no validators and a validator listed twice", function () {
      expect(() => cliqueExtraData([])).to.throw(/at least one validator/);
      expect(() => cliqueExtraData([SIGNERS[0], SIGNERS[0].toUpperCase().replace("0X", "0x")])).to.throw(/listed twice/);
    });

    it("enables forks up to London only (this geth's Clique refuses Shanghai and Cancun) and funds the accounts", function () {
      const genesis = cliqueGenesis({ chainId: 741_741, blockPeriodSeconds: 2, validators: SIGNERS, alloc: new Map([[SIGNERS[0], 10n ** 24n]]) });
      const config = genesis.config as Record<string, unknown>;
      expect(config.londonBlock).to.equal(0);
      expect(config.chainId).to.equal(741_741);
      expect(Object.keys(config).filter((key) => /shanghai|cancun|prague|terminalTotalDifficulty/i.test(key))).to.deep.equal([]);
      expect(config.clique).to.deep.equal({ period: 2, epoch: 30_000 });
      expect(genesis.alloc).to.deep.equal({ "00000000000000000000000000000000000000b2": { balance: `0x${(10n ** 24n).toString(16)}` } });
    });

    it("refuses a block period under a second and a chain id that is not a positive integer", function () {
      const base = { validators: SIGNERS, alloc: new Map<string, bigint>() };
      expect(() => cliqueGenesis({ ...base, chainId: 1, blockPeriodSeconds: 0 })).to.throw(/block period/);
      expect(() => cliqueGenesis({ ...base, chainId: 0, blockPeriodSeconds: 1 })).to.throw(/chain id/);
    });
  });

  describe("layout", function () {
    it("gives every node distinct loopback ports, none of them Hardhat's 8545, and HTTP to the RPC node only", function () {
      const layout = networkLayout("/tmp/chainbill-layout", 4, 30_400);
      expect(layout.map((node) => node.name)).to.deep.equal(["validator-1", "validator-2", "validator-3", "validator-4", "rpc"]);
      const ports = portsOf(layout);
      expect(new Set(ports).size).to.equal(ports.length);
      expect(ports).to.not.include(8545);
      expect(layout.filter((node) => node.httpPort !== undefined).map((node) => node.name)).to.deep.equal(["rpc"]);
    });

    it("refuses a validator count or base port out of range, and a directory too deep for an IPC socket", function () {
      expect(() => networkLayout("/tmp/x", 0, 30_400)).to.throw(/--validators/);
      expect(() => networkLayout("/tmp/x", 17, 30_400)).to.throw(/--validators/);
      expect(() => networkLayout("/tmp/x", 4, 65_500)).to.throw(/--base-port/);
      expect(() => networkLayout(`/tmp/${"d".repeat(100)}`, 4, 30_400)).to.throw(/unix socket/);
    });
  });

  describe("node configuration and command line", function () {
    const descriptor = sampleDescriptor("/tmp/chainbill-config");
    const [validator, , rpc] = descriptor.nodes;

    it("listens on loopback only, without discovery, with every other node as a static peer", function () {
      const toml = nodeConfigToml(validator, descriptor.nodes, descriptor.chainId);
      expect(toml).to.contain(`ListenAddr = "127.0.0.1:${validator.p2pPort}"`);
      expect(toml).to.contain("NoDiscovery = true");
      expect(toml).to.contain("BootstrapNodes = []");
      expect(toml).to.contain(`NetworkId = ${descriptor.chainId}`);
      expect(toml).to.contain(`StaticNodes = ["${descriptor.nodes[1].enode}", "${descriptor.nodes[2].enode}"]`);
      expect(toml).to.not.contain(`"${validator.enode}"`);
      expect(toml).to.not.contain("HTTPHost");
    });

    it("opens JSON-RPC over HTTP on 127.0.0.1 on the RPC node, without admin or clique methods", function () {
      const toml = nodeConfigToml(rpc, descriptor.nodes, descriptor.chainId);
      expect(toml).to.contain('HTTPHost = "127.0.0.1"');
      expect(toml).to.contain(`HTTPPort = ${rpc.httpPort}`);
      expect(toml).to.match(/HTTPModules = \["eth", "net", "web3", "txpool"\]/);
    });

    it("keeps every node off other machines and gives validators their own key, without sealing from the start", function () {
      for (const node of [validator, rpc]) {
        const args = gethArguments(node, "/tmp/chainbill-config").join(" ");
        expect(args).to.contain("--nodiscover --nat none --netrestrict 127.0.0.0/8");
      }
      const sealing = gethArguments(validator, "/tmp/chainbill-config").join(" ");
      expect(sealing).to.contain(`--miner.etherbase ${validator.signer} --unlock ${validator.signer}`);
      // Sealing starts over IPC once the node is peered (startSealing), never from the command line.
      expect(gethArguments(validator, "/tmp/chainbill-config")).to.not.include("--mine");
      expect(gethArguments(rpc, "/tmp/chainbill-config")).to.not.include("--miner.etherbase");
    });
  });

  describe("descriptor", function () {
    let dir: string;
    beforeEach(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-descriptor-"));
    });
    afterEach(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("is offered to Hardhat as --network consortium with its URL, chain id and prefunded keys", function () {
      const descriptor = sampleDescriptor(dir);
      const file = path.join(dir, "network.json");
      writeNetworkDescriptor(file, descriptor);
      expect(fs.statSync(file).mode & 0o077, "readable by its owner only").to.equal(0);
      expect(consortiumNetworks({ [DESCRIPTOR_ENV]: file })).to.deep.equal({
        consortium: { url: descriptor.rpcUrl, chainId: descriptor.chainId, accounts: [descriptor.accounts[0].privateKey] },
      });
    });

    it("names the file and every wrong field when it is not valid, and a missing named file is an error", function () {
      const broken = { ...sampleDescriptor(dir), rpcUrl: "http://10.0.0.1:8545", chainId: -1 };
      let message = "";
      try {
        parseNetworkDescriptor(broken, "broken.json");
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).to.contain("broken.json").and.contain("rpcUrl").and.contain("chainId");
      expect(() => consortiumNetworks({ [DESCRIPTOR_ENV]: path.join(dir, "absent.json") })).to.throw(/no such file/);
    });
  });

  it("status summary counts validators, the ones down and the RPC node", function () {
    const descriptor = sampleDescriptor("/tmp/chainbill-status");
    const lines = formatStatus({
      nodes: [
        { node: descriptor.nodes[0], running: true, head: 1234, peers: 2 },
        { node: descriptor.nodes[1], running: false },
        { node: descriptor.nodes[2], running: true, head: 1233, peers: 1 },
      ],
      signers: SIGNERS,
      head: 1234,
    });
    expect(lines[0]).to.match(/^validator-1 +validator +0x0+b2 +head 1234 +peers 2$/);
    expect(lines[1]).to.match(/^validator-2 +validator +0x0+A1 +down$/);
    expect(lines[3]).to.equal("2 validators (1 down), 1 rpc node, head block 1234");
  });

  describe("npm run network -- status (its logs)", function () {
    let dir: string;
    const runNetworkCli = (args: string[]) => runCommand(path.join("scripts", "network.ts"), args, 60_000);

    beforeEach(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-status-"));
    });
    afterEach(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("answers on stdout and logs a network with no node up as a JSON warning with --log-format json", async function () {
      this.timeout(90_000);
      writeNetworkDescriptor(path.join(dir, "network.json"), sampleDescriptor(dir));
      const run = await runNetworkCli(["status", "--dir", dir, "--log-format", "json"]);
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^validator-1 +validator +0x0+b2 +down$/m);
      expect(run.stdout).to.contain("2 validators (2 down), 1 rpc node, no node answering");
      const records = jsonLogRecords(run.stderr);
      expect(records).to.have.length(1);
      expect(records[0]).to.include({ level: 40, name: "chainbill-network", msg: "no node of the network answers" });
      expect(records[0].down).to.deep.equal(["validator-1", "validator-2", "rpc"]);

      // Without the option the same warning is a line for people.
      const pretty = await runNetworkCli(["status", "--dir", dir]);
      expect(pretty.status).to.equal(0);
      expect(pretty.stderr).to.match(/WARN +chainbill-network: no node of the network answers/);
    });

    it("logs an error as JSON when there is no network, and exits 1", async function () {
      this.timeout(60_000);
      const run = await runNetworkCli(["status", "--dir", path.join(dir, "nothing"), "--log-format", "json"]);
      expect(run.status).to.equal(1);
      expect(run.stdout).to.equal("");
      const records = jsonLogRecords(run.stderr);
      expect(records).to.have.length(1);
      expect(records[0].level).to.equal(50);
      expect(records[0].msg).to.be.a("string").and.to.contain("no network descriptor");
    });
  });

  it("percentile is nearest-rank", function () {
    expect(percentile([5, 1, 4, 2, 3], 0.5)).to.equal(3);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, index) => index + 1),
        0.99,
      ),
    ).to.equal(99);
    expect(Number.isNaN(percentile([], 0.5))).to.equal(true);
  });
});
