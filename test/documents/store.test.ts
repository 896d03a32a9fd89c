import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Level } from "level";
import { DocumentStore } from "../../src/documents/store";
import { AlteredDocumentError } from "../../src/proofs/documents";
import type { StoredDocument } from "../../src/documents/store";
import { CHAIN_ID, randomParties, signedInvoice, signedWaybill } from "./fixtures";

describe("DocumentStore", () => {
  let directory: string;
  let store: DocumentStore;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "chainbill-documents-"));
    store = await DocumentStore.open(path.join(directory, "db"), CHAIN_ID);
  });

  afterEach(async () => {
    await store.close().catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  });

  it("put_storesUnderTheDocumentHash_andGetReturnsTheSameParsedDocument", async () => {
    const invoice = await signedInvoice(randomParties());
    const outcome = await store.put(invoice, "0x00000000000000000000000000000000000000A1", 1_760_000_123);
    expect(outcome.created).to.equal(true);
    expect(await store.hashes()).to.deep.equal([invoice.hash]);
    const read = await store.get(invoice.hash);
    expect(read).to.deep.equal(invoice);
    const record = await store.record(invoice.hash.toUpperCase().replace("0X", "0x"));
    expect(record?.uploadedAt).to.equal(1_760_000_123);
    // Amounts are kept as decimal strings, never JSON numbers.
    expect((record?.document as { invoice: { total: unknown } }).invoice.total).to.equal("1000000");
  });

  it("put_sameDocumentTwice_isOneDocument_keepingTheFirstUploader", async () => {
    const waybill = await signedWaybill(randomParties());
    expect((await store.put(waybill, "0x00000000000000000000000000000000000000A1")).created).to.equal(true);
    const second = await store.put(waybill, "0x00000000000000000000000000000000000000B2");
    expect(second.created).to.equal(false);
    expect(second.record.uploadedBy).to.equal("0x00000000000000000000000000000000000000A1");
    expect(await store.hashes()).to.have.length(1);
  });

  it("put_racingCopiesOfOneDocument_createExactlyOne", async () => {
    const invoice = await signedInvoice(randomParties());
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, index) => store.put(invoice, `0x${(index + 1).toString(16).padStart(40, "0")}`)),
    );
    expect(outcomes.filter((outcome) => outcome.created)).to.have.length(1);
    const kept = outcomes.find((outcome) => outcome.created)?.record.uploadedBy;
    expect((await store.record(invoice.hash))?.uploadedBy).to.equal(kept);
  });

  it("documents_surviveClosingAndReopening", async () => {
    const parties = randomParties();
    const invoice = await signedInvoice(parties);
    const waybill = await signedWaybill(parties);
    await store.put(invoice, "0x00000000000000000000000000000000000000A1");
    await store.put(waybill, "0x00000000000000000000000000000000000000A1");
    await store.close();
    store = await DocumentStore.open(path.join(directory, "db"), CHAIN_ID);
    expect(await store.get(invoice.hash)).to.deep.equal(invoice);
    expect(await store.get(waybill.hash)).to.deep.equal(waybill);
  });

  it("get_unknownHash_isUndefined", async () => {
    expect(await store.get(`0x${"ab".repeat(32)}`)).to.equal(undefined);
  });

  it("get_aStoredCopyThatNoLongerHashesToItsKey_isAnError", async () => {
    const invoice = await signedInvoice(randomParties());
    await store.put(invoice, "0x00000000000000000000000000000000000000A1");
    await store.close();
    const raw = new Level<string, StoredDocument>(path.join(directory, "db"), { valueEncoding: "json" });
    const record = await raw.get(invoice.hash);
    if (record === undefined) throw new Error("the invoice was not stored");
    (record.document as { invoice: { purchaseOrder: string } }).invoice.purchaseOrder = "PO-TAMPERED";
    await raw.put(invoice.hash, record);
    await raw.close();
    store = await DocumentStore.open(path.join(directory, "db"), CHAIN_ID);
    let raised: unknown;
    await store.get(invoice.hash).catch((error: unknown) => {
      raised = error;
    });
    expect(raised).to.be.instanceOf(AlteredDocumentError);
    expect((raised as AlteredDocumentError).hash).to.equal(invoice.hash);
  });

  it("get_documentsOfAnotherChain_doNotHashToTheirKey", async () => {
    const invoice = await signedInvoice(randomParties());
    await store.put(invoice, "0x00000000000000000000000000000000000000A1");
    await store.close();
    store = await DocumentStore.open(path.join(directory, "db"), CHAIN_ID + 1n);
    await store.get(invoice.hash).then(
      () => expect.fail("a document hashed for another chain must not read back"),
      (error: Error) => expect(error).to.be.instanceOf(AlteredDocumentError),
    );
  });
});
