import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Wallet, encryptKeystoreJson, id } from "ethers";
import pino from "pino";
import { financingDomain, signFundingRequest } from "../../src/chain/funding";
import { Role, roleMask } from "../../src/chain/roles";
import { KEY_ENV, KEYSTORE_ENV, KEYSTORE_PASSWORD_ENV, loadVerifierKey } from "../../src/api/keys";
import { REDACTED_PATHS } from "../../src/api/logger";
import { parseApiArgs } from "../../src/api/config";
import type { ApiServerConfig } from "../../src/api/config";

/** The API's configuration from a command line that is not --help. */
function configOf(argv: string[], env: NodeJS.ProcessEnv): ApiServerConfig {
  const config = parseApiArgs(argv, env);
  if (config === null) throw new Error("--help was not asked for");
  return config;
}
import { invoiceProofToWire } from "../../src/proofs/invoice";
import { logisticsProofToWire } from "../../src/proofs/logistics";
import { DAY, YEAR, latestTimestamp } from "../helpers/consortium";
import { confirmDocumented, transferDocumented } from "../helpers/trades";
import { call, signIn, startApi } from "./harness";
import type { Answer } from "./harness";

describe("the verifier key and the server's configuration", () => {
  let directory: string;
  const wallet = Wallet.createRandom();
  const bareKey = wallet.privateKey.slice(2).toLowerCase();

  before(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "chainbill-keys-"));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("loads the key from the environment and removes it from the environment", async () => {
    const env: NodeJS.ProcessEnv = { [KEY_ENV]: wallet.privateKey };
    expect((await loadVerifierKey({}, env)).address).to.equal(wallet.address);
    expect(env).to.not.have.property(KEY_ENV);
  });

  it("loads the key from an encrypted keystore; a wrong password fails without quoting the key", async () => {
    const file = path.join(directory, "verifier.json");
    await writeFile(
      file,
      await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, "correct horse", { scrypt: { N: 1 << 10 } }),
    );
    expect((await loadVerifierKey({ keystorePath: file }, { [KEYSTORE_PASSWORD_ENV]: "correct horse" })).address).to.equal(wallet.address);
    expect((await loadVerifierKey({}, { [KEYSTORE_ENV]: file, [KEYSTORE_PASSWORD_ENV]: "correct horse" })).address).to.equal(wallet.address);
    const wrong = await loadVerifierKey({ keystorePath: file }, { [KEYSTORE_PASSWORD_ENV]: "battery staple" }).catch((error: Error) => error.message);
    expect(wrong).to.match(/cannot decrypt the verifier keystore/u);
    const missingPassword = await loadVerifierKey({ keystorePath: file }, {}).catch((error: Error) => error.message);
    expect(missingPassword).to.contain(KEYSTORE_PASSWORD_ENV);
  });

  it("without a key, or with a malformed one, the error says what to set and never echoes the value", async () => {
    expect(await loadVerifierKey({}, {}).catch((error: Error) => error.message)).to.contain(KEY_ENV);
    const malformed = `0x${bareKey.slice(0, 60)}`;
    const message = await loadVerifierKey({}, { [KEY_ENV]: malformed }).catch((error: Error) => error.message);
    expect(message).to.contain("not a 32-byte hex private key");
    expect(message).to.not.contain(bareKey.slice(0, 60));
  });

  it("reads deployments in its own format and in Ignition's, and refuses anything else", async () => {
    const addresses = {
      registry: wallet.address,
      receivableToken: wallet.address,
      settlementToken: wallet.address,
      settlement: wallet.address,
      financing: wallet.address,
    };
    const own = path.join(directory, "own.json");
    await writeFile(own, JSON.stringify(addresses));
    expect(configOf(["--rpc", "http://127.0.0.1:8545", "--db", "/tmp/db", "--deployment", own], {}).addresses).to.deep.equal(addresses);
    const ignition = path.join(directory, "deployed_addresses.json");
    await writeFile(
      ignition,
      JSON.stringify({
        "Chainbill#MemberRegistry": addresses.registry,
        "Chainbill#ReceivableToken": addresses.receivableToken,
        "Chainbill#SettlementToken": addresses.settlementToken,
        "Chainbill#Settlement": addresses.settlement,
        "Chainbill#Financing": addresses.financing,
      }),
    );
    expect(configOf(["--rpc", "http://127.0.0.1:8545", "--db", "/tmp/db", "--deployment", ignition], {}).addresses).to.deep.equal(addresses);
    const config = configOf(["--rpc", "http://127.0.0.1:8545", "--db", "/tmp/db", "--deployment", ignition, "--port", "9000"], {
      CHAINBILL_API_RATE_IP: "10/5",
    });
    expect(config).to.deep.include({ host: "127.0.0.1", port: 9000, domain: "127.0.0.1:9000", uri: "http://127.0.0.1:9000" });
    expect(config.limits.perIp).to.deep.equal({ burst: 10, perSecond: 5 });
    await writeFile(own, JSON.stringify({ registry: addresses.registry }));
    expect(() => configOf(["--rpc", "http://127.0.0.1:8545", "--db", "/tmp/db", "--deployment", own], {})).to.throw(
      /"receivableToken" is not an address/u,
    );
    expect(() => configOf(["--db", "/tmp/db"], {})).to.throw(/--rpc is required/u);
    expect(config).to.deep.include({ indexDbPath: undefined, requestsDbPath: undefined, confirmations: 0 });
    const indexed = configOf(
      [
        "--rpc",
        "http://127.0.0.1:8545",
        "--db",
        "/tmp/db",
        "--deployment",
        ignition,
        "--index-db",
        "/tmp/index",
        "--confirmations",
        "12",
        "--requests-db",
        "/tmp/requests",
      ],
      {},
    );
    expect(indexed).to.deep.include({ indexDbPath: "/tmp/index", confirmations: 12, requestsDbPath: "/tmp/requests" });
    const shared = ["--rpc", "http://127.0.0.1:8545", "--db", "/tmp/db", "--deployment", ignition, "--index-db", "/tmp/db"];
    expect(() => configOf(shared, {})).to.throw(/must be different directories/u);
    const orphan = ["--rpc", "http://127.0.0.1:8545", "--db", "/tmp/db", "--deployment", ignition, "--confirmations", "3"];
    expect(() => configOf(orphan, {})).to.throw(/give --index-db too/u);
  });

  it("the key signs attestations but never appears in a log line or an HTTP answer", async () => {
    const logLines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const verifierKey = Wallet.createRandom();
    const api = await startApi({ verifierSigner: verifierKey, logger: pino({ level: "trace", redact: REDACTED_PATHS }, sink) });
    const answers: Answer[] = [];
    try {
      const { c } = api;
      await (await c.registry.admit(id("VERIFIER-TWO"), verifierKey.address, roleMask(Role.VERIFIER), (await latestTimestamp()) + YEAR)).wait();
      const root = await confirmDocumented(c, { supplier: c.tier1, faceValue: 30_000_000n });
      const piece = await transferDocumented(c, { fromTokenId: root.tokenId, from: c.tier1, to: c.tier2, value: 10_000_000n });
      for (const [signer, trade] of [
        [c.tier1, root.trade],
        [c.tier2, piece.trade],
      ] as const) {
        const token = await signIn(api.url, signer);
        answers.push(await call(api.url, "POST", "/v1/documents/invoices", { token, json: invoiceProofToWire(trade.invoice) }));
        answers.push(await call(api.url, "POST", "/v1/documents/logistics", { token, json: logisticsProofToWire(trade.logistics) }));
      }
      const request = {
        tokenId: piece.tokenId,
        value: 10_000_000n,
        minPrice: 9_000_000n,
        factor: c.factor.address,
        withRecourse: false,
        deadline: (await latestTimestamp()) + DAY,
        nonce: 5n,
      };
      const holderSignature = await signFundingRequest(c.tier2, financingDomain(api.chainId, await c.financing.getAddress()), request);
      const factor = await signIn(api.url, c.factor);
      const attested = await call(api.url, "POST", `/v1/tokens/${piece.tokenId}/funding-checks`, {
        token: factor,
        json: { request, holderSignature, price: "9500000" },
      });
      expect(attested.status, JSON.stringify(attested.body)).to.equal(200);
      expect((attested.body as { signer: string }).signer).to.equal(verifierKey.address);
      answers.push(attested);
      for (const route of ["/health", "/metrics", "/openapi.json", "/v1/auth/session", "/v1/members", `/v1/tokens/${piece.tokenId}`])
        answers.push(await call(api.url, "GET", route, { token: factor }));
      answers.push(await call(api.url, "POST", `/v1/tokens/${piece.tokenId}/funding-checks`, { token: factor, raw: "{not json" }));
    } finally {
      await api.close();
    }
    const key = verifierKey.privateKey.slice(2).toLowerCase();
    expect(logLines.length).to.be.greaterThan(10);
    expect(logLines.join("\n").toLowerCase()).to.not.contain(key);
    for (const answer of answers) expect(JSON.stringify(answer.body).toLowerCase()).to.not.contain(key);
  });
});
