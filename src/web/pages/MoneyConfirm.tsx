import { useRef, useState } from "react";
import type { ReactNode } from "react";
import { useApp } from "../app";
import { ConfirmStep } from "../ConfirmStep";
import { useT } from "../lib/i18n";
import { cny, dateOf } from "../lib/money";
import type { Api } from "../lib/api";
import { firstPieceOf, pieceName, slotOf } from "../../chain/tokenId";
import type { AttestedJson, ObligationsJson, StoredFundingRequestJson } from "../../api/wire/schemas";

/**
 * The confirmation step before the factor's funding and the anchor's repayment (issue 18 item 5): who receives how
 * much, of which receivable, backed by which invoice number. Nothing is sent until the user confirms, and a
 * confirmation sends once; cancel sends nothing.
 */

/** The number of the invoice stored under `hash`, or null when the store has no copy the caller may read. */
async function invoiceNumberOf(api: Api, hash: string): Promise<string | null> {
  try {
    const stored = await api.call("document", { params: { hash } });
    const invoice: unknown = stored.document.invoice;
    if (typeof invoice === "object" && invoice !== null && "number" in invoice && typeof invoice.number === "string") return invoice.number;
    return null;
  } catch {
    return null;
  }
}

/** A pending confirmation: the facts shown, and what confirming does (at most once). */
function usePending<T>() {
  const [pending, setPending] = useState<T | null>(null);
  const fired = useRef(false);
  const open = (value: T): void => {
    fired.current = false;
    setPending(value);
  };
  const take = (): T | null => {
    if (fired.current || pending === null) return null;
    fired.current = true;
    const value = pending;
    setPending(null);
    return value;
  };
  return { pending, open, take, cancel: () => setPending(null) };
}

interface PendingFund {
  request: StoredFundingRequestJson;
  passed: AttestedJson;
  invoiceNumber: string | null;
}

/** The factor's confirmation before `fund`: the holder it pays, the price, the piece and its receivable, the invoice. */
export function useFundConfirmation(fund: (request: StoredFundingRequestJson, passed: AttestedJson) => void) {
  const t = useT();
  const { api, nameOf } = useApp();
  const state = usePending<PendingFund>();
  const ask = async (request: StoredFundingRequestJson, passed: AttestedJson): Promise<void> => {
    state.open({ request, passed, invoiceNumber: await invoiceNumberOf(api, passed.attestation.invoiceHash) });
  };
  const dialog = (busy: boolean): ReactNode => {
    const pending = state.pending;
    if (pending === null) return null;
    const { attestation } = pending.passed;
    const invoice = pending.invoiceNumber ?? t("confirm.invoiceUnknown");
    const slot = slotOf(BigInt(attestation.tokenId)).toString();
    return (
      <ConfirmStep
        testId="fund"
        title={t("confirm.fundTitle")}
        summary={t("confirm.fundSummary", {
          price: cny(attestation.price),
          holder: nameOf(pending.request.holder),
          value: cny(attestation.value),
          piece: pieceName(attestation.tokenId),
          slot,
          invoice,
        })}
        facts={[
          { label: t("confirm.recipient"), value: nameOf(pending.request.holder) },
          { label: t("confirm.amount"), value: cny(attestation.price) },
          { label: t("confirm.piece"), value: `${pieceName(attestation.tokenId)} · ${cny(attestation.value)}` },
          { label: t("confirm.invoice"), value: invoice },
        ]}
        note={t("confirm.fundNote")}
        confirmLabel={t("confirm.fundButton", { price: cny(attestation.price) })}
        busy={busy}
        onConfirm={() => {
          const taken = state.take();
          if (taken !== null) fund(taken.request, taken.passed);
        }}
        onCancel={state.cancel}
      />
    );
  };
  return { ask, dialog, open: state.pending !== null };
}

type Receivable = ObligationsJson["receivables"][number];

interface PendingRepay {
  row: Receivable;
  amount: bigint;
  invoiceNumber: string | null;
  /** Who holds the receivable's live pieces, and how much, largest first. */
  holders: Array<{ owner: string; value: bigint }>;
}

/** The holders of the receivable's live pieces, from the index (empty when it cannot say). */
async function holdersOf(api: Api, slot: string): Promise<PendingRepay["holders"]> {
  try {
    const tree = await api.call("pieceTree", { params: { id: firstPieceOf(BigInt(slot)).toString() } });
    const byOwner = new Map<string, bigint>();
    for (const node of tree.nodes) if (node.status === "live") byOwner.set(node.owner, (byOwner.get(node.owner) ?? 0n) + BigInt(node.value));
    return [...byOwner.entries()].map(([owner, value]) => ({ owner, value })).sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
  } catch {
    return [];
  }
}

/** The anchor's confirmation before `repay`: the amount, the receivable, its invoice, and who collects it. */
export function useRepayConfirmation(repay: (slot: string, amount: bigint) => void) {
  const t = useT();
  const { api, nameOf } = useApp();
  const state = usePending<PendingRepay>();
  const ask = async (row: Receivable, amount: bigint): Promise<void> => {
    const [invoiceNumber, holders] = await Promise.all([invoiceNumberOf(api, row.invoiceHash), holdersOf(api, row.slot)]);
    state.open({ row, amount, invoiceNumber, holders });
  };
  const dialog = (busy: boolean): ReactNode => {
    const pending = state.pending;
    if (pending === null) return null;
    const { row, amount } = pending;
    const invoice = pending.invoiceNumber ?? t("confirm.invoiceUnknown");
    const holders =
      pending.holders.length === 0
        ? t("confirm.noHolders")
        : pending.holders
            .map((holder) => t("confirm.holder", { name: nameOf(holder.owner), value: cny(holder.value) }))
            .join(t("confirm.listSeparator"));
    return (
      <ConfirmStep
        testId="repay"
        title={t("confirm.repayTitle")}
        summary={t("confirm.repaySummary", {
          value: cny(amount),
          slot: row.slot,
          supplier: nameOf(row.supplier),
          date: dateOf(row.maturity),
          outstanding: cny(row.outstanding),
          invoice,
          holders,
        })}
        facts={[
          { label: t("confirm.collectors"), value: holders },
          { label: t("confirm.amount"), value: cny(amount) },
          { label: t("confirm.receivable"), value: `${row.slot} · ${nameOf(row.supplier)} · ${dateOf(row.maturity)}` },
          { label: t("confirm.invoice"), value: invoice },
        ]}
        note={t("confirm.repayNote")}
        confirmLabel={t("confirm.repayButton", { value: cny(amount) })}
        busy={busy}
        onConfirm={() => {
          const taken = state.take();
          if (taken !== null) repay(taken.row.slot, taken.amount);
        }}
        onCancel={state.cancel}
      />
    );
  };
  return { ask, dialog, open: state.pending !== null };
}
