/**
 * The split artifact: one line per (replicate, input row), sorted by replicate then row, with int columns
 * replicate, seed, fold, row (0-based index into the input table) and a string column role (train | valid | test).
 */
import type * as arrow from "apache-arrow";
import { makeTable } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";
import { type Column, readColumns } from "../preprocess/columns.js";

export type Role = "train" | "valid" | "test";

export interface ReplicateRoles {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  /** The role of every input row, indexed by row. */
  readonly roles: readonly Role[];
}

/** Replicates must come in ascending replicate order; rows come out in input order. */
export const makeSplitTable = (replicates: readonly ReplicateRoles[]): arrow.Table => {
  const replicate: number[] = [];
  const seed: number[] = [];
  const fold: number[] = [];
  const row: number[] = [];
  const role: Role[] = [];
  for (const r of replicates) {
    for (const [i, ro] of r.roles.entries()) {
      replicate.push(r.replicate);
      seed.push(r.seed);
      fold.push(r.fold);
      row.push(i);
      role.push(ro);
    }
  }
  return makeTable([
    { name: "replicate", type: "int", values: replicate },
    { name: "seed", type: "int", values: seed },
    { name: "fold", type: "int", values: fold },
    { name: "row", type: "int", values: row },
    { name: "role", type: "string", values: role },
  ]);
};

/**
 * Groups rows into strata by their values in `columns` (all rows form one stratum when there are none). Strata are
 * returned in sorted key order and rows ascending, so callers never depend on Map insertion order.
 */
export const strata = (columns: readonly Column[], rows: readonly number[]): [key: string, rows: number[]][] => {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const key = JSON.stringify(columns.map((c) => c.values[r] ?? null));
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [r]);
    else group.push(r);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};

/** Fisher-Yates shuffle of a copy, drawing from a seeded [0, 1) stream. */
export const shuffled = <T>(items: readonly T[], random: () => number): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

/** Reads a single-replicate split (a holdout) of a table with `numRows` rows: the role of every row. */
export const readHoldout = (split: arrow.Table, numRows: number, ctx: StepContext, field: string): Role[] => {
  const cols = readColumns(split, ctx);
  const replicate = cols.get("replicate", field, ["int"]).values;
  const row = cols.get("row", field, ["int"]).values;
  const role = cols.get("role", field, ["string"]).values;
  if (replicate.some((r) => r !== 0)) ctx.fail(field, "expected a holdout split with a single replicate 0; pass the output of split.holdout");
  if (row.length !== numRows || row.some((r, i) => r !== i)) {
    ctx.fail(field, `the split covers ${row.length} rows but the table has ${numRows}; split the same table you pass here`);
  }
  return role.map((ro, i) => {
    if (ro !== "train" && ro !== "test") return ctx.fail(field, `row ${i} has role ${JSON.stringify(ro)}; a holdout split has only train and test rows`);
    return ro;
  });
};
