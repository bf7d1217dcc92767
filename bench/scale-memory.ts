// Where the scale study's memory goes: one cold run of bench/scale-study.ts through the real CLI, with the CLI
// process's resident set (VmRSS, and the high-water mark VmHWM) sampled from /proc every 0.5 s and attributed to
// the node(s) running at that moment (the CLI's progress lines on stderr say which). Prints the peak per node, so
// a change aimed at one node's memory can be checked against that node's own figure. Linux only (/proc).
// Usage: node bin/run-ts.mjs bench/scale-memory.ts [--rows 1000000] [--stop cv|train-logreg]
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeCohort } from "./scale-cohort.js";
import { cohortFile } from "./scale-study.js";

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rows = Number(flag("--rows") ?? 1_000_000);
const stop = flag("--stop") ?? "";
const root = process.cwd();
writeCohort(root, rows, 1, cohortFile(rows));
const store = fs.mkdtempSync(path.join(os.tmpdir(), "strata-scale-memory-"));

const statusKb = (pid: number, field: string): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
};

const cli = spawn(process.execPath, ["bin/strata.mjs", "run", "bench/scale-study.ts", "--store", store, "--no-lock", "--json", "--out", path.join(store, "reports")], {
  env: { ...process.env, STRATA_SCALE_ROWS: String(rows), STRATA_SCALE_STOP: stop },
  stdio: ["ignore", "ignore", "pipe"],
});
const running = new Set<string>();
const peakKb = new Map<string, number>();
const t0 = performance.now();
let stderr = "";
cli.stderr.setEncoding("utf8");
cli.stderr.on("data", (chunk: string) => {
  stderr += chunk;
  for (const line of chunk.split("\n")) {
    const started = /▶ (\S+) \(/.exec(line);
    if (started) running.add(started[1]!);
    const finished = /[●✓] \[\d+\/\d+\] (\S+)/.exec(line);
    if (finished) running.delete(finished[1]!);
  }
});
let hwmKb = 0;
const sampler = setInterval(() => {
  try {
    const rss = statusKb(cli.pid!, "VmRSS");
    hwmKb = Math.max(hwmKb, statusKb(cli.pid!, "VmHWM"));
    const at = running.size === 0 ? "(between nodes)" : [...running].sort().join("+");
    peakKb.set(at, Math.max(peakKb.get(at) ?? 0, rss));
  } catch {
    // The process has just exited.
  }
}, 500);
const code = await new Promise<number | null>((resolve) => cli.on("exit", resolve));
clearInterval(sampler);
fs.rmSync(store, { recursive: true, force: true });
if (code !== 0) process.stderr.write(stderr.split("\n").slice(-15).join("\n"));
const gb = (kb: number) => Number((kb / 1e6).toFixed(2));
process.stdout.write(
  `${JSON.stringify(
    {
      rows,
      exit: code,
      seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
      peakRssGB: gb(hwmKb),
      sampledPeakRssGBByNode: Object.fromEntries([...peakKb].map(([k, v]) => [k, gb(v)])),
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    null,
    2,
  )}\n`,
);
