/** Accuracy: the share of predictions (prob ≥ threshold → 1) equal to the label, (TP + TN) / n. null for no rows. */
import { type Confusion, confusion, ratioOrNull } from "./confusion.js";
import { defineMetric } from "./metric.js";

const fromCounts = (c: Confusion): number | null => ratioOrNull(c.tp + c.tn, c.tp + c.fp + c.tn + c.fn);

export const accuracy = defineMetric({
  name: "accuracy",
  label: "Accuracy",
  higherIsBetter: true,
  proportion: true,
  basis: "n",
  ratios: true,
  key: true,
  compute: (labels, probs, threshold) => fromCounts(confusion(labels, probs, threshold)),
  fromStatistics: fromCounts,
});
