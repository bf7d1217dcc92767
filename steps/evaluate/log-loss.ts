/**
 * Log loss (cross-entropy, natural log): −mean(y·ln p + (1 − y)·ln(1 − p)). As in scikit-learn's log_loss, the
 * probabilities of both classes (1 − p and p) are clipped to [ε, 1 − ε] with ε the float64 machine epsilon, so a
 * confident mistake costs about 36 nats instead of infinity. NaN for no rows.
 */
export const EPSILON = 2.220446049250313e-16;

const clip = (v: number): number => Math.min(Math.max(v, EPSILON), 1 - EPSILON);

export const logLoss = (labels: readonly number[], probs: readonly number[]): number => {
  if (labels.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probs[i]!;
    sum += labels[i] === 1 ? -Math.log(clip(p)) : -Math.log(clip(1 - p));
  }
  return sum / labels.length;
};
