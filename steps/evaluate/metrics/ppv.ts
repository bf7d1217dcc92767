/**
 * Positive predictive value (precision): TP / (TP + FP). scikit-learn's precision_score. null when nothing is
 * predicted positive (scikit-learn returns 0 there with a warning; an undefined value is not a zero).
 */
import { type Confusion, confusion, ratioOrNull } from "./confusion.js";
import { defineMetric } from "./metric.js";

const fromCounts = (c: Confusion): number | null => ratioOrNull(c.tp, c.tp + c.fp);

export const ppv = defineMetric({
  name: "ppv",
  label: "PPV",
  higherIsBetter: true,
  proportion: true,
  basis: "predictedPositives",
  ratios: true,
  key: false,
  compute: (labels, probs, threshold) => fromCounts(confusion(labels, probs, threshold)),
  fromStatistics: fromCounts,
});
