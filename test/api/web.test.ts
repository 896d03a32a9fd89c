import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startApi } from "./harness";
import type { ApiHarness } from "./harness";

/**
 * `npm run api -- --web`: the API serves the built dApp and its configuration from the same origin, as `npm start`
 * does, so any deployment can be used in the browser without the start script. The built files here are a stand-in
 * page (building the real bundle is the browser tests' job); what is checked is the serving.
 */
describe("API serving the dApp (npm run api -- --web)", function () {
  let api: ApiHarness | undefined;
  let root: string;

  before(async function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-web-"));
    fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>Chainbill</title><div id=root></div>");
    api = await startApi({ webRoot: root });
  });
  after(async function () {
    await api?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("serves the page, its configuration with the deployment's addresses, and the API on one origin", async function () {
    if (api === undefined) throw new Error("no API");
    const page = await fetch(`${api.url}/`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.contain("<title>Chainbill</title>");
    const config = (await (await fetch(`${api.url}/v1/config`)).json()) as {
      chainId: string;
      addresses: Record<string, string>;
      demoAccounts: unknown[];
    };
    expect(config.chainId).to.equal(api.chainId.toString());
    expect(config.addresses.registry).to.equal(await api.c.registry.getAddress());
    expect(config.demoAccounts).to.deep.equal([]);
    const openapi = await fetch(`${api.url}/openapi.json`);
    expect(openapi.status).to.equal(200);
  });

  it("a server given no built dApp refuses to start, naming the missing file", async function () {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "chainbill-web-empty-"));
    try {
      let failure: unknown;
      await startApi({ webRoot: empty }).then(
        (started) => started.close(),
        (error: unknown) => {
          failure = error;
        },
      );
      expect(String(failure)).to.contain("index.html");
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
