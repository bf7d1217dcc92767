/**
 * Pools a series of per-patient effects (reml.ts, gibbs.ts): patients whose effect or standard error is missing
 * (NaN) or whose standard error is 0 are left out (NaN in every per-patient output). Intervals and probabilities:
 *   REML: μ̂ ± t(1 − α/2, k − 1)·SE_mKH(μ̂) (reml.ts) and δ̃_i ± z·SE(δ̃_i), z = Φ⁻¹(1 − α/2); P(benefit_i > m) = Φ((±δ̃_i − m)/SE(δ̃_i)), the
 *   empirical-Bayes normal approximation (our labelling);
 *   Gibbs: equal-tailed posterior quantiles (type 7) and the share of draws with benefit > 0 and > m.
 * benefit = δ when higher outcomes are better, −δ when lower.
 */
import { normalCdf, normalQuantile, studentTQuantile } from "./distributions.js";
import { type GibbsOptions, gibbsSample, sortedQuantile, splitRhat } from "./gibbs.js";
import { fitReml } from "./reml.js";

export interface PoolOptions {
  readonly mcid: number;
  readonly better: "higher" | "lower";
  readonly level: number;
  /** Run the Gibbs sampler too; tauScale defaults to 10 × the median standard error (our default). */
  readonly gibbs?: Omit<GibbsOptions, "tauScale" | "chains"> & { readonly chains?: number; readonly tauScale?: number };
}

export interface GibbsSummary {
  readonly mu: number;
  readonly muLower: number;
  readonly muUpper: number;
  readonly tau: number;
  readonly tauLower: number;
  readonly tauUpper: number;
  /** Split R̂ of μ and of τ over the chains. */
  readonly rhatMu: number;
  readonly rhatTau: number;
  readonly draws: number;
  readonly burnIn: number;
  readonly chains: number;
  readonly tauScale: number;
  readonly mean: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly pPositive: Float64Array;
  readonly pMcid: Float64Array;
}

export interface PooledEffects {
  /** Patients pooled. */
  readonly patients: number;
  readonly mu: number;
  /** The modified Knapp–Hartung standard error μ's interval uses. */
  readonly muSe: number;
  /** √(1/Σ w_i). */
  readonly muSeModel: number;
  readonly muLower: number;
  readonly muUpper: number;
  readonly tau: number;
  readonly tau2: number;
  readonly iterations: number;
  readonly shrunken: Float64Array;
  readonly shrunkenLower: Float64Array;
  readonly shrunkenUpper: Float64Array;
  readonly pPositive: Float64Array;
  readonly pMcid: Float64Array;
  readonly gibbs: GibbsSummary | undefined;
}

const median = (values: Float64Array): number => sortedQuantile(Float64Array.from(values).sort(), 0.5);

/** The patients that can be pooled: a finite effect and a finite, positive standard error. */
const poolableRows = (effect: Float64Array, se: Float64Array): Int32Array => {
  const rows: number[] = [];
  for (let i = 0; i < effect.length; i++) if (Number.isFinite(effect[i]!) && se[i]! > 0 && Number.isFinite(se[i]!)) rows.push(i);
  return Int32Array.from(rows);
};

/** Why a series cannot be pooled, or undefined when it can (at least two poolable patients). */
export const unpoolable = (effect: Float64Array, se: Float64Array): string | undefined => {
  const n = poolableRows(effect, se).length;
  return n >= 2 ? undefined : `${n} patient${n === 1 ? " has" : "s have"} an effect with a positive standard error; pooling needs at least two`;
};

/** Pools effect ± se (one per patient, NaN = not estimable); throws when fewer than two patients can be pooled. */
export const poolEffects = (effect: Float64Array, se: Float64Array, options: PoolOptions): PooledEffects => {
  const problem = unpoolable(effect, se);
  if (problem !== undefined) throw new RangeError(problem);
  const used = poolableRows(effect, se);
  const y = Float64Array.from(used, (i) => effect[i]!);
  const s = Float64Array.from(used, (i) => se[i]!);
  const fit = fitReml(y, s);
  const z = normalQuantile(1 - (1 - options.level) / 2);
  const t = studentTQuantile(1 - (1 - options.level) / 2, used.length - 1);
  const sign = options.better === "higher" ? 1 : -1;
  const nan = () => new Float64Array(effect.length).fill(Number.NaN);
  const shrunken = nan();
  const shrunkenLower = nan();
  const shrunkenUpper = nan();
  const pPositive = nan();
  const pMcid = nan();
  used.forEach((row, k) => {
    const m = fit.shrunken[k]!;
    const sd = fit.shrunkenSe[k]!;
    shrunken[row] = m;
    shrunkenLower[row] = m - z * sd;
    shrunkenUpper[row] = m + z * sd;
    if (sd > 0) {
      pPositive[row] = normalCdf((sign * m) / sd);
      pMcid[row] = normalCdf((sign * m - options.mcid) / sd);
    }
  });
  const gibbs = options.gibbs === undefined ? undefined : summarizeGibbs(y, s, used, effect.length, fit, options, sign);
  return {
    patients: used.length,
    mu: fit.mu,
    muSe: fit.muSeKnappHartung,
    muSeModel: fit.muSe,
    muLower: fit.mu - t * fit.muSeKnappHartung,
    muUpper: fit.mu + t * fit.muSeKnappHartung,
    tau: Math.sqrt(fit.tau2),
    tau2: fit.tau2,
    iterations: fit.iterations,
    shrunken,
    shrunkenLower,
    shrunkenUpper,
    pPositive,
    pMcid,
    gibbs,
  };
};

const summarizeGibbs = (
  y: Float64Array,
  s: Float64Array,
  used: Int32Array,
  patients: number,
  fit: ReturnType<typeof fitReml>,
  options: PoolOptions,
  sign: number,
): GibbsSummary => {
  const g = options.gibbs!;
  const chains = g.chains ?? 1;
  const tauScale = g.tauScale ?? 10 * median(s);
  const draws = gibbsSample(y, s, { mu: fit.mu, tau2: fit.tau2 }, { draws: g.draws, burnIn: g.burnIn, chains, tauScale, random: g.random });
  const alpha = (1 - options.level) / 2;
  const meanOf = (values: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i]!;
    return sum / values.length;
  };
  const muSorted = Float64Array.from(draws.mu).sort();
  const tauSorted = Float64Array.from(draws.tau).sort();
  const nan = () => new Float64Array(patients).fill(Number.NaN);
  const mean = nan();
  const lower = nan();
  const upper = nan();
  const pPositive = nan();
  const pMcid = nan();
  const k = draws.kept;
  used.forEach((row, i) => {
    const own = draws.delta.subarray(i * k, (i + 1) * k);
    let positive = 0;
    let important = 0;
    for (let d = 0; d < k; d++) {
      const benefit = sign * own[d]!;
      if (benefit > 0) positive++;
      if (benefit > options.mcid) important++;
    }
    mean[row] = meanOf(own);
    const sorted = Float64Array.from(own).sort();
    lower[row] = sortedQuantile(sorted, alpha);
    upper[row] = sortedQuantile(sorted, 1 - alpha);
    pPositive[row] = positive / k;
    pMcid[row] = important / k;
  });
  return {
    mu: meanOf(draws.mu),
    muLower: sortedQuantile(muSorted, alpha),
    muUpper: sortedQuantile(muSorted, 1 - alpha),
    tau: meanOf(draws.tau),
    tauLower: sortedQuantile(tauSorted, alpha),
    tauUpper: sortedQuantile(tauSorted, 1 - alpha),
    rhatMu: splitRhat(draws.mu, chains, g.draws),
    rhatTau: splitRhat(draws.tau, chains, g.draws),
    draws: g.draws,
    burnIn: g.burnIn,
    chains,
    tauScale,
    mean,
    lower,
    upper,
    pPositive,
    pMcid,
  };
};
