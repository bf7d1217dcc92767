/**
 * The analysis of each patient of an N-of-1 series (docs/references.md "N-of-1 analysis"): the effect of
 * `treatment` against `reference` (treatment − reference, on the outcome scale), over the analysed days: phase
 * "active", outcome present, on one of the two treatments.
 *   - mean difference: cycle j pairs the j-th period of each treatment (the table's cycle for every design but
 *     "randomized"); d_j = the difference of the two periods' mean outcomes, over the cycles where both periods
 *     have an analysed day; mean ± t(1 − α/2, n − 1)·sd/√n; the two-sided paired t test decides t_p;
 *   - exact randomization test (decides randomization_p): the statistic is mean(treatment days) − mean(reference
 *     days); it is recomputed with the outcomes fixed under every schedule of the design's randomization set
 *     (randomization-set.ts), and p = #{schedules: |statistic| ≥ |observed|} / #schedules (two-sided; the
 *     observed schedule is one of them; a schedule leaving a treatment without analysed days is not counted);
 *   - AR(1) regression: ar1-regression.ts;
 *   - the primary method's effect, interval and posterior probabilities: with a flat prior on the effect and the
 *     method's t reference (df as above), P(benefit > m) = F_t((benefit − m)/se; df), benefit = effect when higher
 *     outcomes are better, −effect when lower. Our labelling: a normal-theory approximation, not a full Bayesian
 *     model.
 * Every value is NaN where the patient has too few cycles (< 2) or days (< 5 for AR(1)). The loops reuse scratch
 * arrays sized once per call; nothing is allocated per day.
 */
import { ACTIVE_PHASE, type TrialDays } from "../trial-days.js";
import type { TrialDesign } from "../design-document.js";
import { type Ar1Estimation, type Ar1Fit, fitAr1 } from "./ar1-regression.js";
import { studentTCdf, studentTQuantile } from "./distributions.js";
import { type RandomizationSet, randomizationSet } from "./randomization-set.js";

export const PRIMARY_METHODS = ["mean-diff", "ar1"] as const;
export type PrimaryMethod = (typeof PRIMARY_METHODS)[number];
export type Better = "higher" | "lower";

export interface AnalysisOptions {
  /** The treatment the effect is measured against; default the design's first. */
  readonly reference?: string;
  /** Default the design's second treatment. */
  readonly treatment?: string;
  /** Minimal clinically important difference, ≥ 0, on the outcome scale. */
  readonly mcid: number;
  readonly better: Better;
  /** Interval level, e.g. 0.95. */
  readonly level: number;
  readonly primary: PrimaryMethod;
  /** The design's randomization set (computed once when absent; a set too large throws); null skips the test. */
  readonly randomizationSet?: RandomizationSet | null;
  /** How ρ is estimated: "reml" (default) or "ml" (ar1-regression.ts). */
  readonly ar1Estimation?: Ar1Estimation;
  /** false skips the AR(1) fit (allowed when the primary method is mean-diff); default true. */
  readonly ar1?: boolean;
}

/** One value per patient in table order; NaN = not estimable. */
export interface PatientEffects {
  readonly patients: readonly string[];
  readonly cycles: Int32Array;
  readonly days: Int32Array;
  readonly meanDiff: Float64Array;
  readonly meanDiffSe: Float64Array;
  readonly meanDiffLower: Float64Array;
  readonly meanDiffUpper: Float64Array;
  readonly meanDiffDf: Float64Array;
  readonly tP: Float64Array;
  readonly randomizationP: Float64Array;
  readonly ar1Effect: Float64Array;
  readonly ar1Se: Float64Array;
  readonly ar1Lower: Float64Array;
  readonly ar1Upper: Float64Array;
  readonly ar1Rho: Float64Array;
  readonly effect: Float64Array;
  readonly se: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly pBenefit: Float64Array;
  readonly pMcid: Float64Array;
}

/** Resolves the compared treatments to codes (they may coincide; callers check); throws when a name is not the design's. */
export const comparedTreatments = (design: TrialDesign, options: Pick<AnalysisOptions, "reference" | "treatment">): { reference: number; treatment: number } => {
  const code = (name: string | undefined, fallback: number, field: string): number => {
    if (name === undefined) return fallback;
    const i = design.treatments.indexOf(name);
    if (i < 0) throw new RangeError(`${field} ${JSON.stringify(name)} is not one of the design's treatments (${design.treatments.join(", ")})`);
    return i;
  };
  const reference = code(options.reference, 0, "reference");
  return { reference, treatment: code(options.treatment, reference === 1 ? 0 : 1, "treatment") };
};

/** Student-t quantiles by degrees of freedom, computed once per call. */
const quantileCache = (p: number) => {
  const cache = new Map<number, number>();
  return (df: number): number => {
    let q = cache.get(df);
    if (q === undefined) {
      q = studentTQuantile(p, df);
      cache.set(df, q);
    }
    return q;
  };
};

export const analyzePatients = (days: TrialDays, design: TrialDesign, options: AnalysisOptions): PatientEffects => {
  if (days.outcome === undefined) throw new RangeError("the trial days have no outcome column; analyse outcomes, not a schedule");
  const outcome = days.outcome;
  const { reference, treatment } = comparedTreatments(design, options);
  if (reference === treatment) throw new RangeError(`reference and treatment are both ${JSON.stringify(design.treatments[reference])}; compare two different treatments`);
  const set = options.randomizationSet === undefined ? randomizationSet(design) : options.randomizationSet;
  if (set !== null && "problem" in set) throw new RangeError(set.problem);
  const runAr1 = options.ar1 !== false || options.primary === "ar1";
  const tQuantile = quantileCache(1 - (1 - options.level) / 2);
  const sign = options.better === "higher" ? 1 : -1;

  const nPatients = days.patients.length;
  const nan = () => new Float64Array(nPatients).fill(Number.NaN);
  const out: PatientEffects = {
    patients: days.patients,
    cycles: new Int32Array(nPatients),
    days: new Int32Array(nPatients),
    meanDiff: nan(),
    meanDiffSe: nan(),
    meanDiffLower: nan(),
    meanDiffUpper: nan(),
    meanDiffDf: nan(),
    tP: nan(),
    randomizationP: nan(),
    ar1Effect: nan(),
    ar1Se: nan(),
    ar1Lower: nan(),
    ar1Upper: nan(),
    ar1Rho: nan(),
    effect: nan(),
    se: nan(),
    lower: nan(),
    upper: nan(),
    pBenefit: nan(),
    pMcid: nan(),
  };

  const periods = design.cycles * design.treatments.length;
  let longest = 0;
  for (let p = 0; p < nPatients; p++) longest = Math.max(longest, days.start[p + 1]! - days.start[p]!);
  const periodSum = new Float64Array(periods);
  const periodCount = new Int32Array(periods);
  const periodTreatment = new Int8Array(periods);
  const treatmentMeans = new Float64Array(periods);
  const referenceMeans = new Float64Array(periods);
  const y = new Float64Array(longest);
  const treat = new Float64Array(longest);
  const day = new Float64Array(longest);
  const fit: Ar1Fit = { effect: Number.NaN, se: Number.NaN, df: Number.NaN, rho: Number.NaN };

  /** mean(treatment days) − mean(reference days) when period q has treatment codes[offset + q]. */
  const statistic = (codes: Int8Array, offset: number): number => {
    let sumT = 0;
    let nT = 0;
    let sumR = 0;
    let nR = 0;
    for (let q = 0; q < periods; q++) {
      const t = codes[offset + q];
      if (t === treatment) {
        sumT += periodSum[q]!;
        nT += periodCount[q]!;
      } else if (t === reference) {
        sumR += periodSum[q]!;
        nR += periodCount[q]!;
      }
    }
    return nT > 0 && nR > 0 ? sumT / nT - sumR / nR : Number.NaN;
  };

  for (let p = 0; p < nPatients; p++) {
    periodSum.fill(0);
    periodCount.fill(0);
    periodTreatment.fill(-1);
    let n = 0;
    for (let r = days.start[p]!; r < days.start[p + 1]!; r++) {
      const q = days.period[r]! - 1;
      const t = days.treatment[r]!;
      if (q >= 0 && q < periods) periodTreatment[q] = t;
      const v = outcome[r]!;
      if (days.phase[r] !== ACTIVE_PHASE || (t !== treatment && t !== reference) || Number.isNaN(v)) continue;
      y[n] = v;
      treat[n] = t === treatment ? 1 : 0;
      day[n] = days.day[r]!;
      n++;
      if (q >= 0 && q < periods) {
        periodSum[q]! += v;
        periodCount[q]!++;
      }
    }
    out.days[p] = n;

    // Mean difference over cycles.
    let nTreatment = 0;
    let nReference = 0;
    for (let q = 0; q < periods; q++) {
      const m = periodCount[q]! > 0 ? periodSum[q]! / periodCount[q]! : Number.NaN;
      if (periodTreatment[q] === treatment) treatmentMeans[nTreatment++] = m;
      else if (periodTreatment[q] === reference) referenceMeans[nReference++] = m;
    }
    const pairs = Math.min(nTreatment, nReference);
    let cycles = 0;
    let sum = 0;
    for (let j = 0; j < pairs; j++) {
      const d = treatmentMeans[j]! - referenceMeans[j]!;
      if (Number.isNaN(d)) continue;
      cycles++;
      sum += d;
    }
    out.cycles[p] = cycles;
    if (cycles >= 2) {
      const mean = sum / cycles;
      let ss = 0;
      for (let j = 0; j < pairs; j++) {
        const d = treatmentMeans[j]! - referenceMeans[j]!;
        if (!Number.isNaN(d)) ss += (d - mean) * (d - mean);
      }
      const df = cycles - 1;
      const se = Math.sqrt(ss / df / cycles);
      const half = tQuantile(df) * se;
      out.meanDiff[p] = mean;
      out.meanDiffSe[p] = se;
      out.meanDiffLower[p] = mean - half;
      out.meanDiffUpper[p] = mean + half;
      out.meanDiffDf[p] = df;
      if (se > 0) out.tP[p] = 2 * studentTCdf(-Math.abs(mean / se), df);
    }

    if (set !== null) {
      const observed = statistic(periodTreatment, 0);
      if (!Number.isNaN(observed)) {
        // Relative slack so a schedule whose statistic equals the observed one up to rounding counts as ≥.
        const threshold = Math.abs(observed) * (1 - 1e-12);
        let extreme = 0;
        let counted = 0;
        for (let s = 0; s < set.count; s++) {
          const value = statistic(set.codes, s * periods);
          if (Number.isNaN(value)) continue;
          counted++;
          if (Math.abs(value) >= threshold) extreme++;
        }
        out.randomizationP[p] = extreme / counted;
      }
    }

    if (runAr1) {
      fitAr1(y, treat, day, n, options.ar1Estimation ?? "reml", fit);
      if (!Number.isNaN(fit.effect)) {
        const half = tQuantile(fit.df) * fit.se;
        out.ar1Effect[p] = fit.effect;
        out.ar1Se[p] = fit.se;
        out.ar1Lower[p] = fit.effect - half;
        out.ar1Upper[p] = fit.effect + half;
        out.ar1Rho[p] = fit.rho;
      }
    }

    const primary = options.primary === "ar1"
      ? { effect: out.ar1Effect[p]!, se: out.ar1Se[p]!, lower: out.ar1Lower[p]!, upper: out.ar1Upper[p]!, df: fit.df }
      : { effect: out.meanDiff[p]!, se: out.meanDiffSe[p]!, lower: out.meanDiffLower[p]!, upper: out.meanDiffUpper[p]!, df: out.meanDiffDf[p]! };
    out.effect[p] = primary.effect;
    out.se[p] = primary.se;
    out.lower[p] = primary.lower;
    out.upper[p] = primary.upper;
    if (primary.se > 0) {
      const benefit = sign * primary.effect;
      out.pBenefit[p] = studentTCdf(benefit / primary.se, primary.df);
      out.pMcid[p] = studentTCdf((benefit - options.mcid) / primary.se, primary.df);
    }
  }
  return out;
};
