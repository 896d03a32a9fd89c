import { spawn } from "node:child_process";
import path from "node:path";

/** The repository's root, where commands run. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface CommandRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command of `scripts/` (e.g. `scripts/audit.ts`) as `npm run` would, in its own process, and collects its
 * exit status, stdout and stderr. The process is killed after `timeoutMs`.
 */
export function runCommand(script: string, args: readonly string[], timeoutMs = 120_000): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, script), ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A command's stderr as JSON log records (`--log-format json`): every non-empty line must parse. */
export function jsonLogRecords(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
