// The same study on the local executor and on Temporal, in one run so the ratio is fair. Each measurement is a
// whole `strata run` through the real CLI on a fresh (cold) store; on Temporal a `strata worker` on that store
// is already polling (a worker is long-lived; its start is not counted), against a dev server started here from
// the temporal binary. Runs alternate local/Temporal. Goal: Temporal at most 1.15x the local wall time.
// Usage: node bin/run-ts.mjs bench/temporal.ts [pipeline] [--reps N]
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort, startDevServer } from "../workers/dev-server.js";
import { resolveTemporalBinary } from "../workers/temporal-binary.js";

const args = process.argv.slice(2);
const pipeline = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a)) ?? "pipelines/heart-disease.ts";
const reps = Number(args[args.indexOf("--reps") + 1] ?? 2) || 2;
const cli = (argv: string[]) => spawnSync(process.execPath, ["bin/strata.mjs", ...argv], { encoding: "utf8" });

const server = await startDevServer({ binary: resolveTemporalBinary(), port: await freePort(), logLevel: "error" });

const startWorker = async (store: string) => {
  const child = spawn(process.execPath, ["bin/strata.mjs", "worker", "--address", server.address, "--store", store], { stdio: ["ignore", "ignore", "pipe"] });
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

const inner = { local: [] as number[], temporal: [] as number[] };

const timeRun = async (engine: "local" | "temporal"): Promise<number> => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), `strata-bench-${engine}-`));
  const worker = engine === "temporal" ? await startWorker(store) : undefined;
  const extra = engine === "temporal" ? ["--engine", "temporal", "--address", server.address] : ["--no-lock"];
  const t0 = performance.now();
  const r = cli(["run", pipeline, "--store", store, "--json", "--out", path.join(store, "reports"), ...extra]);
  const seconds = (performance.now() - t0) / 1000;
  worker?.kill("SIGINT");
  if (r.status !== 0) throw new Error(`strata run (${engine}) failed:\n${r.stderr}`);
  const summary = JSON.parse(r.stdout.trim().split("\n").pop()!) as { seconds: number; nodes: { cached: boolean; outputs: Record<string, string> }[] };
  if (summary.nodes.some((n) => n.cached)) throw new Error(`${engine}: a cold run had cache hits`);
  inner[engine].push(summary.seconds);
  process.stderr.write(`  ${engine.padEnd(8)} ${seconds.toFixed(2)}s wall, ${summary.seconds.toFixed(2)}s in the executor (${summary.nodes.length} nodes)\n`);
  fs.rmSync(store, { recursive: true, force: true });
  return seconds;
};

const times = { local: [] as number[], temporal: [] as number[] };
try {
  process.stderr.write(`${pipeline}: ${reps} cold runs per executor, alternating\n`);
  for (let i = 0; i < reps; i++) {
    for (const engine of i % 2 === 0 ? (["local", "temporal"] as const) : (["temporal", "local"] as const)) times[engine].push(await timeRun(engine));
  }
} finally {
  await server.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const result = {
  pipeline,
  localSeconds: times.local,
  temporalSeconds: times.temporal,
  localMedian: median(times.local),
  temporalMedian: median(times.temporal),
  temporalOverLocal: median(times.temporal) / median(times.local),
  // The manifest's seconds: the local executor's run, or the workflow's start-to-close on Temporal.
  localExecutorSeconds: inner.local,
  temporalWorkflowSeconds: inner.temporal,
  goal: 1.15,
  cores: os.availableParallelism(),
  loadAverage: os.loadavg()[0],
  node: process.version,
};
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
