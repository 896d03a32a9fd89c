import type { ReactNode } from "react";
import { useT } from "./lib/i18n";

/**
 * The confirmation step before every transfer, funding and repayment (issue 18 item 5): who receives how much, of
 * which receivable, backed by which invoice, and a note that it cannot be undone. Nothing is sent until the user
 * presses confirm; cancel closes it and sends nothing. Test ids are `<testId>-confirmation`, `-summary`,
 * `-confirm` and `-cancel`.
 */
export interface ConfirmStepProps {
  testId: string;
  title: string;
  /** The sentence saying who receives how much of what, backed by which invoice. */
  summary: ReactNode;
  /** Facts to read before confirming, each a label and its value. */
  facts?: ReadonlyArray<{ label: string; value: ReactNode }>;
  /** What cannot be undone, and what the wallet will ask. */
  note: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmStep({ testId, title, summary, facts = [], note, confirmLabel, busy, onConfirm, onCancel }: ConfirmStepProps) {
  const t = useT();
  return (
    <div className="confirm card" role="dialog" aria-label={title} data-testid={`${testId}-confirmation`}>
      <h3>{title}</h3>
      <p data-testid={`${testId}-summary`}>{summary}</p>
      {facts.length > 0 && (
        <dl className="figures" data-testid={`${testId}-facts`}>
          {facts.map((fact) => (
            <div key={fact.label}>
              <dt>{fact.label}</dt>
              <dd>{fact.value}</dd>
            </div>
          ))}
        </dl>
      )}
      <p className="muted">{note}</p>
      <button type="button" disabled={busy} onClick={onConfirm} data-testid={`${testId}-confirm`}>
        {confirmLabel}
      </button>{" "}
      <button type="button" className="secondary" disabled={busy} onClick={onCancel} data-testid={`${testId}-cancel`}>
        {t("precheck.cancel")}
      </button>
    </div>
  );
}
