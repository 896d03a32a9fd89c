import { JsonRpcApiProvider } from "ethers";
import type { JsonRpcError, JsonRpcPayload, JsonRpcResult, Networkish } from "ethers";
import { BatchRefusedError, RpcError, withRetry } from "./rpc";
import type { RetryPolicy, RpcTransport } from "./rpc";

/**
 * An ethers provider whose requests go through the shared JSON-RPC client (`rpc.ts`): the same endpoints, failover
 * and retries as every other read, for the code that needs ethers' Provider (contract handles, typed reads). A
 * node's own error answers as that call's JSON-RPC error (code, message, data: ethers reads reverts from it); a
 * transport failure that outlived its retries rejects the request.
 */
export class TransportProvider extends JsonRpcApiProvider {
  private batching: boolean;

  constructor(
    private readonly transport: RpcTransport,
    network: Networkish,
    private readonly policy: RetryPolicy,
  ) {
    super(network, { staticNetwork: true, batchMaxCount: 100 });
    this.batching = transport.batch !== undefined;
  }

  async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<Array<JsonRpcResult | JsonRpcError>> {
    const payloads = Array.isArray(payload) ? payload : [payload];
    const batch = this.transport.batch;
    if (this.batching && batch !== undefined && payloads.length > 1) {
      try {
        const outcomes = await withRetry(() => batch.call(this.transport, payloads.map(({ method, params }) => ({ method, params: paramsOf(params) }))), this.policy);
        return outcomes.map((outcome, index) => (outcome.ok ? { id: payloads[index].id, result: outcome.result } : answerOf(payloads[index].id, outcome.error)));
      } catch (error) {
        if (!(error instanceof BatchRefusedError)) throw error;
        this.batching = false;
      }
    }
    return Promise.all(
      payloads.map(async ({ id, method, params }): Promise<JsonRpcResult | JsonRpcError> => {
        try {
          return { id, result: await withRetry(() => this.transport.request(method, paramsOf(params)), this.policy) };
        } catch (error) {
          if (error instanceof RpcError && error.code !== undefined) return answerOf(id, error);
          throw error;
        }
      }),
    );
  }
}

function paramsOf(params: JsonRpcPayload["params"]): readonly unknown[] {
  return Array.isArray(params) ? params : [params];
}

/** A node's error to one call, as the JSON-RPC error ethers reads. */
function answerOf(id: number, error: RpcError): JsonRpcError {
  // The message without the "method: " our client puts before the node's words.
  const message = error.message.replace(/^[\w]+: /u, "");
  return { id, error: { code: error.code ?? -32603, message, ...(error.data === undefined ? {} : { data: error.data as string }) } };
}
