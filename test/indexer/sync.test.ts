import { expect } from "chai";
import hre from "hardhat";
import fc from "fast-check";
import { Interface } from "ethers";
import { EventDecodeError, createEventDecoder, decodeEvent } from "../../src/chain/events";
import type { ChainbillEvent, ContractName, RawLog } from "../../src/chain/events";
import { IndexConfigMismatchError, startIndexer } from "../../src/indexer/indexer";
import { openIndexDb } from "../../src/indexer/store";
import { RpcError, classifyRpcError, providerTransport } from "../../src/chain/rpc";
import type { Eip1193Provider, RpcTransport } from "../../src/chain/rpc";
import { RangeSizer } from "../../src/indexer/sync";
import {
  INDEX_FORMAT,
  checkpointOf,
  codecs,
  decodeHistoryRow,
  encodeHistoryEntry,
  encodeHistoryRow,
  genericCodecs,
  keys,
} from "../../src/indexer/schema";
import type { HoldingRow, SlotRecord, TokenRecord } from "../../src/indexer/schema";
import {
  Financing__factory,
  MemberRegistry__factory,
  ReceivableToken__factory,
  SettlementToken__factory,
  Settlement__factory,
} from "../../typechain-types";
import { sequenceArbitrary } from "../invariants/receivable.model";
import { createSequenceWorld } from "./helpers/sequences";
import type { SequenceWorld } from "./helpers/sequences";
import { expectSameRecords, removeDir, replayFromScratch, tempDir } from "./helpers/compare";

/**
 * Fetching and decoding: the fast static decoder agrees with ethers on every log of varied histories; a node that
 * refuses large ranges and fails now and then still yields the same index; a fatal answer stops the indexer with a
 * typed error.
 */

const FAST_RETRY = { retries: 6, baseDelayMs: 1, maxDelayMs: 5 };

describe("Indexer sync and event decoding", function () {
  let world: SequenceWorld;
  let baseline: string;
  const provider = hre.network.provider as unknown as Eip1193Provider;

  before(async function () {
    baseline = (await hre.network.provider.send("evm_snapshot", [])) as string;
    world = await createSequenceWorld();
    // A few sequences on top of each other's end state would not fit the model; one long history is enough here.
    // The seed picks one whose history has at least 12 kinds of event (checked below); a new kind of step may change it.
    const [ops] = fc.sample(sequenceArbitrary(world.layout), { numRuns: 1, seed: 1 });
    await world.run(ops);
  });

  after(async function () {
    await hre.network.provider.send("evm_revert", [baseline]);
  });

  async function allLogs(): Promise<RawLog[]> {
    const decoder = createEventDecoder(world.addresses);
    const answer = (await hre.network.provider.send("eth_getLogs", [
      { fromBlock: `0x${world.deploymentBlock.toString(16)}`, toBlock: "latest", address: [...decoder.addresses] },
    ])) as Array<Record<string, string>>;
    return answer.map((log) => ({
      address: log.address,
      topics: log.topics as unknown as string[],
      data: log.data,
      blockNumber: Number(log.blockNumber),
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      transactionIndex: Number(log.transactionIndex),
      logIndex: Number(log.logIndex),
    }));
  }

  function normalise(value: unknown): unknown {
    if (typeof value === "string") return value.toLowerCase();
    if (typeof value === "number") return BigInt(value);
    if (Array.isArray(value)) return value.map(normalise);
    if (typeof value === "object" && value !== null) return Object.values(value).map(normalise);
    return value;
  }

  it("decodes every log exactly as ethers' ABI decoder does", async function () {
    const interfaces: Record<ContractName, Interface> = {
      registry: new Interface(MemberRegistry__factory.abi),
      token: new Interface(ReceivableToken__factory.abi),
      currency: new Interface(SettlementToken__factory.abi),
      settlement: new Interface(Settlement__factory.abi),
      financing: new Interface(Financing__factory.abi),
    };
    const decoder = createEventDecoder(world.addresses);
    const names = new Set<string>();
    const logs = await allLogs();
    for (const log of logs) {
      const contract = decoder.contractAt(log.address);
      if (contract === undefined) throw new Error("log of another contract");
      const ours: ChainbillEvent = decodeEvent(contract, log);
      const theirs = interfaces[contract].parseLog({ topics: [...log.topics], data: log.data });
      expect(theirs?.name).to.equal(ours.name);
      const fields = Object.entries(ours).filter(([key]) => key !== "contract" && key !== "name");
      const expected = (theirs?.args.toArray(true) ?? []).map(normalise);
      expect(
        fields.map(([, value]) => normalise(value)),
        `${contract}.${ours.name}`,
      ).to.deep.equal(expected);
      names.add(`${contract}.${ours.name}`);
    }
    expect(names.size).to.be.at.least(12, [...names].join(", "));
  });

  it("stores a piece's history logs compactly and gives them back exactly", async function () {
    const decoder = createEventDecoder(world.addresses);
    const logs = await allLogs();
    const word = fc.oneof(
      fc.constant("0".repeat(64)),
      fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map((value) => value.toString(16).padStart(64, "0")),
    );
    const generated = fc.sample(
      fc.record({
        contract: fc.constantFrom<ContractName>("registry", "token", "currency", "settlement", "financing"),
        topic0: fc.oneof(fc.constant(undefined), word),
        topics: fc.array(word, { maxLength: 3 }),
        data: fc.array(word, { maxLength: 12 }),
      }),
      200,
    );
    const samples = [
      ...logs.map((log) => ({ contract: decoder.contractAt(log.address) as ContractName, log })),
      ...generated.map(({ contract, topic0, topics, data }, index) => ({
        contract,
        log: {
          ...logs[index % logs.length],
          address: world.addresses[contract === "token" ? "receivableToken" : contract === "currency" ? "settlementToken" : contract].toLowerCase(),
          topics: topic0 === undefined ? [] : [`0x${topic0}`, ...topics.map((topic) => `0x${topic}`)],
          data: `0x${data.join("")}`,
        },
      })),
    ];
    const addresses = decoder.addresses;
    // Rows of one to four logs (a row holds one transaction's logs about a piece), each log back exactly.
    for (let start = 0; start < samples.length; start += 1 + (start % 4)) {
      const rowSamples = samples.slice(start, start + 1 + (start % 4));
      const first = rowSamples[0].log;
      const expected = rowSamples.map(({ contract, log }, index) => ({
        ...log,
        blockNumber: first.blockNumber,
        transactionIndex: first.transactionIndex,
        transactionHash: first.transactionHash,
        logIndex: first.logIndex + index,
        contract,
      }));
      const stored = encodeHistoryRow(
        first.transactionHash,
        expected.map((log) => encodeHistoryEntry(log.contract, log)),
      );
      const back = decodeHistoryRow(checkpointOf(first.blockNumber, first.transactionIndex, first.logIndex), stored, addresses);
      expect(
        back.map((log, index) => ({ ...log, blockHash: expected[index].blockHash })),
        stored,
      ).to.deep.equal(expected);
    }
    expect(() => decodeHistoryRow("000000000001.000000.000002", "feed", addresses)).to.throw(/has no logs/);
    // Known topics are stored by number, and zero padding is left out.
    const confirmed = logs.find((log) => log.topics.length === 4);
    if (confirmed === undefined) throw new Error("no log with three indexed arguments");
    const contract = decoder.contractAt(confirmed.address) as ContractName;
    expect(encodeHistoryEntry(contract, confirmed).length).to.be.below(confirmed.topics.join().length + confirmed.data.length);
    expect(encodeHistoryEntry(contract, confirmed)).to.not.include(confirmed.topics[0].slice(2));
  });

  it("writes pieces, receivables and holdings with its template encoders exactly as the generic JSON encoder does", function () {
    const amount = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
    const count = fc.integer({ min: 0, max: 2 ** 32 });
    // Any text, quotes and non-ASCII included, where an address or hash is expected: the encoders must not care.
    const text = fc.oneof(fc.string(), fc.constant('a"b\\c\u00e9'));
    const token = fc.record<TokenRecord>({
      tokenId: amount,
      slot: amount,
      owner: text,
      value: amount,
      parent: fc.option(amount, { nil: null }),
      status: fc.constantFrom("live", "burned", "redeemed"),
      received: amount,
      tradeProof: fc.option(fc.record({ invoiceFingerprint: text, invoiceHash: text, logisticsHash: text }), { nil: null }),
      createdAtBlock: count,
      updatedAtBlock: count,
    });
    const slot = fc.record<SlotRecord>({
      slot: amount,
      anchorId: count,
      anchor: text,
      supplierId: count,
      supplier: text,
      faceValue: amount,
      maturity: amount,
      currency: text,
      invoiceHash: text,
      logisticsHash: text,
      invoiceFingerprint: text,
      pieceCount: count,
      liveCount: count,
      repaid: amount,
      claimed: amount,
      redeemedValue: amount,
      fundedValue: amount,
      fundingCount: count,
      overdueFlagged: fc.boolean(),
      overdueCured: fc.boolean(),
      confirmedAtBlock: count,
      updatedAtBlock: count,
    });
    const holding = fc.record<HoldingRow>({ tokenId: amount, slot: amount, value: amount, anchorId: count, maturity: amount });
    fc.assert(
      fc.property(token, slot, holding, (t, r, h) => {
        expect(codecs.token.encode(t)).to.equal(genericCodecs.token.encode(t));
        expect(codecs.slot.encode(r)).to.equal(genericCodecs.slot.encode(r));
        expect(codecs.holding.encode(h)).to.equal(genericCodecs.holding.encode(h));
        expect(codecs.token.decode(codecs.token.encode(t))).to.deep.equal(t);
        expect(codecs.slot.decode(codecs.slot.encode(r))).to.deep.equal(r);
        expect(codecs.holding.decode(codecs.holding.encode(h))).to.deep.equal(h);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a log that fits no event, naming the topic and its position", function () {
    const log: RawLog = {
      address: world.addresses.registry,
      topics: [`0x${"ab".repeat(32)}`],
      data: "0x",
      blockNumber: 5,
      blockHash: "0x",
      transactionHash: "0xfeed",
      transactionIndex: 0,
      logIndex: 3,
    };
    expect(() => decodeEvent("registry", log)).to.throw(EventDecodeError, /unknown event topic 0xabab.*block 5, tx 0xfeed, log 3/);
    const suspended = new Interface(MemberRegistry__factory.abi).getEvent("MemberSuspended")?.topicHash ?? "";
    expect(() => decodeEvent("registry", { ...log, topics: [suspended] })).to.throw(EventDecodeError, /0 indexed arguments, expected 1/);
  });

  it("sorts node errors into retryable, range too large and fatal", function () {
    expect(classifyRpcError(-32005, "limit exceeded")).to.equal("rangeTooLarge");
    expect(classifyRpcError(-32000, "query returned more than 10000 results")).to.equal("rangeTooLarge");
    expect(classifyRpcError(-32601, "the method eth_foo does not exist")).to.equal("fatal");
    expect(classifyRpcError(-32603, "internal error")).to.equal("retryable");
    expect(classifyRpcError(undefined, "socket hang up")).to.equal("retryable");
    expect(classifyRpcError(3, "execution reverted")).to.equal("fatal");
    expect(classifyRpcError(-32603, "Error: VM Exception while processing transaction: reverted with custom error 'X()'")).to.equal("fatal");
  });

  it("sizes log ranges towards the target and halves them when refused", function () {
    const sizer = new RangeSizer({ initialBlocks: 10, maxBlocks: 1_000, targetLogs: 100 });
    sizer.answered(10, 0);
    expect(sizer.blocks).to.equal(40);
    sizer.answered(40, 400);
    expect(sizer.blocks).to.equal(20);
    sizer.refused(20);
    expect(sizer.blocks).to.equal(10);
    sizer.answered(10, 50);
    expect(sizer.blocks).to.equal(20);
  });

  it("indexes the same through a node that refuses ranges over 3 blocks and fails every third call", async function () {
    const inner = providerTransport(provider);
    let calls = 0;
    let refused = 0;
    let failed = 0;
    const flaky: RpcTransport = {
      async request(method, params) {
        calls += 1;
        if (calls % 3 === 0) {
          failed += 1;
          throw new RpcError(`${method}: connection reset (injected)`, "retryable");
        }
        if (method === "eth_getLogs") {
          const [filter] = params as Array<{ fromBlock: string; toBlock: string }>;
          if (Number(filter.toBlock) - Number(filter.fromBlock) + 1 > 3) {
            refused += 1;
            throw new RpcError("eth_getLogs: query returned more than 10000 results (injected)", "rangeTooLarge", -32005);
          }
        }
        return inner.request(method, params);
      },
    };
    const expected = await replayFromScratch({ provider, addresses: world.addresses, startBlock: world.deploymentBlock });
    const dir = tempDir("flaky");
    try {
      const indexer = await startIndexer({
        transport: flaky,
        dbPath: dir,
        addresses: world.addresses,
        startBlock: world.deploymentBlock,
        exitAtHead: true,
        retry: FAST_RETRY,
        reorgWindow: 8,
        pollIntervalMs: 5,
      });
      await indexer.done;
      const { createIndexReader } = await import("../../src/indexer/queries");
      const { openIndexDb } = await import("../../src/indexer/store");
      const db = await openIndexDb(dir);
      try {
        expectSameRecords(await createIndexReader(db, { confirmations: 0 }).derivedRecords(), expected, "through a flaky node");
      } finally {
        await db.close();
      }
    } finally {
      removeDir(dir);
    }
    expect(refused).to.be.greaterThan(0);
    expect(failed).to.be.greaterThan(0);
  });

  it("refuses an index written in another format, and one of another deployment, and leaves it as it was", async function () {
    const dir = tempDir("format");
    try {
      const options = { provider, dbPath: dir, addresses: world.addresses, startBlock: world.deploymentBlock, exitAtHead: true, pollIntervalMs: 10 };
      const indexer = await startIndexer(options);
      await indexer.done;
      const db = await openIndexDb(dir);
      const config = JSON.parse((await db.get(keys.config)) ?? "{}") as Record<string, unknown>;
      expect(config.format).to.equal(INDEX_FORMAT);
      // As an indexer before the format was recorded wrote it.
      const { format: _format, ...older } = config;
      await db.put(keys.config, JSON.stringify(older));
      await db.close();
      await expect(startIndexer(options)).to.be.rejectedWith(
        IndexConfigMismatchError,
        new RegExp(`another format \\(1, this one writes ${INDEX_FORMAT}\\): delete it and index again`),
      );
      await expect(startIndexer({ ...options, startBlock: world.deploymentBlock + 1 })).to.be.rejectedWith(IndexConfigMismatchError);
      const after = await openIndexDb(dir);
      expect(JSON.parse((await after.get(keys.config)) ?? "{}")).to.deep.equal(older);
      await after.close();
    } finally {
      removeDir(dir);
    }
  });

  it("stops with a fatal RpcError when the node does not know a method", async function () {
    const broken: RpcTransport = {
      request(method) {
        return Promise.reject(new RpcError(`${method}: the method does not exist`, classifyRpcError(-32601, "does not exist"), -32601));
      },
    };
    const dir = tempDir("fatal");
    try {
      let failure: unknown;
      await startIndexer({ transport: broken, dbPath: dir, addresses: world.addresses, retry: FAST_RETRY }).catch((error: unknown) => {
        failure = error;
      });
      expect(failure).to.be.instanceOf(RpcError);
      expect((failure as RpcError).kind).to.equal("fatal");
    } finally {
      removeDir(dir);
    }
  });
});
