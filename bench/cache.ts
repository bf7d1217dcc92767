// Cold vs warm wall time of a whole study through the real CLI, in one run so the ratio is fair.
// Usage: node bin/run-ts.mjs bench/cache.ts [pipeline] [--warm N]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const pipeline = args.find((a) => !a.startsWith("--")) ?? "pipelines/heart-disease.ts";
const warmRuns = Number(args[args.indexOf("--warm") + 1] ?? 3) || 3;

const timeRun = (store: string): number => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["bin/strata.mjs", "run", pipeline, "--store", store, "--no-lock", "--json", "--out", path.join(store, "reports")], { encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`strata run failed:\n${r.stderr}`);
  const nodes = (JSON.parse(r.stdout) as { nodes: { cached: boolean }[] }).nodes;
  process.stderr.write(`  ${nodes.filter((n) => n.cached).length}/${nodes.length} cached, ${seconds.toFixed(2)}s\n`);
  return seconds;
};

const store = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-"));
process.stderr.write(`cold run of ${pipeline}\n`);
const cold = timeRun(store);
process.stderr.write(`warm runs (${warmRuns})\n`);
const warm = Array.from({ length: warmRuns }, () => timeRun(store)).sort((a, b) => a - b);
const median = warm[Math.floor(warm.length / 2)]!;
fs.rmSync(store, { recursive: true, force: true });

const result = {
  pipeline,
  coldSeconds: cold,
  warmSeconds: warm,
  warmMedianSeconds: median,
  warmOverCold: median / cold,
  cores: os.availableParallelism(),
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  node: process.version,
};
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
