/**
 * train.conditional-bias: conditional bias modulation, the method of "Towards personalized healthcare without harm
 * via bias modulation" (SCSL @ ICLR 2025, CC BY 4.0; docs/references.md). One model per replicate, in two stages:
 *
 * 1. A sensitive-attribute predictor: an MLP of the MLP toolkit's blocks (Linear → BatchNorm → ReLU → Dropout) on the
 *    features, with a softmax over the subgroups, trained with cross-entropy on the subgroup and early-stopped on
 *    the valid rows' cross-entropy. It yields K embeddings: the outputs (after ReLU) of its last K blocks.
 * 2. The label predictor: train.mlp's network (blocks, then Linear → sigmoid). Embedding k goes through its own
 *    Linear + ReLU to a bias vector b_k, which is added to the pre-activation of the label predictor's
 *    (L − K + k)-th block, i.e. after BatchNorm and before ReLU. The attribute predictor is frozen (inference mode:
 *    BatchNorm moving statistics, no dropout); the label blocks, output and bias maps train together with
 *    binary cross-entropy, early-stopped on the valid rows' loss.
 *
 * With `weights`, the label predictor's loss is weighted by sample weights fitted on the replicate's training rows
 * (sample-weights.ts); the attribute predictor's loss and both valid losses stay unweighted: the weights express
 * the clinical cost of label errors, and the attribute predictor predicts no label.
 *
 * Our reading of the paper, where it is silent: embeddings are the last K hidden blocks of the attribute predictor;
 * the bias enters after BatchNorm (the pre-activation is what ReLU sees); stage 1 is frozen in stage 2. The paper's
 * two-class softmax on the label is a sigmoid on one logit here (the same family of functions), as in train.mlp.
 *
 * Paired with Generic: the label predictor draws its initial weights, epoch order and dropout masks from the very
 * streams train.mlp uses for the same replicate ("replicate/<r>/seed/<s>/fold/<f>/{init,order,math-random}"), so
 * when both nodes have the same seed the label predictor starts from Generic's initial weights and sees the same
 * batches: the gain over Generic then measures the bias modulation, not a different initialisation. Stage 1 uses
 * ".../attribute/{init,order,math-random}" and the bias maps ".../bias/init".
 *
 * Engines (training-engine.ts): by default both stages train on the WebAssembly kernels
 * (fast-mlp/conditional-bias.ts); this module is the tfjs implementation, the reference they are tested against.
 * Determinism on tfjs: wasm, single-threaded; every initialiser seeded; Math.random replaced by a ctx stream while
 * training (tfjs-runtime.ts), so weights are bit-identical across processes.
 */
import type * as TF from "@tensorflow/tfjs";
import { Effect, Schema } from "effect";
import { type StepContext, defineStep } from "../../dsl/step.js";
import {
  type ConditionalBiasTopology,
  type ConditionalBiasTraining,
  MODEL_SET_FORMAT,
  type ReplicateOf,
  encodeModelSet,
} from "./model-set.js";
import { predictConditionalBiasFast, trainConditionalBiasFast } from "./fast-mlp/conditional-bias.js";
import { type ConditionalBiasShape, conditionalBiasReplicateInputs, stageSchedule, conditionalBiasWeightSpecs, crossEntropy, groupAccuracy } from "./conditional-bias-model.js";
import {
  type MlpBlock,
  type MlpHyperparameters,
  batchLogLoss,
  encodeVariables,
  fitEarlyStopping,
  inputTensor,
  mlpBlock,
  mlpHyperparameterFields,
  mlpOutputLayer,
  restoreWeights,
  sampleWeightTensor,
  validLogLoss,
} from "./mlp-toolkit.js";
import { ATTRIBUTE_PREDICTOR_DEFAULTS, LABEL_PREDICTOR_DEFAULTS, readGroupColumn } from "./personalization-shared.js";
import { type Dataset, type Replicate, type ReplicatePredictions, readTrainingInputs, testPredictionsTable } from "./replicates.js";
import type { InputMatrix } from "./input-matrix.js";
import { RecipeParam } from "./recipe.js";
import { rowLinesInput, rowSourceFields } from "../row-reference.js";
import { drawSeed, initTfjs, tf } from "./tfjs-runtime.js";
import { sampleWeightsField } from "./sample-weights.js";
import { type TrainStepBuilder, trainStepBuilder } from "./train-step.js";
import { type TrainingEngine, trainingEngineField } from "./training-engine.js";
import { type EncodedModel, decodeWeights } from "./weights.js";

export const CONDITIONAL_BIAS_DEFAULTS = { k: 1 } as const;

const Hyperparameters = (defaults: MlpHyperparameters) =>
  Schema.Struct(mlpHyperparameterFields(defaults)).pipe(Schema.withDecodingDefaultKey(Effect.succeed({})));

const Params = Schema.Struct({
  features: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  target: Schema.String,
  recipe: RecipeParam,
  ...rowSourceFields,
  /** The string column naming each row's subgroup: the attribute predictor's classes. */
  subgroup: Schema.String,
  /** Stage 1, the sensitive-attribute predictor (defaults: the paper's 50 × 64). */
  attribute: Hyperparameters(ATTRIBUTE_PREDICTOR_DEFAULTS),
  /** Stage 2, the label predictor (defaults: the paper's 6 × 64, as Generic and DCP). */
  label: Hyperparameters(LABEL_PREDICTOR_DEFAULTS),
  /** K: how many embeddings / bias vectors, i.e. how many of the label predictor's last blocks are modulated. */
  k: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(CONDITIONAL_BIAS_DEFAULTS.k))),
  ...trainingEngineField,
  ...sampleWeightsField,
}).check(
  Schema.makeFilter((p) =>
    p.k <= p.label.layers.length && p.k <= p.attribute.layers.length
      ? true
      : { path: ["k"], issue: `k = ${p.k} needs at least ${p.k} hidden blocks in both predictors; the attribute predictor has ${p.attribute.layers.length} and the label predictor ${p.label.layers.length}` },
  ),
);
export type ConditionalBiasParams = typeof Params.Type;

/** The tfjs layers of one conditional-bias model. */
interface Network {
  readonly topology: ConditionalBiasTopology;
  readonly attributeBlocks: readonly MlpBlock[];
  readonly attributeOutput: TF.layers.Layer;
  readonly labelBlocks: readonly MlpBlock[];
  readonly labelOutput: TF.layers.Layer;
  readonly biasMaps: readonly TF.layers.Layer[];
}

/**
 * Creates the layers. Seeds are drawn in a fixed order from three sources: the attribute predictor's (blocks, then
 * output), the label predictor's (blocks, then output: the order train.mlp draws in) and the bias maps'.
 */
const buildNetwork = (t: ConditionalBiasTopology, seeds: { attribute: () => number; label: () => number; bias: () => number }): Network => {
  const settings = (dropout: number) => ({ dropout, batchNorm: t.batchNorm });
  const attributeBlocks = t.attribute.layers.map((units, i) => mlpBlock(`attribute_block${i}`, units, settings(t.attribute.dropout), seeds.attribute()));
  const attributeOutput = mlpOutputLayer("attribute_output", t.groups.length, "linear", seeds.attribute());
  const labelBlocks = t.label.layers.map((units, i) => mlpBlock(`block${i}`, units, settings(t.label.dropout), seeds.label()));
  const labelOutput = mlpOutputLayer("output", 1, "sigmoid", seeds.label());
  const biasMaps = Array.from({ length: t.k }, (_, k) =>
    tf.layers.dense({
      units: t.label.layers[t.label.layers.length - t.k + k]!,
      activation: "relu",
      name: `bias${k}`,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.bias() }),
      biasInitializer: "zeros",
    }),
  );
  const net = { topology: t, attributeBlocks, attributeOutput, labelBlocks, labelOutput, biasMaps };
  // Layers create their weights on first use: one inference pass on a zero row builds them all.
  tf.tidy(() => {
    const x = tf.zeros([1, t.features.length]);
    labelForward(net, x, attributeForward(net, x, false).embeddings, false);
  });
  return net;
};

const call = (layer: TF.layers.Layer, x: TF.Tensor, training: boolean): TF.Tensor => layer.apply(x, { training }) as TF.Tensor;

/** The attribute predictor: softmax logits over the groups and the outputs of its last K blocks (after ReLU). */
const attributeForward = (net: Network, x: TF.Tensor, training: boolean): { logits: TF.Tensor; embeddings: TF.Tensor[] } => {
  let h = x;
  const hidden: TF.Tensor[] = [];
  for (const b of net.attributeBlocks) {
    h = call(b.relu, call(b.batchNorm, call(b.linear, h, training), training), training);
    hidden.push(h);
    if (b.dropout !== undefined) h = call(b.dropout, h, training);
  }
  return { logits: call(net.attributeOutput, h, training), embeddings: hidden.slice(hidden.length - net.topology.k) };
};

/** The label predictor with the bias vectors of `embeddings` added to its last K blocks' pre-activations: P(y = 1). */
const labelForward = (net: Network, x: TF.Tensor, embeddings: readonly TF.Tensor[], training: boolean): TF.Tensor => {
  const first = net.labelBlocks.length - net.topology.k;
  let h = x;
  net.labelBlocks.forEach((b, i) => {
    let z = call(b.batchNorm, call(b.linear, h, training), training);
    if (i >= first) z = tf.add(z, call(net.biasMaps[i - first]!, embeddings[i - first]!, training));
    h = call(b.relu, z, training);
    if (b.dropout !== undefined) h = call(b.dropout, h, training);
  });
  return call(net.labelOutput, h, training);
};

const blockWeights = (b: MlpBlock): TF.LayerVariable[] => [...b.linear.weights, ...b.batchNorm.weights];
const attributeWeights = (net: Network): TF.LayerVariable[] => [...net.attributeBlocks.flatMap(blockWeights), ...net.attributeOutput.weights];
const labelWeights = (net: Network): TF.LayerVariable[] => [
  ...net.labelBlocks.flatMap(blockWeights),
  ...net.labelOutput.weights,
  ...net.biasMaps.flatMap((l) => l.weights),
];
const allWeights = (net: Network): TF.LayerVariable[] => [...attributeWeights(net), ...labelWeights(net)];
const trainableOf = (weights: readonly TF.LayerVariable[]): TF.Variable[] => weights.filter((w) => w.trainable).map((w) => w.read() as TF.Variable);
const disposeNetwork = (net: Network): void => {
  for (const w of allWeights(net)) w.dispose();
};


/** Inference-mode embeddings of rows (kept tensors; the caller disposes them). Empty rows give [0, width] tensors. */
const embed = (net: Network, rows: InputMatrix): TF.Tensor[] => {
  const t = net.topology;
  if (rows.rows === 0) return t.attribute.layers.slice(t.attribute.layers.length - t.k).map((w) => tf.zeros([0, w]));
  return tf.tidy(() => attributeForward(net, inputTensor(rows), false).embeddings);
};

/** Inference-mode softmax probabilities over the groups, one row of G per input row. */
const predictGroups = (net: Network, rows: InputMatrix): Float32Array => {
  if (rows.rows === 0) return new Float32Array(0);
  return tf.tidy(() => tf.softmax(attributeForward(net, inputTensor(rows), false).logits).dataSync() as Float32Array).slice();
};

const predictLabel = (net: Network, rows: InputMatrix, embeddings: readonly TF.Tensor[]): Float32Array => {
  if (rows.rows === 0) return new Float32Array(0);
  return tf.tidy(() => labelForward(net, inputTensor(rows), embeddings, false).dataSync() as Float32Array).slice();
};

/** Trains both stages on one replicate; returns the encoded model, how training went and P(y = 1) for rep.test. */
export const trainConditionalBiasReplicate = async (
  data: Dataset,
  groupIndex: readonly number[],
  groups: readonly string[],
  rep: Replicate,
  params: ConditionalBiasShape,
  ctx: StepContext,
  labelSampleWeights?: ArrayLike<number>,
) => {
  const { preprocessing, train, valid, test, gTrain, gValid, gTest, yTrain, yValid, topology, stream, attributeInit, labelInit, biasInit } = conditionalBiasReplicateInputs(data, groupIndex, groups, rep, params, ctx);
  const net = buildNetwork(topology, {
    attribute: () => drawSeed(attributeInit),
    label: () => drawSeed(labelInit),
    bias: () => drawSeed(biasInit),
  });
  const g = groups.length;
  const xAll = inputTensor(train);
  const groupAll = tf.tidy(() => tf.oneHot(tf.tensor1d(gTrain, "int32"), g).toFloat());
  const yAll = tf.tensor2d(yTrain, [yTrain.length, 1], "float32");
  const wAll = sampleWeightTensor(labelSampleWeights);
  const embeddings: TF.Tensor[] = [];
  try {
    // Stage 1: the sensitive-attribute predictor.
    const aWeights = attributeWeights(net);
    const attributeRecord = await fitEarlyStopping({
      ...stageSchedule(params.attribute),
      rows: train.rows,
      batchLoss: (idx) => tf.losses.softmaxCrossEntropy(tf.gather(groupAll, idx), attributeForward(net, tf.gather(xAll, idx), true).logits) as TF.Scalar,
      trainable: trainableOf(aWeights),
      weights: aWeights,
      validLoss: gValid.length === 0 ? undefined : () => crossEntropy(predictGroups(net, valid), gValid, g),
      orderRng: ctx.random(`${stream}/attribute/order`),
      mathRandom: ctx.random(`${stream}/attribute/math-random`),
    });

    // Stage 2: the label predictor, modulated by the frozen attribute predictor's embeddings.
    const [eTrain, eValid, eTest] = [embed(net, train), embed(net, valid), embed(net, test)];
    embeddings.push(...eTrain, ...eValid, ...eTest);
    const lWeights = labelWeights(net);
    const labelRecord = await fitEarlyStopping({
      ...stageSchedule(params.label),
      rows: train.rows,
      batchLoss: (idx) => {
        const xb = tf.gather(xAll, idx);
        const yb = tf.gather(yAll, idx);
        const eb = eTrain.map((e) => tf.gather(e, idx));
        return batchLogLoss(yb, labelForward(net, xb, eb, true), wAll === undefined ? undefined : tf.gather(wAll, idx));
      },
      trainable: trainableOf(lWeights),
      weights: lWeights,
      validLoss: yValid.length === 0 ? undefined : () => validLogLoss(yValid, predictLabel(net, valid, eValid)),
      orderRng: ctx.random(`${stream}/order`),
      mathRandom: ctx.random(`${stream}/math-random`),
    });

    const training: ConditionalBiasTraining = {
      attribute: {
        ...attributeRecord,
        validAccuracy: groupAccuracy(predictGroups(net, valid), gValid, g),
        testAccuracy: groupAccuracy(predictGroups(net, test), gTest, g),
      },
      label: labelRecord,
    };
    const model: EncodedModel<ConditionalBiasTopology> = {
      topology,
      weights: encodeVariables("conditional-bias", conditionalBiasWeightSpecs(topology), allWeights(net)),
    };
    return { preprocessing, model, training, prob: predictLabel(net, test, eTest) };
  } finally {
    tf.dispose([xAll, groupAll, yAll, ...(wAll === undefined ? [] : [wAll]), ...embeddings]);
    disposeNetwork(net);
  }
};

/**
 * P(y = 1) and the attribute predictor's group probabilities for standardised rows, from an encoded model
 * (inference mode).
 */
export const predictConditionalBias = async (
  encoded: EncodedModel<ConditionalBiasTopology>,
  x: InputMatrix,
): Promise<{ prob: number[]; groupProb: number[][] }> => {
  await initTfjs();
  const values = decodeWeights(encoded, conditionalBiasWeightSpecs(encoded.topology));
  let n = 0;
  const seed = () => ++n;
  const net = buildNetwork(encoded.topology, { attribute: seed, label: seed, bias: seed });
  try {
    restoreWeights(allWeights(net), values);
    const e = embed(net, x);
    try {
      const prob = Array.from(predictLabel(net, x, e));
      const flat = predictGroups(net, x);
      const g = encoded.topology.groups.length;
      return { prob, groupProb: Array.from({ length: x.rows }, (_, i) => Array.from(flat.subarray(i * g, (i + 1) * g))) };
    } finally {
      tf.dispose(e);
    }
  } finally {
    disposeNetwork(net);
  }
};

/** predictConditionalBias for a model that `engine` trained. */
export const predictConditionalBiasOn = async (
  engine: TrainingEngine,
  encoded: EncodedModel<ConditionalBiasTopology>,
  x: InputMatrix,
): Promise<{ prob: number[]; groupProb: number[][] }> => (engine === "kernels" ? predictConditionalBiasFast(encoded, x) : predictConditionalBias(encoded, x));

export const conditionalBias = defineStep({
  kind: "train.conditional-bias",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split", ...rowLinesInput },
  outputs: { models: "models", predictions: "predictions" },
  // One unit per replicate (both stages): the engine may train them on several cores or workers, in order.
  units: {
    prepare: async (inputs, params, ctx) => {
      const table = inputs.table.table();
      if (params.features.includes(params.subgroup)) ctx.fail("params.features", `column ${JSON.stringify(params.subgroup)} is the subgroup column; remove it from the features`);
      const { data, weighting, replicates } = readTrainingInputs(inputs, params, ctx);
      const { group, groups } = readGroupColumn(table, params.subgroup, ctx, data.rowName);
      if (groups.length < 2) ctx.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} has ${groups.length} subgroup; the attribute predictor needs at least two`);
      const index = new Map(groups.map((g, i) => [g, i]));
      const groupIndex = group.map((g) => index.get(g)!);
      if (params.engine === "tfjs") await initTfjs();
      return { params, data, groups, groupIndex, weighting, replicates };
    },
    count: (state) => state.replicates.length,
    run: async ({ params, data, groups, groupIndex, weighting, replicates }, i, ctx) => {
      const rep = replicates[i]!;
      const train = params.engine === "kernels" ? trainConditionalBiasFast : trainConditionalBiasReplicate;
      if (rep.valid.length === 0) ctx.log(`replicate ${rep.replicate}: no valid rows, so no early stopping; training all epochs of both stages`);
      // Progress is counted in units (replicates) by the engine.
      const { preprocessing, model, training, prob } = await train(data, groupIndex, groups, rep, params, ctx, weighting(rep.train));
      return { preprocessing, model, training, prob: Array.from(prob) };
    },
    combine: ({ params, groups, replicates }, trained) => ({
      models: encodeModelSet({
        format: MODEL_SET_FORMAT,
        model: "conditional-bias",
        engine: params.engine,
        subgroup: params.subgroup,
        groups: [...groups],
        replicates: replicates.map((rep, i): ReplicateOf<"conditional-bias"> => ({ replicate: rep.replicate, seed: rep.seed, fold: rep.fold, ...trained[i]!.preprocessing, model: trained[i]!.model, training: trained[i]!.training })),
      }),
      predictions: testPredictionsTable(replicates.map((rep, i): ReplicatePredictions => ({ replicate: rep, prob: trained[i]!.prob }))),
    }),
  },
});

/** Pipeline builder: one conditional-bias model per replicate of `split`, trained on `table`. */
export const trainConditionalBias: TrainStepBuilder<typeof Params.Encoded, typeof conditionalBias> = trainStepBuilder(conditionalBias);
