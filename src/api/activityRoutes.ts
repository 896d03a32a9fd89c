import { getAddress } from "ethers";
import type { IRouter, Response } from "express";
import { Role } from "../chain/roles";
import { forbidden } from "./errors";
import { callerOf, requireSession } from "./auth/middleware";
import { BlockTimes } from "./blockTimes";
import { holdsRole } from "./members";
import { parseInput } from "./validation";
import { ACTIVITY_PAGE_DEFAULT, activityQuery } from "./wire/schemas";
import type { ApiContext } from "./context";
import { indexReads } from "./indexRoutes";
import type { IndexRouteOptions } from "./indexRoutes";

/**
 * A member's activity and cash (issue 18 items 2 and 8), over the index's per-address rows (src/indexer/activity.ts):
 * `GET /v1/activity` and `GET /v1/cash`, newest first, a page at a time. A member reads its own; auditors and
 * operators any address (`?address=`). Each row gets its block's time, read from the node (`blockTimes.ts`, kept for
 * final blocks).
 */

function subjectOf(response: Response, requested: string | undefined): string {
  const caller = callerOf(response);
  if (requested === undefined || requested === caller.address) return caller.address;
  if (holdsRole(caller.standing, Role.AUDITOR) || holdsRole(caller.standing, Role.OPERATOR)) return requested;
  throw forbidden("NOT_AN_AUDITOR", "only auditors and operators may look at another member's activity or cash");
}

export function registerActivityRoutes(router: IRouter, context: ApiContext, options: IndexRouteOptions): void {
  const { reader } = options;
  const session = requireSession(context);
  const provider = context.contracts.receivableToken.runner?.provider;
  if (provider === null || provider === undefined) throw new Error("the API's contracts have no provider to read block times from");
  const blockTimes = new BlockTimes(provider);
  const { caughtUp, read } = indexReads(options);

  /** The time of each row's block; null where the node could not say (the row is still worth showing). */
  const timesOf = async (blocks: readonly number[], finalizedBlock: number): Promise<Map<number, bigint>> => {
    try {
      return await blockTimes.of([...new Set(blocks)], finalizedBlock);
    } catch (error) {
      context.logger.warn({ err: error }, "block times for activity rows could not be read");
      return new Map();
    }
  };
  const timeOf = (times: Map<number, bigint>, block: number): number | null => {
    const time = times.get(block);
    return time === undefined ? null : Number(time);
  };
  const addressOut = (address: string | null): string | null => (address === null ? null : getAddress(address));

  router.get("/v1/activity", session, async (request, response) => {
    const { address, limit, before } = parseInput(activityQuery, request.query, "query");
    await caughtUp(request.query);
    const subject = subjectOf(response, address);
    const page = await read(() => reader.activityOf(subject, { limit: limit ?? ACTIVITY_PAGE_DEFAULT, before }));
    const times = await timesOf(
      page.rows.map((row) => row.block),
      page.finalizedBlock,
    );
    response.json({
      address: subject,
      asOfBlock: page.asOfBlock,
      final: page.final,
      rows: page.rows.map((row) => ({ ...row, counterparty: addressOut(row.counterparty), blockTime: timeOf(times, row.block) })),
      nextBefore: page.nextBefore,
    });
  });

  router.get("/v1/cash", session, async (request, response) => {
    const { address, limit, before } = parseInput(activityQuery, request.query, "query");
    await caughtUp(request.query);
    const subject = subjectOf(response, address);
    const page = await read(() => reader.cashOf(subject, { limit: limit ?? ACTIVITY_PAGE_DEFAULT, before }));
    const { system } = await reader.system();
    const systemOf = (counterparty: string | null): "settlement" | "financing" | null => {
      if (counterparty === null) return null;
      if (counterparty === system.settlement?.toLowerCase()) return "settlement";
      if (counterparty === system.financing?.toLowerCase()) return "financing";
      return null;
    };
    const times = await timesOf(
      page.rows.map((row) => row.block),
      page.finalizedBlock,
    );
    response.json({
      address: subject,
      asOfBlock: page.asOfBlock,
      final: page.final,
      balance: page.balance,
      movements: page.rows.map((row) => ({
        ...row,
        counterparty: addressOut(row.counterparty),
        counterpartySystem: systemOf(row.counterparty),
        blockTime: timeOf(times, row.block),
      })),
      nextBefore: page.nextBefore,
    });
  });
}
