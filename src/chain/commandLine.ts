import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";

/**
 * The one way every command reads its command line: node:util `parseArgs`, strict (an unknown flag, a missing value
 * or a stray word is an error naming it), `--help`/`-h` on every command, and exit status 2 for a usage error.
 */

/** The command line is wrong: the message says what and how to fix it (exit status 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Exit status of a usage error, for every command. */
export const USAGE_EXIT = 2;

type Options = NonNullable<ParseArgsConfig["options"]>;

/** `--help`/`-h`, which every command takes. */
export const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/** Strict `parseArgs` over `argv`, its errors turned into a UsageError (node's message names the flag). */
export function parseCommandLine<const O extends Options, const P extends boolean = false>(
  argv: readonly string[],
  options: O,
  allowPositionals?: P,
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: allowPositionals ?? false, strict: true } as const);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A whole number at least `minimum` from a flag's text, or a UsageError naming the flag. */
export function wholeNumberOption(text: string, flag: string, minimum = 0): number {
  const value = Number(text);
  if (!/^[0-9]+$/u.test(text) || !Number.isSafeInteger(value) || value < minimum)
    throw new UsageError(`${flag} must be a whole number of at least ${minimum}, not "${text}"`);
  return value;
}

/** What a command does once its command line is read: its exit status (0 when it answers none). */
export type CommandMain<T> = (options: T) => Promise<number | void>;

/**
 * Runs a script: `parse` reads the command line (null for --help: the usage is printed on stdout, exit 0), then
 * `main` runs with the options. A UsageError prints "<command>: <message>" and the usage on stderr and exits 2; any
 * other error prints its message (with its class's name, or else the command's) and exits `failureStatus` at once
 * (whatever is still open); otherwise the exit status is the one `main` answers, once the process has nothing left
 * to do (a server keeps running). `report`, when given, writes the failure instead (a command logging JSON lines
 * for machines keeps its stderr all JSON).
 */
export function runCommand<T>(
  command: string,
  usage: string,
  parse: (argv: readonly string[]) => T | null | Promise<T | null>,
  main: CommandMain<T>,
  failureStatus = 1,
  report?: (message: string, error: unknown) => void,
): void {
  const run = async (): Promise<number | void> => {
    const options = await parse(process.argv.slice(2));
    if (options === null) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    return main(options);
  };
  run().then(
    (status) => {
      process.exitCode = status ?? 0;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${command}: ${error.message}\n${usage}\n`);
        process.exit(USAGE_EXIT);
      }
      // An error of its own class names itself ("IndexDamagedError: …"); a plain one is named by the command.
      const named =
        error instanceof Error && error.name !== "Error"
          ? `${error.name}: ${error.message}`
          : `${command}: ${error instanceof Error ? error.message : String(error)}`;
      if (report === undefined) process.stderr.write(`${named}\n`);
      else report(named, error);
      process.exit(failureStatus);
    },
  );
}

/** A command that takes no options but --help. */
export function helpOnly(argv: readonly string[]): Record<string, never> | null {
  return parseCommandLine(argv, HELP_OPTION).values.help === true ? null : {};
}
