import type { Request } from "express";

/** The path pattern of the route that answered `request` (`/v1/tokens/:id`), or undefined when none matched. */
export function routePath(request: Request): string | undefined {
  // Express types `request.route` as any: read it as unknown.
  const route: unknown = request.route;
  return typeof route === "object" && route !== null && "path" in route && typeof route.path === "string" ? route.path : undefined;
}
