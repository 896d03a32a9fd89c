/**
 * `npm run bench:audit`: generates about 100,000 events on Hardhat's network (confirmations, splits, a 20-tier
 * lineage, fundings with verifier attestations, repayments and claims), serves it over HTTP on 127.0.0.1, and runs
 * `npm run audit` against it in a process of its own, with every check: replay, invariants, funding
 * re-verification, the contracts' views. Prints the events replayed, the time per phase and the replay rate, and,
 * as a baseline measured in the same run, the time a bare fetch of the same logs takes over the same endpoint; and the
 * CPU time of each of the two processes and of the node serving them meanwhile (steadier than wall time on a busy machine).
 * Target (2 cores): the whole audit of 100,000 events in under 60 s. CHAINBILL_BENCH_AUDIT_EVENTS changes the size.
 *
 * The node is Hardhat's EDR in this process, and `npm run bench:audit` starts it with MIMALLOC_ALLOW_LARGE_OS_PAGES=0.
 * EDR records every EVM step of every call in a trace whose vector grows by reallocation; its allocator (mimalloc)
 * otherwise backs those blocks with 2 MiB pages, which the kernel zeroes whole on first touch. Measured with perf
 * during the audit's view reads: about 70% of the node's CPU was that zeroing; in three alternating pairs of runs the
 * views took 7.4-8.5 s with large pages and 2.5-3.8 s without (src/audit/README.md). The setting is the node's, not
 * the audit's: a geth or Besu node keeps no such traces. Fewer steps to trace is the audit's part: it reads the token's pieces and receivables
 * through its mirror (src/audit/tokenMirror.ts), ~100 steps a piece's read instead of ~275 through the view reader.
 */
import hre from "hardhat";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet, MaxUint256, id, toQuantity } from "ethers";
import type { Wallet } from "ethers";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { Role, roleMask } from "../src/chain/roles";
import { tokenIdOf } from "../src/chain/tokenId";
import { financingDomain, signFundingAttestation, signFundingRequest } from "../src/chain/funding";
import { writeDeploymentRecord } from "../deploy/record";
import { Financing__factory, MemberRegistry__factory, SettlementToken__factory, Settlement__factory } from "../typechain-types";
import { generateChain, plannedEvents } from "../test/support/indexer/generate";
import type { GenerationPlan } from "../test/support/indexer/generate";

const DAY = 86_400n;
const TARGET_SECONDS = 60;

async function send(method: string, params: unknown[]): Promise<unknown> {
  return hre.network.provider.send(method, params);
}

function hardhatWallets(count: number): Wallet[] {
  const accounts = hre.config.networks.hardhat.accounts;
  if (Array.isArray(accounts)) throw new Error("the benchmark expects Hardhat's mnemonic accounts");
  const root = HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, accounts.path);
  return Array.from({ length: count }, (_, index) => root.deriveChild(accounts.initialIndex + index) as unknown as Wallet);
}

/** Many transactions per block from the node's unlocked accounts, mined together. */
class Batcher {
  private queued = 0;
  sent = 0;
  constructor(private readonly perBlock: number) {}
  async queue(from: string, to: string, data: string, gas = 500_000): Promise<void> {
    await send("eth_sendTransaction", [{ from, to, data, gas: toQuantity(gas) }]);
    this.queued += 1;
    this.sent += 1;
    if (this.queued >= this.perBlock) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.queued === 0) return;
    await send("evm_mine", []);
    const pending = Number(await send("eth_getBlockTransactionCountByNumber", ["pending"]));
    if (pending !== 0) throw new Error(`${pending} transactions did not fit their block`);
    this.queued = 0;
  }
}

interface Plan {
  chain: GenerationPlan;
  fundings: number;
  claims: number;
}

/**
 * Sizes the history for about `events` events, in a mix where value mostly travels: 60% splits (3 events each),
 * 9% fundings (3), 20% claims (4), the rest confirmations (4) and a 20-tier lineage.
 */
function planFor(events: number): Plan {
  const splitsPerSlot = 1_000;
  const holderSlots = Math.max(1, Math.round((events * 0.6) / 3 / splitsPerSlot));
  const fundings = Math.round((events * 0.09) / 3);
  const claims = Math.min(holderSlots * splitsPerSlot - fundings, Math.round((events * 0.2) / 4));
  const chain: GenerationPlan = { holderSlots, splitsPerSlot, lineageDepth: 20, extraConfirmations: 0 };
  const rest = events - plannedEvents(chain) - 3 * fundings - 4 * claims;
  chain.extraConfirmations = Math.max(0, Math.round(rest / 4));
  return { chain, fundings, claims };
}

async function settle(generated: Awaited<ReturnType<typeof generateChain>>, plan: Plan): Promise<number> {
  const wallets = hardhatWallets(6);
  const [operator, anchor, , holder, bank, verifier] = wallets;
  const { addresses } = generated;
  const registry = MemberRegistry__factory.createInterface();
  const currency = SettlementToken__factory.createInterface();
  const financing = Financing__factory.createInterface();
  const settlement = Settlement__factory.createInterface();
  const latest = await hre.ethers.provider.getBlock("latest");
  if (latest === null) throw new Error("no latest block");
  const kyc = BigInt(latest.timestamp) + 5n * 365n * DAY;
  const batch = new Batcher(100);
  await send("evm_setAutomine", [false]);
  try {
    await batch.queue(
      operator.address,
      addresses.registry,
      registry.encodeFunctionData("admit", [id("BENCH-BANK"), bank.address, roleMask(Role.FACTOR), kyc]),
    );
    await batch.queue(
      operator.address,
      addresses.registry,
      registry.encodeFunctionData("admit", [id("BENCH-VERIFIER"), verifier.address, roleMask(Role.VERIFIER), kyc]),
    );
    await batch.queue(operator.address, addresses.settlementToken, currency.encodeFunctionData("setIssuer", [bank.address, true]));
    await batch.flush();
    await batch.queue(bank.address, addresses.settlementToken, currency.encodeFunctionData("issue", [bank.address, 1n << 60n]));
    await batch.queue(bank.address, addresses.settlementToken, currency.encodeFunctionData("approve", [addresses.financing, MaxUint256]));
    await batch.queue(bank.address, addresses.settlementToken, currency.encodeFunctionData("issue", [anchor.address, 1n << 60n]));
    await batch.queue(anchor.address, addresses.settlementToken, currency.encodeFunctionData("approve", [addresses.settlement, MaxUint256]));
    await batch.flush();

    // Fundings of whole pieces of the holder (slot 1 onwards, pieces 2, 3, ...), each with the holder's signed
    // request and the verifier's attestation.
    const { chainId } = await hre.ethers.provider.getNetwork();
    const domain = financingDomain(chainId, addresses.financing);
    const deadline = BigInt(latest.timestamp) + 30n * DAY;
    const perSlot = plan.chain.splitsPerSlot;
    const pieceAt = (index: number): bigint => tokenIdOf(BigInt(Math.floor(index / perSlot) + 1), BigInt((index % perSlot) + 2));
    for (let k = 0; k < plan.fundings; k += 1) {
      const tokenId = pieceAt(k);
      // Whole pieces: generateChain gave the k-th piece of each slot 1,000 + (k mod 7).
      const value = 1_000n + BigInt((k % perSlot) % 7);
      const price = value - 10n;
      const nonce = BigInt(k + 1);
      const request = { tokenId, value, minPrice: price, factor: bank.address, withRecourse: false, deadline, nonce };
      const attestation = {
        tokenId,
        holder: holder.address,
        factor: bank.address,
        value,
        price,
        invoiceHash: id(`bench invoice ${k}`),
        logisticsHash: id(`bench waybill ${k}`),
        tradeProofHash: id(`bench lineage ${k}`),
        withRecourse: false,
        deadline,
        nonce,
      };
      const data = financing.encodeFunctionData("fund", [
        request,
        await signFundingRequest(holder, domain, request),
        attestation,
        [await signFundingAttestation(verifier, domain, attestation)],
      ]);
      await batch.queue(bank.address, addresses.financing, data);
    }
    await batch.flush();

    // Past the holder slots' maturities (30 + s days), before the other receivables'; repay them and claim.
    await send("evm_increaseTime", [Number(30n + BigInt(plan.chain.holderSlots) + 1n) * 86_400]);
    for (let s = 1; s <= plan.chain.holderSlots; s += 1) {
      await batch.queue(anchor.address, addresses.settlement, settlement.encodeFunctionData("repay", [BigInt(s), 1_000_000_000n]));
    }
    await batch.flush();
    const ids: bigint[] = [];
    for (let k = plan.fundings; k < plan.fundings + plan.claims; k += 1) ids.push(pieceAt(k));
    for (let start = 0; start < ids.length; start += 50) {
      await batch.queue(holder.address, addresses.settlement, settlement.encodeFunctionData("claimMany", [ids.slice(start, start + 50)]), 8_000_000);
      if (start % 2_000 === 0) await batch.flush();
    }
    await batch.flush();
  } finally {
    await send("evm_setAutomine", [true]);
  }
  return batch.sent;
}

interface ChildRun {
  status: number;
  seconds: number;
  output: string;
  /** CPU seconds of the child process itself (user + system), and of this process (the node serving it) meanwhile. */
  cpuSeconds: number;
  nodeCpuSeconds: number;
}

/** Preloaded in each child (written into the work folder): writes its CPU time (user + system, µs) at exit. */
const CPU_AT_EXIT =
  'process.on("exit", () => { const u = process.cpuUsage(); require("node:fs").writeFileSync(process.env.CHAINBILL_BENCH_CPU_FILE, String(u.user + u.system)); });\n';

/**
 * Runs node in a process of its own with tsx's loader, as `npm run audit` runs the audit (the bare fetch gets the
 * same loader, so both pay the same start-up); wall time from start to exit, and CPU time.
 */
function runChild(args: string[], work: string): Promise<ChildRun> {
  const cpuFile = path.join(work, `cpu-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  const preload = path.join(work, "cpu-at-exit.cjs");
  writeFileSync(preload, CPU_AT_EXIT);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const nodeCpu = process.cpuUsage();
    const child = spawn(process.execPath, ["-r", preload, "-r", "tsx/cjs", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, CHAINBILL_BENCH_CPU_FILE: cpuFile },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 900_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      const node = process.cpuUsage(nodeCpu);
      let cpuSeconds = Number.NaN;
      try {
        cpuSeconds = Number(readFileSync(cpuFile, "utf8")) / 1e6;
      } catch {
        // The child died before its exit handler ran: its CPU time is unknown.
      }
      resolve({ status: code ?? -1, seconds, output, cpuSeconds, nodeCpuSeconds: (node.user + node.system) / 1e6 });
    });
  });
}

async function main(): Promise<void> {
  const events = Number(process.env.CHAINBILL_BENCH_AUDIT_EVENTS ?? "100000");
  if (!Number.isSafeInteger(events) || events < 1_000 || events > 1_000_000)
    throw new Error("CHAINBILL_BENCH_AUDIT_EVENTS must be between 1,000 and 1,000,000");
  const plan = planFor(events);
  console.log(
    `generating ~${events.toLocaleString("en-US")} events: ${plan.chain.holderSlots * plan.chain.splitsPerSlot} splits, ${plan.chain.extraConfirmations + plan.chain.holderSlots + 1} confirmations, ` +
      `a ${plan.chain.lineageDepth}-tier lineage, ${plan.fundings} fundings, ${plan.chain.holderSlots} repayments, ${plan.claims} claims…`,
  );
  const generationStarted = Date.now();
  const generated = await generateChain(plan.chain);
  const settlementTransactions = await settle(generated, plan);
  console.log(
    `generated ${generated.transactions + settlementTransactions} transactions in ${((Date.now() - generationStarted) / 1000).toFixed(1)} s`,
  );

  console.log(
    `node: Hardhat EDR in this process, allocator large OS pages ${process.env.MIMALLOC_ALLOW_LARGE_OS_PAGES === "0" ? "off (as npm run bench:audit sets)" : "ON: view reads cost the node 2-3 times more; run it through npm run bench:audit"}`,
  );
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await server.listen();
  const rpc = `http://127.0.0.1:${port}`;
  const work = mkdtempSync(path.join(tmpdir(), "chainbill-bench-audit-"));
  try {
    const { chainId } = await hre.ethers.provider.getNetwork();
    const recordFile = path.join(work, "deployment-record.json");
    writeDeploymentRecord(recordFile, { chainId: chainId.toString(), deploymentBlock: generated.deploymentBlock, contracts: generated.addresses });

    // Baseline: the same logs fetched over the same endpoint by a process of its own, nothing else.
    const fetchRun = await runChild(
      [
        "-e",
        `require("./src/audit/chain").fetchLogs(require("./src/audit/chain").httpSender(${JSON.stringify(rpc)}), ${JSON.stringify(Object.values(generated.addresses))}, ${generated.deploymentBlock}, ${await hre.ethers.provider.getBlockNumber()}).then((logs) => console.log(logs.length))`,
      ],
      work,
    );
    if (fetchRun.status !== 0) throw new Error(`the baseline fetch exited with ${fetchRun.status}`);
    const fetchSeconds = fetchRun.seconds;
    const fetchedLogs = Number(fetchRun.output.trim());

    const run = await runChild([path.join("scripts", "audit.ts"), "--rpc", rpc, "--contracts", recordFile, "--out", path.join(work, "report")], work);
    process.stdout.write(
      run.output
        .split("\n")
        .map((line) => `  | ${line}`)
        .join("\n"),
    );
    if (run.status !== 0) throw new Error(`the audit exited with ${run.status}: a clean generated history must audit clean`);
    const report = JSON.parse(readFileSync(path.join(work, "report", "report.json"), "utf8")) as {
      totals: { events: number };
      timingsMs: Record<string, number>;
    };
    const replayed = report.totals.events;
    const replayMs = report.timingsMs.replay ?? 0;
    console.log("");
    console.log(
      `events replayed           ${replayed.toLocaleString("en-US")} (${fetchedLogs.toLocaleString("en-US")} logs fetched by the baseline)`,
    );
    console.log(`baseline: bare log fetch  ${fetchSeconds.toFixed(1)} s wall, in a process of its own (process start to exit)`);
    console.log(
      `audit, all checks         ${run.seconds.toFixed(1)} s wall (process start to exit) = ${(run.seconds / fetchSeconds).toFixed(1)} × the bare fetch`,
    );
    const fetchCpu = fetchRun.cpuSeconds + fetchRun.nodeCpuSeconds;
    const auditCpu = run.cpuSeconds + run.nodeCpuSeconds;
    console.log(
      `CPU (2 shared cores)      bare fetch ${fetchRun.cpuSeconds.toFixed(1)} s + node ${fetchRun.nodeCpuSeconds.toFixed(1)} s; audit ${run.cpuSeconds.toFixed(1)} s + node ${run.nodeCpuSeconds.toFixed(1)} s = ${(auditCpu / fetchCpu).toFixed(1)} × the bare fetch's`,
    );
    console.log(
      `  phases (ms)             ${Object.entries(report.timingsMs)
        .map(([phase, ms]) => `${phase} ${ms}`)
        .join(", ")}`,
    );
    console.log(
      `replay rate               ${Math.round(replayed / (replayMs / 1000)).toLocaleString("en-US")} events/s in the replay itself; ${Math.round(replayed / run.seconds).toLocaleString("en-US")} events/s end to end`,
    );
    console.log(
      `target                    ${replayed.toLocaleString("en-US")} events in < ${TARGET_SECONDS} s: ${run.seconds < TARGET_SECONDS ? "MET" : "MISSED"}`,
    );
    console.log(
      `target (issue 20)         100,000 events in < 10 s and <= 3 × the bare fetch: ${run.seconds / fetchSeconds <= 3 ? "ratio met" : "ratio MISSED"}, ${replayed >= 100_000 && run.seconds < 10 ? "time met" : replayed >= 100_000 ? "time MISSED" : "time not measured at this size"}`,
    );
    if (run.seconds >= TARGET_SECONDS) process.exitCode = 1;
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
