/**
 * Area under the ROC curve by the rank-sum (Mann-Whitney U) formula, tied scores given their average rank:
 *   AUROC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋),  R₊ = sum of the positives' ranks.
 * Equals P(score of a random positive > score of a random negative) + ½ P(tie), which is how the weighted pass
 * accumulates it. null when one class is absent.
 */
import { defineMetric } from "./metric.js";

const rankSumAuroc = (labels: readonly number[], probs: readonly number[]): number | null => {
  const n = labels.length;
  let positives = 0;
  for (const y of labels) if (y === 1) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]! || a - b);
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && probs[order[j + 1]!] === probs[order[i]!]) j++;
    const averageRank = (i + 1 + (j + 1)) / 2; // ranks are 1-based
    for (let k = i; k <= j; k++) if (labels[order[k]!] === 1) rankSum += averageRank;
    i = j + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
};

export const auroc = defineMetric({
  name: "auroc",
  label: "AUROC",
  higherIsBetter: true,
  proportion: false,
  basis: "n",
  ratios: true,
  key: true,
  compute: (labels, probs) => rankSumAuroc(labels, probs),
  fromStatistics: (s) => {
    const positives = s.tp + s.fn;
    const negatives = s.tn + s.fp;
    return positives === 0 || negatives === 0 ? null : s.aurocNumerator / (positives * negatives);
  },
});
