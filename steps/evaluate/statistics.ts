/** Summaries across replicates. Every function sums in index order, so equal inputs give bit-identical outputs. */

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
