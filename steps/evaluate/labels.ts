/**
 * Reading the labels and subgroups of the evaluated table, as every evaluation step does, checked with a message
 * that names the param at fault. Both come out as typed columns (a 0/1 byte and a group code per row) read from the
 * column buffers, so a cohort of millions costs a few bytes per row and no string per row. The predictions
 * artifact has its own codec (predictions.ts).
 */
import type * as arrow from "apache-arrow";
import { type DenseColumn, isSet, isValidAt } from "../../artifacts/dense-column.js";
import { denseColumn } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";

/** The group name of the whole test set. */
export const OVERALL = "overall";

/** Every row's label and subgroup (as a code into `groups`), and the subgroups in code-unit order. */
export interface Labels {
  readonly y: Uint8Array;
  /** Row r is in subgroup groups[group[r]]. */
  readonly group: Int32Array;
  readonly groups: readonly string[];
}

/** The subgroup name of a row. */
export const groupOf = (labels: Labels, row: number): string => labels.groups[labels.group[row]!]!;

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The 0/1 label of each row of a bool or numeric column; `bad(row)` reports a missing or other value. */
const readTarget = (col: DenseColumn, bad: (row: number) => never): Uint8Array => {
  const y = new Uint8Array(col.length);
  for (let r = 0; r < col.length; r++) {
    if (!isValidAt(col, r)) bad(r);
    if (col.type === "bool") {
      y[r] = isSet(col.values as Uint8Array, r) ? 1 : 0;
      continue;
    }
    const v = (col.values as Float64Array | Int32Array)[r]!;
    if (v !== 0 && v !== 1) bad(r);
    y[r] = v;
  }
  return y;
};

/**
 * Each row's code into the sorted distinct names of a string column. A row is decoded to a string only where its
 * bytes differ from the previous row's (tables sorted or grouped by subgroup decode a handful of strings).
 */
const readCodes = (col: DenseColumn, missing: (row: number) => never): { codes: Int32Array; names: string[] } => {
  const bytes = Buffer.from(col.values.buffer, col.values.byteOffset, col.values.byteLength);
  const offsets = col.offsets!;
  const firstCode = new Map<string, number>();
  const codes = new Int32Array(col.length);
  let previousStart = -1;
  let previousEnd = -1;
  let previousCode = -1;
  for (let r = 0; r < col.length; r++) {
    if (!isValidAt(col, r)) missing(r);
    const start = offsets[r]!;
    const end = offsets[r + 1]!;
    if (previousCode < 0 || end - start !== previousEnd - previousStart || bytes.compare(bytes, previousStart, previousEnd, start, end) !== 0) {
      const name = bytes.toString("utf8", start, end);
      previousCode = firstCode.get(name) ?? firstCode.size;
      if (previousCode === firstCode.size) firstCode.set(name, previousCode);
      previousStart = start;
      previousEnd = end;
    }
    codes[r] = previousCode;
  }
  // Codes in order of first appearance, renumbered so that code order is name order.
  const names = [...firstCode.keys()].sort(byCodeUnits);
  const renumber = new Int32Array(names.length);
  names.forEach((name, code) => (renumber[firstCode.get(name)!] = code));
  for (let r = 0; r < codes.length; r++) codes[r] = renumber[codes[r]!]!;
  return { codes, names };
};

/** Reads the 0/1 target and the subgroup of every row; "overall" is reserved for the whole test set. */
export const readLabels = (table: arrow.Table, params: { readonly target: string; readonly subgroup: string }, ctx: StepContext): Labels => {
  const names = table.schema.fields.map((f) => f.name).join(", ");
  const target = denseColumn(table, params.target);
  if (target === undefined) ctx.fail("params.target", `unknown column ${JSON.stringify(params.target)}; the input table has ${names}`);
  const subgroup = denseColumn(table, params.subgroup);
  if (subgroup === undefined) ctx.fail("params.subgroup", `unknown column ${JSON.stringify(params.subgroup)}; the input table has ${names}`);
  if (subgroup.type !== "string") ctx.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} is ${subgroup.type}; expected a string column of group names`);
  if (target.type === "string") ctx.fail("params.target", `column ${JSON.stringify(params.target)} is string; expected 0 or 1 (or true / false) in every row`);
  const y = readTarget(target, (r) => {
    const v = isValidAt(target, r) ? (target.values as Float64Array | Int32Array)[r] : null;
    return ctx.fail("params.target", `column ${JSON.stringify(params.target)} has ${JSON.stringify(v)} at row ${r}; expected 0 or 1`);
  });
  const { codes, names: groups } = readCodes(subgroup, (r) => ctx.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} has no group at row ${r}; every row needs one`));
  if (groups.includes(OVERALL)) ctx.fail("params.subgroup", `"${OVERALL}" is reserved for the whole test set; rename that subgroup`);
  return { y, group: codes, groups };
};
