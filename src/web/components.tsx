import { useContext, useRef, useState } from "react";
import { AppContext } from "./app";
import type { ReactNode } from "react";
import { FAILURE_TITLES, PLAIN_NAMES, explain, humanize } from "./lib/errors";
import type { Explained, Names } from "./lib/errors";
import { verifierReason } from "./lib/verifierReasons";
import { useLanguage, useT } from "./lib/i18n";
import type { MessageKey } from "./lib/i18n";
import type { PieceStatus } from "../api/wire/schemas";

/** Small pieces every page uses: errors, progress of long waits, status badges. */

export function ErrorBox({ error }: { error: Explained | null }) {
  const t = useT();
  const app = useContext(AppContext);
  if (error === null) return null;
  return (
    <div className="error" role="alert">
      <strong>{app === null ? error.message : humanize(error.message, app.nameOf)}</strong>
      {error.reasons.length > 0 && (
        <>
          <div>{t("err.reasons")}</div>
          <ul>
            {error.reasons.map((reason) => (
              <li key={reason}>{app === null ? reason : humanize(reason, app.nameOf)}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export interface ProgressState {
  steps: MessageKey[];
  current: number;
}

export function Progress({ progress }: { progress: ProgressState | null }) {
  const t = useT();
  if (progress === null) return null;
  return (
    <div className="progress" role="status" aria-live="polite">
      <div className="spinner" aria-hidden="true" />
      <div>
        <div className="progress-count">{t("common.step", { n: progress.current + 1, total: progress.steps.length })}</div>
        <ol>
          {progress.steps.map((step, index) => (
            <li key={step} className={index < progress.current ? "done" : index === progress.current ? "current" : "todo"}>
              {t(step)}
            </li>
          ))}
        </ol>
      </div>
    </div>
  );
}

/** What an action shows below its buttons: its progress, its failure explained, or its result line. */
export function ActionOutcome({
  progress,
  error,
  result,
  testId,
}: {
  progress: ProgressState | null;
  error: Explained | null;
  result: string | null;
  testId: string;
}) {
  return (
    <>
      <Progress progress={progress} />
      <ErrorBox error={error} />
      {result !== null && (
        <p className="success" data-testid={testId}>
          {result}
        </p>
      )}
    </>
  );
}

/** How error sentences name members: by the directory's name once signed in (lib/errors.ts `Names`). */
export function useNames(): Names {
  const app = useContext(AppContext);
  const language = useLanguage();
  if (app === null) return PLAIN_NAMES;
  return {
    account: (address) => app.nameOf(address),
    member: (memberId) => {
      const member = app.members.find((entry) => entry.memberId === memberId);
      const name = member === undefined ? null : language === "zh" ? member.nameZh : member.nameEn;
      return name ?? `#${memberId}`;
    },
  };
}

/** Runs an action with a progress list and turns any failure into an explained error. */
export function useAction() {
  const t = useT();
  const language = useLanguage();
  const names = useNames();
  const [progress, setProgress] = useState<ProgressState | null>(null);
  const [error, setError] = useState<Explained | null>(null);
  // A double click reaches the handler twice before React re-renders the disabled button: the second run must
  // do nothing, so that a transaction the user already sent is never sent twice.
  const running = useRef(false);
  const run = async (steps: MessageKey[], action: (step: (key: MessageKey) => void) => Promise<void>): Promise<boolean> => {
    if (running.current) return false;
    running.current = true;
    setError(null);
    setProgress({ steps, current: 0 });
    try {
      await action((key) => setProgress({ steps, current: Math.max(0, steps.indexOf(key)) }));
      return true;
    } catch (caught) {
      setError(explain(caught, t, language, names));
      return false;
    } finally {
      running.current = false;
      setProgress(null);
    }
  };
  return { progress, error, setError, run, busy: progress !== null };
}

export function StatusBadge({ status }: { status: PieceStatus }) {
  const t = useT();
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}

export function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/**
 * One failed check: its title and its sentence in the page's language (lib/verifierReasons.ts; in English the
 * verifier's own sentence, with members by name), the code for support, and the step.
 */
export function FailureLine({ failure, stepLabel }: { failure: { code: string; message: string; tokenId?: string }; stepLabel?: string }) {
  const language = useLanguage();
  const app = useContext(AppContext);
  const names = useNames();
  const title = FAILURE_TITLES[failure.code]?.[language];
  const sentence = verifierReason(failure, language);
  return (
    <li data-testid="failure-line">
      {title !== undefined && <strong>{title} </strong>}
      <code>{failure.code}</code> {stepLabel === undefined ? "" : `(${stepLabel}) `}
      <span className="muted">{app === null ? sentence : humanize(sentence, app.nameOf, names.member)}</span>
    </li>
  );
}
