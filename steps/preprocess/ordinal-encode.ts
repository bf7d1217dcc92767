import { Schema } from "effect";
import { type CellValue, makeTable } from "../../artifacts/table.js";
import type { Columns, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ColumnName, type ValueOf, readColumns, sortedLevels } from "./columns.js";

const Level = Schema.Union([Schema.Number, Schema.String, Schema.Boolean]);

const Params = Schema.Struct({
  columns: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  /** Column -> its levels in code order (level i becomes i). Columns without one use their sorted distinct values. */
  order: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Array(Level).check(Schema.isMinLength(1), Schema.isUnique({ message: "a level is listed twice" }))),
  ),
});

/**
 * Replaces each listed column by int codes 0..k-1 (nulls stay null). Output `mapping` records the levels of every
 * encoded column, in params order: { columns: [{ column, levels }] }, level i having code i.
 */
export const ordinalEncodeStep = defineStep({
  kind: "preprocess.ordinal-encode",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  outputs: { table: "table", mapping: "metrics" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const out = [...cols.all];
    const mapping: { column: string; levels: CellValue[] }[] = [];
    for (const orderOf of Object.keys(params.order ?? {}).sort()) {
      if (!params.columns.includes(orderOf)) ctx.fail(`params.order.${orderOf}`, `column ${JSON.stringify(orderOf)} is not in params.columns; add it there or remove its order`);
    }
    for (const [i, name] of params.columns.entries()) {
      const col = cols.get(name, `params.columns[${i}]`);
      const levels: CellValue[] = [...(params.order?.[name] ?? sortedLevels(col.values))];
      const code = new Map(levels.map((level, j) => [level, j]));
      const values = col.values.map((v) => {
        if (v === null) return null;
        const c = code.get(v);
        if (c === undefined) return ctx.fail(`params.order.${name}`, `column ${JSON.stringify(name)} has the value ${JSON.stringify(v)}, which the order does not list; add it`);
        return c;
      });
      out[out.indexOf(col)] = { name, type: "int", values };
      mapping.push({ column: name, levels });
    }
    return { table: makeTable(out), mapping: { columns: mapping } };
  },
});

export type Encoded<C extends Columns, K extends keyof C> = { readonly [P in keyof C]: P extends K ? "int" : C[P] };

/** Encodes columns as ordinal ints, e.g. ordinalEncode(t, { columns: ["cp"], order: { cp: ["low", "high"] } }). */
export const ordinalEncode = <C extends Columns, const K extends ColumnName<C>>(
  table: TableHandle<C>,
  params: { readonly columns: readonly K[]; readonly order?: { readonly [P in K]?: readonly ValueOf<C[P]>[] } },
  options?: NodeOptions,
): TableHandle<Encoded<C, K>> => {
  const node = addNode(table.study, ordinalEncodeStep, { table }, params, options);
  node.requireColumns(table, params.columns, "params.columns");
  for (const name of Object.keys(params.order ?? {}).sort()) {
    if (!(params.columns as readonly string[]).includes(name)) node.fail(`params.order.${name}`, `column ${JSON.stringify(name)} is not in params.columns; add it there or remove its order`);
  }
  const columns = Object.fromEntries(Object.entries(table.columns).map(([n, t]) => [n, (params.columns as readonly string[]).includes(n) ? "int" : t]));
  return node.table("table", columns as Encoded<C, K>);
};
