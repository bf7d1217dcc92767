/**
 * trial.pool: the series of per-patient effects from trial.analyze pooled in the normal-normal model
 * δ̂_i ~ N(δ_i, se_i²), δ_i ~ N(μ, τ²), by REML with empirical-Bayes (shrunken) effects and by a seeded Gibbs
 * sampler (steps/trials/analysis/pool-effects.ts; docs/references.md "N-of-1 analysis"). Outputs `shrunken` (one
 * row per patient of `effects`, nulls where a patient had no effect) and `pooled` (`strata-trial-pool/1`).
 */
import type * as arrow from "apache-arrow";
import { Effect, Schema } from "effect";
import { denseColumn, makeTable } from "../../artifacts/table.js";
import { denseStringsOf, isValidAt } from "../../artifacts/dense-column.js";
import type { MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { poolEffects, unpoolable } from "./analysis/pool-effects.js";
import { type EFFECT_COLUMNS, nullableFloats } from "./analyze.js";
import { BETTER, readAnalysisSummary } from "./analysis-summary.js";

const Count = (minimum: number) => Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(minimum));

export const TrialPoolParams = Schema.Struct({
  /** Default: the analysis summary's. */
  mcid: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))),
  better: Schema.optionalKey(Schema.Literals(BETTER)),
  level: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true }))),
  gibbs: Schema.Struct({
    draws: Count(100).pipe(Schema.withDecodingDefaultKey(Effect.succeed(2000))),
    burnIn: Count(0).pipe(Schema.withDecodingDefaultKey(Effect.succeed(500))),
    chains: Count(1).pipe(Schema.withDecodingDefaultKey(Effect.succeed(2))),
    /** Scale A of the half-Cauchy(0, A) prior on τ; default 10 × the median standard error (our default). */
    tauScale: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  }).pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
});
export type TrialPoolParams = typeof TrialPoolParams.Type;

export const SHRUNKEN_COLUMNS = {
  patient: "string",
  effect: "float",
  se: "float",
  shrunken: "float",
  shrunken_lower: "float",
  shrunken_upper: "float",
  p_positive: "float",
  p_mcid: "float",
  gibbs_mean: "float",
  gibbs_lower: "float",
  gibbs_upper: "float",
  gibbs_p_positive: "float",
  gibbs_p_mcid: "float",
} as const;

/** A float column of the effects table, null cells as NaN. */
const floatColumn = (table: arrow.Table, name: string, ctx: StepContext): Float64Array => {
  const col = denseColumn(table, name);
  if (col === undefined || col.type !== "float") ctx.fail("inputs.effects", `the effects table needs a float column ${JSON.stringify(name)} (from trial.analyze); ${col === undefined ? "it is missing" : `it is ${col.type}`}`);
  const values = col!.values as Float64Array;
  return Float64Array.from({ length: table.numRows }, (_, r) => (isValidAt(col!, r) ? values[r]! : Number.NaN));
};

export const trialPoolStep = defineStep({
  kind: "trial.pool",
  module: import.meta.url,
  params: TrialPoolParams,
  inputs: { effects: "table", summary: "metrics" },
  outputs: { shrunken: "table", pooled: "metrics" },
  run: (inputs, params, ctx) => {
    const summary = readAnalysisSummary(inputs.summary, ctx);
    const table = inputs.effects.table();
    const patientColumn = denseColumn(table, "patient");
    if (patientColumn === undefined || patientColumn.type !== "string") ctx.fail("inputs.effects", `the effects table needs a string column "patient" (from trial.analyze)`);
    const patients = denseStringsOf(patientColumn!);
    const effect = floatColumn(table, "effect", ctx);
    const se = floatColumn(table, "se", ctx);
    const mcid = params.mcid ?? summary.mcid;
    const better = params.better ?? summary.better;
    const level = params.level ?? summary.level;
    const problem = unpoolable(effect, se);
    if (problem !== undefined) ctx.fail("inputs.effects", `${problem}; give trial.analyze patients with at least two cycles (or enough days for ar1)`);
    const pooled = poolEffects(effect, se, { mcid, better, level, gibbs: { ...params.gibbs, random: (stream) => ctx.random(stream) } });
    const g = pooled.gibbs!;
    ctx.log(`${pooled.patients} of ${table.numRows} patients pooled: mu ${pooled.mu.toPrecision(4)}, tau ${pooled.tau.toPrecision(4)} (REML); Gibbs mu ${g.mu.toPrecision(4)}`);
    const shrunken = makeTable([
      { name: "patient", type: "string", values: patients },
      { name: "effect", type: "float", values: nullableFloats(effect) },
      { name: "se", type: "float", values: nullableFloats(se) },
      { name: "shrunken", type: "float", values: nullableFloats(pooled.shrunken) },
      { name: "shrunken_lower", type: "float", values: nullableFloats(pooled.shrunkenLower) },
      { name: "shrunken_upper", type: "float", values: nullableFloats(pooled.shrunkenUpper) },
      { name: "p_positive", type: "float", values: nullableFloats(pooled.pPositive) },
      { name: "p_mcid", type: "float", values: nullableFloats(pooled.pMcid) },
      { name: "gibbs_mean", type: "float", values: nullableFloats(g.mean) },
      { name: "gibbs_lower", type: "float", values: nullableFloats(g.lower) },
      { name: "gibbs_upper", type: "float", values: nullableFloats(g.upper) },
      { name: "gibbs_p_positive", type: "float", values: nullableFloats(g.pPositive) },
      { name: "gibbs_p_mcid", type: "float", values: nullableFloats(g.pMcid) },
    ]);
    const doc: JsonValue = {
      format: "strata-trial-pool/1",
      method: "REML",
      patients: pooled.patients,
      mu: pooled.mu,
      muSe: pooled.muSe,
      muSeModel: pooled.muSeModel,
      muInterval: "modified Knapp-Hartung: t(patients - 1) x sqrt(max(1, q) / sum w)",
      muLower: pooled.muLower,
      muUpper: pooled.muUpper,
      tau: pooled.tau,
      tau2: pooled.tau2,
      iterations: pooled.iterations,
      level,
      mcid,
      better,
      primary: summary.primary,
      gibbs: {
        mu: g.mu,
        muLower: g.muLower,
        muUpper: g.muUpper,
        tau: g.tau,
        tauLower: g.tauLower,
        tauUpper: g.tauUpper,
        rhatMu: g.rhatMu,
        rhatTau: g.rhatTau,
        draws: g.draws,
        burnIn: g.burnIn,
        chains: g.chains,
        tauScale: g.tauScale,
        prior: "flat on mu; half-Cauchy(0, tauScale) on tau",
      },
    };
    return { shrunken, pooled: doc };
  },
});

export type TrialPoolOptions = {
  readonly mcid?: number;
  readonly better?: (typeof BETTER)[number];
  readonly level?: number;
  readonly gibbs?: { readonly draws?: number; readonly burnIn?: number; readonly chains?: number; readonly tauScale?: number };
};

/** e.g. const { shrunken, pooled } = poolTrial(analysis.effects, analysis.summary, { gibbs: { draws: 4000 } }). */
export const poolTrial = (
  effects: TableHandle<typeof EFFECT_COLUMNS>,
  summary: MetricsHandle,
  params: TrialPoolOptions = {},
  options?: NodeOptions,
): { readonly shrunken: TableHandle<typeof SHRUNKEN_COLUMNS>; readonly pooled: MetricsHandle } => {
  const node = addNode(effects.study, trialPoolStep, { effects, summary }, params, options);
  return { shrunken: node.table("shrunken", SHRUNKEN_COLUMNS), pooled: node.metrics("pooled") };
};
