/**
 * Area under the precision-recall curve as average precision (scikit-learn's average_precision_score, no
 * interpolation): AP = Σ_n (R_n − R_{n−1}) · P_n over the distinct score thresholds from high to low, where a
 * threshold's precision and recall count every row scoring at or above it (tied scores enter together).
 * null when the labels hold no positive. The weighted pass accumulates the same sum in its descending pass.
 */
import { defineMetric } from "./metric.js";

const averagePrecision = (labels: readonly number[], probs: readonly number[]): number | null => {
  const n = labels.length;
  let positives = 0;
  for (const y of labels) if (y === 1) positives++;
  if (positives === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
  let tp = 0;
  let fp = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && probs[order[j]!] === probs[order[i]!]) {
      if (labels[order[j]!] === 1) tp++;
      else fp++;
      j++;
    }
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / (tp + fp));
    previousRecall = recall;
    i = j;
  }
  return ap;
};

export const auprc = defineMetric({
  name: "auprc",
  label: "AUPRC (average precision)",
  higherIsBetter: true,
  proportion: false,
  basis: "n",
  ratios: true,
  key: false,
  compute: (labels, probs) => averagePrecision(labels, probs),
  fromStatistics: (s) => s.averagePrecision,
});
