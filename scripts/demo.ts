/**
 * `npm run demo` (`hardhat run scripts/demo.ts`): the Chainbill story on the in-process network, printed step by
 * step, with its checks at the end. Exits non-zero when a check fails or the story cannot be played.
 * `npx hardhat run --network consortium scripts/demo.ts` plays it on the consortium's geth network (about 3 min).
 */
import { runDemo } from "../src/demo/story";

async function main(): Promise<void> {
  const result = await runDemo({ log: (line) => console.log(line) });
  if (!result.passed) {
    const failed = result.checks.filter((check) => !check.passed);
    console.error(`\nDemo failed: ${failed.length} check(s) did not hold:`);
    for (const check of failed) console.error(`  - ${check.name}: ${check.detail}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error && error.stack !== undefined) console.error(error.stack);
  process.exitCode = 1;
});
