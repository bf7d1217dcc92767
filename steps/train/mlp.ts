/**
 * train.mlp: one multilayer perceptron per replicate (the MLP toolkit's blocks, Linear → BatchNorm → ReLU →
 * Dropout, and a Linear → sigmoid output), trained with Adam on binary cross-entropy and early-stopped on the
 * replicate's valid rows (the weights of the epoch with the lowest valid loss are kept). See mlp-toolkit.ts for the
 * network, the training loop and how it stays deterministic, and training-engine.ts for the engines that train it.
 */
import { Schema } from "effect";
import { defineStep } from "../../dsl/step.js";
import { MODEL_SET_FORMAT, encodeModelSet } from "./model-set.js";
import { trainMlpOn } from "./mlp-engines.js";
import { mlpHyperparameterFields } from "./mlp-toolkit.js";
import { RecipeParam } from "./recipe.js";
import { type ReplicatePredictions, testPredictionsTable, readDataset, readSplit } from "./replicates.js";
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
  ...mlpHyperparameterFields(MLP_DEFAULTS),
  ...trainingEngineField,
});
export type MlpParams = typeof Params.Type;

export const mlp = defineStep({
  kind: "train.mlp",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split" },
  outputs: { models: "models", predictions: "predictions" },
  run: async (inputs, params, ctx) => {
    const table = inputs.table.table();
    const data = readDataset(table, params, ctx);
    const replicates = readSplit(inputs.split.table(), table.numRows, ctx);
    const entries = [];
    const predictions: ReplicatePredictions[] = [];
    for (const [i, rep] of replicates.entries()) {
      if (rep.valid.length === 0) ctx.log(`replicate ${rep.replicate}: no valid rows, so no early stopping; training all ${params.epochs} epochs`);
      const { preprocessing, model, training, prob } = await trainMlpOn(params.engine, data, rep, params, ctx);
      entries.push({ replicate: rep.replicate, seed: rep.seed, fold: rep.fold, ...preprocessing, model, training });
      predictions.push({ replicate: rep, prob });
      ctx.progress(i + 1, replicates.length);
    }
    return {
      models: encodeModelSet({ format: MODEL_SET_FORMAT, model: "mlp", engine: params.engine, replicates: entries }),
      predictions: testPredictionsTable(predictions),
    };
  },
});

/** Pipeline builder: one MLP per replicate of `split`, trained on `table`. */
export const trainMlp: TrainStepBuilder<typeof Params.Encoded, typeof mlp> = trainStepBuilder(mlp);
