/**
 * The consortium network for real: four geth Clique validators and an RPC node on loopback, started for this file
 * (its own directory, ports and chain id) and killed in `after`, whatever happens. The system is deployed once with
 * `npm run deploy`'s command through `--network consortium`; an indexer follows the RPC node from then on, through
 * the demo story, a validator crash, a halt and a change of validators, and must end equal to a replay. The fault
 * tests' traffic is splits of receivables, so the index has something to follow through every fault.
 * Each test is bounded in time; together they take about six minutes, half of it the demo's 100 one-second days.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import { expect } from "chai";
import { id } from "ethers";
import type { TransactionReceipt } from "ethers";
import { blockNumberOf, currentSigners, formatStatus, networkStatus, peerCountOf, waitForBlock } from "../../src/network/lifecycle";
import { proposeValidatorChange } from "../../src/network/governance";
import { ipcCall } from "../../src/network/ipc";
import { runningPid } from "../../src/network/processes";
import { AccountSender } from "../../src/network/load";
import type { SendOutcome } from "../../src/network/load";
import { Role, roleMask } from "../../src/chain/roles";
import { connectChainbill } from "../../src/chain/system";
import type { ChainbillAddresses, ChainbillContracts } from "../../src/chain/system";
import { startIndexer } from "../../src/indexer/indexer";
import type { RunningIndexer, SyncOutcome } from "../../src/indexer/indexer";
import type { NetworkNode } from "../../src/network/descriptor";
import { DESCRIPTOR_ENV } from "../../src/network/descriptor";
import { signInvoiceUse } from "../../src/proofs/invoiceUse";
import { deploymentJournalOf } from "../../src/network/temporary";
import { expectSameRecords, removeDir, replayFromScratch, tempDir } from "../indexer/helpers/compare";
import { startTestNetwork } from "./test-network";
import type { TestNetwork } from "./test-network";

const ROOT = path.resolve(__dirname, "../..");
const SPLIT = "transferFrom(uint256,address,uint256)";
/** A split costs about 99k gas. */
const SPLIT_GAS = 200_000n;
const YEAR = 365n * 86_400n;
/** Development accounts the fault tests' traffic uses: suppliers that split, and the anchor that gave them pieces. */
const TRAFFIC_SUPPLIERS = [10, 11, 12, 13, 14, 15];
const TRAFFIC_ANCHOR = 16;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a Node program in a process group of its own, killed (group and all) if it outlives `timeoutMs`. */
function runProgram(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    process.once("exit", killGroup);
    const timer = setTimeout(() => {
      killGroup();
      reject(new Error(`${args.join(" ")} did not finish within ${timeoutMs / 1000} s; its output:\n${output}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      process.removeListener("exit", killGroup);
      resolve({ code, output });
    });
  });
}

/** Receipts of `hashes`, waiting up to `timeoutMs` for the missing ones; those still missing are absent. */
async function receiptsOf(net: TestNetwork, hashes: readonly string[], timeoutMs: number): Promise<Map<string, TransactionReceipt>> {
  const receipts = new Map<string, TransactionReceipt>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = hashes.filter((hash) => !receipts.has(hash));
    const found = await Promise.all(missing.map((hash) => net.provider.getTransactionReceipt(hash)));
    found.forEach((receipt, index) => {
      if (receipt !== null) receipts.set(missing[index], receipt);
    });
    if (receipts.size === hashes.length || Date.now() > deadline) return receipts;
    await sleep(500);
  }
}

/** The message `promise` rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a rejection");
}

async function signerOfBlock(net: TestNetwork, block: number): Promise<string> {
  return ipcCall<string>(net.rpcNode.ipcPath, "clique_getSigner", [`0x${block.toString(16)}`]);
}

interface HeadBlock {
  number: string;
  hash: string;
}

async function headOf(node: NetworkNode): Promise<HeadBlock> {
  return ipcCall<HeadBlock>(node.ipcPath, "eth_getBlockByNumber", ["latest", false]);
}

/** Each running node's three newest blocks, as number:hash/signer: what tells a halted chain from split branches. */
async function newestBlocks(nodes: readonly NetworkNode[]): Promise<string> {
  const lines = await Promise.all(
    nodes.map(async (node) => {
      if (runningPid(node) === undefined) return `${node.name}: down`;
      try {
        const head = Number(BigInt((await headOf(node)).number));
        const blocks: string[] = [];
        for (let number = Math.max(0, head - 2); number <= head; number += 1) {
          const block = await ipcCall<HeadBlock>(node.ipcPath, "eth_getBlockByNumber", [`0x${number.toString(16)}`, false]);
          const signer = number === 0 ? "genesis" : await ipcCall<string>(node.ipcPath, "clique_getSigner", [block.hash]);
          blocks.push(`${number}:${block.hash.slice(0, 10)}/${signer.slice(0, 10)}`);
        }
        return `${node.name} (${node.signer?.slice(0, 10) ?? "rpc"}): ${blocks.join(" ")}`;
      } catch (error) {
        return `${node.name}: ${(error as Error).message}`;
      }
    }),
  );
  return lines.join("\n");
}

/**
 * Waits for a moment to crash `victims` at: just after a new block that every running node holds, when none of
 * the victims sealed it or the block before it. Clique bars a validator from sealing for ⌊n/2⌋ blocks after it
 * has sealed; crashed at such a moment, the validators left are never two eligible at once, so they never seal
 * competing blocks. Crashed just after sealing the block before the newest, a validator can leave two survivors
 * racing at the next height, each on its own branch and each barred there, with the one validator that could
 * break the tie gone: the chain stalls until it returns. That is geth's Clique, not Chainbill (the network README
 * says so); the tests here crash validators the way an operator's maintenance would, between blocks.
 */
async function awaitCrashMoment(net: TestNetwork, victims: readonly NetworkNode[], timeoutMs: number): Promise<void> {
  const barred = new Set(victims.map((victim) => (victim.signer ?? "").toLowerCase()));
  const running = net.descriptor.nodes.filter((node) => runningPid(node) !== undefined);
  const deadline = Date.now() + timeoutMs;
  let seen = await blockNumberOf(net.rpcNode);
  while (Date.now() < deadline) {
    const now = await blockNumberOf(net.rpcNode);
    if (now === seen) {
      await sleep(20);
      continue;
    }
    seen = now;
    const heads = await Promise.all(running.map(headOf));
    if (heads.some((head) => head.hash !== heads[0].hash)) continue;
    const head = Number(BigInt(heads[0].number));
    const sealers = await Promise.all([head - 1, head].map((block) => signerOfBlock(net, block)));
    if (sealers.every((sealer) => !barred.has(sealer.toLowerCase()))) return;
  }
  throw new Error(
    `no block in ${timeoutMs / 1000} s that all nodes held and none of ${victims.map((victim) => victim.name).join(", ")} had just sealed:\n${await newestBlocks(net.descriptor.nodes)}`,
  );
}

/**
 * Two validators next to each other in Clique's in-turn order (block n is in turn for the n mod 4-th signer by
 * ascending address), so that the other two seal two blocks in a row and `awaitCrashMoment` can find its moment.
 * Two validators taken by name may sit opposite each other in that order (a third of new networks), and then every
 * pair of consecutive blocks has one of them as sealer: no moment comes at all.
 */
function neighboursInTurn(net: TestNetwork): [NetworkNode, NetworkNode] {
  const bySigner = net.descriptor.nodes
    .filter((node) => node.role === "validator")
    .sort((left, right) => (BigInt(left.signer ?? "0x0") < BigInt(right.signer ?? "0x0") ? -1 : 1));
  const [third, fourth] = bySigner.slice(-2);
  if (bySigner.length !== 4 || third === undefined || fourth === undefined) throw new Error(`expected four validators, found ${bySigner.length}`);
  return [third, fourth];
}

/** Waits until no new block has come for `quietMs`; returns the head then, or undefined if blocks kept coming. */
async function waitForHalt(node: NetworkNode, quietMs: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let head = await blockNumberOf(node);
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(250);
    const now = await blockNumberOf(node);
    if (now !== head) {
      head = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return head;
    }
  }
  return undefined;
}

describe("consortium network: four geth Clique validators on loopback", function () {
  let net: TestNetwork;
  let addresses: ChainbillAddresses;
  let system: ChainbillContracts;
  /** The piece each traffic supplier splits from, by address. */
  const pieces = new Map<string, bigint>();
  let indexer: RunningIndexer | undefined;
  let indexDir: string | undefined;
  const indexerOutcomes: SyncOutcome[] = [];

  /** Sends `calls` from development account `from` all at once (nonces numbered locally); every one must succeed. */
  async function sendAndConfirm(from: number, calls: Array<{ to: string; data: string; gasLimit: bigint }>): Promise<TransactionReceipt[]> {
    const sender = new AccountSender(net.wallets[from], net.rpc, BigInt(net.descriptor.chainId));
    const outcomes = await Promise.all(calls.map((call) => sender.send(call)));
    const hashes = outcomes.map((outcome) => {
      if (outcome.kind !== "sent") throw new Error(`not sent: ${outcome.reason}`);
      return outcome.hash;
    });
    const receipts = await receiptsOf(net, hashes, 60_000);
    const failed = hashes.filter((hash) => receipts.get(hash)?.status !== 1);
    if (failed.length > 0) throw new Error(`${failed.length} of ${hashes.length} set-up transactions failed or were not confirmed`);
    return hashes.map((hash) => receipts.get(hash) as TransactionReceipt);
  }

  /** A split of 1 fen off `supplier`'s piece to the next traffic supplier. */
  function splitFrom(supplier: number): { to: string; data: string; gasLimit: bigint } {
    const from = net.wallets[supplier].address;
    const piece = pieces.get(from);
    if (piece === undefined) throw new Error(`account ${supplier} has no piece`);
    const next = TRAFFIC_SUPPLIERS[(TRAFFIC_SUPPLIERS.indexOf(supplier) + 1) % TRAFFIC_SUPPLIERS.length];
    return {
      to: addresses.receivableToken,
      data: system.receivableToken.interface.encodeFunctionData(SPLIT, [piece, net.wallets[next].address, 1n]),
      gasLimit: SPLIT_GAS,
    };
  }

  before(async function () {
    this.timeout(330_000);
    net = await startTestNetwork(4);

    // Deploy exactly as an operator would: `npm run deploy -- --network consortium` (no prompt). An operator whose
    // deployment stalls runs it again, and Ignition resumes from its journal: so does this test, once. What the
    // nodes were doing at each stall goes into the failure, to tell a halted chain from a stuck deployment.
    const env = { ...process.env, [DESCRIPTOR_ENV]: net.descriptorFile, HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "1" };
    const deployArgs = [
      require.resolve("hardhat/internal/cli/cli.js"),
      "ignition",
      "deploy",
      "deploy/modules/Chainbill.ts",
      "--network",
      "consortium",
    ];
    const stalls: string[] = [];
    let deploy: { code: number | null; output: string } | undefined;
    for (let attempt = 1; attempt <= 2 && deploy === undefined; attempt += 1) {
      try {
        deploy = await runProgram(deployArgs, env, 140_000);
      } catch (error) {
        const status = formatStatus(await networkStatus(net.descriptor)).join("\n");
        stalls.push(`attempt ${attempt}: ${(error as Error).message}\nnodes then:\n${status}`);
        console.log(`      the deployment stalled (attempt ${attempt}); nodes:\n${status}`);
      }
    }
    if (deploy === undefined) throw new Error(`the deployment did not finish in two attempts:\n${stalls.join("\n")}`);
    expect(deploy.code, deploy.output).to.equal(0);
    const deployed = JSON.parse(fs.readFileSync(path.join(deploymentJournalOf(net.descriptor.chainId), "deployed_addresses.json"), "utf8")) as Record<
      string,
      string
    >;
    addresses = {
      registry: deployed["Chainbill#MemberRegistry"],
      receivableToken: deployed["Chainbill#ReceivableToken"],
      settlementToken: deployed["Chainbill#SettlementToken"],
      settlement: deployed["Chainbill#Settlement"],
      financing: deployed["Chainbill#Financing"],
    };
    system = connectChainbill(addresses, net.provider);

    indexDir = tempDir("network-index");
    indexer = await startIndexer({
      rpcUrl: net.descriptor.rpcUrl,
      dbPath: indexDir,
      addresses,
      pollIntervalMs: 250,
      onOutcome: (outcome) => indexerOutcomes.push(outcome),
    });

    // The traffic's cast: the operator admits an anchor and six suppliers; the anchor gives each a piece.
    const latest = await net.provider.getBlock("latest");
    if (latest === null) throw new Error("no latest block");
    const kycValidUntil = BigInt(latest.timestamp) + 2n * YEAR;
    const admit = (account: number, role: Role) =>
      system.registry.interface.encodeFunctionData("admit", [
        id(`NETWORK-TEST-${account}`),
        net.wallets[account].address,
        roleMask(role),
        kycValidUntil,
      ]);
    await sendAndConfirm(0, [
      { to: addresses.registry, data: admit(TRAFFIC_ANCHOR, Role.ANCHOR), gasLimit: 400_000n },
      ...TRAFFIC_SUPPLIERS.map((account) => ({ to: addresses.registry, data: admit(account, Role.SUPPLIER), gasLimit: 400_000n })),
    ]);
    // No anchor confirms without a credit line: the operator gives the traffic's anchor one no test reaches.
    const anchorId = await system.registry.memberIdOf(net.wallets[TRAFFIC_ANCHOR].address);
    await sendAndConfirm(0, [
      {
        to: addresses.receivableToken,
        data: system.receivableToken.interface.encodeFunctionData("setCreditLine", [anchorId, 1n << 62n, kycValidUntil]),
        gasLimit: 200_000n,
      },
    ]);
    const consents = await Promise.all(
      TRAFFIC_SUPPLIERS.map((account) =>
        signInvoiceUse(net.wallets[account], BigInt(net.descriptor.chainId), addresses.receivableToken, {
          invoiceNumber: `NT-${account}`,
          invoiceHash: id(`network-test-invoice-${account}`),
          buyer: net.wallets[TRAFFIC_ANCHOR].address,
        }),
      ),
    );
    const confirmations = await sendAndConfirm(
      TRAFFIC_ANCHOR,
      TRAFFIC_SUPPLIERS.map((account, index) => ({
        to: addresses.receivableToken,
        gasLimit: 600_000n,
        data: system.receivableToken.interface.encodeFunctionData("confirm", [
          {
            supplier: net.wallets[account].address,
            faceValue: 1_000_000_000n,
            maturity: BigInt(latest.timestamp) + YEAR,
            currency: "0x434e59",
            invoiceHash: id(`network-test-invoice-${account}`),
            logisticsHash: id(`network-test-waybill-${account}`),
            invoiceNumber: `NT-${account}`,
            sellerConsent: consents[index],
          },
        ]),
      })),
    );
    for (const receipt of confirmations) {
      for (const log of receipt.logs) {
        const event = system.receivableToken.interface.parseLog(log);
        if (event?.name === "ReceivableConfirmed")
          pieces.set(await system.receivableToken.ownerOf(event.args.tokenId as bigint), event.args.tokenId as bigint);
      }
    }
    expect(pieces.size).to.equal(TRAFFIC_SUPPLIERS.length);
  });

  /** Fails naming `what`, with each node's newest blocks, unless the RPC node reaches `block` within `timeoutMs`. */
  async function expectBlock(block: number, timeoutMs: number, what: string): Promise<void> {
    if (!(await waitForBlock(net.rpcNode, block, timeoutMs)))
      expect.fail(`${what}: block ${block} did not come in ${timeoutMs / 1000} s; newest blocks:\n${await newestBlocks(net.descriptor.nodes)}`);
  }

  // A fault test that fails half-way leaves validators down: the next test starts from the whole network all the same.
  afterEach(async function () {
    this.timeout(120_000);
    if (net === undefined) return;
    for (const node of net.descriptor.nodes) {
      if (runningPid(node) === undefined) await net.restart(node);
    }
  });

  after(async function () {
    this.timeout(60_000);
    await indexer?.stop();
    if (indexDir !== undefined) removeDir(indexDir);
    await net?.stop();
  });

  it("status shows each node's role, address, head and peers, and the summary line", async function () {
    this.timeout(60_000);
    const lines = formatStatus(await networkStatus(net.descriptor));
    expect(lines).to.have.length(6);
    for (const index of [0, 1, 2, 3]) {
      const validator = net.validator(index);
      expect(lines[index]).to.match(new RegExp(`^${validator.name} +validator +${validator.signer} +head \\d+ +peers 4$`));
    }
    expect(lines[4]).to.match(/^rpc +rpc node +- +head \d+ +peers 4$/);
    expect(lines[5]).to.match(/^4 validators, 1 rpc node, head block \d+$/);

    // The command line prints the same, from the descriptor in the network's directory.
    const cli = await runProgram(
      [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/network.ts", "status", "--dir", net.stateDir],
      process.env,
      50_000,
    );
    expect(cli.code, cli.output).to.equal(0);
    expect(cli.output).to.match(/4 validators, 1 rpc node, head block \d+/);
  });

  it("plays the whole demo story on the deployed system through Hardhat's --network consortium", async function () {
    // The story waits a real second per story day on geth; the credit line's refusal and the default with recourse
    // added about a minute to it.
    this.timeout(490_000);
    const env = { ...process.env, [DESCRIPTOR_ENV]: net.descriptorFile };
    const run = await runProgram([require.resolve("hardhat/internal/cli/cli.js"), "run", "--network", "consortium", "scripts/demo.ts"], env, 480_000);
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.contain(`the whole story on network "consortium" (Geth)`);
    expect(run.output).to.contain("All checks passed");
    expect(run.output).not.to.contain("✗");
  });

  it("keeps sealing and confirming with one validator down; the validator catches up and seals again when back", async function () {
    this.timeout(240_000);
    const down = net.validator(1);
    await awaitCrashMoment(net, [down], 60_000);
    await net.kill(down);
    const headAtKill = await blockNumberOf(net.rpcNode);
    await expectBlock(headAtKill + 3, 30_000, `sealing with ${down.name} down`);

    const splitters = TRAFFIC_SUPPLIERS.slice(0, 2);
    const senders = splitters.map((account) => new AccountSender(net.wallets[account], net.rpc, BigInt(net.descriptor.chainId)));
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, index) => senders[index % 2].send(splitFrom(splitters[index % 2]))));
    const sent = outcomes.flatMap((outcome) => (outcome.kind === "sent" ? [outcome.hash] : []));
    expect(sent, JSON.stringify(outcomes)).to.have.length(12);
    const receipts = await receiptsOf(net, sent, 60_000);
    if (receipts.size !== 12)
      expect.fail(`${receipts.size} of 12 splits confirmed with a validator down; newest blocks:\n${await newestBlocks(net.descriptor.nodes)}`);
    expect([...receipts.values()].every((receipt) => receipt.status === 1)).to.equal(true);
    await expectBlock(headAtKill + 10, 40_000, "ten more blocks with three validators");

    await net.restart(down);
    const target = await blockNumberOf(net.rpcNode);
    expect(await waitForBlock(down, target, 60_000), `${down.name} catches up to block ${target}`).to.equal(true);
    expect(await peerCountOf(down)).to.be.at.least(3);
    // Back in the rotation: a block sealed by it after the restart.
    const deadline = Date.now() + 60_000;
    let sealedBlock: number | undefined;
    for (let block = target + 1; sealedBlock === undefined && Date.now() < deadline;) {
      if ((await blockNumberOf(net.rpcNode)) < block) {
        await sleep(250);
        continue;
      }
      if ((await signerOfBlock(net, block)).toLowerCase() === down.signer?.toLowerCase()) sealedBlock = block;
      block += 1;
    }
    expect(sealedBlock, `${down.name} seals a block again`).to.not.equal(undefined);
  });

  it("halts with two of four validators down, resumes with one back, and every transaction is confirmed or reported not sent", async function () {
    this.timeout(300_000);
    const chainId = BigInt(net.descriptor.chainId);
    const splitters = TRAFFIC_SUPPLIERS.slice(2, 6);
    const senders = splitters.map((account) => new AccountSender(net.wallets[account], net.rpc, chainId));
    const startNonces = await Promise.all(senders.map((sender) => net.provider.getTransactionCount(sender.address, "latest")));
    const outcomes: SendOutcome[] = [];
    let sending = true;
    const stream = (async () => {
      while (sending) {
        outcomes.push(...(await Promise.all(senders.map((sender, index) => sender.send(splitFrom(splitters[index]))))));
        await sleep(250);
      }
    })();

    try {
      await sleep(3_000);
      const [third, fourth] = neighboursInTurn(net);
      await awaitCrashMoment(net, [third, fourth], 60_000);
      await Promise.all([net.kill(third), net.kill(fourth)]);
      // Clique lets a validator seal at most one block in any three in a row: two validators cannot go on.
      const haltedAt = await waitForHalt(net.rpcNode, 5_000, 30_000);
      expect(haltedAt, "the chain halts with two of four validators").to.not.equal(undefined);
      const sentWhenHalted = outcomes.length;
      await sleep(3_000);
      expect(await blockNumberOf(net.rpcNode), "no block while halted").to.equal(haltedAt);
      sending = false;
      await stream;
      expect(outcomes.length, "transactions were sent into the halted chain").to.be.greaterThan(sentWhenHalted);

      await net.restart(third);
      await expectBlock((haltedAt ?? 0) + 3, 60_000, "blocks again with three validators");

      const sent = outcomes.flatMap((outcome) => (outcome.kind === "sent" ? [outcome] : []));
      const notSent = outcomes.filter((outcome) => outcome.kind === "not-sent");
      const receipts = await receiptsOf(
        net,
        sent.map((outcome) => outcome.hash),
        90_000,
      );
      const lost = sent.filter((outcome) => !receipts.has(outcome.hash));
      expect(lost, "sent but never confirmed").to.deep.equal([]);
      expect([...receipts.values()].filter((receipt) => receipt.status !== 1)).to.deep.equal([]);

      // Every receipt is on the chain the network agrees on now, and each account's nonce counts exactly its
      // confirmed transactions: nothing confirmed twice, nothing in a lost fork.
      await waitForBlock(net.rpcNode, Math.max(...[...receipts.values()].map((receipt) => receipt.blockNumber)) + 3, 30_000);
      for (const receipt of receipts.values()) {
        const block = await net.provider.getBlock(receipt.blockNumber);
        expect(block?.hash, `block ${receipt.blockNumber} of ${receipt.hash}`).to.equal(receipt.blockHash);
      }
      for (const [index, sender] of senders.entries()) {
        const confirmed = sent.filter((outcome) => outcome.from === sender.address).length;
        expect(await net.provider.getTransactionCount(sender.address, "latest")).to.equal(startNonces[index] + confirmed);
      }
      console.log(
        `      ${sent.length} sent (${notSent.length} reported not sent); all ${receipts.size} confirmed after the halt at block ${haltedAt}`,
      );

      await net.restart(fourth);
      expect(await waitForBlock(fourth, await blockNumberOf(net.rpcNode), 60_000), `${fourth.name} catches up`).to.equal(true);
    } finally {
      sending = false;
      await stream;
    }
  });

  it("validator governance: the others vote a validator out, then back in; a meaningless proposal is refused", async function () {
    this.timeout(180_000);
    const subject = net.validator(3).signer ?? "";
    expect(await rejection(proposeValidatorChange(net.descriptor, "add", subject, 5_000))).to.match(/already a validator/);
    expect(await rejection(proposeValidatorChange(net.descriptor, "remove", net.wallets[0].address, 5_000))).to.match(/is not a validator/);
    expect(await currentSigners(net.descriptor)).to.have.length(4);

    const removed = await proposeValidatorChange(net.descriptor, "remove", subject, 60_000);
    expect(removed.signers.map((signer) => signer.toLowerCase()))
      .to.have.length(3)
      .and.not.include(subject.toLowerCase());
    expect(await currentSigners(net.descriptor)).to.have.length(3);
    const head = await blockNumberOf(net.rpcNode);
    await expectBlock(head + 3, 30_000, "three validators go on sealing");

    const added = await proposeValidatorChange(net.descriptor, "add", subject, 60_000);
    expect(added.effectiveBlock).to.be.greaterThan(removed.effectiveBlock);
    expect(added.signers.map((signer) => signer.toLowerCase()))
      .to.have.length(4)
      .and.include(subject.toLowerCase());
  });

  it("the indexer followed the RPC node through all of it and ends identical to a replay; the audit of the final chain is clean", async function () {
    this.timeout(180_000);
    const running = indexer;
    if (running === undefined) throw new Error("the indexer did not start");
    const head = await blockNumberOf(net.rpcNode);
    await running.waitForBlock(head, 60_000);
    const followed = await running.reader.derivedRecords();
    const replay = await replayFromScratch({ rpcUrl: net.descriptor.rpcUrl, addresses });
    // No transaction has been sent since the last test, so later (empty) blocks change nothing the index derives.
    expectSameRecords(followed, replay, "index that followed the faults vs replay");
    const reorgs = indexerOutcomes.filter((outcome) => outcome.type === "reorg");
    console.log(`      ${followed.size} records equal; the indexer followed ${reorgs.length} reorganisation(s) on the way`);

    // The auditor's independent replay (`npm run audit`), at the index's block, comparing the index too (I7).
    await running.stop();
    indexer = undefined;
    const reportDir = tempDir("network-audit");
    try {
      const audit = await runProgram(
        [
          require.resolve("ts-node/dist/bin.js"),
          "--transpile-only",
          "scripts/audit.ts",
          "--rpc",
          net.descriptor.rpcUrl,
          "--index",
          indexDir ?? "",
          "--out",
          reportDir,
        ],
        process.env,
        120_000,
      );
      expect(audit.code, audit.output).to.equal(0);
      expect(audit.output).to.contain("CLEAN: no findings");
      expect(audit.output).to.contain("index compared: yes");
    } finally {
      removeDir(reportDir);
    }
  });
});
