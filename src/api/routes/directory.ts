import type { IRouter } from "express";
import type { ApplicationStore } from "../../onboarding/store";
import { profileOf } from "../../onboarding/state";
import { requireSession } from "../auth/middleware";
import type { ApiContext } from "../context";

/**
 * The member directory for any deployment: every member as MemberRegistry holds it (roles, status, KYC date,
 * addresses) with the names of its admitted application (src/onboarding/state.ts); a member admitted without an
 * application has no names (null) and the dApp shows its number.
 */
export function registerDirectoryRoutes(router: IRouter, context: ApiContext, applications: ApplicationStore): void {
  router.get("/v1/directory", requireSession(context), async (_request, response) => {
    const members = await context.members.all();
    const entries = await Promise.all(
      members.map(async (member) => {
        const profile = await profileOf(applications, member.leiHash, member.accounts);
        return {
          ...member,
          nameZh: profile?.nameZh ?? null,
          nameEn: profile?.nameEn ?? null,
          creditCode: profile?.creditCode ?? null,
          application: profile?.application ?? null,
        };
      }),
    );
    response.json({ members: entries });
  });
}
