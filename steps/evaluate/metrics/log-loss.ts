/**
 * Log loss (cross-entropy, natural log): −mean(y·ln p + (1 − y)·ln(1 − p)). As in scikit-learn's log_loss, the
 * probabilities of both classes (1 − p and p) are clipped to [ε, 1 − ε] with ε the float64 machine epsilon, so a
 * confident mistake costs about 36 nats instead of infinity. null for no rows. Arguments are labels then
 * probabilities, as for every metric.
 */
import { defineMetric } from "./metric.js";

export const EPSILON = 2.220446049250313e-16;

/**
 * One row's term; the weighted pass computes it once per row. `epsilon` is the clipping bound (a trainer matching
 * Keras's binary cross-entropy passes 1e-7).
 */
export const logLossTerm = (label: number, prob: number, epsilon = EPSILON): number => {
  const p = Math.min(Math.max(label === 1 ? prob : 1 - prob, epsilon), 1 - epsilon);
  return -Math.log(p);
};

/** Mean log loss over the rows; null for no rows. */
export const meanLogLoss = (labels: ArrayLike<number>, probs: ArrayLike<number>, epsilon = EPSILON): number | null => {
  if (labels.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += logLossTerm(labels[i]!, probs[i]!, epsilon);
  return sum / labels.length;
};

export const logLoss = defineMetric({
  name: "logLoss",
  label: "Log loss",
  higherIsBetter: false,
  proportion: false,
  basis: "n",
  ratios: true,
  key: false,
  compute: (labels, probs) => meanLogLoss(labels, probs),
  fromStatistics: (s) => s.logLossSum / s.n,
});
