/**
 * Validator governance: the consortium adds or removes a sealer by a vote of the current sealers. Clique counts a
 * vote when a sealer puts it in a block it seals; the change takes effect in the block where more than half of the
 * current sealers have voted for it. The operator's command asks every current validator it runs to vote
 * (`clique_propose`), watches the chain until the change took effect, then withdraws the standing proposals
 * (`clique_discard`) so that no sealer keeps voting.
 */
import { getAddress } from "ethers";
import type { Logger } from "pino";
import { quietLogger } from "../log/logger";
import type { NetworkDescriptor } from "./descriptor";
import { ipcCall } from "./ipc";
import { blockNumberOf, currentSigners, rpcNodeOf } from "./lifecycle";
import { runningPid } from "./processes";

export type ValidatorChange = "add" | "remove";

export interface GovernanceOutcome {
  /** The validators that voted. */
  voters: string[];
  /** Validators of this network that could not vote (not running, or refused). */
  absent: string[];
  /** First block whose signer set shows the change. */
  effectiveBlock: number;
  signers: string[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Proposes to `change` `subject` and waits (up to `timeoutMs`) until the chain applies it. Refuses, changing
 * nothing, when the change is meaningless (adding a sealer, removing a non-sealer or the last one) or cannot win
 * (fewer running voters than the majority needs).
 */
export async function proposeValidatorChange(
  descriptor: NetworkDescriptor,
  change: ValidatorChange,
  subject: string,
  timeoutMs = 60_000,
  log: Logger = quietLogger(),
): Promise<GovernanceOutcome> {
  let address: string;
  try {
    address = getAddress(subject);
  } catch {
    throw new Error(`"${subject}" is not an address`);
  }
  const before = await currentSigners(descriptor);
  if (before === undefined) throw new Error("no node of the network answers: is it up?");
  const isSigner = before.some((signer) => signer.toLowerCase() === address.toLowerCase());
  if (change === "add" && isSigner) throw new Error(`${address} is already a validator`);
  if (change === "remove" && !isSigner) throw new Error(`${address} is not a validator`);
  if (change === "remove" && before.length === 1) throw new Error(`${address} is the last validator; removing it would stop the chain`);

  const majority = Math.floor(before.length / 2) + 1;
  const sealers = new Set(before.map((signer) => signer.toLowerCase()));
  const voters: string[] = [];
  const absent: string[] = [];
  const voting = descriptor.nodes.filter((node) => node.role === "validator" && sealers.has((node.signer ?? "").toLowerCase()));
  for (const node of voting) {
    if (runningPid(node) === undefined) {
      absent.push(node.name);
      continue;
    }
    try {
      await ipcCall<null>(node.ipcPath, "clique_propose", [address, change === "add"]);
      voters.push(node.name);
      log.info({ node: node.name, change, subject: address }, `${node.name} votes to ${change} ${address}`);
    } catch (error) {
      absent.push(node.name);
      log.warn({ node: node.name, change, subject: address, err: error }, `${node.name} could not vote`);
    }
  }
  const withdraw = async (): Promise<void> => {
    for (const node of voting) {
      if (voters.includes(node.name)) await ipcCall<null>(node.ipcPath, "clique_discard", [address]).catch(() => undefined);
    }
  };
  if (voters.length < majority) {
    await withdraw();
    throw new Error(`only ${voters.length} of ${before.length} validators could vote; the change needs ${majority}`);
  }

  const rpc = rpcNodeOf(descriptor);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const head = await blockNumberOf(rpc);
      const signers = await ipcCall<string[]>(rpc.ipcPath, "clique_getSigners", [`0x${head.toString(16)}`]);
      const nowSigner = signers.some((signer) => signer.toLowerCase() === address.toLowerCase());
      if (nowSigner === (change === "add")) {
        // Walk back to the block that applied it.
        let effectiveBlock = head;
        while (effectiveBlock > 0) {
          const previous = await ipcCall<string[]>(rpc.ipcPath, "clique_getSigners", [`0x${(effectiveBlock - 1).toString(16)}`]);
          if (previous.some((signer) => signer.toLowerCase() === address.toLowerCase()) === nowSigner) effectiveBlock -= 1;
          else break;
        }
        return { voters, absent, effectiveBlock, signers };
      }
      if (Date.now() > deadline) throw new Error(`the change did not take effect within ${timeoutMs / 1000} s (head block ${head})`);
      await sleep(500);
    }
  } finally {
    await withdraw();
  }
}
