import type { IRouter } from "express";
import { Role } from "../../chain/roles";
import { VerifierJournal } from "../../verifier/journal";
import { forbidden } from "../errors";
import { callerOf, requireSession } from "../auth/middleware";
import { holdsRole, roleNames } from "../members";
import type { ApiContext } from "../context";

/**
 * The verifier's page: the address of the key this API's verifier signs with, its standing in the registry, the
 * attestations it signed (recent first) and the checks it refused with their reasons. Every funding check the API
 * answers is journaled (src/verifier/journal.ts). Verifiers, operators and auditors read it.
 */
export function registerVerifierRoutes(router: IRouter, context: ApiContext): void {
  const journal = new VerifierJournal(context.store);
  const checker = context.verifier;
  context.verifier = {
    async check(input, options) {
      const outcome = await checker.check(input, options);
      await journal
        .record(input, outcome)
        .catch((error: unknown) => context.logger.error({ err: error }, "the verifier journal could not record a check"));
      return outcome;
    },
  };
  const keyAddress = async (): Promise<string | null> => {
    const withAddress = checker as { address?: () => Promise<string> };
    if (typeof withAddress.address !== "function") return null;
    try {
      return await withAddress.address();
    } catch {
      return null;
    }
  };

  router.get("/v1/verifier", requireSession(context), async (_request, response) => {
    const caller = callerOf(response);
    if (!holdsRole(caller.standing, Role.VERIFIER) && !holdsRole(caller.standing, Role.OPERATOR) && !holdsRole(caller.standing, Role.AUDITOR)) {
      throw forbidden("NOT_A_VERIFIER", "only verifiers, operators and auditors read the verifier's journal");
    }
    const address = await keyAddress();
    const standing = address === null ? null : await context.members.standing(address);
    const member = address === null ? undefined : await context.members.memberOf(address);
    response.json({
      address,
      standing:
        standing === null
          ? null
          : {
              memberId: standing.memberId,
              roles: roleNames(standing.roles),
              active: standing.active,
              status: member?.status ?? "NONE",
              kycValidUntil: member?.kycValidUntil ?? 0,
            },
      requiredVerifiers: Number(await context.contracts.financing.requiredVerifiers()),
      attestations: await journal.attestations(),
      refusals: await journal.refusals(),
    });
  });
}
