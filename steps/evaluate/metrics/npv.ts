/** Negative predictive value: TN / (TN + FN). null when nothing is predicted negative. */
import { type Confusion, confusion, ratioOrNull } from "./confusion.js";
import { defineMetric } from "./metric.js";

const fromCounts = (c: Confusion): number | null => ratioOrNull(c.tn, c.tn + c.fn);

export const npv = defineMetric({
  name: "npv",
  label: "NPV",
  higherIsBetter: true,
  proportion: true,
  basis: "predictedNegatives",
  ratios: true,
  key: false,
  compute: (labels, probs, threshold) => fromCounts(confusion(labels, probs, threshold)),
  fromStatistics: fromCounts,
});
