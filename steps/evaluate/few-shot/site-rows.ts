/**
 * A multi-site table as the few-shot steps read it: the features as one row-major float64 matrix, the 0/1 labels
 * and each row's site, so no row becomes a JS object. Also the standardisation every few-shot model uses (the mean
 * and population sd of the rows it is fitted on, ours; a constant column is only centred, since its sd is 0).
 */
import type * as arrow from "apache-arrow";
import { denseCells, isValidAt } from "../../../artifacts/dense-column.js";
import { denseOf, tableColumns } from "../../../artifacts/table.js";

export interface SiteRows {
  readonly n: number;
  readonly d: number;
  /** n × d, row-major. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Each row's site name. */
  readonly site: readonly string[];
}

export interface Standardization {
  readonly means: readonly number[];
  readonly sds: readonly number[];
}

type Fail = (field: string, problem: string) => never;

/** Reads `features` (numeric, no nulls), `target` (0/1) and `siteColumn` (string) of a table. */
export const readSiteRows = (table: arrow.Table, params: { readonly features: readonly string[]; readonly target: string; readonly siteColumn: string }, fail: Fail): SiteRows => {
  const byName = new Map(tableColumns(table).map((c) => [c.name, denseOf(c)]));
  const column = (name: string, field: string) => byName.get(name) ?? fail(field, `unknown column ${JSON.stringify(name)}; the table has ${[...byName.keys()].join(", ")}`);
  const n = table.numRows;
  const d = params.features.length;
  const numbers = (name: string, field: string): ArrayLike<number> => {
    const col = column(name, field);
    if (col.type !== "float" && col.type !== "int") fail(field, `column ${JSON.stringify(name)} is ${col.type}; expected a numeric column`);
    if (col.nullCount > 0) {
      let r = 0;
      while (isValidAt(col, r)) r++;
      fail(field, `column ${JSON.stringify(name)} is missing in row ${r + 1}; drop or impute missing values first (preprocess.drop-missing)`);
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
  if (bad >= 0) fail("params.target", `column ${JSON.stringify(params.target)} is ${y[bad]} in row ${bad + 1}; expected 0/1 labels (preprocess.binary-target)`);
  const siteCol = column(params.siteColumn, "params.siteColumn");
  if (siteCol.type !== "string") fail("params.siteColumn", `column ${JSON.stringify(params.siteColumn)} is ${siteCol.type}; expected a string column naming each row's site`);
  const site = denseCells(siteCol).map((v, r) => (typeof v === "string" ? v : fail("params.siteColumn", `row ${r + 1} has no site`)));
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

/** Mean and population sd per column of an n × d matrix, summed in row order. */
export const fitStandardization = (x: Float64Array, n: number, d: number): Standardization => {
  const means = new Array<number>(d).fill(0);
  const sds = new Array<number>(d).fill(0);
  for (let j = 0; j < d; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[i * d + j]!;
    const m = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (x[i * d + j]! - m) ** 2;
    means[j] = m;
    sds[j] = Math.sqrt(ss / n);
  }
  return { means, sds };
};

/** (x − mean) / sd per column, a new matrix; a column with sd 0 is only centred. */
export const standardize = (x: Float64Array, n: number, d: number, s: Standardization): Float64Array => {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const sd = s.sds[j]!;
      out[i * d + j] = (x[i * d + j]! - s.means[j]!) / (sd > 0 ? sd : 1);
    }
  }
  return out;
};
