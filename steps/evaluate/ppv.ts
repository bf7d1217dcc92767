/**
 * Positive predictive value (precision): TP / (TP + FP). scikit-learn's precision_score. null when nothing is
 * predicted positive (scikit-learn returns 0 there with a warning; an undefined value is not a zero).
 */
import { confusion, ratioOrNull } from "./confusion.js";

export const ppv = (labels: readonly number[], probs: readonly number[], threshold = 0.5): number | null => {
  const c = confusion(labels, probs, threshold);
  return ratioOrNull(c.tp, c.tp + c.fp);
};
