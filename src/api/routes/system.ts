import type { IRouter } from "express";
import type { ApiContext } from "../context";

/** `description` is the OpenAPI document of the routes this app serves. */
export function registerSystemRoutes(router: IRouter, context: ApiContext, description: object): void {
  router.get("/health", async (_request, response) => {
    const provider = context.contracts.registry.runner?.provider;
    try {
      if (provider === null || provider === undefined) throw new Error("no provider");
      const block = await provider.getBlockNumber();
      response.json({ status: "ok", chainId: context.chainId, block });
    } catch (error) {
      context.logger.warn({ err: error }, "health check: the chain node does not answer");
      response.status(503).json({ status: "unavailable", chainId: context.chainId });
    }
  });

  router.get("/metrics", async (_request, response) => {
    response.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics());
  });

  router.get("/openapi.json", (_request, response) => {
    response.json(description);
  });
}
