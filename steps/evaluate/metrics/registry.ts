/**
 * The metrics, in the order every document, table and test lists them. This list is the only one: evaluation,
 * the reports (HTML, Markdown, JSON) and the golden tests read it, and MetricName is derived from it, so a metric
 * added here is computed, stored and shown everywhere. Adding a metric = its module (metric.ts says what it
 * declares), one line here, and its test.
 */
import { accuracy } from "./accuracy.js";
import { auroc } from "./auroc.js";
import { auprc } from "./average-precision.js";
import { balancedAccuracy } from "./balanced-accuracy.js";
import { brier } from "./brier.js";
import { type Confusion, confusion } from "./confusion.js";
import { ece } from "./ece.js";
import { logLoss } from "./log-loss.js";
import { mcc } from "./mcc.js";
import type { Basis, Metric } from "./metric.js";
import { npv } from "./npv.js";
import { ppv } from "./ppv.js";
import { sensitivity } from "./sensitivity.js";
import { specificity } from "./specificity.js";
import { type SortedRows, sufficientStatistics } from "./sufficient-statistics.js";

export const METRICS = [accuracy, balancedAccuracy, sensitivity, specificity, ppv, npv, auroc, auprc, brier, logLoss, ece, mcc] as const;

export type MetricName = (typeof METRICS)[number]["name"];
export const METRIC_NAMES: readonly MetricName[] = METRICS.map((m) => m.name);
export const METRIC_BY_NAME: { readonly [M in MetricName]: Metric<M> } = Object.fromEntries(METRICS.map((m) => [m.name, m])) as never;

/** The metrics shown by default in the reports' key-metric tables. */
export const KEY_METRICS: readonly MetricName[] = METRICS.filter((m) => m.key).map((m) => m.name);

/** What an evaluation document records about each metric, for the reports that read it. */
export interface MetricInfo {
  readonly name: MetricName;
  readonly label: string;
  readonly higherIsBetter: boolean;
  /** A proportion of people (gets a Wilson interval). */
  readonly proportion: boolean;
  readonly basis: Basis;
}
export const METRIC_INFO: { readonly [M in MetricName]: MetricInfo } = Object.fromEntries(
  METRICS.map((m) => [m.name, { name: m.name, label: m.label, higherIsBetter: m.higherIsBetter, proportion: m.proportion, basis: m.basis }]),
) as never;

export type MetricValues = { readonly [M in MetricName]: number | null };
export type BasisCounts = { readonly [B in Basis]: number };

const valuesOf = (value: (metric: Metric) => number | null): MetricValues => Object.fromEntries(METRICS.map((m) => [m.name, value(m)])) as never;

const basisOf = (c: Confusion): BasisCounts => ({
  n: c.tp + c.fp + c.tn + c.fn,
  positives: c.tp + c.fn,
  negatives: c.tn + c.fp,
  predictedPositives: c.tp + c.fp,
  predictedNegatives: c.tn + c.fn,
});

/** Every metric on one set of rows by its plain definition; undefined values are null. */
export const computeMetrics = (labels: readonly number[], probs: readonly number[], threshold: number): { values: MetricValues; basis: BasisCounts } => {
  return { values: valuesOf((m) => m.compute(labels, probs, threshold)), basis: basisOf(confusion(labels, probs, threshold)) };
};

/** Every metric on the weighted rows (the bootstrap's fast path); null when the total weight is zero. */
export const weightedMetrics = (rows: SortedRows, weights: ArrayLike<number>, threshold: number): { values: MetricValues; basis: BasisCounts } | null => {
  const s = sufficientStatistics(rows, weights, threshold);
  return s === null ? null : { values: valuesOf((m) => m.fromStatistics(s)), basis: basisOf(s) };
};
