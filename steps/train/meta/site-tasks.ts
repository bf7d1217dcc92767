/**
 * A multi-site table as meta-learning tasks: one task per site other than the held-out one, each site's rows in
 * table order, standardized with the mean and population sd of all those meta-training rows together (fitted
 * without a single held-out row; preprocess/standardize.ts's fit, so a constant column is only centred).
 * Columns are read whole into typed arrays; no row becomes a JS object.
 */
import type * as arrow from "apache-arrow";
import type { StepContext } from "../../../dsl/step.js";
import { type Standardizer, fitStandardizer, standardizeInPlace } from "../../preprocess/standardize.js";
import { inputMatrix } from "../input-matrix.js";
import { readSiteRows } from "./site-rows.js";
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

/** Reads the table into the meta-training tasks (every site but `heldOut`) and their standardization. */
export const readSiteTasks = (table: arrow.Table, params: SiteTaskParams, ctx: StepContext, rowName: (r: number) => string): SiteTasks => {
  const rows = readSiteRows(table, { features: params.features, target: params.target, siteColumn: params.site }, (field, problem) => ctx.fail(field === "params.siteColumn" ? "params.site" : field, problem), rowName);
  const levels = [...new Set(rows.site)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (!levels.includes(params.heldOut)) ctx.fail("params.heldOut", `no row has site ${JSON.stringify(params.heldOut)}; the sites are ${levels.join(", ")}`);
  const sites = levels.filter((s) => s !== params.heldOut);
  if (sites.length === 0) ctx.fail("params.heldOut", `${JSON.stringify(params.heldOut)} is the only site; meta-training needs at least one other`);
  const { d } = rows;
  const siteIndex = new Map(sites.map((s, t) => [s, t]));
  const counts = new Int32Array(sites.length);
  for (const name of rows.site) {
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
  for (let r = 0; r < rows.n; r++) {
    const t = siteIndex.get(rows.site[r]!);
    if (t === undefined) continue;
    const i = next[t]!++;
    x.set(rows.x.subarray(r * d, (r + 1) * d), i * d);
    y[i] = rows.y[r]!;
  }
  const matrix = inputMatrix(total, d, x);
  const standardizer = fitStandardizer(params.features, matrix);
  standardizeInPlace(standardizer, matrix);
  const tasks = sites.map((_, t): Task => ({ x: x.subarray(starts[t]! * d, starts[t + 1]! * d), y: y.subarray(starts[t]!, starts[t + 1]!), n: counts[t]!, d }));
  return { sites, tasks, standardizer };
};
