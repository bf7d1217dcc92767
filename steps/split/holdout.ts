import { Effect, Schema } from "effect";
import type { Columns, SplitHandle, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ColumnName, readColumns } from "../preprocess/columns.js";
import { ROLE_CODE, encodeSplit } from "./split-codec.js";
import { shuffled, strata } from "./split-table.js";

const Params = Schema.Struct({
  testFraction: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })),
  stratify: Schema.Array(Schema.String).check(Schema.isUnique({ message: "a column is listed twice" })).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
});

/**
 * Stratified holdout: replicate 0, fold 0, seed = the node seed. Each stratum (a distinct combination of the
 * `stratify` values) is shuffled with its own stream "holdout/<stratum>", so adding rows to one stratum never moves
 * another; its first Math.round(n * testFraction) shuffled rows are test (halves round up: n = 5, 0.3 -> 2), the
 * rest train. A stratum too small for a test row (n * testFraction < 0.5) is all train.
 */
export const holdoutStep = defineStep({
  kind: "split.holdout",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  outputs: { split: "split" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const by = params.stratify.map((name, i) => cols.get(name, `params.stratify[${i}]`));
    const numRows = cols.numRows;
    const roles = new Int32Array(numRows).fill(ROLE_CODE.train);
    let tests = 0;
    for (const [key, rows] of strata(by, Int32Array.from({ length: numRows }, (_, r) => r))) {
      const nTest = Math.round(rows.length * params.testFraction);
      for (const r of shuffled(rows, ctx.random(`holdout/${key}`)).slice(0, nTest)) roles[r] = ROLE_CODE.test;
      tests += nTest;
    }
    ctx.log(`${tests} of ${numRows} rows held out for test`);
    return { split: encodeSplit([{ replicate: 0, seed: ctx.seed, fold: 0, roles }]) };
  },
});

/** e.g. stratifiedHoldout(t, { testFraction: 0.2, stratify: ["subgroup", "target"] }). */
export const stratifiedHoldout = <C extends Columns>(
  table: TableHandle<C>,
  params: { readonly testFraction: number; readonly stratify?: readonly ColumnName<C>[] },
  options?: NodeOptions,
): SplitHandle => {
  const node = addNode(table.study, holdoutStep, { table }, params, options);
  node.requireColumns(table, params.stratify ?? [], "params.stratify");
  return node.split("split");
};
