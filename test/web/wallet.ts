import { Wallet } from "ethers";
import type { BrowserContext, Page } from "playwright-core";
import { keyWallet } from "../../src/web/lib/keyWallet";
import type { Eip1193Provider } from "../../src/web/lib/keyWallet";

/**
 * The browser tests' wallet: an EIP-1193 provider injected into the page as `window.ethereum`, whose every request
 * crosses to this process, where the same key wallet the dApp offers as "demo account" signs with a development key
 * against the local node. `refuseNext` makes the wallet answer the next request of a method with the user's
 * refusal (EIP-1193 code 4001), as a person pressing "Reject" would.
 */

export interface TestWallet {
  /** The account the wallet signs with now. */
  address: string;
  /** Signs with another key from now on (the page is not told: play `accountsChanged` with `emitWalletEvent`). */
  switchTo(privateKey: string): void;
  /** Methods requested so far, in order. */
  requests: string[];
  refuseNext(method: string): void;
  /**
   * Lets the next request of `method` reach the node but keeps its answer from the page until `release`: `reached`
   * settles once the node has it (a transaction sent, say), so a test can reload the page while the page still waits.
   */
  holdAnswer(method: string): { reached: Promise<void>; release(): void };
}

interface Answer {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

function errorAnswer(error: unknown): Answer {
  const record = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; message?: unknown; data?: unknown };
  return {
    error: {
      code: typeof record.code === "number" ? record.code : -32603,
      message: typeof record.message === "string" ? record.message : String(error),
      data: record.data,
    },
  };
}

const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='16' height='16'%3E%3Crect width='16' height='16' fill='%23b3261e'/%3E%3C/svg%3E";

/**
 * The page's side of the wallet: `window.ethereum`, a second installed wallet over the same key, both announced as
 * EIP-6963 asks, and `__chainbillWalletEmit(event, payload)` for the test to play a wallet event (a change of
 * account or network) to every listener the page registered.
 */
const INJECTED = `
  (() => {
    const listeners = {};
    const provider = (flag) => ({
      [flag]: true,
      async request(args) {
        const answer = JSON.parse(await window.__chainbillWallet(JSON.stringify(args)));
        if (answer.error) {
          const error = new Error(answer.error.message);
          error.code = answer.error.code;
          error.data = answer.error.data;
          throw error;
        }
        return answer.result;
      },
      on(event, listener) {
        (listeners[event] = listeners[event] || []).push(listener);
      },
      removeListener(event, listener) {
        listeners[event] = (listeners[event] || []).filter((known) => known !== listener);
      },
    });
    window.ethereum = provider("isChainbillTestWallet");
    const second = provider("isSecondTestWallet");
    window.__chainbillWalletEmit = (event, payload) => {
      for (const listener of listeners[event] || []) listener(payload);
    };
    const announce = () => {
      const wallets = [
        { info: { uuid: "6f1c2e0a-0000-4000-8000-000000000001", name: "Chainbill Test Wallet", icon: "${ICON}", rdns: "org.chainbill.testwallet" }, provider: window.ethereum },
        { info: { uuid: "6f1c2e0a-0000-4000-8000-000000000002", name: "Second Test Wallet", icon: "${ICON}", rdns: "org.chainbill.secondwallet" }, provider: second },
      ];
      for (const detail of wallets) window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze(detail) }));
    };
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  })();
`;

export async function injectWallet(context: BrowserContext, privateKey: string, node: Eip1193Provider): Promise<TestWallet> {
  let wallet = keyWallet(privateKey, node);
  let address = new Wallet(privateKey).address;
  const refusals = new Set<string>();
  const requests: string[] = [];
  const holds = new Map<string, { reached: () => void; gate: Promise<void> }>();
  await context.exposeFunction("__chainbillWallet", async (json: string): Promise<string> => {
    const args = JSON.parse(json) as { method: string; params?: unknown[] };
    requests.push(args.method);
    if (refusals.delete(args.method)) return JSON.stringify({ error: { code: 4001, message: "User rejected the request." } });
    try {
      const result = await wallet.request(args);
      const hold = holds.get(args.method);
      if (hold !== undefined) {
        holds.delete(args.method);
        hold.reached();
        await hold.gate;
      }
      return JSON.stringify({ result }, (_key, value: unknown) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value));
    } catch (error) {
      return JSON.stringify(errorAnswer(error));
    }
  });
  await context.addInitScript({ content: INJECTED });
  return {
    get address() {
      return address;
    },
    switchTo(next: string) {
      wallet = keyWallet(next, node);
      address = new Wallet(next).address;
    },
    requests,
    refuseNext: (method) => refusals.add(method),
    holdAnswer(method) {
      let reached = (): void => undefined;
      let release = (): void => undefined;
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      holds.set(method, { reached, gate });
      return { reached: reachedPromise, release };
    },
  };
}

/** Plays a wallet event in the page, as the wallet would on a change of account or network. */
export async function emitWalletEvent(page: Page, event: "accountsChanged" | "chainChanged", payload: unknown): Promise<void> {
  await page.evaluate(
    ([name, data]) => {
      (window as unknown as { __chainbillWalletEmit(event: string, payload: unknown): void }).__chainbillWalletEmit(name, data);
    },
    [event, payload] as const,
  );
}
