/**
 * The MLP toolkit's network (train.mlp's model and each train.dcp model) on the fast engine: the same topology, ctx
 * streams, initial weights, batches, dropout masks and early stopping as trainMlpReplicate in ../mlp-toolkit.ts, computed by the WebAssembly
 * kernels instead of tfjs. Returns the same TrainedMlp, with weights in mlpWeightSpecs order.
 */
import type { StepContext } from "../../../dsl/step.js";
import { type MlpHyperparameters, type TrainedMlp, mlpReplicateInputs, mlpWeightSpecs, replicateStream, validLogLoss } from "../mlp-toolkit.js";
import type { MlpTopology } from "../model-set.js";
import type { Dataset, Replicate } from "../replicates.js";
import { drawSeed } from "../tfjs-runtime.js";
import { type EncodedModel, decodeWeights, encodeWeight } from "../weights.js";
import { type InputMatrix, float32Cells } from "../input-matrix.js";
import { fitFast } from "./fit.js";
import { withArena } from "./kernels.js";
import { FastNetwork, type FastNetworkSpec } from "./network.js";

const networkSpec = (topology: MlpTopology, seeds: () => number): FastNetworkSpec => ({
  inputs: topology.features.length,
  blocks: topology.layers,
  dropout: topology.dropout,
  batchNorm: topology.batchNorm,
  head: { units: 1, activation: "sigmoid" },
  sides: [],
  // The order tfjs draws them in: one seed per linear layer, input to output.
  seeds: { blocks: topology.layers.map(() => seeds()), head: seeds(), sides: [] },
});

export const trainMlpFast = (
  data: Dataset,
  rep: Replicate,
  params: MlpHyperparameters & { readonly features: readonly string[] },
  ctx: StepContext,
  stream: string = replicateStream(rep),
  sampleWeights?: ArrayLike<number>,
): TrainedMlp => {
  const { preprocessing, features, train, valid, test, yTrain, yValid, topology, initRng, orderRng, dropoutRng } = mlpReplicateInputs(data, rep, params, ctx, stream);
  const d = features.length;
  const upload = (net: FastNetwork, m: InputMatrix) => net.upload(float32Cells(m), m.rows, d);
  return withArena((arena, kernels) => {
    const net = new FastNetwork(arena, kernels, networkSpec(topology, () => drawSeed(initRng)));
    const x = upload(net, train);
    const xValid = upload(net, valid);
    const training = fitFast(net, {
      learningRate: params.learningRate,
      epochs: params.epochs,
      batchSize: params.batchSize,
      patience: params.patience,
      x,
      targets: yTrain,
      sampleWeights,
      validLoss: yValid.length === 0 ? undefined : () => validLogLoss(yValid, net.infer(xValid).prob),
      orderRng,
      mathRandom: dropoutRng,
    });
    const weights = net.weights();
    const model: EncodedModel<MlpTopology> = {
      topology,
      weights: mlpWeightSpecs(topology).map((spec, i) => encodeWeight(spec.name, spec.shape, weights[i]!)),
    };
    const prob = test.rows === 0 ? new Float32Array(0) : net.infer(upload(net, test)).prob;
    return { preprocessing, model, training, prob };
  });
};

/** P(y = 1) for standardised rows from an encoded MLP, on the fast engine (inference mode). */
export const predictMlpFast = (encoded: EncodedModel<MlpTopology>, x: InputMatrix): number[] => {
  const values = decodeWeights(encoded, mlpWeightSpecs(encoded.topology));
  if (x.rows === 0) return [];
  const d = encoded.topology.features.length;
  return withArena((arena, kernels) => {
    const net = new FastNetwork(arena, kernels, networkSpec(encoded.topology, () => 1));
    net.setWeights(values);
    return Array.from(net.infer(net.upload(float32Cells(x), x.rows, d)).prob);
  });
};
