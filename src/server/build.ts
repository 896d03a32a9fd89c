import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";

/**
 * Builds the dApp with Vite (src/web/vite.config.mts) into dist/web, as a child process so that Vite's own module
 * format stays out of the ts-node process. `buildWebIfStale` skips the build when nothing the bundle is made of is
 * newer than the last build.
 */

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const WEB_OUT_DIR = path.join(REPO_ROOT, "dist/web");
const SOURCES = ["src/web", "src/proofs", "src/finance", "src/chain", "typechain-types"].map((dir) => path.join(REPO_ROOT, dir));

function newestMtime(entry: string): number {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

export function webBuildIsStale(outDir: string = WEB_OUT_DIR): boolean {
  const index = path.join(outDir, "index.html");
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  return SOURCES.some((source) => newestMtime(source) > built);
}

export async function buildWeb(outDir: string = WEB_OUT_DIR): Promise<void> {
  const vite = path.join(REPO_ROOT, "node_modules/vite/bin/vite.js");
  const args = [
    vite,
    "build",
    "--config",
    path.join(REPO_ROOT, "src/web/vite.config.mts"),
    "--outDir",
    outDir,
    "--emptyOutDir",
    "--logLevel",
    "warn",
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`vite build failed (${signal ?? `exit ${code}`})`))));
  });
}

export async function buildWebIfStale(outDir: string = WEB_OUT_DIR): Promise<boolean> {
  if (!webBuildIsStale(outDir)) return false;
  await buildWeb(outDir);
  return true;
}
