/**
 * Net benefit and decision curves (Vickers & Elkin 2006; docs/references.md "Net benefit"). Treating everyone
 * whose predicted risk is at least the threshold probability t, among n people:
 *   NB(t) = TP/n − FP/n · t / (1 − t)
 * where t / (1 − t) is the odds at which a clinician is indifferent between a missed case and an unnecessary
 * treatment. The two reference strategies: treat none (NB = 0) and treat all (TP = positives, FP = negatives).
 * A prediction is positive when prob ≥ t, as in the dcurves reference implementation.
 *
 * Not a registry metric (metrics/registry.ts holds values at one threshold): a decision curve is a value per
 * threshold of a declared range. `decisionCurve` is the readable definition on plain arrays;
 * `weightedDecisionCurve` the same values from per-person integer weights in one pass, as the bootstrap uses.
 */

export const netBenefitAt = (truePositives: number, falsePositives: number, n: number, threshold: number): number =>
  truePositives / n - (falsePositives / n) * (threshold / (1 - threshold));

export interface DecisionCurve {
  /** NB of treating by the model, per threshold. */
  readonly model: readonly number[];
  /** NB of treating everyone, per threshold. */
  readonly treatAll: readonly number[];
}

/** The decision curve of one set of people (labels 0/1, probabilities P(y = 1)); null without people. */
export const decisionCurve = (y: ArrayLike<number>, p: ArrayLike<number>, thresholds: readonly number[]): DecisionCurve | null => {
  const n = y.length;
  if (n === 0) return null;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i]!;
  return {
    model: thresholds.map((t) => {
      let tp = 0;
      let fp = 0;
      for (let i = 0; i < n; i++) {
        if (p[i]! < t) continue;
        if (y[i] === 1) tp++;
        else fp++;
      }
      return netBenefitAt(tp, fp, n, t);
    }),
    treatAll: thresholds.map((t) => netBenefitAt(positives, n - positives, n, t)),
  };
};

/**
 * How many of the ascending thresholds are ≤ p: a person with bucket b is treated at thresholds 0..b−1. Computed
 * once per prediction, so a weighted pass over a resample is one addition per person.
 */
export const thresholdBucket = (p: number, thresholds: readonly number[]): number => {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (thresholds[mid]! <= p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/**
 * The decision curve from weighted counts per bucket (thresholdBucket): `positives[b]` and `negatives[b]` are
 * the total weight of the people with label 1 and 0 in bucket b (length thresholds + 1). Null for no weight.
 */
export const bucketDecisionCurve = (positives: ArrayLike<number>, negatives: ArrayLike<number>, thresholds: readonly number[]): DecisionCurve | null => {
  const T = thresholds.length;
  let allPositives = 0;
  let allNegatives = 0;
  for (let b = 0; b <= T; b++) {
    allPositives += positives[b]!;
    allNegatives += negatives[b]!;
  }
  const n = allPositives + allNegatives;
  if (n === 0) return null;
  const model = new Array<number>(T);
  // Walking the thresholds from high to low, the treated are the buckets above the threshold's index.
  let tp = 0;
  let fp = 0;
  for (let k = T - 1; k >= 0; k--) {
    tp += positives[k + 1]!;
    fp += negatives[k + 1]!;
    model[k] = netBenefitAt(tp, fp, n, thresholds[k]!);
  }
  return { model, treatAll: thresholds.map((t) => netBenefitAt(allPositives, allNegatives, n, t)) };
};

/** A threshold range a study declares: ascending, each strictly between 0 and 1; the problem, or null. */
export const thresholdsProblem = (thresholds: readonly number[]): string | null => {
  if (thresholds.length === 0) return "expected at least one threshold";
  for (let k = 0; k < thresholds.length; k++) {
    const t = thresholds[k]!;
    if (!(t > 0 && t < 1)) return `threshold ${t} at index ${k} is not strictly between 0 and 1 (net benefit weighs false positives by t / (1 − t))`;
    if (k > 0 && !(t > thresholds[k - 1]!)) return `thresholds must be strictly ascending; ${t} at index ${k} follows ${thresholds[k - 1]}`;
  }
  return null;
};
