/**
 * The support set of a few-shot cell (our rule): k labelled patients drawn from the held-out site's training part,
 * stratified by class. Each class is shuffled with its own stream and the support takes a prefix of each, so for one
 * seed the support of a smaller k is inside that of a larger k (the curves over k are paired too).
 *   size       min(k, rows available): a site with fewer training rows than k gives all of them (`capped`);
 *   positives  round(size × the training part's positive share), moved to keep at least one row of each class when
 *              size ≥ 2 and both classes exist, and never more than a class holds.
 */
import { shuffled } from "../../split/split-table.js";

export interface Support {
  /**
   * Row indices into the table, ascending: the same set drawn under two seeds (a capped k) is then the same rows in
   * the same order, so every fit on it sums in the same order and gives the same bits.
   */
  readonly rows: Int32Array;
  readonly positives: number;
  readonly available: number;
  readonly capped: boolean;
}

export const drawSupport = (
  trainRows: ArrayLike<number>,
  labels: ArrayLike<number>,
  k: number,
  random: (stream: string) => () => number,
): Support => {
  const positiveRows: number[] = [];
  const negativeRows: number[] = [];
  for (let i = 0; i < trainRows.length; i++) (labels[trainRows[i]!] === 1 ? positiveRows : negativeRows).push(trainRows[i]!);
  const available = trainRows.length;
  const size = Math.min(k, available);
  let positives = available === 0 ? 0 : Math.round((size * positiveRows.length) / available);
  if (size >= 2 && positiveRows.length > 0 && negativeRows.length > 0) positives = Math.min(Math.max(positives, 1), size - 1);
  positives = Math.min(Math.max(positives, size - negativeRows.length), positiveRows.length);
  const chosen = [
    ...shuffled(positiveRows, random("support/positive")).slice(0, positives),
    ...shuffled(negativeRows, random("support/negative")).slice(0, size - positives),
  ];
  return { rows: Int32Array.from(chosen).sort(), positives, available, capped: k > available };
};
