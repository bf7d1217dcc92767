/**
 * Evaluation metrics as pure functions, one job each. Inputs are plain arrays; labels are 0/1, probabilities are
 * P(y = 1). Every function sums in index order, so equal inputs give bit-identical outputs.
 */

/** Share of predictions (prob ≥ threshold → 1) equal to the label. NaN for no rows. */
export const accuracy = (labels: readonly number[], probs: readonly number[], threshold = 0.5): number => {
  if (labels.length === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if ((probs[i]! >= threshold ? 1 : 0) === labels[i]) correct++;
  return correct / labels.length;
};

/**
 * Area under the ROC curve by the rank-sum (Mann-Whitney U) formula, tied scores given their average rank:
 *   AUROC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋),  R₊ = sum of the positives' ranks.
 * Equals P(score of a random positive > score of a random negative) + ½ P(tie). null when one class is absent.
 */
export const auroc = (labels: readonly number[], probs: readonly number[]): number | null => {
  const n = labels.length;
  let positives = 0;
  for (const y of labels) if (y === 1) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]! || a - b);
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && probs[order[j + 1]!] === probs[order[i]!]) j++;
    const averageRank = (i + 1 + (j + 1)) / 2; // ranks are 1-based
    for (let k = i; k <= j; k++) if (labels[order[k]!] === 1) rankSum += averageRank;
    i = j + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
};

/** Brier score: mean of (prob − label)². NaN for no rows. */
export const brier = (labels: readonly number[], probs: readonly number[]): number => {
  if (labels.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probs[i]! - labels[i]!) ** 2;
  return sum / labels.length;
};

/** Arithmetic mean; null for an empty list. */
export const mean = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
};

/** Sample standard deviation (n − 1 denominator); null for fewer than two values. */
export const sampleSd = (values: readonly number[]): number | null => {
  if (values.length < 2) return null;
  const m = mean(values)!;
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return Math.sqrt(ss / (values.length - 1));
};
