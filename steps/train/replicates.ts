/**
 * What every training step reads the same way: the raw features, the 0/1 target and the recipe of the input table, and the
 * split artifact grouped into replicates (ascending), each with its train, valid and test rows (ascending).
 */
import type * as arrow from "apache-arrow";
import { denseColumn } from "../../artifacts/table.js";
import { type Frame, cellAt, frameColumnOf } from "./feature-frame.js";
import type { StepContext, StepInput } from "../../dsl/step.js";
import { decodeSplit } from "../split/split-codec.js";
import { predictionsTable } from "../evaluate/predictions.js";
import { type Recipe, recipeColumnProblems, recipeEncodes } from "./recipe.js";
import { type SampleWeighting, type SampleWeights, sampleWeighting } from "./sample-weights.js";
import { rowNamer } from "../row-reference.js";

export interface Replicate {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly train: Int32Array;
  readonly valid: Int32Array;
  readonly test: Int32Array;
}

export interface Dataset {
  /** The raw feature columns, in params.features order (the recipe turns them into numbers). */
  readonly features: readonly string[];
  readonly frame: Frame;
  /** 0 or 1 per input row. */
  readonly y: Uint8Array;
  /** How the features become model inputs, fitted per replicate on its train rows (recipe.ts). */
  readonly recipe: Recipe;
  /** Names input row r in messages: its source line when the table traces to one (steps/row-reference.ts). */
  readonly rowName: (r: number) => string;
}

/**
 * Reads the raw feature columns: each listed column once, none the target. A column must be numeric unless the
 * recipe encodes it, and may hold nulls only where the recipe imputes it.
 */
const readFeatureFrame = (table: arrow.Table, features: readonly string[], target: string, recipe: Recipe, rowName: (r: number) => string, ctx: StepContext): Frame => {
  const names = table.schema.fields.map((f) => f.name);
  if (features.length === 0) ctx.fail("params.features", "expected at least one feature column");
  const seen = new Set<string>();
  const imputed = new Set(recipe.flatMap((s) => (s.step === "impute" ? Object.keys(s.columns) : [])));
  return features.map((name, j) => {
    const field = `params.features[${j}]`;
    if (seen.has(name)) ctx.fail(field, `column ${JSON.stringify(name)} is listed twice; list each feature once`);
    seen.add(name);
    if (name === target) ctx.fail(field, `column ${JSON.stringify(name)} is the target; remove it from the features`);
    const dense = denseColumn(table, name);
    if (dense === undefined) ctx.fail(field, `unknown column ${JSON.stringify(name)}; the input table has ${names.join(", ")}`);
    if (!recipeEncodes(recipe, name, dense.type)) {
      ctx.fail(field, `column ${JSON.stringify(name)} is ${dense.type}; features must be numeric (encode it in params.recipe with one-hot or ordinal, or in a preprocessing step)`);
    }
    const col = frameColumnOf(dense);
    if (!imputed.has(name)) {
      for (let r = 0; r < col.values.length; r++) {
        const v = cellAt(col, r);
        if (v === null || (typeof v === "number" && !Number.isFinite(v))) {
          ctx.fail(field, `column ${JSON.stringify(name)} has a missing or non-finite value at ${rowName(r)}; impute it in params.recipe (fitted on training rows) or drop such rows before training`);
        }
      }
    }
    return col;
  });
};

/** Reads the 0/1 target (an int or bool column). */
export const readTarget = (table: arrow.Table, target: string, ctx: StepContext, rowName: (r: number) => string = rowNamer("table")): Uint8Array => {
  const dense = denseColumn(table, target);
  if (dense === undefined) ctx.fail("params.target", `unknown column ${JSON.stringify(target)}; the input table has ${table.schema.fields.map((f) => f.name).join(", ")}`);
  if (dense.type !== "int" && dense.type !== "bool") {
    ctx.fail("params.target", `column ${JSON.stringify(target)} is ${dense.type}; expected an int (0/1) or bool label`);
  }
  const col = frameColumnOf(dense);
  const y = new Uint8Array(table.numRows);
  for (let r = 0; r < y.length; r++) {
    const v = cellAt(col, r);
    const label = v === true ? 1 : v === false ? 0 : v;
    if (label !== 0 && label !== 1) ctx.fail("params.target", `column ${JSON.stringify(target)} has ${JSON.stringify(v)} at ${rowName(r)}; expected 0 or 1`);
    y[r] = label;
  }
  return y;
};

/** A train step's params that readDataset reads: the columns, the recipe and where the table's rows come from. */
interface DatasetParams {
  readonly features: readonly string[];
  readonly target: string;
  readonly recipe: Recipe;
  readonly rowSource?: Parameters<typeof rowNamer>[1];
}

/** Reads what a train step learns from: the raw features, the target and the recipe that turns features into inputs. */
export const readDataset = (inputs: { readonly table: StepInput; readonly rowLines?: StepInput }, params: DatasetParams, ctx: StepContext): Dataset => {
  for (const { field, problem } of recipeColumnProblems(params.recipe, params.features)) ctx.fail(field, problem);
  const table = inputs.table.table();
  const rowName = rowNamer("table", params.rowSource, inputs.rowLines);
  const frame = readFeatureFrame(table, params.features, params.target, params.recipe, rowName, ctx);
  return { features: params.features, frame, y: readTarget(table, params.target, ctx, rowName), recipe: params.recipe, rowName };
};

/**
 * What every train step's prepare reads: the dataset, the sample weighting its `weights` param declares (fitted
 * later, per model, on training rows only) and the split's replicates.
 */
export const readTrainingInputs = (
  inputs: { readonly table: StepInput; readonly split: StepInput; readonly rowLines?: StepInput },
  params: DatasetParams & { readonly weights?: SampleWeights },
  ctx: StepContext,
): { readonly data: Dataset; readonly weighting: SampleWeighting; readonly replicates: Replicate[] } => {
  const data = readDataset(inputs, params, ctx);
  const table = inputs.table.table();
  return { data, weighting: sampleWeighting(table, params.weights, data.y, ctx), replicates: readSplit(inputs.split.table(), table.numRows, ctx) };
};

/** Reads a split artifact (steps/split/split-codec.ts) into replicates, checked against the table. */
export const readSplit = (split: arrow.Table, tableRows: number, ctx: StepContext): Replicate[] =>
  decodeSplit(split, tableRows, (problem) => ctx.fail("inputs.split", problem)).map((r) => {
    if (r.countOf("train") === 0) ctx.fail("inputs.split", `replicate ${r.replicate} has no train rows`);
    if (r.countOf("test") === 0) ctx.fail("inputs.split", `replicate ${r.replicate} has no test rows`);
    return { replicate: r.replicate, seed: r.seed, fold: r.fold, train: r.rowsWith("train"), valid: r.rowsWith("valid"), test: r.rowsWith("test") };
  });

/** One predicted probability per test row of one replicate. */
export interface ReplicatePredictions {
  readonly replicate: Replicate;
  readonly prob: ArrayLike<number>;
}

/** A train step's predictions artifact (steps/evaluate/predictions.ts): each replicate's probabilities for its test rows. */
export const testPredictionsTable = (results: readonly ReplicatePredictions[]): arrow.Table =>
  predictionsTable(results.map(({ replicate: r, prob }) => ({ replicate: r.replicate, seed: r.seed, fold: r.fold, rows: r.test, probs: prob })));
