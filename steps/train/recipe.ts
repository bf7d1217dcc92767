/**
 * The preprocessing recipe of a train step: an ordered list of transforms from the raw feature columns to the
 * numbers a model reads, fitted on each replicate's TRAINING rows only and stored in the model set beside the
 * model, so validation, test, the promotion gate and new data (predict.model-set) go through the same fitted
 * transforms. Nothing a transform learns (a median, a level, a quantile, a mean) ever sees a valid or test row.
 *
 * Steps, applied in order:
 *   impute       fill nulls per column (mean, median, mode or a constant), optionally adding a 0/1
 *                "<column>_missing" indicator column right after the column;
 *   clip         bound numeric columns by fixed values or by quantiles of the training rows;
 *   one-hot      replace a column by one 0/1 column "<column>=<level>" per level seen in training (a level
 *                unseen in training encodes as all zeros, as scikit-learn's handle_unknown="ignore");
 *   ordinal      replace a column by the index of its value among the training levels (sorted with compareCells);
 *   standardize  z-score columns (all of them by default) with the population sd; must be the last step.
 *
 * The stored form keeps the model-set entry of a plain standardized model unchanged: `standardizer` always holds
 * the final z-scoring over the model's input columns (mean 0 and sd 1 for a column the recipe does not
 * standardize, which is the identity), and `recipe` is present only when there are transforms before it.
 */
import { Effect, Schema } from "effect";
import type { CellValue, ColumnType } from "../../artifacts/table.js";
import { compareCells, sortedLevels } from "../preprocess/columns.js";
import { type Frame, type FrameColumn, cellAt, cellColumn, columnLength, isMissing, numberColumn } from "./feature-frame.js";
import { type InputMatrix, inputMatrix } from "./input-matrix.js";
import { type Standardizer, StandardizerSchema, fitStandardizer, standardizeInPlace } from "../preprocess/standardize.js";

const Cell = Schema.Union([Schema.Number, Schema.String, Schema.Boolean]);
const ImputeStrategySchema = Schema.Union([Schema.Literals(["mean", "median", "mode"]), Schema.Struct({ constant: Cell })]);
export type RecipeImputeStrategy = typeof ImputeStrategySchema.Type;
const Probability = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }));
const ClipBoundsSchema = Schema.Union([
  Schema.Struct({ lower: Schema.optionalKey(Schema.Number), upper: Schema.optionalKey(Schema.Number) }),
  Schema.Struct({ lowerQuantile: Schema.optionalKey(Probability), upperQuantile: Schema.optionalKey(Probability) }),
]);
const ColumnList = Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isUnique({ message: "a column is listed twice" }));

export const RecipeStepSchema = Schema.Union([
  Schema.Struct({
    step: Schema.Literal("impute"),
    columns: Schema.Record(Schema.String, ImputeStrategySchema),
    /** Columns that also get a 0/1 "<column>_missing" indicator (1 where the raw value was null). */
    indicators: Schema.optionalKey(Schema.Array(Schema.String)),
  }),
  Schema.Struct({ step: Schema.Literal("clip"), columns: Schema.Record(Schema.String, ClipBoundsSchema) }),
  Schema.Struct({ step: Schema.Literal("one-hot"), columns: ColumnList }),
  Schema.Struct({ step: Schema.Literal("ordinal"), columns: ColumnList }),
  /** Without columns: every column the earlier steps produce. */
  Schema.Struct({ step: Schema.Literal("standardize"), columns: Schema.optionalKey(ColumnList) }),
]);
export type RecipeStep = typeof RecipeStepSchema.Type;

/** What every train step does unless told otherwise: z-score every feature on the replicate's train rows. */
export const DEFAULT_RECIPE: readonly RecipeStep[] = [{ step: "standardize" }];

/** The `recipe` param of every train step. */
export const RecipeParam = Schema.Array(RecipeStepSchema).pipe(Schema.withDecodingDefaultKey(Effect.succeed(DEFAULT_RECIPE)));
export type Recipe = readonly RecipeStep[];

const FittedStepSchema = Schema.Union([
  Schema.Struct({
    step: Schema.Literal("impute"),
    columns: Schema.Array(Schema.Struct({ column: Schema.String, strategy: ImputeStrategySchema, fill: Cell, indicator: Schema.Boolean, missingInTraining: Schema.Number })),
  }),
  Schema.Struct({
    step: Schema.Literal("clip"),
    columns: Schema.Array(Schema.Struct({ column: Schema.String, lower: Schema.NullOr(Schema.Number), upper: Schema.NullOr(Schema.Number) })),
  }),
  Schema.Struct({ step: Schema.Literals(["one-hot", "ordinal"]), columns: Schema.Array(Schema.Struct({ column: Schema.String, levels: Schema.Array(Cell) })) }),
]);
export type FittedStep = typeof FittedStepSchema.Type;

/** The transforms before the final standardizer, fitted on one replicate's train rows: raw `inputs` in, model inputs out. */
export const FittedRecipeSchema = Schema.Struct({ inputs: Schema.Array(Schema.String), steps: Schema.Array(FittedStepSchema) });
export type FittedRecipe = typeof FittedRecipeSchema.Type;

/** The preprocessing stored in a model-set entry (spread into it): `recipe` only when it holds transforms. */
export interface StoredPreprocessing {
  readonly recipe?: FittedRecipe;
  readonly standardizer: Standardizer;
}
export const storedPreprocessingFields = { recipe: Schema.optionalKey(FittedRecipeSchema), standardizer: StandardizerSchema };
/** Ends fitting or applying with a user-facing problem on a field ("params.recipe[2]", or the caller's). */
export type RecipeFailure = (field: string, problem: string) => never;

const column = (frame: Frame, name: string, field: string, fail: RecipeFailure): FrameColumn => {
  const col = frame.find((c) => c.name === name);
  if (col === undefined) fail(field, `no column ${JSON.stringify(name)} at this step; it has ${frame.map((c) => c.name).join(", ")} (recipe columns must be features or columns an earlier step made)`);
  return col;
};

/** The column's cells as finite numbers, in row order (skipping nulls when `skipMissing`); any other cell is an error. */
const finiteNumbers = (col: FrameColumn, field: string, where: (r: number) => string, fail: RecipeFailure, what: string, skipMissing: boolean): Float64Array => {
  const n = columnLength(col);
  const out = new Float64Array(n);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const v = cellAt(col, r);
    if (v === null && skipMissing) continue;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      fail(field, `${what} needs finite numbers, and column ${JSON.stringify(col.name)} has ${JSON.stringify(v)} at ${where(r)}${v === null ? "; impute it in an earlier recipe step" : ""}`);
    }
    out[k++] = v;
  }
  return out.subarray(0, k);
};

// Sorted with a comparator (not the typed-array default) so that -0 and 0 keep their row order, as they always have.
const ascending = (values: Float64Array): Float64Array => values.slice().sort((a, b) => a - b);

const median = (sorted: Float64Array): number => {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The q-quantile of sorted values with linear interpolation between order statistics (numpy's default). */
const quantile = (sorted: Float64Array, q: number): number => {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
};

/** The most frequent present value; ties go to the smallest (compareCells), so the result never depends on row order. */
const mode = (col: FrameColumn): CellValue => {
  const counts = new Map<CellValue, number>();
  for (let r = 0; r < columnLength(col); r++) {
    const v = cellAt(col, r);
    if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let best: CellValue = null;
  let bestCount = 0;
  for (const [v, n] of [...counts].sort(([a], [b]) => compareCells(a, b))) if (n > bestCount) [best, bestCount] = [v, n];
  return best;
};

const missingCount = (col: FrameColumn): number => {
  let n = 0;
  for (let r = 0; r < columnLength(col); r++) if (isMissing(col, r)) n++;
  return n;
};

const firstMissing = (col: FrameColumn): number => {
  for (let r = 0; r < columnLength(col); r++) if (isMissing(col, r)) return r;
  return -1;
};

const cells = (col: FrameColumn): CellValue[] => Array.from({ length: columnLength(col) }, (_, r) => cellAt(col, r));

const fitStep = (step: Exclude<RecipeStep, { step: "standardize" }>, train: Frame, field: string, where: (r: number) => string, fail: RecipeFailure): FittedStep => {
  switch (step.step) {
    case "impute": {
      const indicators = new Set(step.indicators ?? []);
      for (const name of indicators) if (!Object.hasOwn(step.columns, name)) fail(`${field}.indicators`, `column ${JSON.stringify(name)} has an indicator but no strategy in this impute step`);
      return {
        step: "impute",
        columns: Object.keys(step.columns)
          .sort()
          .map((name) => {
            const strategy = step.columns[name]!;
            const col = column(train, name, `${field}.columns.${name}`, fail);
            const missingInTraining = missingCount(col);
            if (typeof strategy === "object") return { column: name, strategy, fill: strategy.constant, indicator: indicators.has(name), missingInTraining };
            if (missingInTraining === columnLength(col)) fail(`${field}.columns.${name}`, `column ${JSON.stringify(name)} has no values in the training rows to take the ${strategy} of; use { constant }`);
            let fill: CellValue;
            if (strategy === "mode") fill = mode(col);
            else {
              const xs = finiteNumbers(col, `${field}.columns.${name}`, where, fail, strategy, true);
              fill = strategy === "mean" ? xs.reduce((s, v) => s + v, 0) / xs.length : median(ascending(xs));
            }
            return { column: name, strategy, fill: fill!, indicator: indicators.has(name), missingInTraining };
          }),
      };
    }
    case "clip":
      return {
        step: "clip",
        columns: Object.keys(step.columns)
          .sort()
          .map((name) => {
            const bounds = step.columns[name]!;
            if ("lower" in bounds || "upper" in bounds) return { column: name, lower: "lower" in bounds ? bounds.lower! : null, upper: "upper" in bounds ? bounds.upper! : null };
            const col = column(train, name, `${field}.columns.${name}`, fail);
            const sorted = ascending(finiteNumbers(col, `${field}.columns.${name}`, where, fail, "clip", false));
            const at = (q: number | undefined) => (q === undefined ? null : quantile(sorted, q));
            const { lowerQuantile, upperQuantile } = bounds as { readonly lowerQuantile?: number; readonly upperQuantile?: number };
            return { column: name, lower: at(lowerQuantile), upper: at(upperQuantile) };
          }),
      };
    case "one-hot":
    case "ordinal":
      return {
        step: step.step,
        columns: step.columns.map((name, j) => {
          const col = column(train, name, `${field}.columns[${j}]`, fail);
          if (firstMissing(col) >= 0) fail(`${field}.columns[${j}]`, `column ${JSON.stringify(name)} has nulls in the training rows; impute it (mode or a constant) in an earlier recipe step`);
          return { column: name, levels: sortedLevels(cells(col)) as (number | string | boolean)[] };
        }),
      };
  }
};

/** The column with its nulls replaced by `fill`. */
const filled = (col: FrameColumn, fill: CellValue): FrameColumn => {
  if (col.kind === "numbers" && typeof fill === "number") {
    const values = col.values.slice();
    if (col.missing !== undefined) for (let r = 0; r < values.length; r++) if (col.missing[r] === 1) values[r] = fill;
    return numberColumn(col.name, values);
  }
  return cellColumn(col.name, cells(col).map((v) => v ?? fill));
};

/** 1 where the column is null, else 0. */
const missingIndicator = (col: FrameColumn): Float64Array => {
  const out = new Float64Array(columnLength(col));
  for (let r = 0; r < out.length; r++) if (isMissing(col, r)) out[r] = 1;
  return out;
};

const clipped = (col: FrameColumn, lower: number | null, upper: number | null): FrameColumn => {
  const clip = (v: number) => Math.min(upper ?? Infinity, Math.max(lower ?? -Infinity, v));
  if (col.kind === "cells") return cellColumn(col.name, col.values.map((v) => (typeof v === "number" ? clip(v) : v)));
  const values = new Float64Array(col.values.length);
  for (let r = 0; r < values.length; r++) values[r] = col.missing?.[r] === 1 ? 0 : clip(col.values[r]!);
  return numberColumn(col.name, values, col.missing);
};

/** Applies one fitted step to a frame; `where(r)` names row r in messages. */
const applyStep = (fitted: FittedStep, frame: Frame, where: (r: number) => string, fail: RecipeFailure): FrameColumn[] => {
  const out = [...frame];
  const at = (name: string) => {
    const j = out.findIndex((c) => c.name === name);
    if (j < 0) fail("recipe", `the stored recipe needs column ${JSON.stringify(name)}, which the rows lack`);
    return j;
  };
  switch (fitted.step) {
    case "impute":
      for (const s of fitted.columns) {
        const j = at(s.column);
        const col = out[j]!;
        out[j] = filled(col, s.fill);
        if (s.indicator) out.splice(j + 1, 0, numberColumn(`${s.column}_missing`, missingIndicator(col)));
      }
      return out;
    case "clip":
      for (const s of fitted.columns) {
        const j = at(s.column);
        out[j] = clipped(out[j]!, s.lower, s.upper);
      }
      return out;
    case "one-hot":
      for (const s of fitted.columns) {
        const j = at(s.column);
        const col = out[j]!;
        const r = firstMissing(col);
        if (r >= 0) fail("recipe", `column ${JSON.stringify(s.column)} is null at ${where(r)}; impute it before one-hot encoding`);
        out.splice(
          j,
          1,
          ...s.levels.map((level) => {
            const hot = new Float64Array(columnLength(col));
            for (let i = 0; i < hot.length; i++) if (col.values[i] === level) hot[i] = 1;
            return numberColumn(`${s.column}=${String(level)}`, hot);
          }),
        );
      }
      return out;
    case "ordinal":
      for (const s of fitted.columns) {
        const j = at(s.column);
        const col = out[j]!;
        const index = new Map<CellValue, number>(s.levels.map((level, i) => [level, i]));
        const codes = new Float64Array(columnLength(col));
        for (let r = 0; r < codes.length; r++) {
          const v = cellAt(col, r);
          // NaN is never a level (=== is false for it), though a Map would find it.
          const code = typeof v === "number" && Number.isNaN(v) ? undefined : index.get(v);
          if (code === undefined) fail("recipe", `column ${JSON.stringify(s.column)} has ${JSON.stringify(v)} at ${where(r)}, a level the training rows did not have (${s.levels.map((l) => JSON.stringify(l)).join(", ")}); use one-hot, which encodes unseen levels as zeros`);
          codes[r] = code;
        }
        out[j] = numberColumn(s.column, codes);
      }
      return out;
  }
};

/** The frame as the model's numeric matrix; a non-numeric or missing cell is an error naming its column and row. */
const toMatrix = (frame: Frame, where: (r: number) => string, fail: RecipeFailure): InputMatrix => {
  const rows = frame[0] === undefined ? 0 : columnLength(frame[0]);
  const m = inputMatrix(rows, frame.length);
  frame.forEach((col, j) => {
    for (let r = 0; r < rows; r++) {
      const v = cellAt(col, r);
      if (typeof v !== "number" || !Number.isFinite(v)) {
        const fix = v === null ? "impute it in params.recipe (or drop such rows)" : typeof v === "number" ? "clip or drop such rows" : "encode it in params.recipe (one-hot or ordinal)";
        fail("params.features", `column ${JSON.stringify(col.name)} has ${JSON.stringify(v)} at ${where(r)}; the model needs finite numbers: ${fix}`);
      }
      m.data[r * m.cols + j] = v;
    }
  });
  return m;
};

export interface FittedPreprocessing {
  readonly stored: StoredPreprocessing;
  /** The model's input columns, in order (the standardizer's columns). */
  readonly features: readonly string[];
  /** The training rows through the fitted preprocessing: the model's training inputs. */
  readonly train: InputMatrix;
}

/**
 * Fits the recipe on the training rows (the raw feature columns, restricted to those rows): each step on the output
 * of the steps before it, on those rows only.
 */
export const fitRecipe = (recipe: Recipe, train: Frame, where: (r: number) => string, fail: RecipeFailure): FittedPreprocessing => {
  const inputs = train.map((c) => c.name);
  let frame: Frame = train;
  const steps: FittedStep[] = [];
  let standardize: readonly string[] | undefined;
  recipe.forEach((step, i) => {
    const field = `params.recipe[${i}]`;
    if (standardize !== undefined) fail(field, "standardize must be the last step of the recipe; move this step before it");
    if (step.step === "standardize") {
      standardize = step.columns ?? frame.map((c) => c.name);
      standardize.forEach((name, j) => column(frame, name, `${field}.columns[${j}]`, fail));
      return;
    }
    const fitted = fitStep(step, frame, field, where, fail);
    steps.push(fitted);
    frame = applyStep(fitted, frame, where, fail);
  });
  const x = toMatrix(frame, where, fail);
  const names = frame.map((c) => c.name);
  const scaled = new Set(standardize ?? []);
  const fitted = fitStandardizer(names, x);
  const standardizer: Standardizer = {
    columns: names,
    mean: fitted.mean.map((m, j) => (scaled.has(names[j]!) ? m : 0)),
    sd: fitted.sd.map((s, j) => (scaled.has(names[j]!) ? s : 1)),
  };
  standardizeInPlace(standardizer, x);
  return { stored: steps.length === 0 ? { standardizer } : { recipe: { inputs, steps }, standardizer }, features: names, train: x };
};

/** The raw columns a stored preprocessing reads. */
export const preprocessingInputs = (p: StoredPreprocessing): readonly string[] => p.recipe?.inputs ?? p.standardizer.columns;

/**
 * Applies stored preprocessing to raw columns (found by name: preprocessingInputs): the fitted transforms, then
 * the standardizer. `where(r)` names row r in messages (a table row, a file line).
 */
export const applyPreprocessing = (p: StoredPreprocessing, raw: Frame, where: (r: number) => string, fail: RecipeFailure): InputMatrix => {
  let frame: Frame = preprocessingInputs(p).map((name) => {
    const col = raw.find((c) => c.name === name);
    if (col === undefined) fail("recipe", `the stored preprocessing needs column ${JSON.stringify(name)}, which the rows lack`);
    return col;
  });
  for (const step of p.recipe?.steps ?? []) frame = applyStep(step, frame, where, fail);
  const x = toMatrix(frame, where, fail);
  standardizeInPlace(p.standardizer, x);
  return x;
};

/** The columns a recipe names that are not raw features (a typo), checked when the pipeline is built. */
export const recipeColumnProblems = (recipe: Recipe, features: readonly string[]): { field: string; problem: string }[] => {
  const known = new Set(features);
  const problems: { field: string; problem: string }[] = [];
  recipe.forEach((step, i) => {
    if (step.step === "standardize") return;
    const names = Array.isArray(step.columns) ? (step.columns as readonly string[]) : Object.keys(step.columns);
    for (const name of names) {
      if (!known.has(name)) problems.push({ field: `params.recipe[${i}].columns`, problem: `column ${JSON.stringify(name)} is not one of the features (${features.join(", ")}); list it in features to preprocess it` });
    }
  });
  return problems;
};

/** Whether a raw feature column of this type can reach the model through the recipe (encoded, or already numeric). */
export const recipeEncodes = (recipe: Recipe, name: string, type: ColumnType): boolean =>
  type === "float" || type === "int" || recipe.some((s) => (s.step === "one-hot" || s.step === "ordinal") && s.columns.includes(name));
