import type { IRouter } from "express";
import { getAddress } from "ethers";
import { Role } from "../../chain/roles";
import { OPERATOR_BIT, applicationHash, refusalHash, signerOf } from "../../onboarding/application";
import { ApplicationStore } from "../../onboarding/store";
import type { ApplicationRecord } from "../../onboarding/store";
import { stateOf } from "../../onboarding/state";
import type { AddressStanding, ApplicationState } from "../../onboarding/state";
import { legalEntityHash } from "../../chain/membership";
import { ApiError, forbidden, notFound } from "../errors";
import { callerOf, requireSession } from "../auth/middleware";
import { holdsRole, roleNames } from "../members";
import { RateLimiter } from "../rateLimit";
import { parseInput } from "../validation";
import type { ApiContext } from "../context";
import { applicantParams, applicationHashParams, applicationListQuery, signedApplicationSchema, signedRefusalSchema } from "../wire/schemas";

/**
 * Membership applications: a company not yet a member files one signed by its wallet (no session: it cannot sign
 * in); operators and auditors read them with their state and duplicates; an operator refuses one with a signed
 * reason, or admits it with the registry's own `admit` transaction (the state follows from the chain). The
 * applicant reads where its own applications stand.
 *
 * Against spam: filings per IP are a slow token bucket (`limits.filings`: ten at once, then one a minute), an address has at most one pending application, the
 * store holds at most MAX_APPLICATIONS, and each application is a few kilobytes at most (the schema's bounds).
 */

/** The most applications the store keeps. */
export const MAX_APPLICATIONS = 10_000;
/** How far a signed time may be from the API's clock: a day back, ten minutes ahead. */
const PAST_SECONDS = 86_400;
const FUTURE_SECONDS = 600;

export interface ApplicationRouteOptions {
  now?: () => number;
}

function readableBy(standing: ReturnType<typeof callerOf>["standing"]): boolean {
  return holdsRole(standing, Role.OPERATOR) || holdsRole(standing, Role.AUDITOR);
}

export function registerApplicationRoutes(router: IRouter, context: ApiContext, options: ApplicationRouteOptions = {}): ApplicationStore {
  const store = new ApplicationStore(context.store);
  const filings = new RateLimiter(context.limits.filings);
  const nowSeconds = (): number => Math.floor((options.now ?? Date.now)() / 1000);
  const session = requireSession(context);
  const { registry } = context.contracts;

  const standingOf = async (address: string): Promise<AddressStanding> => {
    const [memberId, leiHash] = await Promise.all([registry.memberIdOf(address), registry.leiHashOf(address)]);
    return { memberId: Number(memberId), leiHash };
  };
  const stateOfRecord = async (record: ApplicationRecord): Promise<ApplicationState> =>
    stateOf(record, await standingOf(record.application.applicant));

  const timeProblem = (path: string, at: number): ApiError | null => {
    const now = nowSeconds();
    if (at < now - PAST_SECONDS || at > now + FUTURE_SECONDS)
      return new ApiError(422, "STALE_SIGNATURE", `${path} must be the time of signing (now: ${now})`, [
        { path, message: `${at} is more than a day before or ten minutes after now (${now})` },
      ]);
    return null;
  };

  /** What the operator must see next to an application: who else filed the code, whether it or the address is taken. */
  const withContext = async (record: ApplicationRecord) => {
    const applicant = await standingOf(record.application.applicant);
    const state = stateOf(record, applicant);
    const others = (await store.byCreditCode(record.application.creditCode, 20)).filter((other) => other.hash !== record.hash);
    const duplicates = await Promise.all(
      others.map(async (other) => ({
        hash: other.hash,
        applicant: other.application.applicant,
        nameEn: other.application.nameEn,
        nameZh: other.application.nameZh,
        state: await stateOfRecord(other),
      })),
    );
    const lei = legalEntityHash(record.application.creditCode);
    const addressMembers = await Promise.all(
      record.application.addresses.map(async (address) => ({ address, memberId: Number(await registry.memberIdOf(address)) })),
    );
    return {
      hash: record.hash,
      application: record.application,
      signature: record.signature,
      receivedAt: record.receivedAt,
      state,
      roles: roleNames(record.application.roles),
      leiHash: lei,
      refusal: record.refusal ?? null,
      duplicates,
      /** Addresses of the application that already belong to a member (admit would be refused for the first). */
      addressesTaken: addressMembers.filter((entry) => entry.memberId !== 0 && !(state === "admitted" && entry.memberId === applicant.memberId)),
    };
  };

  router.post("/v1/applications", async (request, response) => {
    filings.take(request.ip ?? request.socket.remoteAddress ?? "unknown", "IP address (applications)");
    const body = parseInput(signedApplicationSchema, request.body);
    const { application } = body;
    const hash = applicationHash(context.chainId, application);
    const signer = signerOf(hash, body.signature);
    if (signer !== application.applicant) {
      throw new ApiError(422, "SIGNATURE_INVALID", "the application must be signed by the applying address", [
        {
          path: "signature",
          message:
            signer === null
              ? "the signature is malformed"
              : `signed by ${signer}, not by the applicant ${application.applicant} (or for another chain)`,
        },
      ]);
    }
    const stale = timeProblem("application.filedAt", application.filedAt);
    if (stale !== null) throw stale;
    const outcome = await store.exclusive(async () => {
      const standing = await context.members.standing(application.applicant);
      if (standing.memberId !== 0) {
        // An operator may file its own profile (the consortium's names); any other member is already admitted.
        const own =
          holdsRole(standing, Role.OPERATOR) &&
          (await standingOf(application.applicant)).leiHash.toLowerCase() === legalEntityHash(application.creditCode).toLowerCase();
        if (!own)
          throw new ApiError(
            409,
            "ALREADY_A_MEMBER",
            `${application.applicant} already belongs to ${await context.names.member(standing.memberId)}`,
            [{ path: "application.applicant", message: "an address of a member does not apply" }],
          );
      } else {
        if ((application.roles & OPERATOR_BIT) !== 0) {
          throw new ApiError(422, "ROLE_NOT_APPLICABLE", "the OPERATOR role is not granted by application", [
            { path: "application.roles", message: "ask for ANCHOR, SUPPLIER, FACTOR, CARRIER, VERIFIER or AUDITOR" },
          ]);
        }
        const latest = (await store.byApplicant(application.applicant, 1))[0];
        if (latest !== undefined && latest.hash !== hash && (await stateOfRecord(latest)) === "pending") {
          throw new ApiError(
            409,
            "APPLICATION_PENDING",
            `${application.applicant} has a pending application (${latest.hash}); wait for the operator's decision`,
            [{ path: "application.applicant", message: "one pending application per address" }],
          );
        }
      }
      if ((await store.get(hash)) === undefined && (await store.count()) >= MAX_APPLICATIONS) {
        throw new ApiError(503, "APPLICATIONS_FULL", "the network takes no more applications now; retry later", [], 3600);
      }
      return store.add(application, body.signature);
    });
    context.logger.info({ hash, applicant: application.applicant, created: outcome.created }, "membership application filed");
    response
      .status(outcome.created ? 201 : 200)
      .location(`/v1/applications/${hash}`)
      .json({ hash, state: await stateOfRecord(outcome.record) });
  });

  router.get("/v1/applications", session, async (request, response) => {
    const caller = callerOf(response);
    const query = parseInput(applicationListQuery, request.query, "query");
    if (!readableBy(caller.standing)) throw forbidden("NOT_AN_OPERATOR", "only operators and auditors read applications");
    const records = await store.list();
    const described = await Promise.all(records.map(withContext));
    response.json({ applications: described.filter((entry) => query.state === undefined || entry.state === query.state) });
  });

  router.get("/v1/applications/:hash", session, async (request, response) => {
    const { hash } = parseInput(applicationHashParams, request.params);
    const caller = callerOf(response);
    if (!readableBy(caller.standing)) throw forbidden("NOT_AN_OPERATOR", "only operators and auditors read applications");
    const record = await store.get(hash);
    if (record === undefined) throw notFound("APPLICATION_NOT_FOUND", `no application has hash ${hash}`);
    response.json(await withContext(record));
  });

  router.post("/v1/applications/:hash/refusal", session, async (request, response) => {
    const { hash } = parseInput(applicationHashParams, request.params);
    const body = parseInput(signedRefusalSchema, request.body);
    const caller = callerOf(response);
    if (!holdsRole(caller.standing, Role.OPERATOR)) throw forbidden("NOT_AN_OPERATOR", "only an operator refuses applications");
    if (body.refusal.application !== hash)
      throw new ApiError(400, "VALIDATION_FAILED", "the refusal names another application", [
        { path: "refusal.application", message: `expected ${hash}` },
      ]);
    const signer = signerOf(refusalHash(context.chainId, body.refusal), body.signature);
    if (signer !== caller.address) {
      throw new ApiError(422, "SIGNATURE_INVALID", "the refusal must be signed by the operator sending it", [
        { path: "signature", message: signer === null ? "the signature is malformed" : `signed by ${signer}, not by you (${caller.address})` },
      ]);
    }
    const stale = timeProblem("refusal.refusedAt", body.refusal.refusedAt);
    if (stale !== null) throw stale;
    const refused = await store.exclusive(async () => {
      const record = await store.get(hash);
      if (record === undefined) throw notFound("APPLICATION_NOT_FOUND", `no application has hash ${hash}`);
      const state = await stateOfRecord(record);
      if (state !== "pending")
        throw new ApiError(409, "NOT_PENDING", `the application is ${state}, not pending`, [{ path: "hash", message: `already ${state}` }]);
      return store.refuse(hash, {
        refusal: body.refusal,
        signature: body.signature.toLowerCase(),
        operator: caller.address,
        receivedAt: nowSeconds(),
      });
    });
    context.logger.info({ hash, operator: caller.address }, "membership application refused");
    response.status(201).json(await withContext(refused));
  });

  router.get("/v1/applicants/:address/applications", async (request, response) => {
    const { address } = parseInput(applicantParams, request.params);
    const records = await store.byApplicant(getAddress(address), 20);
    const standing = await standingOf(address);
    response.json({
      applicant: address,
      memberId: standing.memberId,
      applications: records.map((record) => ({
        hash: record.hash,
        nameZh: record.application.nameZh,
        nameEn: record.application.nameEn,
        creditCode: record.application.creditCode,
        roles: roleNames(record.application.roles),
        filedAt: record.application.filedAt,
        state: stateOf(record, standing),
        refusal: record.refusal === undefined ? null : { reason: record.refusal.refusal.reason, refusedAt: record.refusal.refusal.refusedAt },
      })),
    });
  });

  return store;
}
