import { z } from "zod";
import { badRequest } from "./errors";
import type { FieldProblem } from "../proofs/wire";

/**
 * Input checking for routes: each input is a zod schema; a failure becomes one 400 naming every wrong field
 * (an unknown field is named by its own path, not its parent's).
 */

export { hash32, uint256 } from "./wire/schemas";

export function problemsOf(error: z.ZodError, prefix = ""): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter((part) => part !== "");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push({ path: [...base, key].join("."), message: "unknown field" });
    } else {
      problems.push({ path: base.join(".") || "(body)", message: issue.message });
    }
  }
  return problems;
}

/** Parses `input` with `schema` or throws a 400 naming the wrong fields (under `prefix`, e.g. "query"). */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, prefix = ""): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw badRequest("the request has wrong fields", problemsOf(parsed.error, prefix));
  return parsed.data;
}
