/**
 * A multi-site table as train.meta and the few-shot cells read it: the features as one row-major float64 matrix,
 * the 0/1 labels and each row's site, so no row becomes a JS object.
 */
import type * as arrow from "apache-arrow";
import { denseStringsOf, isValidAt } from "../../../artifacts/dense-column.js";
import { denseOf, tableColumns } from "../../../artifacts/table.js";
import { type Standardizer, standardizeInPlace } from "../../preprocess/standardize.js";
import { inputMatrix } from "../input-matrix.js";

export interface SiteRows {
  readonly n: number;
  readonly d: number;
  /** n × d, row-major. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Each row's site name. */
  readonly site: readonly string[];
}

type Fail = (field: string, problem: string) => never;

const rowNumber = (r: number): string => `row ${r + 1}`;

/**
 * Reads `features` (numeric, no nulls), `target` (0/1) and `siteColumn` (string) of a table; `rowName` names a row
 * in a message (steps/row-reference.ts).
 */
export const readSiteRows = (
  table: arrow.Table,
  params: { readonly features: readonly string[]; readonly target: string; readonly siteColumn: string },
  fail: Fail,
  rowName: (r: number) => string = rowNumber,
): SiteRows => {
  const byName = new Map(tableColumns(table).map((c) => [c.name, denseOf(c)]));
  const column = (name: string, field: string) => byName.get(name) ?? fail(field, `unknown column ${JSON.stringify(name)}; the input table has ${[...byName.keys()].join(", ")}`);
  const n = table.numRows;
  const d = params.features.length;
  const numbers = (name: string, field: string): ArrayLike<number> => {
    const col = column(name, field);
    if (col.type !== "float" && col.type !== "int") fail(field, `column ${JSON.stringify(name)} is ${col.type}; expected a numeric column (one-hot encode categories first)`);
    if (col.nullCount > 0) {
      let r = 0;
      while (isValidAt(col, r)) r++;
      fail(field, `column ${JSON.stringify(name)} is missing at ${rowName(r)}; drop or impute missing values first (preprocess.drop-missing, preprocess.impute)`);
    }
    return col.values as ArrayLike<number>;
  };
  const x = new Float64Array(n * d);
  params.features.forEach((name, j) => {
    const values = numbers(name, `params.features[${j}]`);
    for (let r = 0; r < n; r++) x[r * d + j] = values[r]!;
  });
  const y = Float64Array.from(numbers(params.target, "params.target"));
  const bad = y.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0) fail("params.target", `column ${JSON.stringify(params.target)} is ${y[bad]} at ${rowName(bad)}; expected 0/1 labels (preprocess.binary-target)`);
  const siteCol = column(params.siteColumn, "params.siteColumn");
  if (siteCol.type !== "string") fail("params.siteColumn", `column ${JSON.stringify(params.siteColumn)} is ${siteCol.type}; expected a string column naming each row's site`);
  const site = denseStringsOf(siteCol).map((v, r) => v ?? fail("params.siteColumn", `column ${JSON.stringify(params.siteColumn)} has no site at ${rowName(r)}; every row needs one`));
  return { n, d, x, y, site };
};

/** Rows `rows` of the matrix and labels, in that order. */
export const takeRows = (data: SiteRows, rows: ArrayLike<number>): { readonly x: Float64Array; readonly y: Float64Array; readonly n: number; readonly d: number } => {
  const { d } = data;
  const n = rows.length;
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    x.set(data.x.subarray(r * d, (r + 1) * d), i * d);
    y[i] = data.y[r]!;
  }
  return { x, y, n, d };
};

/** A copy of an n × d matrix z-scored with `s` (preprocess/standardize.ts). */
export const standardized = (x: Float64Array, n: number, d: number, s: Standardizer): Float64Array => {
  const copy = inputMatrix(n, d, Float64Array.from(x));
  standardizeInPlace(s, copy);
  return copy.data;
};
