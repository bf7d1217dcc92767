/**
 * evaluate.few-shot-cell: one cell of a few-shot study, a (held-out site, shot count k, seed). The support set is k
 * labelled patients of the site's training part (support.ts, drawn with the node seed); the query set is the site's
 * whole test part; the other sites' rows (all of them) are the pooled and meta-training data. Every method sees the
 * same support set and is scored on the same query rows, so the methods' results are paired within the cell:
 *   pooled          L2 logistic regression (fitLogistic, exact) on the other sites' rows; no adaptation
 *   pooled+support  the same fitted on the other sites' rows plus the support rows
 *   local-lr        the same fitted on the support rows alone; undefined when k = 0 or the support holds one class
 *   local-adapt     `adapt` on the support rows from the zero model (a gradient-trained local model; defined for any
 *                   k ≥ 1, it stays near p = 0.5 when the support is tiny)
 *   fine-tuned      `adapt` on the support rows from the pooled model
 *   <meta method>   each meta-initialization (train.meta documents, e.g. reptile) adapted on the support rows
 * `params.adapt` is how local-adapt and fine-tuned adapt, and with `metaAdaptation: "shared"` (the default) the meta
 * methods too: the same fixed budget for every adapted method. With "document", a meta method follows its own
 * document's rule instead (full-batch SGD at its inner learning rate for the number of steps train.meta chose on the
 * meta-training tasks: adaptOptionsOf).
 * At k = 0 nothing adapts: fine-tuned is pooled and a meta method is its initialization as learned.
 * Standardisation: the baselines z-score with the mean and population sd of the other sites' rows (preprocess/
 * standardize.ts's fit); a meta method with the standardisation its document records (train.meta fits it on the same rows).
 */
import { Effect, Schema } from "effect";
import type { MetricsHandle, SplitHandle, TableHandle } from "../../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../../dsl/step.js";
import { type NodeOptions, addNode } from "../../../dsl/study.js";
import { ROLE_CODE } from "../../split/split-codec.js";
import { readHoldout } from "../../split/split-table.js";
import { type AdaptOptions, adapt, predictLogistic } from "../../train/meta/adapt.js";
import { inputMatrix } from "../../train/input-matrix.js";
import { LOGISTIC_REGRESSION_DEFAULTS, fitLogistic } from "../../train/logistic-regression.js";
import { CELL_FORMAT, type CellDocument, type MethodScores } from "./cell-document.js";
import { readMetaInit } from "./meta-init.js";
import { type Standardizer, fitStandardizer } from "../../preprocess/standardize.js";
import { type SiteRows, readSiteRows, standardized, takeRows } from "../../train/meta/site-rows.js";
import { drawSupport } from "./support.js";

export const AdaptParams = Schema.Struct({
  steps: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 100_000 })),
  lr: Schema.Number.check(Schema.isGreaterThan(0)),
  batchSize: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)),
  optimizer: Schema.Literals(["adam", "sgd"]),
  l2: Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
});

const Params = Schema.Struct({
  siteColumn: Schema.String,
  site: Schema.String,
  features: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  target: Schema.String,
  shots: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 100_000 })),
  /** Penalty of the logistic regressions (sklearn's 1 / C). */
  l2: Schema.Number.check(Schema.isGreaterThan(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(LOGISTIC_REGRESSION_DEFAULTS.l2))),
  /** How the adapted methods train on the support set. */
  adapt: AdaptParams,
  /** "shared": meta methods adapt by `adapt` too; "document": by their train.meta document's own rule. */
  metaAdaptation: Schema.Literals(["shared", "document"]).pipe(Schema.withDecodingDefaultKey(Effect.succeed("shared" as const))),
});

type Matrix = { readonly x: Float64Array; readonly y: Float64Array; readonly n: number; readonly d: number };

const fitParams = (rows: Matrix, l2: number): Float64Array => {
  const fit = fitLogistic(inputMatrix(rows.n, rows.d, rows.x), rows.y, l2, LOGISTIC_REGRESSION_DEFAULTS.maxIterations);
  return Float64Array.from([...fit.coef, fit.intercept]);
};

const concatRows = (a: Matrix, b: Matrix): Matrix => {
  const x = new Float64Array((a.n + b.n) * a.d);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const y = new Float64Array(a.n + b.n);
  y.set(a.y);
  y.set(b.y, a.n);
  return { x, y, n: a.n + b.n, d: a.d };
};

const standardizedRows = (m: Matrix, s: Standardizer): Matrix => ({ ...m, x: standardized(m.x, m.n, m.d, s) });

export const fewShotCell = defineStep({
  kind: "evaluate.few-shot-cell",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", split: "split", inits: { list: "metrics", mayBeEmpty: true } },
  outputs: { cell: "metrics" },
  run: (inputs, params, ctx) => {
    const table = inputs.table.table();
    const data: SiteRows = readSiteRows(table, params, (field, problem) => ctx.fail(field, problem));
    const roles = readHoldout(inputs.split.table(), data.n, ctx, "inputs.split");
    const own = data.site.flatMap((s, r) => (s === params.site ? [r] : []));
    if (own.length === 0) ctx.fail("params.site", `no row has ${params.siteColumn} = ${JSON.stringify(params.site)}; the sites are ${[...new Set(data.site)].join(", ")}`);
    const others = data.site.flatMap((s, r) => (s !== params.site ? [r] : []));
    if (others.length === 0) ctx.fail("params.site", `every row is from ${JSON.stringify(params.site)}; a held-out site needs other sites to learn from`);
    const support = drawSupport(Int32Array.from(own.filter((r) => roles[r] === ROLE_CODE.train)), data.y, params.shots, (stream) => ctx.random(stream));
    const queryRows = Int32Array.from(own.filter((r) => roles[r] === ROLE_CODE.test));
    if (queryRows.length === 0) ctx.fail("inputs.split", `site ${JSON.stringify(params.site)} has no test rows to score on; give the split a test share`);
    if (support.capped) ctx.log(`${params.site}: k = ${params.shots} capped at the ${support.available} training rows the site has`);

    const pooledRaw = takeRows(data, Int32Array.from(others));
    const supportRaw = takeRows(data, support.rows);
    const queryRaw = takeRows(data, queryRows);
    const s = fitStandardizer(params.features, inputMatrix(pooledRaw.n, pooledRaw.d, pooledRaw.x));
    const pooledRows = standardizedRows(pooledRaw, s);
    const supportRows = standardizedRows(supportRaw, s);
    const queryX = standardized(queryRaw.x, queryRaw.n, queryRaw.d, s);
    const score = (method: string, model: Float64Array, x = queryX): MethodScores => ({ method, probabilities: Array.from(predictLogistic(model, x, queryRaw.n, data.d)) });
    const adapted = (method: string, init: Float64Array, task: Matrix, options: AdaptOptions = params.adapt) =>
      support.rows.length === 0 ? init : adapt(init, task, options, ctx.random(`adapt/${method}`));

    const pooled = fitParams(pooledRows, params.l2);
    const oneClass = support.positives === 0 || support.positives === support.rows.length;
    const methods: MethodScores[] = [
      score("pooled", pooled),
      score("pooled+support", fitParams(concatRows(pooledRows, supportRows), params.l2)),
      support.rows.length === 0 || oneClass
        ? { method: "local-lr", probabilities: null, undefinedBecause: support.rows.length === 0 ? "no support rows (k = 0)" : "the support set holds one class only" }
        : score("local-lr", fitParams(supportRows, params.l2)),
      support.rows.length === 0
        ? { method: "local-adapt", probabilities: null, undefinedBecause: "no support rows (k = 0)" }
        : score("local-adapt", adapted("local-adapt", new Float64Array(data.d + 1), supportRows)),
      score("fine-tuned", adapted("fine-tuned", pooled, supportRows)),
    ];
    const seen = new Set(methods.map((m) => m.method));
    inputs.inits.forEach((input, i) => {
      const init = readMetaInit(input.json(), params, (problem) => ctx.fail(`inputs.inits[${i}]`, problem));
      if (seen.has(init.method)) ctx.fail(`inputs.inits[${i}]`, `a second initialization named ${JSON.stringify(init.method)}; pass one document per method`);
      seen.add(init.method);
      const supportMeta = standardizedRows(supportRaw, init.standardizer);
      const queryMeta = standardized(queryRaw.x, queryRaw.n, queryRaw.d, init.standardizer);
      const options = params.metaAdaptation === "document" ? init.adaptOptions(support.rows.length) : params.adapt;
      methods.push(score(init.method, adapted(init.method, init.params, supportMeta, options), queryMeta));
    });
    const doc: CellDocument = {
      format: CELL_FORMAT,
      site: params.site,
      shots: params.shots,
      seed: ctx.seed,
      support: { size: support.rows.length, positives: support.positives, available: support.available, capped: support.capped },
      query: { labels: Array.from(queryRaw.y) },
      methods,
    };
    return { cell: doc as unknown as JsonValue };
  },
});

/** Where a study's cells come from and how they adapt: everything but the cell's own (site, k, seed). */
export interface FewShotDesign {
  readonly siteColumn: string;
  readonly features: readonly string[];
  readonly target: string;
  readonly l2?: number;
  readonly adapt: AdaptOptions;
  readonly metaAdaptation?: "shared" | "document";
}

/**
 * One node per (site, k, seed), id `cell-<site>-k<k>-s<seed>`, with the node seed = the cell's seed; `inits` gives
 * each site's meta-initializations. A cell's key depends only on its own (site, k, seed) and inputs, so adding a
 * shot count or a seed runs only the new cells.
 */
export const fewShotCells = (
  table: TableHandle,
  split: SplitHandle,
  design: FewShotDesign,
  grid: { readonly sites: readonly string[]; readonly shots: readonly number[]; readonly seeds: readonly number[] },
  inits: (site: string) => readonly MetricsHandle[] = () => [],
): MetricsHandle[] =>
  grid.sites.flatMap((site) =>
    grid.shots.flatMap((shots) =>
      grid.seeds.map((seed) => {
        const options: NodeOptions = { id: `cell-${site.toLowerCase()}-k${shots}-s${seed}`, seed };
        const node = addNode(table.study, fewShotCell, { table, split, inits: inits(site) }, { ...design, site, shots }, options);
        node.requireColumns(table, [design.siteColumn], "params.siteColumn");
        if (table.columns[design.siteColumn] !== "string") node.fail("params.siteColumn", `column ${JSON.stringify(design.siteColumn)} is ${table.columns[design.siteColumn]}; expected a string column naming each row's site`);
        node.requireColumns(table, [design.target], "params.target");
        node.requireColumns(table, design.features, "params.features");
        return node.metrics("cell");
      }),
    ),
  );
