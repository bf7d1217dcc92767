/**
 * The MLP toolkit every neural model in Strata is built from (train.mlp, train.dcp, train.conditional-bias):
 * blocks of Linear → BatchNorm → ReLU → Dropout with a Linear → sigmoid output, their weight layout in a stored
 * model, the early-stopped Adam training loop, training one MLP on a replicate, and predicting from a stored MLP.
 * The block type is the label predictor's of "Towards personalized healthcare without harm via bias modulation"
 * (ICLR 2025 SCSL workshop); see docs/references.md.
 *
 * The training here is the tfjs engine (training-engine.ts), the reference for the default kernels engine in
 * fast-mlp/, which takes its topology, weight layout, streams and valid loss from this module.
 * Determinism: tfjs on the wasm backend, single-threaded (tfjs-runtime.ts). Initialisers get explicit seeds, the
 * epoch order of training rows is shuffled with a ctx stream, and Math.random (which tfjs reads for dropout masks)
 * is replaced by another ctx stream while training. Both streams are named after the replicate's seed and fold.
 *
 * BatchNorm follows PyTorch's defaults (momentum 0.1 ≙ tfjs momentum 0.9, epsilon 1e-5). A trailing batch of one
 * row is dropped from an epoch (BatchNorm has no batch variance to use); the rows still train in other epochs.
 */
import type * as TF from "@tensorflow/tfjs";
import { Effect, Schema } from "effect";
import type { StepContext } from "../../dsl/step.js";
import { meanLogLoss } from "../evaluate/metrics/log-loss.js";
import { shuffled } from "../split/split-table.js";
import type { MlpTopology, TrainingRecord } from "./model-set.js";
import type { Dataset, Replicate } from "./replicates.js";
import type { StoredPreprocessing } from "./recipe.js";
import { type InputMatrix, float32Cells } from "./input-matrix.js";
import { preprocessReplicate } from "./preprocess-replicate.js";
import { drawSeed, initTfjs, tf, withSeededMathRandom } from "./tfjs-runtime.js";
import { type EncodedModel, type EncodedWeight, type WeightSpec, decodeWeights, encodeWeight } from "./weights.js";

const PositiveInt = Schema.Number.check(Schema.isInt(), Schema.isGreaterThan(0));

/** Hyperparameters of an MLP of this module's block type, as plain values (see mlpHyperparameterFields). */
export interface MlpHyperparameters {
  readonly layers: readonly number[];
  readonly dropout: number;
  readonly learningRate: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly patience: number;
}

/**
 * The schema fields of MLP hyperparameters with the given defaults: every step that trains this block type
 * (train.mlp, train.dcp, train.conditional-bias) declares the same fields with its own defaults.
 */
export const mlpHyperparameterFields = (defaults: MlpHyperparameters) => ({
  /** Units of each hidden block, input to output; [] gives a logistic model trained by Adam. */
  layers: Schema.Array(PositiveInt.check(Schema.isLessThanOrEqualTo(4096))).pipe(Schema.withDecodingDefaultKey(Effect.succeed([...defaults.layers]))),
  dropout: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMaximum: true })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(defaults.dropout)),
  ),
  learningRate: Schema.Number.check(Schema.isGreaterThan(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(defaults.learningRate))),
  /** Maximum number of passes over the train rows. */
  epochs: PositiveInt.pipe(Schema.withDecodingDefaultKey(Effect.succeed(defaults.epochs))),
  batchSize: PositiveInt.pipe(Schema.withDecodingDefaultKey(Effect.succeed(defaults.batchSize))),
  /** Stop after this many epochs without a lower valid loss. Ignored (all epochs run) when a replicate has no valid rows. */
  patience: PositiveInt.pipe(Schema.withDecodingDefaultKey(Effect.succeed(defaults.patience))),
});

/** BatchNorm settings of every block: PyTorch's defaults (momentum 0.1 ≙ tfjs momentum 0.9, epsilon 1e-5). */
export const MLP_BATCH_NORM = { momentum: 0.9, epsilon: 1e-5 } as const;

/** Names and shapes of one block's weights, in order: linear kernel, bias, then BatchNorm γ, β, μ, σ². */
export const mlpBlockWeightSpecs = (prefix: string, width: number, units: number): WeightSpec[] => [
  { name: `${prefix}.linear.kernel`, shape: [width, units] },
  { name: `${prefix}.linear.bias`, shape: [units] },
  { name: `${prefix}.batchnorm.gamma`, shape: [units] },
  { name: `${prefix}.batchnorm.beta`, shape: [units] },
  { name: `${prefix}.batchnorm.moving_mean`, shape: [units] },
  { name: `${prefix}.batchnorm.moving_variance`, shape: [units] },
];

/** Weight names and shapes in their fixed order: per block linear kernel, bias, then BatchNorm γ, β, μ, σ²; output. */
export const mlpWeightSpecs = (topology: MlpTopology): WeightSpec[] => {
  const specs: WeightSpec[] = [];
  let width = topology.features.length;
  topology.layers.forEach((units, i) => {
    specs.push(...mlpBlockWeightSpecs(`block${i}`, width, units));
    width = units;
  });
  specs.push({ name: "output.kernel", shape: [width, 1] }, { name: "output.bias", shape: [1] });
  return specs;
};

/** The layers of one hidden block: Linear → BatchNorm → ReLU → Dropout (no dropout layer when the rate is 0). */
export interface MlpBlock {
  readonly linear: TF.layers.Layer;
  readonly batchNorm: TF.layers.Layer;
  readonly relu: TF.layers.Layer;
  readonly dropout: TF.layers.Layer | undefined;
}

/**
 * Creates block `name` of `units` units: a Glorot-uniform linear layer seeded with `seed` (zero bias), BatchNorm
 * with MLP_BATCH_NORM-style settings, ReLU, and dropout at `dropout`. `inputShape` is for the first layer of a
 * tf.Sequential only.
 */
export const mlpBlock = (
  name: string,
  units: number,
  settings: { readonly dropout: number; readonly batchNorm: { readonly momentum: number; readonly epsilon: number } },
  seed: number,
  inputShape?: readonly number[],
): MlpBlock => ({
  linear: tf.layers.dense({
    ...(inputShape === undefined ? {} : { inputShape: [...inputShape] }),
    units,
    name: `${name}_linear`,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: "zeros",
  }),
  batchNorm: tf.layers.batchNormalization({ name: `${name}_batchnorm`, momentum: settings.batchNorm.momentum, epsilon: settings.batchNorm.epsilon }),
  relu: tf.layers.reLU({ name: `${name}_relu` }),
  dropout: settings.dropout > 0 ? tf.layers.dropout({ name: `${name}_dropout`, rate: settings.dropout }) : undefined,
});

/** The output layer: a Glorot-uniform linear layer seeded with `seed` (zero bias) and an activation ("linear" gives logits). */
export const mlpOutputLayer = (name: string, units: number, activation: "sigmoid" | "softmax" | "linear", seed: number, inputShape?: readonly number[]): TF.layers.Layer =>
  tf.layers.dense({
    ...(inputShape === undefined ? {} : { inputShape: [...inputShape] }),
    units,
    activation,
    name,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: "zeros",
  });

/** Builds the tfjs model for a topology; `seeds` draws the initialiser seeds (one per linear layer, in order). */
const buildModel = (topology: MlpTopology, seeds: () => number): TF.Sequential => {
  const model = tf.sequential();
  let width = topology.features.length;
  topology.layers.forEach((units, i) => {
    const block = mlpBlock(`block${i}`, units, topology, seeds(), i === 0 ? [width] : undefined);
    model.add(block.linear);
    model.add(block.batchNorm);
    model.add(block.relu);
    if (block.dropout !== undefined) model.add(block.dropout);
    width = units;
  });
  model.add(mlpOutputLayer("output", 1, "sigmoid", seeds(), topology.layers.length === 0 ? [width] : undefined));
  return model;
};

/** The model's weights in mlpWeightSpecs order (per layer: tfjs lists trainable then non-trainable weights). */
const layerWeights = (model: TF.Sequential): TF.LayerVariable[] => model.layers.flatMap((layer) => layer.weights);

/** Copies of the current values of `weights`, in order (to keep the best epoch's weights). */
export const snapshotWeights = (weights: readonly TF.LayerVariable[]): Float32Array[] =>
  weights.map((w) => w.read().dataSync() as Float32Array).map((a) => a.slice());

/** Writes values taken by snapshotWeights (or decoded from a stored model) back into `weights`, in order. */
export const restoreWeights = (weights: readonly TF.LayerVariable[], values: readonly Float32Array[]): void => {
  if (weights.length !== values.length) throw new Error(`restoreWeights: ${values.length} values for ${weights.length} weights`);
  weights.forEach((w, i) => {
    const t = tf.tensor(values[i]!, w.shape as number[]);
    w.write(t);
    t.dispose();
  });
};


/**
 * Encodes weights in the order and with the names and shapes of `specs`, checking each tfjs variable against its
 * spec (the last part of the spec name must end its tfjs name, and the shapes must match).
 */
export const encodeVariables = (what: string, specs: readonly WeightSpec[], variables: readonly TF.LayerVariable[]): EncodedWeight[] => {
  if (variables.length !== specs.length) throw new Error(`${what}: model has ${variables.length} weights, expected ${specs.length}`);
  return specs.map((spec, i) => {
    const v = variables[i]!;
    const suffix = spec.name.split(".").pop()!;
    if (!v.originalName.endsWith(suffix) || v.shape.join(",") !== spec.shape.join(",")) {
      throw new Error(`${what}: weight ${i} is ${v.originalName} [${v.shape.join(", ")}], expected ${spec.name} [${spec.shape.join(", ")}]`);
    }
    return encodeWeight(spec.name, spec.shape, v.read().dataSync());
  });
};

const encodeModel = (topology: MlpTopology, model: TF.Sequential): EncodedModel<MlpTopology> => ({
  topology,
  weights: encodeVariables("mlp", mlpWeightSpecs(topology), layerWeights(model)),
});

/** The model inputs as a float32 tensor (rows × cols). */
export const inputTensor = (x: InputMatrix): TF.Tensor2D => tf.tensor2d(float32Cells(x), [x.rows, x.cols], "float32");

const predictProb = (model: TF.Sequential, x: InputMatrix): Float32Array => {
  if (x.rows === 0) return new Float32Array(0);
  return tf.tidy(() => {
    const out = model.predict(inputTensor(x)) as TF.Tensor;
    return out.dataSync() as Float32Array;
  }).slice();
};

/** P(y = 1) for standardised rows, from an encoded MLP (inference mode: BatchNorm moving statistics, no dropout). */
export const predictMlp = async (encoded: EncodedModel<MlpTopology>, x: InputMatrix): Promise<number[]> => {
  await initTfjs();
  const values = decodeWeights(encoded, mlpWeightSpecs(encoded.topology));
  let n = 0;
  const model = buildModel(encoded.topology, () => ++n);
  try {
    restoreWeights(layerWeights(model), values);
    return Array.from(predictProb(model, x));
  } finally {
    model.dispose();
  }
};

/**
 * The valid loss early stopping compares: mean binary cross-entropy in float64 with the probabilities clipped to
 * [1e-7, 1 − 1e-7], the epsilon of the training loss (batchLogLoss below), so both losses saturate alike. It is
 * unweighted even when the training loss is weighted: early stopping picks the epoch that predicts the valid rows
 * best as they are, and valid rows have no fitted weights (weights are fitted on training rows only).
 */
export const validLogLoss = (labels: ArrayLike<number>, prob: ArrayLike<number>): number =>
  meanLogLoss(labels, Array.from(prob, (p) => Math.min(1 - 1e-7, Math.max(1e-7, p)))) ?? Number.NaN;

/**
 * The training loss of one batch of a sigmoid output: binary cross-entropy (epsilon 1e-7), averaged over the batch.
 * With sample weights it is the mean over the batch of w_i · loss_i: divided by the batch size, not by Σw (tfjs'
 * MEAN reduction) nor by the count of non-zero weights (its default), so a weight scales its row's gradient and
 * nothing else. Unweighted it is tfjs' default reduction, sum / n, so weights of 1 give the same bytes.
 */
export const batchLogLoss = (labels: TF.Tensor, prob: TF.Tensor, sampleWeights: TF.Tensor | undefined): TF.Scalar =>
  sampleWeights === undefined
    ? (tf.losses.logLoss(labels, prob, undefined, 1e-7) as TF.Scalar)
    : tf.div(tf.losses.logLoss(labels, prob, sampleWeights, 1e-7, tf.Reduction.SUM), labels.shape[0]!);

/** Sample weights as a [rows, 1] float32 tensor (the shape of the labels); undefined stays undefined. */
export const sampleWeightTensor = (sampleWeights: ArrayLike<number> | undefined): TF.Tensor2D | undefined =>
  sampleWeights === undefined ? undefined : tf.tensor2d(Array.from(sampleWeights), [sampleWeights.length, 1], "float32");

export interface EarlyStoppingRun {
  readonly learningRate: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly patience: number;
  /** Number of training rows; batches are index tensors into them. */
  readonly rows: number;
  /** The training-mode loss on one batch (row indices, int32). Called inside tf.tidy and the optimizer's tape. */
  readonly batchLoss: (batch: TF.Tensor1D) => TF.Scalar;
  readonly trainable: readonly TF.Variable[];
  /** Every weight (trainable or not, e.g. BatchNorm moving statistics) kept at the best epoch. */
  readonly weights: readonly TF.LayerVariable[];
  /** The inference-mode loss on the valid rows; undefined when there are none (all epochs run, last weights kept). */
  readonly validLoss: (() => number) | undefined;
  /** The ctx stream that orders training rows each epoch. */
  readonly orderRng: () => number;
  /** The ctx stream that stands in for Math.random (dropout masks) while training. */
  readonly mathRandom: () => number;
}

/**
 * The training loop of every MLP in Strata: Adam at `learningRate`, minibatches of a seeded shuffle each epoch
 * (a trailing batch of one row is skipped: BatchNorm has no batch variance), and early stopping: after each epoch
 * the valid loss is computed; the weights of the epoch with the lowest valid loss are restored at the end, and
 * training stops after `patience` epochs without a lower one.
 */
export const fitEarlyStopping = async (run: EarlyStoppingRun): Promise<TrainingRecord> => {
  const optimizer = tf.train.adam(run.learningRate);
  const trainable = [...run.trainable];
  let best = Number.POSITIVE_INFINITY;
  let bestWeights: Float32Array[] | undefined;
  let bestEpoch = 0;
  let epochsRun = 0;
  const rowIndices = Array.from({ length: run.rows }, (_, i) => i);
  try {
    await withSeededMathRandom(run.mathRandom, async () => {
      let wait = 0;
      for (let epoch = 1; epoch <= run.epochs; epoch++) {
        const order = shuffled(rowIndices, run.orderRng);
        for (let start = 0; start < order.length; start += run.batchSize) {
          const batch = order.slice(start, start + run.batchSize);
          if (batch.length < 2 && order.length >= 2) continue;
          tf.tidy(() => {
            const idx = tf.tensor1d(batch, "int32");
            optimizer.minimize(() => run.batchLoss(idx), false, trainable);
          });
        }
        epochsRun = epoch;
        if (run.validLoss === undefined) continue;
        const loss = run.validLoss();
        if (loss < best) {
          best = loss;
          bestEpoch = epoch;
          bestWeights = snapshotWeights(run.weights);
          wait = 0;
        } else if (++wait >= run.patience) {
          break;
        }
      }
    });
  } finally {
    optimizer.dispose();
  }
  if (bestWeights !== undefined) restoreWeights(run.weights, bestWeights);
  return {
    epochsRun,
    bestEpoch: bestWeights === undefined ? epochsRun : bestEpoch,
    validLoss: bestWeights === undefined ? null : best,
  };
};

/** One trained MLP: the preprocessing fitted on its train rows, the encoded model, how training ended, test P(y = 1). */
export interface TrainedMlp {
  readonly preprocessing: StoredPreprocessing;
  readonly model: EncodedModel<MlpTopology>;
  readonly training: TrainingRecord;
  /** P(y = 1) for rep.test, in that order. */
  readonly prob: Float32Array;
}

/** The stored topology of an MLP with these hyperparameters. */
export const mlpTopology = (params: MlpHyperparameters & { readonly features: readonly string[] }): MlpTopology => ({
  type: "mlp",
  features: [...params.features],
  layers: [...params.layers],
  dropout: params.dropout,
  batchNorm: { ...MLP_BATCH_NORM },
  output: "sigmoid",
});

/** The ctx stream prefix of a replicate's training: its initialiser, order and Math.random streams hang below it. */
export const replicateStream = (rep: Replicate): string => `replicate/${rep.replicate}/seed/${rep.seed}/fold/${rep.fold}`;

/**
 * What both training engines start a replicate from: its rows through the recipe fitted on its train rows, the
 * labels, the topology, and the seeded streams for initial weights, batch order and dropout masks.
 */
export const mlpReplicateInputs = (
  data: Dataset,
  rep: Replicate,
  params: MlpHyperparameters & { readonly features: readonly string[] },
  ctx: StepContext,
  stream: string,
) => {
  const { preprocessing, features, train, valid, test } = preprocessReplicate(data, rep, ctx);
  return {
    preprocessing,
    features,
    train,
    valid,
    test,
    yTrain: rep.train.map((r) => data.y[r]!),
    yValid: rep.valid.map((r) => data.y[r]!),
    topology: mlpTopology({ ...params, features }),
    initRng: ctx.random(`${stream}/init`),
    orderRng: ctx.random(`${stream}/order`),
    dropoutRng: ctx.random(`${stream}/math-random`),
  };
};

/**
 * Trains one MLP on rep.train (standardised on those rows), early-stopped on rep.valid, and scores rep.test.
 * train.mlp calls it once per replicate; train.dcp once per replicate and subgroup, with a rep restricted to the
 * subgroup's train and valid rows and its own `stream`. `sampleWeights`, one per row of rep.train, weight the
 * training loss (batchLogLoss); the valid loss stays unweighted.
 */
export const trainMlpReplicate = async (
  data: Dataset,
  rep: Replicate,
  params: MlpHyperparameters & { readonly features: readonly string[] },
  ctx: StepContext,
  stream: string = replicateStream(rep),
  sampleWeights?: ArrayLike<number>,
): Promise<TrainedMlp> => {
  const { preprocessing, train, valid, test, yTrain, yValid, topology, initRng, orderRng, dropoutRng } = mlpReplicateInputs(data, rep, params, ctx, stream);

  const model = buildModel(topology, () => drawSeed(initRng));
  const xAll = inputTensor(train);
  const yAll = tf.tensor2d(yTrain, [yTrain.length, 1], "float32");
  const wAll = sampleWeightTensor(sampleWeights);
  try {
    const training = await fitEarlyStopping({
      learningRate: params.learningRate,
      epochs: params.epochs,
      batchSize: params.batchSize,
      patience: params.patience,
      rows: train.rows,
      batchLoss: (idx) => {
        const xb = tf.gather(xAll, idx);
        const yb = tf.gather(yAll, idx);
        return batchLogLoss(yb, model.apply(xb, { training: true }) as TF.Tensor, wAll === undefined ? undefined : tf.gather(wAll, idx));
      },
      trainable: model.trainableWeights.map((w) => w.read() as TF.Variable),
      weights: layerWeights(model),
      validLoss: yValid.length === 0 ? undefined : () => validLogLoss(yValid, predictProb(model, valid)),
      orderRng,
      mathRandom: dropoutRng,
    });
    const encoded = encodeModel(topology, model);
    const prob = predictProb(model, test);
    return { preprocessing, model: encoded, training, prob };
  } finally {
    tf.dispose([xAll, yAll, ...(wAll === undefined ? [] : [wAll])]);
    model.dispose();
  }
};
