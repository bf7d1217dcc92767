/**
 * train.mlp: a multilayer perceptron of blocks Linear → BatchNorm → ReLU → Dropout and a Linear → sigmoid output,
 * trained with Adam on binary cross-entropy, one model per replicate, early-stopped on the replicate's valid rows
 * (the weights of the epoch with the lowest valid loss are kept). This is the block type of the label predictor in
 * "Towards personalized healthcare without harm via bias modulation" (ICLR 2025 SCSL workshop); see REFERENCES.md.
 *
 * Determinism: tfjs on the wasm backend, single-threaded (tfjs-runtime.ts). Initialisers get explicit seeds, the
 * epoch order of training rows is shuffled with a ctx stream, and Math.random (which tfjs reads for dropout masks)
 * is replaced by another ctx stream while training. Both streams are named after the replicate's seed and fold.
 *
 * BatchNorm follows PyTorch's defaults (momentum 0.1 ≙ tfjs momentum 0.9, epsilon 1e-5). A trailing batch of one
 * row is dropped from an epoch (BatchNorm has no batch variance to use); the rows still train in other epochs.
 */
import { Effect, Schema } from "effect";
import type { Columns, ModelSetHandle, PredictionsHandle, SplitHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { type Dataset, type Replicate, type ReplicatePredictions, predictionsTable, readDataset, readSplit } from "./replicates.js";
import { standardizeReplicate } from "./standardize-replicate.js";
import { type EncodedModel, decodeWeights, drawSeed, encodeWeight, initTfjs, tf, withSeededMathRandom } from "./tfjs-runtime.js";

/** Defaults sized so the heart study (about 190 train rows, 25 replicates) trains in seconds; see the report. */
export const MLP_DEFAULTS = {
  layers: [64, 64],
  dropout: 0.2,
  learningRate: 0.003,
  epochs: 60,
  batchSize: 64,
  patience: 10,
} as const;

const PositiveInt = Schema.Number.check(Schema.isInt(), Schema.isGreaterThan(0));

const Params = Schema.Struct({
  features: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  target: Schema.String,
  /** Units of each hidden block, input to output; [] gives a logistic model trained by Adam. */
  layers: Schema.Array(PositiveInt.check(Schema.isLessThanOrEqualTo(4096))).pipe(Schema.withDecodingDefaultKey(Effect.succeed([...MLP_DEFAULTS.layers]))),
  dropout: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMaximum: true })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(MLP_DEFAULTS.dropout)),
  ),
  learningRate: Schema.Number.check(Schema.isGreaterThan(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(MLP_DEFAULTS.learningRate))),
  /** Maximum number of passes over the train rows. */
  epochs: PositiveInt.pipe(Schema.withDecodingDefaultKey(Effect.succeed(MLP_DEFAULTS.epochs))),
  batchSize: PositiveInt.pipe(Schema.withDecodingDefaultKey(Effect.succeed(MLP_DEFAULTS.batchSize))),
  /** Stop after this many epochs without a lower valid loss. Ignored (all epochs run) when a replicate has no valid rows. */
  patience: PositiveInt.pipe(Schema.withDecodingDefaultKey(Effect.succeed(MLP_DEFAULTS.patience))),
});
export type MlpParams = typeof Params.Type;

export interface MlpTopology {
  readonly type: "mlp";
  readonly features: readonly string[];
  readonly layers: readonly number[];
  readonly dropout: number;
  readonly batchNorm: { readonly momentum: number; readonly epsilon: number };
  readonly output: "sigmoid";
}

const BN = { momentum: 0.9, epsilon: 1e-5 } as const;

/** Weight names and shapes in their fixed order: per block linear kernel, bias, then BatchNorm γ, β, μ, σ²; output. */
export const mlpWeightSpecs = (topology: MlpTopology): { name: string; shape: number[] }[] => {
  const specs: { name: string; shape: number[] }[] = [];
  let width = topology.features.length;
  topology.layers.forEach((units, i) => {
    specs.push(
      { name: `block${i}.linear.kernel`, shape: [width, units] },
      { name: `block${i}.linear.bias`, shape: [units] },
      { name: `block${i}.batchnorm.gamma`, shape: [units] },
      { name: `block${i}.batchnorm.beta`, shape: [units] },
      { name: `block${i}.batchnorm.moving_mean`, shape: [units] },
      { name: `block${i}.batchnorm.moving_variance`, shape: [units] },
    );
    width = units;
  });
  specs.push({ name: "output.kernel", shape: [width, 1] }, { name: "output.bias", shape: [1] });
  return specs;
};

/** Builds the tfjs model for a topology; `seeds` draws the initialiser seeds (one per linear layer, in order). */
const buildModel = (topology: MlpTopology, seeds: () => number): tf.Sequential => {
  const model = tf.sequential();
  let width = topology.features.length;
  topology.layers.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [width] } : {}),
        units,
        name: `block${i}_linear`,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seeds() }),
        biasInitializer: "zeros",
      }),
    );
    model.add(tf.layers.batchNormalization({ name: `block${i}_batchnorm`, momentum: topology.batchNorm.momentum, epsilon: topology.batchNorm.epsilon }));
    model.add(tf.layers.reLU({ name: `block${i}_relu` }));
    if (topology.dropout > 0) model.add(tf.layers.dropout({ name: `block${i}_dropout`, rate: topology.dropout }));
    width = units;
  });
  model.add(
    tf.layers.dense({
      ...(topology.layers.length === 0 ? { inputShape: [width] } : {}),
      units: 1,
      activation: "sigmoid",
      name: "output",
      kernelInitializer: tf.initializers.glorotUniform({ seed: seeds() }),
      biasInitializer: "zeros",
    }),
  );
  return model;
};

/** The model's weights in mlpWeightSpecs order (per layer: tfjs lists trainable then non-trainable weights). */
const layerWeights = (model: tf.Sequential): tf.LayerVariable[] => model.layers.flatMap((layer) => layer.weights);

const snapshot = (model: tf.Sequential): Float32Array[] => layerWeights(model).map((w) => w.read().dataSync() as Float32Array).map((a) => a.slice());

const restore = (model: tf.Sequential, values: readonly Float32Array[]): void => {
  layerWeights(model).forEach((w, i) => {
    const t = tf.tensor(values[i]!, w.shape as number[]);
    w.write(t);
    t.dispose();
  });
};

const encodeModel = (topology: MlpTopology, model: tf.Sequential): EncodedModel<MlpTopology> => {
  const specs = mlpWeightSpecs(topology);
  const variables = layerWeights(model);
  if (variables.length !== specs.length) throw new Error(`mlp: model has ${variables.length} weights, expected ${specs.length}`);
  return {
    topology,
    weights: specs.map((spec, i) => {
      const v = variables[i]!;
      const suffix = spec.name.split(".").pop()!;
      if (!v.originalName.endsWith(suffix) || v.shape.join(",") !== spec.shape.join(",")) {
        throw new Error(`mlp: weight ${i} is ${v.originalName} [${v.shape.join(", ")}], expected ${spec.name} [${spec.shape.join(", ")}]`);
      }
      return encodeWeight(spec.name, spec.shape, v.read().dataSync());
    }),
  };
};

const predictProb = (model: tf.Sequential, x: readonly (readonly number[])[]): Float32Array => {
  if (x.length === 0) return new Float32Array(0);
  return tf.tidy(() => {
    const out = model.predict(tf.tensor2d(x as number[][], [x.length, x[0]!.length], "float32")) as tf.Tensor;
    return out.dataSync() as Float32Array;
  }).slice();
};

/** P(y = 1) for standardised rows, from an encoded MLP (inference mode: BatchNorm moving statistics, no dropout). */
export const predictMlp = async (encoded: EncodedModel<MlpTopology>, x: readonly (readonly number[])[]): Promise<number[]> => {
  await initTfjs();
  const values = decodeWeights(encoded, mlpWeightSpecs(encoded.topology));
  let n = 0;
  const model = buildModel(encoded.topology, () => ++n);
  try {
    restore(model, values);
    return Array.from(predictProb(model, x));
  } finally {
    model.dispose();
  }
};

/** Mean binary cross-entropy in float64, probabilities clipped to [1e-7, 1 − 1e-7] as Keras does. */
const logLoss = (prob: ArrayLike<number>, y: readonly number[]): number => {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, prob[i]!));
    sum -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / y.length;
};

/** Fisher-Yates with a ctx stream. */
const shuffled = (n: number, rng: () => number): number[] => {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
};

const trainReplicate = async (data: Dataset, rep: Replicate, params: MlpParams, ctx: StepContext) => {
  const { standardizer, train, valid, test } = standardizeReplicate(data, rep, params.features);
  const yTrain = rep.train.map((r) => data.y[r]!);
  const yValid = rep.valid.map((r) => data.y[r]!);
  const topology: MlpTopology = {
    type: "mlp",
    features: [...params.features],
    layers: [...params.layers],
    dropout: params.dropout,
    batchNorm: { ...BN },
    output: "sigmoid",
  };
  const stream = `replicate/${rep.replicate}/seed/${rep.seed}/fold/${rep.fold}`;
  const initRng = ctx.random(`${stream}/init`);
  const orderRng = ctx.random(`${stream}/order`);
  const dropoutRng = ctx.random(`${stream}/math-random`);

  const model = buildModel(topology, () => drawSeed(initRng));
  const optimizer = tf.train.adam(params.learningRate);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const d = params.features.length;
  const xAll = tf.tensor2d(train, [train.length, d], "float32");
  const yAll = tf.tensor2d(yTrain, [yTrain.length, 1], "float32");
  let best = Number.POSITIVE_INFINITY;
  let bestWeights: Float32Array[] | undefined;
  let bestEpoch = 0;
  let epochsRun = 0;
  try {
    await withSeededMathRandom(dropoutRng, async () => {
      let wait = 0;
      for (let epoch = 1; epoch <= params.epochs; epoch++) {
        const order = shuffled(train.length, orderRng);
        for (let start = 0; start < order.length; start += params.batchSize) {
          const batch = order.slice(start, start + params.batchSize);
          if (batch.length < 2 && order.length >= 2) continue;
          tf.tidy(() => {
            const idx = tf.tensor1d(batch, "int32");
            const xb = tf.gather(xAll, idx);
            const yb = tf.gather(yAll, idx);
            optimizer.minimize(() => tf.losses.logLoss(yb, model.apply(xb, { training: true }) as tf.Tensor, undefined, 1e-7) as tf.Scalar, false, variables);
          });
        }
        epochsRun = epoch;
        if (yValid.length === 0) continue;
        const loss = logLoss(predictProb(model, valid), yValid);
        if (loss < best) {
          best = loss;
          bestEpoch = epoch;
          bestWeights = snapshot(model);
          wait = 0;
        } else if (++wait >= params.patience) {
          break;
        }
      }
    });
    if (bestWeights !== undefined) restore(model, bestWeights);
    const encoded = encodeModel(topology, model);
    const prob = predictProb(model, test);
    const training: JsonValue = {
      epochsRun,
      bestEpoch: bestWeights === undefined ? epochsRun : bestEpoch,
      validLoss: bestWeights === undefined ? null : best,
    };
    return { standardizer, model: encoded, training, prob };
  } finally {
    tf.dispose([xAll, yAll]);
    model.dispose();
    optimizer.dispose();
  }
};

export const mlp = defineStep({
  kind: "train.mlp",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split" },
  outputs: { models: "models", predictions: "predictions" },
  run: async (inputs, params, ctx) => {
    const table = inputs.table.table();
    const data = readDataset(table, params.features, params.target, ctx);
    const replicates = readSplit(inputs.split.table(), table.numRows, ctx);
    await initTfjs();
    const entries: JsonValue[] = [];
    const predictions: ReplicatePredictions[] = [];
    for (const [i, rep] of replicates.entries()) {
      if (rep.valid.length === 0) ctx.log(`replicate ${rep.replicate}: no valid rows, so no early stopping; training all ${params.epochs} epochs`);
      const { standardizer, model, training, prob } = await trainReplicate(data, rep, params, ctx);
      entries.push({ replicate: rep.replicate, seed: rep.seed, fold: rep.fold, standardizer, model, training } as unknown as JsonValue);
      predictions.push({ replicate: rep, prob });
      ctx.progress(i + 1, replicates.length);
    }
    return {
      models: { format: "strata-models/1", model: "mlp", replicates: entries },
      predictions: predictionsTable(predictions),
    };
  },
});

export interface MlpOptions<C extends Columns> {
  readonly features: readonly (keyof C & string)[];
  readonly target: keyof C & string;
  readonly layers?: readonly number[];
  readonly dropout?: number;
  readonly learningRate?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly patience?: number;
}

/** Pipeline builder: one MLP per replicate of `split`, trained on `table`. */
export const trainMlp = <C extends Columns>(
  table: TableHandle<C>,
  split: SplitHandle,
  params: MlpOptions<C>,
  options: NodeOptions = {},
): { readonly models: ModelSetHandle; readonly predictions: PredictionsHandle } => {
  const node = addNode(table.study as StudyGraph, mlp, { table, split }, params, options);
  node.requireColumns(table, params.features, "params.features");
  node.requireColumns(table, [params.target], "params.target");
  return { models: node.models("models"), predictions: node.predictions("predictions") };
};
