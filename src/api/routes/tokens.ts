import type { IRouter } from "express";
import { Role } from "../../chain/roles";
import { LineageTooDeepError, readLineage, UnknownPieceError } from "../../chain/lineage";
import { ApiError, badRequest, forbidden, notFound } from "../errors";
import { callerOf, requireSession } from "../auth/middleware";
import { holdsRole } from "../members";
import { noteRefusal } from "../refusalRecording";
import { readToken } from "../tokens";
import { parseInput } from "../validation";
import { fundingCheckBody, MAX_LINEAGE_DEPTH, tokenParams } from "../wire/schemas";
import type { ApiContext } from "../context";

/** Pieces and their funding checks. Amounts and ids travel as decimal strings both ways. */

export { MAX_LINEAGE_DEPTH };

export function registerTokenRoutes(router: IRouter, context: ApiContext): void {
  const session = requireSession(context);

  router.get("/v1/tokens/:id", session, async (request, response) => {
    const { id } = parseInput(tokenParams, request.params);
    const token = await readToken(context.contracts.receivableToken, id);
    if (token === undefined) throw notFound("TOKEN_NOT_FOUND", `no piece ${id} was ever created`);
    response.json(token);
  });

  router.get("/v1/tokens/:id/lineage", session, async (request, response) => {
    const { id } = parseInput(tokenParams, request.params);
    // readLineage walks parents with parentOf, which reverts for an id never created: ask first.
    if ((await readToken(context.contracts.receivableToken, id)) === undefined) throw notFound("TOKEN_NOT_FOUND", `no piece ${id} was ever created`);
    try {
      response.json(await readLineage(context.contracts, id, undefined, MAX_LINEAGE_DEPTH));
    } catch (error) {
      if (error instanceof UnknownPieceError) throw notFound("TOKEN_NOT_FOUND", error.message);
      if (error instanceof LineageTooDeepError) {
        throw new ApiError(
          422,
          "LINEAGE_TOO_DEEP",
          `the lineage of piece ${id} has more than ${MAX_LINEAGE_DEPTH} steps; this route reads at most ${MAX_LINEAGE_DEPTH}`,
          [{ path: "id", message: `the lineage has more than ${MAX_LINEAGE_DEPTH} steps` }],
        );
      }
      throw error;
    }
  });

  router.post("/v1/tokens/:id/funding-checks", session, async (request, response) => {
    const { id } = parseInput(tokenParams, request.params);
    const body = parseInput(fundingCheckBody, request.body);
    if (body.request.tokenId !== id)
      throw badRequest("the request is for another piece", [{ path: "request.tokenId", message: `the path names piece ${id}` }]);
    const caller = callerOf(response);
    if (!holdsRole(caller.standing, Role.FACTOR)) throw forbidden("NOT_A_FACTOR", `${caller.address} is not an active factor`);
    const input = { request: body.request, holderSignature: body.holderSignature, price: body.price, requestedBy: caller.address };
    const outcome = await context.verifier.check(input, { signatures: context.signatures });
    await noteRefusal(context, input, outcome);
    context.metrics.fundingChecks.inc({ outcome: outcome.ok ? "attested" : "refused" });
    if (outcome.ok) {
      const { attestation, signature: attestationSignature, signer, fundingId, asOfBlock, steps } = outcome;
      response.json({ attestation, signature: attestationSignature, signer, fundingId, asOfBlock, steps });
    } else {
      const { failures, asOfBlock, steps } = outcome;
      response.status(422).json({ failures, asOfBlock, steps });
    }
  });
}
