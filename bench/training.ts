// Training speed: Strata's kernels engine (steps/train/fast-mlp/), its tfjs reference, PyTorch and JAX
// (bench/training.py) on the same two shapes, alternating within one run, median of N rounds after one warm-up
// round (JAX compiles, tfjs loads).
// Each training is timed in wall seconds and in CPU seconds of its process (user + system): on a shared machine
// the CPU time is the steadier figure, and it shows whether an engine kept to one thread.
//
// Usage: node bin/run-ts.mjs bench/training.ts [--rounds 3] [--python python3] [--skip tfjs,jax,kernels,torch]
//   heart: train.mlp's defaults (2 × 64, BatchNorm, dropout 0.2, batch 64, Adam 0.003) for all 60 epochs
//          (patience = epochs, so every engine does the same work) on the Cleveland rows, 190 train / 47 valid.
//   wide:  the same network on 20,000 synthetic rows × 600 features (16,000 train / 4,000 valid), 10 epochs.
// Every engine computes the valid loss after each epoch and keeps the best epoch's weights, as train.mlp does.
import { spawn } from "node:child_process";
import { rowNamer } from "../steps/row-reference.js";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { trainMlpFast } from "../steps/train/fast-mlp/mlp.js";
import { MLP_DEFAULTS } from "../steps/train/mlp.js";
import { trainMlpReplicate } from "../steps/train/mlp-toolkit.js";
import type { Dataset, Replicate } from "../steps/train/replicates.js";
import { preprocessReplicate } from "../steps/train/preprocess-replicate.js";
import { frameOfRows } from "../steps/train/feature-frame.js";
import { float32Cells } from "../steps/train/input-matrix.js";
import { DEFAULT_RECIPE } from "../steps/train/recipe.js";
import { initTfjs } from "../steps/train/tfjs-runtime.js";
import { HEART_FEATURES, fixedReplicate, heartDataset, streamsContext } from "../test/steps/fast-mlp-fixtures.js";
import { lcg } from "../test/steps/train-fixtures.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const rounds = Number(flag("--rounds", "3"));
const python = flag("--python", "python3");
const skip = new Set(flag("--skip", "").split(",").filter(Boolean));

interface Shape {
  readonly name: string;
  readonly data: Dataset;
  readonly rep: Replicate;
  readonly features: readonly string[];
  readonly epochs: number;
}

/** 20,000 rows of 600 standard-normal features; the label depends on a few of them, with noise. */
const wideShape = (): Shape => {
  const rows = 20_000;
  const d = 600;
  const u = lcg(17);
  const x: number[][] = [];
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: d }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
    x.push(row);
    y.push(row[0]! + 0.5 * row[1]! - 0.25 * row[2]! + 0.5 * (u() - 0.5) > 0 ? 1 : 0);
  }
  const all = Array.from({ length: rows }, (_, i) => i);
  const rep = { replicate: 0, seed: 1, fold: 0, train: Int32Array.from(all.filter((i) => i % 5 !== 0)), valid: Int32Array.from(all.filter((i) => i % 5 === 0)), test: new Int32Array(0) };
  const features = Array.from({ length: d }, (_, j) => `x${j}`);
  return { name: "wide", data: { features, frame: frameOfRows(features, x), y: Uint8Array.from(y), recipe: DEFAULT_RECIPE, rowName: rowNamer("table") }, rep, features, epochs: 10 };
};

const heart = heartDataset();
const shapes: Shape[] = [
  { name: "heart", data: heart, rep: fixedReplicate(heart.y.length, 7), features: HEART_FEATURES, epochs: MLP_DEFAULTS.epochs },
  wideShape(),
];
const paramsOf = (s: Shape) => ({ ...MLP_DEFAULTS, epochs: s.epochs, patience: s.epochs, features: s.features });

// The Python side reads the same standardised rows.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-training-"));
for (const s of shapes) {
  const { train, valid } = preprocessReplicate(s.data, s.rep, streamsContext(0));
  const write = (name: string, cells: Float32Array) => fs.writeFileSync(path.join(dataDir, `${s.name}.${name}.f32`), cells);
  write("x_train", float32Cells(train));
  write("x_valid", float32Cells(valid));
  write("y_train", Float32Array.from(s.rep.train, (r) => s.data.y[r]!));
  write("y_valid", Float32Array.from(s.rep.valid, (r) => s.data.y[r]!));
  const p = paramsOf(s);
  const meta = { train: train.rows, valid: valid.rows, layers: p.layers, dropout: p.dropout, learningRate: p.learningRate, batchSize: p.batchSize, epochs: p.epochs };
  fs.writeFileSync(path.join(dataDir, `${s.name}.json`), JSON.stringify(meta));
}

const py = spawn(python, [path.join(import.meta.dirname, "training.py"), dataDir], { stdio: ["pipe", "pipe", "inherit"] });
const pyLines = readline.createInterface({ input: py.stdout })[Symbol.asyncIterator]();
/** Wall seconds and CPU seconds (user + system, all threads) of one training. */
interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

const askPython = async (engine: string, shape: string): Promise<Timing> => {
  py.stdin.write(`${engine} ${shape}\n`);
  const next = await pyLines.next();
  if (next.done) throw new Error(`${python} bench/training.py ended early (is torch / jax installed? pip install torch jax numpy)`);
  return JSON.parse(next.value) as Timing;
};

const timed = async (fn: () => unknown): Promise<Timing> => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const cpu = process.cpuUsage(c0);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
};

const engines: Record<string, (s: Shape) => Promise<Timing>> = {
  kernels: (s) => timed(() => trainMlpFast(s.data, s.rep, paramsOf(s), streamsContext(3))),
  tfjs: (s) => timed(() => trainMlpReplicate(s.data, s.rep, paramsOf(s), streamsContext(3))),
  torch: (s) => askPython("torch", s.name),
  jax: (s) => askPython("jax", s.name),
};
const active = Object.keys(engines).filter((e) => !skip.has(e));
await initTfjs();

const times: Record<string, Record<string, Timing[]>> = {};
for (let round = 0; round <= rounds; round++) {
  for (const s of shapes) {
    for (const e of active) {
      const t = await engines[e]!(s);
      process.stderr.write(`${round === 0 ? "warm-up" : `round ${round}`}  ${s.name.padEnd(5)} ${e.padEnd(5)} ${t.seconds.toFixed(3)} s (${t.cpuSeconds.toFixed(3)} s CPU)\n`);
      if (round > 0) ((times[s.name] ??= {})[e] ??= []).push(t);
    }
  }
}
py.stdin.end();
fs.rmSync(dataDir, { recursive: true, force: true });

const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
/** Per engine the median of one measure, and the throughput relative to PyTorch (its time over the engine's). */
const summarize = (byEngine: Record<string, Timing[]>, measure: keyof Timing) => {
  const med = Object.fromEntries(Object.entries(byEngine).map(([e, v]) => [e, Number(median(v.map((t) => t[measure])).toFixed(3))]));
  const vsTorch = med.torch === undefined ? undefined : Object.fromEntries(Object.entries(med).map(([e, m]) => [e, Number((med.torch! / m).toFixed(3))]));
  return { median: med, throughputVsTorch: vsTorch };
};
const summary = Object.fromEntries(
  Object.entries(times).map(([shape, byEngine]) => [shape, { wall: summarize(byEngine, "seconds"), cpu: summarize(byEngine, "cpuSeconds"), runs: byEngine }]),
);
process.stdout.write(
  `${JSON.stringify({ rounds, shapes: summary, cores: os.availableParallelism(), loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))), node: process.version }, null, 2)}\n`,
);
