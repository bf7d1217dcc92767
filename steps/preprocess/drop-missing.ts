import { Schema } from "effect";
import { isValidAt } from "../../artifacts/dense-column.js";
import { denseOf, makeTable } from "../../artifacts/table.js";
import type { Columns, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ColumnName, readColumns, takeRows } from "./columns.js";

const Params = Schema.Struct({
  /** The columns checked for nulls; all columns when absent. */
  columns: Schema.optionalKey(Schema.Array(Schema.String)),
});

export const dropMissingStep = defineStep({
  kind: "preprocess.drop-missing",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  outputs: { table: "table" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const checked = params.columns === undefined ? cols.all : params.columns.map((name) => cols.get(name, "params.columns"));
    const n = cols.numRows;
    const complete = new Uint8Array(n).fill(1);
    for (const c of checked) {
      const dense = denseOf(c);
      if (dense.nullCount > 0) for (let r = 0; r < n; r++) if (!isValidAt(dense, r)) complete[r] = 0;
    }
    const keep = new Int32Array(complete.reduce((sum, k) => sum + k, 0));
    for (let r = 0, k = 0; r < n; r++) if (complete[r] === 1) keep[k++] = r;
    ctx.log(`dropped ${n - keep.length} of ${n} rows with a missing value`);
    return { table: makeTable(takeRows(cols.all, keep)) };
  },
});

/** Drops every row with a null in one of `columns` (default: any column). Only nulls count as missing. */
export const dropMissing = <C extends Columns>(
  table: TableHandle<C>,
  params: { readonly columns?: readonly ColumnName<C>[] } = {},
  options?: NodeOptions,
): TableHandle<C> => {
  const node = addNode(table.study, dropMissingStep, { table }, params, options);
  node.requireColumns(table, params.columns ?? [], "params.columns");
  return node.table("table", table.columns);
};
