/**
 * trial.analyze: each patient's effect of `treatment` against `reference` in an N-of-1 series, by the mean
 * difference over cycles (paired t), the exact randomization test over the design's randomization set and a
 * regression with trend and AR(1) errors (steps/trials/analysis/analyze-patients.ts says what decides each
 * figure; docs/references.md "N-of-1 analysis" has the formulas). Outputs `effects` (one row per patient, table
 * order) and `summary` (`strata-trial-analysis/1`).
 */
import { Effect, Schema } from "effect";
import { type ColumnData, makeTable } from "../../artifacts/table.js";
import type { MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, type StepContext, type StepInput, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { PRIMARY_METHODS, type PatientEffects, analyzePatients, comparedTreatments } from "./analysis/analyze-patients.js";
import { AR1_ESTIMATIONS } from "./analysis/ar1-regression.js";
import { MAX_RANDOMIZATION_SET, firstScheduleOutside, randomizationSet } from "./analysis/randomization-set.js";
import { readTrialDesign } from "./design-document.js";
import { readTrialDays } from "./trial-days.js";
import { ANALYSIS_SUMMARY_FORMAT, BETTER } from "./analysis-summary.js";

const Level = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true }));

export const TrialAnalyzeParams = Schema.Struct({
  /** The treatment effects are measured against; default the design's first. */
  reference: Schema.optionalKey(Schema.String),
  /** Default the design's second treatment. */
  treatment: Schema.optionalKey(Schema.String),
  /** Minimal clinically important difference on the outcome scale. */
  mcid: Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
  better: Schema.Literals(BETTER).pipe(Schema.withDecodingDefaultKey(Effect.succeed("higher" as const))),
  level: Level.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.95))),
  primary: Schema.Literals(PRIMARY_METHODS).pipe(Schema.withDecodingDefaultKey(Effect.succeed("mean-diff" as const))),
  /** How the AR(1) regression estimates rho: restricted (default) or plain maximum likelihood. */
  ar1Estimation: Schema.Literals(AR1_ESTIMATIONS).pipe(Schema.withDecodingDefaultKey(Effect.succeed("reml" as const))),
  /** Run the exact randomization test (off for designs whose randomization set exceeds 2^16 schedules). */
  exactTest: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(true))),
});
export type TrialAnalyzeParams = typeof TrialAnalyzeParams.Type;

export const EFFECT_COLUMNS = {
  patient: "string",
  cycles: "int",
  days: "int",
  mean_diff: "float",
  mean_diff_se: "float",
  mean_diff_lower: "float",
  mean_diff_upper: "float",
  mean_diff_df: "float",
  t_p: "float",
  randomization_p: "float",
  ar1_effect: "float",
  ar1_se: "float",
  ar1_lower: "float",
  ar1_upper: "float",
  ar1_rho: "float",
  effect: "float",
  se: "float",
  lower: "float",
  upper: "float",
  p_benefit: "float",
  p_mcid: "float",
} as const;

const FLOAT_FIELDS: readonly (readonly [keyof typeof EFFECT_COLUMNS, keyof PatientEffects])[] = [
  ["mean_diff", "meanDiff"],
  ["mean_diff_se", "meanDiffSe"],
  ["mean_diff_lower", "meanDiffLower"],
  ["mean_diff_upper", "meanDiffUpper"],
  ["mean_diff_df", "meanDiffDf"],
  ["t_p", "tP"],
  ["randomization_p", "randomizationP"],
  ["ar1_effect", "ar1Effect"],
  ["ar1_se", "ar1Se"],
  ["ar1_lower", "ar1Lower"],
  ["ar1_upper", "ar1Upper"],
  ["ar1_rho", "ar1Rho"],
  ["effect", "effect"],
  ["se", "se"],
  ["lower", "lower"],
  ["upper", "upper"],
  ["p_benefit", "pBenefit"],
  ["p_mcid", "pMcid"],
];

/** NaN (not estimable) as a null cell. */
export const nullableFloats = (values: Float64Array): (number | null)[] => Array.from(values, (v) => (Number.isNaN(v) ? null : v));

const effectsTable = (effects: PatientEffects) =>
  makeTable([
    { name: "patient", type: "string", values: effects.patients },
    { name: "cycles", type: "int", values: effects.cycles },
    { name: "days", type: "int", values: effects.days },
    ...FLOAT_FIELDS.map(([name, field]): ColumnData => ({ name, type: "float", values: nullableFloats(effects[field] as Float64Array) })),
  ]);

const estimable = (values: Float64Array): number => values.reduce((n, v) => (Number.isNaN(v) ? n : n + 1), 0);

/** The design, the outcomes and the randomization set, with every mismatch between them and the params refused. */
const readAnalysisInputs = (inputs: { readonly design: StepInput; readonly outcomes: StepInput }, params: TrialAnalyzeParams, ctx: StepContext) => {
  const design = readTrialDesign(inputs.design.json(), (problem) => ctx.fail("inputs.design", problem));
  const days = readTrialDays(inputs.outcomes.table(), design.treatments, (problem) => ctx.fail("inputs.outcomes", problem));
  if (days.outcome === undefined) ctx.fail("inputs.outcomes", `the table has no "outcome" column; analyse the outcomes of trial.simulate or trial.check, not a schedule`);
  const periods = design.cycles * design.treatments.length;
  for (let p = 0; p < days.patients.length; p++) {
    for (let r = days.start[p]!; r < days.start[p + 1]!; r++) {
      if (days.period[r]! < 0 || days.period[r]! > periods) {
        ctx.fail("inputs.outcomes", `row ${r + 1} (patient ${JSON.stringify(days.patients[p])}, day ${days.day[r]}): period ${days.period[r]} is outside the design's ${periods} periods (${design.cycles} cycles of ${design.treatments.length} treatments); use the design document made for these data`);
      }
    }
  }
  for (const field of ["reference", "treatment"] as const) {
    const name = params[field];
    if (name !== undefined && !design.treatments.includes(name)) ctx.fail(`params.${field}`, `${JSON.stringify(name)} is not one of the design's treatments (${design.treatments.join(", ")})`);
  }
  const compared = comparedTreatments(design, params);
  if (compared.reference === compared.treatment) ctx.fail("params.treatment", `it is the reference too (${JSON.stringify(design.treatments[compared.reference])}); compare two different treatments`);
  const set = params.exactTest ? randomizationSet(design) : null;
  if (set !== null && "problem" in set) return ctx.fail("params.exactTest", `${set.problem}, or set exactTest: false`);
  const outside = set === null ? undefined : firstScheduleOutside(days, set);
  if (outside !== undefined) {
    const order = outside.codes.map((t) => design.treatments[t]).join(" ");
    ctx.fail("inputs.outcomes", `patient ${JSON.stringify(days.patients[outside.patient])} follows the schedule ${order}, which the ${design.design} design of the design document cannot draw, so the exact randomization test would not be exact; give the design the data followed (trial.check's design), or set exactTest: false`);
  }
  return { design, days, reference: design.treatments[compared.reference]!, treatment: design.treatments[compared.treatment]!, set };
};

const METHODS = {
  meanDiff: "difference of the treatments' period means per cycle; paired t interval over cycles (df = cycles - 1); two-sided one-sample t test decides t_p",
  randomization: "exact randomization test: mean(treatment days) - mean(reference days) under every schedule of the design's randomization set, outcomes fixed; two-sided p = share of schedules with |statistic| >= |observed|",
  ar1: "outcome ~ 1 + treatment + day with AR(1) errors on the daily grid, rho by exact restricted (reml) or plain (ml) maximum likelihood (unanalysed days are gaps: rho^gap); GLS standard error at the estimated rho, t interval with n - 3 df",
  posterior: "flat prior on the primary effect, t reference with the method's df: P(benefit > m) = F_t((benefit - m) / se); a normal-theory approximation (our labelling)",
};

export const trialAnalyzeStep = defineStep({
  kind: "trial.analyze",
  module: import.meta.url,
  params: TrialAnalyzeParams,
  inputs: { design: "metrics", outcomes: "table" },
  outputs: { effects: "table", summary: "metrics" },
  run: (inputs, params, ctx) => {
    const { design, days, reference, treatment, set } = readAnalysisInputs(inputs, params, ctx);
    const effects = analyzePatients(days, design, { ...params, randomizationSet: set });
    ctx.log(`${days.patients.length} patients, ${estimable(effects.effect)} with an effect of ${treatment} vs ${reference} (primary: ${params.primary})`);
    // Two-sided over a set symmetric in the treatments, the observed schedule and its mirror image both count.
    const smallestP = set === null ? null : Math.min(1, 2 / set.count);
    if (smallestP !== null && smallestP > 1 - params.level) ctx.log(`the ${design.design} design has ${set!.count} possible schedules, so the exact randomization p is never below ${smallestP}`);
    const summary: JsonValue = {
      format: ANALYSIS_SUMMARY_FORMAT,
      reference,
      treatment,
      mcid: params.mcid,
      better: params.better,
      level: params.level,
      primary: params.primary,
      ar1Estimation: params.ar1Estimation,
      design: design.design,
      patients: days.patients.length,
      estimable: {
        meanDiff: estimable(effects.meanDiff),
        randomization: estimable(effects.randomizationP),
        ar1: estimable(effects.ar1Effect),
        primary: estimable(effects.effect),
      },
      randomizationSet: set === null ? null : set.count,
      smallestRandomizationP: smallestP,
      maxRandomizationSet: MAX_RANDOMIZATION_SET,
      methods: METHODS,
    };
    return { effects: effectsTable(effects), summary };
  },
});

export type TrialAnalyzeOptions = Partial<TrialAnalyzeParams>;

/** e.g. const { effects, summary } = analyzeTrial(sim.design, sim.outcomes, { mcid: 0.5, primary: "ar1" }). */
export const analyzeTrial = (
  design: MetricsHandle,
  outcomes: TableHandle,
  params: TrialAnalyzeOptions = {},
  options?: NodeOptions,
): { readonly effects: TableHandle<typeof EFFECT_COLUMNS>; readonly summary: MetricsHandle } => {
  const node = addNode(outcomes.study, trialAnalyzeStep, { design, outcomes }, params, options);
  if (!("outcome" in outcomes.columns)) node.fail("inputs.outcomes", `the table has no "outcome" column; pass the outcomes of trial.simulate or trial.check, not the schedule of trial.design`);
  node.requireColumns(outcomes, ["patient", "day", "period", "cycle", "treatment", "phase"], "inputs.outcomes");
  return { effects: node.table("effects", EFFECT_COLUMNS), summary: node.metrics("summary") };
};
