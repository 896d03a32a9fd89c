import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { REPO_ROOT, buildWeb } from "../../src/server/build";
import { developmentKey, startStack } from "../../src/server/stack";
import type { RunningStack } from "../../src/server/stack";
import type { CastKey } from "../../src/demo/cast";
import { DEMO_CAST } from "../../src/demo/cast";
import { injectWallet } from "./wallet";
import type { TestWallet } from "./wallet";

/**
 * What every browser test file shares: the stack `npm start` runs (in-process chain, seeded demo consortium, indexer,
 * API and the built dApp) on free loopback ports, Debian's chromium, a signed-in page per cast member with the
 * injected test wallet, and screenshots under test-artifacts/web/ named after the file. The hooks stop everything
 * even when a test fails, keep a screenshot of every open page of a failed test, and, when asked, give the next test
 * file the chain as it was (a file that moves the clock or pauses the network).
 */

export const ARTIFACTS = path.join(REPO_ROOT, "test-artifacts/web");
export const CHROMIUM = process.env.CHAINBILL_CHROMIUM ?? "/usr/bin/chromium";
export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 900 };

/** The development key of a cast member. */
export function castKey(key: CastKey): string {
  const member = DEMO_CAST.find((entry) => entry.key === key);
  if (member === undefined) throw new Error(`no cast member ${key}`);
  return developmentKey(member.accountIndex);
}

export interface SignedInPage {
  page: Page;
  wallet: TestWallet;
}

export interface BrowserStack {
  /** The running stack (throws before the `before` hook has started it). */
  readonly stack: RunningStack;
  readonly browser: Browser;
  /** A fresh browser context, closed by the `after` hook. */
  newContext(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  /** A page signed in as `key` through the injected wallet. */
  signIn(key: CastKey, viewport?: { width: number; height: number }): Promise<SignedInPage>;
  /** A page signed in with a development key through the injected wallet. */
  signInWithKey(privateKey: string, viewport?: { width: number; height: number }): Promise<SignedInPage>;
  /** A full-page screenshot, `<prefix>-<name>.png`. */
  screenshot(page: Page, name: string): Promise<void>;
}

export interface BrowserStackOptions {
  /** Screenshot names start with it. */
  prefix: string;
  /** Revert the chain to how it was before the file (evm_snapshot / evm_revert). */
  restoreChain: boolean;
  /** Remove the file's own screenshots of an earlier run first. */
  clearScreenshots?: boolean;
  /** Seed the demo consortium (default true); false starts with the operator as the only member. */
  seed?: boolean;
  /** Write the stack's deployment record under this directory (as `npm start` does under deploy/deployments). */
  deploymentsDir?: string;
}

/** Registers the file's hooks in the current `describe` and answers what its tests use. */
export function useBrowserStack(options: BrowserStackOptions): BrowserStack {
  let stack: RunningStack | undefined;
  let browser: Browser | undefined;
  let snapshot: string | undefined;
  const contexts: BrowserContext[] = [];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `chainbill-${options.prefix}-`));

  before(async function () {
    this.timeout(600_000);
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: run scripts/ensure-test-deps.sh`);
    if (options.restoreChain) snapshot = (await hre.network.provider.request({ method: "evm_snapshot" })) as string;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    if (options.clearScreenshots === true) {
      for (const file of fs.readdirSync(ARTIFACTS))
        if (file.startsWith(`${options.prefix}-`) && file.endsWith(".png")) fs.rmSync(path.join(ARTIFACTS, file));
    }
    const webRoot = path.join(workDir, "web");
    await buildWeb(webRoot);
    stack = await startStack({
      chain: { kind: "in-process", hre, rpcPort: 0 },
      host: "127.0.0.1",
      port: 0,
      dataDir: path.join(workDir, "data"),
      webRoot,
      checkAnswers: true,
      seed: options.seed,
      deploymentsDir: options.deploymentsDir,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    for (const [index, context] of contexts.entries()) {
      for (const page of context.pages()) {
        await page.screenshot({ path: path.join(ARTIFACTS, `${options.prefix}-failed-${index}.png`), fullPage: true }).catch(() => undefined);
      }
    }
  });

  after(async function () {
    this.timeout(120_000);
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.stop();
    if (snapshot !== undefined) await hre.network.provider.request({ method: "evm_revert", params: [snapshot] });
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const started = (): { stack: RunningStack; browser: Browser } => {
    if (stack === undefined || browser === undefined) throw new Error("the browser stack is not started");
    return { stack, browser };
  };
  const newContext = async (viewport = DESKTOP): Promise<BrowserContext> => {
    const context = await started().browser.newContext({ viewport, acceptDownloads: true });
    contexts.push(context);
    return context;
  };
  return {
    get stack() {
      return started().stack;
    },
    get browser() {
      return started().browser;
    },
    newContext,
    async signIn(key, viewport = DESKTOP) {
      return this.signInWithKey(castKey(key), viewport);
    },
    async signInWithKey(privateKey, viewport = DESKTOP) {
      const context = await newContext(viewport);
      const wallet = await injectWallet(context, privateKey, hre.network.provider);
      const key = wallet.address;
      const page = await context.newPage();
      page.on("pageerror", (error) => console.error(`[page ${key}] ${error.message}`));
      await page.goto(started().stack.url);
      await page.getByTestId("connect-wallet").click();
      await page.getByTestId("signed-in-as").waitFor();
      return { page, wallet };
    },
    async screenshot(page, name) {
      await page.screenshot({ path: path.join(ARTIFACTS, `${options.prefix}-${name}.png`), fullPage: true });
    },
  };
}
