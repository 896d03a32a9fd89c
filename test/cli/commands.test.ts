import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Every command of package.json that is not run by Hardhat, run as `npm run` runs it (its script line through a
 * shell, node_modules/.bin on the PATH): `--help` prints its usage and exits 0; an unknown flag exits 2 with a
 * message naming the flag. No chain, no network: a usage is answered before anything is started.
 */

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const COMMANDS = ["start", "api", "indexer", "audit", "credit-report", "operator", "network", "bench:network"] as const;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const line = `${scripts[command]} ${args.join(" ")}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${path.join(REPO_ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
    };
    delete env.CHAINBILL_RPC_URL;
    const child = spawn("sh", ["-c", line], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe("the commands' command lines (package.json scripts)", function () {
  this.timeout(300_000);

  it("every command is a script of package.json run with tsx (or node with tsx's loader), not ts-node", function () {
    for (const command of COMMANDS) {
      expect(scripts[command], command).to.match(/^(tsx |node .*-r tsx\/cjs )(scripts|bench)\/[\w-]+\.ts$/u);
    }
  });

  it("--help prints the usage and exits 0; an unknown flag exits 2 naming the flag", async function () {
    // Two at a time: each run starts a Node process and tsx.
    const results = new Map<string, { help: Run; unknown: Run }>();
    const queue = [...COMMANDS];
    const worker = async (): Promise<void> => {
      for (let command = queue.shift(); command !== undefined; command = queue.shift()) {
        results.set(command, { help: await run(command, ["--help"]), unknown: await run(command, ["--no-such-flag"]) });
      }
    };
    await Promise.all([worker(), worker()]);
    for (const command of COMMANDS) {
      const { help, unknown } = results.get(command) ?? expect.fail(`${command} did not run`);
      expect(help.status, `${command} --help: ${help.stderr}`).to.equal(0);
      expect(help.stdout, `${command} --help`).to.match(/^usage: npm (start|run [\w:-]+)/u);
      expect(unknown.status, `${command} --no-such-flag: ${unknown.stdout}${unknown.stderr}`).to.equal(2);
      expect(unknown.stderr, `${command} --no-such-flag`).to.contain("'--no-such-flag'");
      expect(unknown.stdout, `${command} --no-such-flag starts nothing`).to.equal("");
    }
  });

  it("the indexer's verify and the operator's and network's subcommands answer --help and refuse an unknown flag alike", async function () {
    for (const [command, sub] of [
      ["indexer", "verify"],
      ["operator", "members"],
      ["network", "status"],
    ] as const) {
      const help = await run(command, [sub, "--help"]);
      expect(help.status, `${command} ${sub} --help: ${help.stderr}`).to.equal(0);
      expect(help.stdout).to.match(/^usage: /u);
      const unknown = await run(command, [sub, "--no-such-flag"]);
      expect(unknown.status, `${command} ${sub} --no-such-flag`).to.equal(2);
      expect(unknown.stderr).to.contain("'--no-such-flag'");
    }
  });
});
