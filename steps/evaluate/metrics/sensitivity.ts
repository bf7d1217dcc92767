/** Sensitivity (recall, true-positive rate): TP / (TP + FN). scikit-learn's recall_score. null without positives. */
import { type Confusion, confusion, ratioOrNull } from "./confusion.js";
import { defineMetric } from "./metric.js";

const fromCounts = (c: Confusion): number | null => ratioOrNull(c.tp, c.tp + c.fn);

export const sensitivity = defineMetric({
  name: "sensitivity",
  label: "Sensitivity",
  higherIsBetter: true,
  proportion: true,
  basis: "positives",
  ratios: true,
  key: false,
  compute: (labels, probs, threshold) => fromCounts(confusion(labels, probs, threshold)),
  fromStatistics: fromCounts,
});
