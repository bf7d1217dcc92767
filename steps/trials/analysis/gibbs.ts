/**
 * A seeded Gibbs sampler for the normal-normal series model (docs/references.md "N-of-1 analysis"):
 * δ̂_i ~ N(δ_i, s_i²), δ_i ~ N(μ, τ²), a flat prior on μ and a half-Cauchy(0, A) prior on τ, written as
 * τ² | a ~ IG(½, 1/a), a ~ IG(½, 1/A²) (Wand, Ormerod, Padoan & Frühwirth, Bayesian Analysis 2011) so that every
 * full conditional is conjugate:
 *   δ_i | · ~ N((δ̂_i/s_i² + μ/τ²)/(1/s_i² + 1/τ²), 1/(1/s_i² + 1/τ²)),  μ | · ~ N(mean δ, τ²/n),
 *   a | · ~ IG(1, 1/τ² + 1/A²),  τ² | · ~ IG((n + 1)/2, Σ(δ_i − μ)²/2 + 1/a).
 * Each chain starts at (δ̂, REML μ̂, max(REML τ̂², s̄²/100)) and draws from its own stream "gibbs:<chain>": normal
 * deviates by inversion (Φ⁻¹ of a uniform), gamma deviates by Marsaglia & Tsang (ACM TOMS 2000). Its outputs are
 * a function of the streams alone, so they are bit-identical across processes.
 */
import { standardNormal } from "../../random-variates.js";

export interface GibbsOptions {
  readonly draws: number;
  readonly burnIn: number;
  readonly chains: number;
  /** A, the scale of the half-Cauchy prior on τ. */
  readonly tauScale: number;
  readonly random: (stream: string) => () => number;
}

export interface GibbsDraws {
  /** draws·chains values each, chain after chain. */
  readonly mu: Float64Array;
  readonly tau: Float64Array;
  /** Patient i's kept draws are delta[i·kept .. (i + 1)·kept − 1]. */
  readonly delta: Float64Array;
  readonly kept: number;
}

/** A Gamma(shape, 1) deviate for shape ≥ 1 (Marsaglia & Tsang). */
const gamma = (shape: number, uniform: () => number): number => {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(uniform);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
};

export const gibbsSample = (effect: Float64Array, se: Float64Array, start: { mu: number; tau2: number }, options: GibbsOptions): GibbsDraws => {
  const n = effect.length;
  const kept = options.draws * options.chains;
  const muDraws = new Float64Array(kept);
  const tauDraws = new Float64Array(kept);
  const delta = new Float64Array(n * kept);
  const precision = new Float64Array(n);
  let meanVariance = 0;
  for (let i = 0; i < n; i++) {
    precision[i] = 1 / (se[i]! * se[i]!);
    meanVariance += se[i]! * se[i]!;
  }
  meanVariance /= n;
  const inverseScale2 = 1 / (options.tauScale * options.tauScale);
  const current = new Float64Array(n);
  for (let chain = 0; chain < options.chains; chain++) {
    const uniform = options.random(`gibbs:${chain}`);
    current.set(effect);
    let mu = start.mu;
    let tau2 = Math.max(start.tau2, meanVariance / 100);
    for (let iteration = 0; iteration < options.burnIn + options.draws; iteration++) {
      const priorPrecision = 1 / tau2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = 1 / (precision[i]! + priorPrecision);
        current[i] = v * (effect[i]! * precision[i]! + mu * priorPrecision) + Math.sqrt(v) * standardNormal(uniform);
        sum += current[i]!;
      }
      mu = sum / n + Math.sqrt(tau2 / n) * standardNormal(uniform);
      const a = (priorPrecision + inverseScale2) / gamma(1, uniform);
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (current[i]! - mu) * (current[i]! - mu);
      tau2 = (ss / 2 + 1 / a) / gamma((n + 1) / 2, uniform);
      const k = iteration - options.burnIn;
      if (k < 0) continue;
      const at = chain * options.draws + k;
      muDraws[at] = mu;
      tauDraws[at] = Math.sqrt(tau2);
      for (let i = 0; i < n; i++) delta[i * kept + at] = current[i]!;
    }
  }
  return { mu: muDraws, tau: tauDraws, delta, kept };
};

/** The type-7 (linear interpolation) quantile of sorted values. */
export const sortedQuantile = (sorted: Float64Array, p: number): number => {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
};

/**
 * The split potential scale reduction factor R̂ (Gelman et al., Bayesian Data Analysis 3rd ed., §11.4): each of the
 * `chains` runs of `draws` values (chain after chain) is split in halves, m sequences of length n; with B/n the
 * variance of their means and W the mean of their variances, R̂ = √(((n − 1)/n·W + B/n)/W). Near 1 when the
 * chains agree.
 */
export const splitRhat = (values: Float64Array, chains: number, draws: number): number => {
  const n = Math.floor(draws / 2);
  const m = 2 * chains;
  const means = new Float64Array(m);
  let within = 0;
  for (let j = 0; j < m; j++) {
    const offset = Math.floor(j / 2) * draws + (j % 2) * (draws - n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[offset + i]!;
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (values[offset + i]! - mean) ** 2;
    means[j] = mean;
    within += ss / (n - 1);
  }
  within /= m;
  let grand = 0;
  for (let j = 0; j < m; j++) grand += means[j]!;
  grand /= m;
  let between = 0;
  for (let j = 0; j < m; j++) between += (means[j]! - grand) ** 2;
  between *= n / (m - 1);
  return Math.sqrt((((n - 1) / n) * within + between / n) / within);
};
