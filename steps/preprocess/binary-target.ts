import { Effect, Schema } from "effect";
import { type CellValue, type ColumnType, makeTable } from "../../artifacts/table.js";
import type { Columns, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { rowLinesInput, rowNamer, rowSourceFields, rowSourceWiring } from "../row-reference.js";
import { type ColumnName, type NumericColumn, type ValueOf, fitsType, readColumns } from "./columns.js";

const ORDER_OPS = [">", ">=", "<", "<="] as const;

const Params = Schema.Struct({
  column: Schema.String,
  op: Schema.Literals([...ORDER_OPS, "==", "!="]),
  value: Schema.Union([Schema.Number, Schema.String, Schema.Boolean]),
  as: Schema.String.check(Schema.isMinLength(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed("target"))),
  /** Keep the source column? Off by default: a target's source left among the features would leak the label. */
  keepSource: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(false))),
  ...rowSourceFields,
});
type Params = typeof Params.Type;

const holds = (v: number | string | boolean, op: Params["op"], value: number | string | boolean): boolean => {
  switch (op) {
    case ">":
      return v > value;
    case ">=":
      return v >= value;
    case "<":
      return v < value;
    case "<=":
      return v <= value;
    case "==":
      return v === value;
    case "!=":
      return v !== value;
  }
};

/** Which param makes the rule inapplicable to a column of this type, and why. Order comparisons need numbers. */
const ruleProblem = (params: Pick<Params, "op" | "value">, type: ColumnType): { field: string; problem: string } | undefined => {
  if ((ORDER_OPS as readonly string[]).includes(params.op) && type !== "float" && type !== "int") {
    return { field: "params.op", problem: `${params.op} needs a numeric column, and this one is ${type}; use == or !=` };
  }
  const expected = fitsType(params.value, type);
  return expected === undefined ? undefined : { field: "params.value", problem: `the value ${JSON.stringify(params.value)} does not fit a ${type} column; expected ${expected}` };
};

/** Adds an int 0/1 column `as` (default "target"): 1 where `column op value` holds. A null source is an error. */
export const binaryTargetStep = defineStep({
  kind: "preprocess.binary-target",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", ...rowLinesInput },
  outputs: { table: "table" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const rowName = rowNamer("table", params.rowSource, inputs.rowLines);
    const source = cols.get(params.column, "params.column");
    const problem = ruleProblem(params, source.type);
    if (problem !== undefined) ctx.fail(problem.field, problem.problem);
    const kept = params.keepSource ? cols.all : cols.all.filter((c) => c !== source);
    if (kept.some((c) => c.name === params.as)) ctx.fail("params.as", `the table already has a column ${JSON.stringify(params.as)}; choose another name`);
    const values = source.values.map((v: CellValue, r) => {
      if (v === null) return ctx.fail("params.column", `column ${JSON.stringify(params.column)} is null at ${rowName(r)}; drop or impute missing values first`);
      return holds(v, params.op, params.value) ? 1 : 0;
    });
    ctx.log(`${values.filter((v) => v === 1).length} of ${values.length} rows are positive`);
    return { table: makeTable([...kept, { name: params.as, type: "int", values }]) };
  },
});

type Op = Params["op"];

/** Ordering ops only on numeric columns; the value has the column's type. */
export type TargetRule<C extends Columns, K extends ColumnName<C>> = {
  readonly column: K;
  readonly op: K extends NumericColumn<C> ? Op : "==" | "!=";
  readonly value: ValueOf<C[K]>;
};

export type WithTarget<C extends Columns, K extends keyof C, A extends string, KS extends boolean> = (KS extends true
  ? C
  : { readonly [P in Exclude<keyof C, K>]: C[P] }) & { readonly [P in A]: "int" };

/** e.g. binaryTarget(t, { column: "num", op: ">", value: 0 }) adds `target` (1 = disease) and drops `num`. */
export const binaryTarget = <C extends Columns, const K extends ColumnName<C>, const A extends string = "target", const KS extends boolean = false>(
  table: TableHandle<C>,
  params: TargetRule<C, K> & { readonly as?: A; readonly keepSource?: KS },
  options?: NodeOptions,
): TableHandle<WithTarget<C, K, A, KS>> => {
  const rows = rowSourceWiring(table);
  const node = addNode(table.study, binaryTargetStep, { table, rowLines: rows.rowLines }, { ...params, ...rows.params }, options);
  node.requireColumns(table, [params.column], "params.column");
  const problem = ruleProblem(params, table.columns[params.column]!);
  if (problem !== undefined) node.fail(problem.field, problem.problem);
  const as = params.as ?? "target";
  const columns: Record<string, string> = { ...table.columns };
  if (params.keepSource !== true) delete columns[params.column];
  if (as in columns) node.fail("params.as", `the table already has a column ${JSON.stringify(as)}; choose another name`);
  columns[as] = "int";
  return node.table("table", columns as WithTarget<C, K, A, KS>);
};
