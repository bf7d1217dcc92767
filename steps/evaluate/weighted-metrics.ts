/**
 * The bootstrap's fast path: every metric of metric-set.ts in two passes over rows sorted once by probability,
 * with an integer weight per person (how often a resample drew them; 1 for the evaluated sample itself). A
 * resample then needs no copying and no sorting. The per-metric modules stay the readable definitions; this file
 * must agree with them (test/steps/evaluate-weighted.test.ts checks it on random data, and the golden test runs
 * both against scikit-learn). Counting metrics, AUROC and average precision come out bit-identical to the modules
 * (their arithmetic is on integer counts); Brier, log loss and ECE sum in another order (differences ~1e-16).
 */
import { binOf } from "./calibration.js";
import { EPSILON } from "./log-loss.js";
import type { BasisCounts, MetricValues } from "./metric-set.js";

/** One set of rows (e.g. a replicate's test rows of a subgroup), sorted by probability, ties by person index. */
export interface SortedRows {
  /** Person index (into the weights array) per position. */
  readonly person: Int32Array;
  readonly y: Uint8Array;
  readonly p: Float64Array;
  readonly bin: Uint8Array;
  /** Each row's log-loss term (probabilities clipped as in log-loss.ts) and squared error, computed once. */
  readonly loss: Float64Array;
  readonly squaredError: Float64Array;
  /** Position where each run of tied probabilities ends (exclusive), ascending. */
  readonly tieEnds: Int32Array;
}

export const BINS = 10;

const clip = (v: number): number => Math.min(Math.max(v, EPSILON), 1 - EPSILON);

export const sortRows = (person: readonly number[], labels: readonly number[], probs: readonly number[]): SortedRows => {
  const order = Array.from({ length: person.length }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]! || person[a]! - person[b]!);
  const n = order.length;
  const rows = {
    person: Int32Array.from(order, (i) => person[i]!),
    y: Uint8Array.from(order, (i) => labels[i]!),
    p: Float64Array.from(order, (i) => probs[i]!),
    bin: Uint8Array.from(order, (i) => binOf(probs[i]!, BINS)),
    loss: Float64Array.from(order, (i) => (labels[i] === 1 ? -Math.log(clip(probs[i]!)) : -Math.log(clip(1 - probs[i]!)))),
    squaredError: Float64Array.from(order, (i) => (probs[i]! - labels[i]!) ** 2),
  };
  const ends: number[] = [];
  for (let i = 0; i < n; i++) if (i === n - 1 || rows.p[i + 1] !== rows.p[i]) ends.push(i + 1);
  return { ...rows, tieEnds: Int32Array.from(ends) };
};

const binCount = new Float64Array(BINS);
const binSumP = new Float64Array(BINS);
const binSumY = new Float64Array(BINS);

/** Every metric on the weighted rows; null when the total weight is zero. */
export const weightedMetrics = (rows: SortedRows, weights: ArrayLike<number>, threshold: number): { values: MetricValues; basis: BasisCounts } | null => {
  let n = 0;
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let brierSum = 0;
  let logSum = 0;
  let aucNumerator = 0;
  let negativesBelow = 0;
  binCount.fill(0);
  binSumP.fill(0);
  binSumY.fill(0);
  // Ascending pass: counts, sums, calibration bins, and AUROC as P(positive > negative) + ½ P(tie).
  let start = 0;
  for (let t = 0; t < rows.tieEnds.length; t++) {
    const end = rows.tieEnds[t]!;
    let pos = 0;
    let neg = 0;
    for (let i = start; i < end; i++) {
      const w = weights[rows.person[i]!]!;
      if (w === 0) continue;
      const p = rows.p[i]!;
      const y = rows.y[i]!;
      n += w;
      const predicted = p >= threshold;
      if (y === 1) {
        pos += w;
        predicted ? (tp += w) : (fn += w);
      } else {
        neg += w;
        predicted ? (fp += w) : (tn += w);
      }
      logSum += w * rows.loss[i]!;
      brierSum += w * rows.squaredError[i]!;
      const b = rows.bin[i]!;
      binCount[b]! += w;
      binSumP[b]! += w * p;
      binSumY[b]! += w * y;
    }
    aucNumerator += pos * (negativesBelow + neg / 2);
    negativesBelow += neg;
    start = end;
  }
  if (n === 0) return null;
  const positives = tp + fn;
  const negatives = tn + fp;
  // Descending pass: average precision over tied-score thresholds.
  let ap: number | null = null;
  if (positives > 0) {
    ap = 0;
    let cumTp = 0;
    let cumFp = 0;
    let previousRecall = 0;
    for (let t = rows.tieEnds.length - 1; t >= 0; t--) {
      const end = rows.tieEnds[t]!;
      const begin = t === 0 ? 0 : rows.tieEnds[t - 1]!;
      let pos = 0;
      let neg = 0;
      for (let i = begin; i < end; i++) {
        const w = weights[rows.person[i]!]!;
        if (rows.y[i] === 1) pos += w;
        else neg += w;
      }
      if (pos + neg === 0) continue;
      cumTp += pos;
      cumFp += neg;
      const recall = cumTp / positives;
      ap += (recall - previousRecall) * (cumTp / (cumTp + cumFp));
      previousRecall = recall;
    }
  }
  let ece = 0;
  for (let b = 0; b < BINS; b++) {
    const c = binCount[b]!;
    if (c > 0) ece += (c / n) * Math.abs(binSumY[b]! / c - binSumP[b]! / c);
  }
  const ratio = (k: number, d: number): number | null => (d === 0 ? null : k / d);
  const recalls: number[] = [];
  if (negatives > 0) recalls.push(tn / negatives);
  if (positives > 0) recalls.push(tp / positives);
  return {
    values: {
      accuracy: (tp + tn) / n,
      balancedAccuracy: recalls.length === 1 ? recalls[0]! : (recalls[0]! + recalls[1]!) / 2,
      sensitivity: ratio(tp, positives),
      specificity: ratio(tn, negatives),
      ppv: ratio(tp, tp + fp),
      npv: ratio(tn, tn + fn),
      auroc: positives === 0 || negatives === 0 ? null : aucNumerator / (positives * negatives),
      auprc: ap,
      brier: brierSum / n,
      logLoss: logSum / n,
      ece,
    },
    basis: { n, positives, negatives, predictedPositives: tp + fp, predictedNegatives: tn + fn },
  };
};
