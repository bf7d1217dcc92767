/**
 * train.conditional-bias on the fast engine: the same two stages, ctx streams, initial weights, batches, dropout
 * masks and early stopping as trainConditionalBiasReplicate in ../conditional-bias.ts, on the WebAssembly kernels.
 * Stage 1 is a softmax network over the groups; its last K blocks' inference-mode outputs are the side inputs of
 * stage 2, the label network, whose side maps (Linear + ReLU) add the bias vectors after BatchNorm.
 */
import type { StepContext } from "../../../dsl/step.js";
import { type ConditionalBiasShape, conditionalBiasReplicateInputs, stageSchedule, conditionalBiasWeightSpecs, crossEntropy, groupAccuracy } from "../conditional-bias-model.js";
import { validLogLoss } from "../mlp-toolkit.js";
import type { ConditionalBiasTopology, ConditionalBiasTraining } from "../model-set.js";
import type { Dataset, Replicate } from "../replicates.js";
import { drawSeed } from "../tfjs-runtime.js";
import { type EncodedModel, decodeWeights, encodeWeight } from "../weights.js";
import { type InputMatrix, float32Cells } from "../input-matrix.js";
import { fitFast } from "./fit.js";
import { type Arena, type Kernels, withArena } from "./kernels.js";
import { FastNetwork, type Matrix } from "./network.js";

/** The two networks of a topology; seeds drawn per stream in tfjs' order (blocks, then output; bias maps). */
const networks = (arena: Arena, kernels: Kernels, t: ConditionalBiasTopology, seeds: { attribute: () => number; label: () => number; bias: () => number }) => {
  const common = { inputs: t.features.length, batchNorm: t.batchNorm };
  const attribute = new FastNetwork(arena, kernels, {
    ...common,
    blocks: t.attribute.layers,
    dropout: t.attribute.dropout,
    head: { units: t.groups.length, activation: "softmax" },
    sides: [],
    seeds: { blocks: t.attribute.layers.map(() => seeds.attribute()), head: seeds.attribute(), sides: [] },
  });
  const label = new FastNetwork(arena, kernels, {
    ...common,
    blocks: t.label.layers,
    dropout: t.label.dropout,
    head: { units: 1, activation: "sigmoid" },
    sides: t.attribute.layers.slice(t.attribute.layers.length - t.k),
    seeds: {
      blocks: t.label.layers.map(() => seeds.label()),
      head: seeds.label(),
      sides: Array.from({ length: t.k }, () => seeds.bias()),
    },
  });
  return { attribute, label };
};

/** Indices of the last K blocks of a network with `blocks` blocks. */
const lastK = (blocks: number, k: number): number[] => Array.from({ length: k }, (_, i) => blocks - k + i);

export const trainConditionalBiasFast = (
  data: Dataset,
  groupIndex: readonly number[],
  groups: readonly string[],
  rep: Replicate,
  params: ConditionalBiasShape,
  ctx: StepContext,
  labelSampleWeights?: ArrayLike<number>,
) => {
  const { preprocessing, features, train, valid, test, gTrain, gValid, gTest, yTrain, yValid, topology, stream, attributeInit, labelInit, biasInit } = conditionalBiasReplicateInputs(data, groupIndex, groups, rep, params, ctx);
  const d = features.length;
  const g = groups.length;
  return withArena((arena, kernels) => {
    const net = networks(arena, kernels, topology, {
      attribute: () => drawSeed(attributeInit),
      label: () => drawSeed(labelInit),
      bias: () => drawSeed(biasInit),
    });
    const upload = (m: InputMatrix) => net.attribute.upload(float32Cells(m), m.rows, d);
    const [xTrain, xValid, xTest] = [upload(train), upload(valid), upload(test)];

    // Stage 1: the sensitive-attribute predictor.
    const attributeRecord = fitFast(net.attribute, {
      ...stageSchedule(params.attribute),
      x: xTrain,
      targets: gTrain,
      validLoss: gValid.length === 0 ? undefined : () => crossEntropy(net.attribute.infer(xValid).prob, gValid, g),
      orderRng: ctx.random(`${stream}/attribute/order`),
      mathRandom: ctx.random(`${stream}/attribute/math-random`),
    });

    // Stage 2: the label predictor, modulated by the frozen attribute predictor's embeddings.
    const embeddingBlocks = lastK(topology.attribute.layers.length, topology.k);
    const embed = (x: Matrix): Matrix[] =>
      net.attribute.infer(x, [], embeddingBlocks).hidden.map((h, i) => net.attribute.upload(h, x.rows, topology.attribute.layers[embeddingBlocks[i]!]!));
    const [eTrain, eValid, eTest] = [embed(xTrain), embed(xValid), embed(xTest)];
    const labelRecord = fitFast(net.label, {
      ...stageSchedule(params.label),
      x: xTrain,
      targets: yTrain,
      sampleWeights: labelSampleWeights,
      sides: eTrain,
      validLoss: yValid.length === 0 ? undefined : () => validLogLoss(yValid, net.label.infer(xValid, eValid).prob),
      orderRng: ctx.random(`${stream}/order`),
      mathRandom: ctx.random(`${stream}/math-random`),
    });

    const training: ConditionalBiasTraining = {
      attribute: {
        ...attributeRecord,
        validAccuracy: groupAccuracy(net.attribute.infer(xValid).prob, gValid, g),
        testAccuracy: groupAccuracy(net.attribute.infer(xTest).prob, gTest, g),
      },
      label: labelRecord,
    };
    const weights = [...net.attribute.weights(), ...net.label.weights()];
    const model: EncodedModel<ConditionalBiasTopology> = {
      topology,
      weights: conditionalBiasWeightSpecs(topology).map((spec, i) => encodeWeight(spec.name, spec.shape, weights[i]!)),
    };
    return { preprocessing, model, training, prob: net.label.infer(xTest, eTest).prob };
  });
};

/** P(y = 1) and the attribute predictor's group probabilities for standardised rows, on the fast engine. */
export const predictConditionalBiasFast = (
  encoded: EncodedModel<ConditionalBiasTopology>,
  x: InputMatrix,
): { prob: number[]; groupProb: number[][] } => {
  const t = encoded.topology;
  const values = decodeWeights(encoded, conditionalBiasWeightSpecs(t));
  if (x.rows === 0) return { prob: [], groupProb: [] };
  return withArena((arena, kernels) => {
    const one = () => 1;
    const net = networks(arena, kernels, t, { attribute: one, label: one, bias: one });
    const attributeCount = 6 * t.attribute.layers.length + 2;
    net.attribute.setWeights(values.slice(0, attributeCount));
    net.label.setWeights(values.slice(attributeCount));
    const d = t.features.length;
    const rows = net.attribute.upload(float32Cells(x), x.rows, d);
    const blocks = lastK(t.attribute.layers.length, t.k);
    const { prob: groupFlat, hidden } = net.attribute.infer(rows, [], blocks);
    const sides = hidden.map((h, i) => net.attribute.upload(h, x.rows, t.attribute.layers[blocks[i]!]!));
    const g = t.groups.length;
    return {
      prob: Array.from(net.label.infer(rows, sides).prob),
      groupProb: Array.from({ length: x.rows }, (_, i) => Array.from(groupFlat.subarray(i * g, (i + 1) * g))),
    };
  });
};
