// The options for the fast engine's arithmetic, measured on its hottest operation: the first layer's forward
// product of a 64-row batch of 600 features with a 600 × 64 kernel (the 20,000 × 600 shape of bench/training.ts),
// and its weight gradient Xᵀ·dY. Each option sums every output in the same order (increasing k, float32 rounding
// after every operation), which is what makes it bit-identical across machines; the figures are GFLOP/s.
//
// Usage: node bin/run-ts.mjs bench/training-kernels.ts
import * as os from "node:os";
import { withArena } from "../steps/train/fast-mlp/kernels.js";
import { initTfjs, tf } from "../steps/train/tfjs-runtime.js";
import { lcg } from "../test/steps/train-fixtures.js";

const [rows, inner, cols] = [64, 600, 64];
const u = lcg(1);
const a = Float32Array.from({ length: rows * inner }, () => u() * 2 - 1);
const b = Float32Array.from({ length: inner * cols }, () => u() * 2 - 1);
const flops = 2 * rows * inner * cols;

const gflops = (fn: () => void): number => {
  for (let i = 0; i < 20; i++) fn();
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const n = 100;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    times.push((performance.now() - t0) / 1000 / n);
  }
  return Number((flops / times.sort((x, y) => x - y)[2]! / 1e9).toFixed(2));
};

/** Plain JavaScript on Float32Array: Math.fround after every multiply and add gives float32 results (V8 never fuses). */
const jsFloat32 = (out: Float32Array) => () => {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s = Math.fround(s + Math.fround(a[i * inner + k]! * b[k * cols + j]!));
      out[i * cols + j] = s;
    }
  }
};

/** Plain JavaScript in float64, the loop order that streams the kernel's rows (what a JS engine would do best). */
const jsFloat64 = (a64: Float64Array, b64: Float64Array, out: Float64Array) => () => {
  out.fill(0);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++) {
      const x = a64[i * inner + k]!;
      for (let j = 0; j < cols; j++) out[i * cols + j] = out[i * cols + j]! + x * b64[k * cols + j]!;
    }
  }
};

await initTfjs();
const ta = tf.tensor2d(a, [rows, inner]);
const tb = tf.tensor2d(b, [inner, cols]);

const results = withArena((arena, k) => {
  const [pa, pb, pc, pdw] = [arena.floats(a), arena.floats(b), arena.alloc(rows * cols), arena.alloc(inner * cols)];
  const dy = arena.floats(Float32Array.from({ length: rows * cols }, () => u() * 2 - 1));
  return {
    "wasm SIMD kernels (fast-mlp), X·W": gflops(() => k.gemm(pa, inner, 1, pb, pc, 0, rows, inner, cols)),
    "wasm SIMD kernels (fast-mlp), Xᵀ·dY": gflops(() => k.gemm(pa, 1, inner, dy, pdw, 0, inner, rows, cols)),
    "plain JS, Float32Array + Math.fround, X·W": gflops(jsFloat32(new Float32Array(rows * cols))),
    "plain JS, Float64Array, X·W (float64: other bits)": gflops(jsFloat64(Float64Array.from(a), Float64Array.from(b), new Float64Array(rows * cols))),
    "tfjs wasm backend, tf.matMul + dataSync, X·W": gflops(() => tf.tidy(() => tf.matMul(ta, tb).dataSync())),
  };
});
process.stdout.write(`${JSON.stringify({ shape: { rows, inner, cols }, gflops: results, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))) }, null, 2)}\n`);
