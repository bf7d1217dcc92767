/**
 * trial.power-cell: one cell of a design-power grid (one design × effect size × carryover × drift). It simulates
 * `replicates` series of `patients` patients with the mechanistic model (simulateSeries), analyses each patient
 * (analyzePatients, the primary method) and pools each series by REML (poolEffects), then reports, over series:
 *   - power: the share of series whose pooled μ interval (level) lies wholly on the benefit side of 0 (the REML
 *     interval of poolEffects decides: μ̂ ± t(k − 1)·SE_mKH(μ̂); a series that cannot be pooled counts as not
 *     rejecting), with a Wilson interval;
 *   - type I error (only when the population effect is 0): the share whose interval excludes 0 on either side;
 *   - bias of μ̂ and coverage of its interval, against the population mean effect
 *     μ = effect.mean + Σ_c b_c·E[x_c] (E[x] = the normal's mean, the binary's p), over the series that pooled;
 *   - patient-days per series: patients × the days of one schedule (the design's cost).
 * Series r draws every stream under "series:<r>/", so cells that differ only in design or one model param share
 * their patients' noise (common random numbers: differences between cells are not simulation noise alone).
 * Series run as units of SERIES_PER_UNIT, combined in series order.
 */
import { Effect, Schema } from "effect";
import type { MetricsHandle } from "../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { wilsonInterval } from "../evaluate/wilson.js";
import { PRIMARY_METHODS, analyzePatients } from "./analysis/analyze-patients.js";
import { poolEffects } from "./analysis/pool-effects.js";
import { type TrialDesign, scheduleDays } from "./design-document.js";
import { DesignParamsFields, designChecks, designDocument } from "./design.js";
import { type MechanisticModel, MechanisticModelFields, coefficientsDeclared, simulateSeries } from "./mechanistic-model.js";
import { patientIds } from "./schedule.js";

const SERIES_PER_UNIT = 25;

const PowerAnalysisSchema = Schema.Struct({
  primary: Schema.Literals(PRIMARY_METHODS).pipe(Schema.withDecodingDefaultKey(Effect.succeed("mean-diff" as const))),
  level: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.95))),
  mcid: Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
  better: Schema.Literals(["higher", "lower"]).pipe(Schema.withDecodingDefaultKey(Effect.succeed("higher" as const))),
});

const PowerModelSchema = Schema.Struct(MechanisticModelFields).check(coefficientsDeclared());

const Params = Schema.Struct({
  /** The design's name in the grid (the summary's rows and the cheapest design are named by it). */
  label: Schema.String.check(Schema.isMinLength(1)),
  design: Schema.Struct(DesignParamsFields).check(designChecks),
  model: PowerModelSchema,
  patients: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(2)),
  replicates: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)),
  analysis: PowerAnalysisSchema.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
});
type Params = typeof Params.Type;

/** μ of the patients' effects in the population: effect.mean + Σ b_c·E[x_c]. */
export const populationMeanEffect = (model: MechanisticModel): number => {
  let mu = model.effect.mean;
  for (const name of Object.keys(model.effect.coefficients).sort()) {
    const spec = model.covariates.find((c) => c.name === name)!;
    mu += model.effect.coefficients[name]! * (spec.kind === "normal" ? spec.mean : spec.p);
  }
  return mu;
};

/** A unit's series: pooled μ̂ and its interval, null where the series could not be pooled. */
interface SeriesResults {
  readonly mu: (number | null)[];
  readonly lower: (number | null)[];
  readonly upper: (number | null)[];
  readonly tau: (number | null)[];
}

interface CellState {
  readonly params: Params;
  readonly design: TrialDesign;
  readonly ids: readonly string[];
}

const runSeries = (state: CellState, unit: number, random: (stream: string) => () => number): SeriesResults => {
  const { params, design } = state;
  const out: SeriesResults = { mu: [], lower: [], upper: [], tau: [] };
  const last = Math.min(params.replicates, (unit + 1) * SERIES_PER_UNIT);
  for (let r = unit * SERIES_PER_UNIT; r < last; r++) {
    const series = simulateSeries(design, params.model, state.ids, (stream) => random(`series:${r}/${stream}`));
    const effects = analyzePatients(series.days, design, { ...params.analysis, randomizationSet: null, ar1: params.analysis.primary === "ar1" });
    let pooled: ReturnType<typeof poolEffects> | undefined;
    try {
      pooled = poolEffects(effects.effect, effects.se, params.analysis);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e; // fewer than two poolable patients: this series does not reject
    }
    out.mu.push(pooled?.mu ?? null);
    out.lower.push(pooled?.muLower ?? null);
    out.upper.push(pooled?.muUpper ?? null);
    out.tau.push(pooled?.tau ?? null);
  }
  return out;
};

/** The cell's metrics document (`strata-trial-power-cell/1`) from its series in order. */
const summarise = (params: Params, design: TrialDesign, units: readonly SeriesResults[]): JsonValue => {
  const truth = populationMeanEffect(params.model);
  const sign = params.analysis.better === "higher" ? 1 : -1;
  let pooled = 0;
  let rejected = 0;
  let eitherSide = 0;
  let covered = 0;
  let errorSum = 0;
  let tauSum = 0;
  for (const u of units) {
    u.mu.forEach((mu, i) => {
      if (mu === null) return;
      const lower = u.lower[i]!;
      const upper = u.upper[i]!;
      pooled++;
      if (sign > 0 ? lower > 0 : upper < 0) rejected++;
      if (lower > 0 || upper < 0) eitherSide++;
      if (lower <= truth && truth <= upper) covered++;
      errorSum += mu - truth;
      tauSum += u.tau[i]!;
    });
  }
  const R = params.replicates;
  const interval = (k: number, n: number) => (n === 0 ? null : wilsonInterval(k, n, 0.95));
  const powerInterval = interval(rejected, R);
  const coverageInterval = interval(covered, pooled);
  return {
    format: "strata-trial-power-cell/1",
    label: params.label,
    design: design as unknown as JsonValue,
    effectSize: truth,
    onsetTime: params.model.onsetTime,
    washoutTime: params.model.washoutTime,
    driftSd: params.model.driftSd,
    patients: params.patients,
    replicates: R,
    pooledSeries: pooled,
    patientDays: params.patients * scheduleDays(design),
    analysis: params.analysis as unknown as JsonValue,
    decidedBy: `the pooled mean effect's REML interval (modified Knapp-Hartung t, level ${params.analysis.level}) lies on the benefit side of 0`,
    power: rejected / R,
    powerLower: powerInterval?.[0] ?? null,
    powerUpper: powerInterval?.[1] ?? null,
    typeIError: truth === 0 ? eitherSide / R : null,
    bias: pooled === 0 ? null : errorSum / pooled,
    coverage: pooled === 0 ? null : covered / pooled,
    coverageLower: coverageInterval?.[0] ?? null,
    coverageUpper: coverageInterval?.[1] ?? null,
    meanTau: pooled === 0 ? null : tauSum / pooled,
  };
};

export const trialPowerCellStep = defineStep({
  kind: "trial.power-cell",
  module: import.meta.url,
  params: Params,
  inputs: {},
  outputs: { cell: "metrics" },
  units: {
    prepare: (_inputs, params): CellState => ({ params, design: designDocument(params.design), ids: patientIds(params.patients) }),
    count: (state) => Math.ceil(state.params.replicates / SERIES_PER_UNIT),
    run: (state, index, ctx) => runSeries(state, index, (stream) => ctx.random(stream)),
    combine: (state, results) => ({ cell: summarise(state.params, state.design, results as readonly SeriesResults[]) }),
  },
});

export type PowerCellParams = Omit<Params, "design" | "model" | "analysis"> & {
  readonly design: Omit<Params["design"], "washoutDays" | "baselineDays" | "runInDays"> & Partial<Pick<Params["design"], "washoutDays" | "baselineDays" | "runInDays">>;
  readonly model: Partial<Omit<MechanisticModel, "effect">> & { readonly effect: Partial<MechanisticModel["effect"]> & { readonly mean: number } };
  readonly analysis?: Partial<Params["analysis"]>;
};

/** One grid cell as its own node (trialPowerGrid adds one per cell). */
export const trialPowerCell = (s: StudyGraph, params: PowerCellParams, options?: NodeOptions): MetricsHandle => addNode(s, trialPowerCellStep, {}, params, options).metrics("cell");
