import { Schema } from "effect";
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

/**
 * The rows (ascending) whose bit is set in every validity bitmap: the bitmaps are ANDed a byte (8 rows) at a time,
 * and a byte of 8 complete rows is taken whole.
 */
const completeRows = (n: number, validity: readonly Uint8Array[]): Int32Array => {
  const complete = new Uint8Array((n + 7) >> 3).fill(0xff);
  for (const valid of validity) for (let b = 0; b < complete.length; b++) complete[b]! &= valid[b]!;
  // Bits past row n are not rows.
  if ((n & 7) !== 0) complete[complete.length - 1]! &= (1 << (n & 7)) - 1;
  let count = 0;
  for (let b = 0; b < complete.length; b++) for (let bits = complete[b]!; bits !== 0; bits &= bits - 1) count++;
  const keep = new Int32Array(count);
  let k = 0;
  for (let b = 0; b < complete.length; b++) {
    const bits = complete[b]!;
    if (bits === 0xff) for (let j = 0; j < 8; j++) keep[k++] = 8 * b + j;
    else if (bits !== 0) for (let j = 0; j < 8; j++) if ((bits & (1 << j)) !== 0) keep[k++] = 8 * b + j;
  }
  return keep;
};

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
    const denseChecked = checked.map(denseOf);
    const keep = completeRows(n, denseChecked.flatMap((d) => (d.valid === undefined ? [] : [d.valid])));
    ctx.log(`dropped ${n - keep.length} of ${n} rows with a missing value`);
    const dropped = {
      format: DROPPED_FORMAT,
      rows: n,
      dropped: n - keep.length,
      columns: denseChecked.map((c) => ({ column: c.name, missing: c.nullCount })),
    };
    // With nothing dropped the columns pass through as they are, buffers and all.
    return { table: makeTable(keep.length === n ? cols.all : takeRows(cols.all, keep)), dropped };
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
