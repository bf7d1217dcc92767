/**
 * train.mlp: one multilayer perceptron per replicate (the MLP toolkit's blocks, Linear → BatchNorm → ReLU →
 * Dropout, and a Linear → sigmoid output), trained with Adam on binary cross-entropy and early-stopped on the
 * replicate's valid rows (the weights of the epoch with the lowest valid loss are kept). With `weights`, the loss
 * is weighted by sample weights fitted on each replicate's training rows (sample-weights.ts; the valid loss stays
 * unweighted). See mlp-toolkit.ts for the network, the training loop and how it stays deterministic, and
 * training-engine.ts for the engines that train it.
 */
import { Schema } from "effect";
import { defineStep } from "../../dsl/step.js";
import { MODEL_SET_FORMAT, encodeModelSet } from "./model-set.js";
import { trainMlpOn } from "./mlp-engines.js";
import { mlpHyperparameterFields, replicateStream } from "./mlp-toolkit.js";
import { RecipeParam } from "./recipe.js";
import { rowLinesInput, rowSourceFields } from "../row-reference.js";
import { type ReplicatePredictions, readTrainingInputs, testPredictionsTable } from "./replicates.js";
import { sampleWeightsField } from "./sample-weights.js";
import { type TrainStepBuilder, trainStepBuilder } from "./train-step.js";
import { trainingEngineField } from "./training-engine.js";

/** Defaults sized so the heart study (about 190 train rows, 25 replicates) trains in seconds; see the report. */
export const MLP_DEFAULTS = {
  layers: [64, 64],
  dropout: 0.2,
  learningRate: 0.003,
  epochs: 60,
  batchSize: 64,
  patience: 10,
} as const;

const Params = Schema.Struct({
  features: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  target: Schema.String,
  recipe: RecipeParam,
  ...rowSourceFields,
  ...mlpHyperparameterFields(MLP_DEFAULTS),
  ...trainingEngineField,
  ...sampleWeightsField,
});
export type MlpParams = typeof Params.Type;

export const mlp = defineStep({
  kind: "train.mlp",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split", ...rowLinesInput },
  outputs: { models: "models", predictions: "predictions" },
  // One unit per replicate: the engine may train them on several cores or workers and combines them in order.
  units: {
    prepare: (inputs, params, ctx) => {
      return { params, ...readTrainingInputs(inputs, params, ctx) };
    },
    count: (state) => state.replicates.length,
    run: async ({ params, data, weighting, replicates }, i, ctx) => {
      const rep = replicates[i]!;
      if (rep.valid.length === 0) ctx.log(`replicate ${rep.replicate}: no valid rows, so no early stopping; training all ${params.epochs} epochs`);
      const { preprocessing, model, training, prob } = await trainMlpOn(params.engine, data, rep, params, ctx, replicateStream(rep), weighting(rep.train));
      return { preprocessing, model, training, prob: Array.from(prob) };
    },
    combine: ({ params, replicates }, trained) => ({
      models: encodeModelSet({
        format: MODEL_SET_FORMAT,
        model: "mlp",
        engine: params.engine,
        replicates: replicates.map((rep, i) => ({ replicate: rep.replicate, seed: rep.seed, fold: rep.fold, ...trained[i]!.preprocessing, model: trained[i]!.model, training: trained[i]!.training })),
      }),
      predictions: testPredictionsTable(replicates.map((rep, i): ReplicatePredictions => ({ replicate: rep, prob: trained[i]!.prob }))),
    }),
  },
});

/** Pipeline builder: one MLP per replicate of `split`, trained on `table`. */
export const trainMlp: TrainStepBuilder<typeof Params.Encoded, typeof mlp> = trainStepBuilder(mlp);
