// `npm run bench` runs every benchmark, `npm run bench -- <name>` one: prints a table and writes bench/results/<name>.json.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Benchmark, Metric, ResultsFile } from "./lib/types";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, "results");

function available(): string[] {
  return fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts")
    .map((f) => f.slice(0, -3))
    .sort();
}

function status(m: Metric): string {
  if (m.target === undefined) return "-";
  const ok = m.better === "lower" ? m.value <= m.target : m.value >= m.target;
  return ok ? "ok" : "MISS";
}

function table(metrics: Metric[]): string {
  const head = ["key", "value", "unit", "better", "target", "status"];
  const rows = metrics.map((m) => [m.key, String(m.value), m.unit, m.better, m.target === undefined ? "" : `${m.better === "lower" ? "≤" : "≥"} ${m.target}`, status(m)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Runs one benchmark in this process (each gets its own process: the env it sets is cached on first use). */
async function runOne(name: string): Promise<void> {
  const file = path.join(benchDir, `${name}.ts`);
  if (!/^[a-z0-9-]+$/.test(name) || !fs.existsSync(file)) {
    console.error(`unknown benchmark "${name}"; available: ${available().join(", ")}`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(file).href)) as { default?: Benchmark };
  if (typeof mod.default !== "function") throw new Error(`bench/${name}.ts has no default export run()`);
  console.log(`== bench ${name}`);
  const started = Date.now();
  const { metrics } = await mod.default();
  console.log(table(metrics));
  const results: ResultsFile = { name, date: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, metrics };
  fs.mkdirSync(resultsDir, { recursive: true });
  const out = path.join(resultsDir, `${name}.json`);
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const names = process.argv.slice(2).filter((a) => a !== "--");
if (names.length === 1) {
  try {
    await runOne(names[0]!);
    process.exit(0);
  } catch (err) {
    console.error(`bench ${names[0]} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  }
} else {
  const failed: string[] = [];
  for (const name of names.length > 0 ? names : available()) {
    const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), name], { stdio: "inherit" });
    if (child.status !== 0) failed.push(name);
  }
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(", ")}`);
    process.exit(1);
  }
}
