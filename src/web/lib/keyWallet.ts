import { BrowserProvider, Wallet, getAddress, getBytes, isHexString, toUtf8Bytes } from "ethers";
import type { TransactionRequest, TypedDataField } from "ethers";

/**
 * An EIP-1193 wallet over one private key: what the dApp offers as "demo account" on the local demo chain (where the
 * keys are Hardhat's public development keys), and what the browser tests inject as the page's wallet. It signs
 * messages, typed data and transactions itself and passes every other call to the upstream node.
 */

export interface Eip1193Request {
  method: string;
  params?: readonly unknown[] | Record<string, unknown>;
}

export interface Eip1193Provider {
  request(args: Eip1193Request): Promise<unknown>;
}

/** An EIP-1193 error: `code` 4001 is the user's refusal, 4902 an unknown chain. */
export class ProviderRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "ProviderRpcError";
  }
}

/** EIP-1193 over plain JSON-RPC on HTTP (the local node answers CORS requests). */
export function httpProvider(url: string): Eip1193Provider {
  let nextId = 1;
  return {
    async request({ method, params }) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params: params ?? [] }),
      });
      const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
      if (body.error !== undefined) throw new ProviderRpcError(body.error.code, body.error.message, body.error.data);
      return body.result;
    },
  };
}

interface TypedDataPayload {
  domain: Record<string, unknown>;
  types: Record<string, TypedDataField[]>;
  message: Record<string, unknown>;
}

/** Array.isArray, keeping the element type (its own guard narrows to `any[]`). */
function isList(params: Eip1193Request["params"]): params is readonly unknown[] {
  return Array.isArray(params);
}

function paramList(params: Eip1193Request["params"]): unknown[] {
  return isList(params) ? [...params] : [];
}

function quantity(value: unknown): bigint | undefined {
  return typeof value === "string" && value !== "" ? BigInt(value) : undefined;
}

function revertData(error: unknown): unknown {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as { data?: unknown; error?: unknown; info?: { error?: unknown } };
  if (typeof record.data === "string") return record.data;
  return revertData(record.error) ?? revertData(record.info?.error);
}

export function keyWallet(privateKey: string, upstream: Eip1193Provider): Eip1193Provider & { address: string } {
  const wallet = new Wallet(privateKey, new BrowserProvider(upstream));
  const address = getAddress(wallet.address);
  const ownAddress = (value: unknown): void => {
    if (typeof value !== "string" || getAddress(value) !== address) throw new ProviderRpcError(4100, `this wallet holds ${address} only`);
  };
  return {
    address,
    async request({ method, params }) {
      const args = paramList(params);
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [address];
        case "personal_sign": {
          ownAddress(args[1]);
          const message = args[0];
          if (typeof message !== "string") throw new ProviderRpcError(-32602, "personal_sign needs a message");
          return wallet.signMessage(isHexString(message) ? getBytes(message) : toUtf8Bytes(message));
        }
        case "eth_signTypedData_v4": {
          ownAddress(args[0]);
          const payload = (typeof args[1] === "string" ? JSON.parse(args[1]) : args[1]) as TypedDataPayload;
          const types = { ...payload.types };
          delete types.EIP712Domain;
          return wallet.signTypedData(payload.domain, types, payload.message);
        }
        case "eth_sendTransaction": {
          const tx = args[0] as Record<string, unknown>;
          ownAddress(tx.from);
          // The nonce straight from the node: ethers caches provider answers briefly, and two transactions sent
          // back to back (approve, then repay) would otherwise get the same one.
          const nonce = Number(BigInt((await upstream.request({ method: "eth_getTransactionCount", params: [address, "pending"] })) as string));
          const request: TransactionRequest = {
            to: typeof tx.to === "string" ? tx.to : undefined,
            data: typeof tx.data === "string" ? tx.data : undefined,
            value: quantity(tx.value),
            gasLimit: quantity(tx.gas),
            nonce,
          };
          try {
            const sent = await wallet.sendTransaction(request);
            return sent.hash;
          } catch (error) {
            throw new ProviderRpcError(-32603, error instanceof Error ? error.message : String(error), revertData(error));
          }
        }
        case "wallet_switchEthereumChain":
        case "wallet_addEthereumChain":
          return null;
        default:
          return upstream.request({ method, params });
      }
    },
  };
}
