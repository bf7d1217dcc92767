/**
 * The confusion counts at a decision threshold: a prediction is positive when prob ≥ threshold. Labels are 0/1.
 * Shared by the threshold metrics (accuracy, balanced accuracy, sensitivity, specificity, PPV, NPV, MCC), each of
 * which is a formula on these counts; the weighted pass's statistics carry the same four counts as total weights.
 */
export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export const confusion = (labels: readonly number[], probs: readonly number[], threshold: number): Confusion => {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = probs[i]! >= threshold;
    if (labels[i] === 1) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
  }
  return { tp, fp, tn, fn };
};

/** k / n, or null when n is 0 (the metric is undefined, not zero). */
export const ratioOrNull = (k: number, n: number): number | null => (n === 0 ? null : k / n);
