import type { IRouter } from "express";
import { callerOf, requireSession } from "../auth/middleware";
import { DocumentAccess } from "../documentAccess";
import { checkTransfer } from "../transferCheck";
import { parseInput } from "../validation";
import { transferCheckBody } from "../wire/schemas";
import type { ApiContext } from "../context";

/** The pre-check of a transfer with proof (../transferCheck.ts), for signed-in members; rate-limited with the session. */
export function registerTransferCheckRoutes(router: IRouter, context: ApiContext): void {
  const session = requireSession(context);
  const access = new DocumentAccess(context, context.requests);
  router.post("/v1/transfer-checks", session, async (request, response) => {
    const body = parseInput(transferCheckBody, request.body);
    response.json(await checkTransfer(context, access, callerOf(response), body));
  });
}
