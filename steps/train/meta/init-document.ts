/**
 * `strata-meta-init/1`: what train.meta outputs and the few-shot cells read. A logistic model's meta-learned
 * initialization (`params`: d weights then the bias, for the features standardized with `standardization`), the
 * method and options that produced it, and which sites it saw. Float64 numbers survive the JSON text exactly
 * (shortest round-trip form), so a reader gets the trainer's bits back.
 */
import { Schema } from "effect";
import type { AdaptOptions } from "./adapt.js";

export const META_INIT_FORMAT = "strata-meta-init/1";

export const MetaMethodSchema = Schema.Literals(["reptile", "fomaml", "maml"]);

export const MetaOptionsSchema = Schema.Struct({
  iterations: Schema.Number,
  tasksPerIteration: Schema.Number,
  innerSteps: Schema.Number,
  innerLr: Schema.Number,
  outerLr: Schema.Number,
  supportSize: Schema.Number,
  querySize: Schema.Number,
  l2: Schema.Number,
});

export const MetaInitSchema = Schema.Struct({
  format: Schema.Literal(META_INIT_FORMAT),
  model: Schema.Literal("logistic"),
  method: MetaMethodSchema,
  options: MetaOptionsSchema,
  features: Schema.Array(Schema.String),
  target: Schema.String,
  siteColumn: Schema.String,
  /** Mean and population sd of each feature over the meta-training rows (a constant feature has sd 1). */
  standardization: Schema.Struct({ means: Schema.Array(Schema.Number), sds: Schema.Array(Schema.Number) }),
  params: Schema.Array(Schema.Number),
  /**
   * How a few-shot cell adapts `params` on the held-out site's support set: `steps` full-batch gradient steps at
   * `options.innerLr` (the inner loop's rule), `steps` chosen among `candidates` on the meta-training tasks
   * (select-steps.ts; `meanQueryLoss` per candidate over `draws` support/query draws) for support sets of
   * `options.supportSize` rows: a cell with a much larger k may want more steps than that. train.meta always
   * writes it; a document without it (the contract's fields only) adapts with `options.innerSteps`.
   */
  adaptation: Schema.optional(
    Schema.Struct({
      steps: Schema.Number,
      candidates: Schema.Array(Schema.Number),
      meanQueryLoss: Schema.Array(Schema.Number),
      draws: Schema.Number,
    }),
  ),
  heldOutSite: Schema.String,
  /** In code-unit order of their names; `trainingRows` counts each one's rows, in the same order. */
  trainingSites: Schema.Array(Schema.String),
  trainingRows: Schema.Array(Schema.Number),
}).check(
  Schema.makeFilter((doc) => {
    const d = doc.features.length;
    if (doc.params.length !== d + 1) return { path: ["params"], issue: `${doc.params.length} parameters for ${d} features (expected ${d + 1})` };
    if (doc.standardization.means.length !== d || doc.standardization.sds.length !== d) return { path: ["standardization"], issue: `expected ${d} means and sds` };
    return doc.trainingRows.length === doc.trainingSites.length ? true : { path: ["trainingRows"], issue: "one count per training site" };
  }),
);
export type MetaInit = typeof MetaInitSchema.Type;

/** Decodes a `strata-meta-init/1` document (e.g. a train.meta `init` input's json()); throws a SchemaError naming the field. */
export const decodeMetaInit = Schema.decodeUnknownSync(MetaInitSchema);

/** The initialization as the float64 vector adapt() starts from. */
export const initParams = (doc: MetaInit): Float64Array => Float64Array.from(doc.params);

/** The adapt() options a few-shot cell uses on a support set of `supportRows` rows (one full batch). */
export const adaptOptionsOf = (doc: MetaInit, supportRows: number): AdaptOptions => ({
  steps: doc.adaptation?.steps ?? doc.options.innerSteps,
  lr: doc.options.innerLr,
  batchSize: Math.max(1, supportRows),
  optimizer: "sgd",
  l2: doc.options.l2,
});
