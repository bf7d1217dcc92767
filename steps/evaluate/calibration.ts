/**
 * Expected calibration error with equal-width bins and the calibration-curve points behind it
 * (Naeini, Cooper & Hauskrecht, AAAI 2015; Guo et al., ICML 2017):
 *   ECE = Σ_b (n_b / n) · |mean(y)_b − mean(p)_b|.
 * Bins are ((b−1)/B, b/B] with the first closed at 0, as in Guo et al. and scikit-learn's calibration_curve
 * (strategy "uniform"): a prediction's bin is the number of inner edges b/B (computed as b · (1/B), like numpy's
 * linspace) strictly below it. Empty bins have no point and add nothing.
 */
export interface CalibrationBin {
  /** 0-based bin index. */
  readonly bin: number;
  readonly lower: number;
  readonly upper: number;
  /** Predictions in the bin. */
  readonly n: number;
  /** Mean predicted probability (x of the curve). */
  readonly meanPredicted: number;
  /** Observed share of positives (y of the curve). */
  readonly observed: number;
}

export interface Calibration {
  /** NaN for no rows. */
  readonly ece: number;
  /** Non-empty bins only, in bin order. */
  readonly bins: readonly CalibrationBin[];
}

/** The bin index (0..bins−1) of a probability. */
export const binOf = (p: number, bins: number): number => {
  const step = 1 / bins;
  let b = 0;
  for (let i = 1; i < bins; i++) if (i * step < p) b = i;
  return b;
};

export const calibration = (labels: ArrayLike<number>, probs: ArrayLike<number>, bins = 10): Calibration => {
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const b = binOf(probs[i]!, bins);
    count[b]!++;
    sumP[b]! += probs[i]!;
    sumY[b]! += labels[i]!;
  }
  const points: CalibrationBin[] = [];
  let ece = 0;
  const step = 1 / bins;
  for (let b = 0; b < bins; b++) {
    const n = count[b]!;
    if (n === 0) continue;
    const meanPredicted = sumP[b]! / n;
    const observed = sumY[b]! / n;
    ece += (n / labels.length) * Math.abs(observed - meanPredicted);
    points.push({ bin: b, lower: b * step, upper: b === bins - 1 ? 1 : (b + 1) * step, n, meanPredicted, observed });
  }
  return { ece: labels.length === 0 ? Number.NaN : ece, bins: points };
};
