/** Brier score: mean of (prob − label)², scikit-learn's brier_score_loss. null for no rows. */
import { defineMetric } from "./metric.js";

/** One row's term; the weighted pass computes it once per row. */
export const squaredError = (label: number, prob: number): number => (prob - label) ** 2;

export const brier = defineMetric({
  name: "brier",
  label: "Brier score",
  higherIsBetter: false,
  proportion: false,
  basis: "n",
  ratios: true,
  key: true,
  compute: (labels, probs) => {
    if (labels.length === 0) return null;
    let sum = 0;
    for (let i = 0; i < labels.length; i++) sum += squaredError(labels[i]!, probs[i]!);
    return sum / labels.length;
  },
  fromStatistics: (s) => s.squaredErrorSum / s.n,
});
