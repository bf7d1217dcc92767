/**
 * train.meta: meta-learns a logistic model's initialization across the sites of a multi-site table, holding one
 * site out (meta-train.ts: Reptile, first-order or exact second-order MAML). Each site but the held-out one is a
 * task; features are standardized with the meta-training rows' statistics (site-tasks.ts). Output `init` is a
 * `strata-meta-init/1` document (init-document.ts) that a few-shot cell adapts on the held-out site's support set.
 * Tasks, support and query rows are drawn from the node's `meta-train` stream.
 */
import { Effect, Schema } from "effect";
import type { Columns, MetricsHandle, TableHandle } from "../../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../../dsl/step.js";
import { type NodeOptions, addNode } from "../../../dsl/study.js";
import { rowLinesInput, rowNamer, rowSourceFields, rowSourceWiring } from "../../row-reference.js";
import { META_INIT_FORMAT, type MetaInit, MetaMethodSchema } from "./init-document.js";
import { type MetaOptions, metaTrain, rowsPerDraw } from "./meta-train.js";
import { readSiteTasks } from "./site-tasks.js";

export const META_DEFAULTS = {
  method: "reptile",
  iterations: 1000,
  tasksPerIteration: 4,
  innerSteps: 5,
  innerLr: 0.1,
  outerLr: 0.5,
  supportSize: 10,
  querySize: 10,
  l2: 0,
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
    const needed = rowsPerDraw(options);
    tasks.forEach((task, t) => {
      if (task.n < needed) {
        ctx.fail(
          params.method === "reptile" ? "params.supportSize" : "params.querySize",
          `site ${JSON.stringify(sites[t])} has ${task.n} rows, and each ${params.method} draw takes ${needed} distinct ones (support ${params.supportSize}${params.method === "reptile" ? "" : ` + query ${params.querySize}`}); lower them or leave that site out of the table`,
        );
      }
    });
    ctx.log(`meta-training (${params.method}) on ${sites.map((s, t) => `${s} (${tasks[t]!.n} rows)`).join(", ")}; holding out ${params.heldOut}`);
    const init = metaTrain(tasks, options, ctx.random("meta-train"));
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
