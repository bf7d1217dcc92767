/**
 * Stratified bootstrap resampling and percentile intervals. Randomness comes only from the stream passed in
 * (a step passes ctx.random(name)), so the same seed and stream give the same resamples in any process.
 */

/**
 * One stratified resample: within each stratum, as many draws with replacement as the stratum has members.
 * `strata` maps each unit (index) to its stratum key; strata are visited in code-unit order of their keys and
 * members in ascending index order, so the draws depend only on the data and the stream. Returns the drawn unit
 * indices, grouped by stratum in that order.
 */
export const stratifiedResample = (strata: readonly string[], random: () => number): number[] => {
  const members = new Map<string, number[]>();
  for (let i = 0; i < strata.length; i++) {
    const list = members.get(strata[i]!);
    if (list) list.push(i);
    else members.set(strata[i]!, [i]);
  }
  const keys = [...members.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const drawn: number[] = [];
  for (const key of keys) {
    const list = members.get(key)!;
    for (let k = 0; k < list.length; k++) drawn.push(list[Math.floor(random() * list.length)]!);
  }
  return drawn;
};

/**
 * The q-quantile (0 ≤ q ≤ 1) of the values by linear interpolation between order statistics (numpy's default
 * "linear" method, Hyndman & Fan type 7). NaN and null values are left out; null when none is left.
 */
export const quantile = (values: readonly (number | null)[], q: number): number | null => {
  const sorted = values.filter((v): v is number => v !== null && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
};

/** A percentile bootstrap interval at `level` (e.g. 0.95 → the 2.5th and 97.5th percentiles). */
export const percentileInterval = (values: readonly (number | null)[], level = 0.95): readonly [number, number] | null => {
  const lo = quantile(values, (1 - level) / 2);
  const hi = quantile(values, 1 - (1 - level) / 2);
  return lo === null || hi === null ? null : [lo, hi];
};
