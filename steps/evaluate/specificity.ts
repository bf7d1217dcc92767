/** Specificity (true-negative rate): TN / (TN + FP). null without negatives. */
import { confusion, ratioOrNull } from "./confusion.js";

export const specificity = (labels: readonly number[], probs: readonly number[], threshold = 0.5): number | null => {
  const c = confusion(labels, probs, threshold);
  return ratioOrNull(c.tn, c.tn + c.fp);
};
