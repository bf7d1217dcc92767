import { Effect, Schema } from "effect";
import type { CellValue } from "../../artifacts/table.js";
import type { Columns, SplitHandle, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ColumnName, compareCells, readColumns, sortedLevels } from "../preprocess/columns.js";
import { type ReplicateRoles, type Role, makeSplitTable, readHoldout, shuffled, strata } from "./split-table.js";

const Params = Schema.Struct({
  k: Schema.Int.check(Schema.isGreaterThanOrEqualTo(2)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(5))),
  seeds: Schema.Array(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))).check(
    Schema.isMinLength(1),
    Schema.isUnique({ message: "a seed is listed twice" }),
  ),
  stratify: Schema.Array(Schema.String).check(Schema.isUnique({ message: "a column is listed twice" })).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  /** The subgroup and target columns: every replicate's train rows must hold both classes in every subgroup. */
  subgroup: Schema.String,
  target: Schema.String,
});

/**
 * Repeated stratified k-fold inside the holdout's train rows. For seed s (index i in `seeds`) and fold f, replicate
 * i*k + f has the train rows of fold f as "valid", the other train rows as "train" and the holdout's test rows as
 * "test". Each stratum is shuffled with the stream "kfold/<s>/<stratum>" and dealt round-robin to folds, continuing
 * the count across strata (in sorted order) so fold sizes differ by at most one. Folds of seed s depend only on s,
 * the node seed and the data, never on which other seeds are listed.
 */
export const kfoldStep = defineStep({
  kind: "split.kfold",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", holdout: "split" },
  outputs: { split: "split" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const by = params.stratify.map((name, i) => cols.get(name, `params.stratify[${i}]`));
    const subgroup = cols.get(params.subgroup, "params.subgroup").values;
    const target = cols.get(params.target, "params.target").values;
    const numRows = subgroup.length;
    const holdout = readHoldout(inputs.holdout.table(), numRows, ctx, "inputs.holdout");
    const trainRows = holdout.flatMap((role, r) => (role === "train" ? [r] : []));
    const groups = sortedLevels(trainRows.map((r) => subgroup[r]!));

    const replicates: ReplicateRoles[] = [];
    for (const [i, seed] of params.seeds.entries()) {
      const fold = new Array<number>(numRows).fill(-1);
      let dealt = 0;
      for (const [key, rows] of strata(by, trainRows)) {
        for (const r of shuffled(rows, ctx.random(`kfold/${seed}/${key}`))) fold[r] = dealt++ % params.k;
      }
      for (let f = 0; f < params.k; f++) {
        const roles = holdout.map((role, r): Role => (role === "test" ? "test" : fold[r] === f ? "valid" : "train"));
        checkClasses(roles, subgroup, target, groups, (problem) =>
          ctx.fail("params.k", `seed ${seed}, fold ${f}: ${problem}; use fewer folds (params.k) or merge small subgroups (subgroups.define)`),
        );
        replicates.push({ replicate: i * params.k + f, seed, fold: f, roles });
      }
    }
    return { split: makeSplitTable(replicates) };
  },
});

/** Fails when a subgroup's train rows hold fewer than two target classes: no model can be fit or compared there. */
const checkClasses = (
  roles: readonly Role[],
  subgroup: readonly CellValue[],
  target: readonly CellValue[],
  groups: readonly CellValue[],
  fail: (problem: string) => never,
): void => {
  const classes = new Map<CellValue, Set<CellValue>>(groups.map((g) => [g, new Set()]));
  const counts = new Map<CellValue, number>(groups.map((g) => [g, 0]));
  for (const [r, role] of roles.entries()) {
    if (role !== "train") continue;
    classes.get(subgroup[r]!)?.add(target[r]!);
    counts.set(subgroup[r]!, (counts.get(subgroup[r]!) ?? 0) + 1);
  }
  for (const g of groups) {
    const present = [...classes.get(g)!].sort(compareCells);
    if (present.length === 0) fail(`subgroup ${JSON.stringify(g)} has no train rows`);
    if (present.length === 1) fail(`subgroup ${JSON.stringify(g)} has only class ${JSON.stringify(present[0])} among its ${counts.get(g)} train rows`);
  }
};

/** e.g. kfold(t, holdout, { k: 5, seeds: [1, 2, 3], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" }). */
export const kfold = <C extends Columns>(
  table: TableHandle<C>,
  holdout: SplitHandle,
  params: {
    readonly k?: number;
    readonly seeds: readonly number[];
    readonly stratify?: readonly ColumnName<C>[];
    readonly subgroup: ColumnName<C>;
    readonly target: ColumnName<C>;
  },
  options?: NodeOptions,
): SplitHandle => {
  const node = addNode(table.study, kfoldStep, { table, holdout }, params, options);
  node.requireColumns(table, params.stratify ?? [], "params.stratify");
  node.requireColumns(table, [params.subgroup], "params.subgroup");
  node.requireColumns(table, [params.target], "params.target");
  return node.split("split");
};
