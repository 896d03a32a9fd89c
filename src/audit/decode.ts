import { Interface } from "ethers";
// Each factory from its own file: the typechain-types index loads every contract's (~140 files), a second of start-up.
import { Financing__factory } from "../../typechain-types/factories/contracts/finance/Financing__factory";
import { createEventDecoder } from "../chain/events";
import type { ChainbillEvent, EventDecoder, RawLog } from "../chain/events";
import type { ChainbillAddresses } from "../chain/system";
import type { ChainPosition } from "./findings";

/**
 * The audit reads the contracts' logs through the typed decoding src/chain/events.ts shares with the indexer —
 * pure functions of the ABIs, holding no state — and derives everything else itself. Addresses come out
 * lower-case, amounts and ids as bigint.
 */

export type AuditEvent = ChainbillEvent;

/** A decoded log with its place in the chain. */
export interface PositionedEvent {
  event: AuditEvent;
  at: ChainPosition;
}

/** The Financing ABI, for reading `fund` calldata. */
export const FINANCING_INTERFACE = new Interface(Financing__factory.abi);

/** Knows which address is which contract and decodes their logs. */
export class AuditDecoder {
  private readonly decoder: EventDecoder;

  constructor(readonly contracts: ChainbillAddresses) {
    this.decoder = createEventDecoder(contracts);
  }

  /** Lower-case addresses of the five contracts. */
  get addresses(): string[] {
    return [...this.decoder.addresses];
  }

  /** The typed event, or an Error saying why the log fits no event of its contract. */
  decode(log: RawLog): AuditEvent | Error {
    try {
      return this.decoder.decode(log) ?? new Error(`log of ${log.address}, not an audited contract`);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}
