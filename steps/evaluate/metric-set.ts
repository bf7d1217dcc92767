/**
 * The metrics the depth evaluation computes for every model × group × replicate, each from its own module, with
 * what a report needs to know about it: a label, whether higher is better (for gains), and the "basis" — how many
 * people the value is computed on, which decides small-cell suppression (sensitivity is computed on the positives
 * only, PPV on those predicted positive, and so on).
 */
import { averagePrecision } from "./average-precision.js";
import { balancedAccuracy } from "./balanced-accuracy.js";
import { expectedCalibrationError } from "./calibration.js";
import { confusion } from "./confusion.js";
import { logLoss } from "./log-loss.js";
import { accuracy, auroc, brier } from "./metrics.js";
import { npv } from "./npv.js";
import { ppv } from "./ppv.js";
import { sensitivity } from "./sensitivity.js";
import { specificity } from "./specificity.js";

export const METRIC_NAMES = [
  "accuracy",
  "balancedAccuracy",
  "sensitivity",
  "specificity",
  "ppv",
  "npv",
  "auroc",
  "auprc",
  "brier",
  "logLoss",
  "ece",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

type Basis = "n" | "positives" | "negatives" | "predictedPositives" | "predictedNegatives";

export interface MetricInfo {
  readonly name: MetricName;
  readonly label: string;
  readonly higherIsBetter: boolean;
  /** A proportion of people (gets a Wilson interval). */
  readonly proportion: boolean;
  readonly basis: Basis;
}

export const METRIC_INFO: { readonly [M in MetricName]: MetricInfo } = {
  accuracy: { name: "accuracy", label: "Accuracy", higherIsBetter: true, proportion: true, basis: "n" },
  balancedAccuracy: { name: "balancedAccuracy", label: "Balanced accuracy", higherIsBetter: true, proportion: false, basis: "n" },
  sensitivity: { name: "sensitivity", label: "Sensitivity", higherIsBetter: true, proportion: true, basis: "positives" },
  specificity: { name: "specificity", label: "Specificity", higherIsBetter: true, proportion: true, basis: "negatives" },
  ppv: { name: "ppv", label: "PPV", higherIsBetter: true, proportion: true, basis: "predictedPositives" },
  npv: { name: "npv", label: "NPV", higherIsBetter: true, proportion: true, basis: "predictedNegatives" },
  auroc: { name: "auroc", label: "AUROC", higherIsBetter: true, proportion: false, basis: "n" },
  auprc: { name: "auprc", label: "AUPRC (average precision)", higherIsBetter: true, proportion: false, basis: "n" },
  brier: { name: "brier", label: "Brier score", higherIsBetter: false, proportion: false, basis: "n" },
  logLoss: { name: "logLoss", label: "Log loss", higherIsBetter: false, proportion: false, basis: "n" },
  ece: { name: "ece", label: "ECE (10 bins)", higherIsBetter: false, proportion: false, basis: "n" },
};

export type MetricValues = { readonly [M in MetricName]: number | null };
export type BasisCounts = { readonly [B in Basis]: number };

const finiteOrNull = (v: number | null): number | null => (v === null || Number.isNaN(v) ? null : v);

/** Every metric on one set of rows; undefined values (no rows, one class, nothing predicted positive) are null. */
export const computeMetrics = (labels: readonly number[], probs: readonly number[], threshold: number): { values: MetricValues; basis: BasisCounts } => {
  const c = confusion(labels, probs, threshold);
  const values: MetricValues = {
    accuracy: finiteOrNull(accuracy(labels, probs, threshold)),
    balancedAccuracy: balancedAccuracy(labels, probs, threshold),
    sensitivity: sensitivity(labels, probs, threshold),
    specificity: specificity(labels, probs, threshold),
    ppv: ppv(labels, probs, threshold),
    npv: npv(labels, probs, threshold),
    auroc: auroc(labels, probs),
    auprc: averagePrecision(labels, probs),
    brier: finiteOrNull(brier(labels, probs)),
    logLoss: finiteOrNull(logLoss(labels, probs)),
    ece: finiteOrNull(expectedCalibrationError(labels, probs)),
  };
  const basis: BasisCounts = {
    n: labels.length,
    positives: c.tp + c.fn,
    negatives: c.tn + c.fp,
    predictedPositives: c.tp + c.fp,
    predictedNegatives: c.tn + c.fn,
  };
  return { values, basis };
};
