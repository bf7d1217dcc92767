/**
 * The logistic model the meta-learning trainers adapt, in float64 with one fixed summation order (rows in the
 * order given, features in index order), so its numbers are bit-identical in every process.
 *
 * Parameters: d weights then the bias (length d + 1). The objective on a set of rows R (ours: the mean, so a
 * learning rate means the same for a batch of 4 and a support set of 40):
 *   L(θ) = (1/|R|) Σ_{i∈R} [ log(1 + e^{z_i}) − y_i z_i ] + (l2 / 2) ‖w‖²,   z_i = b + w·x_i   (bias not penalised)
 *   ∇L   = (1/|R|) Σ (p_i − y_i) x̃_i + l2 [w, 0],                             p_i = σ(z_i), x̃_i = [x_i, 1]
 *   ∇²L  = (1/|R|) Σ p_i (1 − p_i) x̃_i x̃_iᵀ + l2 diag(1, …, 1, 0)
 */
import type { Task } from "./task.js";

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** log(1 + e^z) without overflow. */
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

const linear = (params: Float64Array, x: Float64Array, row: number, d: number): number => {
  let z = params[d]!;
  const base = row * d;
  for (let j = 0; j < d; j++) z += params[j]! * x[base + j]!;
  return z;
};

const penalty = (params: Float64Array, d: number, l2: number): number => {
  if (l2 === 0) return 0;
  let s = 0;
  for (let j = 0; j < d; j++) s += params[j]! * params[j]!;
  return (l2 / 2) * s;
};

/** L(θ) on `rows` of `task`. */
export const logisticLoss = (params: Float64Array, task: Task, rows: Int32Array, l2: number): number => {
  const { x, y, d } = task;
  let sum = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const z = linear(params, x, i, d);
    sum += softplus(z) - y[i]! * z;
  }
  return sum / rows.length + penalty(params, d, l2);
};

/** Writes ∇L(θ) on `rows` into `grad` (length d + 1). */
export const logisticGradient = (params: Float64Array, task: Task, rows: Int32Array, l2: number, grad: Float64Array): void => {
  const { x, y, d } = task;
  grad.fill(0);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const residual = sigmoid(linear(params, x, i, d)) - y[i]!;
    const base = i * d;
    for (let j = 0; j < d; j++) grad[j]! += residual * x[base + j]!;
    grad[d]! += residual;
  }
  const m = rows.length;
  for (let j = 0; j < d; j++) grad[j] = grad[j]! / m + l2 * params[j]!;
  grad[d] = grad[d]! / m;
};

/** Writes ∇²L(θ) v on `rows` into `out` (length d + 1): the exact Hessian–vector product, O(|R| d). */
export const logisticHessianVector = (
  params: Float64Array,
  task: Task,
  rows: Int32Array,
  l2: number,
  v: Float64Array,
  out: Float64Array,
): void => {
  const { x, d } = task;
  out.fill(0);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const p = sigmoid(linear(params, x, i, d));
    const base = i * d;
    let xv = v[d]!;
    for (let j = 0; j < d; j++) xv += x[base + j]! * v[j]!;
    const c = p * (1 - p) * xv;
    for (let j = 0; j < d; j++) out[j]! += c * x[base + j]!;
    out[d]! += c;
  }
  const m = rows.length;
  for (let j = 0; j < d; j++) out[j] = out[j]! / m + l2 * v[j]!;
  out[d] = out[d]! / m;
};

/** P(y = 1) for each of the n rows of a row-major n × d matrix. */
export const predictLogistic = (params: Float64Array, x: Float64Array, n: number, d: number): Float64Array => {
  if (params.length !== d + 1) throw new RangeError(`predictLogistic: ${params.length} parameters for ${d} features (expected ${d + 1})`);
  if (x.length !== n * d) throw new RangeError(`predictLogistic: ${x.length} feature values for ${n} rows × ${d} features`);
  const prob = new Float64Array(n);
  for (let i = 0; i < n; i++) prob[i] = sigmoid(linear(params, x, i, d));
  return prob;
};
