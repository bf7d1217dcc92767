/** What the split steps share: strata of rows, a seeded shuffle, and reading a holdout split. */
import type * as arrow from "apache-arrow";
import type { StepContext } from "../../dsl/step.js";
import type { Column } from "../preprocess/columns.js";
import { rowNamer } from "../row-reference.js";
import { ROLE_CODE, decodeSplit } from "./split-codec.js";

/**
 * Groups rows into strata by their values in `columns` (all rows form one stratum when there are none). A stratum's
 * key is the JSON of its values; strata are returned in sorted key order and rows ascending, so callers never
 * depend on Map insertion order. Each row's values are coded once per column, so the cost is linear in the rows.
 */
export const strata = (columns: readonly Column[], rows: ArrayLike<number>): [key: string, rows: number[]][] => {
  // Per column, a code per distinct JSON text (NaN and null share one, as their JSON does).
  const codes = columns.map((c) => {
    const byValue = new Map<unknown, number>();
    const byJson = new Map<string, number>();
    const code = new Int32Array(c.values.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const v = c.values[r] ?? null;
      let k = byValue.get(v);
      if (k === undefined) {
        const json = JSON.stringify(v);
        k = byJson.get(json) ?? byJson.size;
        byJson.set(json, k);
        byValue.set(v, k);
      }
      code[r] = k;
    }
    return { code, levels: byJson.size };
  });
  const groups = new Map<number, { key: string; rows: number[] }>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    let combined = 0;
    for (const c of codes) combined = combined * c.levels + c.code[r]!;
    const group = groups.get(combined);
    if (group === undefined) groups.set(combined, { key: JSON.stringify(columns.map((c) => c.values[r] ?? null)), rows: [r] });
    else group.rows.push(r);
  }
  return [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((g) => [g.key, g.rows]);
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

/** Reads a single-replicate split (a holdout) of a table with `numRows` rows: the role code of every row. */
export const readHoldout = (split: arrow.Table, numRows: number, ctx: StepContext, field: string): Int32Array => {
  const replicates = decodeSplit(split, numRows, (problem) => ctx.fail(field, problem));
  const only = replicates[0]!;
  if (replicates.length !== 1 || only.replicate !== 0) ctx.fail(field, "expected a holdout split with a single replicate 0; pass the output of split.holdout");
  const valid = only.roles.indexOf(ROLE_CODE.valid);
  if (valid >= 0) ctx.fail(field, `${rowNamer("table")(valid)} has role "valid"; a holdout split has only train and test rows`);
  return only.roles;
};
