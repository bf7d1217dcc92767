// The heart bias-modulation study, whole, through the real CLI: cold (fresh store), then warm (same store), and in
// the same run the same work with no engine (bench/heart-bias-modulation-plain.ts: the same step functions and
// trainings called in order in one thread, on in-memory values). The engine's overhead is the ratio of the two.
//
// Usage: node bin/run-ts.mjs bench/heart-bias-modulation.ts [pipeline] [--concurrency N] [--warm N]
//   pipeline       default pipelines/heart-bias-modulation.ts (test/pipelines/heart-bias-modulation-small.pipeline.ts
//                  is a quick variant)
//   --concurrency  passed to `strata run` for the cold run; default 1, so that wall times compare with the
//                  one-thread plain run (the default of `strata run` is the number of cores)
//   --warm N       warm runs (median reported), default 3
//   --pairs N      cold-engine/plain pairs, alternating; the overhead is the median over pairs (default 1)
//
// On a shared machine wall time depends on what else runs; CPU time (user + system of the whole process, worker
// threads included) much less, so both are reported, with the load average around each phase. The plain run also
// reports the digests the engine would store for each output: the bench checks that they are the engine's.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const flagValues = new Set(["--concurrency", "--warm", "--pairs"].flatMap((f) => (args.includes(f) ? [args[args.indexOf(f) + 1]] : [])));
const pipeline = args.find((a) => !a.startsWith("--") && !flagValues.has(a)) ?? "pipelines/heart-bias-modulation.ts";
const concurrency = flag("--concurrency", 1);
const warmRuns = flag("--warm", 3);
const pairCount = flag("--pairs", 1);
const TIME = "/usr/bin/time";
const haveTime = fs.existsSync(TIME);

interface Timed {
  readonly seconds: number;
  /** user + system CPU seconds of the process (null without /usr/bin/time). */
  readonly cpuSeconds: number | null;
  readonly stdout: string;
  readonly load: readonly [number, number];
}

/** Runs node with `argv` and measures wall time, and CPU time through /usr/bin/time when it exists. */
const timed = (argv: readonly string[]): Timed => {
  const loadBefore = os.loadavg()[0]!;
  const cpuFile = path.join(os.tmpdir(), `strata-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [cmd, cmdArgs] = haveTime ? [TIME, ["-f", "%U %S", "-o", cpuFile, process.execPath, ...argv]] : [process.execPath, [...argv]];
  const t0 = performance.now();
  const r = spawnSync(cmd, cmdArgs, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}):\n${r.stderr}`);
  let cpuSeconds: number | null = null;
  if (haveTime) {
    const [user, sys] = fs.readFileSync(cpuFile, "utf8").trim().split(/\s+/).slice(-2).map(Number);
    cpuSeconds = user! + sys!;
    fs.rmSync(cpuFile, { force: true });
  }
  return { seconds, cpuSeconds, stdout: r.stdout, load: [loadBefore, os.loadavg()[0]!] };
};

interface RunJson {
  nodes: { id: string; cached: boolean; outputs: Record<string, string> }[];
  manifest: string;
}

const store = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-bias-"));
const strataRun = (extra: readonly string[]) =>
  timed(["bin/strata.mjs", "run", pipeline, "--store", store, "--out", path.join(store, "reports"), "--no-lock", "--json", ...extra]);

process.stderr.write(`cold run of ${pipeline} (--concurrency ${concurrency})\n`);
const cold = strataRun(["--concurrency", String(concurrency)]);
const coldJson = JSON.parse(cold.stdout) as RunJson;
process.stderr.write(`  ${cold.seconds.toFixed(1)} s wall, ${cold.cpuSeconds?.toFixed(1) ?? "?"} s CPU\n`);

// Per-node wall seconds from the run's manifest (an object in the store, named by its digest).
const manifestFile = path.join(store, "objects", coldJson.manifest.slice(0, 2), coldJson.manifest.slice(2));
const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { seconds: number; nodes: { id: string; seconds: number }[] };

process.stderr.write(`warm runs (${warmRuns})\n`);
const warm = Array.from({ length: warmRuns }, () => strataRun([]));
for (const w of warm) {
  const nodes = (JSON.parse(w.stdout) as RunJson).nodes;
  if (!nodes.every((n) => n.cached)) throw new Error("a warm run ran a node");
}
const warmSeconds = warm.map((w) => w.seconds).sort((a, b) => a - b);
const warmMedian = warmSeconds[Math.floor(warmSeconds.length / 2)]!;

interface PlainJson {
  seconds: number;
  cpuSeconds: number;
  digestSeconds: number;
  digestCpuSeconds: number;
  nodes: { id: string; seconds: number; cpuSeconds: number }[];
  digests: Record<string, Record<string, string>>;
}
/**
 * The plain script in its own process. It also hashes every output (so later steps see real input digests and the
 * outputs can be compared); that work is the engine's, so it is taken out of the plain run's figures.
 */
const plainRun = () => {
  const t = timed(["bin/run-ts.mjs", "bench/heart-bias-modulation-plain.ts", pipeline]);
  const json = JSON.parse(t.stdout) as PlainJson;
  return { ...t, seconds: t.seconds - json.digestSeconds, cpuSeconds: t.cpuSeconds === null ? null : t.cpuSeconds - json.digestCpuSeconds, json };
};

process.stderr.write("plain run (no engine)\n");
const plain = plainRun();
const plainJson = plain.json;
const sorted = (o: Record<string, string> | undefined) => JSON.stringify(Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
const mismatched = coldJson.nodes.filter((n) => sorted(n.outputs) !== sorted(plainJson.digests[n.id])).map((n) => n.id);
fs.rmSync(store, { recursive: true, force: true });

const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);

// On a shared machine one pair of runs can be off by ten per cent either way: --pairs N alternates N more cold
// engine runs (each on a fresh store) with plain runs, and the overhead is reported per pair and as the median.
const pairs = [{ engine: cold, plain }];
for (let i = 1; i < pairCount; i++) {
  process.stderr.write(`pair ${i + 1} of ${pairCount}: cold engine run, then plain run\n`);
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-bias-"));
  const engine = timed(["bin/strata.mjs", "run", pipeline, "--store", fresh, "--out", path.join(fresh, "reports"), "--no-lock", "--json", "--concurrency", String(concurrency)]);
  fs.rmSync(fresh, { recursive: true, force: true });
  pairs.push({ engine, plain: plainRun() });
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pairRatios = pairs.map((p) => ({ wall: p.engine.seconds / p.plain.seconds, cpu: ratio(p.engine.cpuSeconds, p.plain.cpuSeconds) }));
const result = {
  pipeline,
  node: process.version,
  cores: os.availableParallelism(),
  cold: {
    concurrency,
    seconds: cold.seconds,
    cpuSeconds: cold.cpuSeconds,
    manifestSeconds: manifest.seconds,
    load: cold.load,
    nodes: Object.fromEntries(manifest.nodes.map((n) => [n.id, n.seconds])),
  },
  warm: { runs: warmRuns, medianSeconds: warmMedian, all: warmSeconds, warmOverCold: warmMedian / cold.seconds },
  plain: {
    seconds: plain.seconds,
    cpuSeconds: plain.cpuSeconds,
    digestSeconds: plainJson.digestSeconds,
    inScriptSeconds: plainJson.seconds,
    inScriptCpuSeconds: plainJson.cpuSeconds,
    load: plain.load,
    nodes: Object.fromEntries(plainJson.nodes.map((n) => [n.id, n.seconds])),
  },
  sameOutputs: mismatched.length === 0,
  mismatched,
  /** Engine over plain, both whole processes (start-up included): 1.10 means 10% overhead. Median over the pairs. */
  overhead: {
    pairs: pairRatios,
    wall: median(pairRatios.map((r) => r.wall)),
    cpu: haveTime ? median(pairRatios.map((r) => r.cpu!)) : null,
  },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (mismatched.length > 0) process.exitCode = 1;
