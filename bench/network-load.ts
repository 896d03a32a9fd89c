/**
 * One phase of `npm run bench:network`, run by it as `hardhat run --network <name> bench/network-load.ts`:
 * deploys the system on that network, gives each of several suppliers a receivable, then has them split 1 fen off
 * their pieces to one another as fast as the network confirms, for a bounded time and count. Writes its figures as
 * JSON to $CHAINBILL_BENCH_OUT. The same code runs against Hardhat's in-process network and the geth network.
 *
 * Latency under that load includes queueing; a second, idle measurement sends CHAINBILL_BENCH_PROBES splits (default
 * 20) one at a time, each after the previous one landed.
 *
 * Environment: CHAINBILL_BENCH_SECONDS (default 60), CHAINBILL_BENCH_SENDERS (default 8),
 * CHAINBILL_BENCH_WINDOW (transactions in flight per sender, default 100), CHAINBILL_BENCH_MAX_SPLITS (default 50000),
 * CHAINBILL_BENCH_PROBES (default 20), CHAINBILL_BENCH_SEND_URLS (comma-separated JSON-RPC URLs the senders send
 * to, sender i to URL i mod n, instead of the network's own provider), CHAINBILL_BENCH_BATCH (transactions a sender
 * sends in one JSON-RPC batch request, default 1; with SEND_URLS only).
 */
import fs from "node:fs";
import hre from "hardhat";
import { HDNodeWallet, Wallet, id } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import { deployChainbill } from "../deploy/system";
import { Role, roleMask } from "../src/chain/roles";
import { signInvoiceUse } from "../src/proofs/invoiceUse";
import { AccountSender, InclusionWatcher, generatorSigning, generatorSigningRate, httpRpc, percentile } from "../src/network/load";
import type { BlockFill, RpcBatch, RpcCall, SendOutcome } from "../src/network/load";

export interface LoadFigures {
  network: string;
  client: string;
  seconds: number;
  senders: number;
  window: number;
  sent: number;
  notSent: number;
  /** Included in a block by the end of the drain. */
  included: number;
  /** Splits that took effect, read back from the pieces' balances. */
  confirmedSplits: number;
  /** Confirmed splits per second, from the first send to the last inclusion; one decimal. */
  splitsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  /** Send-to-block latency of single splits sent one at a time on an otherwise idle network. */
  idleLatencyMs: { p50: number; p99: number };
  /** Blocks seen during the run that the chain later replaced (Clique reorganisations). */
  reorgedBlocks: number;
  /** Transactions the generator signed ahead of the timed load, per sender. */
  presignedPerSender: number;
  /** The generator's own signing rate (build, sign, serialise; one thread): the bound on what it can offer. */
  generatorSignaturesPerSecond: number;
  /** Transactions signed while the timed load ran (when the ones signed ahead ran out). */
  signedDuringLoad: number;
  /** Where the senders sent: "provider" (the network's own) or the URLs, and how many transactions per request. */
  sentTo: string;
  batch: number;
  /** The blocks from the first to the last that held a split of the load. */
  blocks: BlockFigures;
}

export interface BlockFigures {
  count: number;
  /** Mean seconds between them, from their timestamps. */
  meanIntervalSeconds: number;
  meanSplits: number;
  maxSplits: number;
  /** Mean gas used over gas limit, 0 … 1. */
  meanGasFill: number;
  gasLimit: string;
}

function blockFigures(blocks: readonly BlockFill[]): BlockFigures {
  const first = blocks.findIndex((block) => block.watched > 0);
  const last = blocks.length - 1 - [...blocks].reverse().findIndex((block) => block.watched > 0);
  const load = first < 0 ? [] : blocks.slice(first, last + 1);
  const count = load.length;
  const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    count,
    meanIntervalSeconds: count > 1 ? round((load[count - 1].timestamp - load[0].timestamp) / (count - 1), 2) : 0,
    meanSplits: count > 0 ? round(load.reduce((sum, block) => sum + block.watched, 0) / count, 1) : 0,
    maxSplits: load.reduce((most, block) => Math.max(most, block.watched), 0),
    meanGasFill: count > 0 ? round(load.reduce((sum, block) => sum + Number(block.gasUsed) / Number(block.gasLimit), 0) / count, 3) : 0,
    gasLimit: count > 0 ? load[count - 1].gasLimit.toString() : "",
  };
}

const YEAR = 365n * 86_400n;
const FACE_VALUE = 1_000_000_000_000n; // 10,000,000,000.00 CNY: never runs out at 1 fen a split
const DRAIN_MS = 30_000;

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new Error(`${name} must be a positive whole number, not "${text}"`);
  return Number(text);
}

/** The private keys behind the network's configured accounts (a key list, or Hardhat's mnemonic). */
function configuredKeys(): string[] {
  const accounts: unknown = hre.network.config.accounts;
  if (Array.isArray(accounts)) {
    return accounts.map((account: unknown) => (typeof account === "string" ? account : (account as { privateKey: string }).privateKey));
  }
  if (typeof accounts === "object" && accounts !== null && "mnemonic" in accounts) {
    const hd = accounts as { mnemonic: string; passphrase?: string; path: string; initialIndex: number; count: number };
    return Array.from(
      { length: hd.count },
      (_, index) => HDNodeWallet.fromPhrase(hd.mnemonic, hd.passphrase, `${hd.path}/${hd.initialIndex + index}`).privateKey,
    );
  }
  throw new Error(`network ${hre.network.name} has no local accounts to sign with`);
}

async function settled(responses: ContractTransactionResponse[]): Promise<void> {
  for (const response of responses) await response.wait();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const seconds = positiveInteger("CHAINBILL_BENCH_SECONDS", 60);
  const senderCount = positiveInteger("CHAINBILL_BENCH_SENDERS", 8);
  // More in flight fills blocks past what this machine's validators execute in a block period; see network/README.md.
  const window = positiveInteger("CHAINBILL_BENCH_WINDOW", 100);
  const maxSplits = positiveInteger("CHAINBILL_BENCH_MAX_SPLITS", 50_000);
  const probes = positiveInteger("CHAINBILL_BENCH_PROBES", 20);
  const batchSize = positiveInteger("CHAINBILL_BENCH_BATCH", 1);
  const sendUrls = (process.env.CHAINBILL_BENCH_SEND_URLS ?? "").split(",").filter((url) => url !== "");
  if (batchSize > 1 && sendUrls.length === 0) throw new Error("CHAINBILL_BENCH_BATCH needs CHAINBILL_BENCH_SEND_URLS (batches go over HTTP)");
  const out = process.env.CHAINBILL_BENCH_OUT;
  if (out === undefined || out === "") throw new Error("CHAINBILL_BENCH_OUT must name the file for the figures");

  const rpc: RpcCall = (method, params) => hre.network.provider.request({ method, params });
  const client = String(await rpc("web3_clientVersion", [])).split("/")[0];
  const keys = configuredKeys();
  const signers = await hre.ethers.getSigners();
  if (signers.length < senderCount + 2 || keys.length < senderCount + 2)
    throw new Error(`need ${senderCount + 2} accounts, the network has ${signers.length}`);
  const [operator, anchor] = signers;
  const suppliers = signers.slice(2, 2 + senderCount);

  const { registry, receivableToken } = await deployChainbill(operator);
  const latest = await hre.ethers.provider.getBlock("latest");
  if (latest === null) throw new Error("no latest block");
  const kycValidUntil = BigInt(latest.timestamp) + 2n * YEAR;
  const members: Array<[string, Role]> = [
    [anchor.address, Role.ANCHOR],
    ...suppliers.map((supplier): [string, Role] => [supplier.address, Role.SUPPLIER]),
  ];
  const admissions: ContractTransactionResponse[] = [];
  for (const [address, role] of members) admissions.push(await registry.admit(id(`BENCH-${address}`), address, roleMask(role), kycValidUntil));
  await settled(admissions);
  // No anchor confirms without a credit line: the bench's anchor gets the largest the chain keeps.
  await settled([await receivableToken.setCreditLine(await registry.memberIdOf(anchor.address), (1n << 64n) - 1n, kycValidUntil)]);

  const confirmations: ContractTransactionResponse[] = [];
  const { chainId } = await hre.ethers.provider.getNetwork();
  const tokenAddress = await receivableToken.getAddress();
  for (const [index, supplier] of suppliers.entries()) {
    const invoiceNumber = `BENCH-${index}`;
    const invoiceHash = id(`bench-invoice-${index}`);
    const sellerConsent = await signInvoiceUse(supplier, chainId, tokenAddress, { invoiceNumber, invoiceHash, buyer: anchor.address });
    confirmations.push(
      await receivableToken.connect(anchor).confirm({
        supplier: supplier.address,
        faceValue: FACE_VALUE,
        maturity: BigInt(latest.timestamp) + YEAR,
        currency: "0x434e59",
        invoiceHash,
        logisticsHash: id(`bench-waybill-${index}`),
        invoiceNumber,
        sellerConsent,
      }),
    );
  }
  const pieces: bigint[] = [];
  for (const response of confirmations) {
    const receipt = await response.wait();
    const confirmed = receipt?.logs.map((log) => receivableToken.interface.parseLog(log)).find((event) => event?.name === "ReceivableConfirmed");
    if (confirmed === undefined || confirmed === null) throw new Error("a confirmation emitted no ReceivableConfirmed");
    pieces.push(confirmed.args.tokenId as bigint);
  }

  const splitData = (index: number): string =>
    receivableToken.interface.encodeFunctionData("transferFrom(uint256,address,uint256)", [
      pieces[index],
      suppliers[(index + 1) % senderCount].address,
      1n,
    ]);
  const estimate = await receivableToken
    .connect(suppliers[0])
    ["transferFrom(uint256,address,uint256)"].estimateGas(pieces[0], suppliers[1].address, 1n);
  const gasLimit = (estimate * 3n) / 2n;
  const endpoints = sendUrls.map(httpRpc);
  const batchOf = (index: number): RpcBatch | undefined => (endpoints.length === 0 ? undefined : endpoints[index % endpoints.length].batch);
  const senders = suppliers.map(
    (_, index) => new AccountSender(new Wallet(keys[2 + index]), endpoints.length === 0 ? rpc : endpoints[index % endpoints.length].call, chainId),
  );
  // Signed ahead, so that the timed load measures the network: one sender's share of the most splits, capped.
  const presignedPerSender = Math.min(Math.ceil(maxSplits / senderCount), positiveInteger("CHAINBILL_BENCH_PRESIGN", 2_000));
  await Promise.all(senders.map((sender, index) => sender.presign({ to: tokenAddress, data: splitData(index), gasLimit }, presignedPerSender)));
  const signedAhead = generatorSigning.signed;

  const watcher = new InclusionWatcher(rpc);
  await watcher.start();
  const sent: Array<{ hash: string; sentAt: number }> = [];
  let notSent = 0;
  const startedAt = performance.now();
  const stopAt = startedAt + seconds * 1000;
  await Promise.all(
    senders.map(async (sender, index) => {
      let inFlight: string[] = [];
      while (performance.now() < stopAt && sent.length + notSent < maxSplits) {
        inFlight = inFlight.filter((hash) => watcher.inclusionTime(hash) === undefined);
        if (inFlight.length >= window) {
          await sleep(5);
          continue;
        }
        const request = { to: tokenAddress, data: splitData(index), gasLimit };
        const batch = batchOf(index);
        const count = Math.min(batchSize, window - inFlight.length, maxSplits - sent.length - notSent);
        const outcomes: SendOutcome[] =
          batch === undefined || count === 1 ? [await sender.send(request)] : await sender.sendBatch(request, count, batch);
        for (const outcome of outcomes) {
          if (outcome.kind === "sent") {
            watcher.watch(outcome.hash);
            sent.push({ hash: outcome.hash, sentAt: outcome.sentAt });
            inFlight.push(outcome.hash);
          } else {
            notSent += 1;
          }
        }
      }
    }),
  );
  const drainUntil = performance.now() + DRAIN_MS;
  while (watcher.includedCount < sent.length && performance.now() < drainUntil) await sleep(50);
  const blocks = blockFigures(watcher.blocks);

  const idleLatencies: number[] = [];
  for (let probe = 0; probe < probes; probe += 1) {
    const outcome = await senders[0].send({ to: tokenAddress, data: splitData(0), gasLimit });
    if (outcome.kind !== "sent") throw new Error(`an idle probe was not sent: ${outcome.reason}`);
    watcher.watch(outcome.hash);
    const giveUp = performance.now() + DRAIN_MS;
    let landed: number | undefined;
    while ((landed = watcher.inclusionTime(outcome.hash)) === undefined && performance.now() < giveUp) await sleep(5);
    if (landed === undefined) throw new Error(`an idle probe was not in a block within ${DRAIN_MS / 1000} s`);
    idleLatencies.push(landed - outcome.sentAt);
  }
  await watcher.stop();

  const latencies: number[] = [];
  let lastInclusion = startedAt;
  for (const { hash, sentAt } of sent) {
    const at = watcher.inclusionTime(hash);
    if (at === undefined) continue;
    latencies.push(at - sentAt);
    lastInclusion = Math.max(lastInclusion, at);
  }
  // What the pieces lost is what the load's splits (and the probes') moved: 1 fen each.
  let confirmedSplits = -BigInt(probes);
  for (const piece of pieces) confirmedSplits += FACE_VALUE - (await receivableToken["balanceOf(uint256)"](piece));
  const elapsedSeconds = (lastInclusion - startedAt) / 1000;
  const figures: LoadFigures = {
    network: hre.network.name,
    client,
    seconds,
    senders: senderCount,
    window,
    sent: sent.length,
    notSent,
    included: latencies.length,
    confirmedSplits: Number(confirmedSplits),
    splitsPerSecond: elapsedSeconds > 0 ? Math.round((Number(confirmedSplits) / elapsedSeconds) * 10) / 10 : 0,
    latencyMs: { p50: Math.round(percentile(latencies, 0.5)), p99: Math.round(percentile(latencies, 0.99)) },
    idleLatencyMs: { p50: Math.round(percentile(idleLatencies, 0.5)), p99: Math.round(percentile(idleLatencies, 0.99)) },
    reorgedBlocks: watcher.reorgedBlocks,
    presignedPerSender,
    generatorSignaturesPerSecond: Math.round(generatorSigningRate()),
    signedDuringLoad: generatorSigning.signed - signedAhead,
    sentTo: sendUrls.length === 0 ? "provider" : sendUrls.join(","),
    batch: batchSize,
    blocks,
  };
  fs.writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(`bench-load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
