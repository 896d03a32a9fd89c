import type { Logger } from "pino";
import type { RpcError } from "../chain/rpc";
import { selectSignatureBackend } from "../chain/signatures";
import type { AuditPhase, AuditResult } from "./run";

/**
 * What the audit logs (through src/log/logger.ts, on stderr): each phase's start and end with its duration,
 * its progress at most once a second (debug), the node's retries, and the outcome in one record. The report itself
 * (the files and the summary a person reads on stdout) is not logging: scripts/audit.ts writes it.
 */

export interface AuditLog {
  /** Chooses the signature implementation now (src/chain/signatures.ts) and logs the choice, rather than the raw
   * stderr line it writes when chosen on first use. */
  signatures(): void;
  /** `runAudit`'s `onProgress`. */
  progress(phase: AuditPhase, done: number, total: number): void;
  /** `httpSender`'s `onRetry`. */
  retry(error: RpcError, attempt: number): void;
  /** Ends the last phase and logs the outcome. */
  finished(result: AuditResult): void;
}

const PROGRESS_EVERY_MS = 1_000;

export function auditLog(logger: Logger, now: () => number = Date.now): AuditLog {
  let current: { phase: AuditPhase; started: number; done: number; total: number; shown: number } | undefined;
  const endPhase = (): void => {
    if (current === undefined) return;
    logger.info({ phase: current.phase, done: current.done, total: current.total, ms: now() - current.started }, `${current.phase} done`);
    current = undefined;
  };
  return {
    signatures() {
      selectSignatureBackend(undefined, (line) => logger.info(line));
    },
    progress(phase, done, total) {
      if (current?.phase !== phase) {
        endPhase();
        current = { phase, started: now(), done, total, shown: now() };
        logger.info({ phase, total }, `${phase} started`);
      }
      current.done = done;
      current.total = total;
      if (now() - current.shown >= PROGRESS_EVERY_MS) {
        current.shown = now();
        logger.debug({ phase, done, total }, `${phase} progress`);
      }
    },
    retry(error, attempt) {
      logger.warn({ attempt, err: error }, "retrying the node");
    },
    finished(result) {
      endPhase();
      logger.info(
        {
          chainId: result.chainId.toString(),
          block: result.block,
          deploymentBlock: result.record.deploymentBlock,
          logs: result.logCount,
          events: result.replay.eventsReplayed,
          findings: result.findings.length,
          documentsChecked: result.documentsChecked,
          indexCompared: result.indexCompared,
          timings: result.timings,
        },
        result.findings.length === 0 ? "audit clean" : `audit found ${result.findings.length} finding(s)`,
      );
    },
  };
}
