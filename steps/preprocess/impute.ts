import { Schema } from "effect";
import { type CellValue, type ColumnType, makeTable } from "../../artifacts/table.js";
import type { Columns, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ValueOf, compareCells, fitsType, readColumns } from "./columns.js";

const Strategy = Schema.Union([
  Schema.Literals(["mean", "median", "mode"]),
  Schema.Struct({ constant: Schema.Union([Schema.Number, Schema.String, Schema.Boolean]) }),
]);
type Strategy = typeof Strategy.Type;

const Params = Schema.Struct({
  /** Column -> how its nulls are filled. */
  strategies: Schema.Record(Schema.String, Strategy),
});

/** Why a strategy cannot fill a column of this type, or undefined if it can. */
const strategyProblem = (strategy: Strategy, type: ColumnType): string | undefined => {
  if (typeof strategy === "object") {
    const expected = fitsType(strategy.constant, type);
    return expected === undefined ? undefined : `the constant ${JSON.stringify(strategy.constant)} does not fit a ${type} column; expected ${expected}`;
  }
  if ((strategy === "mean" || strategy === "median") && type !== "float" && type !== "int") {
    return `${strategy} needs a numeric column, and this one is ${type}; use "mode" or { constant }`;
  }
  return undefined;
};

const median = (sorted: readonly number[]): number => {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The most frequent value; ties go to the smallest (compareCells), so the result never depends on row order. */
const mode = (values: readonly CellValue[]): CellValue => {
  const counts = new Map<CellValue, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: CellValue = null;
  let bestCount = 0;
  for (const [v, n] of [...counts].sort(([a], [b]) => compareCells(a, b))) {
    if (n > bestCount) [best, bestCount] = [v, n];
  }
  return best;
};

/**
 * Fills nulls column by column over the whole table. Mean and median turn the column into float. The statistics
 * come from every row, test rows included, so this step is legitimately for fills that learn nothing from the data
 * ({ constant }, e.g. "not measured" coded as a level) or for tables no model is evaluated on. To impute features
 * of a model without leaking test rows, use the train step's recipe instead (`params.recipe`, an `impute` step
 * with mean, median or mode, optionally with missing-indicator columns), fitted on each replicate's train rows.
 */
export const imputeStep = defineStep({
  kind: "preprocess.impute",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  outputs: { table: "table" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const out = [...cols.all];
    for (const name of Object.keys(params.strategies).sort()) {
      const strategy = params.strategies[name]!;
      const field = `params.strategies.${name}`;
      const col = cols.get(name, field);
      const problem = strategyProblem(strategy, col.type);
      if (problem !== undefined) ctx.fail(field, problem);
      const present = col.values.filter((v) => v !== null);
      if (typeof strategy !== "object" && present.length === 0) {
        ctx.fail(field, `column ${JSON.stringify(name)} has no values to take the ${strategy} of; use { constant }`);
      }
      let fill: CellValue;
      if (typeof strategy === "object") fill = strategy.constant;
      else if (strategy === "mode") fill = mode(present);
      else if (strategy === "mean") fill = (present as number[]).reduce((s, v) => s + v, 0) / present.length;
      else fill = median((present as number[]).sort((a, b) => a - b));
      ctx.log(`${name}: ${col.values.length - present.length} nulls filled with ${JSON.stringify(fill)} (${typeof strategy === "object" ? "constant" : strategy})`);
      const type = strategy === "mean" || strategy === "median" ? "float" : col.type;
      out[out.indexOf(col)] = { name, type, values: col.values.map((v) => v ?? fill) };
    }
    return { table: makeTable(out) };
  },
});

/** The strategies a column of type T accepts. */
export type ImputeStrategy<T extends ColumnType> = (T extends "float" | "int" ? "mean" | "median" : never) | "mode" | { readonly constant: ValueOf<T> };

/** Mean and median make a column float; other strategies keep its type. */
export type Imputed<C extends Columns, S> = {
  readonly [K in keyof C]: K extends keyof S ? (S[K] extends "mean" | "median" ? "float" : C[K]) : C[K];
};

/** Fills the nulls of each listed column, e.g. impute(t, { strategies: { ca: "median", thal: "mode" } }). */
export const impute = <C extends Columns, const S extends { readonly [K in keyof C & string]?: ImputeStrategy<C[K]> }>(
  table: TableHandle<C>,
  // The intersection rejects strategy keys that are not columns of the table (a typo is a tsc error).
  params: { readonly strategies: S & { readonly [K in Exclude<keyof S, keyof C>]: never } },
  options?: NodeOptions,
): TableHandle<Imputed<C, S>> => {
  const node = addNode(table.study, imputeStep, { table }, params, options);
  const names = Object.keys(params.strategies).sort();
  node.requireColumns(table, names, "params.strategies");
  const columns: Record<string, ColumnType> = { ...table.columns };
  for (const name of names) {
    const strategy = (params.strategies as Record<string, Strategy>)[name]!;
    const problem = strategyProblem(strategy, table.columns[name]!);
    if (problem !== undefined) node.fail(`params.strategies.${name}`, problem);
    if (strategy === "mean" || strategy === "median") columns[name] = "float";
  }
  return node.table("table", columns as Imputed<C, S>);
};
