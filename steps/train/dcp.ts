/**
 * train.dcp: decoupled personalization (DCP), the seed paper's baseline ("Towards personalized healthcare without
 * harm via bias modulation", SCSL @ ICLR 2025; docs/references.md). For every replicate and every subgroup, one label
 * predictor is trained on that subgroup's train rows only (standardised on them, early-stopped on the subgroup's
 * valid rows) and applied to that subgroup's test rows only.
 *
 * The label predictor is the MLP toolkit's network and training loop, called per subgroup (trainMlpOn, on the step's engine): blocks of
 * Linear → BatchNorm → ReLU → Dropout, a sigmoid output, Adam, early stopping. Defaults are the paper's label
 * predictor (LABEL_PREDICTOR_DEFAULTS). Each subgroup's model has its own ctx streams,
 * "replicate/<r>/seed/<s>/fold/<f>/group/<g>/{init,order,math-random}". With `weights`, each subgroup's model
 * weights its loss by sample weights fitted on that model's own training rows (sample-weights.ts), so a scheme over
 * the DCP subgroup column itself (inverse prevalence) is uniform within every model; utility weights per (subgroup,
 * label) cell still reweight a model's labels. The valid loss stays unweighted.
 *
 * Outputs:
 * - predictions: the usual table (replicate, seed, fold, row, prob), each test row scored by its own subgroup's model;
 * - cross: every test row scored by EVERY subgroup's model (replicate, seed, fold, row, prob, model_group), sorted by
 *   replicate, row, model_group. The rows with model_group equal to the row's own group repeat `predictions`. This
 *   is what the envy-freeness check of evaluate.personalization needs: would a group do better with another group's
 *   model? A model applied to another group's rows uses its own preprocessing (fitted on its own group's train rows).
 * - models: per replicate, per subgroup, the fitted preprocessing, the encoded MLP and how training ended.
 */
import { Schema } from "effect";
import type * as arrow from "apache-arrow";
import { makeTable } from "../../artifacts/table.js";
import { defineStep } from "../../dsl/step.js";
import { type DcpGroupModel, MODEL_SET_FORMAT, type ReplicateOf, encodeModelSet } from "./model-set.js";
import { trainMlpOn } from "./mlp-engines.js";
import { mlpHyperparameterFields, replicateStream } from "./mlp-toolkit.js";
import { LABEL_PREDICTOR_DEFAULTS, readGroupColumn } from "./personalization-shared.js";
import { RecipeParam } from "./recipe.js";
import { type Replicate, readTrainingInputs, testPredictionsTable } from "./replicates.js";
import { sampleWeightsField } from "./sample-weights.js";
import { type TrainStepBuilder, trainStepBuilder } from "./train-step.js";
import { trainingEngineField } from "./training-engine.js";
import { rowLinesInput, rowSourceFields } from "../row-reference.js";

const Params = Schema.Struct({
  features: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  target: Schema.String,
  recipe: RecipeParam,
  ...rowSourceFields,
  /** The string column naming each row's subgroup (subgroups.define's "subgroup"). */
  subgroup: Schema.String,
  ...mlpHyperparameterFields(LABEL_PREDICTOR_DEFAULTS),
  ...trainingEngineField,
  ...sampleWeightsField,
});
export type DcpParams = typeof Params.Type;

/** One cross-prediction line: a test row scored by one subgroup's model. */
interface CrossLine {
  readonly replicate: Replicate;
  readonly row: number;
  readonly modelGroup: string;
  readonly prob: number;
}

/** The cross predictions table: the predictions columns plus a string model_group, sorted by replicate, row, group. */
const crossTable = (lines: readonly CrossLine[]): arrow.Table => {
  const sorted = [...lines].sort(
    (a, b) => a.replicate.replicate - b.replicate.replicate || a.row - b.row || (a.modelGroup < b.modelGroup ? -1 : a.modelGroup > b.modelGroup ? 1 : 0),
  );
  return makeTable([
    { name: "replicate", type: "int", values: sorted.map((l) => l.replicate.replicate) },
    { name: "seed", type: "int", values: sorted.map((l) => l.replicate.seed) },
    { name: "fold", type: "int", values: sorted.map((l) => l.replicate.fold) },
    { name: "row", type: "int", values: sorted.map((l) => l.row) },
    { name: "prob", type: "float", values: sorted.map((l) => l.prob) },
    { name: "model_group", type: "string", values: sorted.map((l) => l.modelGroup) },
  ]);
};

export const dcp = defineStep({
  kind: "train.dcp",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split", ...rowLinesInput },
  outputs: { models: "models", predictions: "predictions", cross: "predictions" },
  // One unit per replicate (all its subgroups' models): the engine may train them on several cores or workers.
  units: {
    prepare: (inputs, params, ctx) => {
      const table = inputs.table.table();
      if (params.features.includes(params.subgroup)) ctx.fail("params.features", `column ${JSON.stringify(params.subgroup)} is the subgroup column; remove it from the features`);
      const { data, weighting, replicates } = readTrainingInputs(inputs, params, ctx);
      const { group, groups } = readGroupColumn(table, params.subgroup, ctx, data.rowName);
      if (params.weights?.scheme === "inverse-prevalence" && params.weights.subgroup === params.subgroup) {
        ctx.log(`params.weights: inverse prevalence over ${JSON.stringify(params.subgroup)}, DCP's own subgroup column, weighs every row of a subgroup's model alike, so it trains unweighted models; weight by another column or use utility weights`);
      }
      return { params, data, group, groups, weighting, replicates };
    },
    count: (state) => state.replicates.length,
    run: async ({ params, data, group, groups, weighting, replicates }, i, ctx) => {
      const rep = replicates[i]!;
      const inGroup = (g: string) => (r: number) => group[r] === g;
      const ownProb = new Array<number>(rep.test.length).fill(Number.NaN);
      const models: DcpGroupModel[] = [];
      /** Per subgroup (in `groups` order), its model's probability for every test row. */
      const crossProb: number[][] = [];
      for (const g of groups) {
        const train = rep.train.filter(inGroup(g));
        const valid = rep.valid.filter(inGroup(g));
        if (train.length === 0) {
          ctx.fail("inputs.split", `replicate ${rep.replicate} has no train rows in subgroup ${JSON.stringify(g)}, so DCP has no model for it; merge small subgroups (subgroups.define)`);
        }
        if (valid.length === 0) ctx.log(`replicate ${rep.replicate}, subgroup ${g}: no valid rows, so no early stopping; training all ${params.epochs} epochs`);
        // The subgroup's model is trained on its own rows and scores every test row (for the cross predictions).
        const sub: Replicate = { ...rep, train, valid, test: rep.test };
        const trained = await trainMlpOn(params.engine, data, sub, params, ctx, `${replicateStream(rep)}/group/${g}`, weighting(train));
        rep.test.forEach((r, t) => {
          if (group[r] === g) ownProb[t] = trained.prob[t]!;
        });
        crossProb.push(Array.from(trained.prob));
        models.push({
          group: g,
          trainRows: train.length,
          validRows: valid.length,
          ...trained.preprocessing,
          model: trained.model,
          training: trained.training,
        });
      }
      const missing = rep.test.find((_, t) => Number.isNaN(ownProb[t]));
      if (missing !== undefined) ctx.fail("inputs.split", `replicate ${rep.replicate}: test ${data.rowName(missing)} is in a subgroup with no train rows`);
      return { models, ownProb, crossProb };
    },
    combine: ({ params, groups, replicates }, trained) => {
      const cross: CrossLine[] = replicates.flatMap((rep, i) =>
        groups.flatMap((g, k) => Array.from(rep.test, (row, t) => ({ replicate: rep, row, modelGroup: g, prob: trained[i]!.crossProb[k]![t]! }))),
      );
      return {
        models: encodeModelSet({
          format: MODEL_SET_FORMAT,
          model: "dcp",
          engine: params.engine,
          subgroup: params.subgroup,
          groups: [...groups],
          replicates: replicates.map((rep, i): ReplicateOf<"dcp"> => ({ replicate: rep.replicate, seed: rep.seed, fold: rep.fold, groups: trained[i]!.models })),
        }),
        predictions: testPredictionsTable(replicates.map((rep, i) => ({ replicate: rep, prob: trained[i]!.ownProb }))),
        cross: crossTable(cross),
      };
    },
  },
});

/**
 * Pipeline builder: per replicate of `split`, one label predictor per subgroup of `table`. `predictions` scores each
 * test row with its own subgroup's model; `cross` with every subgroup's model (for evaluate.personalization).
 */
export const trainDcp: TrainStepBuilder<typeof Params.Encoded, typeof dcp> = trainStepBuilder(dcp);
