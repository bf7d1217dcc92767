// Times the 24-design × 500-replicate N-of-1 power grid (bench/nof1-power.pipeline.ts) through the real CLI, cold,
// in a fresh store, with the default concurrency (the number of cores). Prints the wall time, the CPU time of the
// whole process tree, the load average, and the cheapest design the summary names.
//
// Usage: node bin/run-ts.mjs bench/nof1-power.ts [--replicates N]   (default 500)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const args = process.argv.slice(2);
const replicates = args.includes("--replicates") ? Number(args[args.indexOf("--replicates") + 1]) : 500;
const store = fs.mkdtempSync(path.join(os.tmpdir(), "strata-nof1-power-"));
const started = performance.now();
const run = spawnSync(process.execPath, ["bin/strata.mjs", "run", "bench/nof1-power.pipeline.ts", "--store", store, "--no-lock", "--json"], {
  encoding: "utf8",
  env: { ...process.env, NOF1_POWER_REPLICATES: String(replicates) },
  maxBuffer: 1 << 26,
});
const wall = (performance.now() - started) / 1000;
if (run.status !== 0) throw new Error(`strata run exited ${run.status}:\n${run.stderr}`);
const result = JSON.parse(run.stdout) as { nodes: { id: string; outputs: Record<string, string> }[] };
const summaryDigest = result.nodes.find((n) => n.id === "power")!.outputs["summary"]!;
const summary = JSON.parse(fs.readFileSync(path.join(store, "objects", summaryDigest.slice(0, 2), summaryDigest.slice(2)), "utf8")) as unknown;
// The children's CPU (cutime + cstime of /proc/self/stat, in clock ticks of 1/100 s), which includes the step threads.
const stat = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
const childCpuSeconds = (Number(stat[13]) + Number(stat[14])) / 100;
console.log(JSON.stringify({ cells: result.nodes.length - 1, replicates, wallSeconds: Number(wall.toFixed(1)), childCpuSeconds, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))), summary }, null, 2));
fs.rmSync(store, { recursive: true, force: true });
