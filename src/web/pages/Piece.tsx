import { useState } from "react";
import { useApp } from "../app";
import { ErrorBox, FailureLine, Section } from "../components";
import { ApiFailure } from "../lib/api";
import { explain } from "../lib/errors";
import type { Explained } from "../lib/errors";
import { useLanguage, useT } from "../lib/i18n";
import { cny, dateOf } from "../lib/money";
import { pieceName } from "../../chain/tokenId";
import type { PieceTreeJson as PieceTree, StoredDocumentJson, TreeNodeJson as TreeNode } from "../../api/wire/schemas";
import { useData } from "../lib/useData";

interface PartyWire {
  account: string;
}

/** What a person wants to know of a document before its JSON: who, what, how much, when. */
function DocumentSummary({ stored }: { stored: StoredDocumentJson }) {
  const t = useT();
  const { nameOf } = useApp();
  if (stored.kind === "invoice") {
    const { invoice } = stored.document as {
      invoice: {
        number: string;
        seller: PartyWire;
        buyer: PartyWire;
        total: string;
        issueDate: number;
        lines: Array<{ item: string; quantity: string; unit: string; amount: string; taxRate: number; tax: string }>;
      };
    };
    return (
      <div className="doc-summary" data-testid="document-summary">
        <div>
          {t("piece.docInvoice", {
            number: invoice.number,
            seller: nameOf(invoice.seller.account),
            buyer: nameOf(invoice.buyer.account),
            total: cny(invoice.total),
            date: dateOf(invoice.issueDate),
          })}
        </div>
        <ul>
          {invoice.lines.map((line, index) => (
            <li key={index}>
              {t("piece.docLine", {
                item: line.item,
                quantity: line.quantity,
                unit: line.unit,
                amount: cny(line.amount),
                rate: `${line.taxRate / 100}%`,
                tax: cny(line.tax),
              })}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  const { waybill, events } = stored.document as {
    waybill: { number: string; carrier: PartyWire; shipper: PartyWire; consignee: PartyWire; reference: string };
    events: Array<{ kind: "pickedUp" | "delivered"; time: number; place: string; quantity: string }>;
  };
  return (
    <div className="doc-summary" data-testid="document-summary">
      <div>
        {t("piece.docWaybill", {
          number: waybill.number,
          carrier: nameOf(waybill.carrier.account),
          shipper: nameOf(waybill.shipper.account),
          consignee: nameOf(waybill.consignee.account),
          reference: waybill.reference,
        })}
      </div>
      <ul>
        {events.map((event) => (
          <li key={event.kind}>
            {t("piece.docEvent", {
              event: t(event.kind === "pickedUp" ? "piece.pickedUp" : "piece.delivered"),
              date: dateOf(event.time),
              place: event.place,
              quantity: event.quantity,
            })}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A stored document's title: its kind and number, never its hash. */
function documentTitle(t: ReturnType<typeof useT>, stored: StoredDocumentJson): string {
  if (stored.kind === "invoice") return t("piece.invoiceTitle", { number: (stored.document as { invoice: { number: string } }).invoice.number });
  return t("piece.waybillTitle", { number: (stored.document as { waybill: { number: string } }).waybill.number });
}

/** A document opened from the tree: its JSON as stored, or why it may not be read. */
function DocumentViewer({ hash, onClose }: { hash: string; onClose: () => void }) {
  const t = useT();
  const { api } = useApp();
  const { data, error } = useData(async () => {
    try {
      return { document: await api.call("document", { params: { hash } }), forbidden: false };
    } catch (caught) {
      if (caught instanceof ApiFailure && caught.code === "NOT_A_READER") return { document: null, forbidden: true };
      throw caught;
    }
  }, [api, hash]);
  return (
    <div className="document-viewer" data-testid="document-viewer">
      <div className="row">
        <strong>{data?.document != null ? documentTitle(t, data.document) : t("piece.document", { hash: `${hash.slice(0, 10)}…` })}</strong>
        <button type="button" className="link" onClick={onClose}>
          {t("common.close")}
        </button>
      </div>
      <ErrorBox error={error} />
      {data?.forbidden === true && <p className="muted">{t("piece.notReadable")}</p>}
      {data?.document !== null && data?.document !== undefined && (
        <>
          <DocumentSummary stored={data.document} />
          <details>
            <summary>{t("piece.rawJson")}</summary>
            <pre>{JSON.stringify(data.document.document, null, 2)}</pre>
          </details>
        </>
      )}
    </div>
  );
}

function NodeView({
  node,
  tree,
  childrenOf,
  openDocument,
}: {
  node: TreeNode;
  tree: PieceTree;
  childrenOf: Map<string, TreeNode[]>;
  openDocument: (hash: string) => void;
}) {
  const t = useT();
  const { nameOf } = useApp();
  const isRoot = node.parent === "0";
  const bought = tree.fundings.some((funding) => funding.fundedTokenId === node.tokenId);
  const kind = isRoot ? t("piece.confirmation") : node.tradeProof !== null ? t("piece.transfer") : bought ? t("piece.funded") : t("piece.split");
  const invoiceHash = isRoot ? tree.slot.invoiceHash : node.tradeProof?.invoiceHash;
  const logisticsHash = isRoot ? tree.slot.logisticsHash : node.tradeProof?.logisticsHash;
  const children = childrenOf.get(node.tokenId) ?? [];
  return (
    <li>
      <div className={`node${node.tokenId === tree.focus ? " focus" : ""}`} data-testid={`node-${pieceName(node.tokenId)}`}>
        <div className="row">
          <strong>{pieceName(node.tokenId)}</strong>
          <span className="muted">{kind}</span>
          {bought && node.tradeProof !== null && <span className="badge badge-funded">{t("piece.funded")}</span>}
          {node.tokenId === tree.focus && <span className="badge badge-focus">{t("piece.focus")}</span>}
          {node.checks !== null && (
            <span className={`badge ${node.checks.passed ? "badge-pass" : "badge-fail"}`}>
              {node.checks.passed ? `✓ ${t("piece.checksPass")}` : `✗ ${t("piece.checksFail")}`}
            </span>
          )}
        </div>
        <div>
          {cny(node.value)} · {t("piece.owner", { name: nameOf(node.owner) })}
          {node.status !== "live" && <span className="muted"> · {t("piece.burned")}</span>}
        </div>
        {(invoiceHash !== undefined || logisticsHash !== undefined) && (
          <div className="row">
            {invoiceHash !== undefined && (
              <button type="button" className="link" onClick={() => openDocument(invoiceHash)}>
                {t("piece.invoice")} {tree.documentNumbers[invoiceHash.toLowerCase()] ?? `${invoiceHash.slice(0, 10)}…`}
              </button>
            )}
            {logisticsHash !== undefined && (
              <button type="button" className="link" onClick={() => openDocument(logisticsHash)}>
                {t("piece.waybill")} {tree.documentNumbers[logisticsHash.toLowerCase()] ?? `${logisticsHash.slice(0, 10)}…`}
              </button>
            )}
          </div>
        )}
        {node.checks !== null && node.checks.failures.length > 0 && (
          <ul className="failures">
            {node.checks.failures.map((failure) => (
              <FailureLine key={`${failure.code}-${failure.message}`} failure={failure} />
            ))}
          </ul>
        )}
      </div>
      {children.length > 0 && (
        <ul className="tree">
          {children.map((child) => (
            <NodeView key={child.tokenId} node={child} tree={tree} childrenOf={childrenOf} openDocument={openDocument} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** A receivable's tree drawn from the anchor's confirmation, with each step's documents and checks. */
export function LineageTree({ tree }: { tree: PieceTree }) {
  const t = useT();
  const { nameOf } = useApp();
  const [openHash, setOpenHash] = useState<string | null>(null);
  const childrenOf = new Map<string, TreeNode[]>();
  for (const node of tree.nodes) {
    const parent = node.parent ?? "0";
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), node]);
  }
  const roots = childrenOf.get("0") ?? [];
  return (
    <div data-testid="lineage-tree">
      <p>
        {t("piece.receivable", {
          slot: tree.slot.slot,
          anchor: nameOf(tree.slot.anchor),
          value: cny(tree.slot.faceValue),
          date: dateOf(tree.slot.maturity),
        })}
        <br />
        {t("piece.repaid", { value: cny(tree.slot.repaid) })}
      </p>
      <h3>{t("piece.lineage")}</h3>
      <ul className="tree root">
        {roots.map((root) => (
          <NodeView key={root.tokenId} node={root} tree={tree} childrenOf={childrenOf} openDocument={setOpenHash} />
        ))}
      </ul>
      {tree.truncated && <p className="muted">{t("piece.truncated")}</p>}
      {openHash !== null && <DocumentViewer hash={openHash} onClose={() => setOpenHash(null)} />}
      <p className="muted small">
        {t("common.asOf", { block: tree.asOfBlock })} · {tree.final ? t("common.final") : t("common.notFinal")}
      </p>
    </div>
  );
}

export function PiecePage({ tokenId }: { tokenId: string }) {
  const t = useT();
  const language = useLanguage();
  const { api } = useApp();
  const [badId, setBadId] = useState<Explained | null>(null);
  const { data, error } = useData(async () => {
    if (!/^[0-9]+$/u.test(tokenId)) {
      setBadId(explain(new Error(t("auditor.badQuery")), t, language));
      return null;
    }
    return api.call("pieceTree", { params: { id: tokenId } });
  }, [api, tokenId]);
  return (
    <main>
      <Section title={t("piece.title", { name: /^[0-9]+$/u.test(tokenId) ? pieceName(tokenId) : tokenId })} testId="piece-page">
        <ErrorBox error={error ?? badId} />
        {data === null ? error === null && <p>{t("common.loading")}</p> : <LineageTree tree={data} />}
      </Section>
    </main>
  );
}
