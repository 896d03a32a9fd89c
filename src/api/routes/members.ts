import type { IRouter } from "express";
import { notFound } from "../errors";
import { requireSession } from "../auth/middleware";
import { parseInput } from "../validation";
import type { ApiContext } from "../context";
import { memberParams } from "../wire/schemas";

export function registerMemberRoutes(router: IRouter, context: ApiContext): void {
  const session = requireSession(context);

  router.get("/v1/members", session, async (_request, response) => {
    response.json({ members: await context.members.all() });
  });

  router.get("/v1/members/:address", session, async (request, response) => {
    const params = parseInput(memberParams, request.params);
    const member = await context.members.memberOf(params.address);
    if (member === undefined) throw notFound("MEMBER_NOT_FOUND", `${params.address} belongs to no member`);
    response.json(member);
  });
}
