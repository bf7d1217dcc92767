/**
 * What both training engines of train.conditional-bias share (conditional-bias.ts on tfjs, fast-mlp/ on the
 * WebAssembly kernels): the stored topology for a step's parameters, the order and shapes of the stored weights, and
 * the attribute predictor's loss and accuracy on softmax probabilities.
 */
import type { StepContext } from "../../dsl/step.js";
import { MLP_BATCH_NORM, type MlpHyperparameters, mlpBlockWeightSpecs, replicateStream } from "./mlp-toolkit.js";
import type { ConditionalBiasTopology } from "./model-set.js";
import { preprocessReplicate } from "./preprocess-replicate.js";
import type { Dataset, Replicate } from "./replicates.js";
import type { WeightSpec } from "./weights.js";

/** The parameters a topology is built from (the step's decoded params). */
export interface ConditionalBiasShape {
  readonly features: readonly string[];
  readonly k: number;
  readonly attribute: MlpHyperparameters;
  readonly label: MlpHyperparameters;
}

export const conditionalBiasTopology = (params: ConditionalBiasShape, groups: readonly string[]): ConditionalBiasTopology => ({
  type: "conditional-bias",
  features: [...params.features],
  groups: [...groups],
  k: params.k,
  batchNorm: { ...MLP_BATCH_NORM },
  attribute: { layers: [...params.attribute.layers], dropout: params.attribute.dropout },
  label: { layers: [...params.label.layers], dropout: params.label.dropout },
  embeddings: "attribute-last-k-blocks-after-relu",
  bias: "label-last-k-blocks-after-batchnorm-before-relu",
  output: "sigmoid",
});

/** The training schedule of one stage, as the early-stopping loops of both engines take it. */
export const stageSchedule = (h: MlpHyperparameters) => ({ learningRate: h.learningRate, epochs: h.epochs, batchSize: h.batchSize, patience: h.patience });

/** Weight names and shapes in their fixed order: attribute blocks and output, label blocks and output, bias maps. */
/**
 * What both training engines start a replicate from: its rows through the recipe fitted on its train rows, their
 * groups (indices into `groups`) and labels, the topology, and the seeded streams for the two stages' initial
 * weights and the bias maps.
 */
export const conditionalBiasReplicateInputs = (
  data: Dataset,
  groupIndex: readonly number[],
  groups: readonly string[],
  rep: Replicate,
  params: ConditionalBiasShape,
  ctx: StepContext,
) => {
  const { preprocessing, features, train, valid, test } = preprocessReplicate(data, rep, ctx);
  const stream = replicateStream(rep);
  return {
    preprocessing,
    features,
    train,
    valid,
    test,
    gTrain: rep.train.map((r) => groupIndex[r]!),
    gValid: rep.valid.map((r) => groupIndex[r]!),
    gTest: rep.test.map((r) => groupIndex[r]!),
    yTrain: rep.train.map((r) => data.y[r]!),
    yValid: rep.valid.map((r) => data.y[r]!),
    topology: conditionalBiasTopology({ ...params, features }, groups),
    stream,
    attributeInit: ctx.random(`${stream}/attribute/init`),
    labelInit: ctx.random(`${stream}/init`),
    biasInit: ctx.random(`${stream}/bias/init`),
  };
};

export const conditionalBiasWeightSpecs = (t: ConditionalBiasTopology): WeightSpec[] => {
  const specs: WeightSpec[] = [];
  let width = t.features.length;
  t.attribute.layers.forEach((units, i) => {
    specs.push(...mlpBlockWeightSpecs(`attribute.block${i}`, width, units));
    width = units;
  });
  specs.push({ name: "attribute.output.kernel", shape: [width, t.groups.length] }, { name: "attribute.output.bias", shape: [t.groups.length] });
  width = t.features.length;
  t.label.layers.forEach((units, i) => {
    specs.push(...mlpBlockWeightSpecs(`label.block${i}`, width, units));
    width = units;
  });
  specs.push({ name: "label.output.kernel", shape: [width, 1] }, { name: "label.output.bias", shape: [1] });
  for (let k = 0; k < t.k; k++) {
    const from = t.attribute.layers[t.attribute.layers.length - t.k + k]!;
    const to = t.label.layers[t.label.layers.length - t.k + k]!;
    specs.push({ name: `bias${k}.kernel`, shape: [from, to] }, { name: `bias${k}.bias`, shape: [to] });
  }
  return specs;
};

/** Mean cross-entropy over the groups in float64, probabilities clipped to [1e-7, 1]. */
export const crossEntropy = (probs: Float32Array, groups: ArrayLike<number>, g: number): number => {
  let sum = 0;
  for (let i = 0; i < groups.length; i++) sum -= Math.log(Math.max(1e-7, probs[i * g + groups[i]!]!));
  return sum / groups.length;
};

/** Share of rows whose most probable group (first on ties) is their group; null for no rows. */
export const groupAccuracy = (probs: Float32Array, groups: ArrayLike<number>, g: number): number | null => {
  if (groups.length === 0) return null;
  let correct = 0;
  for (let i = 0; i < groups.length; i++) {
    let best = 0;
    for (let j = 1; j < g; j++) if (probs[i * g + j]! > probs[i * g + best]!) best = j;
    if (best === groups[i]) correct++;
  }
  return correct / groups.length;
};
