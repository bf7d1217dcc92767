/**
 * Harm tests for personalization: is a candidate model (personalized) significantly WORSE than a reference model
 * (generic) on the same people? Pure functions, no step: evaluate.personalization and other evaluation code
 * import them.
 *
 * Two tests, both from docs/references.md ("Personalization without harm"):
 *
 * - exactMcNemar(b, c): the exact McNemar test on paired correct/incorrect outcomes. b counts pairs where the
 *   reference is right and the candidate wrong (evidence of harm), c the reverse. Under H0 (the two models err
 *   equally often on the discordant pairs) b ~ Binomial(b + c, 1/2). The one-sided harm p-value is P(X ≥ b).
 *
 * - bootstrapSignTest(...): the paired, stratified bootstrap of the gain, after the audit code of Monteiro Paes et
 *   al. (NeurIPS 2022): B resamples drawn with replacement, stratified (the caller passes one stratum key per unit,
 *   e.g. group × label); on each resample b the candidate's and the reference's metric, S1_b and S2_b, and the gain
 *   d_b = S1_b − S2_b. It reports the gain's percentile interval and the share of resamples in which the candidate
 *   is worse (d_b < 0). Its pValue is the one-sided percentile-bootstrap p-value, the share of resamples in which
 *   the candidate is at least as good (d_b ≥ 0; ties count for the candidate, so two identical models are never
 *   flagged): harm at α means the one-sided (1 − α) upper bootstrap bound of the gain is below zero. Unlike the
 *   binomial p-value over resamples that audit code computes (T against Binomial(B, 1/2)), this share does not
 *   shrink towards zero as B grows for a fixed true difference; B only refines it.
 *
 * Both report `pValue` in the harm direction and `harmed = pValue < alpha`. All sums run in a fixed order, so equal
 * inputs give bit-identical results.
 */

/** What every harm test returns. */
export interface HarmTestResult {
  readonly test: "exact-mcnemar" | "bootstrap-sign";
  /** The test statistic: b (McNemar) or T (bootstrap sign test). */
  readonly statistic: number;
  /** One-sided p-value in the harm direction (H1: the candidate is worse than the reference). */
  readonly pValue: number;
  readonly alpha: number;
  /** pValue < alpha. */
  readonly harmed: boolean;
}

export interface McNemarResult extends HarmTestResult {
  readonly test: "exact-mcnemar";
  /** Reference right, candidate wrong (harm). */
  readonly b: number;
  /** Candidate right, reference wrong (benefit). */
  readonly c: number;
  /** b + c. */
  readonly discordant: number;
  /** P(X ≥ b), X ~ Binomial(b + c, 1/2): the candidate is worse. Equals pValue. */
  readonly pHarm: number;
  /** P(X ≥ c): the candidate is better. */
  readonly pBenefit: number;
  /** min(1, 2 · min(P(X ≤ b), P(X ≥ b))). */
  readonly pTwoSided: number;
}

export interface BootstrapSignResult extends HarmTestResult {
  readonly test: "bootstrap-sign";
  /** Resamples drawn (B requested). */
  readonly resamples: number;
  /** Resamples where a metric was undefined (NaN) for either model; left out of T and of the binomial's n. */
  readonly skipped: number;
  /** T = #{b : S1_b − S2_b ≥ 0}: resamples where the candidate is at least as good. Equals statistic. */
  readonly atLeastAsGood: number;
  /** #{b : S1_b − S2_b > 0}: resamples where the candidate is strictly better. */
  readonly better: number;
  /** #{b : S1_b − S2_b < 0} / (B − skipped): the share of usable resamples in which the candidate is worse (0 when none). */
  readonly worseShare: number;
  /** #{b : S1_b − S2_b ≤ 0} / (B − skipped): the one-sided percentile-bootstrap p-value for benefit. */
  readonly pBenefit: number;
  /** S1 − S2 on the original sample. */
  readonly observedDifference: number;
  /** Mean of S1_b − S2_b over the resamples. */
  readonly meanDifference: number;
  /** 2.5th and 97.5th percentiles of S1_b − S2_b (nearest rank); null when no resample was usable. */
  readonly interval: readonly [number, number] | null;
}

const assertCount = (name: string, v: number): void => {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
};

const assertAlpha = (alpha: number): void => {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
};

/**
 * P(X ≤ k) for X ~ Binomial(n, 1/2), exact up to float64 rounding: log C(n, i) by the recurrence
 * log C(n, i) = log C(n, i − 1) + log(n − i + 1) − log i, summed with log-sum-exp from the largest term down.
 */
export const binomialHalfCdf = (k: number, n: number): number => {
  assertCount("n", n);
  if (!Number.isInteger(k)) throw new RangeError(`k must be an integer, got ${k}`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  const logHalfN = n * Math.log(0.5);
  const logTerms: number[] = [];
  let logC = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    logTerms.push(logC + logHalfN);
  }
  // The largest term is the last one (k < n/2) or near the middle; log-sum-exp over all terms.
  let max = Number.NEGATIVE_INFINITY;
  for (const t of logTerms) if (t > max) max = t;
  let sum = 0;
  for (const t of logTerms) sum += Math.exp(t - max);
  return Math.min(1, Math.exp(max + Math.log(sum)));
};

/** P(X ≥ k) for X ~ Binomial(n, 1/2): by symmetry, P(X ≤ n − k). */
export const binomialHalfUpper = (k: number, n: number): number => binomialHalfCdf(n - k, n);

/**
 * Exact McNemar test from the discordant pair counts: b (reference right, candidate wrong) and c (candidate right,
 * reference wrong). With no discordant pairs every p-value is 1.
 */
export const exactMcNemar = (b: number, c: number, alpha = 0.05): McNemarResult => {
  assertCount("b", b);
  assertCount("c", c);
  assertAlpha(alpha);
  const n = b + c;
  const pHarm = n === 0 ? 1 : binomialHalfUpper(b, n);
  const pBenefit = n === 0 ? 1 : binomialHalfUpper(c, n);
  const pTwoSided = n === 0 ? 1 : Math.min(1, 2 * Math.min(binomialHalfCdf(b, n), pHarm));
  return { test: "exact-mcnemar", statistic: b, pValue: pHarm, alpha, harmed: pHarm < alpha, b, c, discordant: n, pHarm, pBenefit, pTwoSided };
};

/** Discordant pair counts of two models' 0/1 correctness on the same units, in the order exactMcNemar takes. */
export const discordantPairs = (candidateCorrect: readonly boolean[], referenceCorrect: readonly boolean[]): { b: number; c: number } => {
  if (candidateCorrect.length !== referenceCorrect.length) {
    throw new RangeError(`paired outcomes differ in length: ${candidateCorrect.length} candidate vs ${referenceCorrect.length} reference`);
  }
  let b = 0;
  let c = 0;
  for (let i = 0; i < candidateCorrect.length; i++) {
    if (referenceCorrect[i] && !candidateCorrect[i]) b++;
    else if (candidateCorrect[i] && !referenceCorrect[i]) c++;
  }
  return { b, c };
};

export interface BootstrapSignInput {
  /** One stratum key per unit (e.g. `${group}/${label}`); resamples keep each stratum's size. */
  readonly strata: readonly (string | number)[];
  /** The candidate's metric on a resample, given the resampled unit indices (with repeats). S1. */
  readonly candidate: (units: readonly number[]) => number;
  /** The reference's metric on the same resample. S2. */
  readonly reference: (units: readonly number[]) => number;
  /** B. */
  readonly resamples: number;
  /** A seeded uniform [0, 1) stream (ctx.random in a step). */
  readonly rng: () => number;
  readonly alpha?: number;
}

/** Stratified resampling order: strata in sorted key order (numbers before strings), units ascending within each. */
const strataOf = (keys: readonly (string | number)[]): number[][] => {
  const groups = new Map<string | number, number[]>();
  keys.forEach((k, i) => {
    const list = groups.get(k) ?? [];
    list.push(i);
    groups.set(k, list);
  });
  const cmp = (a: string | number, b: string | number): number =>
    typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === "number" ? -1 : 1;
  return [...groups.entries()].sort((a, b) => cmp(a[0], b[0])).map(([, units]) => units);
};

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

/** The paired, stratified bootstrap of the gain (see the module comment). Harm when almost every resample is worse. */
export const bootstrapSignTest = (input: BootstrapSignInput): BootstrapSignResult => {
  const alpha = input.alpha ?? 0.05;
  assertAlpha(alpha);
  assertCount("resamples", input.resamples);
  if (input.resamples === 0) throw new RangeError("resamples must be at least 1");
  if (input.strata.length === 0) throw new RangeError("no units to resample");
  const strata = strataOf(input.strata);
  const all = Array.from({ length: input.strata.length }, (_, i) => i);
  const observedDifference = input.candidate(all) - input.reference(all);

  let atLeastAsGood = 0;
  let better = 0;
  let skipped = 0;
  let sum = 0;
  const differences: number[] = [];
  const sample = new Array<number>(input.strata.length);
  for (let b = 0; b < input.resamples; b++) {
    let k = 0;
    for (const units of strata) {
      for (let j = 0; j < units.length; j++) sample[k++] = units[Math.floor(input.rng() * units.length)]!;
    }
    const d = input.candidate(sample) - input.reference(sample);
    if (Number.isNaN(d)) {
      skipped++;
      continue;
    }
    if (d >= 0) atLeastAsGood++;
    if (d > 0) better++;
    sum += d;
    differences.push(d);
  }
  const used = input.resamples - skipped;
  const pValue = used === 0 ? 1 : atLeastAsGood / used;
  const pBenefit = used === 0 ? 1 : (used - better) / used;
  differences.sort((a, b) => a - b);
  return {
    test: "bootstrap-sign",
    statistic: atLeastAsGood,
    pValue,
    alpha,
    harmed: pValue < alpha,
    resamples: input.resamples,
    skipped,
    atLeastAsGood,
    better,
    worseShare: used === 0 ? 0 : (used - atLeastAsGood) / used,
    pBenefit,
    observedDifference,
    meanDifference: used === 0 ? Number.NaN : sum / used,
    interval: used === 0 ? null : [percentile(differences, 0.025), percentile(differences, 0.975)],
  };
};

/** A metric for bootstrapSignTest: the mean of per-unit scores (e.g. 1/0 correctness gives accuracy). */
export const meanOver = (scores: readonly number[]) => (units: readonly number[]): number => {
  if (units.length === 0) return Number.NaN;
  let s = 0;
  for (const u of units) s += scores[u]!;
  return s / units.length;
};
