import { z } from "zod";
import { getAddress } from "ethers";
import type { IRouter } from "express";
import { financingDomain, recoverFundingRequestSigner } from "../chain/funding";
import type { FundingRequest } from "../chain/funding";
import { Role } from "../chain/roles";
import { FundingRequestStore, requestFromStored } from "../requests/store";
import type { StoredFundingRequest } from "../requests/store";
import { address, signature } from "../proofs/wire";
import type { FieldProblem } from "../proofs/wire";
import { ApiError, badRequest, forbidden } from "./errors";
import { callerOf, requireSession } from "./auth/middleware";
import { holdsRole } from "./members";
import { parseInput, uint256 } from "./validation";
import type { ApiContext } from "./context";

/**
 * Funding requests from holders to factors. A holder signs its request in its wallet and submits it here; the
 * factor it names lists what waits for it and runs the funding check with it. A request is accepted only when the
 * signature is the caller's own under this chain's Financing domain, the caller holds the piece and enough of it,
 * the factor is an active factor, the deadline is ahead and the nonce unused: bad input changes nothing.
 */

export const fundingRequestBody = z.strictObject({
  request: z.strictObject({ tokenId: uint256, value: uint256, minPrice: uint256, factor: address, withRecourse: z.boolean(), deadline: uint256, nonce: uint256 }),
  holderSignature: signature,
});

export type RequestState = "waiting" | "funded" | "withdrawn" | "expired";

async function chainNow(context: ApiContext): Promise<bigint> {
  const block = await context.contracts.token.runner?.provider?.getBlock("latest");
  if (block === null || block === undefined) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}

export function registerRequestRoutes(router: IRouter, context: ApiContext, requests: FundingRequestStore): void {
  const session = requireSession(context);
  const { token, financing } = context.contracts;

  const stateOf = async (stored: StoredFundingRequest, now: bigint): Promise<RequestState> => {
    const request = requestFromStored(stored);
    if (await financing.isNonceUsed(stored.holder, request.nonce)) {
      const record = await financing.funding(stored.holder, request.nonce);
      return record.fundedAt !== 0n ? "funded" : "withdrawn";
    }
    return request.deadline < now ? "expired" : "waiting";
  };
  const withStates = async (list: StoredFundingRequest[]) => {
    const now = await chainNow(context);
    return Promise.all(list.map(async (stored) => ({ ...stored, state: await stateOf(stored, now) })));
  };

  router.post("/v1/funding-requests", session, async (request, response) => {
    const body = parseInput(fundingRequestBody, request.body);
    const caller = callerOf(response);
    const fundingRequest: FundingRequest = body.request;
    const problems: FieldProblem[] = [];
    const domain = financingDomain(context.chainId, await financing.getAddress());
    let signer: string | undefined;
    try {
      signer = recoverFundingRequestSigner(domain, fundingRequest, body.holderSignature);
    } catch {
      signer = undefined;
    }
    if (signer !== caller.address) {
      problems.push({ path: "holderSignature", message: signer === undefined ? "the signature is malformed" : `the request was signed by ${signer}, not by you (${caller.address}), or for another chain or contract` });
    }
    const live = await token.exists(fundingRequest.tokenId);
    if (!live) problems.push({ path: "request.tokenId", message: `piece ${fundingRequest.tokenId} is not live` });
    else {
      const piece = await token.pieceOf(fundingRequest.tokenId);
      if (getAddress(piece.owner) !== caller.address) problems.push({ path: "request.tokenId", message: `piece ${fundingRequest.tokenId} belongs to ${getAddress(piece.owner)}, not to you` });
      if (fundingRequest.value === 0n || fundingRequest.value > piece.value) {
        problems.push({ path: "request.value", message: `the value must be from 1 to the piece's value ${piece.value}` });
      }
    }
    if (fundingRequest.minPrice > fundingRequest.value) problems.push({ path: "request.minPrice", message: "the minimum price is above the value sold" });
    if (!holdsRole(await context.members.standing(fundingRequest.factor), Role.FACTOR)) {
      problems.push({ path: "request.factor", message: `${fundingRequest.factor} is not an active factor` });
    }
    if (fundingRequest.deadline <= (await chainNow(context))) problems.push({ path: "request.deadline", message: "the deadline has passed" });
    if (await financing.isNonceUsed(caller.address, fundingRequest.nonce)) problems.push({ path: "request.nonce", message: `your nonce ${fundingRequest.nonce} is already used` });
    if (problems.length > 0) throw new ApiError(422, "REQUEST_REFUSED", "the funding request was refused", problems);
    if (!(await requests.add(caller.address, fundingRequest, body.holderSignature))) {
      throw new ApiError(409, "NONCE_TAKEN", `you already submitted a request under nonce ${fundingRequest.nonce}`, [{ path: "request.nonce", message: "use a fresh nonce" }]);
    }
    context.logger.info({ holder: caller.address, factor: fundingRequest.factor, tokenId: fundingRequest.tokenId }, "funding request submitted");
    response.status(201).json({ holder: caller.address, nonce: fundingRequest.nonce });
  });

  /** `?as=factor` lists the requests waiting for the caller as factor; otherwise the caller's own requests. */
  router.get("/v1/funding-requests", session, async (request, response) => {
    const caller = callerOf(response);
    const as = request.query.as;
    if (as !== undefined && as !== "factor" && as !== "holder") throw badRequest("the request has wrong fields", [{ path: "query.as", message: "\"factor\" or \"holder\"" }]);
    if (as === "factor") {
      if (!holdsRole(caller.standing, Role.FACTOR)) throw forbidden("NOT_A_FACTOR", `${caller.address} is not an active factor`);
      response.json({ requests: await withStates(await requests.byFactor(caller.address)) });
      return;
    }
    response.json({ requests: await withStates(await requests.byHolder(caller.address)) });
  });
}
