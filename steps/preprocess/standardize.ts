import { Schema } from "effect";
import { makeTable } from "../../artifacts/table.js";
import type { Columns, TableHandle, SplitHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { decodeSplit } from "../split/split-codec.js";
import { type NumericColumn, readColumns } from "./columns.js";
import { type InputMatrix, inputMatrix } from "../train/input-matrix.js";

/** Per-column mean and standard deviation, fitted on training rows (as stored beside every trained model). */
export const StandardizerSchema = Schema.Struct({
  columns: Schema.Array(Schema.String),
  mean: Schema.Array(Schema.Number),
  sd: Schema.Array(Schema.Number),
});
export type Standardizer = typeof StandardizerSchema.Type;

/**
 * Fits z-scoring on the rows of `x` (one matrix column per name in `columns`). Pass TRAINING rows only: a
 * validation or test row in the fit leaks its distribution into the model and biases every metric computed on it.
 * The sd is the population sd (divide by n), as scikit-learn's StandardScaler; a constant column gets sd 1 so it
 * maps to 0 instead of dividing by zero. Sums run in row order, so equal inputs give bit-identical results.
 */
export const fitStandardizer = (columns: readonly string[], x: InputMatrix): Standardizer => {
  if (x.rows === 0) throw new Error("fitStandardizer: no rows to fit on");
  const { rows: n, cols, data } = x;
  const mean = columns.map((_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += data[i * cols + j]!;
    return s / n;
  });
  const sd = columns.map((_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (data[i * cols + j]! - mean[j]!) ** 2;
    const variance = s / n;
    return variance > 0 ? Math.sqrt(variance) : 1;
  });
  return { columns: [...columns], mean, sd };
};

/** Applies a fitted standardizer to a matrix laid out like the fit's, in place. */
export const standardizeInPlace = (s: Standardizer, x: InputMatrix): void => {
  const { rows, cols, data } = x;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = (data[i * cols + j]! - s.mean[j]!) / s.sd[j]!;
};

const Params = Schema.Struct({
  columns: Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isUnique({ message: "a column is listed twice" })),
});

/**
 * Z-scores numeric columns (they become float), fitted on the train rows of the split's one replicate and applied
 * to every row. What it is legitimately for: a table handed to something other than a train step (a chart, an
 * export, a step that needs z-scores) under a single holdout split. It is not how models get standardized: every
 * train step fits its own recipe (steps/train/recipe.ts, `params.recipe`, by default `[{ step: "standardize" }]`)
 * on each replicate's train rows and stores it with the model. A split with several replicates (k-fold, repeated
 * holdouts) is an error: replicate 0's train rows are other replicates' test rows, so one fit would leak them.
 * Output `standardizer` is the fitted Standardizer.
 */
export const standardizeStep = defineStep({
  kind: "preprocess.standardize",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split" },
  outputs: { table: "table", standardizer: "metrics" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const replicates = decodeSplit(inputs.split.table(), cols.numRows, (problem) => ctx.fail("inputs.split", problem));
    if (replicates.length > 1) {
      ctx.fail(
        "inputs.split",
        `the split has ${replicates.length} replicates (k-fold or repeated holdouts), and one fit on replicate 0's train rows would include rows the other replicates test on; ` +
          `remove this standardize node and let the train step standardize: its params.recipe (default [{ step: "standardize" }]) is fitted on each replicate's train rows`,
      );
    }
    const first = replicates[0]!;
    if (first.replicate !== 0) ctx.fail("inputs.split", `the split's first replicate is ${first.replicate}; expected replicate 0 to fit on`);
    const trainRows = Array.from(first.rowsWith("train"));
    if (trainRows.length === 0) ctx.fail("inputs.split", "replicate 0 of the split has no train rows to fit on");

    const selected = params.columns.map((name, j) => {
      const col = cols.get(name, `params.columns[${j}]`, ["float", "int"]);
      const r = col.values.indexOf(null);
      if (r >= 0) ctx.fail(`params.columns[${j}]`, `column ${JSON.stringify(name)} is null at row ${r}; drop or impute missing values first`);
      return col;
    });
    const matrix = (rows: ArrayLike<number>) => {
      const m = inputMatrix(rows.length, selected.length);
      for (let i = 0; i < rows.length; i++) selected.forEach((c, j) => (m.data[i * m.cols + j] = c.values[rows[i]!] as number));
      return m;
    };
    const fitted = fitStandardizer(params.columns, matrix(trainRows));
    const scaled = matrix(Array.from({ length: cols.numRows }, (_, r) => r));
    standardizeInPlace(fitted, scaled);
    const out = cols.all.map((c) => {
      const j = selected.indexOf(c);
      if (j < 0) return c;
      const values = new Float64Array(scaled.rows);
      for (let i = 0; i < scaled.rows; i++) values[i] = scaled.data[i * scaled.cols + j]!;
      return { name: c.name, type: "float" as const, values };
    });
    return { table: makeTable(out), standardizer: { columns: [...fitted.columns], mean: [...fitted.mean], sd: [...fitted.sd] } };
  },
});

export type Standardized<C extends Columns, K extends keyof C> = { readonly [P in keyof C]: P extends K ? "float" : C[P] };

/** Z-scores numeric columns, fitted on a single-replicate split's train rows, e.g. standardize(t, holdout, { columns: ["age"] }); train steps standardize through params.recipe. */
export const standardize = <C extends Columns, const K extends NumericColumn<C>>(
  table: TableHandle<C>,
  split: SplitHandle,
  params: { readonly columns: readonly K[] },
  options?: NodeOptions,
): TableHandle<Standardized<C, K>> => {
  const node = addNode(table.study, standardizeStep, { table, split }, params, options);
  node.requireColumns(table, params.columns, "params.columns");
  for (const [j, name] of params.columns.entries()) {
    const type = table.columns[name];
    if (type !== "float" && type !== "int") node.fail(`params.columns[${j}]`, `column ${JSON.stringify(name)} is ${String(type)}; only numeric columns can be standardized`);
  }
  const columns = Object.fromEntries(Object.entries(table.columns).map(([n, t]) => [n, (params.columns as readonly string[]).includes(n) ? "float" : t]));
  return node.table("table", columns as Standardized<C, K>);
};
