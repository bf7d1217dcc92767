/**
 * synth.fit: a generator fitted to a real table, written as a `strata-synth-generator/1` document
 * (steps/synth/generator-document.ts) that synth.sample draws synthetic rows from. Method "gaussian-copula":
 * empirical marginals joined by a Gaussian copula (steps/synth/gaussian-copula.ts). With `condition` (a string
 * column, e.g. the subgroup), one model per level, so synth.sample can draw any number of rows of a rare level.
 */
import { Effect, Schema } from "effect";
import { type DenseColumn, denseStringsOf } from "../../artifacts/dense-column.js";
import { denseColumns } from "../../artifacts/table.js";
import type { Columns, MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import type { ColumnName } from "../preprocess/columns.js";
import { DEFAULT_MAX_VALUES, fitGaussianCopula } from "./gaussian-copula.js";
import type { GeneratorDocument } from "./generator-document.js";
import { fitVaeGenerator } from "./vae/generator.js";
import { VaeParamFields, type VaeParamsInput } from "./vae/params.js";

/** The params every method shares. */
export const FitCommonFields = {
  /** The columns to fit (every column by default); the sampled table has these, in the input table's order. */
  columns: Schema.optionalKey(Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isUnique({ message: "a column is listed twice" }))),
  /** A string column without missing cells: one model per level (it is always among the fitted columns). */
  condition: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))),
};

const GaussianCopulaParams = Schema.Struct({
  method: Schema.Literal("gaussian-copula"),
  ...FitCommonFields,
  /** A numeric marginal keeps at most this many values (quantile knots past it), which bounds the document. */
  maxValues: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(2)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(DEFAULT_MAX_VALUES))),
});

const VaeParams = Schema.Struct({ method: Schema.Literal("vae"), ...FitCommonFields, ...VaeParamFields });

const Params = Schema.Union([GaussianCopulaParams, VaeParams]);
type Params = typeof Params.Type;

/** The condition column's levels (code-unit order) and each row's level index. */
const conditionLevels = (column: DenseColumn, ctx: StepContext) => {
  if (column.type !== "string") ctx.fail("params.condition", `column ${JSON.stringify(column.name)} is ${column.type}; condition on a string column (a subgroup label)`);
  if (column.nullCount > 0) ctx.fail("params.condition", `column ${JSON.stringify(column.name)} has ${column.nullCount} missing cells; drop or label those rows first`);
  const cells = denseStringsOf(column) as string[];
  const levels = [...new Set(cells)].sort();
  const index = new Map(levels.map((l, i) => [l, i]));
  return { column, levels, codes: Int32Array.from(cells, (c) => index.get(c)!) };
};

/** The fitted columns in table order: those listed (every one by default) and the condition column. */
const fittedColumns = (all: readonly DenseColumn[], params: Params, ctx: StepContext): DenseColumn[] => {
  const names = all.map((c) => c.name);
  const wanted = new Set(params.columns ?? names);
  for (const name of [...wanted, ...(params.condition === undefined ? [] : [params.condition])]) {
    if (!names.includes(name)) ctx.fail(name === params.condition ? "params.condition" : "params.columns", `unknown column ${JSON.stringify(name)}; the input table has ${names.join(", ")}`);
  }
  return all.filter((c) => wanted.has(c.name) || c.name === params.condition);
};

const fitGenerator = (columns: readonly DenseColumn[], params: Params, ctx: StepContext): GeneratorDocument => {
  const condition = params.condition === undefined ? undefined : conditionLevels(columns.find((c) => c.name === params.condition)!, ctx);
  switch (params.method) {
    case "gaussian-copula":
      return fitGaussianCopula(columns, condition, params.maxValues);
    case "vae":
      return fitVaeGenerator(columns, condition, params, (stream) => ctx.random(stream), (problem) => ctx.fail("params.categorical", problem));
  }
};

export const synthFitStep = defineStep({
  kind: "synth.fit",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  outputs: { generator: "metrics" },
  run: (inputs, params, ctx) => {
    const table = inputs.table.table();
    if (table.numRows === 0) ctx.fail("inputs.table", "the table has no rows; a generator needs rows to fit");
    const columns = fittedColumns(denseColumns(table), params, ctx);
    const generator = fitGenerator(columns, params, ctx);
    ctx.log(`${params.method} over ${columns.length} columns of ${table.numRows} rows${params.condition === undefined ? "" : params.method === "vae" ? `, conditioned on ${params.condition}` : `, one model per level of ${params.condition}`}`);
    return { generator: generator as unknown as JsonValue };
  },
});

/** A fitted generator, and the columns (names and types) of the tables it samples. */
export interface SynthGenerator<C extends Columns> {
  readonly generator: MetricsHandle;
  readonly columns: C;
}

/** The string columns of a table type. */
type StringColumn<C extends Columns> = { [K in keyof C]: C[K] extends "string" ? K : never }[keyof C] & string;

export type FitSynthParams<C extends Columns, K extends ColumnName<C>, S extends StringColumn<C>> = {
  readonly columns?: readonly K[];
  readonly condition?: S;
} & ({ readonly method: "gaussian-copula"; readonly maxValues?: number } | ({ readonly method: "vae" } & VaeParamsInput<K>));

/**
 * e.g. fitSynth(table, { method: "gaussian-copula", condition: "subgroup" }, { id: "copula" }); then
 * sampleSynth(generator, { n: 1000, oversample: { young_female: 300 } }).
 */
export const fitSynth = <C extends Columns, const K extends ColumnName<C> = ColumnName<C>, const S extends StringColumn<C> = never>(
  table: TableHandle<C>,
  params: FitSynthParams<C, K, S>,
  options?: NodeOptions,
): SynthGenerator<{ readonly [P in K | S]: C[P] }> => {
  const node = addNode(table.study, synthFitStep, { table }, params, options);
  const listed: readonly string[] = params.columns ?? Object.keys(table.columns);
  node.requireColumns(table, listed, "params.columns");
  if (params.condition !== undefined) {
    node.requireColumns(table, [params.condition], "params.condition");
    if (table.columns[params.condition] !== "string") node.fail("params.condition", `column ${JSON.stringify(params.condition)} is ${table.columns[params.condition]}; condition on a string column (a subgroup label)`);
  }
  const columns = Object.fromEntries(Object.entries(table.columns).filter(([name]) => listed.includes(name) || name === params.condition));
  return { generator: node.metrics("generator"), columns: columns as { readonly [P in K | S]: C[P] } };
};
