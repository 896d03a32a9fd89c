import type { BrowserContext } from "playwright-core";
import { keyWallet } from "../../src/web/lib/keyWallet";
import type { Eip1193Provider } from "../../src/web/lib/keyWallet";

/**
 * The browser tests' wallet: an EIP-1193 provider injected into the page as `window.ethereum`, whose every request
 * crosses to this process, where the same key wallet the dApp offers as "demo account" signs with a development key
 * against the local node. `refuseNext` makes the wallet answer the next request of a method with the user's
 * refusal (EIP-1193 code 4001), as a person pressing "Reject" would.
 */

export interface TestWallet {
  address: string;
  /** Methods requested so far, in order. */
  requests: string[];
  refuseNext(method: string): void;
}

interface Answer {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

function errorAnswer(error: unknown): Answer {
  const record = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; message?: unknown; data?: unknown };
  return { error: { code: typeof record.code === "number" ? record.code : -32603, message: typeof record.message === "string" ? record.message : String(error), data: record.data } };
}

const INJECTED = `
  window.ethereum = {
    isChainbillTestWallet: true,
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
    on() {},
    removeListener() {},
  };
`;

export async function injectWallet(context: BrowserContext, privateKey: string, node: Eip1193Provider): Promise<TestWallet> {
  const wallet = keyWallet(privateKey, node);
  const refusals = new Set<string>();
  const requests: string[] = [];
  await context.exposeFunction("__chainbillWallet", async (json: string): Promise<string> => {
    const args = JSON.parse(json) as { method: string; params?: unknown[] };
    requests.push(args.method);
    if (refusals.delete(args.method)) return JSON.stringify({ error: { code: 4001, message: "User rejected the request." } });
    try {
      const result = await wallet.request(args);
      return JSON.stringify({ result }, (_key, value: unknown) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value));
    } catch (error) {
      return JSON.stringify(errorAnswer(error));
    }
  });
  await context.addInitScript({ content: INJECTED });
  return { address: wallet.address, requests, refuseNext: (method) => refusals.add(method) };
}
