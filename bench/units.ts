// Replicates in parallel: one study, cold, on one core vs two (the local engine's pool) and on one Temporal worker vs
// two on one task queue (each worker one activity at a time). Each measurement is a whole `strata run` through the
// real CLI on a fresh store; workers are started (and polling) before the clock starts. Configurations alternate, and
// every run's output digests must equal the first's. Goals: local 2 cores >= 1.7x, two workers >= 1.8x.
// Each worker runs in a session of its own, as a worker service would: with the kernel's autogroup scheduling a
// session shares the CPU with other sessions as one, so on a loaded machine the threads of one process (local-2)
// gain little, while two worker processes get two shares.
// Usage: node bin/run-ts.mjs bench/units.ts [pipeline] [--reps N] [--configs local-1,local-2,temporal-1,temporal-2]
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort, startDevServer } from "../workers/dev-server.js";
import { resolveTemporalBinary } from "../workers/temporal-binary.js";

const args = process.argv.slice(2);
const flagValue = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const pipeline = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--")) ?? "test/pipelines/heart-bias-modulation-small.pipeline.ts";
const reps = Number(flagValue("--reps") ?? 3) || 3;

const ALL_CONFIGS = ["local-1", "local-2", "temporal-1", "temporal-2"] as const;
type Config = (typeof ALL_CONFIGS)[number];
const chosen = flagValue("--configs")?.split(",") ?? [...ALL_CONFIGS];
const CONFIGS = ALL_CONFIGS.filter((c) => chosen.includes(c));

const server = await startDevServer({ binary: resolveTemporalBinary(), port: await freePort(), logLevel: "error" });

const startWorker = async (store: string): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ["bin/strata.mjs", "worker", "--address", server.address, "--store", store, "--concurrency", "1"], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let err = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (c: Buffer) => {
      err += c.toString();
      if (err.includes("polling task queue")) resolve();
    });
    child.once("exit", () => reject(new Error(`worker exited:\n${err}`)));
  });
  return child;
};

/** Seconds of the nodes whose step has units (the trainings, evaluate.subgroup-metrics), from the run's manifest: the part units can speed up. */
const unitNodeSeconds = (store: string, manifest: string): number => {
  const shown = spawnSync(process.execPath, ["bin/strata.mjs", "show", manifest, "--store", store, "--json"], { encoding: "utf8" });
  const record = JSON.parse(shown.stdout) as { record: { nodes: { seconds: number; units?: unknown }[] } };
  return record.record.nodes.filter((n) => n.units !== undefined).reduce((sum, n) => sum + n.seconds, 0);
};

let reference: string | undefined;
const trainSeconds: Record<Config, number[]> = { "local-1": [], "local-2": [], "temporal-1": [], "temporal-2": [] };
const timeRun = async (config: Config): Promise<number> => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), `strata-bench-units-`));
  const [engine, n] = config.split("-") as ["local" | "temporal", string];
  const workers = engine === "temporal" ? await Promise.all(Array.from({ length: Number(n) }, () => startWorker(store))) : [];
  const extra = engine === "temporal" ? ["--engine", "temporal", "--address", server.address] : ["--concurrency", n];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["bin/strata.mjs", "run", pipeline, "--store", store, "--json", "--no-lock", "--out", path.join(store, "reports"), ...extra], { encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  for (const w of workers) w.kill("SIGINT");
  if (r.status !== 0) throw new Error(`strata run (${config}) failed:\n${r.stderr}`);
  const summary = JSON.parse(r.stdout.trim().split("\n").pop()!) as { manifest: string; nodes: { id: string; cached: boolean; outputs: Record<string, string> }[] };
  if (summary.nodes.some((node) => node.cached)) throw new Error(`${config}: a cold run had cache hits`);
  const digests = JSON.stringify(summary.nodes.map((node) => [node.id, node.outputs]));
  reference ??= digests;
  if (digests !== reference) throw new Error(`${config}: output digests differ from the first run's`);
  trainSeconds[config].push(unitNodeSeconds(store, summary.manifest));
  process.stderr.write(`  ${config.padEnd(11)} ${seconds.toFixed(2)}s wall; nodes with units ${trainSeconds[config].at(-1)!.toFixed(2)}s in all\n`);
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.exitCode !== null ? resolve(null) : w.once("exit", resolve)))));
  fs.rmSync(store, { recursive: true, force: true });
  return seconds;
};

const times: Record<Config, number[]> = { "local-1": [], "local-2": [], "temporal-1": [], "temporal-2": [] };
try {
  process.stderr.write(`${pipeline}: ${reps} cold runs per configuration, alternating\n`);
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const config of order) times[config].push(await timeRun(config));
  }
} finally {
  await server.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medians = Object.fromEntries(CONFIGS.map((c) => [c, times[c].length > 0 ? median(times[c]) : Number.NaN])) as Record<Config, number>;
process.stdout.write(
  JSON.stringify(
    {
      pipeline,
      seconds: times,
      medians,
      // Node seconds summed over the nodes with units: how much those nodes themselves gained.
      unitNodeSeconds: trainSeconds,
      localTwoCoresSpeedup: medians["local-1"] / medians["local-2"],
      temporalTwoWorkersSpeedup: medians["temporal-1"] / medians["temporal-2"],
      goals: { localTwoCores: 1.7, temporalTwoWorkers: 1.8 },
      digestsIdenticalAcrossConfigurations: true,
      cores: os.availableParallelism(),
      loadAverage: os.loadavg(),
      node: process.version,
    },
    null,
    2,
  ) + "\n",
);
