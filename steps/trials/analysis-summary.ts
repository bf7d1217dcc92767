/**
 * trial.analyze's `summary` document (`strata-trial-analysis/1`) as its readers (trial.pool, trial.hybrid,
 * report.trial) decode it: the compared treatments, the benefit direction, the MCID, the level and the methods.
 */
import { Schema } from "effect";
import type { StepContext, StepInput } from "../../dsl/step.js";

export const ANALYSIS_SUMMARY_FORMAT = "strata-trial-analysis/1";

/** Which direction of the outcome is better (benefit = effect, or −effect). */
export const BETTER = ["higher", "lower"] as const;

export const AnalysisSummarySchema = Schema.Struct({
  format: Schema.Literal(ANALYSIS_SUMMARY_FORMAT),
  reference: Schema.String,
  treatment: Schema.String,
  mcid: Schema.Number,
  better: Schema.Literals(BETTER),
  level: Schema.Number,
  primary: Schema.String,
  /** Each method's description, by method. */
  methods: Schema.Record(Schema.String, Schema.String),
});
export type AnalysisSummary = typeof AnalysisSummarySchema.Type;

/** Decodes the summary input, or fails the step naming `field`. */
export const readAnalysisSummary = (input: StepInput, ctx: StepContext, field = "inputs.summary"): AnalysisSummary => {
  try {
    return Schema.decodeUnknownSync(AnalysisSummarySchema)(input.json());
  } catch (e) {
    return ctx.fail(field, `this is not a ${ANALYSIS_SUMMARY_FORMAT} summary (from trial.analyze): ${e instanceof Error ? e.message : String(e)}`);
  }
};
