/**
 * The fitted-generator document (`strata-synth-generator/1`) that synth.fit writes and synth.sample reads: a union
 * by `method`, each method with its own fields beside the common ones (the fitted table's columns, in table order,
 * and the condition column when one model was fitted per level). A new method adds one member to
 * `GeneratorDocumentSchema`, one fitter in steps/synth/fit.ts and one sampler in steps/synth/sample.ts.
 *
 * The document holds the real table's marginals (every distinct value of a numeric column), so it is as
 * sensitive as the data: share the sampled table, never the generator.
 */
import { Schema } from "effect";
import { VaeGeneratorFields } from "./vae/document.js";

const Count = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0));
const Probability = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1));

export const GeneratorColumnSchema = Schema.Struct({
  name: Schema.String,
  type: Schema.Literals(["float", "int", "string", "bool"]),
});
export type GeneratorColumn = typeof GeneratorColumnSchema.Type;

/** The fields every method's document has. */
export const GeneratorCommonFields = {
  format: Schema.Literal("strata-synth-generator/1"),
  /** The fitted table's columns in table order: the sampled table has exactly these, with these types. */
  columns: Schema.Array(GeneratorColumnSchema).check(Schema.isMinLength(1)),
  /** The string column with one model per level, when the fit was conditioned. */
  condition: Schema.optionalKey(Schema.String),
};

/** A numeric column's empirical CDF: sorted distinct values, cumulative[i] = share of set cells ≤ values[i]. */
const NumericMarginal = Schema.Struct({
  kind: Schema.Literal("numeric"),
  values: Schema.Array(Schema.Number),
  cumulative: Schema.Array(Probability),
});

/** A string or bool column's levels (code-unit order; false before true) and their shares of the set cells. */
const LevelMarginal = Schema.Struct({
  kind: Schema.Literal("levels"),
  levels: Schema.Union([Schema.Array(Schema.String), Schema.Array(Schema.Boolean)]),
  frequencies: Schema.Array(Probability),
});

export const MarginalSchema = Schema.Union([NumericMarginal, LevelMarginal]);
export type Marginal = typeof MarginalSchema.Type;

/** One fitted copula: over every row, or over the rows of one level of the condition column. */
const CopulaModel = Schema.Struct({
  /** The condition level these rows have; absent for an unconditioned fit. */
  level: Schema.optionalKey(Schema.String),
  rows: Count,
  /** One per column but the condition, in `columns` order (empty marginals for a column without set cells). */
  marginals: Schema.Array(MarginalSchema),
  missingRates: Schema.Array(Probability),
  /** The latent normals' correlation (steps/synth/gaussian-copula-correlation.ts), row-major, positive definite. */
  correlation: Schema.Array(Schema.Array(Schema.Number)),
  /** λ in (1 − λ)·R + λ·I, the least shrinkage (to 2^-30) that made the matched correlations positive definite. */
  shrinkage: Probability,
});
export type CopulaModel = typeof CopulaModel.Type;

const copulaShapes = Schema.makeFilter((d: { readonly columns: readonly GeneratorColumn[]; readonly condition?: string; readonly models: readonly CopulaModel[] }) => {
  const k = d.columns.filter((c) => c.name !== d.condition).length;
  for (const [i, m] of d.models.entries()) {
    if (m.marginals.length !== k || m.missingRates.length !== k) return { path: ["models", i], issue: `expected ${k} marginals and missing rates, one per copula column` };
    if (m.correlation.length !== k || m.correlation.some((row) => row.length !== k)) return { path: ["models", i, "correlation"], issue: `expected a ${k} × ${k} matrix` };
    if ((m.level === undefined) !== (d.condition === undefined)) return { path: ["models", i, "level"], issue: "a conditioned generator names every model's level, an unconditioned one none" };
  }
  return d.condition === undefined && d.models.length !== 1 ? { path: ["models"], issue: "an unconditioned generator has exactly one model" } : true;
});

export const GaussianCopulaGeneratorSchema = Schema.Struct({
  ...GeneratorCommonFields,
  method: Schema.Literal("gaussian-copula"),
  /** One model per condition level in code-unit order, or one model. */
  models: Schema.Array(CopulaModel).check(Schema.isMinLength(1)),
}).check(copulaShapes);
export type GaussianCopulaGenerator = typeof GaussianCopulaGeneratorSchema.Type;

/** A tabular VAE (steps/synth/vae/): the encoding, network shape and trained parameters. */
export const VaeGeneratorSchema = Schema.Struct({ ...GeneratorCommonFields, ...VaeGeneratorFields });
export type VaeGenerator = typeof VaeGeneratorSchema.Type;

export const GeneratorDocumentSchema = Schema.Union([GaussianCopulaGeneratorSchema, VaeGeneratorSchema]);
export type GeneratorDocument = typeof GeneratorDocumentSchema.Type;

/** Reads a generator document; `fail` receives what is wrong with it. */
export const readGeneratorDocument = (json: unknown, fail: (problem: string) => never): GeneratorDocument => {
  try {
    return Schema.decodeUnknownSync(GeneratorDocumentSchema)(json);
  } catch (e) {
    return fail(`this is not a strata-synth-generator/1 document (from synth.fit): ${e instanceof Error ? e.message : String(e)}`);
  }
};
