/**
 * What a metric is, for every step and report that uses one: its name and label, which direction is better,
 * whether it is a proportion of people (it then gets a Wilson interval), its basis (which people it is computed
 * on, for small-cell suppression: sensitivity on the positives, PPV on those predicted positive, ...), whether a
 * ratio of two of its values means anything (Fairlearn's ratios), and its computation twice:
 * - `compute`: the readable definition on plain arrays (labels 0/1, probabilities P(y = 1));
 * - `fromStatistics`: the same value from the sufficient statistics of the weighted single pass the bootstrap
 *   uses (sufficient-statistics.ts), so a resample needs no copying and no sorting.
 * Both must agree (test/steps/evaluate-weighted.test.ts, and the golden test against scikit-learn).
 */

/** Which people a value is computed on: the count that decides small-cell suppression. */
export type Basis = "n" | "positives" | "negatives" | "predictedPositives" | "predictedNegatives";

/** Equal-width calibration bins of the weighted pass (and of ECE). */
export const BINS = 10;

/**
 * Everything the weighted pass accumulates over one set of rows with an integer weight per person. Counts are
 * total weights; sums are Σ weight · term. The pass only produces it for a positive total weight.
 */
export interface SufficientStatistics {
  readonly n: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  /** Σ w · (p − y)². */
  readonly squaredErrorSum: number;
  /** Σ w · the clipped log-loss term of log-loss.ts. */
  readonly logLossSum: number;
  /** Σ over positives of w · (weight of negatives scoring lower + ½ weight of tied negatives). */
  readonly aurocNumerator: number;
  /** Average precision over tied-score thresholds from high to low; null without positives. */
  readonly averagePrecision: number | null;
  /** Per calibration bin: total weight, Σ w · p and Σ w · y. */
  readonly binCount: Float64Array;
  readonly binSumP: Float64Array;
  readonly binSumY: Float64Array;
}

export interface Metric<Name extends string = string> {
  /** The key in every document and report. */
  readonly name: Name;
  readonly label: string;
  readonly higherIsBetter: boolean;
  /** A proportion of people (gets a Wilson interval). */
  readonly proportion: boolean;
  readonly basis: Basis;
  /** Ratios between groups are meaningful (false for a metric that can be zero or negative, such as a correlation). */
  readonly ratios: boolean;
  /** Shown by default in the reports' key-metric tables, the gains forest plot and the comparisons. */
  readonly key: boolean;
  /** The readable definition; null where the metric is undefined (no rows, one class, nothing predicted positive). */
  readonly compute: (labels: readonly number[], probs: readonly number[], threshold: number) => number | null;
  /** The same value from the weighted pass's statistics. */
  readonly fromStatistics: (s: SufficientStatistics) => number | null;
}

/** Declares a metric, keeping its name as a literal type (the registry derives MetricName from it). */
export const defineMetric = <const Name extends string>(metric: Metric<Name>): Metric<Name> => metric;
