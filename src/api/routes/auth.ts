import type { IRouter } from "express";
import { ApiError, forbidden } from "../errors";
import { callerOf, requireSession } from "../auth/middleware";
import { verifySignIn } from "../auth/signIn";
import { roleNames } from "../members";
import { parseInput } from "../validation";
import type { ApiContext } from "../context";
import { signInBody } from "../wire/schemas";

export function registerAuthRoutes(router: IRouter, context: ApiContext): void {
  router.get("/v1/auth/nonce", (_request, response) => {
    const issued = context.nonces.issue();
    response.json({
      nonce: issued.nonce,
      expiresAt: new Date(issued.expiresAt).toISOString(),
      domain: context.signInPolicy.domain,
      uri: context.signInPolicy.uri,
      chainId: context.chainId,
    });
  });

  router.post("/v1/auth/verify", async (request, response) => {
    const body = parseInput(signInBody, request.body);
    const address = verifySignIn(context.signInPolicy, context.nonces, body.message, body.signature);
    // Only members sign in: a permissioned network has nothing to show anyone else.
    const standing = await context.members.standing(address);
    if (standing.memberId === 0) throw forbidden("NOT_A_MEMBER", `${address} belongs to no member of the network`);
    if (!standing.active)
      throw forbidden(
        "MEMBER_INACTIVE",
        `${address} belongs to ${await context.names.member(standing.memberId)}, which is suspended or whose KYC has lapsed`,
      );
    const created = await context.sessions.create(address, standing.memberId);
    if (created === undefined) throw new ApiError(503, "BUSY", "too many sessions; retry shortly", [], 5);
    context.logger.info({ address }, "signed in");
    response.json({ token: created.token, address, expiresAt: new Date(created.session.expiresAt).toISOString() });
  });

  router.get("/v1/auth/session", requireSession(context), (_request, response) => {
    const caller = callerOf(response);
    response.json({
      address: caller.address,
      memberId: caller.standing.memberId,
      roles: roleNames(caller.standing.roles),
      active: caller.standing.active,
      expiresAt: new Date(caller.expiresAt).toISOString(),
    });
  });

  router.post("/v1/auth/logout", requireSession(context), async (_request, response) => {
    await context.sessions.end(callerOf(response).token);
    response.status(204).end();
  });
}
