import { expect } from "chai";
import type { AddressInfo } from "node:net";
import express from "express";
import pino from "pino";
import { errorMiddleware } from "../../src/api/errors";
import { AlteredDocumentError } from "../../src/proofs/documents";

describe("API error middleware", function () {
  it("answers a document whose stored copy was altered with 500 DOCUMENT_ALTERED naming it, and an unknown error without detail", async function () {
    const app = express();
    const hash = "0x" + "ab".repeat(32);
    app.get("/altered", () => {
      throw new AlteredDocumentError(hash);
    });
    app.get("/unknown", () => {
      throw new Error("secret internals");
    });
    app.use(errorMiddleware(pino({ level: "silent" }), 256 * 1024));
    const server = app.listen(0, "127.0.0.1");
    try {
      await new Promise((resolve) => server.once("listening", resolve));
      const { port } = server.address() as AddressInfo;
      const altered = await fetch(`http://127.0.0.1:${port}/altered`);
      expect(altered.status).to.equal(500);
      const alteredBody = (await altered.json()) as { error: { code: string; message: string } };
      expect(alteredBody.error.code).to.equal("DOCUMENT_ALTERED");
      expect(alteredBody.error.message).to.include(hash);
      const unknown = await fetch(`http://127.0.0.1:${port}/unknown`);
      expect(unknown.status).to.equal(500);
      const unknownBody = (await unknown.json()) as { error: { code: string; message: string } };
      expect(unknownBody.error).to.include({ code: "INTERNAL", message: "internal error" });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
