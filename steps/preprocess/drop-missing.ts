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

/** The `dropped` output's format: what the step removed, which the reports' Methods sections cite. */
export const DROPPED_FORMAT = "strata-dropped/1";

export const dropMissingStep = defineStep({
  kind: "preprocess.drop-missing",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  // `dropped`: the rows read and removed, and per checked column the rows with a null there (a row missing in two
  // columns counts in both, so the column counts may add up to more than the rows removed).
  outputs: { table: "table", dropped: "metrics" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const checked = params.columns === undefined ? cols.all : params.columns.map((name) => cols.get(name, "params.columns"));
    const n = cols.numRows;
    const complete = new Uint8Array(n).fill(1);
    const nullsPerColumn = checked.map((c) => {
      const dense = denseOf(c);
      if (dense.nullCount > 0) for (let r = 0; r < n; r++) if (!isValidAt(dense, r)) complete[r] = 0;
      return dense.nullCount;
    });
    const keep = new Int32Array(complete.reduce((sum, k) => sum + k, 0));
    for (let r = 0, k = 0; r < n; r++) if (complete[r] === 1) keep[k++] = r;
    ctx.log(`dropped ${n - keep.length} of ${n} rows with a missing value`);
    const dropped = {
      format: DROPPED_FORMAT,
      rows: n,
      dropped: n - keep.length,
      columns: checked.map((c, j) => ({ column: c.name, missing: nullsPerColumn[j]! })),
    };
    return { table: makeTable(takeRows(cols.all, keep)), dropped };
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
