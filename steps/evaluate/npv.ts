/** Negative predictive value: TN / (TN + FN). null when nothing is predicted negative. */
import { confusion, ratioOrNull } from "./confusion.js";

export const npv = (labels: readonly number[], probs: readonly number[], threshold = 0.5): number | null => {
  const c = confusion(labels, probs, threshold);
  return ratioOrNull(c.tn, c.tn + c.fn);
};
