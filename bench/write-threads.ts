// A table output encoded on one thread vs two (artifacts/table.ts: a large table's dictionary-encoded new columns
// go half to the step thread's encoder helper), alternating in one process, with the bytes compared every time.
// Two tables of 10^6 rows: Cleveland-shaped (14 columns of few distinct values, all dictionary-encoded) and 20
// random floats (plain-encoded, which stay on one thread).
// Usage: node bin/run-ts.mjs bench/write-threads.ts [--rows N] [--reps N]
import { createHash } from "node:crypto";
import { denseFromValues } from "../artifacts/dense-column.js";
import { streamDenseParquet } from "../artifacts/dense-parquet.js";
import { type DenseColumn, encodeDenseParquetChunks } from "../artifacts/table.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const rows = flag("--rows", 1_000_000);
const reps = flag("--reps", 5);

let state = 1;
const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
const levels = (name: string, count: number, scale = 1) => denseFromValues(name, "float", Float64Array.from({ length: rows }, () => Math.floor(random() * count) / scale));
const tables: Record<string, DenseColumn[]> = {
  cleveland: [
    levels("age", 48),
    levels("sex", 2),
    levels("cp", 4),
    levels("trestbps", 100),
    levels("chol", 400),
    levels("fbs", 2),
    levels("restecg", 3),
    levels("thalach", 130),
    levels("exang", 2),
    levels("oldpeak", 62, 10),
    levels("slope", 3),
    levels("ca", 4),
    levels("thal", 3),
    denseFromValues("num", "int", Int32Array.from({ length: rows }, () => Math.floor(random() * 5))),
  ],
  "random floats": Array.from({ length: 20 }, (_, j) => denseFromValues(`x${j}`, "float", Float64Array.from({ length: rows }, random))),
};

/** Times a whole encode, the call included (a generator's default parameters are evaluated by the call). */
const timed = async (encode: () => AsyncIterable<Uint8Array>) => {
  const t0 = performance.now();
  const hash = createHash("sha256");
  for await (const part of encode()) hash.update(part);
  return { seconds: (performance.now() - t0) / 1000, digest: hash.digest("hex") };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const results: Record<string, unknown> = {};
for (const [name, columns] of Object.entries(tables)) {
  const one: number[] = [];
  const two: number[] = [];
  // One of each first, untimed: parquet-wasm's compile and the helper thread's start-up.
  await timed(() => streamDenseParquet(columns));
  await timed(() => encodeDenseParquetChunks(columns));
  for (let r = 0; r < reps; r++) {
    const a = await timed(() => streamDenseParquet(columns));
    const b = await timed(() => encodeDenseParquetChunks(columns));
    if (a.digest !== b.digest) throw new Error(`${name}: the two-thread file differs from the one-thread file`);
    one.push(a.seconds);
    two.push(b.seconds);
  }
  results[name] = { oneThread: one, twoThreads: two, ratio: Number((median(one) / median(two)).toFixed(2)) };
  process.stderr.write(`${name}: one thread ${median(one).toFixed(3)} s, two ${median(two).toFixed(3)} s (${(median(one) / median(two)).toFixed(2)}×)\n`);
}
process.stdout.write(`${JSON.stringify({ rows, reps, results }, null, 2)}\n`);
