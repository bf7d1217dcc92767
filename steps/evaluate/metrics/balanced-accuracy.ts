/**
 * Balanced accuracy: the mean of the per-class recalls, (sensitivity + specificity) / 2. Like scikit-learn's
 * balanced_accuracy_score, a class absent from the labels is left out of the mean (so with one class it is that
 * class's recall); null for no rows.
 */
import { type Confusion, confusion } from "./confusion.js";
import { defineMetric } from "./metric.js";

const fromCounts = (c: Confusion): number | null => {
  const recalls: number[] = [];
  if (c.tn + c.fp > 0) recalls.push(c.tn / (c.tn + c.fp));
  if (c.tp + c.fn > 0) recalls.push(c.tp / (c.tp + c.fn));
  if (recalls.length === 0) return null;
  return recalls.length === 1 ? recalls[0]! : (recalls[0]! + recalls[1]!) / 2;
};

export const balancedAccuracy = defineMetric({
  name: "balancedAccuracy",
  label: "Balanced accuracy",
  higherIsBetter: true,
  proportion: false,
  basis: "n",
  ratios: true,
  key: true,
  compute: (labels, probs, threshold) => fromCounts(confusion(labels, probs, threshold)),
  fromStatistics: fromCounts,
});
