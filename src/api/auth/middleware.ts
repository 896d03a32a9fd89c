import type { RequestHandler, Response } from "express";
import { unauthorized } from "../errors";
import type { ApiContext } from "../context";
import type { ReaderStanding } from "../../documents/readers";

/** The signed-in caller of a request: the session's address and what the registry says of it now. */
export interface Caller {
  address: string;
  token: string;
  expiresAt: number;
  standing: ReaderStanding;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,128})$/u;

/**
 * Requires a live session (`Authorization: Bearer <token>`), rate-limits its address, and reads the address's
 * roles from the chain for this request; a session whose member is no longer active (with every other session of
 * that member), or whose address no longer belongs to its member, is ended and refused.
 */
export function requireSession(context: ApiContext): RequestHandler {
  return async (request, response, next) => {
    const header = request.headers.authorization;
    const match = typeof header === "string" ? BEARER.exec(header) : null;
    if (match === null) {
      throw unauthorized("SESSION_REQUIRED", "sign in first and send the session token", [
        { path: "headers.authorization", message: 'expected "Bearer <session token>"' },
      ]);
    }
    const session = context.sessions.find(match[1]);
    if (session === undefined) {
      throw unauthorized("SESSION_INVALID", "the session is unknown or has expired; sign in again", [
        { path: "headers.authorization", message: "no live session has this token" },
      ]);
    }
    context.addressLimiter.take(session.address, "address");
    const standing = await context.members.standing(session.address);
    // A session lives only while its member does: suspended, KYC lapsed or the address removed ends it at once.
    if (!standing.active || standing.memberId !== session.memberId) {
      // A suspended member loses every session at once; an address removed from a member loses its own (each of
      // them ends the same way when it is next used), and the member's other addresses keep theirs.
      const ended = standing.memberId === session.memberId ? await context.sessions.endMember(session.memberId) : 0;
      await context.sessions.end(match[1]);
      context.logger.info({ address: session.address, memberId: session.memberId, ended }, "sessions ended: the member is no longer active");
      throw unauthorized("SESSION_ENDED", "the session ended: the member is suspended, its KYC lapsed, or the address no longer belongs to it", [
        { path: "headers.authorization", message: "the session's member is not active" },
      ]);
    }
    const caller: Caller = { address: session.address, token: match[1], expiresAt: session.expiresAt, standing };
    response.locals.caller = caller;
    next();
  };
}

/** The caller `requireSession` established for this request. */
export function callerOf(response: Response): Caller {
  const caller: unknown = response.locals.caller;
  if (typeof caller !== "object" || caller === null || !("address" in caller)) throw new Error("route registered without requireSession");
  return caller as Caller;
}
