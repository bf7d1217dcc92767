import { Schema } from "effect";
import { type CellValue, type ColumnData, makeTable } from "../../artifacts/table.js";
import type { Columns, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ColumnName, type ValueOf, readColumns, sortedLevels } from "./columns.js";

const Level = Schema.Union([Schema.Number, Schema.String, Schema.Boolean]);

const Params = Schema.Struct({
  columns: Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isUnique({ message: "a column is listed twice" })),
  /**
   * Column -> its levels, in output order. A value outside them is an error, so new data cannot silently add a
   * column. Columns without one use their sorted distinct values.
   */
  levels: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Array(Level).check(Schema.isMinLength(1), Schema.isUnique({ message: "a level is listed twice" }))),
  ),
});

/**
 * Replaces each listed column, in place, by one int 0/1 column per level named `<column>_<level>` (levels sorted
 * unless given). A null cell gives null in every indicator of its column.
 */
export const oneHotStep = defineStep({
  kind: "preprocess.one-hot",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  outputs: { table: "table" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    for (const name of Object.keys(params.levels ?? {}).sort()) {
      if (!params.columns.includes(name)) ctx.fail(`params.levels.${name}`, `column ${JSON.stringify(name)} is not in params.columns; add it there or remove its levels`);
    }
    const encoded = new Map(params.columns.map((name, i) => [cols.get(name, `params.columns[${i}]`), name]));
    const out: ColumnData[] = [];
    for (const col of cols.all) {
      if (!encoded.has(col)) {
        out.push(col);
        continue;
      }
      const levels: readonly CellValue[] = params.levels?.[col.name] ?? sortedLevels(col.values);
      const unknown = col.values.find((v) => v !== null && !levels.includes(v));
      if (unknown !== undefined) {
        ctx.fail(`params.levels.${col.name}`, `column ${JSON.stringify(col.name)} has the value ${JSON.stringify(unknown)}, which the levels do not list; add it`);
      }
      for (const level of levels) {
        out.push({ name: `${col.name}_${String(level)}`, type: "int", values: col.values.map((v) => (v === null ? null : v === level ? 1 : 0)) });
      }
    }
    const names = out.map((c) => c.name);
    const clash = names.find((n, i) => names.indexOf(n) !== i);
    if (clash !== undefined) ctx.fail("params.columns", `the indicator column ${JSON.stringify(clash)} would clash with another column; rename that column first`);
    return { table: makeTable(out) };
  },
});

type LevelsParam<C extends Columns, K extends keyof C> = { readonly [P in K]?: readonly ValueOf<C[P]>[] };

/**
 * The schema after one-hot encoding: the other columns keep their types; an indicator column is exact when its
 * levels are given (`cp_1`), and otherwise any `cp_${string}` name, since the levels come from the data.
 */
export type OneHot<C extends Columns, K extends keyof C & string, L> = { readonly [P in Exclude<keyof C, K>]: C[P] } & {
  readonly [P in K as P extends keyof L ? `${P}_${L[P] extends readonly (infer V extends string | number | boolean)[] ? V : never}` : `${P}_${string}`]: "int";
};

/**
 * One-hot encodes columns, e.g. oneHot(t, { columns: ["cp"], levels: { cp: [1, 2, 3, 4] } }). Give `levels` when a
 * later step names an indicator column: only then does the handle list those columns for plan-time checks.
 */
export const oneHot = <C extends Columns, const K extends ColumnName<C>, const L extends LevelsParam<C, K> = {}>(
  table: TableHandle<C>,
  params: { readonly columns: readonly K[]; readonly levels?: L },
  options?: NodeOptions,
): TableHandle<OneHot<C, K, L>> => {
  const node = addNode(table.study, oneHotStep, { table }, params, options);
  node.requireColumns(table, params.columns, "params.columns");
  const levels = (params.levels ?? {}) as Record<string, readonly (string | number | boolean)[]>;
  const encoded = params.columns as readonly string[];
  for (const name of Object.keys(levels).sort()) {
    if (!encoded.includes(name)) node.fail(`params.levels.${name}`, `column ${JSON.stringify(name)} is not in params.columns; add it there or remove its levels`);
  }
  const columns = Object.fromEntries(
    Object.entries(table.columns).flatMap(([name, type]) =>
      !encoded.includes(name) ? [[name, type]] : (levels[name] ?? []).map((level) => [`${name}_${String(level)}`, "int"]),
    ),
  );
  return node.table("table", columns as OneHot<C, K, L>);
};
