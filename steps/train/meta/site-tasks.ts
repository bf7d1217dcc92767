/**
 * A multi-site table as meta-learning tasks: one task per site other than the held-out one, each site's rows in
 * table order, standardized with the mean and population sd of all those meta-training rows together (fitted
 * without a single held-out row; preprocess/standardize.ts's fit, so a constant column is only centred).
 * Columns are read whole into typed arrays; no row becomes a JS object.
 */
import type * as arrow from "apache-arrow";
import { type DenseColumn, denseStringsOf, isValidAt } from "../../../artifacts/dense-column.js";
import { denseColumn } from "../../../artifacts/table.js";
import type { StepContext } from "../../../dsl/step.js";
import { type Standardizer, fitStandardizer, standardizeInPlace } from "../../preprocess/standardize.js";
import { inputMatrix } from "../input-matrix.js";
import type { Task } from "./task.js";

export interface SiteTaskParams {
  readonly site: string;
  readonly heldOut: string;
  readonly features: readonly string[];
  readonly target: string;
}

export interface SiteTasks {
  /** The meta-training sites in code-unit order of their names, and their tasks in that order. */
  readonly sites: readonly string[];
  readonly tasks: readonly Task[];
  readonly standardizer: Standardizer;
}

type RowName = (r: number) => string;

const firstMissing = (col: DenseColumn): number => {
  let r = 0;
  while (isValidAt(col, r)) r++;
  return r;
};

const numericColumn = (table: arrow.Table, name: string, field: string, ctx: StepContext, rowName: RowName): DenseColumn => {
  const col = denseColumn(table, name);
  if (col === undefined) return ctx.fail(field, `unknown column ${JSON.stringify(name)}; the input table has ${table.schema.fields.map((f) => f.name).join(", ")}`);
  if (col.type !== "float" && col.type !== "int") ctx.fail(field, `column ${JSON.stringify(name)} is ${col.type}; expected a numeric column (one-hot encode categories first)`);
  if (col.nullCount > 0) ctx.fail(field, `column ${JSON.stringify(name)} is missing at ${rowName(firstMissing(col))}; drop or impute missing values first (preprocess.drop-missing, preprocess.impute)`);
  return col;
};

const siteNames = (table: arrow.Table, params: SiteTaskParams, ctx: StepContext, rowName: RowName): string[] => {
  const col = denseColumn(table, params.site);
  if (col === undefined) return ctx.fail("params.site", `unknown column ${JSON.stringify(params.site)}; the input table has ${table.schema.fields.map((f) => f.name).join(", ")}`);
  if (col.type !== "string") ctx.fail("params.site", `column ${JSON.stringify(params.site)} is ${col.type}; expected a string column naming each row's site`);
  const names = denseStringsOf(col);
  const missing = names.indexOf(null);
  if (missing >= 0) ctx.fail("params.site", `column ${JSON.stringify(params.site)} has no site at ${rowName(missing)}; every row needs one`);
  return names as string[];
};

/** Reads the table into the meta-training tasks (every site but `heldOut`) and their standardization. */
export const readSiteTasks = (table: arrow.Table, params: SiteTaskParams, ctx: StepContext, rowName: RowName): SiteTasks => {
  const names = siteNames(table, params, ctx, rowName);
  const levels = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (!levels.includes(params.heldOut)) ctx.fail("params.heldOut", `no row has site ${JSON.stringify(params.heldOut)}; the sites are ${levels.join(", ")}`);
  const sites = levels.filter((s) => s !== params.heldOut);
  if (sites.length === 0) ctx.fail("params.heldOut", `${JSON.stringify(params.heldOut)} is the only site; meta-training needs at least one other`);
  const features = params.features.map((name, j) => numericColumn(table, name, `params.features[${j}]`, ctx, rowName).values);
  const labels = numericColumn(table, params.target, "params.target", ctx, rowName).values;
  for (let r = 0; r < labels.length; r++) {
    if (labels[r] !== 0 && labels[r] !== 1) ctx.fail("params.target", `column ${JSON.stringify(params.target)} is ${labels[r]} at ${rowName(r)}; expected 0/1 labels (preprocess.binary-target)`);
  }
  const d = features.length;
  const siteIndex = new Map(sites.map((s, t) => [s, t]));
  const counts = new Int32Array(sites.length);
  for (const name of names) {
    const t = siteIndex.get(name);
    if (t !== undefined) counts[t]!++;
  }
  // All meta-training rows in one matrix, grouped by site (each site's rows in table order), so each task is a view.
  const starts = new Int32Array(sites.length + 1);
  for (let t = 0; t < sites.length; t++) starts[t + 1] = starts[t]! + counts[t]!;
  const total = starts[sites.length]!;
  const x = new Float64Array(total * d);
  const y = new Float64Array(total);
  const next = starts.slice(0, sites.length);
  for (let r = 0; r < names.length; r++) {
    const t = siteIndex.get(names[r]!);
    if (t === undefined) continue;
    const i = next[t]!++;
    for (let j = 0; j < d; j++) x[i * d + j] = features[j]![r]!;
    y[i] = labels[r]!;
  }
  const matrix = inputMatrix(total, d, x);
  const standardizer = fitStandardizer(params.features, matrix);
  standardizeInPlace(standardizer, matrix);
  const tasks = sites.map((_, t): Task => {
    const n = counts[t]!;
    return { x: x.subarray(starts[t]! * d, starts[t + 1]! * d), y: y.subarray(starts[t]!, starts[t + 1]!), n, d };
  });
  return { sites, tasks, standardizer };
};
