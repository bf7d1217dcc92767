/**
 * The N-of-1 design document (`strata-trial-design/1`): what trial.design writes and trial.check declares for real
 * data, and what the analysis reads to know the periods it may compare and the randomization set of the exact test.
 *
 * Design kinds, for treatments T = [A, B, ...] (k of them) and c cycles of k periods each:
 *   - alternating: one order of T, drawn per patient, repeated in every cycle (ABAB…; k! possible schedules);
 *   - counterbalanced: an order drawn per patient, then its reverse, alternating by cycle (ABBA…; k! schedules);
 *   - randomized-cycles: an independent order drawn for every cycle ((k!)^c schedules);
 *   - randomized: any sequence of c·k periods with each treatment c times and no treatment in more than `maxRun`
 *     consecutive periods, drawn uniformly per patient.
 * Every period lasts `periodDays` days; its first `washoutDays` are kept in the data with phase "washout" and left
 * out of the analysis. `baselineDays` (no treatment) and then `runInDays` (no treatment) precede the first period.
 */
import { Schema } from "effect";

export const DESIGN_KINDS = ["alternating", "counterbalanced", "randomized-cycles", "randomized"] as const;
export type DesignKind = (typeof DESIGN_KINDS)[number];

const Count = (minimum: number) => Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(minimum));

export const TrialDesignSchema = Schema.Struct({
  format: Schema.Literal("strata-trial-design/1"),
  /** The treatments compared; the first is the reference the effect is measured against. */
  treatments: Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isMinLength(2), Schema.isUnique({ message: "a treatment is listed twice" })),
  design: Schema.Literals(DESIGN_KINDS),
  cycles: Count(1),
  periodDays: Count(1),
  washoutDays: Count(0),
  baselineDays: Count(0),
  runInDays: Count(0),
  /** randomized only: the longest run of consecutive periods on one treatment. */
  maxRun: Schema.optionalKey(Count(1)),
}).check(
  Schema.makeFilter((d) => d.washoutDays < d.periodDays || { path: ["washoutDays"], issue: `a washout of ${d.washoutDays} days leaves no analysed day in a ${d.periodDays}-day period; make it shorter than periodDays` }),
);
export type TrialDesign = typeof TrialDesignSchema.Type;

/** Reads a design document; `fail` receives what is wrong with it. */
export const readTrialDesign = (json: unknown, fail: (problem: string) => never): TrialDesign => {
  try {
    return Schema.decodeUnknownSync(TrialDesignSchema)(json);
  } catch (e) {
    return fail(`this is not a strata-trial-design/1 document (from trial.design or trial.check): ${e instanceof Error ? e.message : String(e)}`);
  }
};

/** Days one patient's schedule spans. */
export const scheduleDays = (d: TrialDesign): number => d.baselineDays + d.runInDays + d.cycles * d.treatments.length * d.periodDays;
