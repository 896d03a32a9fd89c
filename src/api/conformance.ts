import type { RequestHandler } from "express";
import type { Logger } from "pino";
import type { FieldProblem } from "../proofs/wire";
import { errorBody } from "./wire/schemas";
import { expressPath, routesFor } from "./wire/routes";
import type { MountedRoutes, RouteSpec } from "./wire/routes";
import { problemsOf } from "./validation";
import { routePath } from "./routePath";

/**
 * The check that keeps the API to its wire contract (on in tests: `createApp({ checkAnswers: true })`): every JSON
 * answer, as it would leave (bigints as decimal strings), is checked against the schema its route describes for its
 * status. A route that answers a status it does not describe, or a shape its schema does not, answers 500
 * ANSWER_NOT_DESCRIBED naming the wrong fields instead, so the test that met it fails. Answers of no route (a path
 * nobody serves, a body refused before routing, a rate limit) must be the error body.
 */

export interface AnswerMismatch {
  method: string;
  route: string | undefined;
  status: number;
  problems: FieldProblem[];
}

function problemsAgainst(spec: RouteSpec | undefined, status: number, wire: unknown): FieldProblem[] {
  if (spec === undefined) {
    if (status < 400) return [{ path: "(status)", message: `${status} from no described route` }];
    const parsed = errorBody.safeParse(wire);
    return parsed.success ? [] : problemsOf(parsed.error);
  }
  const described =
    spec.responses[status] ?? (status === 500 ? { kind: "error" as const, description: "internal error", schema: errorBody } : undefined);
  if (described === undefined) return [{ path: "(status)", message: `${spec.method.toUpperCase()} ${spec.path} does not describe status ${status}` }];
  if (described.kind !== "answer" && described.kind !== "error")
    return [{ path: "(body)", message: `status ${status} is described without a JSON body` }];
  const parsed = described.schema.safeParse(wire);
  return parsed.success ? [] : problemsOf(parsed.error);
}

/** Wraps `response.json` so that every answer is checked before it leaves; `replacer` is the app's JSON replacer. */
export function answerConformance(
  mounted: MountedRoutes,
  replacer: (key: string, value: unknown) => unknown,
  logger: Logger,
  onMismatch?: (mismatch: AnswerMismatch) => void,
): RequestHandler {
  const byRoute = new Map<string, RouteSpec>();
  for (const [, spec] of routesFor(mounted)) byRoute.set(`${spec.method.toUpperCase()} ${expressPath(spec.path)}`, spec);
  return (request, response, next) => {
    const send = response.json.bind(response);
    response.json = (body: unknown) => {
      const route = routePath(request);
      const method = request.method === "HEAD" ? "GET" : request.method;
      const spec = route === undefined ? undefined : byRoute.get(`${method} ${route}`);
      const text = JSON.stringify(body, replacer);
      const problems = problemsAgainst(spec, response.statusCode, text === undefined ? undefined : JSON.parse(text));
      if (problems.length === 0) return send(body);
      const mismatch: AnswerMismatch = { method, route, status: response.statusCode, problems };
      logger.error(mismatch, "answer not described by its schema");
      onMismatch?.(mismatch);
      response.status(500);
      return send({
        error: {
          code: "ANSWER_NOT_DESCRIBED",
          message: `${method} ${route ?? request.path} answered ${mismatch.status} with a shape its schema does not describe`,
          fields: problems,
        },
      });
    };
    next();
  };
}
