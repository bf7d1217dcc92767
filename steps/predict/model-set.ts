/**
 * predict.model-set: scores a new table (another site, a new month) with a stored model set. Every replicate's
 * model scores every row through the preprocessing fitted on its own training rows (recipe.ts), by the same
 * predictor the promotion gate uses (steps/train/predict-model-set.ts). Nothing is refitted on the new rows.
 *
 * Output `predictions` is the one predictions artifact (steps/evaluate/predictions.ts), one line per replicate and
 * row, so evaluate.subgroup-metrics reads it with the new table (which must then hold the target) like a train
 * step's test predictions; its spread over replicates is the spread of the stored models.
 */
import { Schema } from "effect";
import { tableColumns } from "../../artifacts/table.js";
import type { Columns, ModelSetHandle, PredictionsHandle, TableHandle } from "../../dsl/handles.js";
import { type StepContext, type StepInput, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { predictionsTable } from "../evaluate/predictions.js";
import { type ModelSet, decodeModelSet } from "../train/model-set.js";
import { modelSetSubgroupColumn, predictReplicate, readScoringFrame } from "../train/predict-model-set.js";

const Params = Schema.Struct({});

/** Each row's subgroup for a set that routes rows by one (DCP): the table's string column of that name. */
const subgroupColumnValues = (table: StepInput, column: string, ctx: StepContext): string[] => {
  const col = tableColumns(table.table()).find((c) => c.name === column);
  if (col === undefined || col.type !== "string") {
    ctx.fail("inputs.table", `the model set routes each row by its string column ${JSON.stringify(column)} (from subgroups.define); the table ${col === undefined ? "lacks it" : `has it as ${col.type}`}`);
  }
  return Array.from(col.values, (v, r) => {
    if (v === null) ctx.fail("inputs.table", `column ${JSON.stringify(column)} is null at row ${r}; every row needs a subgroup to be routed to its model`);
    return v as string;
  });
};

const readModelSet = (input: StepInput, ctx: StepContext): ModelSet => {
  const decoded = decodeModelSet(input.json());
  if (!decoded.ok) ctx.fail("inputs.models", `cannot score with this model set: ${decoded.problem}`);
  return decoded.set;
};

export const predictModelSetStep = defineStep({
  kind: "predict.model-set",
  module: import.meta.url,
  params: Params,
  inputs: { models: "models", table: "table" },
  outputs: { predictions: "predictions" },
  run: async (inputs, _params, ctx) => {
    const set = readModelSet(inputs.models, ctx);
    const table = inputs.table.table();
    const fail = (problem: string): never => ctx.fail("inputs.table", problem);
    const frame = readScoringFrame(table, set, fail);
    const subgroup = modelSetSubgroupColumn(set);
    const group = subgroup === undefined ? undefined : subgroupColumnValues(inputs.table, subgroup, ctx);
    const rows = Array.from({ length: table.numRows }, (_, r) => r);
    const replicates = [];
    for (const [i, rep] of set.replicates.entries()) {
      const probs = await predictReplicate(set, i, { frame, group }, fail);
      replicates.push({ replicate: rep.replicate, seed: rep.seed, fold: rep.fold, rows, probs });
      ctx.progress(i + 1, set.replicates.length);
    }
    ctx.log(`${set.model} model set, ${set.replicates.length} replicates, scored ${table.numRows} rows`);
    return { predictions: predictionsTable(replicates) };
  },
});

/** Pipeline builder: every replicate of `models` scores every row of `table`, e.g. predict(trained.models, newSite). */
export const predict = <C extends Columns>(models: ModelSetHandle, table: TableHandle<C>, options: NodeOptions = {}): PredictionsHandle =>
  addNode(table.study, predictModelSetStep, { models, table }, {}, options).predictions("predictions");
