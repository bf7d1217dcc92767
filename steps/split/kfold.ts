import { Effect, Schema } from "effect";
import type { CellValue } from "../../artifacts/table.js";
import type { Columns, SplitHandle, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ColumnName, compareCells, readColumns, sortedLevels } from "../preprocess/columns.js";
import { ROLE_CODE, type ReplicateRoles, encodeSplit } from "./split-codec.js";
import { readHoldout, shuffled, strata } from "./split-table.js";

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
    const trainRows: number[] = [];
    for (let r = 0; r < numRows; r++) if (holdout[r] === ROLE_CODE.train) trainRows.push(r);
    const cells = codeCells(subgroup, target, trainRows);

    const replicates: ReplicateRoles[] = [];
    for (const [i, seed] of params.seeds.entries()) {
      const fold = new Int32Array(numRows).fill(-1);
      let dealt = 0;
      for (const [key, rows] of strata(by, trainRows)) {
        for (const r of shuffled(rows, ctx.random(`kfold/${seed}/${key}`))) fold[r] = dealt++ % params.k;
      }
      for (let f = 0; f < params.k; f++) {
        const roles = new Int32Array(numRows);
        for (let r = 0; r < numRows; r++) roles[r] = holdout[r] === ROLE_CODE.test ? ROLE_CODE.test : fold[r] === f ? ROLE_CODE.valid : ROLE_CODE.train;
        checkClasses(roles, cells, (problem) =>
          ctx.fail("params.k", `seed ${seed}, fold ${f}: ${problem}; use fewer folds (params.k) or merge small subgroups (subgroups.define)`),
        );
        replicates.push({ replicate: i * params.k + f, seed, fold: f, roles });
      }
    }
    return { split: encodeSplit(replicates) };
  },
});

/** Each row's (subgroup, class) as codes into the sorted subgroups of the train rows and the sorted classes. */
interface CodedCells {
  readonly groups: readonly CellValue[];
  readonly classes: readonly CellValue[];
  /** group code * classes.length + class code per row; -1 outside the holdout's train rows. */
  readonly cell: Int32Array;
}

const codeCells = (subgroup: readonly CellValue[], target: readonly CellValue[], trainRows: readonly number[]): CodedCells => {
  const groups = sortedLevels(trainRows.map((r) => subgroup[r]!));
  const classes = [...new Set(trainRows.map((r) => target[r]!))].sort(compareCells);
  const groupCode = new Map(groups.map((g, i) => [g, i]));
  const classCode = new Map(classes.map((c, i) => [c, i]));
  const cell = new Int32Array(subgroup.length).fill(-1);
  for (const r of trainRows) {
    const g = groupCode.get(subgroup[r]!);
    if (g !== undefined) cell[r] = g * classes.length + classCode.get(target[r]!)!;
  }
  return { groups, classes, cell };
};

/** Fails when a subgroup's train rows hold fewer than two target classes: no model can be fit or compared there. */
const checkClasses = (roles: Int32Array, { groups, classes, cell }: CodedCells, fail: (problem: string) => never): void => {
  const counts = new Int32Array(groups.length * classes.length);
  for (let r = 0; r < roles.length; r++) if (roles[r] === ROLE_CODE.train && cell[r]! >= 0) counts[cell[r]!]!++;
  for (const [g, name] of groups.entries()) {
    const present = classes.filter((_, c) => counts[g * classes.length + c]! > 0);
    const n = classes.reduce<number>((sum, _, c) => sum + counts[g * classes.length + c]!, 0);
    if (present.length === 0) fail(`subgroup ${JSON.stringify(name)} has no train rows`);
    if (present.length === 1) fail(`subgroup ${JSON.stringify(name)} has only class ${JSON.stringify(present[0])} among its ${n} train rows`);
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
