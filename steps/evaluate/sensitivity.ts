/** Sensitivity (recall, true-positive rate): TP / (TP + FN). scikit-learn's recall_score. null without positives. */
import { confusion, ratioOrNull } from "./confusion.js";

export const sensitivity = (labels: readonly number[], probs: readonly number[], threshold = 0.5): number | null => {
  const c = confusion(labels, probs, threshold);
  return ratioOrNull(c.tp, c.tp + c.fn);
};
