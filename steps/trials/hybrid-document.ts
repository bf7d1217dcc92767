/**
 * The hybrid check's document (`strata-trial-hybrid/1`), written by trial.hybrid and read by report.trial: per
 * group ("overall" first, then the subgroups in code-unit order) the confirmation rate with its Wilson interval,
 * Cohen's kappa on the recommended treatment, the calibration line and bins of N-of-1 benefit on predicted
 * benefit, and the confident-and-wrong count, each with its small-cell visibility (steps/report/suppression.ts:
 * "shown", "small" or "complement"). Values are kept in the document; every report hides what is not "shown".
 */
import { Schema } from "effect";

const Nullable = Schema.NullOr(Schema.Number);
const VisibilitySchema = Schema.Literals(["shown", "small", "complement"]);

export const HybridParams = Schema.Struct({
  better: Schema.Literals(["higher", "lower"]),
  decideBy: Schema.Literals(["shrunken", "raw"]),
  level: Schema.Number,
  minCell: Schema.Number,
  confidentAbove: Schema.Number,
  bins: Schema.Number,
  listPatients: Schema.Boolean,
  subgroup: Schema.NullOr(Schema.String),
});

const HybridBin = Schema.Struct({
  bin: Schema.Number,
  n: Schema.Number,
  predictedMin: Schema.Number,
  predictedMax: Schema.Number,
  meanPredicted: Schema.Number,
  meanBenefit: Schema.Number,
  /** Share of the bin's people whose N-of-1 benefit is positive. */
  shareBenefit: Schema.Number,
  visibility: VisibilitySchema,
});

export const HybridGroup = Schema.Struct({
  group: Schema.String,
  /** People in the group with an N-of-1 result (the basis of every figure of the group). */
  n: Schema.Number,
  visibility: VisibilitySchema,
  confirmation: Schema.Struct({ agree: Schema.Number, rate: Nullable, lower: Nullable, upper: Nullable }),
  /** The 2 × 2 table of recommendations: population model × N-of-1 result. */
  recommendations: Schema.Struct({ bothTreatment: Schema.Number, bothReference: Schema.Number, populationOnly: Schema.Number, nof1Only: Schema.Number }),
  kappa: Schema.Struct({ kappa: Nullable, se: Nullable, lower: Nullable, upper: Nullable }),
  calibration: Schema.Struct({ slope: Nullable, intercept: Nullable, slopeSe: Nullable, correlation: Nullable }),
  bins: Schema.Array(HybridBin),
  confident: Schema.Number,
  confidentVisibility: VisibilitySchema,
  confidentWrong: Schema.Number,
  confidentWrongVisibility: VisibilitySchema,
});
export type HybridGroup = typeof HybridGroup.Type;

export const HybridDocSchema = Schema.Struct({
  format: Schema.Literal("strata-trial-hybrid/1"),
  /** The compared treatments (trial.analyze's); "the treatment" below is `treatment`. */
  reference: Schema.String,
  treatment: Schema.String,
  params: HybridParams,
  /** The rules this document applies, in words (ours where the text says so). */
  definitions: Schema.Struct({
    populationRecommends: Schema.String,
    nof1Recommends: Schema.String,
    confirmed: Schema.String,
    confidentWrong: Schema.String,
    calibration: Schema.String,
  }),
  /** Rows of the patients table; those without an N-of-1 result are `excluded` from every figure. */
  patients: Schema.Number,
  analysed: Schema.Number,
  excluded: Schema.Number,
  groups: Schema.Array(HybridGroup),
  /** Pseudonymous ids of the confident-and-wrong people, only when params.listPatients; else null (counted only). */
  confidentWrongPatients: Schema.NullOr(Schema.Array(Schema.String)),
});
export type HybridDoc = typeof HybridDocSchema.Type;

/** Reads a hybrid document; `fail` receives what is wrong with it. */
export const readHybridDoc = (json: unknown, fail: (problem: string) => never): HybridDoc => {
  try {
    return Schema.decodeUnknownSync(HybridDocSchema)(json);
  } catch (e) {
    return fail(`this is not a strata-trial-hybrid/1 document (from trial.hybrid): ${e instanceof Error ? e.message : String(e)}`);
  }
};
