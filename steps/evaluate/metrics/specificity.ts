/** Specificity (true-negative rate): TN / (TN + FP). null without negatives. */
import { type Confusion, confusion, ratioOrNull } from "./confusion.js";
import { defineMetric } from "./metric.js";

const fromCounts = (c: Confusion): number | null => ratioOrNull(c.tn, c.tn + c.fp);

export const specificity = defineMetric({
  name: "specificity",
  label: "Specificity",
  higherIsBetter: true,
  proportion: true,
  basis: "negatives",
  ratios: true,
  key: false,
  compute: (labels, probs, threshold) => fromCounts(confusion(labels, probs, threshold)),
  fromStatistics: fromCounts,
});
