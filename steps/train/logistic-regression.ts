/**
 * train.logistic-regression: L2-penalised logistic regression on the recipe's inputs (by default the standardised
 * features), one model per replicate.
 *
 * Fitted exactly by Newton-Raphson (IRLS) in float64 plain code rather than by gradient steps in tfjs: the
 * objective is convex, so the optimum is unique and needs no seed, learning rate, epochs or early stopping, and
 * it matches what the sanity numbers in docs/references.md were computed with (sklearn's L2 logistic regression,
 * C = 1 / l2). The objective (sklearn's parametrisation, intercept not penalised):
 *   minimise  Σ_i [ −y_i log p_i − (1 − y_i) log(1 − p_i) ] + (l2 / 2) ‖w‖²,   p_i = σ(b + w·x_i).
 * Stored weights are rounded to float32 (the common model encoding) and predictions are computed from the rounded
 * weights, so a stored model reproduces its predictions exactly.
 */
import { Effect, Schema } from "effect";
import { type StepContext, defineStep } from "../../dsl/step.js";
import { type LogisticTopology, MODEL_SET_FORMAT, type ReplicateOf, encodeModelSet } from "./model-set.js";
import { type Dataset, type Replicate, type ReplicatePredictions, readTrainingInputs, testPredictionsTable } from "./replicates.js";
import { RecipeParam } from "./recipe.js";
import { rowLinesInput, rowSourceFields } from "../row-reference.js";
import type { InputMatrix } from "./input-matrix.js";
import { preprocessReplicate } from "./preprocess-replicate.js";
import { type SampleWeighting, sampleWeightsField } from "./sample-weights.js";
import { type TrainStepBuilder, trainStepBuilder } from "./train-step.js";
import { type EncodedModel, type WeightSpec, decodeWeights, encodeWeight } from "./weights.js";

export const LOGISTIC_REGRESSION_DEFAULTS = { l2: 1, maxIterations: 100 } as const;

const Params = Schema.Struct({
  features: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  target: Schema.String,
  recipe: RecipeParam,
  ...rowSourceFields,
  /** Penalty strength λ on ‖w‖² / 2 (sklearn's 1 / C). Must be > 0 so separable data still has an optimum. */
  l2: Schema.Number.check(Schema.isGreaterThan(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(LOGISTIC_REGRESSION_DEFAULTS.l2))),
  maxIterations: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 10_000 })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(LOGISTIC_REGRESSION_DEFAULTS.maxIterations)),
  ),
  ...sampleWeightsField,
});
export type LogisticRegressionParams = typeof Params.Type;

const weightSpecs = (d: number): WeightSpec[] => [
  { name: "coef", shape: [d] },
  { name: "intercept", shape: [1] },
];

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Solves A x = b for a symmetric positive-definite A (Cholesky), given A's lower triangle (row-major n × n, the
 * entries above the diagonal are not read); null when A is not positive definite.
 */
const solveSpd = (a: Float64Array, b: readonly number[]): number[] | null => {
  const n = b.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j]!;
      }
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * z[k]!;
    z[i] = s / l[i * n + i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
};

/**
 * Newton-Raphson (IRLS) for the penalised objective above; `weights` (one per row, default 1) scale each row's
 * gradient and Hessian terms. Parameter vector θ = [w_1..w_d, b]. Returns θ and the number of iterations;
 * converged when the largest Newton step is below 1e-10. Sums run in row order, so equal inputs give
 * bit-identical fits.
 */
export const fitLogistic = (
  x: InputMatrix,
  y: ArrayLike<number>,
  l2: number,
  maxIterations: number,
  weights?: ArrayLike<number>,
): { coef: number[]; intercept: number; iterations: number; converged: boolean } => {
  const d = x.cols;
  const n = x.rows;
  const data = x.data;
  const theta = new Array<number>(d + 1).fill(0);
  // Row i's inputs with a trailing 1 for the intercept.
  const xi = new Float64Array(d + 1);
  for (let it = 1; it <= maxIterations; it++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = new Float64Array((d + 1) * (d + 1));
    for (let i = 0; i < n; i++) {
      xi.set(data.subarray(i * d, (i + 1) * d));
      xi[d] = 1;
      let z = theta[d]!;
      for (let j = 0; j < d; j++) z += theta[j]! * xi[j]!;
      const p = sigmoid(z);
      const w = weights === undefined ? 1 : weights[i]!;
      const r = w * (p - y[i]!);
      const s = w * (p * (1 - p));
      for (let j = 0; j <= d; j++) {
        grad[j] = grad[j]! + r * xi[j]!;
        const sxj = s * xi[j]!;
        const row = j * (d + 1);
        for (let k = 0; k <= j; k++) hess[row + k] = hess[row + k]! + sxj * xi[k]!;
      }
    }
    for (let j = 0; j < d; j++) {
      grad[j] = grad[j]! + l2 * theta[j]!;
      hess[j * (d + 1) + j] = hess[j * (d + 1) + j]! + l2;
    }
    // A tiny ridge on the intercept keeps H positive definite when every p is saturated.
    hess[d * (d + 1) + d] = hess[d * (d + 1) + d]! + 1e-12;
    const step = solveSpd(hess, grad);
    if (step === null) return { coef: theta.slice(0, d), intercept: theta[d]!, iterations: it, converged: false };
    let largest = 0;
    for (let j = 0; j <= d; j++) {
      theta[j] = theta[j]! - step[j]!;
      largest = Math.max(largest, Math.abs(step[j]!));
    }
    if (largest < 1e-10) return { coef: theta.slice(0, d), intercept: theta[d]!, iterations: it, converged: true };
  }
  return { coef: theta.slice(0, d), intercept: theta[d]!, iterations: maxIterations, converged: false };
};

/** P(y = 1) for preprocessed rows (model inputs), from an encoded logistic model. */
export const predictLogistic = (model: EncodedModel<LogisticTopology>, x: InputMatrix): Float64Array => {
  const d = model.topology.features.length;
  const [coef, intercept] = decodeWeights(model, weightSpecs(d)) as [Float32Array, Float32Array];
  const prob = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let z = intercept[0]!;
    for (let j = 0; j < d; j++) z += coef[j]! * x.data[i * d + j]!;
    prob[i] = sigmoid(z);
  }
  return prob;
};

const trainReplicate = (data: Dataset, weighting: SampleWeighting, rep: Replicate, params: LogisticRegressionParams, ctx: StepContext) => {
  const { preprocessing, features, train, test } = preprocessReplicate(data, rep, ctx);
  const fit = fitLogistic(train, rep.train.map((r) => data.y[r]!), params.l2, params.maxIterations, weighting(rep.train));
  if (!fit.converged) {
    ctx.log(`replicate ${rep.replicate}: Newton did not converge in ${fit.iterations} iterations; using the last iterate (raise maxIterations or l2)`);
  }
  const model: EncodedModel<LogisticTopology> = {
    topology: { type: "logistic-regression", features: [...features] },
    weights: [encodeWeight("coef", [features.length], fit.coef), encodeWeight("intercept", [1], [fit.intercept])],
  };
  return { preprocessing, model, prob: Array.from(predictLogistic(model, test)) };
};

export const logisticRegression = defineStep({
  kind: "train.logistic-regression",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split", ...rowLinesInput },
  outputs: { models: "models", predictions: "predictions" },
  // One unit per replicate: the engine may fit them on several cores or workers and combines them in order.
  units: {
    prepare: (inputs, params, ctx) => {
      return { params, ...readTrainingInputs(inputs, params, ctx) };
    },
    count: (state) => state.replicates.length,
    run: (state, i, ctx) => trainReplicate(state.data, state.weighting, state.replicates[i]!, state.params, ctx),
    combine: (state, fitted) => ({
      models: encodeModelSet({
        format: MODEL_SET_FORMAT,
        model: "logistic-regression",
        replicates: state.replicates.map((rep, i): ReplicateOf<"logistic-regression"> => ({ replicate: rep.replicate, seed: rep.seed, fold: rep.fold, ...fitted[i]!.preprocessing, model: fitted[i]!.model })),
      }),
      predictions: testPredictionsTable(state.replicates.map((rep, i): ReplicatePredictions => ({ replicate: rep, prob: fitted[i]!.prob }))),
    }),
  },
});

/** Pipeline builder: one L2 logistic regression per replicate of `split`, trained on `table`. */
export const trainLogisticRegression: TrainStepBuilder<typeof Params.Encoded, typeof logisticRegression> = trainStepBuilder(logisticRegression);
