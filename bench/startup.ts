// Process start-up of the strata command, against a bare `node` in the same run: `strata --help` (the command
// table only) and a warm `strata run` (every node a cache hit, so nearly all of it is start-up).
// Usage: node bin/run-ts.mjs bench/startup.ts [pipeline] [--times N]
// The cold/warm ratio of a whole study is bench/cache.ts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const args = process.argv.slice(2);
const timesAt = args.indexOf("--times");
const times = timesAt >= 0 ? Number(args[timesAt + 1]) || 5 : 5;
const pipeline = args.find((a, i) => !a.startsWith("--") && i !== timesAt + 1) ?? "test/fixtures/pipelines/tiny.ts";

const seconds = (argv: readonly string[]): number => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { encoding: "utf8" });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return s;
};

const median = (argv: readonly string[]): { median: number; all: number[] } => {
  const all = Array.from({ length: times }, () => seconds(argv)).sort((a, b) => a - b);
  return { median: all[Math.floor(all.length / 2)]!, all: all.map((s) => Number(s.toFixed(3))) };
};

const store = fs.mkdtempSync(path.join(os.tmpdir(), "strata-startup-"));
const run = ["bin/strata.mjs", "run", pipeline, "--store", store, "--no-lock", "--json", "--out", path.join(store, "reports")];
seconds(run); // the cold run that fills the store
const result = {
  bareNode: median(["-e", "0"]),
  help: median(["bin/strata.mjs", "--help"]),
  warmRun: { pipeline, ...median(run) },
  times,
  cores: os.availableParallelism(),
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  node: process.version,
};
fs.rmSync(store, { recursive: true, force: true });
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
