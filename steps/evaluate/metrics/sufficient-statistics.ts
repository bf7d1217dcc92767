/**
 * The bootstrap's fast path: one set of rows sorted once by probability, then, for any integer weight per person
 * (how often a resample drew them; 1 for the evaluated sample itself), the sufficient statistics every metric's
 * `fromStatistics` needs, in one pass over the rows and one over the runs of tied probabilities, with no copying,
 * sorting or allocation beyond the result. Counting metrics, AUROC and average precision come out bit-identical to
 * the metrics' plain definitions (their arithmetic is on integer counts); Brier, log loss and ECE sum in another
 * order (differences ~1e-16).
 */
import { binOf } from "../calibration.js";
import { squaredError } from "./brier.js";
import { logLossTerm } from "./log-loss.js";
import { BINS, type SufficientStatistics } from "./metric.js";

/** One set of rows (e.g. a replicate's test rows of a subgroup), sorted by probability, ties by person index. */
export interface SortedRows {
  /** Person index (into the weights array) per position. */
  readonly person: Int32Array;
  readonly y: Uint8Array;
  readonly p: Float64Array;
  readonly bin: Uint8Array;
  /** Each row's log-loss term and squared error, computed once. */
  readonly loss: Float64Array;
  readonly squaredError: Float64Array;
  /** 1 at the last position of each run of tied probabilities. */
  readonly lastOfRun: Uint8Array;
  /** First position of each calibration bin (bins are contiguous, the rows being sorted), then the row count. */
  readonly binStarts: Int32Array;
  /** Scratch per run of ties (weight of positives and negatives), reused by every pass over these rows. */
  readonly runPositives: Float64Array;
  readonly runNegatives: Float64Array;
}

/**
 * The rows at `positions` of the columns, in that order (which must be by probability, ties by person), with their
 * runs of ties; `person` null: the position.
 */
export const rowsAt = (positions: Int32Array, person: ArrayLike<number> | null, labels: ArrayLike<number>, probs: ArrayLike<number>): SortedRows => {
  const n = positions.length;
  const rows = {
    person: new Int32Array(n),
    y: new Uint8Array(n),
    p: new Float64Array(n),
    bin: new Uint8Array(n),
    loss: new Float64Array(n),
    squaredError: new Float64Array(n),
  };
  for (let k = 0; k < n; k++) {
    const i = positions[k]!;
    const y = labels[i]!;
    const p = probs[i]!;
    rows.person[k] = person === null ? i : person[i]!;
    rows.y[k] = y;
    rows.p[k] = p;
    rows.bin[k] = binOf(p, BINS);
    rows.loss[k] = logLossTerm(y, p);
    rows.squaredError[k] = squaredError(y, p);
  }
  const lastOfRun = new Uint8Array(n);
  let runs = 0;
  for (let k = 0; k < n; k++) {
    if (k === n - 1 || rows.p[k + 1] !== rows.p[k]) {
      lastOfRun[k] = 1;
      runs++;
    }
  }
  const binStarts = new Int32Array(BINS + 1);
  for (let k = 0; k < n; k++) binStarts[rows.bin[k]! + 1]!++;
  for (let b = 1; b <= BINS; b++) binStarts[b]! += binStarts[b - 1]!;
  return { ...rows, lastOfRun, binStarts, runPositives: new Float64Array(runs), runNegatives: new Float64Array(runs) };
};

/** The positions of the rows by probability, ties by person. */
export const probabilityOrder = (person: ArrayLike<number>, probs: ArrayLike<number>): Int32Array =>
  Int32Array.from({ length: person.length }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]! || person[a]! - person[b]!);

export const sortRows = (person: ArrayLike<number>, labels: ArrayLike<number>, probs: ArrayLike<number>): SortedRows =>
  rowsAt(probabilityOrder(person, probs), person, labels, probs);

/**
 * The rows of `rows` whose position `keep` marks, in the same order (no sorting). Their `person` is the position
 * in `rows`: weigh them with the weights of `rows` gathered by position (gatherWeights), which a pass reads almost
 * in order.
 */
export const subsetRows = (rows: SortedRows, keep: (position: number) => boolean): SortedRows => {
  const positions: number[] = [];
  for (let k = 0; k < rows.person.length; k++) if (keep(k)) positions.push(k);
  return rowsAt(Int32Array.from(positions), null, rows.y, rows.p);
};

/** Each position's weight, `weights` being per person: the weights of subsetRows(rows, ...). */
export const gatherWeights = (rows: SortedRows, weights: ArrayLike<number>, into: Int32Array): Int32Array => {
  const { person } = rows;
  for (let k = 0; k < person.length; k++) into[k] = weights[person[k]!]!;
  return into;
};

/** The first position whose probability is at least `threshold` (the row count if none). */
const firstAtOrAbove = (p: Float64Array, threshold: number): number => {
  let lo = 0;
  let hi = p.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (p[mid]! >= threshold) hi = mid;
    else lo = mid + 1;
  }
  return lo;
};

/** The statistics of the weighted rows; null when the total weight is zero. */
export const sufficientStatistics = (rows: SortedRows, weights: ArrayLike<number>, threshold: number): SufficientStatistics | null => {
  const { person, y, p, loss, squaredError: squared, lastOfRun, binStarts, runPositives, runNegatives } = rows;
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let squaredErrorSum = 0;
  let logLossSum = 0;
  let aurocNumerator = 0;
  let negativesBelow = 0;
  const binCount = new Float64Array(BINS);
  const binSumP = new Float64Array(BINS);
  const binSumY = new Float64Array(BINS);
  // Ascending pass: counts, sums, calibration bins, and AUROC as P(positive > negative) + ½ P(tie), over segments
  // (a bin's rows below, then at or above the threshold) that no run of ties straddles. Σ w·p per bin is summed in
  // the same order as row by row; a zero weight adds exactly nothing (every term is finite), so the loop has no
  // branch on it. AUROC's terms are integers and halves, summed exactly in any order.
  const cut = firstAtOrAbove(p, threshold);
  let run = 0;
  let pos = 0;
  let neg = 0;
  for (let b = 0; b < BINS; b++) {
    const begin = binStarts[b]!;
    const end = binStarts[b + 1]!;
    const split = Math.min(Math.max(cut, begin), end);
    let binP = 0;
    for (let side = 0; side < 2; side++) {
      const from = side === 0 ? begin : split;
      const to = side === 0 ? split : end;
      let segmentPositives = 0;
      let segmentNegatives = 0;
      for (let i = from; i < to; i++) {
        const w = weights[person[i]!]!;
        const wy = w * y[i]!;
        pos += wy;
        neg += w - wy;
        binP += w * p[i]!;
        logLossSum += w * loss[i]!;
        squaredErrorSum += w * squared[i]!;
        if (lastOfRun[i] === 1) {
          aurocNumerator += pos * (negativesBelow + neg / 2);
          negativesBelow += neg;
          runPositives[run] = pos;
          runNegatives[run] = neg;
          run++;
          segmentPositives += pos;
          segmentNegatives += neg;
          pos = 0;
          neg = 0;
        }
      }
      if (side === 0) {
        fn += segmentPositives;
        tn += segmentNegatives;
      } else {
        tp += segmentPositives;
        fp += segmentNegatives;
      }
      binCount[b]! += segmentPositives + segmentNegatives;
      binSumY[b]! += segmentPositives;
    }
    binSumP[b] = binP;
  }
  const n = tp + fp + tn + fn;
  if (n === 0) return null;
  const positives = tp + fn;
  // Descending pass over the runs: average precision over tied-score thresholds.
  let averagePrecision: number | null = null;
  if (positives > 0) {
    averagePrecision = 0;
    let cumTp = 0;
    let cumFp = 0;
    let previousRecall = 0;
    for (let t = run - 1; t >= 0; t--) {
      const pos = runPositives[t]!;
      const neg = runNegatives[t]!;
      if (pos + neg === 0) continue;
      cumTp += pos;
      cumFp += neg;
      const recall = cumTp / positives;
      averagePrecision += (recall - previousRecall) * (cumTp / (cumTp + cumFp));
      previousRecall = recall;
    }
  }
  return { n, tp, fp, tn, fn, squaredErrorSum, logLossSum, aurocNumerator, averagePrecision, binCount, binSumP, binSumY };
};
