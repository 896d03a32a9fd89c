import hre from "hardhat";
import { GAS_KEYS, GAS_TARGETS, REGRESSION_TOLERANCE_PERCENT, measureGas, regressionLimit } from "./gas/measure";
import type { GasFigures } from "./gas/measure";
import { SNAPSHOT_FILE, readSnapshot, writeSnapshot } from "./gas/snapshot";

/**
 * `npm run bench:gas`: measures the gas of our hot paths and of the reference ERC-3525 split on the in-process
 * network, prints them against the targets, the reference and the committed snapshot (bench/gas-snapshot.json).
 * With UPDATE_GAS_SNAPSHOT=1 it rewrites the snapshot instead of comparing against it.
 */

/** `numerator / denominator` with two decimals, rounded half away from zero, in integer arithmetic. */
function ratio(numerator: number, denominator: number): string {
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  const magnitude = ((n < 0n ? -n : n) * 100n * 2n + d) / (2n * d);
  const sign = n < 0n && magnitude !== 0n ? "-" : "";
  return `${sign}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, "0")}`;
}

function percentChange(before: number, after: number): string {
  const change = ratio((after - before) * 100, before);
  return `${after > before ? "+" : ""}${change}%`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]): string =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

async function main(): Promise<void> {
  const root = hre.config.paths.root;
  const update = process.env.UPDATE_GAS_SNAPSHOT === "1";
  const figures: GasFigures = await measureGas();
  const snapshot = update ? undefined : readSnapshot(root);

  const header = ["operation", "gas", "target", "vs reference"];
  if (snapshot !== undefined) header.push("snapshot", "change");
  const rows: string[][] = [header];
  const notes: string[] = [];
  for (const key of GAS_KEYS) {
    const gas = figures[key];
    const target = GAS_TARGETS[key];
    const row = [
      key,
      gas.toString(),
      target === undefined ? "none" : `${target}${gas > target ? " OVER" : ""}`,
      `${ratio(gas, figures.referenceSplit)}x`,
    ];
    if (target !== undefined && gas > target) notes.push(`${key} uses ${gas} gas, over its target of ${target}`);
    if (snapshot !== undefined) {
      const regressed = key !== "referenceSplit" && gas > regressionLimit(snapshot[key]);
      row.push(snapshot[key].toString(), `${percentChange(snapshot[key], gas)}${regressed ? " !" : ""}`);
      if (regressed) {
        notes.push(`${key} is more than ${REGRESSION_TOLERANCE_PERCENT}% above the snapshot (${snapshot[key]} -> ${gas})`);
      }
    }
    rows.push(row);
  }

  const hardfork = "hardfork" in hre.network.config ? hre.network.config.hardfork : "unknown";
  console.log(`Gas used per transaction (receipts of real transactions, network ${hre.network.name}, hardfork ${hardfork})\n`);
  console.log(table(rows));
  console.log("");
  for (const note of notes) console.log(`! ${note}`);

  if (update) {
    const file = writeSnapshot(root, figures);
    console.log(`Wrote ${file}`);
  } else if (snapshot === undefined) {
    console.log(`No ${SNAPSHOT_FILE} yet: run with UPDATE_GAS_SNAPSHOT=1 to write it.`);
  } else {
    console.log(`Compared with ${SNAPSHOT_FILE}; UPDATE_GAS_SNAPSHOT=1 rewrites it.`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
