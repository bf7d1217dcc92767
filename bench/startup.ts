// Process start-up of the strata command, against a bare `node` in the same run: `strata --help` (the command
// table only) and a warm `strata run` (every node a cache hit, so nearly all of it is start-up), from this
// repository's sources and from the installed package (packed, installed offline into a temp study repository
// and given heart-disease with its imports rewritten to "strata": test/package/install-packed.ts), whose cold
// run is timed too for the warm/cold ratio, and a warm run after an edit to the pipeline file (its plan not cached).
// Usage: node bin/run-ts.mjs bench/startup.ts [pipeline] [--times N] [--sources-only]
// The cold/warm ratio of a whole study from the sources is bench/cache.ts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { copyHeartDisease, installPackedStrata } from "../test/package/install-packed.js";

const args = process.argv.slice(2);
const timesAt = args.indexOf("--times");
const times = timesAt >= 0 ? Number(args[timesAt + 1]) || 5 : 5;
const pipeline = args.find((a, i) => !a.startsWith("--") && i !== timesAt + 1) ?? "test/fixtures/pipelines/tiny.ts";
const repoRoot = process.cwd();
// CPU seconds (user + system) of each child, where GNU time is installed: wall time alone is noisy on shared cores.
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

interface Timing {
  readonly wall: number;
  readonly cpu: number | undefined;
}

const timed = (argv: readonly string[], cwd = repoRoot): Timing => {
  const [command, commandArgs] = TIME === undefined ? [process.execPath, argv] : [TIME, ["-f", "strata-bench-cpu %U %S", process.execPath, ...argv]];
  const t0 = performance.now();
  const r = spawnSync(command, commandArgs, { encoding: "utf8", cwd, maxBuffer: 64 * 1024 * 1024 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${r.stderr}`);
  const cpu = /strata-bench-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { wall, cpu: cpu === null ? undefined : Number(cpu[1]) + Number(cpu[2]) };
};

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rounded = (s: number): number => Number(s.toFixed(3));

const repeated = (argv: readonly string[], cwd = repoRoot, before = () => {}) => {
  const all = Array.from({ length: times }, () => {
    before();
    return timed(argv, cwd);
  });
  const cpus = all.flatMap((t) => (t.cpu === undefined ? [] : [t.cpu]));
  return { median: rounded(median(all.map((t) => t.wall))), all: all.map((t) => rounded(t.wall)), cpuMedian: cpus.length > 0 ? rounded(median(cpus)) : undefined };
};

const runArgs = (cli: string, file: string, store: string) => [cli, "run", file, "--store", store, "--no-lock", "--json", "--out", path.join(store, "reports")];

const fromSources = () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "strata-startup-"));
  const run = runArgs("bin/strata.mjs", pipeline, store);
  timed(run); // the cold run that fills the store
  const result = { help: repeated(["bin/strata.mjs", "--help"]), warmRun: { pipeline, ...repeated(run) } };
  fs.rmSync(store, { recursive: true, force: true });
  return result;
};

const installed = () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "strata-startup-installed-"));
  try {
    const study = installPackedStrata(repoRoot, work);
    const heart = copyHeartDisease(repoRoot, study);
    const cli = "node_modules/strata/bin/strata.mjs";
    const run = runArgs(cli, heart, path.join(study, ".strata-bench"));
    const cold = timed(run, study);
    const warm = repeated(run, study);
    // Every node cached but the pipeline file edited (a comment appended before each run): its plan is not in the
    // plan cache, so the loader thread imports it, transpiled afresh.
    const pipelineFile = path.join(study, heart);
    let edits = 0;
    const warmEdited = repeated(run, study, () => fs.appendFileSync(pipelineFile, `// edit ${++edits}\n`));
    return {
      help: repeated([cli, "--help"], study),
      heartDisease: { cold: { wall: rounded(cold.wall), cpu: cold.cpu === undefined ? undefined : rounded(cold.cpu) }, warm, warmOverCold: rounded(warm.median / cold.wall), warmEdited },
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
};

const result = {
  bareNode: repeated(["-e", "0"]),
  sources: fromSources(),
  installed: args.includes("--sources-only") ? undefined : installed(),
  times,
  cores: os.availableParallelism(),
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  node: process.version,
};
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
