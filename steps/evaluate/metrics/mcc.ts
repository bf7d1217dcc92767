/**
 * Matthews correlation coefficient (scikit-learn's matthews_corrcoef), the correlation between labels and
 * predictions (prob ≥ threshold → 1):
 *   MCC = (TP·TN − FP·FN) / √((TP + FP)(TP + FN)(TN + FP)(TN + FN)),
 * from −1 (every prediction wrong) through 0 (no better than chance) to 1. Degenerate cases as scikit-learn
 * defines them: when a factor under the root is 0 (one class absent from the labels or from the predictions),
 * MCC is 0. null for no rows. It can be negative, so ratios between groups are meaningless (differences only).
 */
import { type Confusion, confusion } from "./confusion.js";
import { defineMetric } from "./metric.js";

const fromCounts = (c: Confusion): number | null => {
  if (c.tp + c.fp + c.tn + c.fn === 0) return null;
  const denominator = (c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn);
  return denominator === 0 ? 0 : (c.tp * c.tn - c.fp * c.fn) / Math.sqrt(denominator);
};

export const mcc = defineMetric({
  name: "mcc",
  label: "MCC",
  higherIsBetter: true,
  proportion: false,
  basis: "n",
  ratios: false,
  key: true,
  compute: (labels, probs, threshold) => fromCounts(confusion(labels, probs, threshold)),
  fromStatistics: fromCounts,
});
