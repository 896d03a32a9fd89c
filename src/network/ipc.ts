/**
 * JSON-RPC over a geth node's IPC socket. Validators answer only here (they open no HTTP port): the node's
 * operator, who can reach its directory, may ask it anything, including `clique_propose`; nobody else can.
 */
import net from "node:net";

export class IpcError extends Error {
  constructor(
    message: string,
    /** The node was not reachable at all (not started, stopped, crashed), as opposed to refusing the call. */
    readonly unreachable: boolean,
  ) {
    super(message);
    this.name = "IpcError";
  }
}

let requestId = 0;

/** One call: connects, asks, reads the answer, disconnects. */
export function ipcCall<T>(socketPath: string, method: string, params: unknown[] = [], timeoutMs = 5_000): Promise<T> {
  requestId += 1;
  const id = requestId;
  return new Promise<T>((resolve, reject) => {
    let received = "";
    let settled = false;
    const socket = net.createConnection(socketPath);
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new IpcError(`${method} on ${socketPath}: no answer in ${timeoutMs} ms`, false))), timeoutMs);
    socket.on("connect", () => socket.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`));
    socket.on("error", (error) => finish(() => reject(new IpcError(`${method} on ${socketPath}: ${error.message}`, true))));
    socket.on("data", (chunk) => {
      received += chunk.toString("utf8");
      // geth ends every answer with a newline.
      const end = received.indexOf("\n");
      if (end < 0) return;
      finish(() => {
        const answer = JSON.parse(received.slice(0, end)) as { result?: T; error?: { message: string } };
        if (answer.error !== undefined) reject(new IpcError(`${method}: ${answer.error.message}`, false));
        else resolve(answer.result as T);
      });
    });
    socket.on("close", () => finish(() => reject(new IpcError(`${method} on ${socketPath}: connection closed without an answer`, true))));
  });
}
