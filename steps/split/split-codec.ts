/**
 * The split artifact, compact: one row per input row and one int column per replicate, holding each row's role in
 * that replicate (0 train, 1 valid, 2 test). The column is named "replicate=<r> seed=<s> fold=<f>", columns in
 * ascending replicate order. A k-fold × repeats split of n rows is n × replicates small ints (a few bytes per row
 * and replicate in Parquet, where each column is a dictionary of three codes), never a copy of the rows per
 * replicate, and every consumer reads it through `decodeSplit` without expanding it into per-row records.
 */
import type * as arrow from "apache-arrow";
import type { DenseColumn } from "../../artifacts/dense-column.js";
import { denseColumns, tableOfDense } from "../../artifacts/table.js";

export type Role = "train" | "valid" | "test";
export const ROLES: readonly Role[] = ["train", "valid", "test"];
/** A role's code in a split column: its index in ROLES. */
export const ROLE_CODE: Readonly<Record<Role, number>> = { train: 0, valid: 1, test: 2 };

export interface ReplicateRoles {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  /** The role code (ROLE_CODE) of every input row, indexed by row. */
  readonly roles: Int32Array;
}

const columnName = (r: Pick<ReplicateRoles, "replicate" | "seed" | "fold">): string => `replicate=${r.replicate} seed=${r.seed} fold=${r.fold}`;
const NAME = /^replicate=(0|[1-9]\d*) seed=(0|-?[1-9]\d*) fold=(0|[1-9]\d*)$/;

/** The split table; replicates must come in strictly ascending replicate order and cover the same rows. */
export const encodeSplit = (replicates: readonly ReplicateRoles[]): arrow.Table => {
  replicates.forEach((r, i) => {
    if (i > 0 && r.replicate <= replicates[i - 1]!.replicate) throw new Error(`split replicates out of order: ${replicates[i - 1]!.replicate} then ${r.replicate}`);
    if (r.roles.length !== replicates[0]!.roles.length) throw new Error("split replicates cover different numbers of rows");
  });
  return tableOfDense(
    replicates.map((r): DenseColumn => ({ name: columnName(r), type: "int", length: r.roles.length, nullCount: 0, valid: undefined, values: r.roles, offsets: undefined })),
  );
};

/** One replicate of a decoded split: its identity and role codes, with row lists computed on demand. */
export interface SplitReplicate extends ReplicateRoles {
  /** The rows with this role, ascending. */
  rowsWith(role: Role): Int32Array;
  countOf(role: Role): number;
}

const replicateView = (r: ReplicateRoles): SplitReplicate => {
  const countOf = (role: Role): number => {
    const code = ROLE_CODE[role];
    let n = 0;
    for (let i = 0; i < r.roles.length; i++) if (r.roles[i] === code) n++;
    return n;
  };
  const rowsWith = (role: Role): Int32Array => {
    const code = ROLE_CODE[role];
    const out = new Int32Array(countOf(role));
    let k = 0;
    for (let i = 0; i < r.roles.length; i++) if (r.roles[i] === code) out[k++] = i;
    return out;
  };
  return { replicate: r.replicate, seed: r.seed, fold: r.fold, roles: r.roles, countOf, rowsWith };
};

/**
 * Reads and checks a split table against the table it splits (`tableRows` rows). `fail` ends the step with the
 * problem; every message says what to pass instead.
 */
export const decodeSplit = (split: arrow.Table, tableRows: number, fail: (problem: string) => never): SplitReplicate[] => {
  const columns = denseColumns(split);
  if (columns.length === 0) fail("the split has no replicates; pass the output of a split step (split.holdout, split.kfold, split.stable-holdout)");
  if (split.numRows !== tableRows) fail(`the split covers ${split.numRows} rows but the table has ${tableRows}; split the same table you pass here`);
  const replicates = columns.map((col, i): SplitReplicate => {
    const m = NAME.exec(col.name);
    if (m === null || col.type !== "int") {
      fail(`column ${JSON.stringify(col.name)} (${col.type}) is not a split replicate; expected int columns named "replicate=<r> seed=<s> fold=<f>" (a split made by this version of Strata's split steps)`);
    }
    if (col.nullCount > 0) fail(`replicate ${m[1]} has a null role; the split is damaged, re-run the split step`);
    const roles = col.values as Int32Array;
    for (let r = 0; r < roles.length; r++) {
      if (roles[r]! < 0 || roles[r]! > 2) fail(`replicate ${m[1]} gives row ${r} the role code ${roles[r]}; expected 0 (train), 1 (valid) or 2 (test)`);
    }
    const replicate = Number(m[1]);
    if (i > 0 && replicate <= Number(NAME.exec(columns[i - 1]!.name)![1])) fail(`replicate ${replicate} is out of order; replicates must be ascending and distinct`);
    return replicateView({ replicate, seed: Number(m[2]), fold: Number(m[3]), roles });
  });
  return replicates;
};
