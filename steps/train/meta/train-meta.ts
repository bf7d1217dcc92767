/**
 * train.meta: meta-learns a logistic model's initialization across the sites of a multi-site table, holding one
 * site out (meta-train.ts: Reptile, first-order or exact second-order MAML). Each site but the held-out one is a
 * task; features are standardized with the meta-training rows' statistics (site-tasks.ts). Output `init` is a
 * `strata-meta-init/1` document (init-document.ts) that a few-shot cell adapts on the held-out site's support set.
 * It also fixes how many adaptation steps the init gets on a new site, chosen on the meta-training tasks
 * (select-steps.ts). Tasks, support and query rows are drawn from the node's `meta-train` and `adapt-steps` streams.
 */
import { Effect, Schema } from "effect";
import type { Columns, MetricsHandle, TableHandle } from "../../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../../dsl/step.js";
import { type NodeOptions, addNode } from "../../../dsl/study.js";
import { rowLinesInput, rowNamer, rowSourceFields, rowSourceWiring } from "../../row-reference.js";
import { META_INIT_FORMAT, type MetaInit, MetaMethodSchema } from "./init-document.js";
import { type MetaOptions, metaTrain } from "./meta-train.js";
import { selectAdaptSteps } from "./select-steps.js";
import { readSiteTasks } from "./site-tasks.js";

/** Defaults as in the planted test (test/steps/train-meta-planted.test.ts), which holds with them. */
export const META_DEFAULTS = {
  method: "reptile",
  iterations: 1000,
  tasksPerIteration: 4,
  innerSteps: 5,
  innerLr: 0.5,
  outerLr: 0.5,
  supportSize: 10,
  querySize: 10,
  l2: 0,
  adaptStepCandidates: [0, 1, 2, 3, 5, 8, 13, 20],
  selectionDraws: 200,
} as const;

const withDefault = <S extends Schema.Top>(schema: S, value: S["Type"]) => schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)));
const Whole = (minimum: number, maximum: number) => Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum, maximum }));
const Rate = Schema.Number.check(Schema.isGreaterThan(0), Schema.isFinite());

const Params = Schema.Struct({
  /** The string column naming each row's site. */
  site: Schema.String,
  /** The site left out of meta-training (the new hospital). */
  heldOut: Schema.String,
  features: Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isUnique({ message: "a feature is listed twice" })),
  target: Schema.String,
  ...rowSourceFields,
  method: withDefault(MetaMethodSchema, META_DEFAULTS.method),
  iterations: withDefault(Whole(0, 1_000_000), META_DEFAULTS.iterations),
  /** Tasks sampled (with replacement) per outer update. */
  tasksPerIteration: withDefault(Whole(1, 1000), META_DEFAULTS.tasksPerIteration),
  /** Full-batch gradient steps on the support set per task. */
  innerSteps: withDefault(Whole(0, 1000), META_DEFAULTS.innerSteps),
  innerLr: withDefault(Rate, META_DEFAULTS.innerLr),
  /** Reptile's ε or MAML's β. */
  outerLr: withDefault(Rate, META_DEFAULTS.outerLr),
  supportSize: withDefault(Whole(1, 100_000), META_DEFAULTS.supportSize),
  /** Query rows per task for the MAML variants (Reptile draws none). */
  querySize: withDefault(Whole(1, 100_000), META_DEFAULTS.querySize),
  /** Penalty λ on ‖w‖² / 2 in the inner and query losses. */
  l2: withDefault(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isFinite()), META_DEFAULTS.l2),
  /** Adaptation step counts to choose from on the meta-training tasks (select-steps.ts); one value fixes it. */
  adaptStepCandidates: withDefault(
    Schema.Array(Whole(0, 10_000)).check(
      Schema.isMinLength(1),
      Schema.makeFilter((c) => c.every((v, i) => i === 0 || v > c[i - 1]!) || "list the step counts in ascending order, each once"),
    ),
    META_DEFAULTS.adaptStepCandidates,
  ),
  /** Support/query draws from the meta-training tasks that score each candidate. */
  selectionDraws: withDefault(Whole(1, 100_000), META_DEFAULTS.selectionDraws),
});
export type TrainMetaParams = typeof Params.Type;

export const trainMetaStep = defineStep({
  kind: "train.meta",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", ...rowLinesInput },
  outputs: { init: "metrics" },
  run: (inputs, params, ctx) => {
    const rowName = rowNamer("table", params.rowSource, inputs.rowLines);
    const { sites, tasks, standardizer } = readSiteTasks(inputs.table.table(), params, ctx, rowName);
    const options: MetaOptions = {
      method: params.method,
      iterations: params.iterations,
      tasksPerIteration: params.tasksPerIteration,
      innerSteps: params.innerSteps,
      innerLr: params.innerLr,
      outerLr: params.outerLr,
      supportSize: params.supportSize,
      querySize: params.querySize,
      l2: params.l2,
    };
    // Choosing the adaptation steps draws support and query sets, whatever the method.
    const needed = params.supportSize + params.querySize;
    tasks.forEach((task, t) => {
      if (task.n < needed) {
        ctx.fail(
          "params.querySize",
          `site ${JSON.stringify(sites[t])} has ${task.n} rows, and each draw takes ${needed} distinct ones (support ${params.supportSize} + query ${params.querySize}); lower them or leave that site out of the table`,
        );
      }
    });
    ctx.log(`meta-training (${params.method}) on ${sites.map((s, t) => `${s} (${tasks[t]!.n} rows)`).join(", ")}; holding out ${params.heldOut}`);
    const init = metaTrain(tasks, options, ctx.random("meta-train"));
    const selection = selectAdaptSteps(
      init,
      tasks,
      { candidates: params.adaptStepCandidates, draws: params.selectionDraws, supportSize: params.supportSize, querySize: params.querySize, innerLr: params.innerLr, l2: params.l2 },
      ctx.random("adapt-steps"),
    );
    if (!init.every(Number.isFinite) || !selection.meanQueryLoss.every(Number.isFinite)) {
      ctx.fail("params.innerLr", "meta-training diverged (a parameter or a loss became infinite or NaN); lower innerLr or outerLr");
    }
    ctx.log(`adaptation: ${selection.steps} steps (mean query loss ${selection.meanQueryLoss.map((l, c) => `${params.adaptStepCandidates[c]}: ${l.toFixed(4)}`).join(", ")})`);
    ctx.progress(1, 1);
    const { method, ...rest } = options;
    const doc: MetaInit = {
      format: META_INIT_FORMAT,
      model: "logistic",
      method,
      options: rest,
      features: [...params.features],
      target: params.target,
      siteColumn: params.site,
      standardization: { means: [...standardizer.mean], sds: [...standardizer.sd] },
      params: Array.from(init),
      adaptation: { steps: selection.steps, candidates: [...params.adaptStepCandidates], meanQueryLoss: selection.meanQueryLoss, draws: params.selectionDraws },
      heldOutSite: params.heldOut,
      trainingSites: [...sites],
      trainingRows: tasks.map((t) => t.n),
    };
    return { init: doc as unknown as JsonValue };
  },
});

type MetaParamsEncoded = typeof Params.Encoded;

/** What the builder takes: the column params narrowed to the table's columns, every other param optional. */
export type TrainMetaOptions<C extends Columns> = Readonly<Omit<MetaParamsEncoded, "site" | "features" | "target" | "rowSource">> & {
  readonly site: keyof C & string;
  readonly features: readonly (keyof C & string)[];
  readonly target: keyof C & string;
};

/** e.g. trainMeta(table, { site: "site", heldOut: "VA", features, target: "target", method: "reptile" }). */
export const trainMeta = <C extends Columns>(table: TableHandle<C>, params: TrainMetaOptions<C>, options?: NodeOptions): MetricsHandle => {
  const rows = rowSourceWiring(table);
  const node = addNode(table.study, trainMetaStep, { table, rowLines: rows.rowLines }, { ...params, ...rows.params }, options);
  node.requireColumns(table, [params.site], "params.site");
  if (table.columns[params.site] !== "string") node.fail("params.site", `column ${JSON.stringify(params.site)} is ${table.columns[params.site]}; expected a string column naming each row's site`);
  node.requireColumns(table, params.features, "params.features");
  node.requireColumns(table, [params.target], "params.target");
  return node.metrics("init");
};
