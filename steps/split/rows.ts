/**
 * split.rows: the rows one role of a split gives (e.g. a holdout's training rows), as a table of their own, in the
 * table's row order. For steps that take a whole table where a study means one side of a split: a generator fitted
 * to the training rows only, or a model set scored on the test rows only (predict.model-set).
 */
import { Effect, Schema } from "effect";
import { denseColumns, tableOfDense } from "../../artifacts/table.js";
import { takeDense } from "../../artifacts/dense-column.js";
import type { Columns, SplitHandle, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { ROLES, decodeSplit } from "./split-codec.js";

const Params = Schema.Struct({
  role: Schema.Literals(ROLES),
  /** Which replicate of the split (its replicate id); a holdout has only 0. */
  replicate: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
});

export const splitRowsStep = defineStep({
  kind: "split.rows",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split" },
  outputs: { table: "table" },
  run: (inputs, params, ctx) => {
    const table = inputs.table.table();
    const replicates = decodeSplit(inputs.split.table(), table.numRows, (problem) => ctx.fail("inputs.split", problem));
    const chosen =
      replicates.find((r) => r.replicate === params.replicate) ??
      ctx.fail("params.replicate", `the split has no replicate ${params.replicate}; it has ${replicates.map((r) => r.replicate).join(", ")}`);
    const rows = chosen.rowsWith(params.role);
    if (rows.length === 0) ctx.fail("params.role", `replicate ${params.replicate} of the split gives no row the role ${params.role}; pick a role the split uses`);
    ctx.log(`${rows.length} of ${table.numRows} rows (${params.role}, replicate ${params.replicate})`);
    return { table: tableOfDense(denseColumns(table).map((col) => takeDense(col, rows))) };
  },
});

/** e.g. splitRows(groups.table, holdout, { role: "train" }): the holdout's training rows, with every column. */
export const splitRows = <C extends Columns>(
  table: TableHandle<C>,
  split: SplitHandle,
  params: { readonly role: "train" | "valid" | "test"; readonly replicate?: number },
  options?: NodeOptions,
): TableHandle<C> => addNode(table.study, splitRowsStep, { table, split }, params, options).table("table", table.columns);
