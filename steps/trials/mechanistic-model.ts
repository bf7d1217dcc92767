/**
 * The mechanistic N-of-1 outcome model (after the n1-simulator of Percha et al., JMIR 2019; docs/references.md
 * "N-of-1 simulation" has the formulas). For patient i on day t:
 *
 *   y_it = b_it + E_it + u_it + e_it,  missing with probability `missingRate`
 *   b_it = b_i,t-1 + N(0, driftSd²),  b_i0 = intercept + N(0, interceptSd²)          (baseline random walk)
 *   u_it = rho·u_i,t-1 + N(0, processSd²),  u_i0 ~ N(0, processSd²/(1 − rho²))     (AR(1) process noise)
 *   e_it ~ N(0, measurementSd²)                                                    (measurement noise)
 *   E_it = Σ_j L_ijt, L_ijt = L_ij,t-1 + (1 − exp(−1/θ))·(target_ijt − L_ij,t-1)   (carryover, per treatment j)
 *
 * where target_ijt = δ_ij when treatment j is taken on day t, else 0, and θ = onsetTime while j is taken,
 * washoutTime otherwise (θ = 0: the level jumps at once). Baseline and run-in days take no treatment; a day of
 * non-adherence (probability `nonAdherence`) takes the reference treatments[0], whose effect is 0.
 * δ_i1 (treatments[1] − treatments[0], the patient's true effect) = effect.mean + Σ_c effect.coefficients[c]·x_ic
 * + N(0, effect.sd²); further treatments j ≥ 2 have the fixed effects effect.others[j − 2].
 *
 * Randomness per patient, so adding a patient never moves another: covariates from "covariates:<id>", the
 * effect's deviation from "effect:<id>", the days from "outcomes:<id>" (every day draws its three normals and two
 * uniforms whether or not their sd or rate is 0, so cells of a power grid that differ in one param share the rest).
 */
import { Effect, Schema } from "effect";
import { standardNormal } from "../random-variates.js";
import type { TrialDesign } from "./design-document.js";
import { buildSchedule } from "./schedule.js";
import type { TrialDays } from "./trial-days.js";

const NonNegative = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0));
const zero = NonNegative.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0)));
const Rate = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0)));
const Name = Schema.String.check(Schema.isMinLength(1));

export const CovariateSpecSchema = Schema.Union([
  Schema.Struct({ name: Name, kind: Schema.Literal("normal"), mean: Schema.Number.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))), sd: NonNegative.pipe(Schema.withDecodingDefaultKey(Effect.succeed(1))) }),
  Schema.Struct({ name: Name, kind: Schema.Literal("binary"), p: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })) }),
]);
export type CovariateSpec = typeof CovariateSpecSchema.Type;

/** Columns of the patients and cohort tables beside the covariates. */
const RESERVED_NAMES = ["patient", "participant", "arm", "outcome", "responded", "true_effect"];

/** Declared covariates: distinct names, none of the reserved ones. */
export const CovariatesSchema = Schema.Array(CovariateSpecSchema).check(
  Schema.makeFilter((specs) => {
    const names = specs.map((s) => s.name);
    const clash = names.find((n, i) => names.indexOf(n) !== i || RESERVED_NAMES.includes(n));
    return clash === undefined || `covariate ${JSON.stringify(clash)} is declared twice or uses a reserved name (${RESERVED_NAMES.join(", ")})`;
  }),
);

export const EffectModelSchema = Schema.Struct({
  /** μ, or the intercept b0 when coefficients are given. */
  mean: Schema.Number,
  /** τ: the sd of the patients' effects around their mean. */
  sd: zero,
  /** b_c per covariate name. */
  coefficients: Schema.Record(Schema.String, Schema.Number).pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  /** Fixed effects of treatments[2], treatments[3], … against the reference (0 when left out). */
  others: Schema.Array(Schema.Number).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
});

export const MechanisticModelFields = {
  covariates: CovariatesSchema.pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  effect: EffectModelSchema,
  /** Time constants (days) of the effect's approach to a treatment's level and of its decay after it stops. */
  onsetTime: zero,
  washoutTime: zero,
  intercept: Schema.Number.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
  interceptSd: zero,
  driftSd: zero,
  processRho: Schema.Number.check(Schema.isGreaterThan(-1), Schema.isLessThan(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
  processSd: zero,
  measurementSd: zero,
  missingRate: Rate,
  nonAdherence: Rate,
};
export const MechanisticModelSchema = Schema.Struct(MechanisticModelFields);
export type MechanisticModel = typeof MechanisticModelSchema.Type;

/** A covariate column per patient: normal ones float, binary ones int 0/1. */
export interface CovariateColumn {
  readonly name: string;
  readonly type: "float" | "int";
  readonly values: Float64Array;
}

/** Each declared covariate for each patient, drawn in declaration order from "covariates:<id>". */
export const drawCovariates = (specs: readonly CovariateSpec[], patients: readonly string[], random: (stream: string) => () => number): CovariateColumn[] => {
  const columns = specs.map((s) => ({ name: s.name, type: s.kind === "normal" ? ("float" as const) : ("int" as const), values: new Float64Array(patients.length) }));
  patients.forEach((id, p) => {
    const draw = random(`covariates:${id}`);
    specs.forEach((s, c) => {
      columns[c]!.values[p] = s.kind === "normal" ? s.mean + s.sd * standardNormal(draw) : draw() < s.p ? 1 : 0;
    });
  });
  return columns;
};

/**
 * The coefficients' covariates among the columns, or the name of one that is missing. Checked when a study loads
 * (declared covariates) and when a covariates table arrives.
 */
export const missingCoefficient = (model: { readonly effect: { readonly coefficients: { readonly [name: string]: number } } }, names: readonly string[]): string | undefined =>
  Object.keys(model.effect.coefficients).sort().find((c) => !names.includes(c));

/**
 * The params check that every coefficient names a declared covariate; with `tableMaySupply`, params that declare
 * no covariates pass (a covariates table wired to the node supplies them, checked when it arrives).
 */
export const coefficientsDeclared = (tableMaySupply = false) =>
  Schema.makeFilter((m: { readonly covariates: readonly { readonly name: string }[]; readonly effect: { readonly coefficients: { readonly [name: string]: number } } }) => {
    if (tableMaySupply && m.covariates.length === 0) return true;
    const missing = missingCoefficient(m, m.covariates.map((c) => c.name));
    return missing === undefined || { path: ["effect", "coefficients", missing], issue: `no covariate ${JSON.stringify(missing)} is declared; declare it in covariates or drop its coefficient` };
  });

/** Every patient's true effect δ_i of treatments[1] − treatments[0] (see the module comment). */
export const trueEffects = (model: Pick<MechanisticModel, "effect">, patients: readonly string[], covariates: readonly CovariateColumn[], random: (stream: string) => () => number): Float64Array => {
  const terms = Object.keys(model.effect.coefficients)
    .sort()
    .map((name) => ({ b: model.effect.coefficients[name]!, x: covariates.find((c) => c.name === name)!.values }));
  const out = new Float64Array(patients.length);
  patients.forEach((id, p) => {
    let delta = model.effect.mean;
    for (const t of terms) delta += t.b * t.x[p]!;
    out[p] = delta + model.effect.sd * standardNormal(random(`effect:${id}`));
  });
  return out;
};

const stepFactor = (timeConstant: number): number => (timeConstant > 0 ? 1 - Math.exp(-1 / timeConstant) : 1);

/** The schedule's days with simulated outcomes (NaN = missing), given each patient's true effect. */
export const simulateOutcomes = (schedule: TrialDays, model: MechanisticModel, trueEffect: Float64Array, random: (stream: string) => () => number): TrialDays => {
  const k = schedule.treatments.length;
  const onset = stepFactor(model.onsetTime);
  const washout = stepFactor(model.washoutTime);
  const stationarySd = model.processSd / Math.sqrt(1 - model.processRho * model.processRho);
  const outcome = new Float64Array(schedule.day.length);
  const effect = new Float64Array(k);
  const level = new Float64Array(k);
  for (let j = 2; j < k; j++) effect[j] = model.effect.others[j - 2] ?? 0;
  schedule.patients.forEach((id, p) => {
    const draw = random(`outcomes:${id}`);
    effect[1] = trueEffect[p]!;
    level.fill(0);
    let baseline = model.intercept + model.interceptSd * standardNormal(draw);
    let process = stationarySd * standardNormal(draw);
    for (let r = schedule.start[p]!; r < schedule.start[p + 1]!; r++) {
      const drift = standardNormal(draw);
      const innovation = standardNormal(draw);
      const measurement = standardNormal(draw);
      const missing = draw() < model.missingRate;
      const adherent = draw() >= model.nonAdherence;
      if (r > schedule.start[p]!) {
        baseline += model.driftSd * drift;
        process = model.processRho * process + model.processSd * innovation;
      }
      const assigned = schedule.treatment[r]!;
      const taken = assigned > 0 && !adherent ? 0 : assigned;
      let total = 0;
      for (let j = 0; j < k; j++) {
        const target = j === taken ? effect[j]! : 0;
        level[j] = level[j]! + (j === taken ? onset : washout) * (target - level[j]!);
        total += level[j]!;
      }
      outcome[r] = missing ? Number.NaN : baseline + total + process + model.measurementSd * measurement;
    }
  });
  return { ...schedule, outcome };
};

export interface SimulatedSeries {
  readonly days: TrialDays;
  readonly trueEffect: Float64Array;
  readonly covariates: readonly CovariateColumn[];
}

/** A whole series without the store: schedules, covariates, effects and outcomes (what trial.power-cell repeats). */
export const simulateSeries = (design: TrialDesign, model: MechanisticModel, patients: readonly string[], random: (stream: string) => () => number): SimulatedSeries => {
  const schedule = buildSchedule(design, patients, random);
  const covariates = drawCovariates(model.covariates, patients, random);
  const trueEffect = trueEffects(model, patients, covariates, random);
  return { days: simulateOutcomes(schedule, model, trueEffect, random), trueEffect, covariates };
};
